// How the HTCondor tools are run: argv arrays through execFile (never a shell), each with a
// timeout, aborted on shutdown; failures are returned, never thrown, and described in one line
// (how the tool ended and its stderr) for diagnostics.
import {
  type CommandTimeoutConfig,
  type ToolResult as CommandToolResult,
  CommandTools,
  toolProgram,
} from '@harvester-ts/batch-support';
import type { CondorCommand } from './options.js';

export {
  type CommandResult,
  type CommandRunner,
  type CommandRunOptions,
  describeFailure,
  execFileRunner,
} from '@harvester-ts/batch-support';

/** The program to run for a command: `<condorBinDir>/<command>`, or the bare name (PATH). */
export function condorProgram(command: CondorCommand, condorBinDir: string | undefined): string {
  return toolProgram(command, condorBinDir);
}

/** How a plugin instance runs the tools: where they are, their timeouts, the runner. */
export interface CondorToolsConfig extends CommandTimeoutConfig<CondorCommand> {
  condorBinDir?: string | undefined;
  condorEnv?: Record<string, string> | undefined;
}

/** A command's result with the timeout it ran under. */
export type ToolResult = CommandToolResult<CondorCommand>;

/** Runs the HTCondor tools for one plugin instance; aborted with the harvester's shutdown signal. */
export class CondorTools extends CommandTools<CondorCommand> {
  constructor(config: CondorToolsConfig, shutdown?: AbortSignal) {
    super({ ...config, binDir: config.condorBinDir, env: config.condorEnv }, shutdown);
  }
}
