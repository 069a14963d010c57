// The tests' handle on the HTCondor CLI emulator (this directory): a state directory per test,
// the environment that puts the emulated tools first on PATH, knob setters, the state and the
// calls log, and cleanup of every process the emulator started.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The directory holding condor_submit, condor_q, condor_history, condor_rm, condor_hold, condor_release. */
export const EMULATOR_BIN_DIR = join(HERE, 'bin');

/** A job ad as the emulator stores it (expressions as { expr }, reals as { real }). */
export type StoredAd = Record<string, unknown> & { ClusterId: number; ProcId: number; JobStatus: number };

export interface ToolCall {
  tool: string;
  args: string[];
}

export interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

export class Emulator {
  constructor(readonly dir: string) {}

  /** The environment for a process that should use this emulator (PATH first, state dir). */
  env(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    return {
      ...base,
      PATH: `${EMULATOR_BIN_DIR}:${base.PATH ?? ''}`,
      HTCONDOR_EMULATOR_DIR: this.dir,
    };
  }

  /**
   * The plugin options that use this emulator: its tools first on PATH and its state directory,
   * through condorEnv (jest gives tests a copy of process.env that child processes do not see).
   */
  get options(): { condorEnv: Record<string, string> } {
    return {
      condorEnv: {
        PATH: `${EMULATOR_BIN_DIR}:${process.env.PATH ?? ''}`,
        HTCONDOR_EMULATOR_DIR: this.dir,
      },
    };
  }

  /** Runs an emulated tool (stdout, stderr and exit code; never throws). */
  run(tool: string, args: readonly string[], options: { cwd?: string; input?: string } = {}): ToolRun {
    const r = spawnSync(join(EMULATOR_BIN_DIR, tool), [...args], {
      env: this.env(),
      cwd: options.cwd ?? this.dir,
      encoding: 'utf8',
      input: options.input ?? '',
    });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  private knob(name: string): string {
    return join(this.dir, 'knobs', name);
  }

  /** The schedd (or, without a name, every schedd) stops answering, or answers again. */
  async setUnreachable(on: boolean, schedd?: string): Promise<void> {
    const file = this.knob(schedd ? `unreachable@${schedd}` : 'unreachable');
    if (on) await writeFile(file, '1');
    else await rm(file, { force: true });
  }

  /** The next `count` condor_submit calls fail to commit, with `message`. */
  async failNextSubmits(
    count: number,
    message = 'the emulator was told to fail this submission',
  ): Promise<void> {
    await writeFile(this.knob('fail-submits'), JSON.stringify({ count, message }));
  }

  /**
   * The next `count` condor_submit calls with -spool/-remote commit their cluster (jobs held,
   * SpoolingInput), print its ids, then fail: `ERROR: Failed to spool job files.` (exit 1).
   */
  async failNextSpools(count: number, message = 'the emulator was told to fail spooling'): Promise<void> {
    await writeFile(this.knob('fail-spool'), JSON.stringify({ count, message }));
  }

  /**
   * condor_submit checks files at submit time (SUBMIT_SKIP_FILECHECKS = false; HTCondor's default
   * is true): a log file that cannot be opened is `ERROR: Invalid log file`.
   */
  async setSubmitFileChecks(on: boolean): Promise<void> {
    if (on) await writeFile(this.knob('submit-filechecks'), '1');
    else await rm(this.knob('submit-filechecks'), { force: true });
  }

  /** Jobs are held instead of started (undefined: started again). */
  async holdOnStart(hold: { reason: string; code?: number; subCode?: number } | undefined): Promise<void> {
    if (hold) await writeFile(this.knob('hold-on-start'), JSON.stringify(hold));
    else await rm(this.knob('hold-on-start'), { force: true });
  }

  /** Jobs start this many milliseconds after they were queued (or released). */
  async setStartDelay(ms: number): Promise<void> {
    await writeFile(this.knob('start-delay-ms'), String(ms));
  }

  /** Schedds besides the local one that `-name` may name. */
  async setSchedds(names: readonly string[]): Promise<void> {
    await writeFile(this.knob('schedds'), `${names.join('\n')}\n`);
  }

  /** A hold by the schedd (a policy or failure) with any reason and code. */
  hold(id: string, reason: string, code = 0, schedd?: string): void {
    const r = this.run('condor_emulator', [
      'hold',
      id,
      '--reason',
      reason,
      '--code',
      String(code),
      ...(schedd ? ['--name', schedd] : []),
    ]);
    if (r.code !== 0) throw new Error(`condor_emulator hold ${id}: ${r.stderr}`);
  }

  /** Sets an attribute of a queued job (e.g. backdates EnteredCurrentStatus). */
  setAttr(id: string, attr: string, value: unknown, schedd?: string): void {
    const r = this.run('condor_emulator', [
      'set',
      id,
      attr,
      JSON.stringify(value),
      ...(schedd ? ['--name', schedd] : []),
    ]);
    if (r.code !== 0) throw new Error(`condor_emulator set ${id}: ${r.stderr}`);
  }

  private scheddName(schedd?: string): string {
    if (schedd) return schedd;
    return process.env.HTCONDOR_EMULATOR_SCHEDD ?? hostname();
  }

  /** The queue of a schedd: id → ad. */
  queue(schedd?: string): Record<string, StoredAd> {
    const file = join(this.dir, 'schedds', this.scheddName(schedd), 'queue.json');
    if (!existsSync(file)) return {};
    return (JSON.parse(readFileSync(file, 'utf8')) as { jobs: Record<string, StoredAd> }).jobs;
  }

  /** The history of a schedd, oldest first. */
  history(schedd?: string): StoredAd[] {
    const file = join(this.dir, 'schedds', this.scheddName(schedd), 'history.json');
    if (!existsSync(file)) return [];
    return JSON.parse(readFileSync(file, 'utf8')) as StoredAd[];
  }

  /** The ad of a job, in the queue or the history. */
  job(id: string, schedd?: string): StoredAd | undefined {
    return this.queue(schedd)[id] ?? this.history(schedd).find((a) => `${a.ClusterId}.${a.ProcId}` === id);
  }

  /** Every emulated tool call so far (the admin tool excluded). */
  calls(): ToolCall[] {
    const file = join(this.dir, 'calls.log');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as ToolCall)
      .filter((c) => c.tool !== 'condor_emulator')
      .map(({ tool, args }) => ({ tool, args }));
  }

  count(tool: string): number {
    return this.calls().filter((c) => c.tool === tool).length;
  }

  /** Kills every daemon and job process of this emulator. */
  stop(): void {
    this.run('condor_emulator', ['stop']);
  }

  /** stop(), then removes the state directory. */
  async dispose(): Promise<void> {
    this.stop();
    await rm(this.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  }
}

/** A fresh emulator with its own state directory. */
export async function createEmulator(): Promise<Emulator> {
  const dir = await mkdtemp(join(tmpdir(), 'htcondor-emulator-'));
  await mkdir(join(dir, 'knobs'), { recursive: true });
  return new Emulator(dir);
}
