// Job (status, subStatus) derived from the status of its worker(s): Harvester's
// WorkSpec.convert_to_job_status and core_utils.update_job_attributes_with_workers
// (harvester-facts §2.1).
//
//   worker pending            -> (starting, submitted)   [harvester-ts decision, see below]
//   worker submitted | ready  -> (starting, <worker status>)
//   worker running | idle     -> (running, <worker status>)
//   worker finished | failed | cancelled -> (<worker status>, to_transfer)
//   worker missed             -> (missed, missed)
//
// pending does not exist in Harvester. A pending worker is committed together with its jobs before
// the submission; if those jobs stayed `prepared` (the submitter's claim criterion), a crash between
// the commit and the submission could let another submitter bind them to a second worker while the
// first one may exist in the batch system. So a job bound to a pending worker is already
// (starting, submitted); if the submission fails, the job is either released back to prepared for
// a retry (submitted -> prepared is allowed) or follows its missed worker to (missed, missed).
//
// Pilot override: when the worker reported a job attribute `jobStatus` of finished or failed, that
// status wins over the worker-derived one: (<jobStatus>, to_transfer). As in Harvester
// (JobSpec.get_job_status_from_attributes), this applies whatever the worker status is, e.g. a
// pilot that reported "failed" for a worker the batch system saw as finished, or a pilot that
// finished its payload while the batch job is still running. Other jobStatus values are ignored.
//
// No reversal: given the job's current status, a job that is already running is never mapped back
// to starting (a worker that goes idle -> ready after it ran gives (running, ready); a submitted or
// pending worker gives (running, running), as Harvester does for OneToMany).

import { JobStatus, JobSubStatus } from './job-status.js';
import type { JobStatusPair } from './job-transitions.js';
import { showStatus } from './transition-check.js';
import { isFinalWorkerStatus, isWorkerStatus, WorkerStatus } from './worker-status.js';

/** Job statuses a pilot may report through the job attribute `jobStatus` to override the worker. */
export type PilotJobStatus = typeof JobStatus.finished | typeof JobStatus.failed;

function pair(status: JobStatus, subStatus: JobSubStatus): JobStatusPair {
  return { status, subStatus };
}

function requireWorkerStatus(value: unknown): WorkerStatus {
  if (!isWorkerStatus(value)) throw new TypeError(`unknown worker status ${showStatus(value)}`);
  return value;
}

/**
 * convert_to_job_status: the job (status, subStatus) that mirrors one worker status. Throws a
 * TypeError for a value that is not a worker status.
 */
export function workerStatusToJobStatus(workerStatus: WorkerStatus): JobStatusPair {
  const ws = requireWorkerStatus(workerStatus);
  switch (ws) {
    case WorkerStatus.pending:
      return pair(JobStatus.starting, JobSubStatus.submitted);
    case WorkerStatus.submitted:
      return pair(JobStatus.starting, JobSubStatus.submitted);
    case WorkerStatus.ready:
      return pair(JobStatus.starting, JobSubStatus.ready);
    case WorkerStatus.running:
      return pair(JobStatus.running, JobSubStatus.running);
    case WorkerStatus.idle:
      return pair(JobStatus.running, JobSubStatus.idle);
    case WorkerStatus.finished:
      return pair(JobStatus.finished, JobSubStatus.to_transfer);
    case WorkerStatus.failed:
      return pair(JobStatus.failed, JobSubStatus.to_transfer);
    case WorkerStatus.cancelled:
      return pair(JobStatus.cancelled, JobSubStatus.to_transfer);
    case WorkerStatus.missed:
      return pair(JobStatus.missed, JobSubStatus.missed);
  }
}

/**
 * The pilot-reported job status in `jobAttributes` (`jobStatus`), if it is finished or failed;
 * null otherwise (no attributes, no jobStatus, or any other value).
 */
