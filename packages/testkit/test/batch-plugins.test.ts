import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  instantiatePlugin,
  type Monitor,
  PluginOptionsError,
  type Submitter,
  type Sweeper,
  WorkerStatus,
} from '@harvester-ts/core';
import {
  clearSimulations,
  getSimulation,
  ManualClock,
  makeJobSpec,
  makeWorkSpec,
  registerSimulation,
  SimulatedBatchSystem,
  SimulationNotFoundError,
  TestkitMonitor,
  TestkitSubmitter,
  TestkitSweeper,
  testPluginContext,
} from '../src/index.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

const where = (section: string, exportName: string) => ({
  queue: 'TEST_QUEUE',
  section,
  module: '@harvester-ts/testkit',
  exportName,
});

function setup(options: ConstructorParameters<typeof SimulatedBatchSystem>[0] = {}) {
  const clock = new ManualClock(T0);
  const batch = new SimulatedBatchSystem({ clock, ...options });
  const sim = registerSimulation('default', { batch });
  return { clock, batch, sim };
}

async function plugins(options: Record<string, unknown> = {}) {
  const ctx = testPluginContext();
  const submitter: Submitter = await instantiatePlugin(
    TestkitSubmitter,
    'submitter',
    options,
    ctx,
    where('submitter', 'TestkitSubmitter'),
  );
  const monitor: Monitor = await instantiatePlugin(
    TestkitMonitor,
    'monitor',
    {},
    ctx,
    where('monitor', 'TestkitMonitor'),
  );
  const sweeper: Sweeper = await instantiatePlugin(
    TestkitSweeper,
    'sweeper',
    {},
    ctx,
    where('sweeper', 'TestkitSweeper'),
  );
  return { submitter, monitor, sweeper };
}

afterEach(() => clearSimulations());

describe('TestkitSubmitter', () => {
  it('submits all workers in one call and sets batchID, submissionHost, queue and log URLs', async () => {
    const { batch } = setup({ submissionHost: 'ctl.example' });
    const submitter = await instantiatePlugin(
      TestkitSubmitter,
      'submitter',
      { batchQueue: 'short', computingElement: 'ce.example', logBaseURL: 'https://logs.example/x/' },
      testPluginContext(),
      where('submitter', 'TestkitSubmitter'),
    );
    const job = makeJobSpec({ PandaID: 11 });
    const w1 = makeWorkSpec({ workerID: 1, harvesterID: 'h1', accessPoint: '/ap/1', nCore: 8, jobs: [job] });
    const w2 = makeWorkSpec({ workerID: 2, harvesterID: 'h1' });
    const outcomes = await submitter.submitWorkers([w1, w2]);
    expect(outcomes).toEqual([
      { kind: 'success', value: undefined },
      { kind: 'success', value: undefined },
    ]);
    expect(batch.calls.submit).toBe(1);
    expect([w1.batchID, w2.batchID]).toEqual(['1000', '1001']);
    expect(w1.submissionHost).toBe('ctl.example');
    expect(w1.queueName).toBe('short');
    expect(w1.computingElement).toBe('ce.example');
    expect(w1.getLogFile('stdout')).toBe('https://logs.example/x/1000.out');
    expect(w1.getLogFile('stderr')).toBe('https://logs.example/x/1000.err');
    expect(w1.getLogFile('batch_log')).toBe('https://logs.example/x/1000.log');
    expect(w1.logFilesToUpload).toBeNull();
    const [j1] = batch.jobs();
    expect(j1).toMatchObject({
      name: 'h1-1',
      accessPoint: '/ap/1',
      nCore: 8,
      queue: 'short',
      attributes: { workerID: 1, harvesterID: 'h1', computingSite: 'TEST_QUEUE', pandaIDs: [11] },
    });
  });

  it('gives fatal for a refused submission and success for the others, in order', async () => {
    const { batch } = setup({
      refuse: (r) => (r.name === 'testkit-2' ? 'QOSMaxSubmitJobPerUserLimit' : undefined),
    });
    const { submitter } = await plugins();
    const workers = [1, 2, 3].map((workerID) => makeWorkSpec({ workerID }));
    const outcomes = await submitter.submitWorkers(workers);
    expect(outcomes).toEqual([
      { kind: 'success', value: undefined },
      { kind: 'fatal', diag: 'submission refused: QOSMaxSubmitJobPerUserLimit' },
      { kind: 'success', value: undefined },
    ]);
    expect(workers.map((w) => w.batchID)).toEqual(['1000', null, '1001']);
    expect(batch.jobs().map((j) => j.name)).toEqual(['testkit-1', 'testkit-3']);
  });

  it('gives retry for every worker when the batch system is unavailable, and submits nothing', async () => {
    const { batch } = setup();
    const { submitter } = await plugins();
    batch.setAvailable(false);
    const workers = [makeWorkSpec({ workerID: 1 }), makeWorkSpec({ workerID: 2 })];
    const outcomes = await submitter.submitWorkers(workers);
    expect(outcomes.map((o) => o.kind)).toEqual(['retry', 'retry']);
    expect(outcomes[0]).toMatchObject({ diag: expect.stringContaining('batch system unavailable') });
    expect(workers.map((w) => w.batchID)).toEqual([null, null]);
    expect(batch.jobs()).toEqual([]);
  });

  it('makes no call for an empty list', async () => {
    const { batch } = setup();
    const { submitter } = await plugins();
    expect(await submitter.submitWorkers([])).toEqual([]);
    expect(batch.calls.submit).toBe(0);
  });

  it('names a missing simulation in its error', async () => {
    const { submitter } = await plugins({ simulation: 'elsewhere' });
    const err = await submitter.submitWorkers([makeWorkSpec({ workerID: 1 })]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SimulationNotFoundError);
    expect((err as Error).message).toContain("simulation 'elsewhere' is not registered");
  });

  it('refuses unknown and mistyped options when instantiated', async () => {
    const err = await instantiatePlugin(
      TestkitSubmitter,
      'submitter',
      { simulaton: 'x', batchQueue: 3 },
      testPluginContext(),
      where('submitter', 'TestkitSubmitter'),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PluginOptionsError);
    expect((err as PluginOptionsError).issues).toEqual([
      { path: 'submitter.simulaton', message: expect.stringContaining('unknown option') },
      { path: 'submitter.batchQueue', message: 'must be a non-empty string, got 3' },
    ]);
  });
});

