// harvester config validate|schema|show
import {
  HarvesterError,
  instantiatePlugin,
  optionsOfSection,
  type PluginContext,
  type PluginKind,
  queueConfigJsonSchema,
} from '@harvester-ts/core';
import { SECTION_KINDS } from '@harvester-ts/engine';
import { pino } from 'pino';
import type { Command, CommandInput } from '../cli/command.js';
import { EXIT, UsageError } from '../cli/exit-codes.js';
import { print, printJson } from '../cli/io.js';
import { appConfigJsonSchema } from '../config/json-schema.js';
import { describeConfig, type ResolvedConfig } from '../config/load-config.js';
import { appImporter } from '../runtime/plugin-importer.js';
import { configFor, noPositionals } from './shared.js';

/** Services are not there while validating: a plugin that needs them at creation says so. */
function validationContext(config: ResolvedConfig, queueName: string | undefined): PluginContext {
  const unavailable = () => {
    throw new Error('database services are not available while validating the configuration');
  };
  return {
    logger: pino({ level: 'silent' }),
    harvesterId: config.harvesterId,
    queueName,
    siteName: queueName,
    configID: undefined,
    signal: new AbortController().signal,
    services: {
      cache: { get: unavailable, set: unavailable },
      locks: { acquire: unavailable, release: unavailable },
      dialogs: { add: unavailable },
    },
  };
}

export interface PluginCheck {
  queue: string | null;
  section: string;
  module: string;
  name: string;
  ok: boolean;
  error?: string;
}

/** Loads and creates every plugin the configuration names (each one, even after a failure). */
export async function checkPlugins(config: ResolvedConfig): Promise<PluginCheck[]> {
  const checks: PluginCheck[] = [];
  const one = async (
    queue: string | undefined,
    section: string,
    kind: PluginKind,
    spec: Record<string, unknown>,
  ) => {
    const module = String(spec.module);
    const name = String(spec.name);
    try {
      const mod = await appImporter(module, config.configDir);
      await instantiatePlugin(
        mod[name],
        kind,
        optionsOfSection(spec as never),
        validationContext(config, queue),
        {
          ...(queue ? { queue } : {}),
          section,
          module,
          exportName: name,
        },
      );
      checks.push({ queue: queue ?? null, section, module, name, ok: true });
    } catch (err) {
      checks.push({ queue: queue ?? null, section, module, name, ok: false, error: (err as Error).message });
    }
  };
  await one(undefined, 'communicator', 'communicator', config.communicator);
  for (const [queueName, queue] of Object.entries(config.queues)) {
    for (const [section, kind] of Object.entries(SECTION_KINDS)) {
      const spec = (queue as unknown as Record<string, Record<string, unknown> | undefined>)[section];
      if (spec) await one(queueName, section, kind as PluginKind, spec);
    }
  }
  return checks;
}

export const configValidateCommand: Command = {
  name: 'config validate',
  summary: 'Check a configuration: the file, the queues, and that every plugin loads with its options.',
  usage: 'config validate [F] [--json]',
  description: 'Every problem is listed with its path. Exit code 0 when valid, 3 when not.',
  options: {},
  examples: [
    'harvester config validate',
    'harvester config validate /etc/harvester/harvester.config.ts',
    'harvester config validate --json',
  ],
  json: true,
  async run(input: CommandInput) {
    if (input.positionals.length > 1) throw new UsageError('give at most one configuration file');
    let config: ResolvedConfig;
    try {
      config = await configFor(input, input.positionals[0]);
    } catch (err) {
      if (input.json && err instanceof HarvesterError) {
        printJson(input.io, {
          valid: false,
          error: err.message,
          issues: (err.context as { issues?: unknown }).issues ?? [],
        });
        return EXIT.config;
      }
      throw err;
    }
    const checks = await checkPlugins(config);
    const failed = checks.filter((c) => !c.ok);
    const summary = {
      valid: failed.length === 0,
      file: config.file ?? null,
      profile: config.profile,
      harvesterId: config.harvesterId,
      queues: Object.keys(config.queues),
      notes: config.queueSource.notes,
      plugins: checks,
    };
    if (input.json) printJson(input.io, summary);
    else {
      print(input.io, `configuration: ${config.file ?? 'embedded default'} (profile ${config.profile})`);
      print(input.io, `queues: ${summary.queues.join(', ')} (from ${config.queueSource.source})`);
      for (const n of config.queueSource.notes) print(input.io, `  mapped ${n}`);
      for (const c of checks) {
        const where = c.queue ? `${c.queue}.${c.section}` : c.section;
        print(
          input.io,
          `  ${c.ok ? 'ok  ' : 'FAIL'} ${where}: ${c.module} ${c.name}${c.ok ? '' : `\n         ${c.error?.replace(/\n/g, '\n         ')}`}`,
        );
      }
      print(input.io, failed.length === 0 ? 'valid' : `invalid: ${failed.length} plugin(s) failed to load`);
    }
    return failed.length === 0 ? EXIT.ok : EXIT.config;
  },
};

export const configSchemaCommand: Command = {
  name: 'config schema',
  summary: 'Print the JSON Schema of harvester.config.json (or, with --queues, of panda_queueconfig.json).',
  usage: 'config schema [--queues]',
  options: { queues: { type: 'boolean' } },
  optionHelp: ['--queues   the schema of a queue configuration file instead'],
  examples: [
    'harvester config schema > harvester.config.schema.json',
    'harvester config schema --queues > queueconfig.schema.json',
  ],
  async run(input) {
    noPositionals(input);
    printJson(input.io, input.values.queues === true ? queueConfigJsonSchema() : appConfigJsonSchema());
    return EXIT.ok;
  },
};

export const configShowCommand: Command = {
  name: 'config show',
  summary: 'Print the configuration in effect, with every default filled in and secrets redacted.',
  usage: 'config show',
  options: {},
  examples: ['harvester config show', 'harvester config show --config site.config.json'],
  json: true,
  async run(input) {
    noPositionals(input);
    const config = await configFor(input);
    printJson(input.io, describeConfig(config));
    return EXIT.ok;
  },
};
