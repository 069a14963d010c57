// Finds and reads the configuration file: harvester.config.json, or a .js/.mjs/.ts/.mts module
// whose default export is the configuration (or a function, possibly async, returning it).
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '@harvester-ts/core';

export const CONFIG_FILE_NAMES = [
  'harvester.config.ts',
  'harvester.config.mts',
  'harvester.config.js',
  'harvester.config.mjs',
  'harvester.config.json',
] as const;

/**
 * The configuration file to use: the one given (`--config`, else `$HARVESTER_CONFIG`), else the
 * first of CONFIG_FILE_NAMES in `cwd`; undefined means the embedded default.
 */
export function findConfigFile(
  cwd: string,
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const given = explicit ?? (env.HARVESTER_CONFIG || undefined);
  if (given !== undefined) {
    const full = resolve(cwd, given);
    if (!existsSync(full)) {
      throw new ConfigError(`configuration ${full}`, [{ path: '', message: 'no such file' }], {
        source: full,
      });
    }
    return full;
  }
  for (const name of CONFIG_FILE_NAMES) {
    const full = join(cwd, name);
    if (existsSync(full)) return full;
  }
  return undefined;
}

/** A JSON document, with the line and column of a syntax error in the message. */
export function parseJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `${what} ${path}`,
      [{ path: '', message: `cannot read: ${(err as Error).message}` }],
      {
        source: path,
      },
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const pos = Number(/position (\d+)/.exec(message)?.[1]);
    let where = '';
    if (Number.isInteger(pos)) {
      const before = text.slice(0, pos).split('\n');
      where = ` (line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1})`;
    }
    throw new ConfigError(`${what} ${path}`, [{ path: '', message: `not valid JSON${where}: ${message}` }], {
      source: path,
    });
  }
}

/** The configuration object a file holds (not validated yet). */
export async function readConfigFile(path: string): Promise<unknown> {
  const ext = extname(path);
  if (ext === '.json') return parseJsonFile(path, 'configuration');
  let mod: Record<string, unknown>;
  try {
    if (ext === '.ts' || ext === '.mts' || ext === '.cts') {
      // Node 20 cannot import TypeScript; jiti transpiles the file (and what it imports) on the fly.
      const { createJiti } = await import('jiti');
      const jiti = createJiti(import.meta.url, { interopDefault: false, moduleCache: false });
      mod = (await jiti.import(path)) as Record<string, unknown>;
    } else {
      mod = (await import(`${pathToFileURL(path).href}?t=${Date.now()}`)) as Record<string, unknown>;
    }
  } catch (err) {
    throw new ConfigError(
      `configuration ${path}`,
      [{ path: '', message: `failed to load: ${(err as Error).message}` }],
      { source: path },
    );
  }
  let value = 'default' in mod ? mod.default : undefined;
  if (value === undefined) {
    throw new ConfigError(
      `configuration ${path}`,
      [{ path: '', message: 'the module has no default export (export default defineConfig({...}))' }],
      { source: path },
    );
  }
  if (typeof value === 'function') {
    try {
      value = await (value as () => unknown)();
    } catch (err) {
      throw new ConfigError(
        `configuration ${path}`,
        [{ path: '', message: `its default export (a function) threw: ${(err as Error).message}` }],
        { source: path },
      );
    }
  }
  return value;
}
