// The runner and the tools on real processes: exit codes, output, timeouts, aborts, programs
// that do not exist, output larger than the buffer.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CommandRunner,
  CommandTools,
  describeFailure,
  execFileRunner,
  MAX_COMMAND_OUTPUT_BYTES,
  toolProgram,
} from '../src/index.js';

const T = { timeoutMs: 10_000 };

describe('execFileRunner', () => {
  it('returns the exit code, stdout and stderr of a program', async () => {
    const r = await execFileRunner('sh', ['-c', 'echo out; echo err >&2; exit 3'], T);
    expect(r).toEqual({ code: 3, signal: null, stdout: 'out\n', stderr: 'err\n', timedOut: false });
  });

  it('gives code 0 and no error for a program that succeeds', async () => {
    const r = await execFileRunner('true', [], T);
    expect(r.code).toBe(0);
    expect(r.error).toBeUndefined();
  });

  it('passes arguments as argv, never through a shell', async () => {
    const r = await execFileRunner('printf', ['%s|', '$(id)', 'a b', ';', '*'], T);
    expect(r.stdout).toBe('$(id)|a b|;|*|');
  });

  it('closes stdin', async () => {
    const r = await execFileRunner('cat', [], T);
    expect(r).toMatchObject({ code: 0, stdout: '' });
  });

  it('kills a program that outlives its timeout with SIGKILL and says it timed out', async () => {
    const started = Date.now();
    // A trap on TERM shows the kill is SIGKILL (it cannot be trapped).
    const r = await execFileRunner('sh', ['-c', "trap '' TERM; echo started; sleep 30"], { timeoutMs: 300 });
    expect(r).toMatchObject({ code: null, signal: 'SIGKILL', timedOut: true, stdout: 'started\n' });
    expect(r.error).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('stops a program when the signal aborts, and does not call that a timeout', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const r = await execFileRunner('sleep', ['30'], { timeoutMs: 60_000, signal: ac.signal });
    expect(r.code).toBeNull();
    expect(r.timedOut).toBe(false);
    expect(r.error).toMatch(/abort/i);
  });

  it('does not start a program for an already aborted signal', async () => {
    const r = await execFileRunner('sh', ['-c', 'echo ran'], {
      timeoutMs: 10_000,
      signal: AbortSignal.abort(),
    });
    expect(r).toMatchObject({ code: null, stdout: '', timedOut: false });
    expect(r.error).toMatch(/abort/i);
  });

  it('reports a program that does not exist in error, without throwing', async () => {
    const r = await execFileRunner('/nonexistent/harvester-no-such-tool', ['x'], T);
    expect(r).toMatchObject({ code: null, signal: null, stdout: '', stderr: '', timedOut: false });
    expect(r.error).toMatch(/ENOENT/);
  });

  it('reports a file that is not executable in error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bs-runner-'));
    try {
      const file = join(dir, 'tool');
      await writeFile(file, '#!/bin/sh\necho hi\n');
      await chmod(file, 0o644);
      const r = await execFileRunner(file, [], T);
      // root may execute any file with an x bit; without one even root gets EACCES.
      expect(r.code).toBeNull();
      expect(r.error).toMatch(/EACCES/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('captures several MiB of output whole', async () => {
    const bytes = 5 * 1024 * 1024;
    const r = await execFileRunner('head', ['-c', String(bytes), '/dev/zero'], T);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(bytes);
  });

  it('stops a program whose output exceeds the buffer, without calling it a success or a timeout', async () => {
    const r = await execFileRunner('head', ['-c', String(MAX_COMMAND_OUTPUT_BYTES + 1024), '/dev/zero'], {
      timeoutMs: 60_000,
    });
    expect(r.code).not.toBe(0);
    expect(r.timedOut).toBe(false);
  });

  it('runs in the given working directory with the given environment', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bs-runner-'));
    try {
      const r = await execFileRunner('sh', ['-c', 'pwd; echo "$BS_VALUE"'], {
        timeoutMs: 10_000,
        cwd: dir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', BS_VALUE: 'v1' },
      });
      expect(r.stdout).toBe(`${dir}\nv1\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('describeFailure and toolProgram', () => {
  const base = { code: 1, signal: null, stdout: '', stderr: '', timedOut: false };

  it('says how the command ended, with its stderr (else stdout) on one line', () => {
    expect(describeFailure('squeue', { ...base, stderr: 'squeue: error:\n  down\n' })).toBe(
      'squeue exited with code 1: squeue: error: down',
    );
    expect(describeFailure('condor_q', { ...base, stdout: 'only stdout' })).toBe(
      'condor_q exited with code 1: only stdout',
    );
    expect(describeFailure('sbatch', { ...base, code: null, timedOut: true }, 60_000)).toBe(
      'sbatch timed out after 60 s',
    );
    expect(describeFailure('x', { ...base, code: null, signal: 'SIGSEGV' })).toBe('x was killed by SIGSEGV');
    expect(describeFailure('x', { ...base, code: null, error: 'spawn x ENOENT' })).toBe(
      'x could not be run: spawn x ENOENT',
    );
    expect(describeFailure('x', { ...base, stderr: 'e'.repeat(2000) }).length).toBeLessThanOrEqual(480);
  });

  it('puts a tool in its bin directory, or leaves it to PATH', () => {
    expect(toolProgram('squeue', undefined)).toBe('squeue');
    expect(toolProgram('squeue', '/opt/slurm/bin')).toBe('/opt/slurm/bin/squeue');
  });
});

describe('CommandTools', () => {
  type Cmd = 'alpha' | 'beta';

  it('runs <binDir>/<command> with its own timeout, the environment added, the working directory', async () => {
    const calls: Array<{ file: string; args: readonly string[]; options: Parameters<CommandRunner>[2] }> = [];
    const runner: CommandRunner = async (file, args, options) => {
      calls.push({ file, args, options });
      return { code: 0, signal: null, stdout: 'ok', stderr: '', timedOut: false };
    };
    const tools = new CommandTools<Cmd>({
      binDir: '/opt/bin',
      env: { EXTRA: '1' },
      commandTimeoutSeconds: 60,
      commandTimeouts: { beta: 5 },
      commandRunner: runner,
    });
    const a = await tools.run('alpha', ['-x']);
    const b = await tools.run('beta', [], undefined, '/tmp');
    expect(a).toMatchObject({ command: 'alpha', timeoutMs: 60_000, code: 0, stdout: 'ok' });
    expect(b).toMatchObject({ command: 'beta', timeoutMs: 5_000 });
    expect(calls[0]?.file).toBe('/opt/bin/alpha');
    expect(calls[0]?.args).toEqual(['-x']);
    expect(calls[0]?.options.env).toMatchObject({ EXTRA: '1', PATH: process.env.PATH });
    expect(calls[0]?.options.cwd).toBeUndefined();
    expect(calls[1]?.options.cwd).toBe('/tmp');
  });

  it('passes no environment when none is added, and no signal when there is none', async () => {
    let seen: Parameters<CommandRunner>[2] | undefined;
    const tools = new CommandTools<Cmd>({
      commandTimeoutSeconds: 1,
      commandTimeouts: {},
      commandRunner: async (_f, _a, o) => {
        seen = o;
        return { code: 0, signal: null, stdout: '', stderr: '', timedOut: false };
      },
    });
    await tools.run('alpha', []);
    expect(seen).toEqual({ timeoutMs: 1000 });
  });

  it('aborts with the shutdown signal and with the call signal', async () => {
    const shutdown = new AbortController();
    const tools = new CommandTools<Cmd>(
      { binDir: '/bin', commandTimeoutSeconds: 60, commandTimeouts: {} },
      shutdown.signal,
    );
    // `sleep` through a bin directory: /bin/sleep.
    const call = new AbortController();
    setTimeout(() => call.abort(), 100);
    const byCall = await tools.run('sleep' as Cmd, ['30'], call.signal);
    expect(byCall.error).toMatch(/abort/i);
    setTimeout(() => shutdown.abort(), 100);
    const byShutdown = await tools.run('sleep' as Cmd, ['30']);
    expect(byShutdown.error).toMatch(/abort/i);
    expect(byShutdown.timedOut).toBe(false);
  });

  it('turns a runner that throws into a result with error, and describes a failure', async () => {
    const tools = new CommandTools<Cmd>({
      commandTimeoutSeconds: 2,
      commandTimeouts: {},
      commandRunner: async () => {
        throw new Error('runner broke');
      },
    });
    const r = await tools.run('alpha', []);
    expect(r).toMatchObject({ code: null, error: 'runner broke', command: 'alpha', timeoutMs: 2000 });
    expect(tools.describe(r)).toBe('alpha could not be run: runner broke');
  });

  it('runs real programs with the default runner', async () => {
    const tools = new CommandTools<'sh'>({ commandTimeoutSeconds: 10, commandTimeouts: {} });
    const r = await tools.run('sh', ['-c', 'echo hi >&2; exit 4']);
    expect(r).toMatchObject({ code: 4, stderr: 'hi\n', command: 'sh' });
    expect(tools.describe(r)).toBe('sh exited with code 4: hi');
  });
});
