// Options of the Docker plugins. The queue's `common` section is merged into every plugin section,
// so unknown keys are allowed (z.looseObject) and ignored; the connection options every plugin
// shares (which Engine, TLS files, timeouts) can therefore live in `common`.
import { isAbsolute, normalize } from 'node:path';
import { z } from 'zod';
import { DOCKER_LABEL_PREFIX, mountSourceProblem } from './commands.js';
import type { EngineClient } from './engine-api.js';

/** The core range the Docker plugins are built for. */
export const DOCKER_COMPATIBILITY = '^0.1.0';

const noNulOrNewline = (s: string) => !s.includes('\0') && !s.includes('\n') && !s.includes('\r');

/** An absolute path as written (normalised: no `.` or `..` components, no trailing slash). */
const absolutePath = z
  .string()
  .min(1)
  .refine((p) => isAbsolute(p), 'must be an absolute path')
  .refine(noNulOrNewline, 'must not contain NUL or newline')
  .refine(
    (p) => p === '/' || (normalize(p) === p && !p.endsWith('/')),
    'must be normalised (no ., .. or //)',
  );

/** An absolute path inside the container; `/` itself is refused. */
const containerPath = absolutePath.refine((p) => p !== '/', 'must not be /');

const positiveSeconds = z.number().positive();

/** How to reach the Docker Engine; shared by the three plugins. */
export const dockerConnectionOptions = {
  /**
   * The Engine's unix socket. Default: DOCKER_HOST when it is set, else /var/run/docker.sock.
   * Exclusive with host.
   */
  socketPath: absolutePath.optional(),
  /** A TCP Engine (`tcp://`): its host name or address. Default: DOCKER_HOST, else the socket. */
  host: z
    .string()
    .regex(/^[A-Za-z0-9.:[\]_-]+$/, 'a host name or an IP address')
    .optional(),
  /** The TCP port; default 2376 with TLS, else 2375. */
  port: z.number().int().min(1).max(65535).optional(),
  /** http or https; default https when TLS files are given or the port is 2376. */
  protocol: z.enum(['http', 'https']).optional(),
  /** TLS: the CA certificate, the client certificate and its key, as files (read at creation). */
  tlsCaFile: absolutePath.optional(),
  tlsCertFile: absolutePath.optional(),
  tlsKeyFile: absolutePath.optional(),
  /** The Engine API version to speak, e.g. "1.41"; default: the Engine's own. */
  apiVersion: z
    .string()
    .regex(/^v?[0-9]+\.[0-9]+$/, 'like 1.41')
    .optional(),
  /** Seconds one Engine API request may take (a container stop: this plus its grace). */
  requestTimeoutSeconds: positiveSeconds.default(30),
  /**
   * The Engine API client (default: dockerode over the connection above). For tests and programs
   * that embed the plugins, e.g. to count or log requests; cannot come from a JSON configuration.
   */
  engineClient: z
    .custom<EngineClient>(
      (v) => typeof v === 'object' && v !== null && typeof (v as EngineClient).listContainers === 'function',
      'must be an EngineClient object',
    )
    .optional(),
};

function connectionProblems(
  o: {
    socketPath?: string | undefined;
    host?: string | undefined;
    port?: number | undefined;
    protocol?: string | undefined;
    tlsCaFile?: string | undefined;
    tlsCertFile?: string | undefined;
    tlsKeyFile?: string | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  if (o.socketPath !== undefined && o.host !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['host'], message: 'give either socketPath or host, not both' });
  }
  if (o.host === undefined) {
    for (const key of ['port', 'protocol', 'tlsCaFile', 'tlsCertFile', 'tlsKeyFile'] as const) {
      if (o[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'needs host' });
    }
  }
  if ((o.tlsCertFile === undefined) !== (o.tlsKeyFile === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: [o.tlsCertFile === undefined ? 'tlsCertFile' : 'tlsKeyFile'],
      message: 'tlsCertFile and tlsKeyFile go together',
    });
  }
  if (o.protocol === 'http' && (o.tlsCaFile || o.tlsCertFile || o.tlsKeyFile)) {
    ctx.addIssue({ code: 'custom', path: ['protocol'], message: 'TLS files need protocol https' });
  }
}

