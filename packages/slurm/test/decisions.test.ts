// What the plugins decide from what the Slurm tools answer, with scripted answers: the cases a
// one-node cluster without slurmdbd cannot show (sacct with accounting, garbage output, odd
// errors). The same paths run against the real Slurm in slurm.test.ts.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeWorkSpec } from '@harvester-ts/testkit';
import { FIELD_SEPARATOR as S, SLURM_FILE_NAMES } from '../src/index.js';
import {
  bareWorker,
  HID,
  makeMonitor,
  makeRoot,
  makeSubmitter,
  makeSweeper,
  type Script,
  scriptedRunner,
} from './helpers.js';

const sq = (id: string, state: string, exit = '0', reason = 'None', name = 'x') =>
  `${[id, state, exit, 'vm', reason, name].join(S)}${S}`;
const sa = (id: string, state: string, exit = '0:0', reason = 'None', name = 'x') =>
  [id, state, exit, 'node1', reason, name].join(S);
const scontrolLine = (id: string, state: string, exit: string, reason = 'None') =>
  `JobId=${id} JobName=x UserId=root(0) JobState=${state} Reason=${reason} ExitCode=${exit} NodeList=vm \n`;
const DISABLED: Script = () => ({ code: 1, stderr: 'Slurm accounting storage is disabled\n' });
const DOWN = 'slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n';

/** The --jobs= / --name= list of a call. */
const listOf = (args: readonly string[], flag: string) =>
  (args.find((a) => a.startsWith(`--${flag}=`)) ?? '').slice(flag.length + 3).split(',');

