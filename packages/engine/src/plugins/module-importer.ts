// Resolves a queue-config `module` the way an operator expects: a package name is looked up from
// the configuration file's directory (its node_modules), a relative path from that directory.
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HarvesterError } from '@harvester-ts/core';

export type ModuleImporter = (specifier: string, baseDir: string) => Promise<Record<string, unknown>>;

export function resolveModule(specifier: string, baseDir: string): string {
  if (specifier.startsWith('.') || isAbsolute(specifier)) return resolve(baseDir, specifier);
  try {
    return createRequire(join(baseDir, 'harvester.config.js')).resolve(specifier);
  } catch (err) {
    throw new HarvesterError(
      'MODULE_NOT_FOUND',
      `cannot find module '${specifier}' from ${baseDir} (is the package installed there?)`,
      { module: specifier, baseDir },
      { cause: err },
    );
  }
}

const cache = new Map<string, Promise<Record<string, unknown>>>();

export const importModule: ModuleImporter = async (specifier, baseDir) => {
  const path = resolveModule(specifier, baseDir);
  let loaded = cache.get(path);
  if (!loaded) {
    loaded = import(pathToFileURL(path).href) as Promise<Record<string, unknown>>;
    cache.set(path, loaded);
  }
  try {
    return await loaded;
  } catch (err) {
    cache.delete(path);
    throw new HarvesterError(
      'MODULE_LOAD_FAILED',
      `module '${specifier}' (${path}) failed to load: ${(err as Error).message}`,
      { module: specifier, path },
      { cause: err },
    );
  }
};
