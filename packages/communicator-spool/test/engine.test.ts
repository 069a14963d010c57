// The spool as the engine's WMS: jobs dropped in inbox/ run to completion on testkit's simulated
// batch system, their updates land in outbox/, commands are fetched and acknowledged, and the
// heartbeat is written.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseQueueConfigFile, type QueueConfig, silentLogger } from '@harvester-ts/core';
import * as engineModule from '@harvester-ts/engine';
import { Engine, type EngineOptions, type ModuleImporter } from '@harvester-ts/engine';
import * as testkit from '@harvester-ts/testkit';
import * as spoolModule from '../src/index.js';

let dir: string;
let engine: Engine | undefined;

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
  if (specifier === '@harvester-ts/communicator-spool')
    return spoolModule as unknown as Record<string, unknown>;
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
  dir = await mkdtemp(join(tmpdir(), 'harvester-spool-engine-'));
  const batch = new testkit.SimulatedBatchSystem({
    seed: 7,
    payload: (job) => (job.accessPoint ? fakeWrapper(job.accessPoint) : 99),
  });
  testkit.clearSimulations();
  testkit.registerSimulation('default', { batch, wms: new testkit.SimulatedWms() });
});

afterEach(async () => {
  await engine?.stop();
  engine = undefined;
  testkit.clearSimulations();
  await rm(dir, { recursive: true, force: true });
});

it('runs spooled jobs through the engine and reports them in the outbox', async () => {
  const root = join(dir, 'spool');
  const fast = { schedule: { enabled: true, busyIntervalMs: 0, idleIntervalMs: 10 } };
  engine = await Engine.create({
    config: {
      harvesterId: 'spool-h',
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
    communicator: { module: '@harvester-ts/communicator-spool', name: 'SpoolCommunicator', root },
    database: { type: 'sqlite', path: join(dir, 'harvester.db') },
    importer,
    // The engine takes a pino logger; the silent plugin logger has the methods it calls.
    logger: silentLogger as unknown as EngineOptions['logger'],
  });
  const job = (PandaID: number) =>
    testkit.makePandaJob({
      PandaID,
      outFiles: [`out.${PandaID}.root`],
      jobPars: `out.${PandaID}.root`,
      computingSite: 'TEST_QUEUE',
    });
  await writeFile(join(root, 'inbox', 'a.json'), JSON.stringify(job(501)));
  await writeFile(join(root, 'inbox', 'b.json'), JSON.stringify(job(502)));
  await writeFile(join(root, 'inbox', 'broken.json'), '{');
  await writeFile(
    join(root, 'commands', 'c.json'),
    JSON.stringify({ command: 'REPORT_WORKER_STATS:TEST_QUEUE', params: {} }),
  );

  await engine.runUntilIdle({ timeoutMs: 60_000 });

  const outbox = (await readdir(join(root, 'outbox'))).filter((f) => f.endsWith('.json'));
  const records = await Promise.all(
    outbox.map(
      async (f) => JSON.parse(await readFile(join(root, 'outbox', f), 'utf8')) as Record<string, unknown>,
    ),
  );
  const jobUpdates = records.filter((r) => r.type === 'jobUpdate');
  const finalOf = (id: number) =>
    jobUpdates
      .filter((r) => r.PandaID === id)
      .sort((x, y) => String(x.writtenAt).localeCompare(String(y.writtenAt)))
      .at(-1)?.status;
  expect(finalOf(501)).toBe('finished');
  expect(finalOf(502)).toBe('finished');
  expect(records.some((r) => r.type === 'workerUpdate')).toBe(true);
  expect(await readdir(join(root, 'inbox'))).toEqual([]);
  expect(await readdir(join(root, 'claimed'))).toEqual([]);
  expect((await readdir(join(root, 'delivered'))).sort()).toEqual(['job-501.json', 'job-502.json']);
  expect((await readdir(join(root, 'rejected'))).sort()).toEqual(['broken.json', 'broken.json.error']);
  expect(await readdir(join(root, 'commands', 'done'))).toEqual(['c.json']);
  expect(JSON.parse(await readFile(join(root, 'status.json'), 'utf8'))).toMatchObject({
    harvesterID: 'spool-h',
  });
});
