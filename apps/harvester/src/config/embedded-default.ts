// The embedded default: what the harvester runs with no configuration at all. One machine, an
// SQLite file, jobs from a spool directory, workers as local processes, files staged from and to
// a local storage directory. Every plugin is named by module like in any other configuration.
import { createHash } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import type { EngineConfigInput } from '@harvester-ts/engine';

/** The queue the embedded default defines, and the built-in template it is made from. */
export const DEFAULT_QUEUE_NAME = 'local';
export const LOCAL_TEMPLATE_NAME = 'LOCAL_TEMPLATE';

/** Files and directories of the embedded default under its data directory. */
export function dataLayout(dataDir: string) {
  return {
    database: join(dataDir, 'harvester.db'),
    spool: join(dataDir, 'spool'),
    storage: join(dataDir, 'storage'),
    staging: join(dataDir, 'staging'),
    workers: join(dataDir, 'workers'),
    logs: join(dataDir, 'logs'),
  };
}

/**
 * A name unique to this host and data directory: two checkouts on one machine must not take each
 * other's local workers for their own (batch names are `<harvesterId>-<workerID>`).
 */
export function defaultHarvesterId(dataDir: string): string {
  const host = hostname()
    .replace(/[^A-Za-z0-9_.-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 40);
  const tag = createHash('sha256').update(dataDir).digest('hex').slice(0, 8);
  return `local-${host || 'host'}-${tag}`;
}

/** Communicator of the embedded default: the spool directory. */
export function defaultCommunicator(dataDir: string) {
  return {
    module: '@harvester-ts/communicator-spool',
    name: 'SpoolCommunicator',
    root: dataLayout(dataDir).spool,
  };
}

/**
 * The built-in template `LOCAL_TEMPLATE`: a queue of local workers over the data directory.
 * Any configuration may extend it with `"templateQueueName": "LOCAL_TEMPLATE"`.
 */
export function localQueueTemplate(dataDir: string): Record<string, unknown> {
  const paths = dataLayout(dataDir);
  const slots = Math.max(2, availableParallelism());
  return {
    isTemplateQueue: true,
    mapType: 'OneToOne',
    maxWorkers: slots,
    nQueueLimitWorker: slots,
    nQueueLimitJob: 10 * slots,
    // The submitter's executable (the engine's worker wrapper) is added by the queue loading.
    submitter: { module: '@harvester-ts/local', name: 'LocalSubmitter', maxCores: slots },
    monitor: { module: '@harvester-ts/local', name: 'LocalMonitor' },
    sweeper: { module: '@harvester-ts/local', name: 'LocalSweeper', killGraceSeconds: 10 },
    preparator: {
      module: '@harvester-ts/stager-posix',
      name: 'PosixPreparator',
      storageRoot: paths.storage,
      stagingRoot: paths.staging,
      mode: 'copy',
    },
    stager: {
      module: '@harvester-ts/stager-posix',
      name: 'PosixStager',
      destinationRoot: paths.storage,
    },
    messenger: {
      module: '@harvester-ts/engine',
      name: 'SharedFileMessenger',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Harvester's per-worker placeholder
      accessPoint: join(paths.workers, '${workerID}'),
    },
    workerMaker: { module: '@harvester-ts/engine', name: 'SimpleWorkerMaker' },
  };
}

/** The queues of the embedded default: `local`, made from the built-in template. */
export function defaultQueues(): Record<string, unknown> {
  return { [DEFAULT_QUEUE_NAME]: { templateQueueName: LOCAL_TEMPLATE_NAME } };
}

/**
 * Agent settings of the `local` profile: one machine, work that takes seconds, so every agent
 * looks again after a second. (The `site` profile keeps Harvester's intervals, which spare the
 * batch systems and the WMS of a large site.)
 */
export function localProfileEngineSettings(): Omit<EngineConfigInput, 'harvesterId'> {
  const schedule = { enabled: true, busyIntervalMs: 0, idleIntervalMs: 1_000 };
  return {
    pluginCallTimeoutMs: 120_000,
    jobFetcher: { schedule, lookupIntervalMs: 1_000 },
    preparator: { schedule, checkIntervalMs: 1_000, triggerIntervalMs: 1_000 },
    submitter: { schedule, lookupIntervalMs: 1_000, pendingTimeoutMs: 60_000 },
    monitor: { schedule, checkIntervalMs: 1_000 },
    propagator: { schedule, updateIntervalMs: 60_000, retryIntervalMs: 5_000 },
    stager: { schedule, checkIntervalMs: 1_000, triggerIntervalMs: 1_000 },
    eventFeeder: { schedule },
    sweeper: { schedule, checkIntervalMs: 1_000 },
    commandManager: { schedule, heartbeatIntervalMs: 60_000 },
  };
}
