// The per-job record a harvester sends to PanDA to report a job (Harvester's
// PandaCommunicator.update_jobs), in both naming styles:
// - API v1 `pilot/update_jobs_bulk`: `job_list` entries with snake_case names (job_id,
//   job_status, job_sub_status, attempt_nr, core_count, start_time, end_time, meta_data,
//   job_output_report, …);
// - legacy `updateJobsInBulk`: `jobList` (a JSON string) of updateJob dicts with camelCase names
//   (jobId, state, jobSubStatus, attemptNr, coreCount, startTime, endTime, metaData, xml, …).
// Pure: builds the records, sends nothing.
import type { JobSpec } from '../entities/job-spec.js';
import { isFinalJobStatus, JobStatus, JobSubStatus } from '../status/job-status.js';

/** The job status values PanDA accepts in a job update. */
export type PandaReportedJobStatus = 'starting' | 'running' | 'transferring' | 'finished' | 'failed';

/**
 * Job attributes (JobSpec.jobAttributes, reported by the worker or set by harvester) forwarded to
 * PanDA, with their API v1 names. `token` has no v1 parameter (the v1 server rejects unknown
 * parameters, failing that job's update), so it is forwarded in the legacy style only.
 */
export const PANDA_FORWARDED_JOB_ATTRIBUTES = {
  token: null,
  transExitCode: 'trans_exit_code',
  pilotErrorCode: 'pilot_error_code',
  pilotErrorDiag: 'pilot_error_diag',
  exeErrorCode: 'exe_error_code',
  exeErrorDiag: 'exe_error_diag',
  node: 'node',
  cpuConsumptionTime: 'cpu_consumption_time',
  cpuConsumptionUnit: 'cpu_consumption_unit',
  cpuConversionFactor: 'cpu_conversion_factor',
  schedulerID: 'scheduler_id',
  pilotID: 'pilot_id',
  siteName: 'site_name',
  pilotLog: 'pilot_log',
  pilotTiming: 'pilot_timing',
  startTime: 'start_time',
  endTime: 'end_time',
  nEvents: 'n_events',
  nInputFiles: 'n_input_files',
  batchID: 'batch_id',
  attemptNr: 'attempt_nr',
  jobMetrics: 'job_metrics',
  stdout: 'stdout',
  coreCount: 'core_count',
  maxRSS: 'max_rss',
  maxVMEM: 'max_vmem',
  maxSWAP: 'max_swap',
  maxPSS: 'max_pss',
  avgRSS: 'avg_rss',
  avgVMEM: 'avg_vmem',
  avgSWAP: 'avg_swap',
  avgPSS: 'avg_pss',
  totRCHAR: 'tot_rchar',
  totWCHAR: 'tot_wchar',
  totRBYTES: 'tot_rbytes',
  totWBYTES: 'tot_wbytes',
  rateRCHAR: 'rate_rchar',
  rateWCHAR: 'rate_wchar',
  rateRBYTES: 'rate_rbytes',
  rateWBYTES: 'rate_wbytes',
} as const satisfies Record<string, string | null>;

export type PandaForwardedJobAttribute = keyof typeof PANDA_FORWARDED_JOB_ATTRIBUTES;

/** v1 parameters the server type-checks as int. */
const V1_INT_PARAMS: ReadonlySet<string> = new Set([
  'trans_exit_code',
  'pilot_error_code',
  'exe_error_code',
  'cpu_consumption_time',
  'n_events',
  'n_input_files',
  'attempt_nr',
  'core_count',
]);

/** v1 parameters the server type-checks as int or float. */
const V1_NUMBER_PARAMS: ReadonlySet<string> = new Set([
  'cpu_conversion_factor',
  'max_rss',
  'max_vmem',
  'max_swap',
  'max_pss',
  'avg_rss',
  'avg_vmem',
  'avg_swap',
  'avg_pss',
  'tot_rchar',
  'tot_wchar',
  'tot_rbytes',
  'tot_wbytes',
  'rate_rchar',
  'rate_wchar',
  'rate_rbytes',
  'rate_wbytes',
]);

export interface PandaJobUpdateOptions {
  /**
   * Whether every event of the job is done (event service). A final job whose events are not
   * all done is reported as `transferring`, like one still staging out. Default true.
   */
  allEventsDone?: boolean;
}

