import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobSpec, SequenceName } from '@harvester-ts/core';
import {
  createTestDatabase,
  describeWithService,
  probeMariaDb,
  type TestDatabase,
} from '@harvester-ts/test-support';
import type { DataSource } from 'typeorm';
import {
  claimRows,
  Database,
  IdAllocator,
  type LeaseColumns,
  migrate,
  openDatabase,
  releaseRows,
  renewLeases,
} from '../src/index.js';

const PREP: LeaseColumns = { table: 'job_table', id: 'PandaID', time: 'preparatorTime', lock: 'lockedBy' };
const T0 = new Date('2026-11-21T12:00:00.000Z');

function jobRow(PandaID: number, priority: number): Partial<JobSpec> {
  return {
    PandaID,
    status: 'starting',
    subStatus: 'fetched',
    computingSite: 'Q',
    currentPriority: priority,
    preparatorTime: null,
    lockedBy: null,
  };
}

type Opener = () => Promise<{ open: () => Promise<DataSource>; cleanup: () => Promise<void> }>;

const sorted = (ids: number[]) => [...ids].sort((x, y) => x - y);

/**
 * `twoPools`: MariaDB gets two independent pools (as two harvester processes would have); a
 * SQLite process has one connection, so both "claimers" share it through one Database.
 */
