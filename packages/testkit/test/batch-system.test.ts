import { HarvesterError } from '@harvester-ts/core';
import {
  type BatchPayloadJob,
  type BatchQueryResult,
  BatchSystemUnavailableError,
  ManualClock,
  SimulatedBatchSystem,
} from '../src/index.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function stateOf(results: BatchQueryResult[]): string[] {
  return results.map((r) => r.state);
}

describe('SimulatedBatchSystem lifecycle', () => {
  it('moves a job pending → running → completed as the clock advances, with timestamps', async () => {
    const clock = new ManualClock(T0);
    const batch = new SimulatedBatchSystem({ clock, queueDelayMs: 1_000, runDurationMs: 5_000 });
    const [submitted] = await batch.submit([{ name: 'h1-1', accessPoint: '/ap/1', nCore: 4 }]);
    expect(submitted).toEqual({ ok: true, batchID: '1000' });

    let [info] = await batch.query(['1000']);
    expect(info).toMatchObject({
      batchID: '1000',
      name: 'h1-1',
      state: 'pending',
      exitCode: null,
      submitTime: T0,
      startTime: null,
      endTime: null,
      node: null,
      nCore: 4,
      accessPoint: '/ap/1',
    });

    clock.advance(999);
    expect(stateOf(await batch.query(['1000']))).toEqual(['pending']);
    clock.advance(1);
    [info] = await batch.query(['1000']);
    expect(info).toMatchObject({ state: 'running', startTime: T0 + 1_000, endTime: null, node: 'simnode01' });

    clock.advance(4_999);
    expect(stateOf(await batch.query(['1000']))).toEqual(['running']);
    clock.advance(1);
    [info] = await batch.query(['1000']);
    expect(info).toMatchObject({
      state: 'completed',
      exitCode: 0,
      startTime: T0 + 1_000,
      endTime: T0 + 6_000,
      diag: null,
    });
  });

  it('uses the planned times even when queried late (lazy evaluation)', async () => {
    const clock = new ManualClock(T0);
    const batch = new SimulatedBatchSystem({ clock, queueDelayMs: 10, runDurationMs: 20 });
    await batch.submit([{ name: 'a' }]);
    clock.advance(3_600_000);
    const [info] = await batch.query(['1000']);
    expect(info).toMatchObject({ state: 'completed', startTime: T0 + 10, endTime: T0 + 30 });
  });

  it('fails jobs with failureRate 1 with the configured exit code', async () => {
    const clock = new ManualClock(T0);
    const batch = new SimulatedBatchSystem({ clock, failureRate: 1, failureExitCode: 42 });
    await batch.submit([{ name: 'a' }]);
    const [info] = await batch.query(['1000']);
    expect(info).toMatchObject({ state: 'failed', exitCode: 42, diag: 'simulated payload failure' });
  });

  it('kills pending and running jobs, leaves ended ones alone, and reports unknown IDs', async () => {
    const clock = new ManualClock(T0);
    const batch = new SimulatedBatchSystem({ clock, queueDelayMs: [0, 0], runDurationMs: 100 });
    batch.configure({ queueDelayMs: 1_000 });
    await batch.submit([{ name: 'pending-one' }]);
    batch.configure({ queueDelayMs: 0, runDurationMs: 10_000 });
    await batch.submit([{ name: 'running-one' }]);
    batch.configure({ runDurationMs: 0 });
    await batch.submit([{ name: 'done-one' }]);
    expect(stateOf(await batch.query(['1000', '1001', '1002']))).toEqual(['pending', 'running', 'completed']);

    clock.advance(10);
    const results = await batch.kill(['1000', '1001', '1002', '999']);
    expect(results).toEqual([
      { batchID: '1000', ok: true, previousState: 'pending' },
      { batchID: '1001', ok: true, previousState: 'running' },
      { batchID: '1002', ok: true, previousState: 'completed' },
      { batchID: '999', ok: false, error: 'unknown batch job 999' },
    ]);
    const after = await batch.query(['1000', '1001', '1002']);
    expect(after.map((r) => r.state)).toEqual(['cancelled', 'cancelled', 'completed']);
    expect(after[1]).toMatchObject({ exitCode: null, endTime: T0 + 10, diag: 'killed by request' });
    // A cancelled job stays cancelled when its planned end passes.
    clock.advance(60_000);
    expect(stateOf(await batch.query(['1001']))).toEqual(['cancelled']);
  });

  it('answers unknown for IDs it never issued and for forgotten jobs', async () => {
    const clock = new ManualClock(T0);
    const batch = new SimulatedBatchSystem({ clock, forgetFinishedAfterMs: 300_000 });
    await batch.submit([{ name: 'a' }, { name: 'b' }]);
    expect(await batch.query(['1000', 'nope'])).toEqual([
      expect.objectContaining({ batchID: '1000', state: 'completed' }),
      { batchID: 'nope', state: 'unknown' },
    ]);
    batch.forget(['1001']);
    expect(stateOf(await batch.query(['1001']))).toEqual(['unknown']);
    clock.advance(299_999);
    expect(stateOf(await batch.query(['1000']))).toEqual(['completed']);
    clock.advance(1);
    expect(stateOf(await batch.query(['1000']))).toEqual(['unknown']);
    expect(batch.job('1000')?.forgotten).toBe(true);
    expect(await batch.kill(['1000'])).toEqual([
      { batchID: '1000', ok: false, error: 'unknown batch job 1000' },
    ]);
  });

  it('refuses submissions by rate and by hook, without creating jobs', async () => {
    const batch = new SimulatedBatchSystem({
      clock: () => T0,
      refuse: (r) => (r.name === 'bad' ? 'partition does not exist' : undefined),
    });
    const results = await batch.submit([
      { name: 'good' },
      { name: 'bad' },
      { name: '' },
      { name: 'x', nCore: 0 },
    ]);
    expect(results).toEqual([
      { ok: true, batchID: '1000' },
      { ok: false, error: 'partition does not exist' },
      { ok: false, error: 'invalid job: a non-empty name is required' },
      { ok: false, error: 'invalid job x: nCore must be a positive integer, got 0' },
    ]);
    expect(batch.jobs().map((j) => j.name)).toEqual(['good']);

    const refusing = new SimulatedBatchSystem({ clock: () => T0, submitFailureRate: 1 });
    expect(await refusing.submit([{ name: 'w' }])).toEqual([
      { ok: false, error: 'submission of w refused (simulated)' },
    ]);
    expect(refusing.jobs()).toEqual([]);
  });

  it('finds jobs by name, duplicates included, oldest first', async () => {
    const batch = new SimulatedBatchSystem({ clock: () => T0, runDurationMs: 1_000 });
    await batch.submit([{ name: 'h-1' }, { name: 'h-2' }, { name: 'h-1' }]);
    const found = await batch.findByName(['h-1', 'h-2', 'h-3']);
    expect(found.map((list) => list.map((j) => j.batchID))).toEqual([['1000', '1002'], ['1001'], []]);
    expect(batch.jobsNamed('h-1')).toHaveLength(2);
  });

  it('counts calls per method, failed ones included', async () => {
    const batch = new SimulatedBatchSystem({ clock: () => T0 });
    await batch.submit([{ name: 'a' }]);
    await batch.query(['1000']);
    await batch.query(['1000']);
    await batch.findByName(['a']);
    await batch.kill(['1000']);
    batch.setAvailable(false);
    await expect(batch.query(['1000'])).rejects.toBeInstanceOf(BatchSystemUnavailableError);
    expect(batch.calls).toEqual({ submit: 1, query: 3, findByName: 1, kill: 1 });
    await batch.advance();
    expect(batch.calls.query).toBe(3);
    batch.resetCalls();
    expect(batch.calls).toEqual({ submit: 0, query: 0, findByName: 0, kill: 0 });
  });
});

