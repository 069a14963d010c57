// Options of the PanDA communicator. The section is top-level (`communicator`), so unknown keys
// at the top are tolerated like the other packages do (the host may merge keys); the auth objects
// are strict, so a misspelt credential key is an error instead of a silently anonymous client.
import { z } from 'zod';

/** The core range this package is built for. */
export const PANDA_COMPATIBILITY = '^0.1.0';

const nonEmpty = z.string().trim().min(1);

/** OIDC bearer token, from exactly one of an environment variable or a file, with the VO as Origin. */
export const oidcAuthOptions = z
  .strictObject({
    type: z.literal('oidc'),
    /** Name of the environment variable holding the token. */
    tokenEnv: nonEmpty.optional(),
    /** Path of a file holding the token; re-read whenever its mtime or size changes. */
    tokenFile: nonEmpty.optional(),
    /** The `Origin` header: the VO the token is for (e.g. `atlas`). */
    origin: nonEmpty.regex(
      /^[\u0020-\u007e\u0080-\u00ff]+$/,
      'must be usable in an HTTP header (printable Latin-1)',
    ),
  })
  .superRefine((v, ctx) => {
    if ((v.tokenEnv === undefined) === (v.tokenFile === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tokenEnv'],
        message: 'give exactly one of tokenEnv and tokenFile',
      });
    }
  });

/** X.509 client certificate and key (PEM files; a grid proxy may hold both in one file). */
export const x509AuthOptions = z.strictObject({
  type: z.literal('x509'),
  certFile: nonEmpty,
  keyFile: nonEmpty,
});

export const noAuthOptions = z.strictObject({ type: z.literal('none') });

export const pandaAuthOptions = z.discriminatedUnion('type', [
  oidcAuthOptions,
  x509AuthOptions,
  noAuthOptions,
]);

export type PandaAuthOptions = z.infer<typeof pandaAuthOptions>;
export type OidcAuthOptions = z.infer<typeof oidcAuthOptions>;
export type X509AuthOptions = z.infer<typeof x509AuthOptions>;

/** An http(s) URL without query or fragment; a trailing slash is dropped. */
const baseUrl = z
  .string()
  .trim()
  .superRefine((s, ctx) => {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      ctx.addIssue({ code: 'custom', message: `not a URL: ${JSON.stringify(s)}` });
      return;
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:')
      ctx.addIssue({ code: 'custom', message: `must be an http:// or https:// URL, got ${u.protocol}` });
    if (u.search !== '' || u.hash !== '')
      ctx.addIssue({ code: 'custom', message: 'must not have a query or a fragment' });
    if (u.username !== '' || u.password !== '')
      ctx.addIssue({ code: 'custom', message: 'must not carry credentials (use auth)' });
  })
  .transform((s) => s.replace(/\/+$/, ''));

/** `host` or `host:port`, lower case. */
const hostKey = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?:\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/, 'must be host or host:port');

const positiveInt = z.number().int().positive();

/** 512 MiB: about the longest string V8 makes of an answer. */
const MAX_RESPONSE_BYTES = 512 * 1024 * 1024;

export const pandaCommunicatorOptions = z.looseObject({
  /** The server's base URL, e.g. https://pandaserver.cern.ch:25443 (API v1 at /api/v1, legacy at /server/panda). */
  url: baseUrl,
  /** The cache server's base URL (log uploads); reserved: the engine uploads no logs yet. */
  cacheUrl: baseUrl.optional(),
  /** Which server API to speak: `v1` (/api/v1/<module>/<method>) or `legacy` (/server/panda/<method>). */
  api: z.enum(['v1', 'legacy']).default('v1'),
  /** Credentials for every host without an entry in hostAuth. */
  auth: pandaAuthOptions.default({ type: 'none' }),
  /** CA bundle (PEM) to verify the servers with; default: Node's built-in CAs. */
  caFile: nonEmpty.optional(),
  /** Credentials per host (`host` or `host:port`), overriding `auth`. */
  hostAuth: z.record(hostKey, pandaAuthOptions).default({}),
  /** Per-attempt timeout of one HTTP request. */
  timeoutSeconds: z.number().positive().max(3600).default(180),
  /**
   * The longest one call may take, retries and backoff included: no attempt starts (or runs)
   * past it. Below the engine's pluginCallTimeoutMs (300 s), so the call ends with its own
   * diagnostic rather than being cut by the engine.
   */
  callDeadlineSeconds: z.number().positive().max(3600).default(270),
  /**
   * Extra attempts after a network error, a timeout or an HTTP 5xx (calls that hand out jobs,
   * commands or event ranges: only after errors proving the request never reached the server).
   */
  maxRetries: z.number().int().min(0).max(20).default(3),
  /** Base delay of the exponential backoff (doubled per retry, with jitter, at most 30 s). */
  retryBaseDelayMs: z.number().int().min(0).max(60_000).default(1000),
  /** Concurrent connections (and requests) per server. */
  nConnections: positiveInt.max(100).default(5),
  /** Jobs per pilot/update_jobs_bulk (updateJobsInBulk) request. */
  updateJobsChunkSize: positiveInt.max(10_000).default(100),
  /** Jobs per job/get_status (checkJobStatus) request. */
  checkJobsChunkSize: positiveInt.max(10_000).default(100),
  /** Event ranges per request, when acquiring and when updating them. */
  eventRangesChunkSize: positiveInt.max(100_000).default(5120),
  /** The largest answer read (as received, and after gunzip); a larger one is retryLater. */
  maxResponseBytes: positiveInt.max(MAX_RESPONSE_BYTES).default(256 * 1024 * 1024),
});

export type PandaCommunicatorOptions = z.infer<typeof pandaCommunicatorOptions>;
