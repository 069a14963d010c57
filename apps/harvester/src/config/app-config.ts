// The app's configuration file (harvester.config.json / .js / .mjs / .ts): the instance, its
// database, the agents' settings, the HTTP API, the communicator and the queues.
import { engineConfigSchema } from '@harvester-ts/engine';
import { z } from 'zod';

/** `{ "$env": "NAME" }` or `{ "$file": "path" }`: a secret kept out of the configuration file. */
export const secretRefSchema = z.union([
  z.strictObject({ $env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name') }),
  z.strictObject({ $file: z.string().min(1, 'a file path') }),
]);
export type SecretRef = z.infer<typeof secretRefSchema>;

const pluginSectionSchema = z.looseObject({
  module: z.string().min(1, 'the package (or path) that exports the plugin'),
  name: z.string().min(1, 'the export name of the plugin'),
});

const sqliteSchema = z.strictObject({
  type: z.literal('sqlite'),
  /** Relative to the configuration file's directory; default `<dataDir>/harvester.db`. */
  path: z.string().min(1).optional(),
  busyTimeoutMs: z.number().int().min(0).optional(),
});

const mysqlSchema = z.strictObject({
  type: z.literal('mysql'),
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  user: z.string().min(1),
  password: z.string().optional(),
  database: z.string().min(1),
  server: z.enum(['auto', 'mariadb', 'mysql']).optional(),
  poolSize: z.number().int().min(1).max(1000).optional(),
  connectTimeoutMs: z.number().int().min(100).optional(),
});

/** The agents' settings: the engine's configuration without the instance name. */
const engineSettingsSchema = engineConfigSchema.omit({ harvesterId: true }).partial();

export const httpConfigSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** 127.0.0.1 unless you put it behind something that authenticates. */
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(25080),
  /** Bearer token for requests that change state; without one they are refused. */
  token: z.string().min(16, 'use a token of at least 16 characters').optional(),
});

export const appConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  /** Names this instance (lease owners, batch names `<harvesterId>-<workerID>`). */
  harvesterId: engineConfigSchema.shape.harvesterId.optional(),
  /**
   * `local` (the default without queues of your own): agents look again every second, for one
   * machine. `site`: Harvester's intervals, which spare the batch systems and the WMS.
   */
  profile: z.enum(['local', 'site']).optional(),
  /** Where the embedded default keeps its database, spool, storage and workers. Default `./var`. */
  dataDir: z.string().min(1).optional(),
  database: z.discriminatedUnion('type', [sqliteSchema, mysqlSchema]).optional(),
  engine: engineSettingsSchema.optional(),
  http: httpConfigSchema.optional(),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .optional(),
  communicator: pluginSectionSchema.optional(),
  /**
   * The queues: a panda_queueconfig.json object, or the path of such a file (ours or Python
   * Harvester's: its `pandaharvester.*` modules are mapped to ours). Default: the queue `local`.
   */
  queues: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
});

/** What a configuration file holds (before secrets are resolved). */
export type AppConfigInput = z.input<typeof appConfigSchema>;
export type AppConfig = z.output<typeof appConfigSchema>;

/**
 * Types a `harvester.config.ts` / `.js`:
 *   export default defineConfig({ harvesterId: 'site-a', queues: './panda_queueconfig.json' });
 * Secret values may be written as `{ $env: 'NAME' }` or `{ $file: '/run/secrets/x' }`.
 */
export function defineConfig(config: WithSecrets<AppConfigInput>): WithSecrets<AppConfigInput> {
  return config;
}

/** Any string of the configuration may instead be a secret reference. */
export type WithSecrets<T> = T extends string
  ? T | SecretRef
  : T extends (infer U)[]
    ? WithSecrets<U>[]
    : T extends object
      ? { [K in keyof T]: WithSecrets<T[K]> }
      : T;
