// Real processes: the engine's worker wrapper run by LocalSubmitter, watched by LocalMonitor,
// killed and swept by LocalSweeper.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  instantiatePlugin,
  type Monitor,
  type PluginContext,
  type Submitter,
  type Sweeper,
  type WorkSpec,
} from '@harvester-ts/core';
import { WORKER_WRAPPER_PATH } from '@harvester-ts/engine';
import { makeWorkSpec, testPluginContext } from '@harvester-ts/testkit';
import {
  LOCAL_FILE_NAMES,
  LOST_WORKER_DIAG,
  LocalMonitor,
  LocalSubmitter,
  LocalSweeper,
  parseBatchID,
  readProcStatSync,
  scanProcesses,
  sessionMembers,
} from '../src/index.js';
import { HID, isFinal, makeRoot, sleep, waitForStatus, workerWithPayload } from './helpers.js';

function ctxFor(overrides: { queueName?: string } = {}): PluginContext {
  return testPluginContext({ harvesterId: HID, ...overrides });
}

const EXECUTABLE = ['sh', WORKER_WRAPPER_PATH];

let root: string;
const started: number[] = [];

async function plugins(
  ctx: PluginContext = ctxFor(),
  opts: { submitter?: Record<string, unknown>; sweeper?: Record<string, unknown> } = {},
): Promise<{ submitter: Submitter; monitor: Monitor; sweeper: Sweeper }> {
  const where = (section: string, exportName: string) => ({
    queue: ctx.queueName,
    section,
    module: '@harvester-ts/local',
    exportName,
  });
  return {
    submitter: await instantiatePlugin(
      LocalSubmitter,
      'submitter',
      { executable: EXECUTABLE, ...opts.submitter },
      ctx,
      where('submitter', 'LocalSubmitter'),
    ),
    monitor: await instantiatePlugin(LocalMonitor, 'monitor', {}, ctx, where('monitor', 'LocalMonitor')),
    sweeper: await instantiatePlugin(
      LocalSweeper,
      'sweeper',
      { ...opts.sweeper },
      ctx,
      where('sweeper', 'LocalSweeper'),
    ),
  };
}

async function submit(submitter: Submitter, workers: WorkSpec[]) {
  const outcomes = await submitter.submitWorkers(workers);
  for (const w of workers) {
    const id = parseBatchID(w.batchID);
    if (id) started.push(id.pid);
  }
  return outcomes;
}

async function groupAlive(pid: number): Promise<boolean> {
  return sessionMembers(await scanProcesses(), pid).length > 0;
}

/** Signals are delivered asynchronously: polls until the group has no live process (or 8 s passed). */
async function groupGone(pid: number): Promise<boolean> {
  const deadline = Date.now() + 8000;
  while ((await groupAlive(pid)) && Date.now() < deadline) await sleep(100);
  return !(await groupAlive(pid));
}

beforeAll(async () => {
  root = await makeRoot();
});

afterAll(async () => {
  for (const pid of started) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await rm(root, { recursive: true, force: true });
});

