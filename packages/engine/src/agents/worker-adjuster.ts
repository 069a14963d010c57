// How many new workers a queue gets this cycle (Harvester's WorkerAdjuster, for one resource
// type): bounded by the queued-worker limit, the total-worker limit, the per-cycle limits and,
// for job-driven queues, by the jobs that are ready (decided by the submitter's claim).
import type { QueueConfig } from '@harvester-ts/core';

export interface WorkerCounts {
  /** pending + submitted + idle */
  nQueue: number;
  nReady: number;
  nRunning: number;
}

export function countWorkers(byStatus: Record<string, number>): WorkerCounts {
  const n = (s: string) => byStatus[s] ?? 0;
  return { nQueue: n('pending') + n('submitted') + n('idle'), nReady: n('ready'), nRunning: n('running') };
}

export function newWorkerCount(
  queue: QueueConfig,
  counts: WorkerCounts,
  engineMaxNewWorkers: number,
): number {
  const maxWorkers = queue.maxWorkers ?? 0;
  if (maxWorkers <= 0) return 0;
  let queueLimit = queue.nQueueLimitWorker ?? maxWorkers;
  if (queue.nQueueLimitWorkerRatio !== null && queue.nQueueLimitWorkerRatio !== undefined) {
    const byRatio = Math.floor((counts.nRunning * queue.nQueueLimitWorkerRatio) / 100);
    queueLimit = Math.min(queueLimit, Math.max(queue.nQueueLimitWorkerMin ?? 1, byRatio));
  }
  const total = counts.nQueue + counts.nReady + counts.nRunning;
  if (counts.nQueue >= queueLimit || total >= maxWorkers) return 0;
  let n = Math.min(queueLimit - counts.nQueue, maxWorkers - total, engineMaxNewWorkers);
  const perCycle = queue.maxNewWorkersPerCycle ?? 0;
  if (perCycle > 0) n = Math.min(n, perCycle);
  return Math.max(0, n);
}