describe('SimulatedBatchSystem availability', () => {
  it('throws BatchSystemUnavailableError from every call while unavailable, and keeps its state', async () => {
    const clock = new ManualClock(T0);
    const batch = new SimulatedBatchSystem({ clock, runDurationMs: 1_000 });
    await batch.submit([{ name: 'a' }]);
    batch.setAvailable(false);
    expect(batch.isAvailable()).toBe(false);
    for (const call of [
      () => batch.submit([{ name: 'b' }]),
      () => batch.query(['1000']),
      () => batch.findByName(['a']),
      () => batch.kill(['1000']),
    ]) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(BatchSystemUnavailableError);
      expect(err).toBeInstanceOf(HarvesterError);
      expect((err as HarvesterError).code).toBe('BATCH_SYSTEM_UNAVAILABLE');
    }
    expect(batch.jobs()).toHaveLength(1);
    clock.advance(5_000);
    batch.setAvailable(true);
    expect(stateOf(await batch.query(['1000']))).toEqual(['completed']);
  });

  it('fails only the next N calls of a method with failNext', async () => {
    const batch = new SimulatedBatchSystem({ clock: () => T0 });
    await batch.submit([{ name: 'a' }]);
    batch.failNext('query', 2);
    await expect(batch.query(['1000'])).rejects.toMatchObject({ code: 'BATCH_SYSTEM_UNAVAILABLE' });
    await expect(batch.findByName(['a'])).resolves.toHaveLength(1);
    await expect(batch.query(['1000'])).rejects.toBeInstanceOf(BatchSystemUnavailableError);
    await expect(batch.query(['1000'])).resolves.toEqual([expect.objectContaining({ state: 'completed' })]);
    batch.failNext('*');
    await expect(batch.kill(['1000'])).rejects.toBeInstanceOf(BatchSystemUnavailableError);
    await expect(batch.kill(['1000'])).resolves.toHaveLength(1);
  });
});

