// Resolves plugin modules for the app: from the configuration's directory first (the site's own
// node_modules), then from the app's own dependencies, so the plugins the app ships with (the
// embedded default's) are found wherever the app is installed.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HarvesterError } from '@harvester-ts/core';
import { importModule, type ModuleImporter } from '@harvester-ts/engine';

/** A directory inside this package, from which its own dependencies resolve. */
export const APP_DIR = dirname(fileURLToPath(import.meta.url));

export const appImporter: ModuleImporter = async (specifier, baseDir) => {
  try {
    return await importModule(specifier, baseDir);
  } catch (err) {
    const notFound = err instanceof HarvesterError && err.code === 'MODULE_NOT_FOUND';
    if (!notFound || baseDir === APP_DIR || specifier.startsWith('.') || specifier.startsWith('/')) throw err;
    try {
      return await importModule(specifier, APP_DIR);
    } catch {
      throw err;
    }
  }
};
