// The PanDA communicator as the engine's WMS: jobs handed out by the fake PanDA server run to
// completion on testkit's simulated batch system and are reported final to the server, with
// worker updates, heartbeats and a command fetched and acknowledged on the way.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseQueueConfigFile, type QueueConfig, silentLogger } from '@harvester-ts/core';
import * as engineModule from '@harvester-ts/engine';
import { Engine, type EngineOptions, type ModuleImporter } from '@harvester-ts/engine';
import * as testkit from '@harvester-ts/testkit';
import * as pandaModule from '../src/index.js';

let dir: string;
let engine: Engine | undefined;
let server: testkit.FakePandaServer;

/** What the worker wrapper leaves in an access point for a payload that succeeded. */
function fakeWrapper(accessPoint: string): number {
  const list = join(accessPoint, 'harvester-jobs.list');
  if (!existsSync(list)) return 0;
  const now = Math.floor(Date.now() / 1000);
  for (const entry of readFileSync(list, 'utf8').split('\n').filter(Boolean)) {
    const jobDir = entry === '.' ? accessPoint : join(accessPoint, entry);
    const env = readFileSync(join(jobDir, 'harvester-job.env'), 'utf8');
    const value = (name: string) => env.match(new RegExp(`^${name}='([^']*)'$`, 'm'))?.[1] ?? '';
    const pandaID = value('HARVESTER_PANDA_ID');
    const outputs = value('HARVESTER_OUTPUT_FILES').split(' ').filter(Boolean);
    const reported = outputs.map((lfn) => {
      writeFileSync(join(jobDir, lfn), `output ${lfn}\n`);
      return {
        path: join(jobDir, lfn),
        type: 'output',
        fsize: `output ${lfn}\n`.length,
        eventStatus: 'finished',
      };
    });
    writeFileSync(join(jobDir, 'event_status.dump.json'), JSON.stringify({ [pandaID]: reported }));
    writeFileSync(join(jobDir, 'jobReport.json'), JSON.stringify({ exitCode: 0, exitMsg: 'OK' }));
    writeFileSync(
      join(jobDir, 'worker_attributes.json'),
      JSON.stringify({ jobStatus: 'finished', transExitCode: 0, startTime: now, endTime: now }),
    );
  }
  writeFileSync(join(accessPoint, 'harvester-worker.exit'), '0\n');
  return 0;
}

const importer: ModuleImporter = async (specifier) => {
  if (specifier === '@harvester-ts/testkit') return testkit as unknown as Record<string, unknown>;
  if (specifier === '@harvester-ts/engine') return engineModule as unknown as Record<string, unknown>;
  if (specifier === '@harvester-ts/communicator-panda')
    return pandaModule as unknown as Record<string, unknown>;
  throw new Error(`test importer: unknown module ${specifier}`);
};

function queues(): Record<string, QueueConfig> {
  const section = (name: string, extra: Record<string, unknown> = {}) => ({
    module: '@harvester-ts/testkit',
    name,
    ...extra,
  });
  return parseQueueConfigFile({
    TEST_QUEUE: {
      mapType: 'OneToOne',
      maxWorkers: 10,
      nQueueLimitWorker: 10,
      nQueueLimitJob: 10,
      submitter: section('TestkitSubmitter'),
      monitor: section('TestkitMonitor', { unknownGraceSeconds: 0 }),
      sweeper: section('TestkitSweeper'),
      preparator: section('TestkitPreparator', { inputRoot: join(dir, 'inputs'), createFiles: true }),
      stager: section('TestkitStager', { destination: join(dir, 'storage') }),
      workerMaker: section('TestkitWorkerMaker'),
      messenger: {
        module: '@harvester-ts/engine',
        name: 'SharedFileMessenger',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Harvester's access point placeholder
        accessPoint: join(dir, 'workers', '${workerID}'),
      },
    },
  }) as Record<string, QueueConfig>;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'harvester-panda-engine-'));
  const batch = new testkit.SimulatedBatchSystem({
    seed: 7,
    payload: (job) => (job.accessPoint ? fakeWrapper(job.accessPoint) : 99),
  });
  const wms = new testkit.SimulatedWms();
  testkit.clearSimulations();
  testkit.registerSimulation('default', { batch, wms });
  server = await testkit.startFakePandaServer({ wms });
});

afterEach(async () => {
  await engine?.stop();
  engine = undefined;
  await server.close();
  testkit.clearSimulations();
  await rm(dir, { recursive: true, force: true });
});

it.each(['v1', 'legacy'] as const)('runs PanDA jobs from fetch to the final report (%s API)', async (api) => {
  const fast = { schedule: { enabled: true, busyIntervalMs: 0, idleIntervalMs: 10 } };
  engine = await Engine.create({
    config: {
      harvesterId: 'panda-h',
      pluginCallTimeoutMs: 20_000,
      jobFetcher: { ...fast, lookupIntervalMs: 0 },
      preparator: { ...fast, checkIntervalMs: 0, triggerIntervalMs: 0 },
      submitter: { ...fast, lookupIntervalMs: 0 },
      monitor: { ...fast, checkIntervalMs: 0 },
      propagator: { ...fast, updateIntervalMs: 60_000, retryIntervalMs: 0 },
      stager: { ...fast, checkIntervalMs: 0, triggerIntervalMs: 0 },
      eventFeeder: fast,
      sweeper: { ...fast, checkIntervalMs: 0 },
      commandManager: fast,
    },
    queues: queues(),
    communicator: {
      module: '@harvester-ts/communicator-panda',
      name: 'PandaCommunicator',
      url: server.url,
      api,
      retryBaseDelayMs: 1,
    },
    database: { type: 'sqlite', path: join(dir, 'harvester.db') },
    importer,
    logger: silentLogger as unknown as EngineOptions['logger'],
  });
  const job = (PandaID: number) =>
    testkit.makePandaJob({
      PandaID,
      outFiles: [`out.${PandaID}.root`],
      jobPars: `out.${PandaID}.root`,
      computingSite: 'TEST_QUEUE',
    });
  server.wms.addJobs(job(601), job(602));
  const commandID = server.wms.addCommand('REPORT_WORKER_STATS:TEST_QUEUE', {});

  await engine.runUntilIdle({ timeoutMs: 60_000 });

  expect(server.wms.finalStatusOf(601)).toBe('finished');
  expect(server.wms.finalStatusOf(602)).toBe('finished');
  expect(server.wms.workerUpdates.length).toBeGreaterThan(0);
  expect(server.heartbeats.some((h) => h.harvesterId === 'panda-h')).toBe(true);
  expect(server.wms.workerStatsReports.map((r) => r.siteName)).toContain('TEST_QUEUE');
  expect(await server.wms.getCommands(10)).toEqual([]);
  expect(commandID).toBeGreaterThan(0);
  // Everything the communicator sent was accepted, except what the server answers with
  // success=false by design: "No jobs in PanDA", and (v1) the first heartbeat of an instance.
  expect(server.requests.filter((r) => r.status !== 200)).toEqual([]);
  const refused = server.requests.filter((r) => r.success === false).map((r) => r.endpoint);
  expect(refused.filter((e) => e !== 'pilot/acquire_jobs')).toEqual(
    api === 'v1' ? ['harvester/heartbeat'] : [],
  );
});
