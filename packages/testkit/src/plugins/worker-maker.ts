// Makes one WorkSpec sized from its jobs.
import {
  defineWorkerMaker,
  fatal,
  type JobSpec,
  type Outcome,
  type QueueConfigView,
  success,
  WorkSpec,
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

function intParam(job: JobSpec, name: string): number | undefined {
  const raw = job.jobParams?.[name];
  if (raw === undefined || raw === null || raw === '' || raw === 'NULL') return undefined;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/**
 * WorkerMaker for tests: nCore is the sum of the jobs' cores (job.nCore, else coreCount, else
 * `defaultNCore`), minRamCount the sum of their minRamCount (else cores × `defaultRamPerCoreMB`),
 * maxDiskCount the sum of their maxDiskCount, maxWalltime the largest maxWalltime; jobType and
 * resourceType as given. More cores than `maxNCore` is fatal.
 */
export const TestkitWorkerMaker = defineWorkerMaker({
  name: 'TestkitWorkerMaker',
  compatibility: TESTKIT_COMPATIBILITY,
  description: 'Makes workers sized from their jobs.',
  options: testkitWorkerMakerOptions,
  create(options) {
    return {
      dynamicSizing: options.dynamicSizing,

      async makeWorker(
        jobs: JobSpec[],
        _queue: QueueConfigView,
        jobType: string,
        resourceType: string,
      ): Promise<Outcome<WorkSpec>> {
        let nCore = 0;
        let ram = 0;
        let disk: number | null = null;
        let walltime: number | null = null;
        for (const job of jobs) {
          const cores = job.nCore ?? intParam(job, 'coreCount') ?? options.defaultNCore;
          nCore += cores;
          ram += intParam(job, 'minRamCount') ?? cores * options.defaultRamPerCoreMB;
          const d = intParam(job, 'maxDiskCount');
          if (d !== undefined) disk = (disk ?? 0) + d;
          const w = intParam(job, 'maxWalltime');
          if (w !== undefined) walltime = Math.max(walltime ?? 0, w);
        }
        if (jobs.length === 0) {
          nCore = options.defaultNCore;
          ram = nCore * options.defaultRamPerCoreMB;
        }
        if (options.maxNCore !== undefined && nCore > options.maxNCore) {
          const ids = jobs.map((j) => j.PandaID).join(', ');
          return fatal(`jobs ${ids} need ${nCore} cores, more than maxNCore ${options.maxNCore}`);
        }
        const worker = new WorkSpec();
        worker.nCore = nCore;
        worker.minRamCount = ram;
        worker.maxDiskCount = disk;
        worker.maxWalltime = walltime ?? options.defaultWalltimeSeconds;
        worker.jobType = jobType;
        worker.resourceType = resourceType;
        worker.nJobs = jobs.length;
        worker.pilotType = null;
        worker.ioIntensity = null;
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