describe('LocalSubmitter + LocalMonitor', () => {
  it('runs the worker wrapper detached: running, then finished with exit code 0', async () => {
    const { submitter, monitor } = await plugins();
    const worker = await workerWithPayload(
      root,
      'echo "$HARVESTER_NCORE $HARVESTER_RAM_MB $HARVESTER_PAYLOAD_PGROUP" > env.out; sleep 2',
      { nCore: 4, minRamCount: 2048 },
    );
    const [outcome] = await submit(submitter, [worker]);
    expect(outcome).toEqual({ kind: 'success', value: undefined });

    const id = parseBatchID(worker.batchID);
    expect(id).toBeDefined();
    expect(readProcStatSync(id!.pid)?.startTime).toBe(id!.startTime);
    // Its own session and process group.
    const stat = readProcStatSync(id!.pid)!;
    expect(stat.session).toBe(id!.pid);
    expect(stat.pgrp).toBe(id!.pid);
    expect(stat.ppid).toBe(process.pid); // not yet reparented; the harvester just does not wait on it

    const record = JSON.parse(await readFile(join(worker.accessPoint!, LOCAL_FILE_NAMES.record), 'utf8'));
    expect(record).toMatchObject({
      pid: id!.pid,
      startTime: id!.startTime,
      batchName: `${HID}-${worker.workerID}`,
    });
    expect(worker.getLogFile('stdout')).toBe(join(worker.accessPoint!, LOCAL_FILE_NAMES.stdout));
    expect(worker.getLogFile('stderr')).toBe(join(worker.accessPoint!, LOCAL_FILE_NAMES.stderr));
    expect(worker.submissionHost).toBeTruthy();

    const [first] = await monitor.checkWorkers([worker]);
    expect(first).toEqual({ kind: 'status', status: 'running' });
    expect(worker.nativeStatus).toBe('running');

    const final = await waitForStatus(monitor, worker, isFinal);
    expect(final).toEqual({ kind: 'status', status: 'finished' });
    expect(worker.nativeExitCode).toBe(0);
    expect(worker.nativeStatus).toBe('exited');
    expect((await readFile(join(worker.accessPoint!, 'env.out'), 'utf8')).trim()).toBe('4 2048 0');
    // The wrapper's stderr went to the access point.
    expect(await readFile(worker.getLogFile('stderr')!, 'utf8')).toContain('harvester-worker:');
  });

  it('reports a non-zero exit code as failed with nativeExitCode', async () => {
    const { submitter, monitor } = await plugins();
    const worker = await workerWithPayload(root, 'exit 3');
    await submit(submitter, [worker]);
    const final = await waitForStatus(monitor, worker, isFinal);
    expect(final).toEqual({ kind: 'status', status: 'failed', diag: 'worker wrapper exited with code 3' });
    expect(worker.nativeExitCode).toBe(3);
    expect(worker.diagMessage).toBe('worker wrapper exited with code 3');
  });

  it('reports a process group killed from outside, without an exit file, as a lost worker', async () => {
    const { submitter, monitor } = await plugins();
    const worker = await workerWithPayload(root, 'sleep 30');
    await submit(submitter, [worker]);
    const id = parseBatchID(worker.batchID)!;
    expect(await monitor.checkWorkers([worker])).toEqual([{ kind: 'status', status: 'running' }]);
    process.kill(-id.pid, 'SIGKILL');
    const final = await waitForStatus(monitor, worker, isFinal);
    expect(final).toEqual({ kind: 'status', status: 'failed', diag: LOST_WORKER_DIAG });
    expect(worker.nativeStatus).toBe('lost');
    expect(existsSync(join(worker.accessPoint!, LOCAL_FILE_NAMES.exitCode))).toBe(false);
  });

  it('does not mistake a reused pid for the worker: the start time must match', async () => {
    const { monitor } = await plugins();
    const ap = join(root, 'reused');
    await mkdir(ap);
    const me = readProcStatSync(process.pid)!;
    const reused = makeWorkSpec({
      workerID: 9001,
      accessPoint: ap,
      batchID: `${process.pid}:${me.startTime + 1}`,
    });
    const genuine = makeWorkSpec({
      workerID: 9002,
      accessPoint: ap,
      batchID: `${process.pid}:${me.startTime}`,
    });
    const garbled = makeWorkSpec({ workerID: 9003, accessPoint: ap, batchID: 'cluster.42' });
    const [a, b, c] = await monitor.checkWorkers([reused, genuine, garbled]);
    expect(a).toEqual({ kind: 'status', status: 'failed', diag: LOST_WORKER_DIAG });
    expect(b).toEqual({ kind: 'status', status: 'running' });
    expect(c).toMatchObject({ kind: 'status', status: 'failed' });
  });

  it('fails a worker whose executable does not exist', async () => {
    const { submitter } = await plugins(ctxFor(), {
      submitter: { executable: [join(root, 'no-such-shell')] },
    });
    const worker = await workerWithPayload(root, 'true');
    const [outcome] = await submit(submitter, [worker]);
    expect(outcome).toMatchObject({ kind: 'fatal' });
    expect(worker.batchID).toBeNull();
  });
});