export function pilotJobStatus(jobAttributes: unknown): PilotJobStatus | null {
  if (typeof jobAttributes !== 'object' || jobAttributes === null) return null;
  const value: unknown = (jobAttributes as Record<string, unknown>).jobStatus;
  return value === JobStatus.finished || value === JobStatus.failed ? value : null;
}

/** Applies the pilot override: a reported finished/failed gives (<it>, to_transfer). */
export function applyPilotJobStatus(derived: JobStatusPair, reported: PilotJobStatus | null): JobStatusPair {
  return reported === null ? derived : pair(reported, JobSubStatus.to_transfer);
}

/** A job that is already running is never mapped back to starting. */
function keepRunning(derived: JobStatusPair, currentJobStatus: string | undefined): JobStatusPair {
  if (currentJobStatus !== JobStatus.running || derived.status !== JobStatus.starting) return derived;
  return pair(
    JobStatus.running,
    derived.subStatus === JobSubStatus.ready ? JobSubStatus.ready : JobSubStatus.running,
  );
}

export interface JobStatusFromWorkerOptions {
  /** The job's jobAttributes; a `jobStatus` of finished/failed overrides the worker status. */
  readonly jobAttributes?: unknown;
  /** The job's current status; a running job is never mapped back to starting. */
  readonly currentJobStatus?: string;
}

/**
 * OneToOne / ManyToOne: the job (status, subStatus) for a job whose (only) worker is in
 * `workerStatus`, with the pilot override and the no-reversal rule applied.
 */
export function jobStatusFromWorker(
  workerStatus: WorkerStatus,
  options: JobStatusFromWorkerOptions = {},
): JobStatusPair {
  const derived = workerStatusToJobStatus(workerStatus);
  const reported = pilotJobStatus(options.jobAttributes);
  if (reported !== null) return applyPilotJobStatus(derived, reported);
  return keepRunning(derived, options.currentJobStatus);
}

export interface AggregateJobStatusOptions {
  /** The job's current status; a running job is never mapped back to starting. */
  readonly currentJobStatus?: string;
}

/**
 * OneToMany (one job, several workers): the job (status, subStatus) from all its workers.
 *
 * - All workers final: finished if any finished, else failed if any failed, else missed when every
 *   worker was missed (no worker ever reached the batch system, so there is nothing to transfer;
 *   Harvester says cancelled here), else cancelled.
 * - Some worker still active: the most advanced active mapping: (running, running) if any is
 *   running, else (running, idle) if any is idle, else (starting, ready) if any is ready, else
 *   (starting, submitted) (submitted or pending workers); a running job stays running.
 *
 * There is no pilot override here: as in Harvester, worker attributes are not merged into the job
 * for OneToMany. Throws a RangeError for an empty list and a TypeError for an unknown status.
 */
export function aggregateJobStatusFromWorkers(
  workerStatuses: readonly WorkerStatus[],
  options: AggregateJobStatusOptions = {},
): JobStatusPair {
  if (workerStatuses.length === 0) throw new RangeError('a OneToMany job status needs at least one worker');
  const statuses = new Set(workerStatuses.map(requireWorkerStatus));
  const has = (s: WorkerStatus): boolean => statuses.has(s);
  const allFinal = [...statuses].every(isFinalWorkerStatus);
  if (allFinal) {
    if (has(WorkerStatus.finished)) return workerStatusToJobStatus(WorkerStatus.finished);
    if (has(WorkerStatus.failed)) return workerStatusToJobStatus(WorkerStatus.failed);
    if (!has(WorkerStatus.cancelled)) return workerStatusToJobStatus(WorkerStatus.missed);
    return workerStatusToJobStatus(WorkerStatus.cancelled);
  }
  for (const s of [WorkerStatus.running, WorkerStatus.idle, WorkerStatus.ready]) {
    if (has(s)) return keepRunning(workerStatusToJobStatus(s), options.currentJobStatus);
  }
  return keepRunning(workerStatusToJobStatus(WorkerStatus.submitted), options.currentJobStatus);
}
