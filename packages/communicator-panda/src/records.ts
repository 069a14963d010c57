// What the harvester sends besides job updates (workers, dialogs, heartbeat, event updates) in
// Harvester's shapes, and what it reads back (job dictionaries, commands). The same in both APIs:
// only the envelope and the parameter names around them differ.
import {
  type DiagSpec,
  type EventRangeUpdateBatch,
  type GetJobsRequest,
  type HeartbeatData,
  type JobParams,
  oneLine,
  parsePandaChecksum,
  type WmsCommand,
  type WorkSpec,
} from '@harvester-ts/core';
import { isRecord, maybeJsonString } from './responses.js';

/** `YYYY-MM-DD HH:MM:SS.ffffff` in UTC (Python's `%Y-%m-%d %H:%M:%S.%f`). */
export function formatPandaMicroTime(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}

/** Harvester's encoding of a datetime inside JSON: `datetime/%Y-%m-%d %H:%M:%S.%f`. */
export function pandaDatetimeValue(date: Date): string {
  return `datetime/${formatPandaMicroTime(date)}`;
}

/** Scalar WorkSpec columns Harvester's WorkSpec.convert_to_propagate sends, in its order. */
const WORKER_FIELDS = [
  'workerID',
  'batchID',
  'queueName',
  'status',
  'computingSite',
  'nCore',
  'nodeID',
  'submitTime',
  'startTime',
  'endTime',
  'jobType',
  'resourceType',
  'nativeExitCode',
  'nativeStatus',
  'diagMessage',
  'nJobs',
  'computingElement',
  'syncLevel',
  'submissionHost',
  'harvesterHost',
  'errorCode',
  'minRamCount',
] as const satisfies readonly (keyof WorkSpec)[];

/** Log locations: our workAttributes keys (LogFileType) → Harvester's names. */
const WORKER_LOG_FIELDS = [
  ['stdout', 'stdOut'],
  ['stderr', 'stdErr'],
  ['batch_log', 'batchLog'],
  ['jdl', 'jdl'],
] as const;

/** The server keeps diagMessage in a varchar(500). */
const DIAG_MESSAGE_MAX = 500;

/**
 * A worker as harvester/update_workers takes it (Harvester's WorkSpec.convert_to_propagate):
 * non-null columns, times as `datetime/...`, the supplemental error text as diagMessage when
 * there is an error code, the PandaIDs as pandaid_list, and the log URLs (a local path means
 * nothing to the server and is left out).
 */
export function pandaWorkerRecord(worker: WorkSpec): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const field of WORKER_FIELDS) {
    const value = worker[field] as unknown;
    if (value === null || value === undefined) continue;
    data[field] = value instanceof Date ? pandaDatetimeValue(value) : value;
  }
  if (worker.errorCode !== null && worker.errorCode !== 0 && worker.errorDiag) {
    data.diagMessage = worker.errorDiag;
  }
  if (typeof data.diagMessage === 'string') data.diagMessage = data.diagMessage.slice(0, DIAG_MESSAGE_MAX);
  const jobs = Array.isArray(worker.jobs) ? worker.jobs : [];
  if (jobs.length > 0) data.pandaid_list = jobs.map((j) => j.PandaID);
  const attrs = worker.workAttributes ?? {};
  for (const [ours, theirs] of WORKER_LOG_FIELDS) {
    const v = attrs[ours] ?? attrs[theirs];
    if (typeof v === 'string' && /^https?:\/\//.test(v)) data[theirs] = v;
  }
  return data;
}

/** A dialog as harvester/add_dialogs takes it (Harvester's DiagSpec.convert_to_propagate). */
export function pandaDialogRecord(dialog: DiagSpec): Record<string, unknown> {
  return {
    diagID: dialog.diagID,
    moduleName: dialog.moduleName,
    identifier: dialog.identifier,
    creationTime: dialog.creationTime instanceof Date ? formatPandaMicroTime(dialog.creationTime) : null,
    messageLevel: dialog.messageLevel,
    diagMessage: dialog.diagMessage,
  };
}

