// Options of the HTCondor plugins. The queue's `common` section is merged into every plugin
// section, so unknown keys are allowed (z.looseObject) and ignored. Harvester's option names are
// accepted where they mean the same thing here; Harvester options this package does not
// implement are either refused with the reason (REFUSED_OPTIONS: silently ignoring them would
// change what runs, e.g. another credential) or accepted and ignored (IGNORED_OPTIONS: they only
// tune something this package does differently), each with its reason.
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import type { CommandRunner } from './runner.js';

/** The core range the HTCondor plugins are built for. */
export const HTCONDOR_COMPATIBILITY = '^0.1.0';

/** The HTCondor tools the plugins run. */
export const CONDOR_COMMANDS = ['condor_submit', 'condor_q', 'condor_history', 'condor_rm'] as const;
export type CondorCommand = (typeof CONDOR_COMMANDS)[number];

/** A Harvester option refused: when `when` holds for its value, with the reason. */
interface Refusal {
  when: (value: unknown) => boolean;
  reason: string;
}

const always = () => true;
const truthy = (v: unknown) => v === true || (typeof v === 'number' && v > 0) || v === 'True';

/** Harvester submitter options this package refuses (per value), and why. */
export const REFUSED_SUBMITTER_OPTIONS: Readonly<Record<string, Refusal>> = {
  CEtemplateDir: {
    when: always,
    reason: 'templates chosen per CE flavour are not implemented: give templateFile',
  },
  useCRIC: { when: truthy, reason: 'CRIC lookups are not implemented: set the CE and sizes in the options' },
  useCRICGridCE: {
    when: truthy,
    reason: 'CE selection from CRIC is not implemented: use condorSchedd/ceHostname',
  },
  useAnalysisCredentials: {
    when: truthy,
    reason: 'separate analysis credentials are not implemented: use one queue per credential',
  },
  x509UserProxyAnalysis: {
    when: always,
    reason: 'separate analysis credentials are not implemented: use one queue per credential',
  },
  tokenDirAnalysis: {
    when: always,
    reason: 'separate analysis credentials are not implemented: use one queue per credential',
  },
  pandaTokenFilename: { when: always, reason: 'PanDA token placeholders are not implemented' },
  pandaTokenDir: { when: always, reason: 'PanDA token placeholders are not implemented' },
  pandaTokenKeyFilename: { when: always, reason: 'PanDA token placeholders are not implemented' },
  rcPilotRandomWeightPermille: {
    when: truthy,
    reason: 'release-candidate pilots are not implemented (must be 0 or absent)',
  },
};

/** Harvester options accepted and ignored, and why (logged once when a plugin is created). */
export const IGNORED_SUBMITTER_OPTIONS: Readonly<Record<string, string>> = {
  minBulkToRandomizedSchedd:
    'the schedd of a worker is chosen deterministically from its workerID (see README), never at random',
  useFQDN: 'submissionHost names the schedd as configured',
  CEtemplateDirAnalysis: 'unused without CEtemplateDir',
};

export const IGNORED_MONITOR_OPTIONS: Readonly<Record<string, string>> = {
  condorSchedd: "the monitor asks the schedd each worker was submitted to (the worker's submissionHost)",
  condorPool: "the monitor asks the schedd each worker was submitted to (the worker's submissionHost)",
  condorHostConfig: "the monitor asks the schedd each worker was submitted to (the worker's submissionHost)",
  nProcesses: 'one condor_q (and at most one condor_history) per schedd per cycle, run one schedd at a time',
  cacheEnable: 'no shared condor_q cache: one query per schedd per cycle',
  pluginCacheEnable: 'no shared condor_q cache: one query per schedd per cycle',
  cacheRefreshInterval: 'no shared condor_q cache: one query per schedd per cycle',
  payloadType:
    "pilot-wrapper exit codes are not mapped to errorCode; nativeExitCode carries the job's ExitCode",
  useCondorHistoryMaxAge:
    'condor_history is asked for every job condor_q no longer lists (a long job that ended must not be lost), bounded by -match and -completedsince instead',
  submissionHost: 'taken from each worker',
};

export const IGNORED_SWEEPER_OPTIONS: Readonly<Record<string, string>> = {
  condorSchedd: 'the sweeper removes jobs from the schedd each worker was submitted to (its submissionHost)',
  condorPool: 'the sweeper removes jobs from the schedd each worker was submitted to (its submissionHost)',
  condorHostConfig:
    'the sweeper removes jobs from the schedd each worker was submitted to (its submissionHost)',
};

/** Issues for refused options present in `o`. */
function refuse(refused: Readonly<Record<string, Refusal>>) {
  return (o: Record<string, unknown>, ctx: z.RefinementCtx) => {
    for (const [key, r] of Object.entries(refused)) {
      if (o[key] !== undefined && r.when(o[key])) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `not supported by @harvester-ts/htcondor: ${r.reason}`,
        });
      }
    }
  };
}

const noNulOrNewline = (s: string) => !s.includes('\0') && !s.includes('\n') && !s.includes('\r');

