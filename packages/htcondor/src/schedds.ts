// Which schedd a worker goes to, and how that is recorded. The targets come from condorSchedd /
// condorPool (one or a list) or condorHostConfig (`{ schedd: { pool, weight } }`); none means the
// local schedd. A worker's schedd is a pure function of its workerID (weighted, by a hash), so
// it is the same however workers are batched and can be recomputed. The worker records it as
// submissionHost, Harvester's way: `<schedd>,<pool>` (empty parts when unset), or `LOCAL`.
import { readFile } from 'node:fs/promises';
import { type CondorSubmitterOptions, condorHostConfigSchema } from './options.js';

/** Where a job is submitted: undefined schedd = the local schedd; undefined pool = the default. */
export interface ScheddTarget {
  schedd?: string;
  pool?: string;
}

export interface WeightedTarget extends ScheddTarget {
  weight: number;
}

/** Harvester's marker of the local schedd in submissionHost. */
export const LOCAL_SUBMISSION_HOST = 'LOCAL';

/** `<schedd>,<pool>`, or LOCAL when both are unset. */
export function formatSubmissionHost(target: ScheddTarget): string {
  if (!target.schedd && !target.pool) return LOCAL_SUBMISSION_HOST;
  return `${target.schedd ?? ''},${target.pool ?? ''}`;
}

/** The target of a recorded submissionHost (`LOCAL`, `<schedd>,<pool>`, `<schedd>`; `None` = unset). */
export function parseSubmissionHost(value: string | null | undefined): ScheddTarget {
  if (!value || value === LOCAL_SUBMISSION_HOST) return {};
  const comma = value.indexOf(',');
  const schedd = (comma < 0 ? value : value.slice(0, comma)).trim();
  const pool = comma < 0 ? '' : value.slice(comma + 1).trim();
  const target: ScheddTarget = {};
  if (schedd !== '' && schedd !== 'None') target.schedd = schedd;
  if (pool !== '' && pool !== 'None') target.pool = pool;
  return target;
}

/** The key grouping workers of one target. */
export function targetKey(target: ScheddTarget): string {
  return formatSubmissionHost(target);
}

/** The configured targets (condorHostConfig read from its file when it is a path). */
export async function loadTargets(options: CondorSubmitterOptions): Promise<WeightedTarget[]> {
  if (options.condorHostConfig !== undefined) {
    let config = options.condorHostConfig;
    if (typeof config === 'string') {
      const path = config;
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        throw new Error(`condorHostConfig: cannot read ${path}: ${(err as Error).message}`);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new Error(`condorHostConfig: ${path} is not JSON: ${(err as Error).message}`);
      }
      const parsed = condorHostConfigSchema.safeParse(json);
      if (!parsed.success) {
        throw new Error(
          `condorHostConfig: ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      }
      config = parsed.data;
    }
    const targets = Object.entries(config).map(([schedd, e]) => {
      const t: WeightedTarget = { schedd, weight: e.weight };
      if (e.pool) t.pool = e.pool;
      return t;
    });
    if (targets.length === 0 || targets.every((t) => t.weight === 0)) {
      throw new Error('condorHostConfig: no schedd with a weight above 0');
    }
    return targets;
  }
  const schedds = options.condorSchedd === undefined ? [] : [options.condorSchedd].flat();
  const pools = options.condorPool === undefined ? [] : [options.condorPool].flat();
  if (schedds.length === 0) return [{ ...(pools[0] ? { pool: pools[0] } : {}), weight: 1 }];
  return schedds.map((schedd, i) => {
    const pool = pools.length > 1 ? pools[i] : pools[0];
    return { schedd, ...(pool ? { pool } : {}), weight: 1 };
  });
}

/** A well-mixed 32-bit hash of a workerID (so consecutive IDs spread over the schedds). */
function mix(n: number): number {
  let h = (n ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The target of a worker: weighted by the targets' weights, chosen by a hash of its workerID. */
export function pickTarget(targets: readonly WeightedTarget[], workerID: number): ScheddTarget {
  const total = targets.reduce((s, t) => s + t.weight, 0);
  if (targets.length === 1 || total <= 0) return strip(targets[0] as WeightedTarget);
  let slot = mix(workerID) % total;
  for (const t of targets) {
    if (slot < t.weight) return strip(t);
    slot -= t.weight;
  }
  return strip(targets[targets.length - 1] as WeightedTarget);
}

function strip(t: WeightedTarget): ScheddTarget {
  const out: ScheddTarget = {};
  if (t.schedd) out.schedd = t.schedd;
  if (t.pool) out.pool = t.pool;
  return out;
}