describe('limits', () => {
  it("retries workers over maxWorkers, counting the queue's live workers on this host", async () => {
    const ctx = ctxFor({ queueName: 'LIMIT_QUEUE' });
    const { submitter, sweeper } = await plugins(ctx, {
      submitter: { maxWorkers: 2 },
      sweeper: { killGraceSeconds: 0 },
    });
    const workers = await Promise.all([1, 2, 3].map(() => workerWithPayload(root, 'sleep 20')));
    const outcomes = await submit(submitter, workers);
    expect(outcomes.map((o) => o.kind)).toEqual(['success', 'success', 'retry']);
    expect(outcomes[2]).toMatchObject({ diag: expect.stringContaining('maxWorkers is 2') });
    expect(workers[2]!.batchID).toBeNull();

    // Another instance (a restarted harvester) counts the same processes through /proc.
    const again = (await plugins(ctx, { submitter: { maxWorkers: 2 } })).submitter;
    const late = await workerWithPayload(root, 'sleep 20');
    expect((await submit(again, [late]))[0]).toMatchObject({ kind: 'retry' });
    // Another queue is not limited by them.
    const other = (await plugins(ctxFor({ queueName: 'OTHER_QUEUE' }), { submitter: { maxWorkers: 1 } }))
      .submitter;
    const otherWorker = await workerWithPayload(root, 'true');
    expect((await submit(other, [otherWorker]))[0]).toMatchObject({ kind: 'success' });

    const killed = await sweeper.killWorkers(workers.slice(0, 2));
    expect(killed.map((o) => o.kind)).toEqual(['success', 'success']);
    for (const w of workers.slice(0, 2)) expect(await groupGone(parseBatchID(w.batchID)!.pid)).toBe(true);
    expect((await submit(again, [late]))[0]).toMatchObject({ kind: 'success' });
    await sweeper.killWorkers([late]);
  });

  it('enforces maxCores from WorkSpec.nCore', async () => {
    const ctx = ctxFor({ queueName: 'CORES_QUEUE' });
    const { submitter, sweeper } = await plugins(ctx, {
      submitter: { maxCores: 4 },
      sweeper: { killGraceSeconds: 0 },
    });
    const big = await workerWithPayload(root, 'true', { nCore: 8 });
    const three = await workerWithPayload(root, 'sleep 20', { nCore: 3 });
    const two = await workerWithPayload(root, 'sleep 20', { nCore: 2 });
    const one = await workerWithPayload(root, 'sleep 20', { nCore: 1 });
    const outcomes = await submit(submitter, [big, three, two, one]);
    expect(outcomes.map((o) => o.kind)).toEqual(['fatal', 'success', 'retry', 'success']);
    await sweeper.killWorkers([three, one]);
  });
});

describe('LocalMonitor.findWorkersByBatchName', () => {
  it('adopts a worker from its access point record, or from the environment of its process', async () => {
    const { submitter, monitor, sweeper } = await plugins(ctxFor(), {
      sweeper: { killGraceSeconds: 0 },
    });
    const done = await workerWithPayload(root, 'true');
    const running = await workerWithPayload(root, 'sleep 20');
    await submit(submitter, [done, running]);
    await waitForStatus(monitor, done, isFinal);
    // The record of the running one is lost (say, a crash between spawn and the write).
    await unlink(join(running.accessPoint!, LOCAL_FILE_NAMES.record));

    const fresh = (w: WorkSpec) =>
      makeWorkSpec({ workerID: w.workerID, harvesterID: HID, accessPoint: w.accessPoint, status: 'pending' });
    const neverSubmitted = await workerWithPayload(root, 'true');
    const noAccessPoint = makeWorkSpec({ workerID: 777_777, harvesterID: HID, status: 'pending' });
    const results = await monitor.findWorkersByBatchName!([
      fresh(done),
      fresh(running),
      neverSubmitted,
      noAccessPoint,
    ]);
    expect(results[0]).toMatchObject({ kind: 'found', batchID: done.batchID });
    expect(results[1]).toMatchObject({ kind: 'found', batchID: running.batchID });
    expect(results[2]).toEqual({ kind: 'notFound' });
    expect(results[3]).toEqual({ kind: 'notFound' });
    // The adopted finished worker's exit code is still read.
    const adopted = fresh(done);
    adopted.batchID = (results[0] as { batchID: string }).batchID;
    expect(await monitor.checkWorkers([adopted])).toEqual([{ kind: 'status', status: 'finished' }]);
    await sweeper.killWorkers([running]);
  });
});

