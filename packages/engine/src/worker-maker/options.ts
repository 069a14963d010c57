// Options of SimpleWorkerMaker (the workerMaker section of a queue). A loose object: the queue's
// `common` options are merged into every plugin section, so keys of other plugins are let through.
import { z } from 'zod';

/** Wall time (s) of a worker whose jobs give none, when neither the option nor the queue's walltimeLimit does. */
export const SIMPLE_WORKER_MAKER_DEFAULT_WALLTIME_SECONDS = 86_400;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function integer(min: number, unit: string) {
  return z
    .int({ error: (iss) => `must be an integer (${unit}), got ${describe(iss.input)}` })
    .min(min, `must be at least ${min} (${unit})`);
}

/** An optional integer; JSON null counts as not set. */
function optionalInteger(min: number, unit: string) {
  return integer(min, unit)
    .nullish()
    .transform((v) => v ?? undefined);
}

function flag(defaultValue: boolean) {
  return z
    .boolean({ error: (iss) => `must be true or false, got ${describe(iss.input)}` })
    .default(defaultValue);
}

export const simpleWorkerMakerOptionsSchema = z
  .looseObject({
    /** Jobs per worker for ManyToOne queues (getNumJobsPerWorker). */
    nJobsPerWorker: integer(1, 'jobs per worker').default(1),
    /** Workers per job for OneToMany queues (getNumWorkersPerJob). */
    nWorkersPerJob: integer(1, 'workers per job').default(1),
    /** Cores of a job that gives none (no nCore, no coreCount), and of a worker without jobs. */
    defaultNCore: integer(1, 'cores').default(1),
    /** MB of memory per core for a job without minRamCount, and for a worker without jobs. */
    defaultRamPerCoreMB: integer(0, 'MB per core').default(2000),
    /**
     * Wall time (s) of a worker whose jobs give no maxWalltime, and of a worker without jobs.
     * Unset: the queue's `walltimeLimit`, else SIMPLE_WORKER_MAKER_DEFAULT_WALLTIME_SECONDS.
     */
    defaultWalltimeSeconds: optionalInteger(1, 'seconds'),
    /** Most cores one worker may ask for; jobs needing more fail (failed_to_make). */
    maxNCore: optionalInteger(1, 'cores'),
    /** Most memory (MB) one worker may ask for; jobs needing more fail (failed_to_make). */
    maxRamMB: optionalInteger(1, 'MB'),
    /** The resource's size changes: the submitter asks isResourceReady before making workers. */
    dynamicSizing: flag(false),
    /** What isResourceReady answers (only asked when dynamicSizing is set). */
    resourceReady: flag(true),
  })
  .superRefine((o, ctx) => {
    if (o.maxNCore !== undefined && o.defaultNCore > o.maxNCore) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultNCore'],
        message: `must not exceed maxNCore (${o.defaultNCore} > ${o.maxNCore}): workers without jobs and jobs without a core count would all be refused`,
      });
    }
    const defaultRam = o.defaultNCore * o.defaultRamPerCoreMB;
    if (o.maxRamMB !== undefined && defaultRam > o.maxRamMB) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultRamPerCoreMB'],
        message: `defaultNCore × defaultRamPerCoreMB must not exceed maxRamMB (${o.defaultNCore} × ${o.defaultRamPerCoreMB} = ${defaultRam} > ${o.maxRamMB}): workers without jobs would all be refused`,
      });
    }
  });

export type SimpleWorkerMakerOptions = z.output<typeof simpleWorkerMakerOptionsSchema>;
export type SimpleWorkerMakerOptionsInput = z.input<typeof simpleWorkerMakerOptionsSchema>;
