// The emulator itself: what it prints must have the shapes batch-cli-formats.md part A gives
// (so the plugins' parsers are proven against the real formats), exit codes included.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { argumentsValue, parseJobActionOutput, parseJobAdsJson, parseSubmitTerse } from '../src/index.js';
import { createEmulator, type Emulator } from './emulator/index.js';
import { makeRoot, waitFor } from './helpers.js';

let emu: Emulator;
let dir: string;

beforeEach(async () => {
  emu = await createEmulator();
  dir = await makeRoot('htcondor-emulator-test-');
});

afterEach(async () => {
  await emu.dispose();
});

async function sub(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

const SLEEP = 'executable = /bin/sleep\narguments = 30\n';

describe('condor_submit', () => {
  it('normal output: "Submitting job(s)" with a dot per proc, then "N job(s) submitted to cluster C." (A2)', async () => {
    const r = emu.run('condor_submit', [await sub('a.sub', 'executable = /bin/true\nqueue 3\n')], {
      cwd: dir,
    });
    expect(r).toEqual({
      code: 0,
      stdout: 'Submitting job(s)...\n3 job(s) submitted to cluster 1.\n',
      stderr: '',
    });
    // ornithology's regex
    expect(r.stdout).toMatch(/(\d+) job\(s\) submitted to cluster (\d+)\./);
  });

  it('-terse: the id range; several queue statements are one cluster, with the deprecation warning', async () => {
    const file = await sub(
      'b.sub',
      'executable = /bin/true\n+w = 1\nqueue\n+w = 2\nqueue 1\n+w = 3\nqueue 2\n',
    );
    const r = emu.run('condor_submit', ['-terse', '-single-cluster', file], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('1.0 - 1.3\n');
    expect(parseSubmitTerse(r.stdout)).toHaveLength(4);
    expect(r.stderr).toContain(
      '\nWarning: Use of multiple queue statements in a single submit file is deprecated.',
    );
    const ws = [0, 1, 2, 3].map((p) => emu.job(`1.${p}`)?.w);
    expect(ws).toEqual([1, 2, 3, 3]);
  });

  it('macros, +attributes and MY., continuations, comments, arguments in the new syntax', async () => {
    const args = argumentsValue(['-c', 'printf "%s|" "$@" > args.$0', 'x', "it's a b", '$HOME']);
    const file = await sub(
      'c.sub',
      [
        '# a comment',
        'base = /tmp',
        'executable = /bin/sh',
        `arguments = ${args}`,
        `initialdir = ${dir}`,
        'output = out.$(Cluster).$(Process)',
        '+harvesterID = "h \\"1\\""',
        'MY.Num = $(Process) + 100',
        'request_memory = 2 GB',
        'request_disk = \\',
        '  100',
        'batch_name = b-$(ProcId)',
        'queue 2',
      ].join('\n'),
    );
    const r = emu.run('condor_submit', ['-terse', file], { cwd: dir });
    expect(r).toMatchObject({ code: 0, stdout: '1.0 - 1.1\n' });
    const ad = emu.job('1.1')!;
    expect(ad).toMatchObject({
      harvesterID: 'h "1"',
      Num: { expr: '1 + 100' },
      RequestMemory: 2048,
      RequestDisk: 100,
      JobBatchName: 'b-1',
      Out: 'out.1.1',
      Iwd: dir,
      Cmd: '/bin/sh',
    });
    await waitFor(() => emu.job('1.1')?.JobStatus === 4, 10_000, 'the job to complete');
    // The job got exactly its argv: quoting survived the round trip.
    expect(await readFile(join(dir, 'args.x'), 'utf8')).toBe("it's a b|$HOME|");
  });

  it('errors: HTCondor’s text on stderr, exit code 1, nothing queued', async () => {
    const noQueue = await sub('d.sub', 'executable = /bin/true\n');
    expect(emu.run('condor_submit', ['-terse', noQueue], { cwd: dir })).toEqual({
      code: 1,
      stdout: '',
      stderr: `\nERROR: "${noQueue}" doesn't contain any "queue" commands -- no jobs queued\n`,
    });
    const bad = emu.run(
      'condor_submit',
      ['-terse', await sub('e.sub', 'executable = /bin/true\nno equals here\nqueue\n')],
      { cwd: dir },
    );
    expect(bad).toEqual({
      code: 1,
      stdout: '',
      stderr: `\nERROR: on Line 2 of ${join(dir, 'e.sub')}: invalid queue statement.\n\nERROR: Failed to parse command file (line 2).\n`,
    });
    const noExe = emu.run('condor_submit', ['-terse', await sub('f.sub', 'queue\n')], { cwd: dir });
    expect(noExe).toMatchObject({ code: 1, stderr: "\nERROR: No 'executable' parameter was provided\n" });
    expect(emu.run('condor_submit', ['-terse', join(dir, 'missing.sub')]).stderr).toBe(
      `\nERROR: Failed to open command file (${join(dir, 'missing.sub')}) (No such file or directory)\n`,
    );
    // -remote always takes the next argument as the schedd: Harvester's `-remote -spool`.
    expect(emu.run('condor_submit', ['-remote', '-spool', '-terse', noQueue])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'condor_submit: unknown host -spool\n',
    });
    const unused = emu.run(
      'condor_submit',
      ['-terse', await sub('g.sub', 'executable = /bin/true\nfoo = bar\nqueue\n')],
      { cwd: dir },
    );
    expect(unused).toMatchObject({
      code: 0,
      stderr: "WARNING: the line 'foo = bar' was unused by condor_submit. Is it a typo?\n",
    });
    expect(Object.keys(emu.queue())).toEqual(['1.0']);
  });

  it('knobs: a failed commit, then an unreachable schedd', async () => {
    const file = await sub('h.sub', 'executable = /bin/true\nqueue\n');
    await emu.failNextSubmits(1, 'boom');
    expect(emu.run('condor_submit', [file], { cwd: dir })).toEqual({
      code: 1,
      stdout: 'Submitting job(s)\n',
      stderr: '\nERROR: Failed to commit job submission into the queue.\nERROR: boom\n',
    });
    await emu.setUnreachable(true);
    const down = emu.run('condor_submit', ['-terse', file], { cwd: dir });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      /^\nERROR: Failed to connect to local queue manager\nCEDAR:6001:Failed to connect to <127\.0\.0\.1:9618\?/,
    );
    await emu.setUnreachable(false);
    expect(emu.run('condor_submit', ['-terse', file], { cwd: dir }).stdout).toBe('1.0 - 1.0\n');
  });
});