describe('SimulatedBatchSystem determinism', () => {
  async function run(seed: number) {
    const clock = new ManualClock(T0);
    const batch = new SimulatedBatchSystem({
      clock,
      seed,
      queueDelayMs: [0, 10_000],
      runDurationMs: [1_000, 60_000],
      failureRate: 0.3,
      submitFailureRate: 0.2,
      nodes: ['n1', 'n2', 'n3'],
    });
    const submitted = await batch.submit(Array.from({ length: 30 }, (_, i) => ({ name: `w-${i}` })));
    clock.advance(100_000);
    await batch.advance();
    return { submitted, jobs: batch.jobs() };
  }

  it('gives the same plan and outcomes for the same seed', async () => {
    const a = await run(7);
    const b = await run(7);
    expect(b).toEqual(a);
    // The draws really vary: several outcomes, delays and nodes occur.
    expect(new Set(a.jobs.map((j) => j.state))).toEqual(new Set(['completed', 'failed']));
    expect(a.submitted.some((s) => !s.ok)).toBe(true);
    expect(new Set(a.jobs.map((j) => j.plannedStartTime)).size).toBeGreaterThan(5);
    expect(new Set(a.jobs.map((j) => j.node)).size).toBe(3);
    for (const j of a.jobs) {
      expect(j.plannedStartTime - j.submitTime).toBeGreaterThanOrEqual(0);
      expect(j.plannedStartTime - j.submitTime).toBeLessThanOrEqual(10_000);
      expect(j.plannedEndTime - j.plannedStartTime).toBeGreaterThanOrEqual(1_000);
      expect(j.plannedEndTime - j.plannedStartTime).toBeLessThanOrEqual(60_000);
    }
  });

  it('gives a different run for a different seed', async () => {
    const a = await run(7);
    const c = await run(8);
    expect(c.jobs.map((j) => j.plannedEndTime)).not.toEqual(a.jobs.map((j) => j.plannedEndTime));
  });
});

