// How a batch-system plugin runs the system's command-line tools: argv arrays through execFile
// (never a shell, DESIGN §7), each with a timeout after which the process is killed with SIGKILL,
// aborted with an AbortSignal; failures are returned, never thrown, and described in one line
// (how the tool ended and its stderr) for diagnostics.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { errorText, oneLine } from '@harvester-ts/core';

/** What running a command gave. */
export interface CommandResult {
  /** The exit status; null when the process was killed by a signal or could not start. */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Killed because it ran longer than its timeout. */
  timedOut: boolean;
  /** Why it could not be run at all (e.g. `spawn sbatch ENOENT`). */
  error?: string;
}

export interface CommandRunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Working directory (default: the harvester's own). */
  cwd?: string;
  /** The environment (default: the harvester's own). */
  env?: NodeJS.ProcessEnv;
}

/** Runs a program with an argv array (no shell). Must not throw: failures are in the result. */
export type CommandRunner = (
  file: string,
  args: readonly string[],
  options: CommandRunOptions,
) => Promise<CommandResult>;

/** The most output a command may print on stdout (and on stderr) before it is killed. */
export const MAX_COMMAND_OUTPUT_BYTES = 64 * 1024 * 1024;

/** The result of a command that could not be run at all. */
export function notRunResult(err: unknown): CommandResult {
  return { code: null, signal: null, stdout: '', stderr: '', timedOut: false, error: errorText(err) };
}

/** The default runner: execFile, `shell: false`, stdin closed, output up to 64 MiB. */
export const execFileRunner: CommandRunner = (file, args, options) =>
  new Promise((resolve) => {
    let child: ReturnType<typeof execFile>;
    try {
      child = execFile(
        file,
        [...args],
        {
          shell: false,
          timeout: options.timeoutMs,
          killSignal: 'SIGKILL',
          maxBuffer: MAX_COMMAND_OUTPUT_BYTES,
          encoding: 'utf8',
          windowsHide: true,
          ...(options.cwd ? { cwd: options.cwd } : {}),
          ...(options.env ? { env: options.env } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        },
        (err, stdout, stderr) => {
          const e = err as (NodeJS.ErrnoException & { killed?: boolean; signal?: string | null }) | null;
          if (e && typeof e.code !== 'number' && e.code !== undefined && !e.killed) {
            // Could not start (ENOENT, EACCES) or aborted.
            resolve({
              code: null,
              signal: null,
              stdout: String(stdout ?? ''),
              stderr: String(stderr ?? ''),
              timedOut: false,
              error: e.message,
            });
            return;
          }
          resolve({
            code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
            signal: e?.signal ?? null,
            stdout: String(stdout ?? ''),
            stderr: String(stderr ?? ''),
            timedOut:
              Boolean(e?.killed) && (e?.code === null || e?.code === undefined) && !options.signal?.aborted,
          });
        },
      );
    } catch (err) {
      resolve(notRunResult(err));
      return;
    }
    child.stdin?.end();
  });

/** The program to run for a command: `<binDir>/<command>`, or the bare name (looked up in PATH). */
export function toolProgram(command: string, binDir: string | undefined): string {
  return binDir ? join(binDir, command) : command;
}

/** One line describing a failed command for a diagnostic: how it ended and its stderr (else stdout). */
export function describeFailure(command: string, result: CommandResult, timeoutMs?: number): string {
  const stderr = oneLine(result.stderr);
  const stdout = oneLine(result.stdout);
  let how: string;
  if (result.error !== undefined) how = `could not be run: ${result.error}`;
  else if (result.timedOut)
    how = `timed out${timeoutMs === undefined ? '' : ` after ${Math.round(timeoutMs / 1000)} s`}`;
  else if (result.signal) how = `was killed by ${result.signal}`;
  else how = `exited with code ${result.code}`;
  const text = stderr || stdout;
  return `${command} ${how}${text ? `: ${text}` : ''}`.slice(0, 480);
}

/** How long a plugin's commands may take and what runs them (its options of these names). */
export interface CommandTimeoutConfig<C extends string> {
  /** Seconds each command may take before it is killed. */
  commandTimeoutSeconds: number;
  /** Per-command timeouts (seconds) overriding commandTimeoutSeconds. */
  commandTimeouts: Partial<Record<C, number | undefined>>;
  /** Runs the commands (default: execFileRunner). */
  commandRunner?: CommandRunner | undefined;
}

/** How a plugin instance runs its batch system's tools: where they are, their timeouts, the runner. */
export interface CommandToolsConfig<C extends string> extends CommandTimeoutConfig<C> {
  /** Directory of the tools; default: found through PATH. */
  binDir?: string | undefined;
  /** Environment variables set for the tools on top of the harvester's own. */
  env?: Record<string, string> | undefined;
}

/** A command's result with the command and the timeout it ran under. */
export interface ToolResult<C extends string = string> extends CommandResult {
  command: C;
  timeoutMs: number;
}

/**
 * Runs one batch system's tools for one plugin instance: each command with its timeout, aborted
 * with the harvester's shutdown signal and the call's own; a runner that throws gives a result
 * with `error`, never an exception.
 */
export class CommandTools<C extends string> {
  private readonly runner: CommandRunner;
  private readonly env: NodeJS.ProcessEnv | undefined;

  constructor(
    private readonly config: CommandToolsConfig<C>,
    private readonly shutdown?: AbortSignal,
  ) {
    this.runner = config.commandRunner ?? execFileRunner;
    const extra = config.env ?? {};
    this.env = Object.keys(extra).length > 0 ? { ...process.env, ...extra } : undefined;
  }

  timeoutMs(command: C): number {
    return (this.config.commandTimeouts[command] ?? this.config.commandTimeoutSeconds) * 1000;
  }

  async run(command: C, args: readonly string[], signal?: AbortSignal, cwd?: string): Promise<ToolResult<C>> {
    const timeoutMs = this.timeoutMs(command);
    const signals = [this.shutdown, signal].filter((s): s is AbortSignal => s !== undefined);
    const combined =
      signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
    let result: CommandResult;
    try {
      result = await this.runner(toolProgram(command, this.config.binDir), args, {
        timeoutMs,
        ...(combined ? { signal: combined } : {}),
        ...(cwd ? { cwd } : {}),
        ...(this.env ? { env: this.env } : {}),
      });
    } catch (err) {
      result = notRunResult(err);
    }
    return { ...result, command, timeoutMs };
  }

  /** The diagnostic of a failed run. */
  describe(result: ToolResult<C>): string {
    return describeFailure(result.command, result, result.timeoutMs);
  }
}