/** A job_list entry of API v1 pilot/update_jobs_bulk. */
export interface PandaJobUpdateV1 {
  job_id: number;
  site_name: string;
  job_status: PandaReportedJobStatus;
  job_sub_status: string;
  attempt_nr: number;
  core_count?: number | string;
  start_time?: string;
  end_time?: string;
  /** JSON of JobSpec.metaData (the job report); final jobs only. */
  meta_data?: string;
  /** The output file report; final jobs only. */
  job_output_report?: string;
  /** Forwarded job attributes (snake_case). */
  [parameter: string]: unknown;
}

/** An entry of the legacy updateJobsInBulk `jobList` (the updateJob parameters). */
export interface PandaJobUpdateLegacy {
  jobId: number;
  siteName: string;
  state: PandaReportedJobStatus;
  jobSubStatus: string;
  attemptNr: number;
  coreCount?: number | string;
  startTime?: string;
  endTime?: string;
  metaData?: string;
  /** The output file report (named `xml` for historical reasons). */
  xml?: string;
  /** Forwarded job attributes (camelCase). */
  [parameter: string]: unknown;
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, the time format PanDA's job update expects. */
export function formatPandaTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * The status PanDA should see for the job (Harvester's JobSpec.get_status): a final job that is
 * still staging out (subStatus to_transfer/transferring) or whose events are not all done is
 * reported as `transferring`, unless it was killed.
 */
export function reportedJobStatus(
  job: JobSpec,
  options: PandaJobUpdateOptions = {},
): JobSpec['status'] | 'transferring' {
  const allEventsDone = options.allEventsDone ?? true;
  if (
    isFinalJobStatus(job.status) &&
    job.subStatus !== JobSubStatus.killed &&
    (job.subStatus === JobSubStatus.to_transfer ||
      job.subStatus === JobSubStatus.transferring ||
      !allEventsDone)
  ) {
    return 'transferring';
  }
  return job.status;
}

/**
 * Status and sub-status for the update: cancelled and missed are not PanDA job states, so they
 * go as `failed` with sub-status `pilot_closed` (when the pilot closed the job) or the original
 * status name.
 */
export function pandaUpdateStatus(
  job: JobSpec,
  options: PandaJobUpdateOptions = {},
): { status: PandaReportedJobStatus; subStatus: string } {
  const status = reportedJobStatus(job, options);
  if (status === JobStatus.cancelled || status === JobStatus.missed) {
    return { status: JobStatus.failed, subStatus: job.pilotClosed ? 'pilot_closed' : status };
  }
  return { status, subStatus: job.subStatus };
}

/** The output file report as the string PanDA takes (stored as is, or JSON of an object). */
function reportString(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function timeValue(value: unknown): unknown {
  return value instanceof Date ? formatPandaTime(value) : value;
}

/** A numeric string as a number for v1 parameters the server type-checks as numbers. */
function v1Value(name: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const s = value.trim();
  if (V1_INT_PARAMS.has(name) && /^[+-]?\d+$/.test(s)) return Number(s);
  if (V1_NUMBER_PARAMS.has(name) && s !== '' && Number.isFinite(Number(s))) return Number(s);
  return value;
}

/** The job fields common to both styles, after the forwarded attributes. */
interface CoreFields {
  status: PandaReportedJobStatus;
  subStatus: string;
  startTime: string | undefined;
  endTime: string | undefined;
  coreCount: number | undefined;
  metaData: string | undefined;
  report: string | undefined;
}

function coreFields(job: JobSpec, options: PandaJobUpdateOptions): CoreFields {
  const { status, subStatus } = pandaUpdateStatus(job, options);
  // Job report and output file report only with the final status itself (not while transferring).
  const final = isFinalJobStatus(job.status) && job.status === reportedJobStatus(job, options);
  return {
    status,
    subStatus,
    startTime: job.startTime ? formatPandaTime(job.startTime) : undefined,
    endTime: job.endTime ? formatPandaTime(job.endTime) : undefined,
    coreCount: job.nCore ?? undefined,
    metaData:
      final && job.metaData !== null && job.metaData !== undefined ? JSON.stringify(job.metaData) : undefined,
    report: final ? reportString(job.outputFilesToReport) : undefined,
  };
}

function forwardedAttributes(job: JobSpec): [PandaForwardedJobAttribute, unknown][] {
  const attrs = job.jobAttributes ?? {};
  return Object.entries(attrs).filter(
    (entry): entry is [PandaForwardedJobAttribute, unknown] =>
      Object.hasOwn(PANDA_FORWARDED_JOB_ATTRIBUTES, entry[0]) && entry[1] !== undefined,
  );
}

/**
 * The job_list entry for API v1 pilot/update_jobs_bulk. Forwarded job attributes come first
 * (snake_case; Date start/end times formatted; numeric strings turned into numbers where the
 * server expects numbers), then the job's own fields, which win over attributes of the same
 * name (job_id, site_name, job_status, job_sub_status, attempt_nr). core_count, start_time and
 * end_time come from the job (nCore, startTime, endTime) unless an attribute gave them. A final
 * job also carries meta_data (JSON of metaData) and job_output_report.
 */
export function pandaJobUpdateV1(job: JobSpec, options: PandaJobUpdateOptions = {}): PandaJobUpdateV1 {
  const data: Record<string, unknown> = {};
  for (const [name, value] of forwardedAttributes(job)) {
    const v1Name = PANDA_FORWARDED_JOB_ATTRIBUTES[name];
    if (v1Name === null) continue;
    data[v1Name] = v1Value(v1Name, timeValue(value));
  }
  const core = coreFields(job, options);
  data.job_id = job.PandaID;
  data.site_name = job.computingSite;
  data.job_status = core.status;
  data.job_sub_status = core.subStatus;
  data.attempt_nr = job.attemptNr;
  if (!('core_count' in data) && core.coreCount !== undefined) data.core_count = core.coreCount;
  if (!('start_time' in data) && core.startTime !== undefined) data.start_time = core.startTime;
  if (!('end_time' in data) && core.endTime !== undefined) data.end_time = core.endTime;
  if (core.metaData !== undefined) data.meta_data = core.metaData;
  if (core.report !== undefined) data.job_output_report = core.report;
  return data as PandaJobUpdateV1;
}

/**
 * The jobList entry for the legacy updateJobsInBulk (updateJob parameters). Same content as the
 * v1 record with camelCase names; integer attribute values are sent as strings (as Harvester's
 * legacy client did), `token` is forwarded, and the output file report is named `xml`.
 */
export function pandaJobUpdateLegacy(
  job: JobSpec,
  options: PandaJobUpdateOptions = {},
): PandaJobUpdateLegacy {
  const data: Record<string, unknown> = {};
  for (const [name, value] of forwardedAttributes(job)) {
    const v = timeValue(value);
    data[name] = typeof v === 'number' && Number.isInteger(v) ? String(v) : v;
  }
  const core = coreFields(job, options);
  data.jobId = job.PandaID;
  data.siteName = job.computingSite;
  data.state = core.status;
  data.attemptNr = job.attemptNr;
  data.jobSubStatus = core.subStatus;
  if (!('startTime' in data) && core.startTime !== undefined) data.startTime = core.startTime;
  if (!('endTime' in data) && core.endTime !== undefined) data.endTime = core.endTime;
  if (!('coreCount' in data) && core.coreCount !== undefined) data.coreCount = core.coreCount;
  if (core.metaData !== undefined) data.metaData = core.metaData;
  if (core.report !== undefined) data.xml = core.report;
  return data as PandaJobUpdateLegacy;
}

/** The JSON body of API v1 pilot/update_jobs_bulk (the caller chunks: Harvester sends 100 jobs per call). */
export function pandaUpdateJobsBulkBody(
  updates: readonly PandaJobUpdateV1[],
  harvesterID: string,
): { job_list: PandaJobUpdateV1[]; harvester_id: string } {
  return { job_list: [...updates], harvester_id: harvesterID };
}

/** The form parameters of the legacy updateJobsInBulk: `jobList` is a JSON string. */
export function legacyUpdateJobsInBulkForm(
  updates: readonly PandaJobUpdateLegacy[],
  harvesterID: string,
): { jobList: string; harvester_id: string } {
  return { jobList: JSON.stringify(updates), harvester_id: harvesterID };
}