describe('condor_submit: as HTCondor makes the procs of one cluster', () => {
  it('an empty value is not set; a later proc keeps proc 0’s value of what it does not set; an empty +Attr is undefined', async () => {
    const file = await sub(
      'chain.sub',
      [
        'executable = /bin/true',
        'hold = true',
        'request_memory = 2048',
        'batch_name = first',
        '+site = "A"',
        'queue 1',
        'request_memory =',
        'batch_name = $(nothing)',
        '+site =',
        'queue 1',
        'request_memory = 100',
        'batch_name = third',
        'queue 1',
      ].join('\n'),
    );
    expect(emu.run('condor_submit', ['-terse', file], { cwd: dir })).toMatchObject({
      code: 0,
      stdout: '1.0 - 1.2\n',
    });
    expect(emu.job('1.0')).toMatchObject({ RequestMemory: 2048, JobBatchName: 'first', site: 'A' });
    // Unset in proc 1: proc 0's values (the chained cluster ad); +site = (empty) is undefined.
    expect(emu.job('1.1')).toMatchObject({
      RequestMemory: 2048,
      JobBatchName: 'first',
      site: null,
      ProcId: 1,
    });
    expect(emu.job('1.2')).toMatchObject({ RequestMemory: 100, JobBatchName: 'third' });
    const json = emu.run('condor_q', ['-json', '-attributes', 'site', '-constraint', 'ProcId == 1']);
    expect(json.stdout).toContain('"site": null');
  });

  it('a log file in a directory that does not exist: held when the job starts (default), refused at submit with file checks', async () => {
    const missing = join(dir, 'no-such-dir', 'job.log');
    const file = await sub('log.sub', `executable = /bin/true\nlog = ${missing}\nqueue\n`);
    // SUBMIT_SKIP_FILECHECKS is true by default: submitted; the shadow cannot open the log.
    expect(emu.run('condor_submit', ['-terse', file], { cwd: dir })).toMatchObject({
      code: 0,
      stdout: '1.0 - 1.0\n',
    });
    await waitFor(() => emu.job('1.0')?.JobStatus === 5, 10_000, 'the hold');
    expect(emu.job('1.0')).toMatchObject({ HoldReason: 'Failed to initialize user log', HoldReasonCode: 22 });
    await emu.setSubmitFileChecks(true);
    expect(emu.run('condor_submit', ['-terse', file], { cwd: dir })).toEqual({
      code: 1,
      stdout: '',
      stderr: `\nERROR: Invalid log file: "${missing}" (No such file or directory)\n`,
    });
    expect(Object.keys(emu.queue())).toEqual(['1.0']);
    // -disable turns the checks off again.
    expect(emu.run('condor_submit', ['-terse', '-disable', file], { cwd: dir }).code).toBe(0);
    await mkdir(join(dir, 'no-such-dir'));
    const ok = emu.run('condor_submit', ['-terse', file], { cwd: dir });
    expect(ok).toMatchObject({ code: 0, stdout: '3.0 - 3.0\n' });
    await waitFor(() => emu.job('3.0')?.JobStatus === 4, 10_000, 'the job to complete');
    expect(await readFile(missing, 'utf8')).toContain('Job terminated.');
  });

  it('knobs: the cluster is committed, its ids printed, then spooling fails (exit 1); the jobs stay held (SpoolingInput)', async () => {
    const file = await sub('spool.sub', 'executable = /bin/true\nqueue 2\n');
    await emu.failNextSpools(1, 'CEDAR:6004:Failed to read end of message');
    expect(emu.run('condor_submit', ['-terse', '-spool', file], { cwd: dir })).toEqual({
      code: 1,
      stdout: '1.0 - 1.1\n',
      stderr: '\nCEDAR:6004:Failed to read end of message\nERROR: Failed to spool job files.\n',
    });
    expect(emu.job('1.1')).toMatchObject({ JobStatus: 5, HoldReasonCode: 16 });
    // Without -spool/-remote the knob does nothing; it is used up after one spooled submission.
    expect(emu.run('condor_submit', ['-terse', file], { cwd: dir }).code).toBe(0);
    await emu.failNextSpools(1);
    expect(emu.run('condor_submit', ['-terse', '-spool', file], { cwd: dir }).code).toBe(1);
    expect(emu.run('condor_submit', ['-terse', '-spool', file], { cwd: dir }).code).toBe(0);
    expect(emu.run('condor_rm', ['1.0', '1.1']).code).toBe(0);
  });
});