/** A bind mount of a host directory or file into the worker's container. */
export const dockerMountOption = z
  .object({
    /** The host path (absolute, normalised; it must exist when the container is created). */
    source: absolutePath,
    /** Where it appears in the container; default: the same path. */
    target: containerPath.optional(),
    /** Read-only unless set to false. */
    readOnly: z.boolean().default(true),
  })
  .strict();
export type DockerMountOption = z.output<typeof dockerMountOption>;

/** A Docker image reference: no whitespace, no leading dash, at most 255 characters of [\w.:/@-]. */
const imageRef = z
  .string({
    error: (iss) => (iss.input === undefined ? 'required: the image the workers run in' : undefined),
  })
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._\-/:@]{0,254}$/,
    'an image reference such as "busybox:latest" or "registry.example/site/worker@sha256:…"',
  );

/** Why a label key is refused: the plugin's own prefix, or characters beyond [A-Za-z0-9._/-]. */
function labelKeyProblem(key: string): string | undefined {
  if (key.startsWith(DOCKER_LABEL_PREFIX)) return `the ${DOCKER_LABEL_PREFIX}* labels are the plugin's own`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/.test(key)) return 'letters, digits and ._/- (at most 128)';
  return undefined;
}

/** Environment variable names the submitter sets itself. */
export const RESERVED_ENV = [
  'HARVESTER_ID',
  'HARVESTER_WORKER_ID',
  'HARVESTER_BATCH_NAME',
  'HARVESTER_ACCESS_POINT',
  'HARVESTER_NCORE',
  'HARVESTER_RAM_MB',
] as const;

