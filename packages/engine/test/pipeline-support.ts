// Shared set-up of the pipeline tests: a queue configuration on testkit plugins and the
// shared-file messenger, a simulated WMS and batch system whose workers run the real worker
// wrapper in their access point.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MapType, parseQueueConfigFile, type QueueConfig } from '@harvester-ts/core';
import * as testkit from '@harvester-ts/testkit';
import { pino } from 'pino';
import type { EngineConfigInput, ModuleImporter } from '../src/index.js';
import * as engine from '../src/index.js';
import { WORKER_WRAPPER_PATH } from '../src/worker/wrapper.js';

export const PRODUCE = fileURLToPath(new URL('./fixtures/pipeline/produce.sh', import.meta.url));

/** Resolves the plugin modules the test queue configurations name. */
export const testImporter: ModuleImporter = async (specifier) => {
  if (specifier === '@harvester-ts/testkit') return testkit as unknown as Record<string, unknown>;
  if (specifier === 'misbehaving-plugins')
    return (await import('./fixtures/misbehaving-plugins.js')) as Record<string, unknown>;
  if (specifier === '@harvester-ts/engine') return engine as unknown as Record<string, unknown>;
  throw new Error(`test importer: unknown module ${specifier}`);
};

export const quietLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export interface PipelineWorld {
  dir: string;
  wms: testkit.SimulatedWms;
  batch: testkit.SimulatedBatchSystem;
  queues: Record<string, QueueConfig>;
  cleanup(): void;
}

export function fastEngineConfig(harvesterId = 'test-h', keepMs = 0): EngineConfigInput {
  const fast = { schedule: { enabled: true, busyIntervalMs: 0, idleIntervalMs: 10 } };
  return {
    harvesterId,
    pluginCallTimeoutMs: 20_000,
    jobFetcher: { ...fast, lookupIntervalMs: 0 },
    preparator: { ...fast, checkIntervalMs: 0, triggerIntervalMs: 0 },
    submitter: { ...fast, lookupIntervalMs: 0 },
    monitor: { ...fast, checkIntervalMs: 0 },
    propagator: { ...fast, updateIntervalMs: 60_000, retryIntervalMs: 0 },
    stager: { ...fast, checkIntervalMs: 0, triggerIntervalMs: 0 },
    eventFeeder: fast,
    sweeper: {
      ...fast,
      checkIntervalMs: 0,
      keepFinishedMs: keepMs,
      keepFailedMs: keepMs,
      keepCancelledMs: keepMs,
      keepMissedMs: keepMs,
    },
    commandManager: fast,
  };
}

export interface WorldOptions {
  nJobsPerWorker?: number;
  nWorkersPerJob?: number;
  maxWorkers?: number;
  maxSubmissionAttempts?: number;
  /** Replaces or extends plugin sections of the queue (e.g. another module, fault options). */
  sections?: Record<string, Record<string, unknown>>;
  /** Plugin sections the queue leaves out (e.g. preparator and stager of a NoJob queue). */
  omitSections?: readonly string[];
  batch?: Partial<ConstructorParameters<typeof testkit.SimulatedBatchSystem>[0]>;
  /** Extra options of the shared-file messenger section (e.g. worker_heartbeat). */
  messenger?: Record<string, unknown>;
  /** Run workers with the in-process fastWrapper instead of the real shell wrapper. */
  fast?: boolean;
  nQueueLimitJob?: number;
}

