// Against a real Slurm (`bash scripts/services.sh up slurm`): the engine's worker wrapper run by
// SlurmSubmitter through sbatch, watched by SlurmMonitor, cancelled and swept by SlurmSweeper.
// All in one file, run in order: one test stops and restarts slurmctld.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkerCheckResult, WorkSpec } from '@harvester-ts/core';
import { WORKER_WRAPPER_PATH } from '@harvester-ts/engine';
import { describeWithService, probeSlurm, startSlurmctld, stopSlurmctld } from '@harvester-ts/test-support';
import { makeWorkSpec } from '@harvester-ts/testkit';
import { parseSlurmJobId, SLURM_FILE_NAMES, type SlurmMonitorInstance } from '../src/index.js';
import {
  HID,
  isFinal,
  makeMonitor,
  makeRoot,
  makeSubmitter,
  makeSweeper,
  pollUntil,
  recordingRunner,
  sleep,
  workerWithPayload,
} from './helpers.js';

const slurm = probeSlurm();
const describeSlurm = describeWithService('slurm', slurm.available, slurm.whyNot);

const EXECUTABLE = ['sh', WORKER_WRAPPER_PATH];

let root: string;
const submitted: string[] = [];

function remember(workers: WorkSpec[]): void {
  for (const w of workers) if (w.batchID) submitted.push(w.batchID);
}

const statusOf = (r: WorkerCheckResult | undefined) => (r?.kind === 'status' ? r.status : r?.kind);

