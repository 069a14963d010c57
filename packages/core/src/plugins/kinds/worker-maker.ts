import type { JobSpec } from '../../entities/job-spec.js';
import type { WorkSpec } from '../../entities/work-spec.js';
import type { CallOptions, QueueConfigView } from '../context.js';
import type { Outcome } from '../outcome.js';

/**
 * Decides the shape of workers: how many jobs per worker (ManyToOne), how many workers per job
 * (OneToMany) and the resources each worker asks for.
 */
export interface WorkerMaker {
  /**
   * Makes one worker for a set of jobs (empty for NoJob queues). The returned WorkSpec carries
   * the sizing (nCore, minRamCount, maxDiskCount, maxWalltime, resourceType, jobType, pilotType,
   * ioIntensity); the engine sets its ID, status, queue and access point.
   * fatal: the jobs fail (failed_to_make); retry: the jobs are left for a later cycle.
   */
  makeWorker(
    jobs: JobSpec[],
    queue: QueueConfigView,
    jobType: string,
    resourceType: string,
    call?: CallOptions,
  ): Promise<Outcome<WorkSpec>>;
  /** Jobs per worker when making at most `nWorkers` workers (ManyToOne). */
  getNumJobsPerWorker(nWorkers: number): Promise<number>;
  /** Workers per job when making at most `nWorkers` workers (OneToMany). */
  getNumWorkersPerJob(nWorkers: number): Promise<number>;
  /** Whether the resource can take workers now; asked only when `dynamicSizing` is set. */
  isResourceReady(): Promise<boolean>;
  /** The resource's size changes; ask isResourceReady before making workers. */
  readonly dynamicSizing?: boolean;
}

/** What a worker-maker plugin implements; the sizing questions default to one and "ready". */
export type WorkerMakerImplementation = Pick<WorkerMaker, 'makeWorker' | 'dynamicSizing'> &
  Partial<Pick<WorkerMaker, 'getNumJobsPerWorker' | 'getNumWorkersPerJob' | 'isResourceReady'>>;

/** Completes a WorkerMakerImplementation into a WorkerMaker. */
export function completeWorkerMaker(impl: WorkerMakerImplementation): WorkerMaker {
  return {
    makeWorker: impl.makeWorker.bind(impl),
    getNumJobsPerWorker: impl.getNumJobsPerWorker?.bind(impl) ?? (async () => 1),
    getNumWorkersPerJob: impl.getNumWorkersPerJob?.bind(impl) ?? (async () => 1),
    isResourceReady: impl.isResourceReady?.bind(impl) ?? (async () => true),
    dynamicSizing: impl.dynamicSizing ?? false,
  };
}
