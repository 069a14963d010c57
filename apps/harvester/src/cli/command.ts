// The shape of one CLI command.
import type { ParseArgsConfig } from 'node:util';
import type { CliIO } from './io.js';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

export interface CommandInput {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  io: CliIO;
  /** --config */
  configFile: string | undefined;
  json: boolean;
}

export interface Command {
  /** The words that select it: `run`, `jobs add`, `config validate`. */
  name: string;
  summary: string;
  usage: string;
  description?: string;
  options: OptionSpecs;
  /** Option help lines, e.g. ['--status S   only jobs in status or subStatus S']. */
  optionHelp?: string[];
  examples: string[];
  /** Whether `--json` applies. */
  json?: boolean;
  run(input: CommandInput): Promise<number>;
}
