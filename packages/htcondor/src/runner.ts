// How the HTCondor tools are run: argv arrays through execFile (never a shell), each with a
// timeout, aborted on shutdown; failures are returned, never thrown, and described in one line
// (how the tool ended and its stderr) for diagnostics.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { errorText, oneLine } from '@harvester-ts/core';
import type { CondorCommand } from './options.js';

/** What running a command gave. */
export interface CommandResult {
  /** The exit status; null when the process was killed by a signal or could not start. */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Killed because it ran longer than its timeout. */
  timedOut: boolean;
  /** Why it could not be run at all (e.g. `spawn condor_q ENOENT`). */
  error?: string;
}

export interface CommandRunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Working directory (condor_submit resolves relative paths of the description against it). */
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
          maxBuffer: 64 * 1024 * 1024,
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
      resolve({ code: null, signal: null, stdout: '', stderr: '', timedOut: false, error: errorText(err) });
      return;
    }
    child.stdin?.end();
  });

/** The program to run for a command: `<condorBinDir>/<command>`, or the bare name (PATH). */
export function condorProgram(command: CondorCommand, condorBinDir: string | undefined): string {
  return condorBinDir ? join(condorBinDir, command) : command;
}

/** One line describing a failed command for a diagnostic: how it ended and its stderr (else stdout). */
export function describeFailure(command: CondorCommand, result: CommandResult, timeoutMs?: number): string {
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

/** How a plugin instance runs the tools: where they are, their timeouts, the runner. */
export interface CondorToolsConfig {
  condorBinDir?: string | undefined;
  condorEnv?: Record<string, string> | undefined;
  commandTimeoutSeconds: number;
  commandTimeouts: Partial<Record<CondorCommand, number | undefined>>;
  commandRunner?: CommandRunner | undefined;
}

/** A command's result with the timeout it ran under. */
export interface ToolResult extends CommandResult {
  command: CondorCommand;
  timeoutMs: number;
}

/** Runs the HTCondor tools for one plugin instance; aborted with the harvester's shutdown signal. */
export class CondorTools {
  private readonly runner: CommandRunner;
  private readonly env: NodeJS.ProcessEnv | undefined;

  constructor(
    private readonly config: CondorToolsConfig,
    private readonly shutdown?: AbortSignal,
  ) {
    this.runner = config.commandRunner ?? execFileRunner;
    const extra = config.condorEnv ?? {};
    this.env = Object.keys(extra).length > 0 ? { ...process.env, ...extra } : undefined;
  }

  timeoutMs(command: CondorCommand): number {
    return (this.config.commandTimeouts[command] ?? this.config.commandTimeoutSeconds) * 1000;
  }

  async run(
    command: CondorCommand,
    args: readonly string[],
    signal?: AbortSignal,
    cwd?: string,
  ): Promise<ToolResult> {
    const timeoutMs = this.timeoutMs(command);
    const signals = [this.shutdown, signal].filter((s): s is AbortSignal => s !== undefined);
    const combined =
      signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
    let result: CommandResult;
    try {
      result = await this.runner(condorProgram(command, this.config.condorBinDir), args, {
        timeoutMs,
        ...(combined ? { signal: combined } : {}),
        ...(cwd ? { cwd } : {}),
        ...(this.env ? { env: this.env } : {}),
      });
    } catch (err) {
      result = { code: null, signal: null, stdout: '', stderr: '', timedOut: false, error: errorText(err) };
    }
    return { ...result, command, timeoutMs };
  }

  /** The diagnostic of a failed run. */
  describe(result: ToolResult): string {
    return describeFailure(result.command, result, result.timeoutMs);
  }
}
