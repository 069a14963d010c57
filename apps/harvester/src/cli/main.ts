// The `harvester` command line: finds the command, parses its options, runs it and maps errors to
// exit codes. Commands live in ../commands, one per file.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { HarvesterError } from '@harvester-ts/core';
import { COMMANDS } from '../commands/index.js';
import type { Command, OptionSpecs } from './command.js';
import { EXIT, UsageError } from './exit-codes.js';
import { type CliIO, print } from './io.js';

const GLOBAL_OPTIONS: OptionSpecs = {
  config: { type: 'string', short: 'c' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export function appVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** The longest command name the words start with (`jobs add` before `jobs`). */
function findCommand(words: string[]): { command: Command; rest: string[] } | undefined {
  let best: { command: Command; rest: string[] } | undefined;
  for (const command of COMMANDS) {
    const parts = command.name.split(' ');
    if (
      parts.every((p, i) => words[i] === p) &&
      (!best || parts.length > best.command.name.split(' ').length)
    ) {
      best = { command, rest: words.slice(parts.length) };
    }
  }
  return best;
}

export function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  return [
    'harvester — takes jobs from a workload management system, runs them as workers and reports back.',
    '',
    'Usage: harvester <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    '',
    'Options of every command:',
    '  -c, --config F   configuration file (default: $HARVESTER_CONFIG, else harvester.config.{ts,mts,js,mjs,json}',
    '                   in the current directory, else the embedded default: ./var, queue "local")',
    '  --json           machine-readable output, where the command has it',
    '  -h, --help       help of a command, with examples',
    '',
    'Exit codes: 0 ok · 1 failure · 2 bad command line · 3 invalid configuration · 4 database not',
    'available or not migrated · 5 unknown id · 6 run --until-idle timed out',
    '',
    'Examples:',
    '  harvester run                        # the daemon, on the embedded default',
    '  harvester jobs add examples/jobs     # queue job files in the spool inbox',
    '  harvester run --until-idle           # work until every job is final, then exit',
    '  harvester jobs --status failed --json',
    '',
    "Run 'harvester <command> --help' for a command's options.",
  ].join('\n');
}

export function commandHelp(c: Command): string {
  return [
    `Usage: harvester ${c.usage}`,
    '',
    c.summary,
    ...(c.description ? ['', c.description] : []),
    ...(c.optionHelp?.length ? ['', 'Options:', ...c.optionHelp.map((l) => `  ${l}`)] : []),
    '',
    `  -c, --config F   configuration file${c.json ? '\n  --json           machine-readable output' : ''}`,
    '',
    'Examples:',
    ...c.examples.map((e) => `  ${e}`),
  ].join('\n');
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) return EXIT.usage;
  const code = err instanceof HarvesterError ? err.code : (err as { code?: string } | undefined)?.code;
  switch (code) {
    case 'INVALID_CONFIG':
    case 'INVALID_PLUGIN':
    case 'INCOMPATIBLE_PLUGIN':
    case 'INVALID_PLUGIN_OPTIONS':
    case 'MODULE_NOT_FOUND':
    case 'MODULE_LOAD_FAILED':
      return EXIT.config;
    case 'DATABASE_UNAVAILABLE':
    case 'DATABASE_NOT_READY':
    case 'SCHEMA_DRIFT':
      return EXIT.database;
    default:
      return EXIT.failure;
  }
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    print(io, generalHelp());
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  if (argv[0] === '--version' || argv[0] === '-V' || argv[0] === 'version') {
    print(io, appVersion());
    return EXIT.ok;
  }
  const found = findCommand(argv);
  if (!found) {
    io.stderr.write(`harvester: unknown command '${argv[0]}'. Run 'harvester --help' for the commands.\n`);
    return EXIT.usage;
  }
  const { command, rest } = found;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    io.stderr.write(
      `harvester ${command.name}: ${(err as Error).message}\nUsage: harvester ${command.usage}\n`,
    );
    return EXIT.usage;
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (values.help) {
    print(io, commandHelp(command));
    return EXIT.ok;
  }
  try {
    return await command.run({
      values,
      positionals: parsed.positionals,
      io,
      configFile: values.config as string | undefined,
      json: values.json === true,
    });
  } catch (err) {
    const code = exitCodeOf(err);
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`harvester ${command.name}: ${message}\n`);
    if (code === EXIT.usage) io.stderr.write(`Usage: harvester ${command.usage}\n`);
    return code;
  }
}