describe('TestkitMonitor', () => {
  it('maps batch states to worker statuses with one query per checkWorkers call', async () => {
    const { clock, batch } = setup({ queueDelayMs: 1_000, runDurationMs: 10_000 });
    const { submitter, monitor } = await plugins();
    const workers = [1, 2].map((workerID) => makeWorkSpec({ workerID, accessPoint: `/ap/${workerID}` }));
    await submitter.submitWorkers(workers);
    const [w1, w2] = workers as [(typeof workers)[0], (typeof workers)[0]];

    expect(await monitor.checkWorkers(workers)).toEqual([
      { kind: 'status', status: WorkerStatus.submitted },
      { kind: 'status', status: WorkerStatus.submitted },
    ]);
    expect(batch.calls.query).toBe(1);
    expect(w1.nativeStatus).toBe('pending');

    clock.advance(1_000);
    expect(await monitor.checkWorkers(workers)).toEqual([
      { kind: 'status', status: WorkerStatus.running },
      { kind: 'status', status: WorkerStatus.running },
    ]);
    expect(batch.calls.query).toBe(2);
    expect(w1.startTime).toEqual(new Date(T0 + 1_000));
    expect(w1.nodeID).toBe('simnode01');

    batch.forceEnd('1001', 137, 'OOM killed');
    clock.advance(10_000);
    expect(await monitor.checkWorkers(workers)).toEqual([
      { kind: 'status', status: WorkerStatus.finished },
      { kind: 'status', status: WorkerStatus.failed, diag: 'OOM killed' },
    ]);
    expect(batch.calls.query).toBe(3);
    expect([w1.nativeStatus, w1.nativeExitCode, w1.endTime]).toEqual(['completed', 0, new Date(T0 + 11_000)]);
    expect([w2.nativeStatus, w2.nativeExitCode, w2.diagMessage]).toEqual(['failed', 137, 'OOM killed']);
  });

  it('reports cancelled for a killed job', async () => {
    const { batch } = setup({ queueDelayMs: 1_000 });
    const { submitter, monitor } = await plugins();
    const w = makeWorkSpec({ workerID: 1 });
    await submitter.submitWorkers([w]);
    await batch.kill(['1000']);
    expect(await monitor.checkWorkers([w])).toEqual([
      { kind: 'status', status: WorkerStatus.cancelled, diag: 'killed by request' },
    ]);
    expect(w.nativeStatus).toBe('cancelled');
    expect(w.nativeExitCode).toBeNull();
  });

  it('retries an unknown job for the grace period, then reports it failed with a diagnostic', async () => {
    const { clock, batch } = setup();
    const monitor = await instantiatePlugin(
      TestkitMonitor,
      'monitor',
      { unknownGraceSeconds: 120 },
      testPluginContext(),
      where('monitor', 'TestkitMonitor'),
    );
    const known = makeWorkSpec({ workerID: 1 });
    await (await plugins()).submitter.submitWorkers([known]);
    const lost = makeWorkSpec({ workerID: 2, batchID: '555' });

    const first = await monitor.checkWorkers([known, lost]);
    expect(first[0]).toEqual({ kind: 'status', status: WorkerStatus.finished });
    expect(first[1]).toEqual({
      kind: 'retry',
      diag: 'batch job 555 is unknown to the batch system (for 0s)',
    });
    clock.advance(119_000);
    expect((await monitor.checkWorkers([lost]))[0]?.kind).toBe('retry');
    clock.advance(1_000);
    expect(await monitor.checkWorkers([lost])).toEqual([
      {
        kind: 'status',
        status: WorkerStatus.failed,
        diag: 'batch job 555 not found in the batch system for 120s',
      },
    ]);
    expect(lost.diagMessage).toBe('batch job 555 not found in the batch system for 120s');
    expect(batch.calls.query).toBe(3);
  });

  it('can report an unknown job cancelled at once', async () => {
    setup();
    const monitor = await instantiatePlugin(
      TestkitMonitor,
      'monitor',
      { unknownGraceSeconds: 0, unknownStatus: 'cancelled' },
      testPluginContext(),
      where('monitor', 'TestkitMonitor'),
    );
    const result = await monitor.checkWorkers([makeWorkSpec({ workerID: 1, batchID: '1' })]);
    expect(result).toEqual([
      { kind: 'status', status: 'cancelled', diag: 'batch job 1 not found in the batch system for 0s' },
    ]);
  });

  it('reports a worker without batchID failed without asking the batch system about it', async () => {
    const { batch } = setup();
    const { monitor } = await plugins();
    const result = await monitor.checkWorkers([makeWorkSpec({ workerID: 9 })]);
    expect(result).toEqual([{ kind: 'status', status: 'failed', diag: 'worker 9 has no batchID' }]);
    expect(batch.calls.query).toBe(0);
  });

  it('gives retry for every worker when the batch system is unavailable', async () => {
    const { batch } = setup();
    const { submitter, monitor } = await plugins();
    const workers = [makeWorkSpec({ workerID: 1 }), makeWorkSpec({ workerID: 2 })];
    await submitter.submitWorkers(workers);
    batch.setAvailable(false);
    const results = await monitor.checkWorkers(workers);
    expect(results.map((r) => r.kind)).toEqual(['retry', 'retry']);
    expect(workers[0]?.nativeStatus).toBeNull();
  });

  it('finds batch jobs by the workers’ batch names with one call', async () => {
    const { batch } = setup();
    const { submitter, monitor } = await plugins();
    const w1 = makeWorkSpec({ workerID: 1, status: WorkerStatus.pending });
    const w2 = makeWorkSpec({ workerID: 2, status: WorkerStatus.pending });
    await submitter.submitWorkers([w1]);
    w1.batchID = null; // the crash lost the result
    const results = await monitor.findWorkersByBatchName?.([w1, w2]);
    expect(results).toEqual([
      { kind: 'found', batchID: '1000', submissionHost: 'sim-batch' },
      { kind: 'notFound' },
    ]);
    expect(batch.calls.findByName).toBe(1);
    batch.setAvailable(false);
    expect((await monitor.findWorkersByBatchName?.([w1]))?.map((r) => r.kind)).toEqual(['retry']);
  });
});

