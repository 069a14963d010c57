// SimpleWorkerMaker (after Harvester's harvesterworkermaker/simple_worker_maker.py): one worker
// per chunk of jobs, sized from the jobs by core's sizeWorker.
//
// Unlike Harvester, which takes the sizes of job-less workers from the CRIC queue description
// (corecount, maxrss, maxtime, maxwdir), the sizes here come from the plugin's options and the
// queue configuration: no network access while making workers.
import {
  type CallOptions,
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
import { ENGINE_PLUGIN_COMPATIBILITY } from '../plugins/compatibility.js';
import { SIMPLE_WORKER_MAKER_DEFAULT_WALLTIME_SECONDS, simpleWorkerMakerOptionsSchema } from './options.js';

/**
 * Makes one worker per chunk of jobs:
 * - nCore: the sum of the jobs' cores (job.nCore, else jobParams.coreCount, else `defaultNCore`);
 * - minRamCount: the sum of the jobs' jobParams.minRamCount (else their cores × `defaultRamPerCoreMB`);
 * - maxDiskCount, ioIntensity: the sums of the jobs' values (null when none gives one);
 * - maxWalltime: the largest of the jobs' (else `defaultWalltimeSeconds`, else the queue's
 *   `walltimeLimit`, else one day);
 * - jobType and resourceType as the submitter gives them, pilotType from the first job's
 *   prodSourceLabel, nJobs the number of jobs.
 * A worker without jobs (NoJob) gets `defaultNCore` cores and `defaultNCore × defaultRamPerCoreMB`
 * MB. Malformed job values fall back to the defaults with a warning. A chunk needing more than
 * `maxNCore` cores or `maxRamMB` MB is fatal: its jobs fail with a diag naming them.
 */
export const SimpleWorkerMaker = defineWorkerMaker({
  name: 'SimpleWorkerMaker',
  compatibility: ENGINE_PLUGIN_COMPATIBILITY,
  description: 'Makes one worker per chunk of jobs, sized from the jobs (cores, memory, disk, wall time).',
  options: simpleWorkerMakerOptionsSchema,
  create(options, ctx) {
    const limits = { maxNCore: options.maxNCore, maxRamMB: options.maxRamMB };
    return {
      dynamicSizing: options.dynamicSizing,

      async makeWorker(
        jobs: JobSpec[],
        queue: QueueConfigView,
        jobType: string,
        resourceType: string,
        _call?: CallOptions,
      ): Promise<Outcome<WorkSpec>> {
        const { size, problems } = sizeWorker(jobs, {
          defaultNCore: options.defaultNCore,
          defaultRamPerCoreMB: options.defaultRamPerCoreMB,
          defaultWalltimeSeconds:
            options.defaultWalltimeSeconds ??
            queue.walltimeLimit ??
            SIMPLE_WORKER_MAKER_DEFAULT_WALLTIME_SECONDS,
        });
        for (const p of problems) {
          ctx.logger.warn({ PandaID: p.PandaID, field: p.field, value: p.value }, p.message);
        }
        const tooBig = workerSizeLimitProblem(size, jobs, limits);
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