function claimSuite(opener: Opener, twoPools: boolean) {
  let open: () => Promise<DataSource>;
  let cleanup: () => Promise<void>;
  let dsA: DataSource;
  let dsB: DataSource | undefined;
  let a: Database;
  let b: Database;

  beforeAll(async () => {
    ({ open, cleanup } = await opener());
    dsA = await open();
    await migrate(dsA);
    a = new Database(dsA);
    if (twoPools) {
      dsB = await open();
      b = new Database(dsB);
    } else {
      b = a;
    }
  });
  afterAll(async () => {
    await dsA?.destroy();
    await dsB?.destroy();
    await cleanup?.();
  });
  beforeEach(async () => {
    await dsA.getRepository(JobSpec).clear();
  });
  const claim = (db: Database, r: Parameters<typeof claimRows>[1]) => db.write((em) => claimRows(em, r));
  const release = (db: Database, ids: number[], owner: string) =>
    db.write((em) => releaseRows(em, PREP, ids, owner));

  const req = (owner: string, limit: number, now = T0) => ({
    lease: PREP,
    where: 'subStatus = ?',
    params: ['fetched'],
    orderBy: 'currentPriority DESC, PandaID',
    limit,
    owner,
    now,
    checkIntervalMs: 60_000,
    lockIntervalMs: 600_000,
  });

  it('claims in priority order, sets the lease, and skips leased rows', async () => {
    await dsA.getRepository(JobSpec).insert([jobRow(1, 10), jobRow(2, 30), jobRow(3, 20), jobRow(4, 30)]);
    expect(sorted(await claim(a, req('agent-a', 3)))).toEqual([2, 3, 4]);
    const leased = await dsA.getRepository(JobSpec).findOneByOrFail({ PandaID: 2 });
    expect(leased.lockedBy).toBe('agent-a');
    expect(leased.preparatorTime?.toISOString()).toBe(T0.toISOString());
    expect(await claim(b, req('agent-b', 10))).toEqual([1]);
    expect(await claim(b, req('agent-b', 10))).toEqual([]);
  });

  it('takes over expired leases, and due rows only after the check interval', async () => {
    await dsA.getRepository(JobSpec).insert([jobRow(1, 1), jobRow(2, 1)]);
    expect(sorted(await claim(a, req('agent-a', 10)))).toEqual([1, 2]);
    // agent-a releases 1 (keeping its time: it was just checked) and dies holding 2.
    expect(await release(a, [1], 'agent-a')).toBe(1);
    expect(await claim(b, req('agent-b', 10, new Date(T0.getTime() + 30_000)))).toEqual([]);
    expect(await claim(b, req('agent-b', 10, new Date(T0.getTime() + 61_000)))).toEqual([1]);
    expect(await claim(b, req('agent-b', 10, new Date(T0.getTime() + 601_000)))).toEqual([2]);
    // The dead owner's late release does not free a row it no longer holds.
    expect(await release(a, [2], 'agent-a')).toBe(0);
    expect((await dsA.getRepository(JobSpec).findOneByOrFail({ PandaID: 2 })).lockedBy).toBe('agent-b');
  });

  it('renews only the leases still held, and a renewed lease cannot be taken over', async () => {
    await dsA.getRepository(JobSpec).insert([jobRow(1, 1), jobRow(2, 1)]);
    expect(sorted(await claim(a, req('agent-a', 10)))).toEqual([1, 2]);
    // agent-a is slow: at T0+500 s it renews row 1 before acting on it; row 2's lease runs out
    // and agent-b takes it over at T0+601 s.
    const renew = (db: Database, ids: number[], owner: string, at: number) =>
      db.write((em) => renewLeases(em, PREP, ids, owner, new Date(T0.getTime() + at)));
    expect(await renew(a, [1], 'agent-a', 500_000)).toEqual([1]);
    expect(await claim(b, req('agent-b', 10, new Date(T0.getTime() + 601_000)))).toEqual([2]);
    // agent-a's renewal of row 2 comes too late: it is agent-b's now, and stays so.
    expect(sorted((await renew(a, [1, 2], 'agent-a', 602_000)).map(Number))).toEqual([1]);
    const row2 = await dsA.getRepository(JobSpec).findOneByOrFail({ PandaID: 2 });
    expect([row2.lockedBy, row2.preparatorTime?.toISOString()]).toEqual([
      'agent-b',
      new Date(T0.getTime() + 601_000).toISOString(),
    ]);
    // Row 1, renewed at T0+602 s, is not expired at T0+1101 s.
    expect(await claim(b, req('agent-b', 10, new Date(T0.getTime() + 1_101_000)))).toEqual([]);
    expect(await renew(b, [], 'agent-b', 0)).toEqual([]);
  });

  it('never gives one row to two concurrent claimers', async () => {
    const n = 400;
    await dsA.getRepository(JobSpec).insert(Array.from({ length: n }, (_, i) => jobRow(i + 1, i % 7)));
    const claimers = [a, b, a, b].map(async (ds, k) => {
      const mine: number[] = [];
      for (;;) {
        const got = await claim(ds, req(`agent-${k}`, 17));
        if (got.length === 0) break;
        mine.push(...got);
      }
      return mine;
    });
    const all = (await Promise.all(claimers)).flat();
    expect(all.length).toBe(n);
    expect(new Set(all).size).toBe(n);
  });

  it('allocates unique IDs from sequences across processes', async () => {
    const x = new IdAllocator(a, 10);
    const y = new IdAllocator(b, 7);
    const got = (
      await Promise.all([
        ...Array.from({ length: 20 }, () => x.next(SequenceName.fileID, 3)),
        ...Array.from({ length: 20 }, () => y.next(SequenceName.fileID, 2)),
      ])
    ).flat();
    expect(got.length).toBe(100);
    expect(new Set(got).size).toBe(100);
    expect(Math.min(...got)).toBeGreaterThanOrEqual(1);
    const batch = await x.next(SequenceName.workerID, 25);
    expect(batch).toEqual(Array.from({ length: 25 }, (_, i) => batch[0]! + i));
    await expect(x.next(SequenceName.workerID, -1)).rejects.toThrow(/cannot allocate -1 IDs/);
  });
}

describe('claims on SQLite (one connection, concurrent claimers)', () => {
  claimSuite(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'engine-claims-'));
    const path = join(dir, 'h.db');
    return {
      open: () => openDatabase({ type: 'sqlite', path }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }, false);
});

const maria = await probeMariaDb();
describeWithService(
  'mariadb',
  maria.ok,
  maria.ok ? '' : maria.reason,
)('claims on MariaDB (two pools)', () => {
  claimSuite(async () => {
    const db: TestDatabase = await createTestDatabase('claims');
    const cfg = {
      type: 'mysql' as const,
      host: db.host,
      port: db.port,
      user: db.username,
      password: db.password,
      database: db.database,
    };
    return { open: () => openDatabase(cfg), cleanup: () => db.drop() };
  }, true);
});