describe('LocalSweeper', () => {
  it('sends SIGTERM without blocking, then SIGKILL after the grace period to a payload that ignores TERM', async () => {
    const { submitter, monitor, sweeper } = await plugins(ctxFor(), {
      sweeper: { killGraceSeconds: 1 },
    });
    const worker = await workerWithPayload(root, 'trap "" TERM; sleep 30');
    await submit(submitter, [worker]);
    const id = parseBatchID(worker.batchID)!;
    await sleep(300); // let the wrapper start the payload

    const before = Date.now();
    const [outcome] = await sweeper.killWorkers([worker]);
    expect(Date.now() - before).toBeLessThan(900);
    expect(outcome).toMatchObject({ kind: 'success', diag: expect.stringContaining('SIGTERM') });
    // The payload ignores TERM and the wrapper waits for it: still running within the grace.
    expect(await groupAlive(id.pid)).toBe(true);
    const [again] = await sweeper.killWorkers([worker]);
    expect(again).toMatchObject({ kind: 'success', diag: expect.stringContaining('SIGKILL due') });

    expect(await groupGone(id.pid)).toBe(true);
    const final = await waitForStatus(monitor, worker, isFinal);
    expect(final).toMatchObject({ kind: 'status', status: 'failed' });
    expect([
      LOST_WORKER_DIAG,
      'worker wrapper exited with code 137',
      'worker wrapper exited with code 143',
    ]).toContain((final as { diag: string }).diag);
    // Killing it again: already gone.
    expect((await sweeper.killWorkers([worker]))[0]).toMatchObject({
      kind: 'success',
      diag: expect.stringContaining('already gone'),
    });
  });

  it('escalates to SIGKILL on a later call once the recorded deadline has passed', async () => {
    const ctx = ctxFor();
    const { submitter, sweeper } = await plugins(ctx, { sweeper: { killGraceSeconds: 30 } });
    const worker = await workerWithPayload(root, 'trap "" TERM; sleep 30');
    await submit(submitter, [worker]);
    const id = parseBatchID(worker.batchID)!;
    await sleep(300);
    expect((await sweeper.killWorkers([worker]))[0]).toMatchObject({
      diag: expect.stringContaining('SIGTERM'),
    });
    const record = JSON.parse(await readFile(join(worker.accessPoint!, LOCAL_FILE_NAMES.kill), 'utf8'));
    expect(record.batchID).toBe(worker.batchID);
    expect(record.killAt).toBeGreaterThan(Date.now() + 25_000);
    // Pretend the grace has passed; a new sweeper instance (after a restart) reads the deadline.
    await writeFile(
      join(worker.accessPoint!, LOCAL_FILE_NAMES.kill),
      JSON.stringify({ batchID: worker.batchID, killAt: Date.now() - 1 }),
    );
    const restarted = (await plugins(ctx, { sweeper: { killGraceSeconds: 30 } })).sweeper;
    expect(await restarted.killWorker(worker)).toMatchObject({ kind: 'success', diag: 'sent SIGKILL' });
    expect(await groupGone(id.pid)).toBe(true);
  });

  it('treats a worker without a live process as already killed', async () => {
    const { sweeper } = await plugins();
    const me = readProcStatSync(process.pid)!;
    const gone = makeWorkSpec({ workerID: 9101, batchID: `${process.pid}:${me.startTime + 7}` });
    const none = makeWorkSpec({ workerID: 9102, batchID: null });
    const outcomes = await sweeper.killWorkers([gone, none]);
    expect(outcomes.map((o) => o.kind)).toEqual(['success', 'success']);
    expect(outcomes[0]).toMatchObject({ diag: expect.stringContaining('already gone') });
  });

  it('removes only an access point that carries its record, and not while the worker runs', async () => {
    const { submitter, monitor, sweeper } = await plugins(ctxFor(), {
      sweeper: { killGraceSeconds: 0 },
    });
    // A directory that is not a local access point is never deleted.
    const foreign = join(root, 'foreign');
    await mkdir(foreign);
    await writeFile(join(foreign, 'precious.txt'), 'keep me');
    const stranger = makeWorkSpec({ workerID: 9201, accessPoint: foreign });
    const refused = await sweeper.sweepWorker(stranger);
    expect(refused).toMatchObject({ kind: 'fatal', diag: expect.stringContaining(LOCAL_FILE_NAMES.record) });
    expect(existsSync(join(foreign, 'precious.txt'))).toBe(true);

    const worker = await workerWithPayload(root, 'sleep 20');
    await submit(submitter, [worker]);
    // Another worker's record is not ours to delete either.
    const impostor = makeWorkSpec({ workerID: 9202, harvesterID: HID, accessPoint: worker.accessPoint });
    expect(await sweeper.sweepWorker(impostor)).toMatchObject({ kind: 'fatal' });
    expect(await sweeper.sweepWorker(worker)).toMatchObject({ kind: 'retry' });
    expect(existsSync(worker.accessPoint!)).toBe(true);

    await sweeper.killWorkers([worker]);
    await waitForStatus(monitor, worker, isFinal);
    expect(await groupGone(parseBatchID(worker.batchID)!.pid)).toBe(true);
    expect(await sweeper.sweepWorker(worker)).toEqual({ kind: 'success', value: undefined });
    expect(existsSync(worker.accessPoint!)).toBe(false);
    // Sweeping again: nothing left, still a success.
    expect(await sweeper.sweepWorker(worker)).toMatchObject({ kind: 'success' });
  });
});
