// Fatal and retry outcomes at every plugin call, plugins that throw, hang or answer garbage,
// refused transitions and malformed jobs: each fails or delays only its own items, with a
// diagnostic, and the engine goes on. On SQLite and on MariaDB.

import { join } from 'node:path';
import { type MapType, StatusEvent, WorkSpec } from '@harvester-ts/core';
import { createTestDatabase, describeWithService, probeMariaDb } from '@harvester-ts/test-support';
import { type DatabaseConfigInput, Engine, type EngineConfigInput } from '../src/index.js';
import {
  fastEngineConfig,
  makeWorld,
  type PipelineWorld,
  pandaJob,
  quietLogger,
  testImporter,
  type WorldOptions,
} from './pipeline-support.js';

type DbFactory = (world: PipelineWorld) => Promise<{ database: DatabaseConfigInput; drop(): Promise<void> }>;

function failureSuite(dbName: string, makeDb: DbFactory) {
  let world: PipelineWorld;
  let engine: Engine | undefined;
  let drop: () => Promise<void> = async () => {};

  async function start(
    options: WorldOptions = {},
    config: Partial<EngineConfigInput> = {},
    mapType: MapType = 'OneToOne',
  ) {
    world = makeWorld(mapType, options);
    const db = await makeDb(world);
    drop = db.drop;
    engine = await Engine.create({
      config: { ...fastEngineConfig('test-h', 3_600_000), ...config },
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
  const history = async (e: Engine, type: 'job' | 'worker', id: number) =>
    (
      await e.db.ds
        .getRepository(StatusEvent)
        .find({ where: { entityType: type, entityID: id }, order: { eventID: 'ASC' } })
    ).map((h) => (type === 'job' ? `${h.toStatus}/${h.toSubStatus}` : `${h.toStatus}`));
  const tk = (name: string, extra: Record<string, unknown>) => ({
    module: '@harvester-ts/testkit',
    name,
    ...extra,
  });

  it(`${dbName}: preparator fatal fails only that job; transient stage-in errors are retried`, async () => {
    const e = await start({
      sections: {
        preparator: tk('TestkitPreparator', {
          inputRoot: '/tmp/x',
          failLfns: ['bad.*'],
          transientFailures: 2,
          transientLfns: ['slow.*'],
        }),
      },
    });
    world.wms.addJobs(
      pandaJob(501, { inFiles: ['bad.root'] }),
      pandaJob(502, { inFiles: ['slow.root'] }),
      pandaJob(503),
    );
    await e.runUntilIdle({ timeoutMs: 90_000 });
    expect([501, 502, 503].map((id) => world.wms.finalStatusOf(id))).toEqual([
      'failed',
      'finished',
      'finished',
    ]);
    expect(await history(e, 'job', 501)).toEqual([
      'starting/fetched',
      'failed/failed_to_prepare',
      'failed/done',
    ]);
    expect(
      (
        await e.db.ds
          .getRepository(StatusEvent)
          .findOneByOrFail({ entityID: 501, toSubStatus: 'failed_to_prepare' })
      ).diag,
    ).toMatch(/bad\.root/);
  });

  it(`${dbName}: a refused submission (fatal) misses the worker and gives the job up at once`, async () => {
    const e = await start({
      batch: {
        refuse: (r) =>
          (r.attributes?.pandaIDs as number[] | undefined)?.includes(511)
            ? 'QOSMaxJobsPerUserLimit'
            : undefined,
      },
    });
    world.wms.addJobs(pandaJob(511), pandaJob(512));
    await e.runUntilIdle({ timeoutMs: 90_000 });
    expect(world.wms.finalStatusOf(512)).toBe('finished');
    expect(await history(e, 'job', 511)).toEqual([
      'starting/fetched',
      'starting/preparing',
      'starting/prepared',
      'starting/submitted',
      'missed/missed',
      'missed/done',
    ]);
    const missed = await e.db.ds.getRepository(WorkSpec).findBy({ status: 'missed' });
    expect(missed.map((w) => w.diagMessage)).toEqual([expect.stringMatching(/QOSMaxJobsPerUserLimit/)]);
  });

  it(`${dbName}: a temporary submission failure (retry) is retried up to maxSubmissionAttempts`, async () => {
    const e = await start({ maxSubmissionAttempts: 2 });
    world.wms.addJobs(pandaJob(513));
    world.batch.failNext('submit', 1);
    await e.runUntilIdle({ timeoutMs: 90_000 });
    expect(world.wms.finalStatusOf(513)).toBe('finished');
    expect(await history(e, 'job', 513)).toContain('starting/prepared');
    world.wms.addJobs(pandaJob(514));
    world.batch.failNext('submit', 2);
    await e.runUntilIdle({ timeoutMs: 90_000 });
    expect(await history(e, 'job', 514)).toEqual([
      'starting/fetched',
      'starting/preparing',
      'starting/prepared',
      'starting/submitted',
      'starting/prepared',
      'starting/submitted',
      'missed/missed',
      'missed/done',
    ]);
  });

  it(`${dbName}: a submitter that throws or answers garbage misses its workers with the reason`, async () => {
    const e = await start({
      maxSubmissionAttempts: 1,
      sections: { submitter: { module: 'misbehaving-plugins', name: 'ThrowingSubmitter' } },
    });
    world.wms.addJobs(pandaJob(521), pandaJob(522));
    await e.runUntilIdle({ timeoutMs: 90_000 });
    const workers = await e.db.ds.getRepository(WorkSpec).find();
    expect(workers.map((w) => w.status)).toEqual(['missed', 'missed']);
    expect(workers[0]?.diagMessage).toContain(
      'submitter.submitWorkers (queue TEST_QUEUE) failed: sbatch: error: Batch job submission failed: boom',
    );
    expect(world.wms.finalStatusOf(521)).toBeDefined();
  });

  it(`${dbName}: garbage from a submitter is a diagnostic, not a crash`, async () => {
    const e = await start({
      maxSubmissionAttempts: 1,
      sections: { submitter: { module: 'misbehaving-plugins', name: 'GarbageSubmitter' } },
    });
    world.wms.addJobs(pandaJob(531));
    await e.runUntilIdle({ timeoutMs: 90_000 });
    const [w] = await e.db.ds.getRepository(WorkSpec).find();
    expect(w?.status).toBe('missed');
    expect(w?.diagMessage).toMatch(/returned an invalid result for item 0/);
  });

  it(`${dbName}: a monitor that hangs is abandoned after the call timeout and asked again`, async () => {
    const e = await start(
      { sections: { monitor: { module: 'misbehaving-plugins', name: 'HangingMonitor', hangs: 1 } } },
      { pluginCallTimeoutMs: 2_000 },
    );
    world.wms.addJobs(pandaJob(541));
    await e.runUntilIdle({ timeoutMs: 90_000 });
    expect(world.wms.finalStatusOf(541)).toBe('finished');
    expect(await history(e, 'worker', (await e.db.ds.getRepository(WorkSpec).find())[0]!.workerID)).toEqual([
      'pending',
      'submitted',
      'finished',
    ]);
  });

  it(`${dbName}: a batch system that is down leaves workers as they are until it is back`, async () => {
    const e = await start();
    world.wms.addJobs(pandaJob(551), pandaJob(552));
    for (const agent of ['jobFetcher', 'preparator', 'preparator', 'submitter'] as const)
      await e.runAgent(agent);
    world.batch.setAvailable(false);
    for (let i = 0; i < 3; i++) await e.runAgent('monitor');
    const during = await e.db.ds.getRepository(WorkSpec).find();
    expect(during.map((w) => w.status)).toEqual(['submitted', 'submitted']);
    expect(during.every((w) => /unavailable|down/i.test(w.diagMessage ?? ''))).toBe(true);
    world.batch.setAvailable(true);
    await e.runUntilIdle({ timeoutMs: 90_000 });
    expect([551, 552].map((id) => world.wms.finalStatusOf(id))).toEqual(['finished', 'finished']);
  });

  it(`${dbName}: stage-out: a fatal failure fails the job, transient ones are retried`, async () => {
    const e = await start({
      sections: {
        stager: tk('TestkitStager', { destination: '/tmp/x', failLfns: ['out.561.*'], transientFailures: 2 }),
      },
    });
    world.wms.addJobs(pandaJob(561), pandaJob(562));
    await e.runUntilIdle({ timeoutMs: 90_000 });
    expect([561, 562].map((id) => world.wms.finalStatusOf(id))).toEqual(['failed', 'finished']);
    expect(await history(e, 'job', 561)).toContain('failed/failed_to_stage_out');
  });

  it(`${dbName}: reports the WMS did not take are sent again`, async () => {
    const e = await start();
    world.wms.injectFault({ method: 'updateJobs', kind: 'unavailable', times: 3 });
    world.wms.addJobs(pandaJob(571));
    await e.runUntilIdle({ timeoutMs: 90_000 });
    expect(world.wms.finalStatusOf(571)).toBe('finished');
  });

  it(`${dbName}: a reverse transition reported by a monitor is refused and the worker stays`, async () => {
    const e = await start({
      sections: { monitor: { module: 'misbehaving-plugins', name: 'BackwardsMonitor' } },
    });
    world.wms.addJobs(pandaJob(581));
    for (let i = 0; i < 8; i++) await e.runOnce();
    const [w] = await e.db.ds.getRepository(WorkSpec).find();
    expect(w?.status).toBe('running');
    expect(await history(e, 'worker', w!.workerID)).toEqual(['pending', 'submitted', 'running']);
  });

  it(`${dbName}: a queue with a bad plugin option stops the start, naming queue, section and option`, async () => {
    const err = await start({
      sections: { stager: tk('TestkitStager', { destination: '/tmp/x', transientLfns: ['x'] }) },
    }).catch((e) => e);
    expect(err.message).toMatch(/invalid options for plugin TestkitStager/);
    expect(err.message).toMatch(/stager\.transientLfns: unknown option/);
    expect(err.context).toMatchObject({
      queue: 'TEST_QUEUE',
      section: 'stager',
      module: '@harvester-ts/testkit',
    });
  });

  it(`${dbName}: a malformed job from the WMS is stored failed with the reason and reported`, async () => {
    const e = await start();
    world.wms.addJobs(
      {
        ...pandaJob(591),
        inFiles: 'a.root,b.root',
        GUID: 'g1',
        fsize: '1',
        checksum: 'ad:00000001',
        scopeIn: 's',
        realDatasetsIn: 'd',
        ddmEndPointIn: 'e',
      },
      pandaJob(592),
    );
    await e.runUntilIdle({ timeoutMs: 90_000 });
    expect(world.wms.finalStatusOf(591)).toBe('failed');
    expect(world.wms.finalStatusOf(592)).toBe('finished');
    const last = world.wms.updatesOf(591).at(-1) as { attributes?: Record<string, unknown> };
    expect(String(last.attributes?.pilotErrorDiag)).toMatch(/GUID/);
  });
}

describe('failures on SQLite', () =>
  failureSuite('sqlite', async (world) => ({
    database: { type: 'sqlite', path: join(world.dir, 'harvester.db') },
    drop: async () => {},
  })));

const maria = await probeMariaDb();
describeWithService(
  'mariadb',
  maria.ok,
  maria.ok ? '' : maria.reason,
)('failures on MariaDB', () =>
  failureSuite('mariadb', async () => {
    const db = await createTestDatabase('fail');
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