/**
 * The heartbeat's `data`: startTime as `datetime/...`, sw_version, commit_stamp and the commands
 * this instance expects, each `NAME[:site[:resourceType]]` sent as {command, computingSite,
 * resourceType}.
 */
export function pandaHeartbeatData(data: HeartbeatData): Record<string, unknown> {
  const out: Record<string, unknown> = {
    startTime: pandaDatetimeValue(data.startTime),
    sw_version: data.swVersion,
  };
  if (data.commitStamp !== undefined) out.commit_stamp = data.commitStamp;
  if (data.commands && data.commands.length > 0) {
    out.commands = data.commands.map((c) => {
      const [command, computingSite, resourceType] = c.split(':');
      return {
        command,
        computingSite: computingSite ?? null,
        resourceType: resourceType ?? 'ANY',
      };
    });
  }
  return out;
}

/**
 * The `event_ranges` list of event/update_event_ranges version 1 for some batches: one entry per
 * batch, `{eventRanges, zipFile?}`, the zip's checksum as `adler32` or `md5`.
 */
export function pandaEventUpdateList(batches: readonly EventRangeUpdateBatch[]): Record<string, unknown>[] {
  return batches.map((b) => {
    const entry: Record<string, unknown> = { eventRanges: b.eventRanges.map((r) => ({ ...r })) };
    if (b.zipFile) {
      const { checksum, ...rest } = b.zipFile;
      const zip: Record<string, unknown> = { ...rest };
      const parsed = checksum === undefined ? undefined : parsePandaChecksum(checksum);
      if (parsed) zip[parsed.algorithm] = parsed.digest;
      entry.zipFile = zip;
    }
    return entry;
  });
}

/** Event statuses the server applies (it answers null, "skipped", for the others). */
export const FINAL_EVENT_STATUSES: ReadonlySet<string> = new Set(['finished', 'failed', 'fatal']);

/** PanDA job statuses after which a job is no longer active (checkJobs). */
export const INACTIVE_JOB_STATUSES: ReadonlySet<string> = new Set([
  'finished',
  'failed',
  'cancelled',
  'closed',
  'merging',
  'unknown',
  'not found',
]);

