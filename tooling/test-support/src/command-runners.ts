// Command runners for the tests of batch plugins that run command-line tools: one that records each
// call and delegates, one that answers from scripts per command. Generic over the plugin's runner
// and result types so that this package does not depend on the plugin packages.
import { basename } from 'node:path';

export interface RecordedCall {
  command: string;
  args: readonly string[];
}

/** A runner with the calls made through it. */
export interface RecordingRunner<F> {
  calls: RecordedCall[];
  runner: F;
  count(command: string): number;
}

function recorded<F>(calls: RecordedCall[], runner: F): RecordingRunner<F> {
  return { calls, runner, count: (command) => calls.filter((c) => c.command === command).length };
}

/** A runner that records every call (the file's basename and the args) and then runs `inner`. */
export function recordingRunner<O, R>(
  inner: (file: string, args: readonly string[], options: O) => Promise<R>,
): RecordingRunner<(file: string, args: readonly string[], options: O) => Promise<R>> {
  const calls: RecordedCall[] = [];
  return recorded(calls, (file, args, options) => {
    calls.push({ command: basename(file), args });
    return inner(file, args, options);
  });
}

/** A command that exited with status 0 and printed nothing (what a script's answer is merged into). */
export const SUCCESSFUL_COMMAND = { code: 0, signal: null, stdout: '', stderr: '', timedOut: false };

export type CommandScript<R> = (args: readonly string[]) => Partial<R> | Promise<Partial<R>>;

/**
 * A runner answering from scripts per command (the file's basename): a script's answer over
 * `SUCCESSFUL_COMMAND`; a command without a script throws `unexpected <command> <args>`.
 */
export function scriptedRunner<C extends string, R>(
  scripts: Partial<Record<C, CommandScript<R>>>,
): RecordingRunner<
  (file: string, args: readonly string[]) => Promise<typeof SUCCESSFUL_COMMAND & Partial<R>>
> {
  const calls: RecordedCall[] = [];
  return recorded(calls, async (file: string, args: readonly string[]) => {
    const command = basename(file) as C;
    calls.push({ command, args });
    const script = scripts[command] as CommandScript<R> | undefined;
    if (!script) throw new Error(`unexpected ${command} ${args.join(' ')}`);
    const r = await script(args);
    return { ...SUCCESSFUL_COMMAND, ...r };
  });
}
