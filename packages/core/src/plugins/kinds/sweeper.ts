import type { WorkSpec } from '../../entities/work-spec.js';
import type { CallOptions } from '../context.js';
import type { Outcome } from '../outcome.js';

/** Kills and cleans up workers. The instance the host uses always has all three methods. */
export interface Sweeper {
  /** Kills workers in bulk; one Outcome per worker, in order. A worker already gone is a success. */
  killWorkers(workers: WorkSpec[], call?: CallOptions): Promise<Outcome[]>;
  killWorker(worker: WorkSpec, call?: CallOptions): Promise<Outcome>;
  /**
   * Cleans up after a worker whose final state was reported (e.g. removes its access point).
   * Its jobs are `worker.getJobSpecList()`; files safe to delete are `job.getFilesToDelete()`.
   */
  sweepWorker(worker: WorkSpec, call?: CallOptions): Promise<Outcome>;
}

/**
 * What a sweeper plugin implements: `sweepWorker` and at least one of `killWorkers` /
 * `killWorker`; defineSweeper derives the other.
 */
export type SweeperImplementation = Pick<Sweeper, 'sweepWorker'> &
  (
    | (Pick<Sweeper, 'killWorkers'> & Partial<Pick<Sweeper, 'killWorker'>>)
    | (Pick<Sweeper, 'killWorker'> & Partial<Pick<Sweeper, 'killWorkers'>>)
  );

/** Completes a SweeperImplementation into a Sweeper. */
export function completeSweeper(impl: SweeperImplementation): Sweeper {
  const killWorkers =
    impl.killWorkers?.bind(impl) ??
    (async (workers: WorkSpec[], call?: CallOptions) => {
      const single = impl.killWorker!.bind(impl);
      return Promise.all(workers.map((w) => single(w, call)));
    });
  const killWorker =
    impl.killWorker?.bind(impl) ??
    (async (worker: WorkSpec, call?: CallOptions) => {
      const [result] = await killWorkers([worker], call);
      if (!result) throw new Error('killWorkers returned no result for the worker');
      return result;
    });
  return { killWorkers, killWorker, sweepWorker: impl.sweepWorker.bind(impl) };
}
