// The plugins against the HTCondor CLI emulator (test/emulator): the engine's worker wrapper run
// by HTCondorSubmitter through condor_submit, watched by HTCondorMonitor, removed and swept by
// HTCondorSweeper. Each test has its own emulator state; the emulated tools are first on PATH.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkSpec } from '@harvester-ts/core';
import { makeWorkSpec } from '@harvester-ts/testkit';
import { CONDOR_FILE_NAMES } from '../src/index.js';
import { createEmulator, EMULATOR_BIN_DIR, type Emulator } from './emulator/index.js';
import {
  EXECUTABLE,
  HID,
  isFinal,
  makeMonitor,
  makeRoot,
  makeSubmitter,
  makeSweeper,
  pollUntil,
  sleep,
  statusOf,
  waitFor,
  workerWithPayload,
} from './helpers.js';

let root: string;
let emu: Emulator;

beforeEach(async () => {
  root = await makeRoot();
  emu = await createEmulator();
});

afterEach(async () => {
  await emu.dispose();
  await rm(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
});

const running = (id: string) => () => emu.job(id)?.JobStatus === 2;

describe('HTCondor plugins on the emulator', () => {
  it('runs a worker: one condor_submit, batchID C.P, then finished with exit code 0', async () => {
    const submitter = await makeSubmitter({ ...emu.options, executable: EXECUTABLE });
    const monitor = await makeMonitor(emu.options);
    const worker = await workerWithPayload(
      root,
      'echo "ncore=$HARVESTER_NCORE id=$HARVESTER_WORKER_ID" > env.out',
      {
        nCore: 2,
        maxWalltime: 600,
      },
    );
    const [outcome] = await submitter.submitWorkers([worker]);
    expect(outcome).toEqual({ kind: 'success', value: undefined });
    expect(worker.batchID).toMatch(/^[0-9]+\.0$/);
    expect(worker.submissionHost).toBe('LOCAL');
    expect(emu.calls().map((c) => c.tool)).toEqual(['condor_submit']);
    expect(emu.calls()[0]?.args.slice(0, 2)).toEqual(['-terse', '-single-cluster']);

    const ap = worker.accessPoint!;
    expect(JSON.parse(await readFile(join(ap, CONDOR_FILE_NAMES.record), 'utf8'))).toMatchObject({
      batchName: `${HID}-${worker.workerID}`,
      submissionHost: 'LOCAL',
      batchID: worker.batchID,
    });
    expect(worker.getLogFile('stdout')).toBe(join(ap, CONDOR_FILE_NAMES.stdout));
    expect(worker.getLogFile('stderr')).toBe(join(ap, CONDOR_FILE_NAMES.stderr));
    expect(worker.getLogFile('batch_log')).toBe(join(ap, CONDOR_FILE_NAMES.log));
    expect(worker.getLogFile('jdl')).toBe(join(ap, CONDOR_FILE_NAMES.submitFile));
    // The job carries the worker's identity and the template's resources.
    const ad = emu.job(worker.batchID!)!;
    expect(ad).toMatchObject({
      harvesterID: HID,
      harvesterWorkerID: worker.workerID,
      JobBatchName: worker.batchName,
      RequestCpus: 2,
      Iwd: ap,
    });

    const [final] = await pollUntil(monitor, [worker], isFinal, 30_000);
    expect(final).toEqual({ kind: 'status', status: 'finished' });
    expect(worker).toMatchObject({ nativeStatus: 'completed', nativeExitCode: 0 });
    expect((await readFile(join(ap, 'env.out'), 'utf8')).trim()).toBe(`ncore=2 id=${worker.workerID}`);
    expect((await readFile(join(ap, CONDOR_FILE_NAMES.exitCode), 'utf8')).trim()).toBe('0');
    // The wrapper's log went to the job's stderr, the events to the job event log.
    expect(await readFile(join(ap, CONDOR_FILE_NAMES.stderr), 'utf8')).toContain('harvester-worker:');
    const events = await readFile(join(ap, CONDOR_FILE_NAMES.log), 'utf8');
    expect(events).toMatch(/^000 \([0-9]{3,}\.000\.000\) [0-9-]{10} [0-9:]{8} Job submitted from host: </m);
    expect(events).toContain('(1) Normal termination (return value 0)');
  }, 60_000);

  it('reports a non-zero exit as failed, with nativeExitCode', async () => {
    const submitter = await makeSubmitter({ ...emu.options, executable: EXECUTABLE });
    const monitor = await makeMonitor(emu.options);
    const worker = await workerWithPayload(root, 'exit 3');
    await submitter.submitWorkers([worker]);
    const [final] = await pollUntil(monitor, [worker], isFinal, 30_000);
    expect(final).toEqual({
      kind: 'status',
      status: 'failed',
      diag: `HTCondor job ${worker.batchID} completed with exit code 3`,
    });
    expect(worker).toMatchObject({ nativeStatus: 'completed', nativeExitCode: 3 });
  }, 60_000);

  it('50 workers in one cycle: ONE condor_submit, procs in order; each monitor cycle one condor_q and at most one condor_history', async () => {
    const submitter = await makeSubmitter({ ...emu.options, executable: EXECUTABLE });
    const monitor = await makeMonitor(emu.options);
    const workers: WorkSpec[] = [];
    for (let i = 0; i < 50; i++) workers.push(await workerWithPayload(root, 'true'));
    const outcomes = await submitter.submitWorkers(workers);
    expect(outcomes.every((o) => o.kind === 'success')).toBe(true);
    expect(emu.count('condor_submit')).toBe(1);
    const cluster = workers[0]!.batchID!.split('.')[0];
    expect(workers.map((w) => w.batchID)).toEqual(workers.map((_, i) => `${cluster}.${i}`));
    workers.forEach((w) => {
      expect(emu.job(w.batchID!)?.harvesterWorkerID).toBe(w.workerID);
    });

    let cycles = 0;
    const finals = await pollUntil(monitor, workers, isFinal, 90_000, () => {
      cycles++;
      expect(emu.count('condor_q')).toBe(cycles);
      expect(emu.count('condor_history')).toBeLessThanOrEqual(cycles);
    });
    expect(finals.every((r) => statusOf(r) === 'finished')).toBe(true);
    expect(emu.count('condor_submit')).toBe(1);
    expect(emu.count('condor_rm')).toBe(0);
  }, 120_000);

  it('a held job stays queued until heldTimeout, then is removed and its worker cancelled', async () => {
    const submitter = await makeSubmitter({ ...emu.options, executable: EXECUTABLE });
    const monitor = await makeMonitor({ ...emu.options, heldTimeout: 3600 });
    const worker = await workerWithPayload(root, 'sleep 60');
    await submitter.submitWorkers([worker]);
    const id = worker.batchID!;
    await waitFor(running(id), 20_000, 'the job to run');
    emu.hold(id, 'Error from slot1@node: out of disk', 34);
    await waitFor(() => emu.job(id)?.JobStatus === 5, 10_000, 'the hold');

    const [held] = await monitor.checkWorkers([worker]);
    // Started once, so idle (not submitted); not final before heldTimeout.
    expect(held).toEqual({
      kind: 'status',
      status: 'idle',
      diag: `HTCondor job ${id} is held: Error from slot1@node: out of disk (HoldReasonCode 34)`,
    });
    expect(worker.nativeStatus).toBe('held');
    expect(emu.count('condor_rm')).toBe(0);

    // Held for two hours: removed from the schedd (one condor_rm), then cancelled.
    emu.setAttr(id, 'EnteredCurrentStatus', Math.floor(Date.now() / 1000) - 7200);
    const [ended] = await monitor.checkWorkers([worker]);
    expect(ended).toMatchObject({ kind: 'status', status: 'cancelled' });
    expect(ended?.kind === 'status' && ended.diag).toContain('out of disk');
    expect(ended?.kind === 'status' && ended.diag).toContain('heldTimeout 3600 s');
    expect(emu.count('condor_rm')).toBe(1);
    await waitFor(() => emu.queue()[id] === undefined, 10_000, 'the job to leave the queue');
    expect(emu.job(id)).toMatchObject({ JobStatus: 3, LastJobStatus: 5 });
  }, 60_000);

  it('a job held for a listed reason is removed and its worker cancelled at once', async () => {
    const submitter = await makeSubmitter({ ...emu.options, executable: EXECUTABLE });
    const monitor = await makeMonitor(emu.options);
    await emu.holdOnStart({ reason: 'Failed to start GAHP', code: 0 });
    const worker = await workerWithPayload(root, 'true');
    await submitter.submitWorkers([worker]);
    const id = worker.batchID!;
    await waitFor(() => emu.job(id)?.JobStatus === 5, 20_000, 'the hold at start');
    const [ended] = await monitor.checkWorkers([worker]);
    expect(ended).toMatchObject({ kind: 'status', status: 'cancelled' });
    expect(ended?.kind === 'status' && ended.diag).toContain('Failed to start GAHP');
    expect(emu.calls().filter((c) => c.tool === 'condor_rm')).toEqual([
      { tool: 'condor_rm', args: ['-reason', 'harvester-ts: held for good', id] },
    ]);
    expect(emu.queue()[id]).toBeUndefined();
    expect(emu.job(id)?.RemoveReason).toBe(`harvester-ts: held for good (by user ${emu.job(id)?.Owner})`);
  }, 60_000);

  it('removes running jobs through the sweeper (one condor_rm), the workers end cancelled, then sweeps', async () => {
    const submitter = await makeSubmitter({ ...emu.options, executable: EXECUTABLE });
    const monitor = await makeMonitor(emu.options);
    const sweeper = await makeSweeper(emu.options);
    const workers = [await workerWithPayload(root, 'sleep 120'), await workerWithPayload(root, 'sleep 120')];
    await submitter.submitWorkers(workers);
    await pollUntil(monitor, workers, (r) => statusOf(r) === 'running', 30_000);

    const killed = await sweeper.killWorkers(workers);
    expect(killed.map((o) => o.kind)).toEqual(['success', 'success']);
    expect(emu.calls().filter((c) => c.tool === 'condor_rm')).toEqual([
      { tool: 'condor_rm', args: workers.map((w) => w.batchID) },
    ]);
    const finals = await pollUntil(monitor, workers, isFinal, 30_000);
    expect(finals.map(statusOf)).toEqual(['cancelled', 'cancelled']);
    expect(finals[0]).toMatchObject({
      diag: expect.stringContaining('RemoveReason: via condor_rm (by user'),
    });
    expect(workers[0]!.nativeStatus).toBe('removed');
    // The wrapper got TERM: it wrote its exit code before the job ended.
    await waitFor(
      () => existsSync(join(workers[0]!.accessPoint!, CONDOR_FILE_NAMES.exitCode)),
      10_000,
      'the exit file',
    );
    // Removing again: the jobs are gone, still a success.
    expect((await sweeper.killWorkers(workers)).map((o) => o.kind)).toEqual(['success', 'success']);

    for (const w of workers) {
      // A removed job stays in the queue (JobStatus 3) until its processes are gone: the sweep waits.
      let swept = await sweeper.sweepWorker(w);
      for (let i = 0; swept.kind === 'retry' && i < 40; i++) {
        expect(swept.diag).toContain('still being removed');
        await sleep(250);
        swept = await sweeper.sweepWorker(w);
      }
      expect(swept).toEqual({ kind: 'success', value: undefined });
      expect(existsSync(w.accessPoint!)).toBe(false);
    }
    // A worker without a batchID has nothing to remove.
    const never = makeWorkSpec({ workerID: 999_999, harvesterID: HID });
    expect(await sweeper.killWorkers([never])).toEqual([
      { kind: 'success', value: undefined, diag: 'no HTCondor job to remove (batchID null)' },
    ]);
  }, 60_000);

  it('a schedd that does not answer: retry later, no worker finalised; answering again: the workers finish', async () => {
    const submitter = await makeSubmitter({ ...emu.options, executable: EXECUTABLE });
    const monitor = await makeMonitor(emu.options);
    const workers = [await workerWithPayload(root, 'exit 0'), await workerWithPayload(root, 'exit 5')];
    await submitter.submitWorkers(workers);
    // The jobs end while the schedd is unreachable.
    await emu.setUnreachable(true);
    await waitFor(() => emu.history().length === 2, 20_000, 'the jobs to complete');
    const before = { q: emu.count('condor_q'), h: emu.count('condor_history') };
    const down = await monitor.checkWorkers(workers);
    for (const r of down) {
      expect(r).toMatchObject({
        kind: 'retry',
        diag: expect.stringContaining('condor_q exited with code 1'),
      });
      expect(r.diag).toContain('Failed to fetch ads from');
    }
    expect(emu.count('condor_q')).toBe(before.q + 1);
    expect(emu.count('condor_history')).toBe(before.h);
    expect(workers.map((w) => w.nativeStatus)).toEqual([null, null]);

    await emu.setUnreachable(false);
    const up = await monitor.checkWorkers(workers);
    expect(up.map(statusOf)).toEqual(['finished', 'failed']);
    expect(workers[1]!.nativeExitCode).toBe(5);
    expect(emu.count('condor_history')).toBe(before.h + 1);
  }, 60_000);

  it('a submission the schedd refuses is retried with condor_submit’s stderr; a broken template is fatal', async () => {
    const submitter = await makeSubmitter({ ...emu.options, executable: EXECUTABLE });
    await emu.failNextSubmits(1, 'Number of submitted jobs would exceed MAX_JOBS_SUBMITTED');
    const workers = [await workerWithPayload(root, 'true'), await workerWithPayload(root, 'true')];
    const outcomes = await submitter.submitWorkers(workers);
    for (const o of outcomes) {
      expect(o).toMatchObject({
        kind: 'retry',
        diag: expect.stringContaining('Failed to commit job submission'),
      });
      expect(o.kind !== 'success' && o.diag).toContain('MAX_JOBS_SUBMITTED');
    }
    expect(workers.map((w) => w.batchID)).toEqual([null, null]);
    // The next submission goes through.
    expect((await submitter.submitWorkers(workers)).map((o) => o.kind)).toEqual(['success', 'success']);

    const template = join(root, 'broken.sub');
    await writeFile(
      template,
      'executable = {executable}\narguments = {arguments}\nthis line has no equals sign\nqueue 1\n',
    );
    const broken = await makeSubmitter({ ...emu.options, executable: EXECUTABLE, templateFile: template });
    const [fatal] = await broken.submitWorkers([await workerWithPayload(root, 'true')]);
    expect(fatal).toMatchObject({ kind: 'fatal', diag: expect.stringContaining('ERROR: on Line') });
  }, 60_000);

  it('finds the job of a worker left pending by a crash: by its record, by its batch name, or not at all', async () => {
    const submitter = await makeSubmitter({ ...emu.options, executable: EXECUTABLE });
    const monitor = await makeMonitor(emu.options);
    const worker = await workerWithPayload(root, 'sleep 30');
    await submitter.submitWorkers([worker]);
    const pendingCopy = () =>
      makeWorkSpec({
        workerID: worker.workerID,
        harvesterID: HID,
        accessPoint: worker.accessPoint,
        status: 'pending',
      });
    const never = await workerWithPayload(root, 'true');
    expect(await monitor.findWorkersByBatchName!([pendingCopy(), never])).toEqual([
      { kind: 'found', batchID: worker.batchID, submissionHost: 'LOCAL' },
      { kind: 'notFound' },
    ]);
    // A crash between condor_submit and the record update: found by its batch name.
    const recordPath = join(worker.accessPoint!, CONDOR_FILE_NAMES.record);
    const record = JSON.parse(await readFile(recordPath, 'utf8'));
    delete record.batchID;
    await writeFile(recordPath, JSON.stringify(record));
    const before = emu.count('condor_q');
    expect(await monitor.findWorkersByBatchName!([pendingCopy()])).toEqual([
      { kind: 'found', batchID: worker.batchID, submissionHost: 'LOCAL' },
    ]);
    expect(emu.count('condor_q')).toBe(before + 1);
    // Once the job has left the queue it is found in the history.
    emu.run('condor_rm', [worker.batchID!]);
    await waitFor(() => emu.queue()[worker.batchID!] === undefined, 10_000, 'the removal');
    expect(await monitor.findWorkersByBatchName!([pendingCopy()])).toEqual([
      { kind: 'found', batchID: worker.batchID, submissionHost: 'LOCAL' },
    ]);
  }, 60_000);

  it('sweepWorker removes only a real access point of this worker', async () => {
    const sweeper = await makeSweeper(emu.options);
    const submitter = await makeSubmitter({ ...emu.options, executable: EXECUTABLE });
    const a = await workerWithPayload(root, 'true');
    const b = await workerWithPayload(root, 'true');
    await submitter.submitWorkers([a, b]);
    // No record: not an HTCondor access point.
    const foreignDir = join(root, 'foreign');
    await mkdir(foreignDir);
    const stranger = makeWorkSpec({ workerID: 888_001, harvesterID: HID, accessPoint: foreignDir });
    expect(await sweeper.sweepWorker(stranger)).toMatchObject({
      kind: 'fatal',
      diag: expect.stringContaining('no harvester-condor.json'),
    });
    // Another worker's access point.
    const impostor = makeWorkSpec({ workerID: 888_002, harvesterID: HID, accessPoint: b.accessPoint });
    expect(await sweeper.sweepWorker(impostor)).toMatchObject({
      kind: 'fatal',
      diag: expect.stringContaining(`belongs to ${b.batchName}`),
    });
    // A symlink to an access point.
    const link = join(root, 'link');
    await symlink(a.accessPoint!, link);
    const linked = makeWorkSpec({ workerID: a.workerID, harvesterID: HID, accessPoint: link });
    expect(await sweeper.sweepWorker(linked)).toMatchObject({
      kind: 'fatal',
      diag: expect.stringContaining('not a directory'),
    });
    expect(existsSync(foreignDir) && existsSync(b.accessPoint!) && existsSync(a.accessPoint!)).toBe(true);
    // A job still in the queue is removed first; the sweep is retried.
    const c = await workerWithPayload(root, 'sleep 60');
    await submitter.submitWorkers([c]);
    const first = await sweeper.sweepWorker(c);
    expect(first).toMatchObject({ kind: 'retry', diag: expect.stringContaining('still in the queue') });
    await waitFor(() => emu.queue()[c.batchID!] === undefined, 10_000, 'the removal');
    expect(await sweeper.sweepWorker(c)).toEqual({ kind: 'success', value: undefined });
    expect(existsSync(c.accessPoint!)).toBe(false);
  }, 60_000);

  it('a worker submitted hours ago whose job has ended is found in the history: finished, not unknown', async () => {
    const submitter = await makeSubmitter({ ...emu.options, executable: EXECUTABLE });
    const monitor = await makeMonitor({ ...emu.options, unknownJobStatus: 'failed', unknownGraceSeconds: 0 });
    const worker = await workerWithPayload(root, 'true');
    worker.submitTime = new Date(Date.now() - 3 * 3600 * 1000);
    worker.startTime = new Date(Date.now() - 3 * 3600 * 1000 + 60_000);
    await submitter.submitWorkers([worker]);
    await waitFor(() => emu.history().length === 1, 20_000, 'the job to complete');
    const [final] = await monitor.checkWorkers([worker]);
    expect(final).toEqual({ kind: 'status', status: 'finished' });
    const history = emu.calls().filter((c) => c.tool === 'condor_history');
    expect(history).toHaveLength(1);
    expect(history[0]!.args).toEqual(expect.arrayContaining(['-match', '1', '-completedsince']));
  }, 60_000);

  it('logs under {logDir}/{logSubdir}: the hour’s directory is made before condor_submit (which checks it with file checks on)', async () => {
    await emu.setSubmitFileChecks(true);
    const logDir = join(root, 'condor_logs');
    const template = join(root, 'grid.sub');
    await writeFile(
      template,
      [
        'universe = vanilla',
        'executable = {executable}',
        'arguments = {arguments}',
        'initialdir = {accessPoint}',
        'output = {logDir}/{logSubdir}/grid.$(Cluster).$(Process).out',
        'error = {logDir}/{logSubdir}/grid.$(Cluster).$(Process).err',
        'log = {logDir}/{logSubdir}/grid.$(Cluster).$(Process).log',
        'environment = "HARVESTER_ID={harvesterID} HARVESTER_WORKER_ID={workerID} HARVESTER_ACCESS_POINT={accessPoint} HARVESTER_NCORE={nCoreTotal}"',
        'should_transfer_files = NO',
        'transfer_executable = False',
        'queue 1',
      ].join('\n'),
    );
    const submitter = await makeSubmitter({
      ...emu.options,
      executable: EXECUTABLE,
      templateFile: template,
      logDir,
      logBaseURL: 'https://harvester.example.org/condor_logs',
    });
    const monitor = await makeMonitor(emu.options);
    const worker = await workerWithPayload(root, 'true');
    const [outcome] = await submitter.submitWorkers([worker]);
    expect(outcome).toEqual({ kind: 'success', value: undefined });
    const [sub] = await readdir(logDir);
    expect(sub).toMatch(/^[0-9]{2}-[0-9]{2}-[0-9]{2}_[0-9]{2}$/);
    const id = worker.batchID!.split('.');
    expect(worker.getLogFile('batch_log')).toBe(
      `https://harvester.example.org/condor_logs/${sub}/grid.${id[0]}.${id[1]}.log`,
    );
    expect(emu.job(worker.batchID!)?.UserLog).toBe(join(logDir, sub!, `grid.${id[0]}.${id[1]}.log`));
    const [final] = await pollUntil(monitor, [worker], isFinal, 30_000);
    expect(final).toEqual({ kind: 'status', status: 'finished' });
    expect(await readFile(join(logDir, sub!, `grid.${id[0]}.${id[1]}.log`), 'utf8')).toContain(
      'Job terminated.',
    );

    // Spooling to a named schedd: the logs are on the schedd's side; nothing is made here.
    await emu.setSubmitFileChecks(false);
    await emu.setSchedds(['schedd-a.example.org']);
    const spoolDir = join(root, 'spool_logs');
    const spooling = await makeSubmitter({
      ...emu.options,
      executable: EXECUTABLE,
      templateFile: template,
      logDir: spoolDir,
      useSpool: true,
      condorSchedd: 'schedd-a.example.org',
    });
    const [spooled] = await spooling.submitWorkers([await workerWithPayload(root, 'sleep 30')]);
    expect(spooled).toMatchObject({ kind: 'success' });
    expect(existsSync(spoolDir)).toBe(false);
  }, 60_000);

  it('spooling fails after the cluster was committed: its jobs are removed (no orphan), the workers retried', async () => {
    await emu.setSchedds(['schedd-a.example.org']);
    const submitter = await makeSubmitter({
      ...emu.options,
      executable: EXECUTABLE,
      useSpool: true,
      condorSchedd: 'schedd-a.example.org',
    });
    await emu.failNextSpools(1, 'CEDAR:6004:Failed to read end of message');
    const workers = [await workerWithPayload(root, 'true'), await workerWithPayload(root, 'true')];
    const outcomes = await submitter.submitWorkers(workers);
    expect(outcomes.map((o) => o.kind)).toEqual(['retry', 'retry']);
    expect(outcomes[0]).toMatchObject({ diag: expect.stringContaining('Failed to spool job files') });
    expect(workers.map((w) => w.batchID)).toEqual([null, null]);
    const schedd = 'schedd-a.example.org';
    await waitFor(() => Object.keys(emu.queue(schedd)).length === 0, 10_000, 'the removal');
    expect(emu.history(schedd).map((a) => [a.JobStatus, a.LastJobStatus, a.HoldReasonCode])).toEqual([
      [3, 5, 16],
      [3, 5, 16],
    ]);
    // Submitted again: a new cluster, the workers get its jobs.
    expect((await submitter.submitWorkers(workers)).map((o) => o.kind)).toEqual(['success', 'success']);
    expect(workers.map((w) => w.batchID)).toEqual(['2.0', '2.1']);
  }, 60_000);

  it('a part condor_submit refuses (a missing initialdir) fails only its worker; the others go again', async () => {
    const template = join(root, 'run-dir.sub');
    const base = await readFile(join(EMULATOR_BIN_DIR, '..', '..', '..', 'templates', 'default.sub'), 'utf8');
    await writeFile(template, base.replace('initialdir = {accessPoint}', 'initialdir = {accessPoint}/run'));
    const submitter = await makeSubmitter({ ...emu.options, executable: EXECUTABLE, templateFile: template });
    const workers = [
      await workerWithPayload(root, 'true'),
      await workerWithPayload(root, 'true'),
      await workerWithPayload(root, 'true'),
    ];
    await mkdir(join(workers[0]!.accessPoint!, 'run'));
    await mkdir(join(workers[2]!.accessPoint!, 'run'));
    const outcomes = await submitter.submitWorkers(workers);
    expect(outcomes.map((o) => o.kind)).toEqual(['retry', 'fatal', 'retry']);
    expect(outcomes[1]).toMatchObject({
      diag: expect.stringContaining(`No such directory: ${join(workers[1]!.accessPoint!, 'run')}`),
    });
    expect(Object.keys(emu.queue())).toEqual([]);
    const again = await submitter.submitWorkers([workers[0]!, workers[2]!]);
    expect(again.map((o) => o.kind)).toEqual(['success', 'success']);
  }, 60_000);

  it('several schedds: one condor_submit and one condor_q per schedd; condorBinDir instead of PATH', async () => {
    await emu.setSchedds(['schedd-a.example.org', 'schedd-b.example.org']);
    const common = { condorBinDir: EMULATOR_BIN_DIR, condorEnv: { HTCONDOR_EMULATOR_DIR: emu.dir } };
    const submitter = await makeSubmitter({
      ...common,
      executable: EXECUTABLE,
      condorHostConfig: {
        'schedd-a.example.org': { pool: 'cm.example.org', weight: 1 },
        'schedd-b.example.org': { pool: 'cm.example.org', weight: 1 },
      },
    });
    const monitor = await makeMonitor(common);
    const workers: WorkSpec[] = [];
    for (let i = 0; i < 12; i++) workers.push(await workerWithPayload(root, 'true'));
    await submitter.submitWorkers(workers);
    const hosts = new Set(workers.map((w) => w.submissionHost));
    expect(hosts).toEqual(
      new Set(['schedd-a.example.org,cm.example.org', 'schedd-b.example.org,cm.example.org']),
    );
    const submits = emu.calls().filter((c) => c.tool === 'condor_submit');
    expect(submits).toHaveLength(2);
    for (const s of submits)
      expect(s.args).toEqual(expect.arrayContaining(['-name', '-pool', 'cm.example.org']));
    for (const w of workers) {
      const schedd = w.submissionHost!.split(',')[0]!;
      expect(emu.job(w.batchID!, schedd)?.harvesterWorkerID).toBe(w.workerID);
    }
    await pollUntil(monitor, workers, isFinal, 60_000);
    const cycles = emu.calls().filter((c) => c.tool === 'condor_q');
    expect(cycles.length % 2).toBe(0);
    expect(cycles.every((c) => c.args.includes('-name'))).toBe(true);
  }, 90_000);
});