const absolutePath = z
  .string()
  .min(1)
  .refine((p) => isAbsolute(p), 'must be an absolute path')
  .refine(noNulOrNewline, 'must not contain NUL or newline');

/** A value a template placeholder may carry anywhere (see template.ts): letters, digits, _./:@+=,- */
const safeWord = z.string().regex(/^[A-Za-z0-9_./:@+=,-]*$/, 'letters, digits and _./:@+=,- only');

/** A schedd or pool name as HTCondor's -name/-pool take it. */
const hostName = z
  .string()
  .regex(/^[A-Za-z0-9_.:@+-]+$/, 'a schedd or pool name: letters, digits and _.:@+- (no leading -)')
  .refine((s) => !s.startsWith('-'), 'must not start with -');

const positiveSeconds = z.number().positive();

/** Options of all three plugins. */
export const condorCommonOptions = {
  /** Directory of condor_submit, condor_q, condor_history and condor_rm; default: found through PATH. */
  condorBinDir: absolutePath.optional(),
  /**
   * Environment variables set for the HTCondor tools on top of the harvester's own, e.g.
   * `{ "CONDOR_CONFIG": "/etc/condor-ce/condor_config" }` (a PATH here is also where they are looked up).
   */
  condorEnv: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'),
      z.string().refine(noNulOrNewline, 'no NUL or newline'),
    )
    .default({}),
  /** Seconds each HTCondor command may take before it is killed (the call is then retried later). */
  commandTimeoutSeconds: positiveSeconds.default(60),
  /** Per-command timeouts overriding commandTimeoutSeconds, e.g. `{ "condor_submit": 120 }`. */
  commandTimeouts: z
    .object({
      condor_submit: positiveSeconds.optional(),
      condor_q: positiveSeconds.optional(),
      condor_history: positiveSeconds.optional(),
      condor_rm: positiveSeconds.optional(),
    })
    .strict()
    .default({}),
  /**
   * Runs the HTCondor commands (default: execFile without a shell). For tests and programs that
   * embed the plugins; cannot come from a JSON configuration.
   */
  commandRunner: z
    .custom<CommandRunner>((v) => typeof v === 'function', 'must be a function (file, args, options)')
    .optional(),
};

const nCoreFactor = z.union([
  z.number().int().positive(),
  z.record(z.string(), z.record(z.string(), z.number().int().positive())),
]);

/** One schedd of condorHostConfig: `{ "<schedd>": { "pool": "<cm>", "weight": 2 } }`. */
const hostConfigEntry = z
  .object({ pool: hostName.nullish(), weight: z.number().int().min(0).default(1) })
  .strict();
export const condorHostConfigSchema = z.record(hostName, hostConfigEntry);
export type CondorHostConfig = z.output<typeof condorHostConfigSchema>;

const oneOrMany = z.union([hostName, z.array(hostName).min(1)]);

export const condorSubmitterOptions = z
  .looseObject({
    ...condorCommonOptions,
    /**
     * The argv that runs the worker wrapper; the access point is appended. `{executable}` is its
     * program (resolved through PATH when not absolute) and `{arguments}` the rest plus the access
     * point. The host gives it (`["sh", WORKER_WRAPPER_PATH]`); the default template needs it.
     */
    executable: z
      .array(z.string().min(1, 'must not be empty'))
      .min(1, 'must name at least the program')
      .refine((a) => a.every(noNulOrNewline), 'no NUL or newline')
      .optional(),
    /** The submit description template; default: the package's templates/default.sub. */
    templateFile: absolutePath.optional(),
    /** Harvester's `{executableFile}` (e.g. a pilot wrapper): a path on the execute side. */
    executableFile: absolutePath.optional(),
    /**
     * `{logDir}`, and `{logSubdir}`: the bare name `yy-mm-dd_HH` of the submission hour (UTC, as
     * Harvester's naive_utcnow), created as `<logDir>/<logSubdir>` before condor_submit runs
     * (not when spooling to a named schedd). Templates write `{logDir}/{logSubdir}/…`.
     */
    logDir: absolutePath.optional(),
    /** With logDir: `{gtag}` is the URL of the worker's stdout under this base, and log URLs are recorded. */
    logBaseURL: z
      .string()
      .regex(/^https?:\/\/[A-Za-z0-9_.:@+=,/-]+$/, 'an http(s) URL of letters, digits and _.:@+=,/-')
      .optional(),
    /** `{x509UserProxy}`. */
    x509UserProxy: absolutePath.optional(),
    /** `{tokenDir}`, `{tokenFilename}`, `{tokenPath}` (= tokenDir/tokenFilename). */
    tokenDir: absolutePath.optional(),
    tokenFilename: safeWord.optional(),
    /** `{ceHostname}`, `{ceEndpoint}`, `{ceQueueName}`; ceHostname is recorded as computingElement. */
    ceHostname: safeWord.optional(),
    ceEndpoint: safeWord.optional(),
    ceQueueName: safeWord.optional(),
    /** Submit with `-spool` (`-remote <schedd>` when a schedd is named). */
    useSpool: z.boolean().default(false),
    /** condor_submit processes run at once (one per schedd). */
    nProcesses: z.number().int().min(1).max(64).default(4),
    /** The schedd(s) (`-name`); a list is paired with condorPool by position. Default: the local schedd. */
    condorSchedd: oneOrMany.optional(),
    /** The pool(s) (`-pool`): one for all schedds, or one per schedd of condorSchedd. */
    condorPool: oneOrMany.optional(),
    /** `{ "<schedd>": { "pool": "<cm>", "weight": n } }`, or the path of a JSON file with it. */
    condorHostConfig: z.union([absolutePath, condorHostConfigSchema]).optional(),
    /** `{nCorePerNode}`; default: the worker's cores. */
    nCorePerNode: z.number().int().positive().optional(),
    /** `{nNode}`; default: ceil(cores / nCorePerNode). */
    nNode: z.number().int().positive().optional(),
    /** Multiplies the worker's cores and memory: a number, or `{ jobType: { resourceType: n } }`. */
    nCoreFactor: nCoreFactor.default(1),
  })
  .superRefine((o, ctx) => {
    refuse(REFUSED_SUBMITTER_OPTIONS)(o, ctx);
    if (o.logBaseURL !== undefined && o.logDir === undefined) {
      ctx.addIssue({ code: 'custom', path: ['logBaseURL'], message: 'needs logDir' });
    }
    if (o.tokenFilename !== undefined && o.tokenDir === undefined) {
      ctx.addIssue({ code: 'custom', path: ['tokenFilename'], message: 'needs tokenDir' });
    }
    if (o.condorHostConfig !== undefined && (o.condorSchedd !== undefined || o.condorPool !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['condorHostConfig'],
        message: 'give either condorHostConfig or condorSchedd/condorPool, not both',
      });
    }
    const schedds = o.condorSchedd === undefined ? [] : [o.condorSchedd].flat();
    const pools = o.condorPool === undefined ? [] : [o.condorPool].flat();
    if (pools.length > 1 && pools.length !== schedds.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['condorPool'],
        message: `a list of pools must pair with condorSchedd (${schedds.length} schedd(s), ${pools.length} pools)`,
      });
    }
  });