export function makeWorld(mapType: MapType, options: WorldOptions = {}): PipelineWorld {
  const dir = mkdtempSync(join(tmpdir(), `pipeline-${mapType}-`));
  const wms = new testkit.SimulatedWms();
  const batch = new testkit.SimulatedBatchSystem({
    ...options.batch,
    seed: 7,
    payload:
      options.batch?.payload ??
      ((job) => {
        if (!job.accessPoint) return 99;
        // A NoJob (pull) worker is a pilot that gets its own jobs: nothing for the wrapper to run.
        if (!existsSync(join(job.accessPoint, 'harvester-jobs.list'))) return 0;
        if (options.fast) return fastWrapper(job.accessPoint);
        const r = spawnSync('sh', [WORKER_WRAPPER_PATH, job.accessPoint], {
          encoding: 'utf8',
          timeout: 60_000,
        });
        return r.status ?? 98;
      }),
  });
  testkit.clearSimulations();
  testkit.registerSimulation('default', { batch, wms });
  const section = (name: string, extra: Record<string, unknown> = {}) => ({
    module: '@harvester-ts/testkit',
    name,
    ...extra,
  });
  const entry: Record<string, unknown> = {
    mapType,
    maxWorkers: options.maxWorkers ?? 50,
    nQueueLimitWorker: options.maxWorkers ?? 50,
    ...(mapType === 'NoJob' ? {} : { nQueueLimitJob: options.nQueueLimitJob ?? 100 }),
    submitter: section('TestkitSubmitter'),
    monitor: section('TestkitMonitor', { unknownGraceSeconds: 0 }),
    sweeper: section('TestkitSweeper'),
    preparator: section('TestkitPreparator', { inputRoot: join(dir, 'inputs'), createFiles: true }),
    stager: section('TestkitStager', { destination: join(dir, 'storage') }),
    workerMaker: section('TestkitWorkerMaker', {
      ...(options.nJobsPerWorker ? { nJobsPerWorker: options.nJobsPerWorker } : {}),
      ...(options.nWorkersPerJob ? { nWorkersPerJob: options.nWorkersPerJob } : {}),
    }),
    messenger: {
      module: '@harvester-ts/engine',
      name: 'SharedFileMessenger',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Harvester's access point placeholder
      accessPoint: join(dir, 'workers', '${workerID}'),
      ...options.messenger,
    },
    ...(options.maxSubmissionAttempts ? { maxSubmissionAttempts: options.maxSubmissionAttempts } : {}),
    ...options.sections,
  };
  for (const omitted of options.omitSections ?? []) delete entry[omitted];
  const queues = parseQueueConfigFile({ TEST_QUEUE: entry }) as Record<string, QueueConfig>;
  return {
    dir,
    wms,
    batch,
    queues,
    cleanup: () => {
      testkit.clearSimulations();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A job whose payload writes its outputs (`--fail=N` makes it exit N). */
export function pandaJob(
  PandaID: number,
  extra: { fail?: number; inFiles?: string[]; taskID?: number } = {},
) {
  const outs = [`out.${PandaID}.root`];
  return testkit.makePandaJob({
    PandaID,
    taskID: extra.taskID ?? 1000,
    inFiles: extra.inFiles ?? [],
    outFiles: outs,
    transformation: PRODUCE,
    jobPars: [...outs, ...(extra.fail !== undefined ? [`--fail=${extra.fail}`] : [])].join(' '),
    computingSite: 'TEST_QUEUE',
  });
}

/**
 * What the worker wrapper leaves in an access point, written in-process (for tests that run
 * thousands of workers, where a shell per worker would be the bottleneck). Same files, same
 * formats as harvester-worker.sh for a payload that succeeded.
 */
export function fastWrapper(accessPoint: string): number {
  const list = join(accessPoint, 'harvester-jobs.list');
  if (!existsSync(list)) return 0;
  const now = Math.floor(Date.now() / 1000);
  for (const entry of readFileSync(list, 'utf8').split('\n').filter(Boolean)) {
    const dir = entry === '.' ? accessPoint : join(accessPoint, entry);
    const env = readFileSync(join(dir, 'harvester-job.env'), 'utf8');
    const value = (name: string) => env.match(new RegExp(`^${name}='([^']*)'$`, 'm'))?.[1] ?? '';
    const pandaID = value('HARVESTER_PANDA_ID');
    const outputs = value('HARVESTER_OUTPUT_FILES').split(' ').filter(Boolean);
    const reported = outputs.map((lfn) => {
      writeFileSync(join(dir, lfn), `output ${lfn}\n`);
      return {
        path: join(dir, lfn),
        type: 'output',
        fsize: `output ${lfn}\n`.length,
        eventStatus: 'finished',
      };
    });
    writeFileSync(join(dir, 'event_status.dump.json'), JSON.stringify({ [pandaID]: reported }));
    writeFileSync(join(dir, 'jobReport.json'), JSON.stringify({ exitCode: 0, exitMsg: 'OK' }));
    writeFileSync(
      join(dir, 'worker_attributes.json'),
      JSON.stringify({
        jobStatus: 'finished',
        transExitCode: 0,
        startTime: now,
        endTime: now,
        cpuConsumptionTime: 0,
        cpuConsumptionUnit: 's',
      }),
    );
  }
  writeFileSync(join(accessPoint, 'harvester-worker.exit'), '0\n');
  return 0;
}
