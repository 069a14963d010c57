// Job status (what the WMS sees) and subStatus (where the job is in the harvester's pipeline).

export const JobStatus = {
  starting: 'starting',
  running: 'running',
  finished: 'finished',
  failed: 'failed',
  cancelled: 'cancelled',
  missed: 'missed',
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];
export const JOB_STATUSES: readonly JobStatus[] = Object.values(JobStatus);

export const FINAL_JOB_STATUSES: ReadonlySet<JobStatus> = new Set<JobStatus>([
  JobStatus.finished,
  JobStatus.failed,
  JobStatus.cancelled,
  JobStatus.missed,
]);

export const JobSubStatus = {
  fetched: 'fetched',
  preparing: 'preparing',
  prepared: 'prepared',
  /** Bound to a worker that is already `ready` (late binding). */
  queued: 'queued',
  // Worker-mirrored sub statuses: the job follows the status of its worker(s).
  submitted: 'submitted',
  ready: 'ready',
  running: 'running',
  idle: 'idle',
  // After the worker ended.
  to_transfer: 'to_transfer',
  transferring: 'transferring',
  staged: 'staged',
  /** Reported to the WMS for the last time; nothing more to do. */
  done: 'done',
  // Failures, each reported and then `done`.
  failed_to_prepare: 'failed_to_prepare',
  failed_to_make: 'failed_to_make',
  failed_to_stage_out: 'failed_to_stage_out',
  killed: 'killed',
  missed: 'missed',
} as const;
export type JobSubStatus = (typeof JobSubStatus)[keyof typeof JobSubStatus];
export const JOB_SUB_STATUSES: readonly JobSubStatus[] = Object.values(JobSubStatus);

export const FAILED_JOB_SUB_STATUSES: ReadonlySet<JobSubStatus> = new Set<JobSubStatus>([
  JobSubStatus.failed_to_prepare,
  JobSubStatus.failed_to_make,
  JobSubStatus.failed_to_stage_out,
  JobSubStatus.killed,
  JobSubStatus.missed,
]);

export function isJobStatus(value: unknown): value is JobStatus {
  return typeof value === 'string' && (JOB_STATUSES as readonly string[]).includes(value);
}

export function isJobSubStatus(value: unknown): value is JobSubStatus {
  return typeof value === 'string' && (JOB_SUB_STATUSES as readonly string[]).includes(value);
}

export function isFinalJobStatus(status: JobStatus): boolean {
  return FINAL_JOB_STATUSES.has(status);
}

/** JobSpec.hasOutFile. */
export const HasOutFile = {
  noOutput: 0,
  hasOutput: 1,
  hasZipOutput: 2,
  hasTransfer: 3,
  hasPostZipOutput: 4,
} as const;
export type HasOutFile = (typeof HasOutFile)[keyof typeof HasOutFile];

/** JobSpec.auxInput. */
export const AuxInput = {
  hasAuxInput: 0,
  inTriggered: 1,
  allTriggered: 2,
  inReady: 3,
  allReady: 4,
} as const;
export type AuxInput = (typeof AuxInput)[keyof typeof AuxInput];