export const dockerSubmitterOptions = z
  .looseObject({
    ...dockerConnectionOptions,
    /** The image of every worker's container (it must be present on the Engine: nothing is pulled). */
    image: imageRef,
    /**
     * The argv prefix that runs the worker wrapper; the access point (as the container sees it) is
     * appended. The host gives it like for local and Slurm workers, e.g. `['sh', WORKER_WRAPPER_PATH]`:
     * the program (`sh`) is the image's; every later element that is an absolute path of a host file
     * is bind-mounted read-only at `<executableMountDir>/<its name>` and the argv names it there.
     */
    executable: z
      .array(z.string().min(1, 'must not be empty'), {
        error: (iss) =>
          iss.input === undefined
            ? 'required: the argv that runs the worker wrapper, e.g. ["sh", "<path>"]'
            : undefined,
      })
      .min(1, 'must name at least the program')
      .refine((a) => a.every(noNulOrNewline), 'no NUL or newline'),
    /** Whether host files named in `executable` are mounted (false: the argv is used as it is). */
    mountExecutable: z.boolean().default(true),
    /** Where the files of `executable` are mounted in the container. */
    executableMountDir: containerPath.default('/harvester'),
    /** Where the access point is mounted in the container; default: the same path as on the host. */
    accessPointInContainer: containerPath.optional(),
    /** More environment of the worker (HARVESTER_ID, _WORKER_ID, _BATCH_NAME, ... are set by the plugin). */
    env: z
      .record(z.string(), z.string())
      .default({})
      .superRefine((env, ctx) => {
        for (const [name, value] of Object.entries(env)) {
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
            ctx.addIssue({ code: 'custom', path: [name], message: 'is not an environment variable name' });
          } else if ((RESERVED_ENV as readonly string[]).includes(name)) {
            ctx.addIssue({ code: 'custom', path: [name], message: 'is set by the submitter' });
          } else if (value.includes('\0')) {
            ctx.addIssue({ code: 'custom', path: [name], message: 'must not contain NUL' });
          }
        }
      }),
    /**
     * The container's user (`uid[:gid]` or a name of the image). Default: the harvester's own
     * uid:gid, so that what the worker writes into the access point is the harvester's to
     * remove; `""` keeps the image's USER.
     */
    user: z
      .string()
      .regex(/^$|^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/, 'uid[:gid] or a user name')
      .optional(),
    /** The container's network: bridge, host, none, container:<name> or a network's name; default: the Engine's. */
    networkMode: z
      .string()
      .regex(/^(container:)?[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a network mode or network name')
      .optional(),
    /** More bind mounts (e.g. input data, software). */
    mounts: z.array(dockerMountOption).default([]),
    /** Allow mounting `/` or a path holding the Docker socket (which hands the worker the host). */
    allowDangerousMounts: z.boolean().default(false),
    /** CPU limit from WorkSpec.nCore: NanoCpus, a CFS quota (CpuQuota/CpuPeriod) or none. */
    cpuLimit: z.enum(['nanoCpus', 'cpuQuota', 'none']).default('nanoCpus'),
    /** Multiplies nCore for the CPU limit. */
    cpuFactor: z.number().positive().default(1),
    /** Memory limit from WorkSpec.minRamCount (MB), without swap; none when the worker has no minRamCount. */
    memoryLimit: z.boolean().default(true),
    /** Multiplies minRamCount for the memory limit. */
    memoryFactor: z.number().positive().default(1),
    /** Run Docker's init (tini) as PID 1 in front of the wrapper. */
    init: z.boolean().default(false),
    /** More labels on every container (the org.harvester-ts.* labels are the plugin's). */
    labels: z
      .record(z.string(), z.string().max(1024))
      .default({})
      .superRefine((labels, ctx) => {
        for (const key of Object.keys(labels)) {
          const problem = labelKeyProblem(key);
          if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
        }
      }),
    /** Containers created and started at once. */
    submitConcurrency: z.number().int().min(1).max(64).default(8),
  })
  .superRefine((o, ctx) => {
    connectionProblems(o, ctx);
    if (!o.allowDangerousMounts) {
      o.mounts.forEach((m, i) => {
        const problem = mountSourceProblem(m.source, o.socketPath);
        if (problem) ctx.addIssue({ code: 'custom', path: ['mounts', i, 'source'], message: problem });
      });
    }
  });
export type DockerSubmitterOptions = z.output<typeof dockerSubmitterOptions>;

export const dockerMonitorOptions = z
  .looseObject({
    ...dockerConnectionOptions,
    /**
     * A container of a worker that the Engine does not list (removed behind the harvester's back):
     * how long after it was first missed the worker is retried before it is failed.
     */
    missingGraceSeconds: z.number().nonnegative().default(300),
    /** Containers inspected at once (only those whose state changed since the last look). */
    inspectConcurrency: z.number().int().min(1).max(64).default(8),
    /** Save an ended container's stdout and stderr into the access point. */
    saveLogs: z.boolean().default(true),
    /** At most this many last lines of each log are saved. */
    logTailLines: z.number().int().positive().default(50_000),
  })
  .superRefine(connectionProblems);
export type DockerMonitorOptions = z.output<typeof dockerMonitorOptions>;

export const dockerSweeperOptions = z
  .looseObject({
    ...dockerConnectionOptions,
    /** Seconds between SIGTERM and SIGKILL when a container is stopped (`docker stop -t`). */
    killGraceSeconds: z.number().int().nonnegative().max(3600).default(30),
    /**
     * Containers stopped at once by one killWorkers call (each stop holds its request until the
     * container has ended: a call takes up to ceil(n / killConcurrency) × killGraceSeconds).
     */
    killConcurrency: z.number().int().min(1).max(128).default(32),
    /** sweepWorker removes the worker's container (then its access point). */
    removeContainer: z.boolean().default(true),
  })
  .superRefine(connectionProblems);
export type DockerSweeperOptions = z.output<typeof dockerSweeperOptions>;

/** The connection options every plugin has. */
export type DockerConnectionOptions = Pick<
  DockerSubmitterOptions,
  | 'socketPath'
  | 'host'
  | 'port'
  | 'protocol'
  | 'tlsCaFile'
  | 'tlsCertFile'
  | 'tlsKeyFile'
  | 'apiVersion'
  | 'requestTimeoutSeconds'
  | 'engineClient'
>;