describe('SimulatedBatchSystem payload hook', () => {
  it('calls the hook once when the job starts, with the job, and uses its exit code', async () => {
    const clock = new ManualClock(T0);
    const seen: BatchPayloadJob[] = [];
    const payload = async (job: BatchPayloadJob) => {
      seen.push(job);
      return job.name === 'bad' ? 3 : 0;
    };
    const batch = new SimulatedBatchSystem({ clock, queueDelayMs: 100, runDurationMs: 1_000, payload });
    await batch.submit([
      { name: 'good', accessPoint: '/ap/good', attributes: { workerID: 1 } },
      { name: 'bad', accessPoint: '/ap/bad' },
    ]);
    await batch.query(['1000', '1001']);
    expect(seen).toHaveLength(0);

    clock.advance(100);
    expect(stateOf(await batch.query(['1000', '1001']))).toEqual(['running', 'running']);
    expect(seen.map((j) => j.name)).toEqual(['good', 'bad']);
    expect(seen[0]).toMatchObject({
      batchID: '1000',
      name: 'good',
      state: 'running',
      accessPoint: '/ap/good',
      startTime: T0 + 100,
      node: 'simnode01',
      attributes: { workerID: 1 },
    });

    for (let i = 0; i < 3; i++) {
      clock.advance(500);
      await batch.query(['1000', '1001']);
    }
    expect(seen).toHaveLength(2);
    const results = await batch.query(['1000', '1001']);
    expect(results).toEqual([
      expect.objectContaining({ state: 'completed', exitCode: 0, diag: null }),
      expect.objectContaining({ state: 'failed', exitCode: 3, diag: 'payload exited with code 3' }),
    ]);
    expect(batch.jobs().map((j) => j.payloadCalls)).toEqual([1, 1]);
  });

  it('has finished the hook (e.g. its files) before it reports the job ended', async () => {
    const clock = new ManualClock(T0);
    const written: string[] = [];
    const batch = new SimulatedBatchSystem({
      clock,
      payload: async (job) => {
        await new Promise((r) => setImmediate(r));
        written.push(`${job.accessPoint}/jobReport.json`);
        return 0;
      },
    });
    await batch.submit([{ name: 'a', accessPoint: '/ap/a' }]);
    const [info] = await batch.query(['1000']);
    expect(info?.state).toBe('completed');
    expect(written).toEqual(['/ap/a/jobReport.json']);
  });

  it('runs the hook once even when two queries race', async () => {
    const clock = new ManualClock(T0);
    let calls = 0;
    const batch = new SimulatedBatchSystem({
      clock,
      payload: async () => {
        calls += 1;
        await new Promise((r) => setImmediate(r));
        return 0;
      },
    });
    await batch.submit([{ name: 'a' }]);
    const [a, b] = await Promise.all([batch.query(['1000']), batch.query(['1000'])]);
    expect(calls).toBe(1);
    expect(a?.[0]?.state).toBe('completed');
    expect(b?.[0]?.state).toBe('completed');
    expect(batch.job('1000')?.payloadCalls).toBe(1);
  });

  it('lets the failure rate decide when the hook returns nothing, and fails the job when it throws', async () => {
    const batch = new SimulatedBatchSystem({
      clock: () => T0,
      failureExitCode: 9,
      payload: (job) => {
        if (job.name === 'throws') throw new Error('disk full');
      },
    });
    await batch.submit([{ name: 'quiet' }, { name: 'throws' }]);
    const results = await batch.query(['1000', '1001']);
    expect(results).toEqual([
      expect.objectContaining({ state: 'completed', exitCode: 0 }),
      expect.objectContaining({ state: 'failed', exitCode: 9, diag: 'payload hook threw: disk full' }),
    ]);
  });

  it('does not run the hook of a job killed before it started, and forceEnd skips it', async () => {
    const clock = new ManualClock(T0);
    let calls = 0;
    const batch = new SimulatedBatchSystem({
      clock,
      queueDelayMs: 1_000,
      payload: () => {
        calls += 1;
        return 0;
      },
    });
    await batch.submit([{ name: 'a' }, { name: 'b' }]);
    await batch.kill(['1000']);
    batch.forceEnd('1001', 5, 'node crashed');
    clock.advance(10_000);
    const results = await batch.query(['1000', '1001']);
    expect(results).toEqual([
      expect.objectContaining({ state: 'cancelled' }),
      expect.objectContaining({ state: 'failed', exitCode: 5, diag: 'node crashed', endTime: T0 }),
    ]);
    expect(calls).toBe(0);
    expect(() => batch.forceEnd('1001', 0)).toThrow('already ended');
  });

  it('reports counts by state', async () => {
    const clock = new ManualClock(T0);
    const batch = new SimulatedBatchSystem({ clock, queueDelayMs: 10, runDurationMs: 10 });
    await batch.submit([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    await batch.kill(['1002']);
    expect(batch.countByState()).toEqual({ pending: 2, running: 0, completed: 0, failed: 0, cancelled: 1 });
    clock.advance(10);
    await batch.advance();
    expect(batch.countByState()).toEqual({ pending: 0, running: 2, completed: 0, failed: 0, cancelled: 1 });
  });
});
