// A job fetched from PanDA → JobSpec + FileSpecs, the way Harvester's JobFetcher does it
// (JobSpec.convert_job_json, then status starting / subStatus fetched, computingSite, configID,
// the schedulerID attribute `harvester-<harvesterID>`, the queue's zipPerMB as a fallback, and one
// FileSpec per input file in status to_prepare), plus the output and log FileSpecs in status
// defined, which Harvester only creates when the worker reports its outputs.
import { FileSpec } from '../entities/file-spec.js';
import { type JobParams, JobSpec } from '../entities/job-spec.js';
import { FileStatus, FileType } from '../status/file-status.js';
import { HasOutFile, JobStatus, JobSubStatus } from '../status/job-status.js';
import { asPandaJobDict, PandaDictReader, readPandaID } from './dict-reader.js';
import {
  type PandaInputFile,
  type PandaOutputFile,
  readInputFiles,
  readLogFile,
  readOutputFiles,
} from './file-lists.js';
import { PANDA_NUMERIC_JOB_FIELDS } from './job-dict.js';
import { readJobResources } from './job-resources.js';

/** How long before `now` the propagator trigger is set: Harvester's trigger_propagation (1 h). */
export const PROPAGATION_TRIGGER_OFFSET_MS = 3_600_000;

/** Status of a new input FileSpec: to stage in, or already being staged in for another job. */
export type InitialInputFileStatus = typeof FileStatus.to_prepare | typeof FileStatus.preparing;

export interface JobSpecFromPandaDictOptions {
  /** The PanDA queue the job was fetched for (JobSpec.computingSite). */
  computingSite: string;
  /** This harvester instance; also gives the job attribute schedulerID `harvester-<id>`. */
  harvesterID: string;
  /** The queue configuration dump the job is processed with (JobSpec.configID). */
  configID?: number | null;
  /** Creation time of the rows (default: the current time). */
  now?: Date;
  /** The queue's zipPerMB, used when the job dictionary has none. */
  queueZipPerMB?: number | null;
  /**
   * The queue's input endpoint (queue config ddmEndpointIn). When given, every input FileSpec
   * gets it as endpoint, as Harvester's fetcher does; when undefined, each file keeps the
   * ddmEndPointIn PanDA sent for it.
   */
  inputEndpoint?: string | null;
  /**
   * Decides the status of each new input FileSpec. Harvester uses `preparing` when the same LFN
   * at the same endpoint is already ready/preparing/to_prepare/triggered for another starting
   * job (so it is staged once), else `to_prepare`. Default: always `to_prepare`.
   */
  inputFileStatus?: (file: {
    lfn: string;
    endpoint: string | null;
    scope: string | null;
  }) => InitialInputFileStatus;
  /**
   * JobSpec.propagatorTime, which makes the propagator report the new job (status starting) to
   * PanDA. Default: `now` minus one hour (Harvester's trigger_propagation), i.e. due at once.
   * null: do not schedule a report.
   */
  propagatorTime?: Date | null;
}

export interface PandaJobConversion {
  job: JobSpec;
  /** Inputs in inFiles order, then outputs and the log in outFiles order; also `job.files`. */
  files: FileSpec[];
}

/** The job attribute PanDA uses to tell which harvester instance runs the job. */
export function schedulerIDFor(harvesterID: string): string {
  return `harvester-${harvesterID}`;
}

/** jobParams: a shallow copy of the dictionary, with `secrets` decoded when it is a JSON string. */
function jobParamsOf(dict: Record<string, unknown>): JobParams {
  const params: JobParams = { ...dict };
  const secrets = params.secrets;
  if (typeof secrets === 'string') {
    try {
      params.secrets = JSON.parse(secrets) as unknown;
    } catch {
      // Harvester leaves undecodable secrets as they are.
    }
  }
  return params;
}

function newFile(job: JobSpec, now: Date): FileSpec {
  const f = new FileSpec();
  // fileID is left unset: the engine allocates it from the fileID sequence.
  f.PandaID = job.PandaID;
  f.taskID = job.taskID;
  f.fsize = null;
  f.chksum = null;
  f.path = null;
  f.eventRangeID = null;
  f.modificationTime = new Date(now.getTime());
  f.isZip = false;
  f.zipFileID = null;
  f.objstoreID = null;
  f.groupID = null;
  f.groupStatus = null;
  f.groupUpdateTime = null;
  f.attemptNr = 0;
  f.todelete = false;
  f.pathConvention = null;
  f.provenanceID = null;
  f.workerID = null;
  f.url = null;
  return f;
}

function attributes(guid: string | null, dataset: string | null): FileSpec['fileAttributes'] {
  const attrs: NonNullable<FileSpec['fileAttributes']> = {};
  if (guid !== null) attrs.guid = guid;
  if (dataset !== null) attrs.dataset = dataset;
  return attrs;
}

