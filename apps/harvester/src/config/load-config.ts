// Loads the whole configuration: file (or none = the embedded default), secrets, validation,
// relative paths, defaults and the queues. Every problem is reported at once, with its path.
import { dirname, resolve } from 'node:path';
import { ConfigError, type ConfigIssue, formatIssues, type QueueConfig } from '@harvester-ts/core';
import {
  type CommunicatorSection,
  type DatabaseConfigInput,
  type EngineConfigInput,
  engineConfigSchema,
} from '@harvester-ts/engine';
import { type AppConfig, appConfigSchema, httpConfigSchema } from './app-config.js';
import {
  dataLayout,
  defaultCommunicator,
  defaultHarvesterId,
  localProfileEngineSettings,
} from './embedded-default.js';
import { type ResolvedQueues, resolveQueues } from './queues.js';
import { findConfigFile, readConfigFile } from './read-config-file.js';
import { redactSecrets, resolveSecrets } from './secrets.js';

export interface ResolvedConfig {
  /** The configuration file, or undefined for the embedded default. */
  file: string | undefined;
  /** Relative paths of the configuration start here (the file's directory, else the cwd). */
  configDir: string;
  dataDir: string;
  profile: 'local' | 'site';
  harvesterId: string;
  database: DatabaseConfigInput;
  engine: EngineConfigInput;
  communicator: CommunicatorSection;
  queues: Record<string, QueueConfig>;
  queueSource: ResolvedQueues;
  http: ReturnType<typeof httpConfigSchema.parse>;
  logLevel: string;
  /** Dotted paths of values that came from secrets (for redaction). */
  secrets: Map<string, string>;
}

export interface LoadConfigOptions {
  cwd?: string;
  /** `--config`; else $HARVESTER_CONFIG; else harvester.config.* in cwd; else the embedded default. */
  file?: string;
  env?: NodeJS.ProcessEnv;
}

const AGENTS = [
  'jobFetcher',
  'preparator',
  'submitter',
  'monitor',
  'propagator',
  'stager',
  'eventFeeder',
  'sweeper',
  'commandManager',
] as const;

/** The profile's settings, overridden agent by agent (and key by key) by the file's. */
function engineSettings(profile: 'local' | 'site', own: AppConfig['engine']): Record<string, unknown> {
  const base: Record<string, unknown> = profile === 'local' ? localProfileEngineSettings() : {};
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(own ?? {})) {
    if ((AGENTS as readonly string[]).includes(key) && typeof value === 'object' && value !== null) {
      const prev = (base[key] ?? {}) as Record<string, unknown>;
      const v = value as Record<string, unknown>;
      out[key] = {
        ...prev,
        ...v,
        ...(v.schedule || prev.schedule
          ? { schedule: { ...((prev.schedule as object) ?? {}), ...((v.schedule as object) ?? {}) } }
          : {}),
      };
    } else {
      out[key] = value;
    }
  }
  return out;
}

function fail(what: string, issues: ConfigIssue[], source: string | undefined): never {
  throw new ConfigError(what, issues, source === undefined ? {} : { source });
}

/** @throws ConfigError naming every problem */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<ResolvedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const file = findConfigFile(cwd, options.file, env);
  const configDir = file === undefined ? cwd : dirname(file);
  const what = file === undefined ? 'the embedded default configuration' : `configuration ${file}`;
  const raw = file === undefined ? {} : await readConfigFile(file);

  const secrets = resolveSecrets(raw, configDir, env);
  const parsed = appConfigSchema.safeParse(secrets.value);
  const issues: ConfigIssue[] = [...secrets.issues];
  if (!parsed.success) {
    issues.push(...formatIssues(parsed.error.issues));
    // Every problem at once: the queues are checked too when the rest is wrong.
    const queues = (secrets.value as { queues?: unknown } | null)?.queues;
    if (
      queues !== undefined &&
      (typeof queues === 'string' || (typeof queues === 'object' && queues !== null))
    ) {
      try {
        resolveQueues(queues as string | Record<string, unknown>, {
          configDir,
          dataDir: resolve(configDir, './var'),
        });
      } catch (err) {
        if (err instanceof ConfigError)
          issues.push(...err.issues.map((i) => ({ ...i, path: `queues.${i.path}` })));
      }
    }
  }
  if (issues.length > 0 || !parsed.success) fail(what, issues, file);
  const config = parsed.data;

  const dataDir = resolve(configDir, config.dataDir ?? './var');
  const layout = dataLayout(dataDir);
  const profile = config.profile ?? (config.queues === undefined ? 'local' : 'site');
  const harvesterId = config.harvesterId ?? defaultHarvesterId(dataDir);

  const database: DatabaseConfigInput =
    config.database === undefined || config.database.type === 'sqlite'
      ? {
          type: 'sqlite',
          path: resolve(configDir, config.database?.path ?? layout.database),
          ...(config.database?.busyTimeoutMs === undefined
            ? {}
            : { busyTimeoutMs: config.database.busyTimeoutMs }),
        }
      : { ...config.database };

  const engine = { harvesterId, ...engineSettings(profile, config.engine) } as EngineConfigInput;
  const engineCheck = engineConfigSchema.safeParse(engine);
  if (!engineCheck.success) {
    fail(what, formatIssues(engineCheck.error.issues, { prefix: ['engine'] }), file);
  }

  const communicator = (config.communicator ?? defaultCommunicator(dataDir)) as CommunicatorSection;
  let queueSource: ResolvedQueues;
  try {
    queueSource = resolveQueues(config.queues, { configDir, dataDir });
  } catch (err) {
    // The queue file names itself; inline queues are under `queues.` of this file.
    if (err instanceof ConfigError && typeof config.queues !== 'string') {
      fail(
        what,
        err.issues.map((i) => ({ ...i, path: `queues.${i.path}` })),
        file,
      );
    }
    throw err;
  }

  return {
    file,
    configDir,
    dataDir,
    profile,
    harvesterId,
    database,
    engine,
    communicator,
    queues: queueSource.queues,
    queueSource,
    http: httpConfigSchema.parse(config.http ?? {}),
    logLevel: env.HARVESTER_LOG_LEVEL ?? config.log?.level ?? 'info',
    secrets: secrets.secrets,
  };
}

/** The resolved configuration as `config show` prints it: everything explicit, secrets redacted. */
export function describeConfig(config: ResolvedConfig): Record<string, unknown> {
  const shown = {
    file: config.file ?? null,
    profile: config.profile,
    dataDir: config.dataDir,
    harvesterId: config.harvesterId,
    database: config.database,
    engine: engineConfigSchema.parse(config.engine),
    http: config.http,
    log: { level: config.logLevel },
    communicator: config.communicator,
    queueSource: config.queueSource.source,
    queueNotes: config.queueSource.notes,
    queues: config.queues,
  };
  return redactSecrets(shown, config.secrets) as Record<string, unknown>;
}
