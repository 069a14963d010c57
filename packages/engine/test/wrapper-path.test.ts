// Where harvester-worker.sh is found, from the sources and from the bundle's location.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  findPackageRoot,
  resolveWorkerWrapperPath,
  WORKER_WRAPPER_FILE_NAMES,
  WORKER_WRAPPER_PATH,
  workerWrapperArgv,
} from '../src/worker/wrapper.js';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('WORKER_WRAPPER_PATH', () => {
  it('is the worker/harvester-worker.sh of the engine package, executable', () => {
    expect(WORKER_WRAPPER_PATH).toBe(join(packageRoot, 'worker', WORKER_WRAPPER_FILE_NAMES.script));
    expect(() => accessSync(WORKER_WRAPPER_PATH, constants.R_OK | constants.X_OK)).not.toThrow();
    expect(readFileSync(WORKER_WRAPPER_PATH, 'utf8').startsWith('#!/bin/sh\n')).toBe(true);
  });

  it('is found the same way from the bundle (dist/index.js)', () => {
    const fromDist = pathToFileURL(join(packageRoot, 'dist', 'index.js')).href;
    expect(resolveWorkerWrapperPath(fromDist)).toBe(WORKER_WRAPPER_PATH);
    expect(findPackageRoot(join(packageRoot, 'dist'))).toBe(packageRoot);
  });

  it('says where it looked when the module is not inside the engine package', () => {
    const elsewhere = pathToFileURL(join(tmpdir(), 'somewhere', 'index.js')).href;
    expect(() => resolveWorkerWrapperPath(elsewhere)).toThrow(
      /cannot find the @harvester-ts\/engine package root/,
    );
  });

  it('builds the argv that runs it', () => {
    expect(workerWrapperArgv('/ap/1')).toEqual(['/bin/sh', WORKER_WRAPPER_PATH, '/ap/1']);
  });

  it.each([
    { shell: 'sh', argv: ['sh'] },
    { shell: 'dash', argv: ['dash'] },
    { shell: 'bash', argv: ['bash'] },
    { shell: 'busybox sh', argv: ['busybox', 'sh'] },
  ])('parses under $shell -n', ({ argv }) => {
    const probe = spawnSync(argv[0] as string, [...argv.slice(1), '-c', 'exit 0']);
    if (probe.status !== 0) return; // the shell itself is checked (or skipped) in wrapper-shells.test.ts
    const r = spawnSync(argv[0] as string, [...argv.slice(1), '-n', WORKER_WRAPPER_PATH], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
