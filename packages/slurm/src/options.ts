// Options of the Slurm plugins. The queue's `common` section is merged into every plugin section,
// so unknown keys are allowed (z.looseObject) and ignored; the options every plugin shares
// (where the Slurm tools are, their timeouts) can therefore live in `common`.
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import type { CommandRunner } from './commands.js';

/** The core range the Slurm plugins are built for. */
export const SLURM_COMPATIBILITY = '^0.1.0';

/** sbatch options the submitter sets itself, or that would break what it relies on. */
export const RESERVED_SBATCH_OPTIONS: readonly string[] = [
  'job-name',
  'output',
  'error',
  'parsable',
  'array',
  'chdir',
  'wrap',
  'wait',
  'quiet',
  'test-only',
  'clusters',
  'partition',
  'account',
  'qos',
];

/** The options that have an option of their own. */
const OWN_OPTION: Record<string, string> = { partition: 'partition', account: 'account', qos: 'qos' };

/** Characters allowed in an extraArgs value: no shell metacharacters, no spaces. */
const EXTRA_ARG = /^--([a-z][a-z0-9-]*)(?:=([A-Za-z0-9_./:,=@+%-]*))?$/;

/**
 * Why an extraArgs token is refused, or undefined when it is acceptable: only `--long-option`
 * and `--long-option=value`, no shell metacharacters, and none of the options the submitter
 * sets (nor an abbreviation of one: sbatch accepts unambiguous prefixes).
 */
export function extraArgProblem(token: string): string | undefined {
  const m = EXTRA_ARG.exec(token);
  if (!m) {
    return `${JSON.stringify(token)} is not of the form --long-option or --long-option=value (letters, digits and ._/:,=@+%- only)`;
  }
  const name = m[1] ?? '';
  const hit = RESERVED_SBATCH_OPTIONS.find((reserved) => reserved.startsWith(name));
  if (hit !== undefined) {
    const own = OWN_OPTION[hit];
    return own !== undefined
      ? `--${name} is set through the option ${own}, not extraArgs`
      : `--${name} is set by the submitter itself (--${hit}) and cannot be given in extraArgs`;
  }
  return undefined;
}

/** A Slurm name (partition, account, QOS): letters, digits and _.+-, commas for lists. */
const slurmName = z
  .string()
  .regex(/^[A-Za-z0-9_.+-]+(?:,[A-Za-z0-9_.+-]+)*$/, 'letters, digits and _.+- (commas between names)');

const absolutePath = z
  .string()
  .min(1)
  .refine((p) => isAbsolute(p), 'must be an absolute path')
  .refine((p) => !p.includes('\0') && !p.includes('\n'), 'must not contain NUL or newline');

const positiveSeconds = z.number().positive();

/** Options of all three plugins. */
export const slurmCommonOptions = {
  /** Directory of sbatch, squeue, sacct, scontrol and scancel; default: found through PATH. */
  slurmBinDir: absolutePath.optional(),
  /** Seconds each Slurm command may take before it is killed (the call is then retried later). */
  commandTimeoutSeconds: positiveSeconds.default(60),
  /** Per-command timeouts overriding commandTimeoutSeconds, e.g. `{ "sbatch": 120 }`. */
  commandTimeouts: z
    .object({
      sbatch: positiveSeconds.optional(),
      squeue: positiveSeconds.optional(),
      sacct: positiveSeconds.optional(),
      scontrol: positiveSeconds.optional(),
      scancel: positiveSeconds.optional(),
    })
    .strict()
    .default({}),
  /**
   * Runs the Slurm commands (default: execFile without a shell). For tests and programs that
   * embed the plugins, e.g. to count or log invocations; cannot come from a JSON configuration.
   */
  commandRunner: z
    .custom<CommandRunner>((v) => typeof v === 'function', 'must be a function (file, args, options)')
    .optional(),
};

const nCoreFactor = z.union([
  z.number().int().positive(),
  z.record(z.string(), z.record(z.string(), z.number().int().positive())),
]);

