// The whole pipeline, fetched → done, for every mapType, on SQLite and on MariaDB: testkit's
// simulated WMS and batch system, the shared-file messenger, and the real worker wrapper.

import { join } from 'node:path';
import {
  FileSpec,
  JobSpec,
  type MapType,
  QueueConfigDump,
  queueConfigSchema,
  StatusEvent,
  WorkSpec,
} from '@harvester-ts/core';
import {
  createTestDatabase,
  describeWithService,
  probeMariaDb,
  type TestDatabase,
} from '@harvester-ts/test-support';
import type { CycleResult } from '../src/agents/agent-context.js';
import { type DatabaseConfigInput, Engine } from '../src/index.js';
import { forbiddenCalls } from './fixtures/misbehaving-plugins.js';
import {
  fastEngineConfig,
  makeWorld,
  type PipelineWorld,
  pandaJob,
  quietLogger,
  testImporter,
} from './pipeline-support.js';

type DbFactory = (world: PipelineWorld) => Promise<{ database: DatabaseConfigInput; drop(): Promise<void> }>;

const sqlite: DbFactory = async (world) => ({
  database: { type: 'sqlite', path: join(world.dir, 'harvester.db') },
  drop: async () => {},
});

function pipelineSuite(dbName: string, makeDb: DbFactory) {
  let world: PipelineWorld;
  let engine: Engine | undefined;
  let drop: () => Promise<void> = async () => {};

  async function start(mapType: MapType, opts: Parameters<typeof makeWorld>[1] = {}, keepMs = 3_600_000) {
    world = makeWorld(mapType, opts);
    const db = await makeDb(world);
    drop = db.drop;
    engine = await Engine.create({
      config: fastEngineConfig('test-h', keepMs),
      queues: world.queues,
      communicator: { module: '@harvester-ts/testkit', name: 'TestkitCommunicator' },
      database: db.database,
      importer: testImporter,
      logger: quietLogger,
    });
    return engine;
  }

  afterEach(async () => {
    await engine?.stop();
    engine = undefined;
    await drop();
    world?.cleanup();
  });

  const jobPath = async (e: Engine, PandaID: number) =>
    (
      await e.db.ds
        .getRepository(StatusEvent)
        .find({ where: { entityType: 'job', entityID: PandaID }, order: { eventID: 'ASC' } })
    ).map((h) => `${h.toStatus}/${h.toSubStatus}`);

  it(`${dbName}: OneToOne takes jobs from fetched to done, outputs staged, failures reported`, async () => {
    const e = await start('OneToOne');
    world.wms.addJobs(pandaJob(101, { inFiles: ['in.a.root'] }), pandaJob(102), pandaJob(103, { fail: 3 }));
    await e.runUntilIdle({ timeoutMs: 90_000 });
    expect([101, 102, 103].map((id) => world.wms.finalStatusOf(id))).toEqual([
      'finished',
      'finished',
      'failed',
    ]);
    expect(await jobPath(e, 101)).toEqual([
      'starting/fetched',
      'starting/preparing',
      'starting/prepared',
      'starting/submitted',
      'finished/to_transfer',
      'finished/transferring',
      'finished/staged',
      'finished/done',
    ]);
    const files = await e.db.ds
      .getRepository(FileSpec)
      .find({ where: { PandaID: 101 }, order: { fileID: 'ASC' } });
    expect(files.map((f) => [f.lfn, f.fileType, f.status])).toEqual([
      ['in.a.root', 'input', 'ready'],
      ['out.101.root', 'output', 'finished'],
      ['log.101.job.log.tgz', 'log', 'finished'],
    ]);
    // The final report names every staged file with its size and checksum (PanDA registers them).
    const report = world.wms.updatesOf(101).at(-1)!.outputFilesToReport as Record<string, unknown>;
    expect(Object.keys(report).sort()).toEqual(['log.101.job.log.tgz', 'out.101.root']);
    const out = files[1]!;
    expect(report['out.101.root']).toEqual({
      guid: expect.any(String),
      fsize: out.fsize,
      adler32: out.chksum?.replace(/^ad:/, ''),
    });
    const workers = await e.db.ds.getRepository(WorkSpec).find({ order: { workerID: 'ASC' } });
    expect(workers.map((w) => [w.status, w.lastUpdate, w.batchID !== null])).toEqual([
      ['finished', null, true],
      ['finished', null, true],
      ['failed', null, true],
    ]);
    const failed = world.wms.updatesOf(103).at(-1) as { attributes?: Record<string, unknown> };
    expect(failed.attributes?.transExitCode).toBe(3);
  });

  it(`${dbName}: ManyToOne puts several jobs in one worker`, async () => {
    const e = await start('ManyToOne', { nJobsPerWorker: 3 });
    world.wms.addJobs(...[201, 202, 203, 204, 205].map((id) => pandaJob(id)));
    await e.runUntilIdle({ timeoutMs: 90_000 });
    expect([201, 202, 203, 204, 205].map((id) => world.wms.finalStatusOf(id))).toEqual(
      Array(5).fill('finished'),
    );
    const workers = await e.db.ds.getRepository(WorkSpec).find();
    expect(workers.map((w) => w.nJobs).sort()).toEqual([2, 3]);
    expect(world.batch.jobs().length).toBe(2);
  });

  it(`${dbName}: ManyToOne with the engine's SimpleWorkerMaker sizes workers from their jobs`, async () => {
    const e = await start('ManyToOne', {
      sections: {
        workerMaker: {
          module: '@harvester-ts/engine',
          name: 'SimpleWorkerMaker',
          nJobsPerWorker: 3,
          maxNCore: 8,
        },
      },
    });
    // pandaJob: 1 core, minRamCount 2000, maxDiskCount 5000, maxWalltime 3600 each
    world.wms.addJobs(...[601, 602, 603, 604, 605].map((id) => pandaJob(id)));
    await e.runUntilIdle({ timeoutMs: 90_000 });
    expect([601, 602, 603, 604, 605].map((id) => world.wms.finalStatusOf(id))).toEqual(
      Array(5).fill('finished'),
    );
    const workers = await e.db.ds.getRepository(WorkSpec).find({ order: { nJobs: 'ASC' } });
    expect(
      workers.map(({ nJobs, nCore, minRamCount, maxDiskCount, maxWalltime, pilotType }) => ({
        nJobs,
        nCore,
        minRamCount,
        maxDiskCount,
        maxWalltime,
        pilotType,
      })),
    ).toEqual([
      { nJobs: 2, nCore: 2, minRamCount: 4_000, maxDiskCount: 10_000, maxWalltime: 3_600, pilotType: 'PR' },
      { nJobs: 3, nCore: 3, minRamCount: 6_000, maxDiskCount: 15_000, maxWalltime: 3_600, pilotType: 'PR' },
    ]);
  });

  it(`${dbName}: a job that cannot be fed to a worker (unsafe LFN) fails; its worker-mates run`, async () => {
    const e = await start('ManyToOne', { nJobsPerWorker: 3 });
    const bad = { ...pandaJob(701), outFiles: '../../escaped.701.root,log.701.job.log.tgz', jobPars: 'x' };
    world.wms.addJobs(pandaJob(702), bad, pandaJob(703));
    await e.runUntilIdle({ timeoutMs: 90_000 });
    expect([701, 702, 703].map((id) => world.wms.finalStatusOf(id))).toEqual([
      'failed',
      'finished',
      'finished',
    ]);
    const job = await e.db.ds.getRepository(JobSpec).findOneByOrFail({ PandaID: 701 });
    expect(job.subStatus).toBe('done');
    expect(String(job.jobAttributes?.pilotErrorDiag)).toMatch(
      /^messenger: cannot feed job 701 to worker \d+: refused path/,
    );
    const history = await jobPath(e, 701);
    expect(history).toContain('failed/failed_to_make');
  });

  it(`${dbName}: OneToMany runs one job on several workers`, async () => {
    const e = await start('OneToMany', { nWorkersPerJob: 3 });
    world.wms.addJobs(pandaJob(301));
    await e.runUntilIdle({ timeoutMs: 90_000 });
    expect(world.wms.finalStatusOf(301)).toBe('finished');
    expect(world.batch.jobs().length).toBe(3);
    expect((await e.db.ds.getRepository(JobSpec).findOneByOrFail({ PandaID: 301 })).nWorkersInTotal).toBe(3);
  });

  it(`${dbName}: NoJob keeps a pool of pilots without jobs`, async () => {
    const e = await start('NoJob', { maxWorkers: 4 });
    for (let i = 0; i < 4; i++) await e.runOnce();
    const workers = await e.db.ds.getRepository(WorkSpec).find();
    expect(workers.length).toBeGreaterThanOrEqual(8);
    expect(workers.every((w) => w.nJobs === 0 && w.mapType === 'NoJob')).toBe(true);
    expect(workers.filter((w) => w.status === 'finished').length).toBeGreaterThanOrEqual(4);
    expect(world.wms.jobsHandedOut.length).toBe(0);
  });

  it(`${dbName}: a NoJob queue without preparator and stager keeps its pilots`, async () => {
    // Harvester's grid queues name DummyPreparator/DummyStager only because Harvester needs them.
    const e = await start('NoJob', { maxWorkers: 4, omitSections: ['preparator', 'stager'] });
    const queue = world.queues.TEST_QUEUE!;
    expect(['preparator' in queue, 'stager' in queue]).toEqual([false, false]);
    const rounds: Record<string, CycleResult>[] = [];
    for (let i = 0; i < 4; i++) rounds.push(await e.runOnce());
    const workers = await e.db.ds.getRepository(WorkSpec).find();
    expect(workers.length).toBeGreaterThanOrEqual(8);
    expect(workers.every((w) => w.nJobs === 0 && w.mapType === 'NoJob')).toBe(true);
    expect(workers.filter((w) => w.status === 'finished').length).toBeGreaterThanOrEqual(4);
    expect(world.wms.jobsHandedOut.length).toBe(0);
    expect(await e.db.ds.getRepository(JobSpec).count()).toBe(0);
    // The stage-in and stage-out agents ran, found nothing and failed no cycle.
    for (const round of rounds) {
      expect([round.preparator, round.stager]).toEqual([
        expect.objectContaining({ work: 0 }),
        expect.objectContaining({ work: 0 }),
      ]);
      expect(Object.values(round).filter((r) => r.error)).toEqual([]);
    }
    // The configuration snapshot (configID) has neither section and validates again as it is.
    const dumps = await e.db.ds.getRepository(QueueConfigDump).find();
    expect(dumps.map((d) => d.queueName)).toEqual(['TEST_QUEUE']);
    const data = dumps[0]!.data as Record<string, unknown>;
    expect(['preparator' in data, 'stager' in data, data.mapType]).toEqual([false, false, 'NoJob']);
    expect(queueConfigSchema.parse(data)).toStrictEqual(JSON.parse(JSON.stringify(queue)));
    expect(workers.every((w) => w.configID === dumps[0]!.configID)).toBe(true);
  });

  it(`${dbName}: a NoJob queue that names a preparator and a stager never calls them`, async () => {
    forbiddenCalls.length = 0;
    const forbidden = (name: string) => ({ module: 'misbehaving-plugins', name });
    const e = await start('NoJob', {
      maxWorkers: 4,
      sections: { preparator: forbidden('ForbiddenPreparator'), stager: forbidden('ForbiddenStager') },
    });
    for (let i = 0; i < 4; i++) await e.runOnce();
    const workers = await e.db.ds.getRepository(WorkSpec).find();
    expect(workers.length).toBeGreaterThanOrEqual(8);
    expect(workers.filter((w) => w.status === 'finished').length).toBeGreaterThanOrEqual(4);
    expect(forbiddenCalls).toEqual([]);
  });

  it(`${dbName}: ships outputs in zip files when the job asks for zipPerMB`, async () => {
    const e = await start('OneToOne');
    const job = pandaJob(501);
    world.wms.addJobs({
      ...job,
      outFiles: `a.501.root,b.501.root,${job.logFile}`,
      jobPars: 'a.501.root b.501.root',
      zipPerMB: 1,
      scopeOut: 'mc23,mc23',
      realDatasets: 'ds,ds,ds',
      ddmEndPointOut: 'E,E,E',
      destinationSE: 'E,E,E',
    });
    await e.runUntilIdle({ timeoutMs: 90_000 });
    expect(world.wms.finalStatusOf(501)).toBe('finished');
    const files = await e.db.ds
      .getRepository(FileSpec)
      .find({ where: { PandaID: 501 }, order: { fileID: 'ASC' } });
    const zip = files.find((f) => f.fileType === 'zip_output');
    expect(zip).toMatchObject({ lfn: 'panda.a.501.root.zip', status: 'finished', isZip: true });
    expect(files.filter((f) => f.fileType === 'output').map((f) => [f.lfn, f.status, f.zipFileID])).toEqual([
      ['a.501.root', 'finished', zip!.fileID],
      ['b.501.root', 'finished', zip!.fileID],
    ]);
    expect(files.find((f) => f.fileType === 'log')?.status).toBe('finished');
  });

  it(`${dbName}: sweeps what was reported once the keep time is over`, async () => {
    const e = await start('OneToOne', {}, 0);
    world.wms.addJobs(pandaJob(401), pandaJob(402, { fail: 1 }));
    await e.runUntilIdle({ timeoutMs: 90_000 });
    expect([401, 402].map((id) => world.wms.finalStatusOf(id))).toEqual(['finished', 'failed']);
    const ds = e.db.ds;
    expect([
      await ds.getRepository(WorkSpec).count(),
      await ds.getRepository(JobSpec).count(),
      await ds.getRepository(FileSpec).count(),
    ]).toEqual([0, 0, 0]);
  });
}

describe('pipeline on SQLite', () => pipelineSuite('sqlite', sqlite));

const maria = await probeMariaDb();
describeWithService(
  'mariadb',
  maria.ok,
  maria.ok ? '' : maria.reason,
)('pipeline on MariaDB', () =>
  pipelineSuite('mariadb', async () => {
    const db: TestDatabase = await createTestDatabase('pipe');
    return {
      database: {
        type: 'mysql',
        host: db.host,
        port: db.port,
        user: db.username,
        password: db.password,
        database: db.database,
      },
      drop: () => db.drop(),
    };
  }),
);