function inputFileSpec(
  job: JobSpec,
  input: PandaInputFile,
  now: Date,
  options: JobSpecFromPandaDictOptions,
): FileSpec {
  const f = newFile(job, now);
  f.lfn = input.lfn;
  f.fileType = FileType.input;
  f.fsize = input.fsize;
  f.chksum = input.checksum;
  f.scope = input.scope;
  f.endpoint = options.inputEndpoint === undefined ? input.endpoint : options.inputEndpoint;
  f.fileAttributes = attributes(input.guid, input.dataset);
  f.status =
    options.inputFileStatus?.({ lfn: f.lfn, endpoint: f.endpoint, scope: f.scope }) ?? FileStatus.to_prepare;
  return f;
}

function outputFileSpec(job: JobSpec, output: PandaOutputFile, now: Date): FileSpec {
  const f = newFile(job, now);
  f.lfn = output.lfn;
  f.fileType = output.fileType === 'log' ? FileType.log : FileType.output;
  f.status = FileStatus.defined;
  f.scope = output.scope;
  f.endpoint = output.endpoint;
  f.fileAttributes = attributes(output.guid, output.dataset);
  return f;
}

/**
 * Maps a job dictionary from PanDA (acquire_jobs / getJob) to a new JobSpec and its FileSpecs.
 *
 * Throws JobDictError when the dictionary is not an object, has no valid PandaID, has a numeric
 * field that is not an integer in range, or has malformed file lists (lists of different
 * lengths, a non-numeric fsize, a malformed checksum, a logFile missing from outFiles, an LFN
 * listed twice inconsistently). The message names the job, the field(s) and the value at fault.
 */
export function jobSpecFromPandaDict(
  dict: unknown,
  options: JobSpecFromPandaDictOptions,
): PandaJobConversion {
  const d = asPandaJobDict(dict);
  const reader = new PandaDictReader(d);
  const pandaID = readPandaID(reader);
  reader.pandaID = pandaID;

  const now = options.now ?? new Date();
  const at = (): Date => new Date(now.getTime());

  const resources = readJobResources(reader);
  const zipPerMB = reader.int('zipPerMB', PANDA_NUMERIC_JOB_FIELDS.zipPerMB);
  const inputs = readInputFiles(reader);
  const outputs = readOutputFiles(reader);
  const log = readLogFile(reader);

  const job = new JobSpec();
  job.PandaID = pandaID;
  job.taskID = reader.int('taskID', PANDA_NUMERIC_JOB_FIELDS.taskID);
  job.attemptNr = reader.int('attemptNr', PANDA_NUMERIC_JOB_FIELDS.attemptNr) ?? 0;
  job.status = JobStatus.starting;
  job.subStatus = JobSubStatus.fetched;
  job.currentPriority = reader.int('currentPriority', PANDA_NUMERIC_JOB_FIELDS.currentPriority);
  job.computingSite = options.computingSite;
  job.harvesterID = options.harvesterID;
  job.creationTime = at();
  job.modificationTime = at();
  job.stateChangeTime = at();
  job.startTime = null;
  job.endTime = null;
  job.nCore = resources.coreCount;
  job.jobParams = jobParamsOf(d);
  job.jobAttributes = { schedulerID: schedulerIDFor(options.harvesterID) };
  // As in Harvester, nothing is to be staged out until the worker reports outputs; the output
  // FileSpecs wait as `defined` (a stager claiming on hasOutFile alone would stage a job too early).
  job.hasOutFile = HasOutFile.noOutput;
  job.metaData = null;
  job.outputFilesToReport = null;
  job.lockedBy = null;
  job.propagatorLock = null;
  job.propagatorTime =
    options.propagatorTime === undefined
      ? new Date(now.getTime() - PROPAGATION_TRIGGER_OFFSET_MS)
      : options.propagatorTime;
  job.preparatorTime = null;
  job.submitterTime = null;
  job.stagerLock = null;
  job.stagerTime = null;
  job.zipPerMB = zipPerMB ?? options.queueZipPerMB ?? null;
  job.nWorkers = 0;
  job.nWorkersLimit = null;
  job.submissionAttempts = 0;
  job.jobsetID = reader.int('jobsetID', PANDA_NUMERIC_JOB_FIELDS.jobsetID);
  job.pilotClosed = false;
  job.configID = options.configID ?? null;
  job.nRemainingEvents = null;
  job.moreWorkers = null;
  job.maxWorkersInTotal = null;
  job.nWorkersInTotal = 0;
  job.jobParamsExtForOutput =
    outputs.length === 0
      ? null
      : Object.fromEntries(
          outputs.map((o) => [o.lfn, { scope: o.scope, dataset: o.dataset, endpoint: o.endpoint }]),
        );
  job.jobParamsExtForLog = log === null ? null : { lfn: log.lfn, guid: log.guid };
  job.auxInput = null;
  job.resourceType = resources.resourceType;

  const files = [
    ...inputs.map((input) => inputFileSpec(job, input, now, options)),
    ...outputs.map((output) => outputFileSpec(job, output, now)),
  ];
  job.files = files;
  return { job, files };
}
