// The placeholder values of a worker that every batch-system plugin computes the same way
// (Harvester's make_placeholder_map / make_a_jdl): its resources from the sizing columns of its
// WorkSpec, nCoreFactor, and the names of its log locations. Pure functions.
import { isAbsolute, relative } from 'node:path';
import type { WorkSpec } from '../entities/work-spec.js';

/** Harvester's nCoreFactor option: a number, or one per jobType and resourceType. */
export type NCoreFactor = number | Readonly<Record<string, Readonly<Record<string, number>>>>;

/** Harvester's nCoreFactor for a worker: a number, or per jobType and resourceType (default 1). */
export function coreFactorOf(
  factor: NCoreFactor,
  worker: Pick<WorkSpec, 'jobType' | 'resourceType'>,
): number {
  if (typeof factor === 'number') return factor;
  return factor[worker.jobType ?? '']?.[worker.resourceType ?? ''] ?? 1;
}

/** The options the resource placeholders read. */
export interface WorkerResourceOptions {
  nCorePerNode?: number | undefined;
  nNode?: number | undefined;
  nCoreFactor: NCoreFactor;
}

/** What the resource placeholders read of a worker. */
export type ResourceSizedWorker = Pick<
  WorkSpec,
  'nCore' | 'minRamCount' | 'maxDiskCount' | 'maxWalltime' | 'jobType' | 'resourceType'
>;

/** The resource placeholders of a worker (all integers). */
export interface WorkerResourceValues {
  /** nCorePerNode, else the worker's cores. */
  nCorePerNode: number;
  /** The worker's cores × nCoreFactor. */
  nCoreTotal: number;
  nCoreFactor: number;
  /** nNode, else ceil(cores / nCorePerNode). */
  nNode: number;
  /** MB: max(minRamCount, cores) × nCoreFactor. */
  requestRam: number;
  requestRamBytes: number;
  /** MB per core: ceil(max(minRamCount, cores) / cores). */
  requestRamPerCore: number;
  requestRamBytesPerCore: number;
  /** KB: maxDiskCount × 1024, else 1. */
  requestDisk: number;
  /** s: maxWalltime, else 0. */
  requestWalltime: number;
  requestWalltimeMinute: number;
  /** s: requestWalltime × cores. */
  requestCputime: number;
  requestCputimeMinute: number;
}

function ceilDiv(a: number, b: number): number {
  return Math.ceil(a / b);
}

/**
 * The resource placeholders of one worker. Its cores are nCore, else nCorePerNode, else 1; its
 * memory max(minRamCount, cores) MB (cores when minRamCount is unset).
 */
export function workerResourceValues(
  worker: ResourceSizedWorker,
  options: WorkerResourceOptions,
): WorkerResourceValues {
  const nCore = worker.nCore && worker.nCore > 0 ? worker.nCore : (options.nCorePerNode ?? 1);
  const nCorePerNode = options.nCorePerNode ?? nCore;
  const factor = coreFactorOf(options.nCoreFactor, worker);
  const ram = worker.minRamCount && worker.minRamCount > 0 ? Math.max(worker.minRamCount, nCore) : nCore;
  const walltime = worker.maxWalltime && worker.maxWalltime > 0 ? worker.maxWalltime : 0;
  return {
    nCorePerNode,
    nCoreTotal: nCore * factor,
    nCoreFactor: factor,
    nNode: options.nNode ?? ceilDiv(nCore, nCorePerNode),
    requestRam: ram * factor,
    requestRamBytes: ram * 2 ** 20 * factor,
    requestRamPerCore: ceilDiv(ram, nCore),
    requestRamBytesPerCore: ceilDiv(ram * 2 ** 20, nCore),
    requestDisk: worker.maxDiskCount && worker.maxDiskCount > 0 ? worker.maxDiskCount * 1024 : 1,
    requestWalltime: walltime,
    requestWalltimeMinute: ceilDiv(walltime, 60),
    requestCputime: walltime * nCore,
    requestCputimeMinute: ceilDiv(walltime * nCore, 60),
  };
}

/**
 * Harvester's per-hour log subdirectory name, `yy-mm-dd_HH` of `now` in UTC
 * (`naive_utcnow().strftime("%y-%m-%d_%H")`): a bare name; the directory is `<logDir>/<name>`.
 */
export function logSubdirOf(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(now.getUTCFullYear() % 100)}-${p(now.getUTCMonth() + 1)}-${p(now.getUTCDate())}_${p(now.getUTCHours())}`;
}

/** The URL of a local path under logBaseURL when it lies under logDir, else undefined. */
export function logUrlOf(
  options: { logDir?: string | undefined; logBaseURL?: string | undefined },
  path: string,
): string | undefined {
  if (!options.logBaseURL || !options.logDir) return undefined;
  const rel = relative(options.logDir, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return `${options.logBaseURL.replace(/\/+$/, '')}/${rel}`;
}