let root: string;
beforeAll(async () => {
  root = await makeRoot('slurm-decisions-');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('SlurmMonitor', () => {
  it('asks squeue once for every worker and maps what it says; nothing else runs', async () => {
    const { runner, calls } = scriptedRunner({
      squeue: () => ({
        stdout: [
          sq('10', 'RUNNING'),
          sq('11', 'COMPLETED'),
          sq('12', 'FAILED', '768', 'NonZeroExitCode'),
          sq('13_4', 'PENDING', '0', 'Priority'),
        ].join('\n'),
      }),
    });
    const monitor = await makeMonitor({ commandRunner: runner });
    const workers = await Promise.all(
      ['10', '11', '12', '13_4'].map((batchID) => bareWorker(root, { batchID })),
    );
    const results = await monitor.checkWorkers(workers);
    expect(results).toEqual([
      { kind: 'status', status: 'running' },
      { kind: 'status', status: 'finished' },
      { kind: 'status', status: 'failed', diag: 'Slurm job 12 FAILED (NonZeroExitCode), exit code 3:0' },
      { kind: 'status', status: 'submitted', diag: 'Slurm job 13_4 PENDING (Priority)' },
    ]);
    expect(calls.map((c) => c.command)).toEqual(['squeue']);
    expect(listOf(calls[0]!.args, 'jobs')).toEqual(['10', '11', '12', '13_4']);
    expect(workers[2]).toMatchObject({ nativeStatus: 'FAILED', nativeExitCode: 3, nodeID: 'vm' });
    expect(workers[1]).toMatchObject({ nativeStatus: 'COMPLETED', nativeExitCode: 0 });
  });

  it('a malformed batchID is failed without asking Slurm', async () => {
    const { runner, calls } = scriptedRunner({});
    const monitor = await makeMonitor({ commandRunner: runner });
    const results = await monitor.checkWorkers([await bareWorker(root, { batchID: '12.0' })]);
    expect(results[0]).toMatchObject({
      kind: 'status',
      status: 'failed',
      diag: expect.stringContaining('not a Slurm batchID'),
    });
    expect(calls).toEqual([]);
  });

  it('"Invalid job id" for all ids: sacct (disabled, remembered), then scontrol for the missing job only', async () => {
    const { runner, calls, count } = scriptedRunner({
      squeue: () => ({ code: 1, stderr: 'slurm_load_jobs error: Invalid job id specified\n' }),
      sacct: DISABLED,
      scontrol: (args) => ({ stdout: scontrolLine(args[3]!, 'TIMEOUT', '0:15', 'TimeLimit') }),
    });
    const monitor = await makeMonitor({ commandRunner: runner });
    const w = await bareWorker(root, { batchID: '77' });
    expect(await monitor.checkWorkers([w])).toEqual([
      {
        kind: 'status',
        status: 'failed',
        diag: 'Slurm job 77 TIMEOUT (TimeLimit), exit code 0:15 (signal 15)',
      },
    ]);
    expect(calls.map((c) => c.command)).toEqual(['squeue', 'sacct', 'scontrol']);
    expect(w.nativeExitCode).toBe(143);
    // Accounting is disabled: sacct is not asked again.
    await monitor.checkWorkers([w]);
    expect(count('sacct')).toBe(1);
    expect(count('scontrol')).toBe(2);
  });

  it('partial squeue results: only the missing jobs are looked up, each once', async () => {
    const { runner, calls } = scriptedRunner({
      squeue: () => ({ stdout: `${sq('1', 'RUNNING')}\n${sq('3', 'RUNNING')}\n` }),
      sacct: DISABLED,
      scontrol: (args) =>
        args[3] === '2'
          ? { stdout: scontrolLine('2', 'COMPLETED', '0:0') }
          : { code: 1, stderr: 'slurm_load_jobs error: Invalid job id specified\n' },
    });
    const monitor = await makeMonitor({ commandRunner: runner, unknownGraceSeconds: 3600 });
    const workers = await Promise.all(['1', '2', '3', '4'].map((batchID) => bareWorker(root, { batchID })));
    const results = await monitor.checkWorkers(workers);
    expect(results.map((r) => (r.kind === 'status' ? r.status : r.kind))).toEqual([
      'running',
      'finished',
      'running',
      'retry',
    ]);
    expect(results[3]).toMatchObject({ diag: expect.stringContaining('unknown to squeue and scontrol') });
    expect(
      calls
        .filter((c) => c.command === 'scontrol')
        .map((c) => c.args[3])
        .sort(),
    ).toEqual(['2', '4']);
  });

  it('with accounting: one sacct call for the jobs squeue no longer lists, and scontrol is not used', async () => {
    const { runner, calls } = scriptedRunner({
      squeue: () => ({ stdout: `${sq('5', 'RUNNING')}\n` }),
      sacct: (args) => ({
        stdout: [
          sa('6', 'CANCELLED by 1000', '0:15'),
          sa('7', 'OUT_OF_MEMORY', '0:125', 'OutOfMemory'),
          sa('8_2', 'COMPLETED'),
        ]
          .filter((l) => listOf(args, 'jobs').includes(l.split(S)[0]!))
          .join('\n'),
      }),
    });
    const monitor = await makeMonitor({ commandRunner: runner });
    const workers = await Promise.all(['5', '6', '7', '8_2'].map((batchID) => bareWorker(root, { batchID })));
    const results = await monitor.checkWorkers(workers);
    expect(results.map((r) => (r.kind === 'status' ? r.status : r.kind))).toEqual([
      'running',
      'cancelled',
      'failed',
      'finished',
    ]);
    expect(workers[1]).toMatchObject({ nativeStatus: 'CANCELLED by 1000', nativeExitCode: 143 });
    expect(calls.map((c) => c.command)).toEqual(['squeue', 'sacct']);
    expect(listOf(calls[1]!.args, 'jobs')).toEqual(['6', '7', '8_2']);
    expect((monitor as unknown as { accountingState: string }).accountingState).toBe('available');
  });

  it('sacct that answers nothing for jobs slurmctld knows is given up for scontrol', async () => {
    const { runner, count } = scriptedRunner({
      squeue: () => ({ stdout: '' }),
      sacct: () => ({ stdout: '' }),
      scontrol: (args) => ({ stdout: scontrolLine(args[3]!, 'COMPLETED', '0:0') }),
    });
    const monitor = await makeMonitor({ commandRunner: runner });
    const w = await bareWorker(root, { batchID: '31' });
    expect(await monitor.checkWorkers([w])).toEqual([{ kind: 'status', status: 'finished' }]);
    await monitor.checkWorkers([w]);
    expect(count('sacct')).toBe(1);
    expect(count('scontrol')).toBe(2);
  });

  it('slurmctld down, a timeout, unreadable output: retry, never a final state', async () => {
    const workers = await Promise.all(['41', '42'].map((batchID) => bareWorker(root, { batchID })));
    const down = scriptedRunner({ squeue: () => ({ code: 1, stderr: DOWN }) });
    const results = await (await makeMonitor({ commandRunner: down.runner })).checkWorkers(workers);
    expect(results).toEqual([
      { kind: 'retry', diag: `squeue exited with code 1: ${DOWN.trim()}` },
      { kind: 'retry', diag: `squeue exited with code 1: ${DOWN.trim()}` },
    ]);
    expect(down.calls).toHaveLength(1);

    const slow = scriptedRunner({ squeue: () => ({ code: null, signal: 'SIGKILL', timedOut: true }) });
    const r2 = await (
      await makeMonitor({ commandRunner: slow.runner, commandTimeouts: { squeue: 5 } })
    ).checkWorkers(workers);
    expect(r2.map((r) => r.kind)).toEqual(['retry', 'retry']);
    expect(r2[0]).toMatchObject({ diag: 'squeue timed out after 5 s' });

    const garbled = scriptedRunner({
      squeue: () => ({ stdout: `${sq('41', 'RUNNING')}\nsqueue: bogus line\n` }),
    });
    const r3 = await (await makeMonitor({ commandRunner: garbled.runner })).checkWorkers(workers);
    expect(r3[0]).toEqual({ kind: 'status', status: 'running' });
    expect(r3[1]).toMatchObject({ kind: 'retry', diag: expect.stringContaining('squeue: bogus line') });
    expect(garbled.calls.map((c) => c.command)).toEqual(['squeue']);

    const unknownState = scriptedRunner({
      squeue: () => ({ stdout: `${sq('41', 'WEIRD_STATE')}\n${sq('42', 'RUNNING')}` }),
    });
    const r4 = await (await makeMonitor({ commandRunner: unknownState.runner })).checkWorkers(workers);
    expect(r4[0]).toMatchObject({ kind: 'retry', diag: expect.stringContaining('WEIRD_STATE') });
  });

  it('a job unknown everywhere: the exit file tells if there is one; else retry within the grace, then failed', async () => {
    const { runner } = scriptedRunner({
      squeue: () => ({ stdout: '' }),
      sacct: DISABLED,
      scontrol: () => ({ code: 1, stderr: 'slurm_load_jobs error: Invalid job id specified\n' }),
    });
    const monitor = await makeMonitor({ commandRunner: runner, unknownGraceSeconds: 600 });
    const withExit0 = await bareWorker(root, { batchID: '51' });
    await writeFile(join(withExit0.accessPoint!, SLURM_FILE_NAMES.exitCode), '0\n');
    const withExit5 = await bareWorker(root, { batchID: '52' });
    await writeFile(join(withExit5.accessPoint!, SLURM_FILE_NAMES.exitCode), '5\n');
    const recent = await bareWorker(root, { batchID: '53' });
    const old = await bareWorker(root, { batchID: '54', submitTime: new Date(Date.now() - 3600_000) });
    const results = await monitor.checkWorkers([withExit0, withExit5, recent, old]);
    expect(results[0]).toMatchObject({ kind: 'status', status: 'finished' });
    expect(results[1]).toMatchObject({
      kind: 'status',
      status: 'failed',
      diag: expect.stringContaining('exited with code 5'),
    });
    expect(withExit5.nativeExitCode).toBe(5);
    expect(results[2]).toMatchObject({ kind: 'retry' });
    expect(results[3]).toMatchObject({
      kind: 'status',
      status: 'failed',
      diag: expect.stringContaining('unknown to squeue and scontrol'),
    });

    const patient = await makeMonitor({ commandRunner: runner, unknownJobStatus: 'retry' });
    expect((await patient.checkWorkers([old]))[0]).toMatchObject({ kind: 'retry' });
    const cancelling = await makeMonitor({
      commandRunner: runner,
      unknownJobStatus: 'cancelled',
      unknownGraceSeconds: 0,
    });
    expect((await cancelling.checkWorkers([recent]))[0]).toMatchObject({
      kind: 'status',
      status: 'cancelled',
    });
  });

  it('useSacct "always" retries when sacct fails instead of asking scontrol', async () => {
    const { runner, calls } = scriptedRunner({
      squeue: () => ({ stdout: '' }),
      sacct: () => ({
        code: 1,
        stderr: 'sacct: error: Problem talking to the database: Connection refused\n',
      }),
    });
    const monitor = await makeMonitor({ commandRunner: runner, useSacct: 'always' });
    const results = await monitor.checkWorkers([await bareWorker(root, { batchID: '61' })]);
    expect(results[0]).toMatchObject({
      kind: 'retry',
      diag: expect.stringContaining('Problem talking to the database'),
    });
    expect(calls.map((c) => c.command)).toEqual(['squeue', 'sacct']);
  });
});

describe('SlurmMonitor.findWorkersByBatchName', () => {
  it('recorded batchIDs first, then one squeue --name for the rest (array members by index), then sacct', async () => {
    const { runner, calls } = scriptedRunner({
      squeue: (args) => {
        const names = listOf(args, 'name');
        expect(names).toEqual([`${HID}-arr`, `${HID}-single`, `${HID}-gone`]);
        return {
          stdout: [
            sq('90_0', 'RUNNING', '0', 'None', `${HID}-arr`),
            sq('90_1', 'PENDING', '0', 'None', `${HID}-arr`),
            sq('80', 'COMPLETED', '0', 'None', `${HID}-single`),
            sq('85', 'RUNNING', '0', 'None', `${HID}-single`),
            sq('99', 'RUNNING', '0', 'None', 'someone-else'),
          ].join('\n'),
        };
      },
      sacct: DISABLED,
    });
    const monitor = await makeMonitor({ commandRunner: runner });
    const recorded = await bareWorker(root, { status: 'pending' });
    await writeFile(
      join(recorded.accessPoint!, SLURM_FILE_NAMES.record),
      JSON.stringify({
        batchName: recorded.batchName,
        workerID: recorded.workerID,
        harvesterId: HID,
        mode: 'single',
        batchID: '70',
        script: '/x',
        writtenAt: '',
      }),
    );
    const member = await bareWorker(root, { status: 'pending' });
    await writeFile(
      join(member.accessPoint!, SLURM_FILE_NAMES.record),
      JSON.stringify({
        batchName: member.batchName,
        workerID: member.workerID,
        harvesterId: HID,
        mode: 'array',
        arrayName: `${HID}-arr`,
        arrayIndex: 1,
        script: '/x',
        writtenAt: '',
      }),
    );
    // Workers without a record are looked up by their own batch names.
    const single = makeWorkSpec({ workerID: 0, harvesterID: HID, status: 'pending' });
    Object.defineProperty(single, 'batchName', { value: `${HID}-single` });
    const gone = makeWorkSpec({ workerID: 0, harvesterID: HID, status: 'pending' });
    Object.defineProperty(gone, 'batchName', { value: `${HID}-gone` });
    const results = await monitor.findWorkersByBatchName!([recorded, member, single, gone]);
    expect(results).toEqual([
      { kind: 'found', batchID: '70' },
      { kind: 'found', batchID: '90_1' },
      { kind: 'found', batchID: '85' }, // the latest of two jobs with the name
      { kind: 'notFound' },
    ]);
    expect(calls.map((c) => c.command)).toEqual(['squeue', 'sacct']);
    // The array's first worker, its record lost: task 0 of the array that carries its name.
    const firstOfArray = makeWorkSpec({ workerID: 0, harvesterID: HID, status: 'pending' });
    Object.defineProperty(firstOfArray, 'batchName', { value: `${HID}-arr` });
    const again = scriptedRunner({
      squeue: () => ({ stdout: sq('90_0', 'RUNNING', '0', 'None', `${HID}-arr`) }),
    });
    const monitor2 = await makeMonitor({ commandRunner: again.runner });
    expect(await monitor2.findWorkersByBatchName!([firstOfArray])).toEqual([
      { kind: 'found', batchID: '90_0' },
    ]);
  });

  it('squeue failing means retry, not "not found"', async () => {
    const { runner } = scriptedRunner({ squeue: () => ({ code: 1, stderr: DOWN }) });
    const monitor = await makeMonitor({ commandRunner: runner });
    const results = await monitor.findWorkersByBatchName!([await bareWorker(root, { status: 'pending' })]);
    expect(results[0]).toMatchObject({ kind: 'retry', diag: expect.stringContaining('Unable to contact') });
  });

  it('with accounting, sacct finds jobs slurmctld has forgotten', async () => {
    const w = await bareWorker(root, { status: 'pending' });
    const { runner } = scriptedRunner({
      squeue: () => ({ stdout: '' }),
      sacct: (args) => {
        expect(listOf(args, 'name')).toEqual([w.batchName]);
        expect(args.some((a) => a.startsWith('--starttime='))).toBe(true);
        return { stdout: sa('333', 'COMPLETED', '0:0', 'None', w.batchName) };
      },
    });
    const monitor = await makeMonitor({ commandRunner: runner });
    expect(await monitor.findWorkersByBatchName!([w])).toEqual([{ kind: 'found', batchID: '333' }]);
  });
});

describe('SlurmSweeper', () => {
  it('one scancel for all; gone jobs are a success, other per-id errors a retry', async () => {
    const { runner, calls } = scriptedRunner({
      scancel: () => ({
        code: 1,
        stderr: [
          'scancel: error: Kill job error on job id 12: Invalid job id specified',
          'scancel: error: Kill job error on job id 13: Access/permission denied',
        ].join('\n'),
      }),
    });
    const sweeper = await makeSweeper({ commandRunner: runner });
    const workers = await Promise.all(
      ['11', '12', '13', null].map((batchID) => bareWorker(root, { batchID })),
    );
    const outcomes = await sweeper.killWorkers(workers);
    expect(outcomes.map((o) => o.kind)).toEqual(['success', 'success', 'retry', 'success']);
    expect(outcomes[2]).toMatchObject({ diag: 'scancel 13: Access/permission denied' });
    expect(calls).toEqual([{ command: 'scancel', args: ['11', '12', '13'] }]);
  });

  it('scancel failing as a whole is a retry for all', async () => {
    const { runner } = scriptedRunner({
      scancel: () => ({
        code: 1,
        stderr: 'scancel: error: Unable to contact slurm controller (connect failure)\n',
      }),
    });
    const sweeper = await makeSweeper({ commandRunner: runner });
    const outcomes = await sweeper.killWorkers(
      await Promise.all(['21', '22'].map((batchID) => bareWorker(root, { batchID }))),
    );
    expect(outcomes.map((o) => o.kind)).toEqual(['retry', 'retry']);
  });

  it('removes only a real access point holding this worker’s record, and not while the job is active', async () => {
    let state = 'RUNNING';
    const { runner } = scriptedRunner({
      squeue: (args) =>
        state === 'gone'
          ? { code: 1, stderr: 'slurm_load_jobs error: Invalid job id specified\n' }
          : { stdout: sq(listOf(args, 'jobs')[0]!, state) },
    });
    const sweeper = await makeSweeper({ commandRunner: runner });

    const foreign = join(root, 'foreign');
    await mkdir(foreign);
    await writeFile(join(foreign, 'precious.txt'), 'keep');
    const stranger = await bareWorker(root, { batchID: '5' });
    stranger.accessPoint = foreign;
    expect(await sweeper.sweepWorker(stranger)).toMatchObject({
      kind: 'fatal',
      diag: expect.stringContaining('no Slurm access point'),
    });
    const link = join(root, 'link');
    await symlink(foreign, link);
    stranger.accessPoint = link;
    expect(await sweeper.sweepWorker(stranger)).toMatchObject({
      kind: 'fatal',
      diag: expect.stringContaining('not a directory'),
    });
    expect(existsSync(join(foreign, 'precious.txt'))).toBe(true);

    const w = await bareWorker(root, { batchID: '6' });
    const record = {
      batchName: w.batchName,
      workerID: w.workerID,
      harvesterId: HID,
      mode: 'single',
      script: '/x',
      writtenAt: '',
    };
    await writeFile(join(w.accessPoint!, SLURM_FILE_NAMES.record), JSON.stringify(record));
    const impostor = await bareWorker(root, { batchID: '6' });
    impostor.accessPoint = w.accessPoint;
    expect(await sweeper.sweepWorker(impostor)).toMatchObject({
      kind: 'fatal',
      diag: expect.stringContaining('belongs to'),
    });
    expect(await sweeper.sweepWorker(w)).toMatchObject({
      kind: 'retry',
      diag: 'Slurm job 6 is still active',
    });
    state = 'COMPLETED';
    expect(await sweeper.sweepWorker(w)).toEqual({ kind: 'success', value: undefined });
    expect(existsSync(w.accessPoint!)).toBe(false);
    expect(await sweeper.sweepWorker(w)).toMatchObject({
      kind: 'success',
      diag: 'no access point to remove',
    });
  });
});

describe('SlurmSubmitter', () => {
  const EXE = ['sh', '/opt/harvester-worker.sh'];

  it('single mode: record and script written first, then sbatch with an argv; batchID, logs and record updated', async () => {
    let scriptSeen = '';
    const { runner, calls } = scriptedRunner({
      sbatch: async (args) => {
        scriptSeen = await readFile(args[args.length - 1]!, 'utf8');
        return { stdout: '4242\n' };
      },
    });
    const submitter = await makeSubmitter({
      executable: EXE,
      commandRunner: runner,
      partition: 'debug',
      extraArgs: ['--exclusive'],
    });
    const w = await bareWorker(root, { status: 'pending', nCore: 2, maxWalltime: 600 });
    const ap = w.accessPoint!;
    expect(await submitter.submitWorkers([w])).toEqual([{ kind: 'success', value: undefined }]);
    expect(calls[0]!.args).toEqual([
      '--parsable',
      `--job-name=${w.batchName}`,
      `--output=${ap}/harvester-slurm.out`,
      `--error=${ap}/harvester-slurm.err`,
      `--chdir=${ap}`,
      '--partition=debug',
      '--exclusive',
      `${ap}/harvester-slurm.sh`,
    ]);
    expect(scriptSeen).toContain('#SBATCH --cpus-per-task=2');
    expect(scriptSeen).toContain('#SBATCH --time=10');
    expect(scriptSeen).toContain(`HARVESTER_ACCESS_POINT='${ap}'`);
    expect(scriptSeen).toContain(`exec 'sh' '/opt/harvester-worker.sh' "$HARVESTER_ACCESS_POINT"`);
    expect(w).toMatchObject({ batchID: '4242', queueName: 'debug' });
    expect(w.getLogFile('stdout')).toBe(`${ap}/harvester-slurm.out`);
    expect(w.getLogFile('stderr')).toBe(`${ap}/harvester-slurm.err`);
    expect(w.getLogFile('jdl')).toBe(`${ap}/harvester-slurm.sh`);
    const record = JSON.parse(await readFile(join(ap, SLURM_FILE_NAMES.record), 'utf8'));
    expect(record).toMatchObject({ batchName: w.batchName, mode: 'single', batchID: '4242' });
  });

  it('sbatch refusing the job is fatal; the controller away is a retry; both name the cause', async () => {
    const errors = [
      'sbatch: error: invalid partition specified: nosuch\nsbatch: error: Batch job submission failed: Invalid partition name specified\n',
      'sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)\n',
    ];
    let n = 0;
    const { runner } = scriptedRunner({ sbatch: () => ({ code: 1, stderr: errors[n++] }) });
    const submitter = await makeSubmitter({ executable: EXE, commandRunner: runner });
    const a = await bareWorker(root, { status: 'pending' });
    const b = await bareWorker(root, { status: 'pending' });
    expect(await submitter.submitWorkers([a])).toEqual([
      { kind: 'fatal', diag: expect.stringContaining('Invalid partition name specified') },
    ]);
    expect(await submitter.submitWorkers([b])).toEqual([
      { kind: 'retry', diag: expect.stringContaining('Unable to contact slurm controller') },
    ]);
    expect(a.batchID).toBeNull();
  });

  it('unreadable sbatch output or a timeout: the job is looked up by name before concluding', async () => {
    let lookups = 0;
    const w = await bareWorker(root, { status: 'pending' });
    const v = await bareWorker(root, { status: 'pending' });
    const { runner } = scriptedRunner({
      sbatch: (args) =>
        args.includes(`--job-name=${w.batchName}`)
          ? { stdout: 'Submitted batch job 555\n' }
          : { code: null, signal: 'SIGKILL', timedOut: true },
      squeue: (args) => {
        lookups++;
        const [name] = listOf(args, 'name');
        return { stdout: name === w.batchName ? sq('555', 'PENDING', '0', 'None', name) : '' };
      },
    });
    const submitter = await makeSubmitter({ executable: EXE, commandRunner: runner, submitConcurrency: 1 });
    const [ow, ov] = await submitter.submitWorkers([w, v]);
    expect(ow).toMatchObject({
      kind: 'success',
      diag: expect.stringContaining('found the job by its name: 555'),
    });
    expect(w.batchID).toBe('555');
    expect(ov).toMatchObject({ kind: 'retry', diag: expect.stringMatching(/timed out.*no job named/) });
    expect(v.batchID).toBeNull();
    expect(lookups).toBe(2);
  });

  it('refuses unsafe access points and values before running anything, naming the problem', async () => {
    const { runner, calls } = scriptedRunner({});
    const submitter = await makeSubmitter({ executable: EXE, commandRunner: runner });
    const spaced = await bareWorker(root, { status: 'pending' });
    spaced.accessPoint = '/tmp/with space';
    const site = await bareWorker(root, { status: 'pending', computingSite: 'SITE;rm -rf /' });
    const none = await bareWorker(root, { status: 'pending' });
    none.accessPoint = null;
    const outcomes = await submitter.submitWorkers([spaced, site, none]);
    expect(outcomes[0]).toMatchObject({
      kind: 'fatal',
      diag: expect.stringContaining('cannot be used with Slurm'),
    });
    expect(outcomes[1]).toMatchObject({ kind: 'fatal', diag: expect.stringContaining('{computingSite}') });
    expect(outcomes[2]).toMatchObject({ kind: 'fatal', diag: expect.stringContaining('no access point') });
    expect(calls).toEqual([]);
  });

  it('array mode: identical workers in one sbatch --array, others apart, a lone worker as a plain job', async () => {
    const scripts: string[] = [];
    let next = 700;
    const { runner, calls } = scriptedRunner({
      sbatch: async (args) => {
        scripts.push(await readFile(args[args.length - 1]!, 'utf8'));
        return { stdout: `${next++}\n` };
      },
    });
    const submitter = await makeSubmitter({
      executable: EXE,
      commandRunner: runner,
      submitMode: 'array',
      maxArraySize: 3,
    });
    const ones = await Promise.all([1, 2, 3, 4].map(() => bareWorker(root, { status: 'pending', nCore: 1 })));
    const eights = await Promise.all([1, 2].map(() => bareWorker(root, { status: 'pending', nCore: 8 })));
    const outcomes = await submitter.submitWorkers([...ones, ...eights]);
    expect(outcomes.map((o) => o.kind)).toEqual(Array(6).fill('success'));
    // 4 one-core workers: an array of 3 (maxArraySize) and a lone job; the 8-core pair: an array of 2.
    expect(calls.map((c) => c.args.find((a) => a.startsWith('--array=')) ?? 'plain')).toEqual([
      '--array=0-2',
      'plain',
      '--array=0-1',
    ]);
    expect(ones.map((w) => w.batchID)).toEqual(['700_0', '700_1', '700_2', '701']);
    expect(eights.map((w) => w.batchID)).toEqual(['702_0', '702_1']);
    const first = calls[0]!.args;
    expect(first).toContain(`--job-name=${ones[0]!.batchName}`);
    expect(first).toContain('--output=/dev/null');
    expect(scripts[0]).toContain(
      `  1) HARVESTER_WORKER_ID=${ones[1]!.workerID}; HARVESTER_ACCESS_POINT='${ones[1]!.accessPoint}'`,
    );
    expect(scripts[0]).toContain('exec >>"$HARVESTER_ACCESS_POINT/harvester-slurm.out"');
    const member = JSON.parse(await readFile(join(ones[2]!.accessPoint!, SLURM_FILE_NAMES.record), 'utf8'));
    expect(member).toMatchObject({
      mode: 'array',
      arrayName: ones[0]!.batchName,
      arrayIndex: 2,
      batchID: '700_2',
    });
    expect(ones[2]!.getLogFile('stdout')).toBe(`${ones[2]!.accessPoint}/harvester-slurm.out`);
  });
});
