// Helpers the commands share: loading the configuration for the command line, reading numbers
// and ids from arguments.

import type { CommandInput } from '../cli/command.js';
import { UsageError } from '../cli/exit-codes.js';
import { print, printJson } from '../cli/io.js';
import { formatTable } from '../cli/table.js';
import { loadConfig, type ResolvedConfig } from '../config/load-config.js';

export function configFor(input: CommandInput, file?: string): Promise<ResolvedConfig> {
  return loadConfig({ cwd: input.io.cwd, file: file ?? input.configFile, env: input.io.env });
}

export function stringOption(input: CommandInput, name: string): string | undefined {
  const v = input.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A positive integer option (`--limit 20`), or undefined when absent. */
export function intOption(input: CommandInput, name: string, { min = 1 } = {}): number | undefined {
  const v = stringOption(input, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${name} must be an integer of at least ${min}, got '${v}'`);
  }
  return n;
}

/** Positive integer ids (workerIDs, PandaIDs) from positionals. */
export function parseIds(words: string[], what: string): number[] {
  if (words.length === 0) throw new UsageError(`give at least one ${what}`);
  return words.map((w) => {
    const n = Number(w);
    if (!/^\d+$/.test(w) || !Number.isSafeInteger(n) || n <= 0) {
      throw new UsageError(`'${w}' is not a ${what} (a positive integer)`);
    }
    return n;
  });
}

export function noPositionals(input: CommandInput): void {
  if (input.positionals.length > 0) {
    throw new UsageError(`unexpected argument '${input.positionals[0]}'`);
  }
}

/** Prints rows as JSON (--json) or as a table, or `none` when there are none. */
export function printRows<T>(
  input: CommandInput,
  rows: T[],
  none: string,
  headers: string[],
  cells: (row: T) => (string | number | null | undefined)[],
): void {
  if (input.json) printJson(input.io, rows);
  else if (rows.length === 0) print(input.io, none);
  else print(input.io, formatTable(headers, rows.map(cells)));
}

/** The --status, --queue and --limit filters of the listing commands. */
export function listFilter(input: CommandInput): { status?: string; queue?: string; limit?: number } {
  const status = stringOption(input, 'status');
  const queue = stringOption(input, 'queue');
  const limit = intOption(input, 'limit');
  return { ...(status ? { status } : {}), ...(queue ? { queue } : {}), ...(limit ? { limit } : {}) };
}
