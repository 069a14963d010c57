// harvester plugins: the plugin packages this harvester can use, their plugins and whether each
// fits the running core.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CORE_VERSION, checkCompatibility, isPluginDefinition } from '@harvester-ts/core';
import type { Command } from '../cli/command.js';
import { EXIT } from '../cli/exit-codes.js';
import { print, printJson } from '../cli/io.js';
import { formatTable } from '../cli/table.js';
import type { ResolvedConfig } from '../config/load-config.js';
import { APP_DIR, appImporter } from '../runtime/plugin-importer.js';
import { configFor, noPositionals } from './shared.js';

export interface PluginPackage {
  module: string;
  version: string | null;
  /** Named in the configuration (the harvester will load it). */
  configured: boolean;
  plugins: {
    export: string;
    kind: string;
    name: string;
    compatibility: string;
    compatible: boolean;
    reason?: string;
  }[];
  error?: string;
}

/** Package names under the node_modules directories from `dir` up to the root. */
function installedCandidates(dir: string): Set<string> {
  const names = new Set<string>();
  let d = dir;
  for (;;) {
    const nm = join(d, 'node_modules');
    if (existsSync(nm)) {
      for (const entry of safeList(nm)) {
        if (entry === '@harvester-ts')
          for (const p of safeList(join(nm, entry))) names.add(`@harvester-ts/${p}`);
        else if (entry.startsWith('@')) {
          for (const p of safeList(join(nm, entry)))
            if (p.startsWith('harvester-ts-plugin')) names.add(`${entry}/${p}`);
        } else if (entry.startsWith('harvester-ts-plugin')) names.add(entry);
      }
    }
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  return names;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function versionOf(module: string, baseDir: string): string | null {
  for (const dir of [baseDir, APP_DIR]) {
    let d = dir;
    for (;;) {
      const pkg = join(d, 'node_modules', module, 'package.json');
      if (existsSync(pkg)) {
        try {
          return (JSON.parse(readFileSync(pkg, 'utf8')) as { version?: string }).version ?? null;
        } catch {
          return null;
        }
      }
      const up = dirname(d);
      if (up === d) break;
      d = up;
    }
  }
  return null;
}

export async function findPluginPackages(config: ResolvedConfig): Promise<PluginPackage[]> {
  const configured = new Set<string>([config.communicator.module]);
  for (const queue of Object.values(config.queues)) {
    for (const value of Object.values(queue as unknown as Record<string, unknown>)) {
      const m = (value as { module?: unknown } | null)?.module;
      if (typeof m === 'string') configured.add(m);
    }
  }
  const all = new Set<string>([
    ...configured,
    ...installedCandidates(config.configDir),
    ...installedCandidates(APP_DIR),
  ]);
  for (const own of ['@harvester-ts/app', '@harvester-ts/core', '@harvester-ts/test-support'])
    all.delete(own);
  const out: PluginPackage[] = [];
  for (const module of [...all].sort()) {
    const entry: PluginPackage = {
      module,
      version: module.startsWith('.') || module.startsWith('/') ? null : versionOf(module, config.configDir),
      configured: configured.has(module),
      plugins: [],
    };
    try {
      const mod = await appImporter(module, config.configDir);
      for (const [exportName, value] of Object.entries(mod)) {
        if (!isPluginDefinition(value)) continue;
        const c = checkCompatibility(value);
        entry.plugins.push({
          export: exportName,
          kind: value.kind,
          name: value.name,
          compatibility: value.compatibility,
          compatible: c.ok,
          ...(c.ok ? {} : { reason: c.reason }),
        });
      }
    } catch (err) {
      entry.error = (err as Error).message;
    }
    if (entry.plugins.length > 0 || entry.error || entry.configured) out.push(entry);
  }
  return out;
}

export const pluginsCommand: Command = {
  name: 'plugins',
  summary:
    'List the plugin packages found (configured and installed), their plugins, versions and core compatibility.',
  usage: 'plugins [--json]',
  description: `Looks at the modules the configuration names and at the installed @harvester-ts/* and\nharvester-ts-plugin* packages. The running core is @harvester-ts/core ${CORE_VERSION}.\nExit code 3 if a configured module cannot be loaded or a configured plugin does not fit the core.`,
  options: {},
  examples: ['harvester plugins', 'harvester plugins --json'],
  json: true,
  async run(input) {
    noPositionals(input);
    const config = await configFor(input);
    const packages = await findPluginPackages(config);
    const bad = packages.filter((p) => p.configured && (p.error || p.plugins.some((x) => !x.compatible)));
    if (input.json) printJson(input.io, { core: CORE_VERSION, packages });
    else {
      print(input.io, `@harvester-ts/core ${CORE_VERSION}`);
      const rows: (string | null)[][] = [];
      for (const p of packages) {
        if (p.error)
          rows.push([p.module, p.version, '-', '-', `cannot load: ${p.error}`, p.configured ? 'yes' : '']);
        for (const x of p.plugins) {
          rows.push([
            p.module,
            p.version,
            `${x.kind} ${x.export}`,
            x.compatibility,
            x.compatible ? 'yes' : `NO: ${x.reason}`,
            p.configured ? 'yes' : '',
          ]);
        }
      }
      print(
        input.io,
        formatTable(['package', 'version', 'plugin', 'core range', 'compatible', 'configured'], rows, 90),
      );
    }
    return bad.length > 0 ? EXIT.config : EXIT.ok;
  },
};
