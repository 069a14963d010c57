// Two engines (two harvester instances) on one MariaDB database, serving one queue from one WMS:
// 2,000 jobs, zero double claims — every job is fetched once, bound to one worker, and reaches
// one final state, reported to the WMS; no batch job is submitted twice.
import { JobWorkerRelation, StatusEvent, WorkSpec } from '@harvester-ts/core';
import {
  createTestDatabase,
  describeWithService,
  probeMariaDb,
  type TestDatabase,
} from '@harvester-ts/test-support';
import { Engine } from '../src/index.js';
import {
  fastEngineConfig,
  makeWorld,
  type PipelineWorld,
  pandaJob,
  quietLogger,
  testImporter,
} from './pipeline-support.js';

const N = Number(process.env.TWO_ENGINES_N ?? 2000);
const maria = await probeMariaDb();

describeWithService(
  'mariadb',
  maria.ok,
  maria.ok ? '' : maria.reason,
)('two engines on one MariaDB', () => {
  let world: PipelineWorld;
  let db: TestDatabase;
  let engines: Engine[] = [];

  afterAll(async () => {
    await Promise.all(engines.map((e) => e.stop()));
    await db?.drop();
    world?.cleanup();
  });

  it(`process ${N} jobs with zero double claims`, async () => {
    world = makeWorld('OneToOne', { fast: true, maxWorkers: 400, nQueueLimitJob: 400 });
    db = await createTestDatabase('two');
    const database = {
      type: 'mysql' as const,
      host: db.host,
      port: db.port,
      user: db.username,
      password: db.password,
      database: db.database,
    };
    const config = (id: string) => {
      const c = fastEngineConfig(id, 3_600_000) as unknown as Record<string, Record<string, unknown>>;
      for (const agent of ['preparator', 'stager', 'propagator'])
        c[agent] = { ...c[agent], maxJobs: 200, lockIntervalMs: 20_000 };
      c.monitor = { ...c.monitor, maxWorkers: 300, lockIntervalMs: 20_000 };
      c.submitter = { ...c.submitter, lockIntervalMs: 20_000, pendingTimeoutMs: 20_000 };
      return c as never;
    };
    for (const id of ['inst-a', 'inst-b']) {
      engines.push(
        await Engine.create({
          config: config(id),
          queues: world.queues,
          communicator: { module: '@harvester-ts/testkit', name: 'TestkitCommunicator' },
          database,
          importer: testImporter,
          logger: quietLogger,
        }),
      );
    }
    world.wms.addJobs(...Array.from({ length: N }, (_, i) => pandaJob(100_000 + i)));
    for (const e of engines) e.start();
    const deadline = Date.now() + 400_000;
    const allFinal = () =>
      Array.from({ length: N }, (_, i) => world.wms.finalStatusOf(100_000 + i)).every(
        (s) => s === 'finished',
      );
    // The WMS sees a job final from its first finished report (finished/to_transfer, while the
    // outputs are still being staged); the run is over when every conclusion (staged) was reported.
    const allConcluded = () =>
      Array.from({ length: N }, (_, i) => 100_000 + i).every((id) =>
        world.wms
          .updatesOf(id)
          .some((u) => String(u.status) === 'finished' && String(u.subStatus) === 'staged'),
      );
    while (!(allFinal() && allConcluded()) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      if (process.env.TWO_ENGINES_TRACE) {
        const rows = await engines[0]!.db.ds.query(
          'SELECT status, subStatus, COUNT(*) AS n FROM job_table GROUP BY status, subStatus',
        );
        const w = await engines[0]!.db.ds.query(
          'SELECT status, COUNT(*) AS n FROM work_table GROUP BY status',
        );
        process.stderr.write(`${JSON.stringify(rows)} ${JSON.stringify(w)}\n`);
      }
    }
    await Promise.all(engines.map((e) => e.stop()));
    const ds = engines[0]!.db.ds;
    engines = [];
    await ds.initialize();

    expect(allFinal()).toBe(true);
    // Each job handed out once, and its conclusion (final status, outputs staged) reported once.
    expect(world.wms.jobsHandedOut.length).toBe(N);
    const concluded = (id: number) =>
      world.wms
        .updatesOf(id)
        .filter((u) => String(u.status) === 'finished' && String(u.subStatus) === 'staged').length;
    expect(Array.from({ length: N }, (_, i) => concluded(100_000 + i)).filter((n) => n !== 1)).toEqual([]);
    // One worker per job, each submitted once, and the work shared by both instances.
    const relations = await ds.getRepository(JobWorkerRelation).find();
    expect(relations.length).toBe(N);
    expect(new Set(relations.map((r) => r.PandaID)).size).toBe(N);
    const names = world.batch.jobs().map((j) => j.name);
    expect(names.length).toBe(N);
    expect(new Set(names).size).toBe(N);
    const workers = await ds.getRepository(WorkSpec).find();
    const byInstance = new Map<string, number>();
    for (const w of workers) byInstance.set(w.harvesterID, (byInstance.get(w.harvesterID) ?? 0) + 1);
    expect([...byInstance.keys()].sort()).toEqual(['inst-a', 'inst-b']);
    // Every job went through each stage exactly once (no agent did the same step twice).
    const steps: { entityID: number | string; n: number | string }[] = await ds.query(
      "SELECT entityID, COUNT(*) AS n FROM status_event_table WHERE entityType = 'job' AND toSubStatus = 'submitted' GROUP BY entityID HAVING COUNT(*) > 1",
    );
    expect(steps).toEqual([]);
    expect(await ds.getRepository(StatusEvent).countBy({ entityType: 'job', toSubStatus: 'done' })).toBe(N);
    await ds.destroy();
  }, 480_000);
});