export const slurmSubmitterOptions = z
  .looseObject({
    ...slurmCommonOptions,
    /**
     * The argv prefix that runs the worker wrapper on the compute node; the access point is
     * appended (`{executable}` in the template). The host gives it, e.g. `['sh', WORKER_WRAPPER_PATH]`;
     * the path must exist on the compute nodes.
     */
    executable: z
      .array(z.string().min(1, 'must not be empty'), {
        error: (iss) =>
          iss.input === undefined
            ? 'required: the argv that runs the worker wrapper, e.g. ["sh", "<path>"]'
            : undefined,
      })
      .min(1, 'must name at least the program')
      .refine((a) => a.every((s) => !s.includes('\0') && !s.includes('\n')), 'no NUL or newline'),
    /** The batch script template; default: the package's templates/default.sh. */
    templateFile: absolutePath.optional(),
    /** `--partition`; also recorded as the worker's queueName. */
    partition: slurmName.optional(),
    /** `--account`. */
    account: slurmName.optional(),
    /** `--qos`. */
    qos: slurmName.optional(),
    /** More sbatch options, e.g. `["--exclusive", "--constraint=haswell"]`. */
    extraArgs: z
      .array(z.string())
      .default([])
      .superRefine((args, ctx) => {
        args.forEach((token, i) => {
          const problem = extraArgProblem(token);
          if (problem) ctx.addIssue({ code: 'custom', path: [i], message: problem });
        });
      }),
    /**
     * single: one sbatch per worker. array: the workers of one call whose scripts come out
     * identical go into one `sbatch --array=0-(N-1)` (batchID `<jobid>_<index>`).
     */
    submitMode: z.enum(['single', 'array']).default('single'),
    /** Most tasks in one array (Slurm's MaxArraySize is 1001 by default: indices 0..1000). */
    maxArraySize: z.number().int().min(2).max(4_000_000).default(1000),
    /** sbatch processes run at once in single mode. */
    submitConcurrency: z.number().int().min(1).max(64).default(4),
    /** Harvester's `{localQueueName}`. */
    localQueueName: z.string().default('grid'),
    /** `{nCorePerNode}`; default: the worker's cores (one node). */
    nCorePerNode: z.number().int().positive().optional(),
    /** `{nNode}`; default: ceil(nCoreTotal / nCorePerNode). */
    nNode: z.number().int().positive().optional(),
    /** Multiplies the worker's cores and memory: a number, or `{ jobType: { resourceType: n } }`. */
    nCoreFactor: nCoreFactor.default(1),
    /**
     * `{logDir}` and `{logSubDir}`; in array mode also where Slurm writes each task's own output
     * (`<logDir>/<arrayName>_<jobid>_<index>.out|.err`), which is otherwise discarded.
     */
    logDir: absolutePath.optional(),
    /** With logDir: `{gtag}` is the URL of the worker's stdout under this base. */
    logBaseURL: z
      .string()
      .regex(/^https?:\/\/[A-Za-z0-9_.:@+=,/-]+$/, 'an http(s) URL of letters, digits and _.:@+=,/-')
      .optional(),
    /** `{tokenDir}`, `{tokenName}`, `{tokenOrigin}` (Harvester's token options). */
    tokenDir: absolutePath.optional(),
    tokenName: z.string().optional(),
    tokenOrigin: z.string().optional(),
  })
  .superRefine((o, ctx) => {
    if (o.logBaseURL !== undefined && o.logDir === undefined) {
      ctx.addIssue({ code: 'custom', path: ['logBaseURL'], message: 'needs logDir' });
    }
  });
export type SlurmSubmitterOptions = z.output<typeof slurmSubmitterOptions>;

export const slurmMonitorOptions = z.looseObject({
  ...slurmCommonOptions,
  /**
   * Looking up jobs that squeue no longer lists: auto (sacct while it works, detected once,
   * else `scontrol show job` per job), always (sacct only), never (scontrol only).
   */
  useSacct: z.enum(['auto', 'always', 'never']).default('auto'),
  /** A job unknown to Slurm everywhere: how long after submitTime it may stay unknown (retried). */
  unknownGraceSeconds: z.number().nonnegative().default(600),
  /** What an unknown job becomes after the grace: failed, cancelled, or retry (never final). */
  unknownJobStatus: z.enum(['failed', 'cancelled', 'retry']).default('failed'),
  /** `scontrol show job` processes run at once for the jobs squeue does not list. */
  scontrolConcurrency: z.number().int().min(1).max(64).default(8),
});
export type SlurmMonitorOptions = z.output<typeof slurmMonitorOptions>;

export const slurmSweeperOptions = z.looseObject({
  ...slurmCommonOptions,
  /** Before removing an access point, ask squeue whether the job is still active (then retry). */
  checkJobBeforeSweep: z.boolean().default(true),
});
export type SlurmSweeperOptions = z.output<typeof slurmSweeperOptions>;

/** The options every plugin has. */
export type SlurmCommonOptions = Pick<
  SlurmSubmitterOptions,
  'slurmBinDir' | 'commandTimeoutSeconds' | 'commandTimeouts' | 'commandRunner'
>;
