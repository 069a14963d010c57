import type { WorkSpec } from '../../entities/work-spec.js';
import type { WorkerStatus } from '../../status/worker-status.js';
import type { CallOptions } from '../context.js';
import type { RetryLater } from '../outcome.js';

/** What the batch system says about one worker. */
export interface WorkerStatusReport {
  readonly kind: 'status';
  /** submitted, running, idle, finished, failed or cancelled (ready is decided by the engine). */
  readonly status: WorkerStatus;
  readonly diag?: string;
}

/** One result per worker: its status, or "could not tell now" (the worker is left as it is). */
export type WorkerCheckResult = WorkerStatusReport | RetryLater;

export function workerStatus(status: WorkerStatus, diag?: string): WorkerStatusReport {
  return diag === undefined ? { kind: 'status', status } : { kind: 'status', status, diag };
}

/** The batch job found under a worker's deterministic batch name. */
export interface BatchJobFound {
  readonly kind: 'found';
  readonly batchID: string;
  readonly submissionHost?: string;
}

export interface BatchJobNotFound {
  readonly kind: 'notFound';
}

export type BatchLookupResult = BatchJobFound | BatchJobNotFound | RetryLater;

/**
 * Watches workers. The plugin may also set `nativeStatus`, `nativeExitCode`, `diagMessage`,
 * `nodeID`, `startTime`, `endTime` and log files on the WorkSpecs it is given; the engine
 * stores them with the status.
 */
export interface Monitor {
  /** One result per worker, in the order given; one batch-system query for the whole list. */
  checkWorkers(workers: WorkSpec[], call?: CallOptions): Promise<WorkerCheckResult[]>;
  /**
   * Looks batch jobs up by the workers' `batchName`, to reconcile workers left `pending` by a
   * crash: found → adopted, notFound → missed (jobs retried), retry → asked again later.
   * A monitor without it cannot reconcile; its pending workers are marked missed after
   * a grace period.
   */
  findWorkersByBatchName?(workers: WorkSpec[], call?: CallOptions): Promise<BatchLookupResult[]>;
}
