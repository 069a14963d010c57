// What the plugins decide from answers the emulator is not made to give (garbage, timeouts, odd
// per-id results), with scripted command runners. The same paths run on the emulator in
// htcondor.test.ts.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CONDOR_FILE_NAMES } from '../src/index.js';
import {
  bareWorker,
  EXECUTABLE,
  makeMonitor,
  makeRoot,
  makeSubmitter,
  makeSweeper,
  scriptedRunner,
  workerWithPayload,
} from './helpers.js';

let root: string;
beforeAll(async () => {
  root = await makeRoot('htcondor-decisions-');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const ad = (id: string, fields: Record<string, unknown>) => {
  const [c, p] = id.split('.').map(Number);
  return { ClusterId: c, ProcId: p, ...fields };
};
const json = (ads: unknown[]) =>
  ads.length === 0 ? '' : `[\n${ads.map((a) => JSON.stringify(a, null, 2)).join('\n,\n')}\n]\n`;

describe('HTCondorMonitor', () => {
  it('garbage from condor_q: every worker retried, condor_history not asked', async () => {
    const { runner, calls } = scriptedRunner({ condor_q: () => ({ stdout: 'this is not json\n' }) });
    const monitor = await makeMonitor({ commandRunner: runner });
    const workers = [await bareWorker(root, { batchID: '5.0' }), await bareWorker(root, { batchID: '5.1' })];
    const results = await monitor.checkWorkers(workers);
    for (const r of results)
      expect(r).toMatchObject({
        kind: 'retry',
        diag: expect.stringContaining('condor_q printed what cannot be read'),
      });
    expect(calls.map((c) => c.command)).toEqual(['condor_q']);
  });

  it('warnings on stderr are ignored; condor_history fails: only the jobs it was asked about are retried', async () => {
    const { runner, calls } = scriptedRunner({
      condor_q: () => ({
        stdout: json([ad('5.0', { JobStatus: 2, RemoteHost: 'slot1@wn7.example.org' })]),
        stderr: 'WARNING: something\n',
      }),
      condor_history: () => ({ code: 1, stderr: 'Error: history file is locked\n' }),
    });
    const monitor = await makeMonitor({ commandRunner: runner });
    const workers = [await bareWorker(root, { batchID: '5.0' }), await bareWorker(root, { batchID: '5.1' })];
    const results = await monitor.checkWorkers(workers);
    expect(results[0]).toEqual({ kind: 'status', status: 'running' });
    expect(workers[0]!.nodeID).toBe('wn7.example.org');
    expect(results[1]).toMatchObject({
      kind: 'retry',
      diag: 'condor_history exited with code 1: Error: history file is locked',
    });
    expect(calls[1]!.args).toEqual(
      expect.arrayContaining(['-match', '1', '-constraint', '(ClusterId == 5 && ProcId == 1)']),
    );
  });

  it('a job of another worker under the same id (harvesterWorkerID differs) is not this worker’s', async () => {
    const { runner } = scriptedRunner({
      condor_q: () => ({ stdout: json([ad('6.0', { JobStatus: 4, ExitCode: 0, harvesterWorkerID: 999 })]) }),
      condor_history: () => ({ stdout: '[\n]\n' }),
    });
    const monitor = await makeMonitor({ commandRunner: runner, unknownGraceSeconds: 3600 });
    const [r] = await monitor.checkWorkers([await bareWorker(root, { batchID: '6.0' })]);
    expect(r).toMatchObject({
      kind: 'retry',
      diag: expect.stringContaining('is not known to condor_q and condor_history'),
    });
  });

  it('unknown jobs: the wrapper’s exit file, else retried within the grace, then unknownJobStatus', async () => {
    const { runner, calls } = scriptedRunner({
      condor_q: () => ({ stdout: '' }),
      condor_history: () => ({ stdout: '[ ]' }),
    });
    const withExit = await bareWorker(root, { batchID: '7.0' });
    await writeFile(join(withExit.accessPoint!, CONDOR_FILE_NAMES.exitCode), '4\n');
    const plain = await bareWorker(root, { batchID: '7.1' });
    const within = await makeMonitor({ commandRunner: runner, unknownGraceSeconds: 3600 });
    const results = await within.checkWorkers([withExit, plain]);
    expect(results[0]).toMatchObject({
      kind: 'status',
      status: 'failed',
      diag: expect.stringContaining('exited with code 4'),
    });
    expect(withExit.nativeExitCode).toBe(4);
    expect(results[1]).toMatchObject({ kind: 'retry' });
    // One condor_q and one condor_history for both.
    expect(calls.map((c) => c.command)).toEqual(['condor_q', 'condor_history']);
    const after = await makeMonitor({ commandRunner: runner, unknownGraceSeconds: 0 });
    expect((await after.checkWorkers([plain]))[0]).toMatchObject({ kind: 'status', status: 'failed' });
    const cancel = await makeMonitor({ commandRunner: runner, unknownGraceSeconds: 0, cancelUnknown: true });
    expect((await cancel.checkWorkers([plain]))[0]).toMatchObject({ kind: 'status', status: 'cancelled' });
    const never = await makeMonitor({ commandRunner: runner, unknownGraceSeconds: 0, cancelUnknown: false });
    expect((await never.checkWorkers([plain]))[0]).toMatchObject({ kind: 'retry' });
  });

  it('workers older than useCondorHistoryMaxAge are not looked up in the history', async () => {
    const { runner, calls } = scriptedRunner({ condor_q: () => ({ stdout: '' }) });
    const monitor = await makeMonitor({
      commandRunner: runner,
      useCondorHistoryMaxAge: 60,
      unknownGraceSeconds: 7200,
    });
    const old = await bareWorker(root, { batchID: '8.0', submitTime: new Date(Date.now() - 3_600_000) });
    expect((await monitor.checkWorkers([old]))[0]).toMatchObject({ kind: 'retry' });
    expect(calls.map((c) => c.command)).toEqual(['condor_q']);
  });

  it('a held job whose removal fails is not cancelled (retried); a malformed batchID is failed unasked', async () => {
    const { runner, calls } = scriptedRunner({
      condor_q: () => ({
        stdout: json([ad('9.0', { JobStatus: 5, HoldReason: 'Job not found', EnteredCurrentStatus: 1 })]),
      }),
      condor_rm: () => ({ code: 1, stderr: 'condor_rm: CEDAR:6001:Failed to connect to <1.2.3.4:9618>\n' }),
    });
    const monitor = await makeMonitor({ commandRunner: runner });
    const results = await monitor.checkWorkers([
      await bareWorker(root, { batchID: '9.0' }),
      await bareWorker(root, { batchID: '9_1' }),
    ]);
    expect(results[0]).toMatchObject({ kind: 'retry', diag: expect.stringContaining('condor_rm failed') });
    expect(results[1]).toMatchObject({
      kind: 'status',
      status: 'failed',
      diag: expect.stringContaining('not an HTCondor batchID'),
    });
    expect(calls.map((c) => c.command)).toEqual(['condor_q', 'condor_rm']);
  });
});

describe('HTCondorSubmitter', () => {
  it('condor_submit output that cannot be read: the jobs are found by their batch names', async () => {
    const workers = [await workerWithPayload(root, 'true'), await workerWithPayload(root, 'true')];
    const { runner, calls } = scriptedRunner({
      condor_submit: () => ({ stdout: 'something odd\n' }),
      condor_q: () => ({ stdout: json([ad('40.0', { JobBatchName: workers[0]!.batchName })]) }),
      condor_history: () => ({ stdout: '[\n]\n' }),
    });
    const submitter = await makeSubmitter({ executable: EXECUTABLE, commandRunner: runner });
    const outcomes = await submitter.submitWorkers(workers);
    expect(outcomes[0]).toMatchObject({
      kind: 'success',
      diag: expect.stringContaining('found the job by its name: 40.0'),
    });
    expect(workers[0]!.batchID).toBe('40.0');
    expect(outcomes[1]).toMatchObject({
      kind: 'retry',
      diag: expect.stringContaining(`no job named ${workers[1]!.batchName}`),
    });
    expect(calls.map((c) => c.command)).toEqual(['condor_submit', 'condor_q', 'condor_history']);
  });

  it('a timed-out condor_submit whose jobs cannot be looked up is retried, never fatal', async () => {
    const { runner } = scriptedRunner({
      condor_submit: () => ({ code: null, signal: 'SIGKILL', timedOut: true }),
      condor_q: () => ({ code: 1, stderr: '\n-- Failed to fetch ads from: <1.2.3.4:9618> : host\n' }),
    });
    const submitter = await makeSubmitter({ executable: EXECUTABLE, commandRunner: runner });
    const [o] = await submitter.submitWorkers([await workerWithPayload(root, 'true')]);
    expect(o).toMatchObject({
      kind: 'retry',
      diag: expect.stringContaining('looking the jobs up by name failed too'),
    });
  });

  it('an access point that cannot be used is fatal for that worker only', async () => {
    const { runner } = scriptedRunner({ condor_submit: () => ({ stdout: '3.0 - 3.0\n' }) });
    const submitter = await makeSubmitter({ executable: EXECUTABLE, commandRunner: runner });
    const good = await workerWithPayload(root, 'true');
    const bad = await bareWorker(root, { accessPoint: '/tmp/has space' });
    const outcomes = await submitter.submitWorkers([bad, good]);
    expect(outcomes[0]).toMatchObject({
      kind: 'fatal',
      diag: expect.stringContaining('cannot be used with HTCondor'),
    });
    expect(outcomes[1]).toEqual({ kind: 'success', value: undefined });
    expect(good.batchID).toBe('3.0');
  });
});

describe('HTCondorSweeper', () => {
  it('per-id results of one condor_rm: gone is done, another user’s job is fatal, no answer is retried', async () => {
    const { runner, calls } = scriptedRunner({
      condor_rm: () => ({
        code: 0,
        stdout: 'Job 1.0 marked for removal\n',
        stderr:
          '\nJob 1.1 not found\nJob 1.2 already marked for removal\nPermission denied to remove job 1.3\n',
      }),
    });
    const sweeper = await makeSweeper({ commandRunner: runner });
    const workers = await Promise.all(
      ['1.0', '1.1', '1.2', '1.3', '1.4'].map((batchID) => bareWorker(root, { batchID })),
    );
    const outcomes = await sweeper.killWorkers(workers);
    expect(outcomes.map((o) => o.kind)).toEqual(['success', 'success', 'success', 'fatal', 'retry']);
    expect(calls).toEqual([{ command: 'condor_rm', args: ['1.0', '1.1', '1.2', '1.3', '1.4'] }]);
  });

  it('a schedd that does not answer: every worker retried; an empty queue: every worker done', async () => {
    const down = scriptedRunner({
      condor_rm: () => ({ code: 1, stderr: 'condor_rm: CEDAR:6001:Failed to connect to <x>\n' }),
    });
    const sweeper = await makeSweeper({ commandRunner: down.runner });
    const workers = [await bareWorker(root, { batchID: '2.0', submissionHost: 's1,p1' })];
    expect((await sweeper.killWorkers(workers))[0]).toMatchObject({
      kind: 'retry',
      diag: expect.stringContaining('CEDAR'),
    });
    expect(down.calls[0]!.args).toEqual(['-name', 's1', '-pool', 'p1', '2.0']);
    const empty = scriptedRunner({
      condor_rm: () => ({ code: 0, stderr: 'condor_rm:0:There are no jobs in the queue\n' }),
    });
    const s2 = await makeSweeper({ commandRunner: empty.runner });
    expect((await s2.killWorkers(workers))[0]).toMatchObject({ kind: 'success' });
  });
});
