// Options of the local plugins. The queue's `common` section is merged into every plugin
// section, so unknown keys are allowed (z.looseObject) and ignored.
import { z } from 'zod';

/** The core range the local plugins are built for. */
export const LOCAL_COMPATIBILITY = '^0.1.0';

export const localSubmitterOptions = z.looseObject({
  /**
   * The argv prefix that runs the worker wrapper; the access point is appended. The host gives
   * it (e.g. `['sh', workerWrapperArgv(...)[1]]`, i.e. `['sh', WORKER_WRAPPER_PATH]`): a plugin
   * does not import the engine at run time.
   */
  executable: z
    .array(z.string().min(1, 'must not be empty'), {
      error: (iss) =>
        iss.input === undefined
          ? 'required: the argv that runs the worker wrapper, e.g. ["sh", "<path>"]'
          : undefined,
    })
    .min(1, 'must name at least the program'),
  /** Workers of this queue and instance running at once on this host; more are retried later. */
  maxWorkers: z.number().int().positive().optional(),
  /** Sum of WorkSpec.nCore over this queue's running workers on this host. */
  maxCores: z.number().int().positive().optional(),
  /** Extra environment of the worker (over the harvester's own, unless inheritEnv is false). */
  env: z.record(z.string(), z.string()).default({}),
  /** Whether the worker inherits the harvester's environment (PATH, HOME, ...). */
  inheritEnv: z.boolean().default(true),
});
export type LocalSubmitterOptions = z.output<typeof localSubmitterOptions>;

export const localMonitorOptions = z.looseObject({});
export type LocalMonitorOptions = z.output<typeof localMonitorOptions>;

export const localSweeperOptions = z.looseObject({
  /** Seconds between SIGTERM and SIGKILL to the worker's process group. */
  killGraceSeconds: z.number().nonnegative().default(30),
});
export type LocalSweeperOptions = z.output<typeof localSweeperOptions>;
