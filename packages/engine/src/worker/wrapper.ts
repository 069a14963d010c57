// Where the worker wrapper script is on disk. It ships in the package's `worker/` directory, so
// its path is found from this module's location: walking up from src/worker/ (tests) or from
// dist/ (the bundle) to the directory whose package.json names @harvester-ts/engine.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKER_WRAPPER_FILE_NAMES } from './file-names.js';

export { WORKER_WRAPPER_FILE_NAMES, type WorkerWrapperFileNames } from './file-names.js';

export const ENGINE_PACKAGE_NAME = '@harvester-ts/engine';

function packageNameAt(dir: string): string | undefined {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  try {
    const name = (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The root directory of the package named `packageName` that contains `startDir`, found by
 * walking up; undefined when there is none.
 */
export function findPackageRoot(startDir: string, packageName = ENGINE_PACKAGE_NAME): string | undefined {
  let dir = startDir;
  for (;;) {
    if (packageNameAt(dir) === packageName) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The absolute path of harvester-worker.sh for a module at `moduleUrl` inside the engine
 * package. Throws when the package root or the script cannot be found.
 */
export function resolveWorkerWrapperPath(moduleUrl: string = import.meta.url): string {
  const start = dirname(fileURLToPath(moduleUrl));
  const root = findPackageRoot(start);
  if (root === undefined) {
    throw new Error(
      `cannot find the ${ENGINE_PACKAGE_NAME} package root above ${start} (looked for its package.json)`,
    );
  }
  const script = join(root, 'worker', WORKER_WRAPPER_FILE_NAMES.script);
  if (!existsSync(script)) throw new Error(`the worker wrapper is missing: ${script}`);
  return script;
}

/**
 * Absolute path of `worker/harvester-worker.sh`. Run it as `sh <path> <accessPoint>` (or
 * `busybox sh`, `dash`, `bash`); see workerWrapperArgv.
 */
export const WORKER_WRAPPER_PATH: string = resolveWorkerWrapperPath();

/** The argv that runs the wrapper for an access point: `[shell, WORKER_WRAPPER_PATH, accessPoint]`. */
export function workerWrapperArgv(accessPoint: string, shell = '/bin/sh'): string[] {
  return [shell, WORKER_WRAPPER_PATH, accessPoint];
}
