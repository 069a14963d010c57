// What the plugins decide from answers the emulator is not made to give (garbage, timeouts, odd
// per-id results), with scripted command runners. The same paths run on the emulator in
// htcondor.test.ts.
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CONDOR_FILE_NAMES, condorMonitorOptions, HTCondorMonitorInstance } from '../src/index.js';
import {
  bareWorker,
  ctxFor,
  EXECUTABLE,
  HID,
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
    // Harvester's default (cancelUnknown False): retried, whatever the grace.
    const byDefault = await makeMonitor({ commandRunner: runner, unknownGraceSeconds: 0 });
    expect((await byDefault.checkWorkers([plain]))[0]).toMatchObject({ kind: 'retry' });
    const after = await makeMonitor({
      commandRunner: runner,
      unknownGraceSeconds: 0,
      unknownJobStatus: 'failed',
    });
    expect((await after.checkWorkers([plain]))[0]).toMatchObject({ kind: 'status', status: 'failed' });
    const cancel = await makeMonitor({ commandRunner: runner, unknownGraceSeconds: 0, cancelUnknown: true });
    expect((await cancel.checkWorkers([plain]))[0]).toMatchObject({ kind: 'status', status: 'cancelled' });
    const never = await makeMonitor({ commandRunner: runner, unknownGraceSeconds: 0, cancelUnknown: false });
    expect((await never.checkWorkers([plain]))[0]).toMatchObject({ kind: 'retry' });
  });

  it('a long job that ended is found in the history, however long ago it started (bounded by -match and -completedsince)', async () => {
    const started = Date.now() - 3 * 3600 * 1000;
    const { runner, calls } = scriptedRunner({
      condor_q: () => ({ stdout: '' }),
      condor_history: () => ({ stdout: json([ad('8.0', { JobStatus: 4, ExitCode: 0, LastJobStatus: 2 })]) }),
    });
    const monitor = await makeMonitor({
      commandRunner: runner,
      unknownJobStatus: 'failed',
      unknownGraceSeconds: 0,
    });
    const old = await bareWorker(root, {
      batchID: '8.0',
      submitTime: new Date(started - 60_000),
      startTime: new Date(started),
    });
    expect((await monitor.checkWorkers([old]))[0]).toEqual({ kind: 'status', status: 'finished' });
    expect(old).toMatchObject({ nativeStatus: 'completed', nativeExitCode: 0 });
    expect(calls.map((c) => c.command)).toEqual(['condor_q', 'condor_history']);
    const since = Math.floor((started - 60_000) / 1000) - 3600;
    expect(calls[1]!.args).toEqual(
      expect.arrayContaining([
        '-match',
        '1',
        '-completedsince',
        String(since),
        '-constraint',
        '(ClusterId == 8 && ProcId == 0)',
      ]),
    );
  });

  it('the unknown grace counts from the first time the job was missed, not from its submission', async () => {
    const { runner } = scriptedRunner({
      condor_q: () => ({ stdout: '' }),
      condor_history: () => ({ stdout: '[\n]\n' }),
    });
    let now = Date.now();
    const monitor = new HTCondorMonitorInstance(
      condorMonitorOptions.parse({
        commandRunner: runner,
        unknownJobStatus: 'failed',
        unknownGraceSeconds: 600,
      }),
      ctxFor(),
      () => now,
    );
    const old = await bareWorker(root, { batchID: '18.0', submitTime: new Date(now - 5 * 3600 * 1000) });
    expect((await monitor.checkWorkers([old]))[0]).toMatchObject({
      kind: 'retry',
      diag: expect.stringContaining('missed for 0 s'),
    });
    now += 599_000;
    expect((await monitor.checkWorkers([old]))[0]).toMatchObject({ kind: 'retry' });
    now += 1_000;
    expect((await monitor.checkWorkers([old]))[0]).toMatchObject({
      kind: 'status',
      status: 'failed',
      diag: expect.stringContaining('missed for 600 s'),
    });
    expect(old.nativeStatus).toBe('unknown');
    // Found again in between: the grace starts over.
    const back = await bareWorker(root, { batchID: '18.1' });
    let inQueue = true;
    const flapping = scriptedRunner({
      condor_q: () => ({ stdout: inQueue ? json([ad('18.1', { JobStatus: 2 })]) : '' }),
      condor_history: () => ({ stdout: '[\n]\n' }),
    });
    const m2 = new HTCondorMonitorInstance(
      condorMonitorOptions.parse({
        commandRunner: flapping.runner,
        unknownJobStatus: 'failed',
        unknownGraceSeconds: 600,
      }),
      ctxFor(),
      () => now,
    );
    inQueue = false;
    await m2.checkWorkers([back]);
    now += 500_000;
    inQueue = true;
    expect((await m2.checkWorkers([back]))[0]).toEqual({ kind: 'status', status: 'running' });
    inQueue = false;
    now += 500_000;
    expect((await m2.checkWorkers([back]))[0]).toMatchObject({ kind: 'retry' });
  });

  it('an exit file of the wrapper is authoritative for a job in neither queue nor history', async () => {
    const { runner } = scriptedRunner({
      condor_q: () => ({ stdout: '' }),
      condor_history: () => ({ stdout: '[\n]\n' }),
    });
    const monitor = await makeMonitor({ commandRunner: runner });
    const done = await bareWorker(root, { batchID: '19.0' });
    await writeFile(join(done.accessPoint!, CONDOR_FILE_NAMES.exitCode), '0\n');
    expect((await monitor.checkWorkers([done]))[0]).toMatchObject({ kind: 'status', status: 'finished' });
  });

  it('a held job whose removal fails is not cancelled (retried); a malformed batchID is failed unasked', async () => {
    const held = await bareWorker(root, { batchID: '9.0' });
    const { runner, calls } = scriptedRunner({
      condor_q: () => ({
        stdout: json([
          ad('9.0', {
            JobStatus: 5,
            HoldReason: 'Job not found',
            EnteredCurrentStatus: 1,
            harvesterID: HID,
            harvesterWorkerID: held.workerID,
          }),
        ]),
      }),
      condor_rm: () => ({ code: 1, stderr: 'condor_rm: CEDAR:6001:Failed to connect to <1.2.3.4:9618>\n' }),
    });
    const monitor = await makeMonitor({ commandRunner: runner });
    const results = await monitor.checkWorkers([held, await bareWorker(root, { batchID: '9_1' })]);
    expect(results[0]).toMatchObject({ kind: 'retry', diag: expect.stringContaining('condor_rm failed') });
    expect(results[1]).toMatchObject({
      kind: 'status',
      status: 'failed',
      diag: expect.stringContaining('not an HTCondor batchID'),
    });
    expect(calls.map((c) => c.command)).toEqual(['condor_q', 'condor_rm']);
  });

  it('a job held for good is removed only when its harvesterID and harvesterWorkerID show it is the worker’s', async () => {
    const w = await bareWorker(root, { batchID: '10.0' });
    const { runner, calls } = scriptedRunner({
      // A reset queue: another job under the same id, without this harvester's attributes.
      condor_q: () => ({ stdout: json([ad('10.0', { JobStatus: 5, HoldReason: 'Job not found' })]) }),
    });
    const monitor = await makeMonitor({ commandRunner: runner });
    expect((await monitor.checkWorkers([w]))[0]).toMatchObject({
      kind: 'retry',
      diag: expect.stringContaining('not removed: its harvesterID/harvesterWorkerID do not show'),
    });
    expect(calls.map((c) => c.command)).toEqual(['condor_q']);
    // Another harvester's job under the same id is not this worker's at all.
    const other = scriptedRunner({
      condor_q: () => ({
        stdout: json([
          ad('10.0', {
            JobStatus: 4,
            ExitCode: 0,
            harvesterID: 'someone-else',
            harvesterWorkerID: w.workerID,
          }),
        ]),
      }),
      condor_history: () => ({ stdout: '[\n]\n' }),
    });
    const m2 = await makeMonitor({ commandRunner: other.runner });
    expect((await m2.checkWorkers([w]))[0]).toMatchObject({
      kind: 'retry',
      diag: expect.stringContaining('is not known to condor_q and condor_history'),
    });
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

describe('HTCondorSubmitter: what condor_submit refused or half did', () => {
  it('the cluster committed, then spooling failed: its jobs are removed and the workers retried', async () => {
    const workers = [await workerWithPayload(root, 'true'), await workerWithPayload(root, 'true')];
    const { runner, calls } = scriptedRunner({
      condor_submit: () => ({
        code: 1,
        stdout: '30.0 - 30.1\n',
        stderr: '\nCEDAR:6004:Failed to read end of message\nERROR: Failed to spool job files.\n',
      }),
      condor_rm: () => ({ stdout: 'Job 30.0 marked for removal\nJob 30.1 marked for removal\n' }),
    });
    const submitter = await makeSubmitter({
      executable: EXECUTABLE,
      commandRunner: runner,
      useSpool: true,
      condorSchedd: 's1',
    });
    const outcomes = await submitter.submitWorkers(workers);
    for (const o of outcomes) {
      expect(o).toMatchObject({ kind: 'retry', diag: expect.stringContaining('Failed to spool job files') });
      expect(o.kind !== 'success' && o.diag).toContain('(30.0 30.1) were removed');
    }
    expect(workers.map((w) => w.batchID)).toEqual([null, null]);
    expect(calls.map((c) => c.command)).toEqual(['condor_submit', 'condor_rm']);
    expect(calls[1]!.args).toEqual([
      '-name',
      's1',
      '-reason',
      'harvester-ts: condor_submit failed after committing the cluster',
      '30.0',
      '30.1',
    ]);
  });

  it('… and when the committed jobs cannot be removed, the workers keep them (never orphans)', async () => {
    const workers = [await workerWithPayload(root, 'true'), await workerWithPayload(root, 'true')];
    const { runner } = scriptedRunner({
      condor_submit: () => ({
        code: 1,
        stdout: '31.0 - 31.1\n',
        stderr: '\nERROR: Failed to spool job files.\n',
      }),
      condor_rm: () => ({ code: 1, stderr: 'condor_rm: CEDAR:6001:Failed to connect to <1.2.3.4:9618>\n' }),
    });
    const submitter = await makeSubmitter({ executable: EXECUTABLE, commandRunner: runner, useSpool: true });
    const outcomes = await submitter.submitWorkers(workers);
    expect(outcomes.map((o) => o.kind)).toEqual(['success', 'success']);
    expect(outcomes[0]).toMatchObject({ diag: expect.stringContaining('the worker keeps it') });
    expect(workers.map((w) => w.batchID)).toEqual(['31.0', '31.1']);
  });

  it('an error on a line of one worker’s part: that worker is fatal, the others are retried', async () => {
    const workers = [
      await workerWithPayload(root, 'true'),
      await workerWithPayload(root, 'true'),
      await workerWithPayload(root, 'true'),
    ];
    const { runner } = scriptedRunner({
      condor_submit: async (args) => {
        // The line of the second worker's identity block, as condor_submit would name it.
        const file = args[args.length - 1] as string;
        const lines = (await readFile(file, 'utf8')).split('\n');
        const n = lines.indexOf(`+harvesterWorkerID = ${workers[1]!.workerID}`) + 1;
        return {
          code: 1,
          stderr: `\nERROR: on Line ${n} of ${file}: Illegal Identifier: x y\n\nERROR: Failed to parse command file (line ${n}).\n`,
        };
      },
    });
    const submitter = await makeSubmitter({ executable: EXECUTABLE, commandRunner: runner });
    const outcomes = await submitter.submitWorkers(workers);
    expect(outcomes.map((o) => o.kind)).toEqual(['retry', 'fatal', 'retry']);
    expect(outcomes[0]).toMatchObject({
      diag: expect.stringContaining(
        `refused the part of another worker of the same cluster (${workers[1]!.workerID})`,
      ),
    });
    expect(outcomes[1]).toMatchObject({ diag: expect.stringContaining('Illegal Identifier') });
  });

  it('a worker whose value would stand empty and bare in its part is fatal alone (it would inherit proc 0’s)', async () => {
    const template = join(root, `bare-${Date.now()}.sub`);
    await writeFile(
      template,
      'executable = {executable}\narguments = {arguments}\n+jobType = {jobType}\nqueue 1\n',
    );
    const { runner, calls } = scriptedRunner({ condor_submit: () => ({ stdout: '60.0 - 60.0\n' }) });
    const submitter = await makeSubmitter({
      executable: EXECUTABLE,
      commandRunner: runner,
      templateFile: template,
    });
    const typed = await workerWithPayload(root, 'true');
    typed.jobType = 'managed';
    const untyped = await workerWithPayload(root, 'true');
    const outcomes = await submitter.submitWorkers([typed, untyped]);
    expect(outcomes[0]).toEqual({ kind: 'success', value: undefined });
    expect(outcomes[1]).toMatchObject({
      kind: 'fatal',
      diag: expect.stringContaining(
        'placeholder {jobType} on line 3 of the template is empty where it stands bare',
      ),
    });
    expect(calls).toHaveLength(1);
  });

  it('each record names the cluster file where it was really written (the first worker that took its files)', async () => {
    const notADir = join(root, `plain-file-${Date.now()}`);
    await writeFile(notADir, 'x');
    const broken = await bareWorker(root, { accessPoint: notADir });
    const a = await workerWithPayload(root, 'true');
    const b = await workerWithPayload(root, 'true');
    const { runner, calls } = scriptedRunner({ condor_submit: () => ({ stdout: '50.0 - 50.1\n' }) });
    const submitter = await makeSubmitter({ executable: EXECUTABLE, commandRunner: runner });
    const outcomes = await submitter.submitWorkers([broken, a, b]);
    expect(outcomes.map((o) => o.kind)).toEqual(['retry', 'success', 'success']);
    const clusterFile = join(a.accessPoint!, CONDOR_FILE_NAMES.clusterFile);
    expect(calls[0]!.args[calls[0]!.args.length - 1]).toBe(clusterFile);
    for (const w of [a, b]) {
      const record = JSON.parse(await readFile(join(w.accessPoint!, CONDOR_FILE_NAMES.record), 'utf8'));
      expect(record.submitFile).toBe(clusterFile);
    }
    expect(existsSync(clusterFile)).toBe(true);
  });

  it('a harvester id that condor_submit could change (quotes, spaces) is refused when the plugin is created', async () => {
    for (const bad of ['has space', 'q"uote', '']) {
      await expect(
        makeSubmitter({ executable: EXECUTABLE }, { ...ctxFor(), harvesterId: bad } as ReturnType<
          typeof ctxFor
        >),
      ).rejects.toThrow('cannot be used with HTCondor');
    }
  });
});

describe('HTCondorSweeper', () => {
  it('per-id results of one condor_rm: gone is done, another user’s job is fatal, no answer is retried', async () => {
    const workers = await Promise.all(
      ['1.0', '1.1', '1.2', '1.3', '1.4'].map((batchID) => bareWorker(root, { batchID })),
    );
    const { runner, calls } = scriptedRunner({
      condor_q: () => ({
        stdout: json(
          workers.map((w) =>
            ad(w.batchID!, { JobStatus: 2, harvesterID: HID, harvesterWorkerID: w.workerID }),
          ),
        ),
      }),
      condor_rm: () => ({
        code: 0,
        stdout: 'Job 1.0 marked for removal\n',
        stderr:
          '\nJob 1.1 not found\nJob 1.2 already marked for removal\nPermission denied to remove job 1.3\n',
      }),
    });
    const sweeper = await makeSweeper({ commandRunner: runner });
    const outcomes = await sweeper.killWorkers(workers);
    expect(outcomes.map((o) => o.kind)).toEqual(['success', 'success', 'success', 'fatal', 'retry']);
    expect(calls.map((c) => c.command)).toEqual(['condor_q', 'condor_rm']);
    expect(calls[0]!.args).toEqual(
      expect.arrayContaining(['-attributes', 'ClusterId,ProcId,JobStatus,harvesterID,harvesterWorkerID']),
    );
    expect(calls[1]!.args).toEqual(['1.0', '1.1', '1.2', '1.3', '1.4']);
  });

  it('condor_rm only for jobs that show they are the worker’s: another’s job under the same id is left alone', async () => {
    const mine = await bareWorker(root, { batchID: '3.0' });
    const reset = await bareWorker(root, { batchID: '3.1' });
    const otherHarvester = await bareWorker(root, { batchID: '3.2' });
    const gone = await bareWorker(root, { batchID: '3.3' });
    const { runner, calls } = scriptedRunner({
      condor_q: () => ({
        stdout: json([
          ad('3.0', { JobStatus: 2, harvesterID: HID, harvesterWorkerID: String(mine.workerID) }),
          ad('3.1', { JobStatus: 2, Owner: 'bob' }),
          ad('3.2', { JobStatus: 2, harvesterID: 'elsewhere', harvesterWorkerID: otherHarvester.workerID }),
        ]),
      }),
      condor_rm: () => ({ stdout: 'Job 3.0 marked for removal\n' }),
    });
    const sweeper = await makeSweeper({ commandRunner: runner });
    const outcomes = await sweeper.killWorkers([mine, reset, otherHarvester, gone]);
    expect(outcomes.map((o) => o.kind)).toEqual(['success', 'success', 'success', 'success']);
    expect(outcomes[1]).toMatchObject({ diag: expect.stringContaining("is not this worker's") });
    expect(outcomes[3]).toMatchObject({ diag: expect.stringContaining('not in the queue') });
    expect(calls.filter((c) => c.command === 'condor_rm').map((c) => c.args)).toEqual([['3.0']]);

    // sweepWorker: another's job under the worker's id does not hold the sweep up.
    const { writeWorkerRecord } = await import('../src/worker-record.js');
    await writeWorkerRecord(reset.accessPoint!, {
      batchName: reset.batchName,
      workerID: reset.workerID,
      harvesterId: HID,
      submissionHost: 'LOCAL',
      submitFile: '',
      batchID: '3.1',
      writtenAt: new Date().toISOString(),
    });
    const before = calls.length;
    expect(await sweeper.sweepWorker(reset)).toEqual({ kind: 'success', value: undefined });
    expect(calls.slice(before).map((c) => c.command)).toEqual(['condor_q']);
  });

  it('a schedd that does not answer: every worker retried; an empty queue: every worker done', async () => {
    const workers = [await bareWorker(root, { batchID: '2.0', submissionHost: 's1,p1' })];
    const mineInQueue = () => ({
      stdout: json([ad('2.0', { JobStatus: 1, harvesterID: HID, harvesterWorkerID: workers[0]!.workerID })]),
    });
    const down = scriptedRunner({
      condor_q: mineInQueue,
      condor_rm: () => ({ code: 1, stderr: 'condor_rm: CEDAR:6001:Failed to connect to <x>\n' }),
    });
    const sweeper = await makeSweeper({ commandRunner: down.runner });
    expect((await sweeper.killWorkers(workers))[0]).toMatchObject({
      kind: 'retry',
      diag: expect.stringContaining('CEDAR'),
    });
    expect(down.calls[1]!.args).toEqual(['-name', 's1', '-pool', 'p1', '2.0']);
    const qDown = scriptedRunner({
      condor_q: () => ({ code: 1, stderr: '\n-- Failed to fetch ads from: <x> : host\n' }),
    });
    expect(
      (await (await makeSweeper({ commandRunner: qDown.runner })).killWorkers(workers))[0],
    ).toMatchObject({
      kind: 'retry',
      diag: expect.stringContaining('Failed to fetch ads'),
    });
    expect(qDown.count('condor_rm')).toBe(0);
    const empty = scriptedRunner({
      condor_q: mineInQueue,
      condor_rm: () => ({ code: 0, stderr: 'condor_rm:0:There are no jobs in the queue\n' }),
    });
    const s2 = await makeSweeper({ commandRunner: empty.runner });
    expect((await s2.killWorkers(workers))[0]).toMatchObject({ kind: 'success' });
  });
});
