// Checks workers against the simulated batch system: one query for the whole list.
import {
  type BatchLookupResult,
  defineMonitor,
  retryLater,
  type WorkerCheckResult,
  WorkerStatus,
  type WorkSpec,
  workerStatus,
} from '@harvester-ts/core';
import { BatchSystemUnavailableError } from '../errors.js';
import { option, optionsSchema } from '../options-schema.js';
import { DEFAULT_SIMULATION, requireBatch } from '../registry.js';
import type { BatchJobInfo, BatchJobState } from '../simulated-batch-system.js';
import { TESTKIT_COMPATIBILITY } from './common.js';

export const testkitMonitorOptions = optionsSchema({
  simulation: option.string(DEFAULT_SIMULATION),
  /**
   * How long (simulation clock) a batch job may stay unknown before its worker is reported
   * `unknownStatus`; until then the check is retried. 0: at once.
   */
  unknownGraceSeconds: option.number(60, { min: 0 }),
  /** The status a worker whose batch job stays unknown gets. */
  unknownStatus: option.oneOf(['failed', 'cancelled'], 'failed'),
});

/** The worker status of a batch job state (completed with a non-zero exit code is failed). */
export function workerStatusOfBatchJob(state: BatchJobState, exitCode: number | null): WorkerStatus {
  switch (state) {
    case 'pending':
      return WorkerStatus.submitted;
    case 'running':
      return WorkerStatus.running;
    case 'completed':
      return exitCode === 0 || exitCode === null ? WorkerStatus.finished : WorkerStatus.failed;
    case 'failed':
      return WorkerStatus.failed;
    case 'cancelled':
      return WorkerStatus.cancelled;
  }
}

function apply(worker: WorkSpec, job: BatchJobInfo): void {
  worker.nativeStatus = job.state;
  worker.nativeExitCode = job.exitCode;
  if (job.node !== null) worker.nodeID = job.node;
  if (job.startTime !== null) worker.startTime = new Date(job.startTime);
  if (job.endTime !== null) worker.endTime = new Date(job.endTime);
  if (job.diag !== null) worker.diagMessage = job.diag.slice(0, 500);
}

/**
 * Monitor for the simulated batch system. pending → submitted, running → running, completed
 * (exit 0) → finished, failed / non-zero exit → failed, cancelled → cancelled. Sets nativeStatus,
 * nativeExitCode, nodeID, startTime, endTime, diagMessage. An unknown batch job is retried for
 * `unknownGraceSeconds`, then reported `unknownStatus` with a diagnostic; an unavailable batch
 * system is retry for every worker. Also finds batch jobs by the workers' batch names.
 */
export const TestkitMonitor = defineMonitor({
  name: 'TestkitMonitor',
  compatibility: TESTKIT_COMPATIBILITY,
  description: 'Monitors workers in a SimulatedBatchSystem registered with registerSimulation().',
  options: testkitMonitorOptions,
  create(options) {
    return {
      async checkWorkers(workers: WorkSpec[]): Promise<WorkerCheckResult[]> {
        if (workers.length === 0) return [];
        const { sim, batch } = requireBatch(options.simulation);
        const ids = workers.map((w) => w.batchID).filter((id): id is string => id !== null && id !== '');
        let results: Awaited<ReturnType<typeof batch.query>> = [];
        try {
          if (ids.length > 0) results = await batch.query(ids);
        } catch (err) {
          if (err instanceof BatchSystemUnavailableError) {
            return workers.map(() => retryLater(`batch system unavailable: ${err.message}`));
          }
          throw err;
        }
        const byID = new Map(results.map((r) => [r.batchID, r]));
        const now = sim.now();
        return workers.map((worker): WorkerCheckResult => {
          if (worker.batchID === null || worker.batchID === '') {
            return workerStatus(WorkerStatus.failed, `worker ${worker.workerID} has no batchID`);
          }
          const result = byID.get(worker.batchID);
          if (!result || result.state === 'unknown') {
            const key = `monitor:unknown:${worker.batchID}`;
            const since = sim.records.firstSeen(key, now);
            const unknownFor = now - since;
            if (unknownFor < options.unknownGraceSeconds * 1000) {
              return retryLater(
                `batch job ${worker.batchID} is unknown to the batch system (for ${unknownFor / 1000}s)`,
              );
            }
            const diag = `batch job ${worker.batchID} not found in the batch system for ${unknownFor / 1000}s`;
            worker.diagMessage = diag;
            return workerStatus(options.unknownStatus, diag);
          }
          sim.records.forget(`monitor:unknown:${worker.batchID}`);
          apply(worker, result);
          const status = workerStatusOfBatchJob(result.state, result.exitCode);
          return result.diag !== null && status !== WorkerStatus.running && status !== WorkerStatus.submitted
            ? workerStatus(status, result.diag)
            : workerStatus(status);
        });
      },

      async findWorkersByBatchName(workers: WorkSpec[]): Promise<BatchLookupResult[]> {
        if (workers.length === 0) return [];
        const { batch } = requireBatch(options.simulation);
        let found: BatchJobInfo[][];
        try {
          found = await batch.findByName(workers.map((w) => w.batchName));
        } catch (err) {
          if (err instanceof BatchSystemUnavailableError) {
            return workers.map(() => retryLater(`batch system unavailable: ${err.message}`));
          }
          throw err;
        }
        return workers.map((_, i): BatchLookupResult => {
          const jobs = found[i] ?? [];
          const job = jobs.at(-1);
          if (!job) return { kind: 'notFound' };
          return { kind: 'found', batchID: job.batchID, submissionHost: job.submissionHost };
        });
      },
    };
  },
});