/** A PandaID as a positive safe integer (numbers or numeric strings), else undefined. */
export function pandaIdOf(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** What a value is, without its content (a job dictionary's values may be secrets). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Splits the job dictionaries of an answer into the usable ones (objects with a PandaID) and
 * the rest, each described for the log by its index and what is wrong, never by its content
 * (job dictionaries carry secrets: user proxies, tokens); the keys of a dictionary are named.
 * Content is the engine's to check (core's jobSpecFromPandaDict): a dictionary with a PandaID
 * but bad content is reported failed to the WMS by the job fetcher, which it cannot do without
 * the PandaID.
 */
export function usableJobDicts(list: readonly unknown[]): { jobs: JobParams[]; dropped: string[] } {
  const jobs: JobParams[] = [];
  const dropped: string[] = [];
  list.forEach((item, i) => {
    if (!isRecord(item)) {
      dropped.push(`#${i}: not an object but ${kindOf(item)}`);
    } else if (pandaIdOf(item.PandaID) === undefined) {
      const id = item.PandaID;
      const shown =
        id === undefined
          ? 'missing'
          : typeof id === 'number' || (typeof id === 'string' && /^\s*-?[\d.e+]{0,20}\s*$/i.test(id))
            ? JSON.stringify(id)
            : kindOf(id);
      const keys = Object.keys(item);
      dropped.push(
        `#${i}: no usable PandaID (${shown}); keys: ${oneLine(keys.slice(0, 20).join(', '), 200)}${keys.length > 20 ? ', …' : ''}`,
      );
    } else {
      jobs.push(item as JobParams);
    }
  });
  return { jobs, dropped };
}

/** A server time: `datetime/...`, `YYYY-MM-DD HH:MM:SS[.f]` (UTC), ISO, or epoch seconds. */
export function parsePandaTime(value: unknown): Date | null {
  if (value instanceof Date) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000);
  if (typeof value !== 'string') return null;
  const s = value.replace(/^datetime\//, '').trim();
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (!m) return null;
  const frac = m[3] ? `.${m[3].slice(0, 3).padEnd(3, '0')}` : '';
  const d = new Date(`${m[1]}T${m[2]}${frac}${m[4] ?? 'Z'}`);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** A command of harvester/acquire_commands (getCommands), or why it is unusable. */
export function parseCommand(value: unknown): WmsCommand | string {
  if (!isRecord(value)) return `not an object: ${oneLine(JSON.stringify(value) ?? String(value), 120)}`;
  const id = value.command_id ?? value.commandID;
  const commandID = pandaIdOf(id);
  if (commandID === undefined) return `no usable command_id: ${oneLine(JSON.stringify(value), 120)}`;
  if (typeof value.command !== 'string' || value.command === '')
    return `command ${commandID} has no command name`;
  const ack = value.ack_requested ?? value.ackRequested;
  return {
    commandID,
    command: value.command,
    params: maybeJsonString(value.params ?? null),
    ackRequested: ack === true || ack === 1 || ack === 'Y' || ack === 'True' || ack === 'true',
    creationDate: parsePandaTime(value.creation_date ?? value.creationDate),
  };
}

/** v1 `pilot/acquire_jobs` parameters: our getJobCriteria names (and theirs) → the v1 name. */
export const V1_ACQUIRE_CRITERIA: Readonly<Record<string, string>> = {
  resourceType: 'resource_type',
  resource_type: 'resource_type',
  jobType: 'job_type',
  job_type: 'job_type',
  memory: 'memory',
  diskSpace: 'disk_space',
  disk_space: 'disk_space',
  prodUserID: 'prod_user_id',
  prod_user_id: 'prod_user_id',
  getProxyKey: 'get_proxy_key',
  get_proxy_key: 'get_proxy_key',
  taskID: 'task_id',
  task_id: 'task_id',
  background: 'background',
  workerID: 'worker_id',
  worker_id: 'worker_id',
  viaTopic: 'via_topic',
  via_topic: 'via_topic',
  remaining_time: 'remaining_time',
  remainingTime: 'remaining_time',
};

/** v1 acquire_jobs parameters the server type-checks as int / bool (POST values are checked strictly). */
const V1_INT = new Set(['memory', 'disk_space', 'task_id', 'worker_id']);
const V1_BOOL = new Set(['background', 'via_topic']);

/** A criterion value in the type the v1 server checks for. */
export function v1CriterionValue(name: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const s = value.trim();
  if (V1_INT.has(name) && /^[+-]?\d+$/.test(s)) return Number(s);
  if (V1_BOOL.has(name) && /^(true|false|1|0)$/i.test(s)) return /^(true|1)$/i.test(s);
  return value;
}

/** Legacy getJob parameters a getJobCriteria key may set (the others raise a TypeError there). */
export const LEGACY_GETJOB_CRITERIA: ReadonlySet<string> = new Set([
  'token',
  'timeout',
  'cpu',
  'mem',
  'diskSpace',
  'AtlasRelease',
  'prodUserID',
  'getProxyKey',
  'countryGroup',
  'workingGroup',
  'allowOtherCountry',
  'taskID',
  'background',
  'resourceType',
  'worker_id',
  'jobType',
  'viaTopic',
  'remaining_time',
]);

/** The matchmaking fields of a getJobs request that are set (an empty string is left to the server's default). */
export function requestFields(request: GetJobsRequest) {
  const s = (v: string) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    siteName: request.siteName,
    node: s(request.nodeName),
    prodSourceLabel: s(request.prodSourceLabel),
    computingElement: s(request.computingElement),
  };
}
