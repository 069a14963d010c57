// start() runs the agents in loops; stop() lets the cycles in flight finish, frees the leases of
// this process (another instance takes the work over at once) and closes the database.
import { join } from 'node:path';
import { Engine } from '../src/index.js';
import {
  fastEngineConfig,
  makeWorld,
  type PipelineWorld,
  pandaJob,
  quietLogger,
  testImporter,
} from './pipeline-support.js';

describe('engine lifecycle', () => {
  let world: PipelineWorld;
  afterEach(() => world?.cleanup());

  it('stops gracefully, releasing its leases, and another instance finishes the work', async () => {
    world = makeWorld('OneToOne', { fast: true });
    const database = { type: 'sqlite' as const, path: join(world.dir, 'harvester.db') };
    const make = (id: string) =>
      Engine.create({
        config: fastEngineConfig(id, 3_600_000),
        queues: world.queues,
        communicator: { module: '@harvester-ts/testkit', name: 'TestkitCommunicator' },
        database,
        importer: testImporter,
        logger: quietLogger,
      });
    const first = await make('first');
    world.wms.addJobs(...Array.from({ length: 40 }, (_, i) => pandaJob(800 + i)));
    first.start();
    while (world.wms.jobsHandedOut.length < 40) await new Promise((r) => setTimeout(r, 20));
    await first.stop();
    expect(first.db.ds.isInitialized).toBe(false);

    const second = await make('second');
    const leased: { n: number | string }[] = await second.db.ds.query(
      "SELECT COUNT(*) AS n FROM job_table WHERE lockedBy LIKE '%first%' OR stagerLock LIKE '%first%' OR propagatorLock LIKE '%first%'",
    );
    expect(Number(leased[0]?.n)).toBe(0);
    // Workers of the first instance are its own (its batch names); the second only takes jobs.
    await second.runUntilIdle({ timeoutMs: 60_000 });
    await second.stop();
    const unfinished = Array.from({ length: 40 }, (_, i) => 800 + i).filter(
      (id) => world.wms.statusOf(id) !== 'finished',
    );
    // Jobs bound to the first instance's live workers wait for it; every other job is done.
    const third = await make('first');
    await third.runUntilIdle({ timeoutMs: 60_000 });
    await third.stop();
    expect(unfinished.filter((id) => world.wms.finalStatusOf(id) !== 'finished')).toEqual([]);
    expect(
      Array.from({ length: 40 }, (_, i) => world.wms.finalStatusOf(800 + i)).every((s) => s === 'finished'),
    ).toBe(true);
  });

  it('frees at start the leases of earlier processes of this host that are gone, not of live ones', async () => {
    world = makeWorld('OneToOne', { fast: true });
    const database = { type: 'sqlite' as const, path: join(world.dir, 'harvester.db') };
    const make = () =>
      Engine.create({
        config: fastEngineConfig('dead-h', 3_600_000),
        queues: world.queues,
        communicator: { module: '@harvester-ts/testkit', name: 'TestkitCommunicator' },
        database,
        importer: testImporter,
        logger: quietLogger,
      });
    const first = await make();
    world.wms.addJobs(pandaJob(901), pandaJob(902), pandaJob(903));
    await first.runAgent('jobFetcher');
    const host = first.identity.host;
    // A pid that no longer exists: a child that has exited and been reaped.
    const { spawnSync } = await import('node:child_process');
    const gone = spawnSync('true').pid!;
    const deadOwner = `preparator-dead-h@${host}:${gone}`;
    const liveOwner = `preparator-dead-h@${host}:${process.ppid}`;
    const otherHost = `preparator-dead-h@elsewhere:${gone}`;
    await first.db.ds.query('UPDATE job_table SET lockedBy = ? WHERE PandaID = 901', [deadOwner]);
    await first.db.ds.query('UPDATE job_table SET lockedBy = ? WHERE PandaID = 902', [liveOwner]);
    await first.db.ds.query('UPDATE job_table SET lockedBy = ? WHERE PandaID = 903', [otherHost]);
    await first.stop();

    const second = await make();
    const rows: { PandaID: number | string; lockedBy: string | null }[] = await second.db.ds.query(
      'SELECT PandaID, lockedBy FROM job_table ORDER BY PandaID',
    );
    await second.stop();
    expect(rows.map((r) => [Number(r.PandaID), r.lockedBy])).toEqual([
      [901, null],
      [902, liveOwner],
      [903, otherHost],
    ]);
  });

  it('refuses to start on an unreachable database, naming it', async () => {
    world = makeWorld('OneToOne');
    const err = await Engine.create({
      config: fastEngineConfig(),
      queues: world.queues,
      communicator: { module: '@harvester-ts/testkit', name: 'TestkitCommunicator' },
      database: {
        type: 'mysql',
        host: '127.0.0.1',
        port: 1,
        user: 'x',
        password: 'secret',
        database: 'h',
        connectTimeoutMs: 300,
      },
      importer: testImporter,
      logger: quietLogger,
    }).catch((e) => e);
    expect(err.code).toBe('DATABASE_UNAVAILABLE');
    expect(err.message).toContain('mysql://127.0.0.1:1/h');
  });
});
