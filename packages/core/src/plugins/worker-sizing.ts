// Worker sizing: the resources one worker asks for, from the jobs it will run (none for NoJob).
// Pure functions shared by the worker-maker plugins (the engine's SimpleWorkerMaker, testkit's).
//
// Per job: cores are job.nCore, else jobParams.coreCount, else the default; memory is
// jobParams.minRamCount, else its cores × the default MB per core. A worker sums cores, memory,
// disk (maxDiskCount) and ioIntensity over its jobs and takes the largest maxWalltime. A value
// that is unset (missing, null, '', 'NULL' or 0, PanDA's ways of saying "no value") falls back
// silently; a malformed one (not an integer, negative) falls back too and is returned as a
// problem for the caller to log, so a bad job dictionary never yields NaN.
import type { JobSpec } from '../entities/job-spec.js';
import { WorkSpec } from '../entities/work-spec.js';
import { describeValue, isPandaNull, toPandaInteger } from '../panda/dict-reader.js';

/** What sizing reads of a job. */
export type SizableJob = Pick<JobSpec, 'PandaID' | 'nCore' | 'jobParams'>;

/** Sizes for jobs that do not give theirs, and for workers without jobs. */
export interface WorkerSizingDefaults {
  /** Cores of a job that gives none, and of a worker without jobs (>= 1). */
  defaultNCore: number;
  /** MB of memory per core for a job that gives no minRamCount (>= 0). */
  defaultRamPerCoreMB: number;
  /** Wall time (s) of a worker whose jobs give none (>= 1). */
  defaultWalltimeSeconds: number;
}

/** The resources one worker asks for (the sizing columns of WorkSpec). */
export interface WorkerSize {
  nCore: number;
  /** MB. */
  minRamCount: number;
  /** MB; null when no job gives one. */
  maxDiskCount: number | null;
  /** Seconds. */
  maxWalltime: number;
  /** Sum of the jobs' ioIntensity; null when no job gives one. */
  ioIntensity: number | null;
  nJobs: number;
}

/** The job values sizing reads; `nCore` is the JobSpec column, the others are jobParams keys. */
export type WorkerSizingField =
  | 'nCore'
  | 'coreCount'
  | 'minRamCount'
  | 'maxDiskCount'
  | 'maxWalltime'
  | 'ioIntensity';

/** A job value that could not be used, and what was used instead (in `message`). */
export interface WorkerSizingProblem {
  PandaID: number;
  field: WorkerSizingField;
  value: unknown;
  message: string;
}

export interface WorkerSizing {
  size: WorkerSize;
  problems: WorkerSizingProblem[];
}

/** Upper bounds of one worker; a chunk of jobs needing more cannot be run by one worker. */
export interface WorkerSizeLimits {
  maxNCore?: number | undefined;
  maxRamMB?: number | undefined;
}

type Read = { kind: 'unset' } | { kind: 'ok'; value: number } | { kind: 'bad'; value: unknown };

/** A positive integer (JSON number or decimal string); unset for PanDA's nulls and 0. */
function readPositiveInt(value: unknown): Read {
  if (isPandaNull(value)) return { kind: 'unset' };
  const n = toPandaInteger(value);
  if (n === 0) return { kind: 'unset' };
  if (n === undefined || n < 0) return { kind: 'bad', value };
  return { kind: 'ok', value: n };
}

function assertDefault(name: keyof WorkerSizingDefaults, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`worker sizing: ${name} must be an integer >= ${min}, got ${String(value)}`);
  }
}

/**
 * The size of a worker for `jobs` (empty for NoJob: the defaults). Never throws for job data;
 * throws a RangeError only when `defaults` themselves are not valid.
 */