describeSlurm('Slurm plugins on a real Slurm', () => {
  beforeAll(async () => {
    root = await makeRoot();
  });

  afterAll(async () => {
    if (submitted.length > 0) spawnSync('scancel', [...new Set(submitted)], { timeout: 30_000 });
    await rm(root, { recursive: true, force: true });
  });

  it('runs a worker: submitted or running, then finished with exit code 0', async () => {
    const rec = recordingRunner();
    const submitter = await makeSubmitter({
      executable: EXECUTABLE,
      commandRunner: rec.runner,
      slurmBinDir: '/usr/bin',
    });
    const monitor = await makeMonitor({ commandRunner: rec.runner });
    const worker = await workerWithPayload(
      root,
      'echo "ncore=$HARVESTER_NCORE id=$HARVESTER_WORKER_ID" > env.out; sleep 3',
      {
        nCore: 2,
        maxWalltime: 600,
      },
    );
    const [outcome] = await submitter.submitWorkers([worker]);
    remember([worker]);
    expect(outcome).toEqual({ kind: 'success', value: undefined });
    expect(worker.batchID).toMatch(/^[0-9]+$/);
    expect(rec.calls[0]).toMatchObject({ command: 'sbatch' });
    const ap = worker.accessPoint!;
    expect(JSON.parse(await readFile(join(ap, SLURM_FILE_NAMES.record), 'utf8'))).toMatchObject({
      batchName: `${HID}-${worker.workerID}`,
      mode: 'single',
      batchID: worker.batchID,
    });
    expect(worker.getLogFile('stdout')).toBe(join(ap, SLURM_FILE_NAMES.stdout));

    const [first] = await monitor.checkWorkers([worker]);
    expect(['submitted', 'running']).toContain(statusOf(first));
    // The job carries the worker's batch name and the template's resources.
    const show = spawnSync('scontrol', ['-o', 'show', 'job', worker.batchID!], { encoding: 'utf8' });
    expect(show.stdout).toContain(`JobName=${worker.batchName} `);
    expect(show.stdout).toContain('NumCPUs=2 ');
    expect(show.stdout).toContain('TimeLimit=00:10:00 ');

    const [final] = await pollUntil(monitor, [worker], isFinal, 60_000);
    expect(final).toEqual({ kind: 'status', status: 'finished' });
    expect(worker).toMatchObject({
      nativeStatus: 'COMPLETED',
      nativeExitCode: 0,
      nodeID: expect.any(String),
    });
    expect((await readFile(join(ap, 'env.out'), 'utf8')).trim()).toBe(`ncore=2 id=${worker.workerID}`);
    expect((await readFile(join(ap, SLURM_FILE_NAMES.exitCode), 'utf8')).trim()).toBe('0');
    // The wrapper's log went to the job's stderr in the access point.
    expect(await readFile(join(ap, SLURM_FILE_NAMES.stderr), 'utf8')).toContain('harvester-worker:');
    expect(rec.calls.every((c) => c.command !== 'scontrol' && c.command !== 'sacct')).toBe(true);
  }, 90_000);

  it('reports a non-zero exit as failed, with nativeExitCode and Slurm’s reason', async () => {
    const submitter = await makeSubmitter({ executable: EXECUTABLE });
    const monitor = await makeMonitor({});
    const worker = await workerWithPayload(root, 'exit 3');
    await submitter.submitWorkers([worker]);
    remember([worker]);
    const [final] = await pollUntil(monitor, [worker], isFinal, 60_000);
    expect(final).toEqual({
      kind: 'status',
      status: 'failed',
      diag: `Slurm job ${worker.batchID} FAILED (NonZeroExitCode), exit code 3:0`,
    });
    expect(worker).toMatchObject({ nativeStatus: 'FAILED', nativeExitCode: 3 });
  }, 90_000);

  it('cancels through the sweeper (one scancel), then sweeps the access point', async () => {
    const rec = recordingRunner();
    const submitter = await makeSubmitter({ executable: EXECUTABLE });
    const monitor = await makeMonitor({});
    const sweeper = await makeSweeper({ commandRunner: rec.runner });
    const workers = await Promise.all([1, 2].map(() => workerWithPayload(root, 'sleep 120')));
    await submitter.submitWorkers(workers);
    remember(workers);
    await pollUntil(monitor, workers, (r) => statusOf(r) === 'running', 60_000);

    const killed = await sweeper.killWorkers(workers);
    expect(killed.map((o) => o.kind)).toEqual(['success', 'success']);
    expect(rec.calls).toEqual([{ command: 'scancel', args: workers.map((w) => w.batchID) }]);
    const finals = await pollUntil(monitor, workers, isFinal, 60_000);
    expect(finals.map(statusOf)).toEqual(['cancelled', 'cancelled']);
    expect(workers[0]!.nativeStatus).toBe('CANCELLED');
    // Cancelling again: the jobs are over, still a success.
    expect((await sweeper.killWorkers(workers)).map((o) => o.kind)).toEqual(['success', 'success']);

    for (const w of workers) {
      let swept = await sweeper.sweepWorker(w);
      for (let i = 0; swept.kind === 'retry' && i < 20; i++) {
        await sleep(500); // COMPLETING for a moment
        swept = await sweeper.sweepWorker(w);
      }
      expect(swept).toEqual({ kind: 'success', value: undefined });
      expect(existsSync(w.accessPoint!)).toBe(false);
    }
  }, 120_000);

  it('a job sbatch refuses is fatal and names why', async () => {
    const submitter = await makeSubmitter({ executable: EXECUTABLE, partition: 'nosuchpartition' });
    const worker = await workerWithPayload(root, 'true');
    const [outcome] = await submitter.submitWorkers([worker]);
    expect(outcome).toMatchObject({ kind: 'fatal', diag: expect.stringContaining('Invalid partition') });
    expect(worker.batchID).toBeNull();
  });

  it('finds the job of a worker left pending by a crash, by its record or its name', async () => {
    const submitter = await makeSubmitter({ executable: EXECUTABLE });
    const monitor = await makeMonitor({});
    const sweeper = await makeSweeper({});
    const worker = await workerWithPayload(root, 'sleep 60');
    await submitter.submitWorkers([worker]);
    remember([worker]);
    const pendingCopy = () =>
      makeWorkSpec({
        workerID: worker.workerID,
        harvesterID: HID,
        accessPoint: worker.accessPoint,
        status: 'pending',
      });
    const recordPath = join(worker.accessPoint!, SLURM_FILE_NAMES.record);
    const never = await workerWithPayload(root, 'true');

    expect(await monitor.findWorkersByBatchName!([pendingCopy(), never])).toEqual([
      { kind: 'found', batchID: worker.batchID },
      { kind: 'notFound' },
    ]);
    // A crash between sbatch and the record update: found by name.
    const record = JSON.parse(await readFile(recordPath, 'utf8'));
    delete record.batchID;
    await writeFile(recordPath, JSON.stringify(record));
    expect(await monitor.findWorkersByBatchName!([pendingCopy()])).toEqual([
      { kind: 'found', batchID: worker.batchID },
    ]);
    await rm(recordPath);
    expect(await monitor.findWorkersByBatchName!([pendingCopy()])).toEqual([
      { kind: 'found', batchID: worker.batchID },
    ]);
    await sweeper.killWorkers([worker]);
  }, 60_000);

  it('a job Slurm does not know: scontrol after sacct said accounting is off (asked once); failed after the grace', async () => {
    const rec = recordingRunner();
    const monitor = await makeMonitor({ commandRunner: rec.runner, unknownGraceSeconds: 0 });
    const ghost = makeWorkSpec({
      workerID: 999_001,
      harvesterID: HID,
      batchID: '99999999',
      submitTime: new Date(),
    });
    const ghost2 = makeWorkSpec({
      workerID: 999_002,
      harvesterID: HID,
      batchID: '99999998',
      submitTime: new Date(),
    });
    const results = await monitor.checkWorkers([ghost, ghost2]);
    expect(results.map(statusOf)).toEqual(['failed', 'failed']);
    expect(results[0]).toMatchObject({ diag: expect.stringContaining('unknown to squeue and scontrol') });
    await monitor.checkWorkers([ghost]);
    expect(rec.count('squeue')).toBe(2);
    expect(rec.count('sacct')).toBe(1);
    expect(rec.count('scontrol')).toBe(3);
    expect((monitor as unknown as SlurmMonitorInstance).accountingState).toBe('unavailable');
  });

  describe.each([['single'], ['array']])('50 workers in one cycle (%s mode)', (mode) => {
    it('one squeue call per monitor cycle, all finished, each worker ran in its own access point', async () => {
      const rec = recordingRunner();
      const submitter = await makeSubmitter({
        executable: EXECUTABLE,
        submitMode: mode,
        commandRunner: rec.runner,
        submitConcurrency: 8,
      });
      const monitor = await makeMonitor({ commandRunner: rec.runner });
      const workers = await Promise.all(
        Array.from({ length: 50 }, () => workerWithPayload(root, 'echo "$HARVESTER_WORKER_ID" > who.txt')),
      );
      const outcomes = await submitter.submitWorkers(workers);
      remember(workers);
      expect(outcomes.filter((o) => o.kind !== 'success')).toEqual([]);
      if (mode === 'array') {
        expect(rec.count('sbatch')).toBe(1);
        const base = parseSlurmJobId(workers[0]!.batchID)!.jobId;
        expect(workers.map((w) => w.batchID)).toEqual(workers.map((_, i) => `${base}_${i}`));
      } else {
        expect(rec.count('sbatch')).toBe(50);
        expect(new Set(workers.map((w) => w.batchID)).size).toBe(50);
      }
      const perCycle: number[] = [];
      let before = rec.calls.length;
      const finals = await pollUntil(monitor, workers, isFinal, 150_000, () => {
        const cycle = rec.calls.slice(before);
        before = rec.calls.length;
        perCycle.push(cycle.filter((c) => c.command === 'squeue').length);
        // Finished jobs are still in squeue's `--states=all`: nothing else is asked.
        expect(cycle.map((c) => c.command)).toEqual(['squeue']);
      });
      expect(perCycle.length).toBeGreaterThan(0);
      expect(perCycle.every((n) => n === 1)).toBe(true);
      expect(finals.map(statusOf)).toEqual(Array(50).fill('finished'));
      for (const w of workers) {
        expect((await readFile(join(w.accessPoint!, 'who.txt'), 'utf8')).trim()).toBe(String(w.workerID));
      }
    }, 200_000);
  });

  it('slurmctld stopped while monitoring: retry for every worker, none finalised; started again: statuses resume', async () => {
    const submitter = await makeSubmitter({ executable: EXECUTABLE });
    const monitor = await makeMonitor({ commandTimeoutSeconds: 30 });
    const sweeper = await makeSweeper({ commandTimeoutSeconds: 30 });
    const workers = await Promise.all([1, 2].map((i) => workerWithPayload(root, `sleep ${8 + i}`)));
    await submitter.submitWorkers(workers);
    remember(workers);
    await pollUntil(monitor, workers, (r) => statusOf(r) === 'running', 60_000);
    stopSlurmctld();
    try {
      const results = await monitor.checkWorkers(workers);
      expect(results.map((r) => r.kind)).toEqual(['retry', 'retry']);
      expect((results[0] as { diag: string }).diag).toMatch(/^squeue /);
      expect(workers.map((w) => w.nativeStatus)).toEqual(['RUNNING', 'RUNNING']);
      // Submitting and cancelling cannot be done either: retry, not fatal.
      const late = await workerWithPayload(root, 'true');
      expect((await submitter.submitWorkers([late]))[0]).toMatchObject({ kind: 'retry' });
      expect(late.batchID).toBeNull();
      expect((await sweeper.killWorkers([late, ...workers])).slice(1).map((o) => o.kind)).toEqual([
        'retry',
        'retry',
      ]);
      await sleep(12_000); // the jobs end while slurmctld is away
    } finally {
      startSlurmctld();
    }
    const finals = await pollUntil(monitor, workers, isFinal, 90_000);
    expect(finals.map(statusOf)).toEqual(['finished', 'finished']);
  }, 240_000);

  it('(slow, about 75 s) a job over its time limit ends TIMEOUT and fails', async () => {
    const submitter = await makeSubmitter({ executable: EXECUTABLE, extraArgs: ['--time=1'] });
    const monitor = await makeMonitor({});
    const worker = await workerWithPayload(root, 'sleep 70');
    await submitter.submitWorkers([worker]);
    remember([worker]);
    const [final] = await pollUntil(monitor, [worker], isFinal, 130_000);
    expect(final).toMatchObject({
      kind: 'status',
      status: 'failed',
      diag: expect.stringContaining('TIMEOUT (TimeLimit)'),
    });
    expect(worker.nativeStatus).toBe('TIMEOUT');
    // Whatever Slurm records (the wrapper traps TERM, so not necessarily 0:15).
    expect(typeof worker.nativeExitCode).toBe('number');
  }, 150_000);
});
