// Two instances share one database; one propagator cycle outlasts its leases (the WMS answers
// slowly) and the other instance takes the expired rows over and reports them. The slow instance
// must not then report the rows it no longer holds: each bulk's leases are renewed right before
// its report, so only the bulk already on the wire can be reported twice.

import { type Communicator, JobSpec, type Outcome } from '@harvester-ts/core';
import {
  createTestDatabase,
  describeWithService,
  probeMariaDb,
  type TestDatabase,
} from '@harvester-ts/test-support';
import { jobUpdateOf, makeJobSpec } from '@harvester-ts/testkit';
import { Engine } from '../src/index.js';
import {
  fastEngineConfig,
  makeWorld,
  type PipelineWorld,
  pandaJob,
  quietLogger,
  testImporter,
} from './pipeline-support.js';

const LOCK_MS = 60_000;
const IDS = [501, 502, 503, 504];

const maria = await probeMariaDb();

// On MariaDB, as several instances share a database in production (SQLite is one process's).
describeWithService(
  'mariadb',
  maria.ok,
  maria.ok ? '' : maria.reason,
)('propagator leases across instances', () => {
  let world: PipelineWorld;
  let db: TestDatabase;
  const engines: Engine[] = [];
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.stop()));
    await db?.drop();
    world.cleanup();
  });

  it('does not report a bulk whose leases another instance took over during the cycle', async () => {
    world = makeWorld('OneToOne');
    db = await createTestDatabase('leases');
    const wms = world.wms;
    wms.addJobs(...IDS.map((id) => pandaJob(id)));
    await wms.getJobs(IDS.length);
    let clock = Date.parse('2026-11-21T12:00:00Z');
    const now = () => new Date(clock);

    // The WMS over the simulation; instance A's first report stalls while B's propagator runs.
    let onFirstReportOfA: (() => Promise<void>) | undefined;
    const communicatorFor = (name: 'a' | 'b'): Communicator => ({
      getJobs: async () => ({ kind: 'success', value: [] }),
      async updateJobs(jobs, lockId): Promise<Outcome<{ command?: string }>[]> {
        if (name === 'a' && onFirstReportOfA) {
          const stall = onFirstReportOfA;
          onFirstReportOfA = undefined;
          await stall();
        }
        const replies = await wms.updateJobs(jobs.map((j) => jobUpdateOf(j, lockId)));
        return replies.map((r) => (r.ok ? { kind: 'success', value: {} } : { kind: 'retry', diag: r.error }));
      },
    });
    const config = (id: string) => {
      const c = fastEngineConfig(id) as unknown as Record<string, Record<string, unknown>>;
      c.propagator = { ...c.propagator, maxJobs: 4, nJobsInBulk: 2, lockIntervalMs: LOCK_MS };
      return c as never;
    };
    for (const name of ['a', 'b'] as const) {
      engines.push(
        await Engine.create({
          config: config(`inst-${name}`),
          queues: world.queues,
          communicator: communicatorFor(name),
          database: {
            type: 'mysql',
            host: db.host,
            port: db.port,
            user: db.username,
            password: db.password,
            database: db.database,
          },
          importer: testImporter,
          logger: quietLogger,
          now,
        }),
      );
    }
    const [a, b] = engines as [Engine, Engine];
    // Four jobs whose outputs are staged: due for their final report.
    await a.db.ds.getRepository(JobSpec).save(
      IDS.map((PandaID) => {
        const job = makeJobSpec({ PandaID, status: 'finished', subStatus: 'staged' });
        job.propagatorTime = new Date(clock - 3_600_000);
        return job;
      }),
    );

    onFirstReportOfA = async () => {
      // A holds all four rows and is sending its first bulk; the answer takes longer than the lease.
      clock += LOCK_MS + 1000;
      await b.runAgent('propagator');
    };
    await a.runAgent('propagator');

    const reports = (id: number) =>
      wms.updatesOf(id).filter((u) => u.status === 'finished' && u.subStatus === 'staged').length;
    const reportOrder = IDS.map(reports);
    // A's first bulk was on the wire when B took the rows over: reported by both. A's second bulk
    // was no longer A's when its turn came: reported by B only.
    expect(reportOrder).toEqual([2, 2, 1, 1]);
    expect(wms.updatesOf(503).map((u) => u.lockId)).toEqual([expect.stringContaining('inst-b')]);
    const rows = await a.db.ds.getRepository(JobSpec).find({ order: { PandaID: 'ASC' } });
    expect(rows.map((j) => [j.PandaID, j.subStatus, j.propagatorLock])).toEqual(
      IDS.map((id) => [id, 'done', null]),
    );
  });
});