export function sizeWorker(jobs: readonly SizableJob[], defaults: WorkerSizingDefaults): WorkerSizing {
  assertDefault('defaultNCore', defaults.defaultNCore, 1);
  assertDefault('defaultRamPerCoreMB', defaults.defaultRamPerCoreMB, 0);
  assertDefault('defaultWalltimeSeconds', defaults.defaultWalltimeSeconds, 1);
  const { defaultNCore, defaultRamPerCoreMB, defaultWalltimeSeconds } = defaults;

  if (jobs.length === 0) {
    return {
      size: {
        nCore: defaultNCore,
        minRamCount: defaultNCore * defaultRamPerCoreMB,
        maxDiskCount: null,
        maxWalltime: defaultWalltimeSeconds,
        ioIntensity: null,
        nJobs: 0,
      },
      problems: [],
    };
  }

  const problems: WorkerSizingProblem[] = [];
  const bad = (job: SizableJob, field: WorkerSizingField, value: unknown, instead: string): void => {
    problems.push({
      PandaID: job.PandaID,
      field,
      value,
      message: `job ${job.PandaID}: ${field} ${describeValue(value)} is not a positive integer; ${instead}`,
    });
  };
  /** The value of a jobParams key, or undefined (reporting a malformed one). */
  const param = (job: SizableJob, field: WorkerSizingField, instead: string): number | undefined => {
    const raw = job.jobParams?.[field];
    const read = readPositiveInt(raw);
    if (read.kind === 'ok') return read.value;
    if (read.kind === 'bad') bad(job, field, raw, instead);
    return undefined;
  };

  let nCore = 0;
  let minRamCount = 0;
  let maxDiskCount: number | null = null;
  let maxWalltime: number | null = null;
  let ioIntensity: number | null = null;
  for (const job of jobs) {
    let cores: number | undefined;
    const column = readPositiveInt(job.nCore);
    if (column.kind === 'ok') cores = column.value;
    else {
      const fromParams = readPositiveInt(job.jobParams?.coreCount);
      if (column.kind === 'bad') {
        const instead =
          fromParams.kind === 'ok'
            ? `using coreCount ${fromParams.value}`
            : `using defaultNCore ${defaultNCore}`;
        bad(job, 'nCore', job.nCore, instead);
      }
      cores = param(job, 'coreCount', `using defaultNCore ${defaultNCore}`);
    }
    cores ??= defaultNCore;
    nCore += cores;

    const byCores = cores * defaultRamPerCoreMB;
    minRamCount +=
      param(
        job,
        'minRamCount',
        `using ${cores} core(s) × defaultRamPerCoreMB ${defaultRamPerCoreMB} = ${byCores} MB`,
      ) ?? byCores;

    const disk = param(job, 'maxDiskCount', 'ignored');
    if (disk !== undefined) maxDiskCount = (maxDiskCount ?? 0) + disk;
    const walltime = param(job, 'maxWalltime', 'ignored');
    if (walltime !== undefined) maxWalltime = Math.max(maxWalltime ?? 0, walltime);
    const io = param(job, 'ioIntensity', 'ignored');
    if (io !== undefined) ioIntensity = (ioIntensity ?? 0) + io;
  }
  return {
    size: {
      nCore,
      minRamCount,
      maxDiskCount,
      maxWalltime: maxWalltime ?? defaultWalltimeSeconds,
      ioIntensity,
      nJobs: jobs.length,
    },
    problems,
  };
}

/**
 * A new WorkSpec carrying `size` (nCore, minRamCount, maxDiskCount, maxWalltime, ioIntensity,
 * nJobs); the worker maker adds jobType, resourceType and pilotType, the engine the rest.
 */
export function workSpecOfSize(size: WorkerSize): WorkSpec {
  const worker = new WorkSpec();
  worker.nCore = size.nCore;
  worker.minRamCount = size.minRamCount;
  worker.maxDiskCount = size.maxDiskCount;
  worker.maxWalltime = size.maxWalltime;
  worker.ioIntensity = size.ioIntensity;
  worker.nJobs = size.nJobs;
  return worker;
}

const MAX_IDS_IN_DIAG = 20;

/** `job 1 needs` / `jobs 1, 2 need` / `a worker without jobs needs`, with long ID lists cut. */
function whoNeeds(jobs: readonly Pick<JobSpec, 'PandaID'>[]): string {
  if (jobs.length === 0) return 'a worker without jobs needs';
  if (jobs.length === 1) return `job ${jobs[0]!.PandaID} needs`;
  const ids = jobs.slice(0, MAX_IDS_IN_DIAG).map((j) => j.PandaID);
  const more = jobs.length - ids.length;
  return `jobs ${ids.join(', ')}${more > 0 ? ` and ${more} more` : ''} need`;
}

/**
 * Why one worker of `size` cannot run `jobs` (the diag of a fatal outcome), or undefined when
 * it fits `limits`. The diag names the PandaIDs, what they need and the limit.
 */
export function workerSizeLimitProblem(
  size: Pick<WorkerSize, 'nCore' | 'minRamCount'>,
  jobs: readonly Pick<JobSpec, 'PandaID'>[],
  limits: WorkerSizeLimits,
): string | undefined {
  const over: string[] = [];
  if (limits.maxNCore !== undefined && size.nCore > limits.maxNCore) {
    over.push(`${size.nCore} cores, more than maxNCore ${limits.maxNCore}`);
  }
  if (limits.maxRamMB !== undefined && size.minRamCount > limits.maxRamMB) {
    over.push(`${size.minRamCount} MB of memory, more than maxRamMB ${limits.maxRamMB}`);
  }
  if (over.length === 0) return undefined;
  return `${whoNeeds(jobs)} ${over.join(', and ')}`;
}

/**
 * Harvester's pilot type of a job from its prodSourceLabel: rc_test/rc_test2 → RC, rc_alrb →
 * ALRB, ptest → PT, any other label → PR; null without a label (or without jobs).
 */
export function pilotTypeOf(job: Pick<JobSpec, 'jobParams'> | undefined): string | null {
  const label = job?.jobParams?.prodSourceLabel;
  if (typeof label !== 'string' || isPandaNull(label)) return null;
  switch (label.trim()) {
    case 'rc_test':
    case 'rc_test2':
      return 'RC';
    case 'rc_alrb':
      return 'ALRB';
    case 'ptest':
      return 'PT';
    default:
      return 'PR';
  }
}