export type CondorSubmitterOptions = z.output<typeof condorSubmitterOptions>;

export const condorMonitorOptions = z
  .looseObject({
    ...condorCommonOptions,
    /** Seconds a job may stay held (from EnteredCurrentStatus) before it is removed and the worker cancelled. */
    heldTimeout: z.number().nonnegative().default(3600),
    /** A job held with a HoldReason containing one of these is removed and the worker cancelled at once. */
    removeHoldReasons: z.array(z.string().min(1)).default(['Job not found', 'Failed to start GAHP']),
    /** Ask condor_history for the jobs condor_q no longer lists (every one of them, however old). */
    useCondorHistory: z.boolean().default(true),
    /**
     * condor_history's `-completedsince` is the oldest submitTime of the jobs asked about minus
     * this many seconds (clock skew between harvester and schedd, jobs that left the queue late).
     */
    historySlackSeconds: z.number().nonnegative().default(3600),
    /**
     * A job in neither queue nor history (and no exit file of the wrapper): how long after it was
     * first missed (in this process) it stays "retry" before unknownJobStatus applies.
     */
    unknownGraceSeconds: z.number().nonnegative().default(600),
    /** What an unknown job becomes after the grace: retry (never final; Harvester's default), failed or cancelled. */
    unknownJobStatus: z.enum(['failed', 'cancelled', 'retry']).optional(),
    /** Harvester's cancelUnknown: true = unknownJobStatus cancelled, false = retry (Harvester's None). */
    cancelUnknown: z.boolean().optional(),
  })
  .superRefine((o, ctx) => {
    if (o.cancelUnknown !== undefined && o.unknownJobStatus !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['cancelUnknown'],
        message: 'give either cancelUnknown (Harvester) or unknownJobStatus, not both',
      });
    }
  })
  .transform((o) => ({
    ...o,
    unknownJobStatus: o.unknownJobStatus ?? (o.cancelUnknown === true ? 'cancelled' : 'retry'),
  }));
export type CondorMonitorOptions = z.output<typeof condorMonitorOptions>;

export const condorSweeperOptions = z.looseObject({
  ...condorCommonOptions,
  /**
   * Before removing an access point, ask condor_q whether the job is still in the queue; if so
   * it is removed (condor_rm) and the sweep retried, so no job outlives its worker.
   */
  checkJobBeforeSweep: z.boolean().default(true),
});
export type CondorSweeperOptions = z.output<typeof condorSweeperOptions>;

/** The options every plugin has. */
export type CondorCommonOptions = Pick<
  CondorSubmitterOptions,
  'condorBinDir' | 'condorEnv' | 'commandTimeoutSeconds' | 'commandTimeouts' | 'commandRunner'
>;

/** The ignored options present in `options`, with their reasons (to log once at creation). */
export function ignoredOptionsIn(
  options: Record<string, unknown>,
  ignored: Readonly<Record<string, string>>,
): Array<{ option: string; reason: string }> {
  return Object.entries(ignored)
    .filter(([key]) => options[key] !== undefined)
    .map(([option, reason]) => ({ option, reason }));
}
