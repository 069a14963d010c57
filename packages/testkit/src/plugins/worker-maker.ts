// Makes one WorkSpec sized from its jobs (core's sizeWorker, as the engine's SimpleWorkerMaker).
import {
  defineWorkerMaker,
  fatal,
  type JobSpec,
  type Outcome,
  pilotTypeOf,
  type QueueConfigView,
  sizeWorker,
  success,
  type WorkSpec,
  workerSizeLimitProblem,
  workSpecOfSize,
} from '@harvester-ts/core';
import { option, optionsSchema } from '../options-schema.js';
import { TESTKIT_COMPATIBILITY } from './common.js';

export const testkitWorkerMakerOptions = optionsSchema({
  /** What getNumJobsPerWorker answers (ManyToOne). */
  nJobsPerWorker: option.integer(1, { min: 1 }),
  /** What getNumWorkersPerJob answers (OneToMany). */
  nWorkersPerJob: option.integer(1, { min: 1 }),
  /** Cores of a job that does not say, and of a worker without jobs. */
  defaultNCore: option.integer(1, { min: 1 }),
  /** MB per core for a job that gives no minRamCount. */
  defaultRamPerCoreMB: option.integer(2000, { min: 0 }),
  /** Wall time (s) of a worker whose jobs give none. */
  defaultWalltimeSeconds: option.integer(3600, { min: 1 }),
  /** Jobs needing more cores than this in one worker fail (failed_to_make). */
  maxNCore: option.optionalInteger({ min: 1 }),
  /** Answer of isResourceReady. */
  resourceReady: option.boolean(true),
  /** Ask isResourceReady before making workers. */
  dynamicSizing: option.boolean(false),
});

/**
 * WorkerMaker for tests, sized by core's `sizeWorker`: nCore is the sum of the jobs' cores (job.nCore,
 * else coreCount, else `defaultNCore`), minRamCount the sum of their minRamCount (else cores ×
 * `defaultRamPerCoreMB`), maxDiskCount and ioIntensity the sums, maxWalltime the largest;
 * malformed job values fall back with a warning. jobType and resourceType as given. More cores
 * than `maxNCore` is fatal. Test-only extras: `resourceReady` answers isResourceReady.
 */
export const TestkitWorkerMaker = defineWorkerMaker({
  name: 'TestkitWorkerMaker',
  compatibility: TESTKIT_COMPATIBILITY,
  description: 'Makes workers sized from their jobs.',
  options: testkitWorkerMakerOptions,
  create(options, ctx) {
    return {
      dynamicSizing: options.dynamicSizing,

      async makeWorker(
        jobs: JobSpec[],
        _queue: QueueConfigView,
        jobType: string,
        resourceType: string,
      ): Promise<Outcome<WorkSpec>> {
        const { size, problems } = sizeWorker(jobs, options);
        for (const p of problems) {
          ctx.logger.warn({ PandaID: p.PandaID, field: p.field, value: p.value }, p.message);
        }
        const tooBig = workerSizeLimitProblem(size, jobs, { maxNCore: options.maxNCore });
        if (tooBig !== undefined) return fatal(tooBig);
        const worker = workSpecOfSize(size);
        worker.jobType = jobType;
        worker.resourceType = resourceType;
        worker.pilotType = pilotTypeOf(jobs[0]);
        return success(worker);
      },

      async getNumJobsPerWorker(_nWorkers: number): Promise<number> {
        return options.nJobsPerWorker;
      },

      async getNumWorkersPerJob(_nWorkers: number): Promise<number> {
        return options.nWorkersPerJob;
      },

      async isResourceReady(): Promise<boolean> {
        return options.resourceReady;
      },
    };
  },
});