describe('TestkitSweeper', () => {
  it('kills in one call; ended, unknown and unsubmitted workers count as killed', async () => {
    const { clock, batch } = setup({ queueDelayMs: 1_000, runDurationMs: 1_000 });
    const { submitter, sweeper } = await plugins();
    const [running, pending, ended] = [1, 2, 3].map((workerID) => makeWorkSpec({ workerID })) as [
      ReturnType<typeof makeWorkSpec>,
      ReturnType<typeof makeWorkSpec>,
      ReturnType<typeof makeWorkSpec>,
    ];
    await submitter.submitWorkers([running]);
    batch.configure({ queueDelayMs: 0, runDurationMs: 0 });
    await submitter.submitWorkers([ended]);
    batch.configure({ queueDelayMs: 60_000 });
    clock.advance(1_500);
    await submitter.submitWorkers([pending]);
    const gone = makeWorkSpec({ workerID: 4, batchID: '777' });
    const never = makeWorkSpec({ workerID: 5 });

    const outcomes = await sweeper.killWorkers([running, pending, ended, gone, never]);
    expect(outcomes).toEqual([
      { kind: 'success', value: undefined },
      { kind: 'success', value: undefined },
      { kind: 'success', value: undefined, diag: 'batch job 1001 had already ended (completed)' },
      { kind: 'success', value: undefined, diag: 'batch job 777 is already gone' },
      { kind: 'success', value: undefined, diag: 'worker has no batchID: nothing to kill' },
    ]);
    expect(batch.calls.kill).toBe(1);
    expect(batch.job('1000')?.state).toBe('cancelled');
    expect(batch.job('1002')?.state).toBe('cancelled');
    expect(batch.job('1001')?.state).toBe('completed');
    expect(
      getSimulation()
        ?.records.actionsOf('sweeper')
        .map((a) => [a.id, a.outcome]),
    ).toEqual([
      [1, 'success'],
      [2, 'success'],
      [3, 'success'],
      [4, 'success'],
      [5, 'success'],
    ]);
  });

  it('killWorker (derived) kills one worker; unavailable is retry', async () => {
    const { batch } = setup({ queueDelayMs: 1_000 });
    const { submitter, sweeper } = await plugins();
    const w = makeWorkSpec({ workerID: 1 });
    await submitter.submitWorkers([w]);
    batch.setAvailable(false);
    expect((await sweeper.killWorker(w)).kind).toBe('retry');
    batch.setAvailable(true);
    expect(await sweeper.killWorker(w)).toEqual({ kind: 'success', value: undefined });
    expect(batch.job('1000')?.state).toBe('cancelled');
  });

  it('sweeps without touching the disk unless removeAccessPoint is set', async () => {
    setup();
    const dir = await mkdtemp(join(tmpdir(), 'testkit-sweep-'));
    try {
      const ap = join(dir, 'worker-1');
      await mkdir(ap);
      await writeFile(join(ap, 'jobReport.json'), '{}');
      const keep = await instantiatePlugin(
        TestkitSweeper,
        'sweeper',
        {},
        testPluginContext(),
        where('sweeper', 'TestkitSweeper'),
      );
      const w = makeWorkSpec({ workerID: 1, accessPoint: ap });
      expect(await keep.sweepWorker(w)).toEqual({ kind: 'success', value: undefined });
      expect((await stat(ap)).isDirectory()).toBe(true);

      const remove = await instantiatePlugin(
        TestkitSweeper,
        'sweeper',
        { removeAccessPoint: true },
        testPluginContext(),
        where('sweeper', 'TestkitSweeper'),
      );
      expect(await remove.sweepWorker(w)).toEqual({ kind: 'success', value: undefined });
      await expect(stat(ap)).rejects.toMatchObject({ code: 'ENOENT' });
      const records = getSimulation()?.records;
      expect(records?.swept).toEqual([1, 1]);
      expect(records?.removedAccessPoints).toEqual([ap]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