describe('condor_q and condor_history', () => {
  it('-completedsince T ends the scan (newest first) at the first job completed at or before T; -match N after N matches', async () => {
    const scheddDir = join(emu.dir, 'schedds', process.env.HTCONDOR_EMULATOR_SCHEDD ?? hostname());
    await mkdir(scheddDir, { recursive: true });
    const h = (c: number, completed: number | undefined, extra: Record<string, unknown> = {}) => ({
      ClusterId: c,
      ProcId: 0,
      JobStatus: 4,
      ...(completed === undefined ? {} : { CompletionDate: completed }),
      ...extra,
    });
    // Oldest first, as the history file grows.
    await writeFile(
      join(scheddDir, 'history.json'),
      JSON.stringify([h(1, 100), h(2, 200), h(3, 300), h(4, undefined, { JobStatus: 3 }), h(5, 500)]),
    );
    const ids = (args: string[]) => emu.run('condor_history', [...args, '-af', 'ClusterId']);
    expect(ids(['-completedsince', '200']).stdout).toBe('5\n4\n3\n');
    expect(ids(['-completedsince', '50']).stdout).toBe('5\n4\n3\n2\n1\n');
    expect(ids(['-constraint', 'ClusterId == 1', '-completedsince', '250']).stdout).toBe('');
    expect(ids(['-constraint', 'ClusterId <= 3', '-match', '1', '-completedsince', '50']).stdout).toBe('3\n');
    expect(ids(['-completedsince', 'x y'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("'x y' not valid parameter for -completedsince"),
    });
  });

  it('-json: nothing at all without a match (condor_q), [\\n] (condor_history)', async () => {
    expect(emu.run('condor_q', ['-json'])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(emu.run('condor_history', ['-json'])).toEqual({ code: 0, stdout: '[\n]\n', stderr: '' });
    expect(emu.run('condor_q', ['-af', 'ClusterId'])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('-json layout: objects at column 0, sorted attributes indented by 2, "," between, \\/Expr()\\/, ServerTime', async () => {
    emu.run('condor_submit', ['-terse', await sub('a.sub', `${SLEEP}+h = "x"\nqueue 2\n`)], { cwd: dir });
    const r = emu.run('condor_q', [
      '-json',
      '-attributes',
      'JobStatus,h,Requirements,RequestDisk',
      '-constraint',
      'h == "X"',
    ]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('[');
    expect(lines[1]).toBe('{');
    expect(lines[2]).toBe('  "ClusterId": 1,');
    expect(r.stdout).toContain('\n}\n,\n{\n');
    expect(r.stdout).toMatch(/\n\]\n$/);
    expect(r.stdout).toContain('  "Requirements": "\\/Expr((TARGET.Arch == \\"X86_64\\") && ');
    expect(r.stdout).toContain('  "RequestDisk": "\\/Expr(DiskUsage)\\/",');
    expect(r.stdout).toMatch(/ {2}"ServerTime": [0-9]+\n}/);
    const keys = [...r.stdout.matchAll(/^ {2}"([^"]+)":/gm)].slice(0, 7).map((m) => m[1]);
    expect(keys).toEqual([
      'ClusterId',
      'h',
      'JobStatus',
      'ProcId',
      'RequestDisk',
      'Requirements',
      'ServerTime',
    ]);
    const parsed = parseJobAdsJson(r.stdout);
    expect(parsed.ok && parsed.ads.map((a) => `${a.ClusterId}.${a.ProcId}`)).toEqual(['1.0', '1.1']);
  });

  it('-af, -long, -format; condor_history newest first, -match; unreachable schedd', async () => {
    emu.run(
      'condor_submit',
      ['-terse', await sub('a.sub', 'executable = /bin/true\n+s = "a b"\nqueue 3\n')],
      { cwd: dir },
    );
    await waitFor(() => emu.history().length === 3, 10_000, 'the jobs to complete');
    // The three procs run at once, so they complete in any order; history prints the newest first.
    const newestFirst = emu
      .history()
      .map((ad) => ad.ProcId)
      .reverse();
    expect(emu.run('condor_history', ['-af', 'ClusterId', 'ProcId', 's', 'ExitCode', 'Missing']).stdout).toBe(
      newestFirst.map((p) => `1 ${p} a b 0 undefined\n`).join(''),
    );
    expect(emu.run('condor_history', ['-match', '1', '-af:j', 'JobStatus']).stdout).toBe(
      `1.${newestFirst[0]} 4\n`,
    );
    expect(
      emu.run('condor_history', ['1.1', '-format', '%d.', 'ClusterId', '-format', '%d\\n', 'ProcId']).stdout,
    ).toBe('1.1\n');
    expect(emu.run('condor_history', ['-long', '-attributes', 'ExitCode,s', '-match', '1']).stdout).toBe(
      'ExitCode = 0\ns = "a b"\n\n',
    );
    await emu.setUnreachable(true);
    const q = emu.run('condor_q', ['-json']);
    expect(q.code).toBe(1);
    expect(q.stderr).toMatch(/^\n-- Failed to fetch ads from: <127\.0\.0\.1:9618\?[^>]*> : \S+\n/);
    // Without -name condor_history reads the local history file even when the schedd is down.
    expect(emu.run('condor_history', ['-af', 'ProcId', '-match', '1']).stdout).toBe(`${newestFirst[0]}\n`);
    expect(emu.run('condor_q', ['-json', '-constraint', '(ClusterId =='])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('is not a valid constraint'),
    });
  });
});

describe('condor_rm, condor_hold, condor_release', () => {
  it('per-id messages and exit codes (A7 and the corrections)', async () => {
    emu.run('condor_submit', ['-terse', await sub('a.sub', `${SLEEP}queue 2\n`)], { cwd: dir });
    await waitFor(() => emu.job('1.1')?.JobStatus === 2, 10_000, 'the jobs to run');
    // A released job is not started again during the test (it would race the check below).
    await emu.setStartDelay(600_000);
    expect(emu.run('condor_hold', ['1.0'])).toEqual({ code: 0, stdout: 'Job 1.0 held\n', stderr: '' });
    expect(emu.job('1.0')).toMatchObject({
      JobStatus: 5,
      HoldReasonCode: 1,
      HoldReason: expect.stringMatching(/^via condor_hold \(by user .+\)$/),
    });
    expect(emu.run('condor_hold', ['1.0'])).toEqual({
      code: 1,
      stdout: '',
      stderr: '\nJob 1.0 already held\n',
    });
    expect(emu.run('condor_release', ['1.1'])).toEqual({
      code: 1,
      stdout: '',
      stderr: '\nJob 1.1 not held to be released\n',
    });
    expect(emu.run('condor_release', ['1.0'])).toEqual({ code: 0, stdout: 'Job 1.0 released\n', stderr: '' });
    expect(emu.job('1.0')).toMatchObject({
      JobStatus: 1,
      LastHoldReason: expect.stringContaining('via condor_hold'),
    });
    // A mixed list exits 0; the failure goes to stderr after the (empty) error stack line.
    const mixed = emu.run('condor_rm', ['1.0', '9.9']);
    expect(mixed).toEqual({
      code: 0,
      stdout: 'Job 1.0 marked for removal\n',
      stderr: '\nJob 9.9 not found\n',
    });
    const parsed = parseJobActionOutput(mixed.stdout, mixed.stderr);
    expect([...parsed.perJob.values()].map((x) => x.kind)).toEqual(['done', 'notFound']);
    expect(emu.run('condor_rm', ['1'])).toEqual({
      code: 0,
      stdout: 'All jobs in cluster 1 have been marked for removal\n',
      stderr: '',
    });
    await waitFor(() => Object.keys(emu.queue()).length === 0, 10_000, 'the removal');
    expect(emu.history().map((a) => [a.JobStatus, a.RemoveReason])).toEqual([
      [3, expect.stringMatching(/^via condor_rm \(by user .+\)$/)],
      [3, expect.stringMatching(/^via condor_rm \(by user .+\)$/)],
    ]);
    expect(emu.run('condor_rm', ['1'])).toEqual({
      code: 0,
      stdout: '',
      stderr: 'condor_rm:0:There are no jobs in the queue\n',
    });
    expect(emu.run('condor_rm', [])).toMatchObject({ code: 1, stderr: 'You did not specify any jobs\n' });
  });

  it('removing a running job kills its process group and writes the events', async () => {
    const file = await sub(
      'a.sub',
      `executable = /bin/sh\narguments = "-c 'sleep 30 & echo $! > child.pid; wait'"\ninitialdir = ${dir}\nlog = ${dir}/job.log\nqueue\n`,
    );
    emu.run('condor_submit', ['-terse', file], { cwd: dir });
    await waitFor(() => emu.job('1.0')?.JobStatus === 2, 10_000, 'the job to run');
    expect(emu.run('condor_rm', ['-reason', 'enough', '1.0']).stdout).toBe('Job 1.0 marked for removal\n');
    await waitFor(() => emu.queue()['1.0'] === undefined, 10_000, 'the job to leave the queue');
    expect(emu.job('1.0')).toMatchObject({
      JobStatus: 3,
      RemoveReason: expect.stringMatching(/^enough \(by user .+\)$/),
    });
    const log = await readFile(join(dir, 'job.log'), 'utf8');
    expect(log).toMatch(
      /^000 \(001\.000\.000\) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d Job submitted from host: <.*>\n\.\.\.\n/,
    );
    expect(log).toMatch(/^001 \(001\.000\.000\) .* Job executing on host: <.*>\n\tSlotName: slot1@/m);
    expect(log).toMatch(/^009 \(001\.000\.000\) .* Job was aborted\.\n\tenough \(by user .+\)\n\.\.\.$/m);
    // The whole process group is gone: the job's own child (sleep) too.
    const child = Number(await readFile(join(dir, 'child.pid'), 'utf8'));
    expect(child).toBeGreaterThan(0);
    await waitFor(
      () => {
        try {
          process.kill(child, 0);
          return false;
        } catch {
          return true;
        }
      },
      10_000,
      'the child process to end',
    );
  });

  it('an unreachable schedd', async () => {
    await emu.setUnreachable(true);
    const r = emu.run('condor_rm', ['1.0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^condor_rm: CEDAR:6001:Failed to connect to </);
  });
});
