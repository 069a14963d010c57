// Paths built from WMS data (scope, LFN, PandaID), validated as DESIGN.md §7 asks: no `..`, not
// absolute, no NUL or newline, and still under its root after resolution (lexically, and through
// symlinks for directories that exist).
import { createHash } from 'node:crypto';
import { mkdir, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/** A path from job data that may not be used; the message names the value and why. */
export class UnsafePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafePathError';
  }
}

/**
 * Why `value` cannot be one path component (empty, `.` or `..`, absolute, a separator, a NUL,
 * CR or newline), or undefined when it can.
 */
export function unsafeComponent(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined || value === '') return 'is empty';
  if (/[\0\n\r]/.test(value)) return 'contains a NUL or newline character';
  if (value === '.' || value === '..') return `is '${value}'`;
  if (isAbsolute(value) || value.startsWith('/') || value.startsWith('\\')) return 'is an absolute path';
  if (/[/\\]/.test(value)) return 'contains a path separator';
  return undefined;
}

/** Throws UnsafePathError unless `value` is a safe path component. */
export function assertComponent(what: string, value: string | null | undefined): string {
  const why = unsafeComponent(value);
  if (why !== undefined) throw new UnsafePathError(`unsafe ${what} ${JSON.stringify(value)}: ${why}`);
  return value as string;
}

/** Whether `path` is `root` itself or inside it (both already resolved). */
export function isWithin(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** `root/components…` after checking every component, refusing a result outside root. */
export function safeJoin(root: string, components: readonly { what: string; value: string }[]): string {
  for (const c of components) assertComponent(c.what, c.value);
  const base = resolve(root);
  const path = resolve(base, ...components.map((c) => c.value));
  if (path === base || !isWithin(base, path)) throw new UnsafePathError(`path ${path} is outside ${base}`);
  return path;
}

/** The md5 hash directories Rucio derives from `scope:name`: [first two hex, next two]. */
export function rucioHashDirs(scope: string, lfn: string): [string, string] {
  const h = createHash('md5').update(`${scope}:${lfn}`, 'utf8').digest('hex');
  return [h.slice(0, 2), h.slice(2, 4)];
}

/**
 * The Rucio deterministic (`hash` lfn2pfn) path of a file: `<root>/<scope>/<md5[0:2]>/<md5[2:4]>/<lfn>`
 * with md5 of `"scope:lfn"`. As in Rucio, a `user.*` or `group.*` scope becomes directories
 * (`user.jdoe` → `user/jdoe`). Throws UnsafePathError for a scope or LFN that is not safe.
 */
export function rucioPath(root: string, scope: string, lfn: string): string {
  assertComponent('scope', scope);
  assertComponent('LFN', lfn);
  const scopeParts = scope.startsWith('user') || scope.startsWith('group') ? scope.split('.') : [scope];
  const [d1, d2] = rucioHashDirs(scope, lfn);
  return safeJoin(root, [
    ...scopeParts.map((value) => ({ what: 'scope', value })),
    { what: 'hash directory', value: d1 },
    { what: 'hash directory', value: d2 },
    { what: 'LFN', value: lfn },
  ]);
}

/** `<root>/<lfn>`, for the flat layout. */
export function flatPath(root: string, lfn: string): string {
  return safeJoin(root, [{ what: 'LFN', value: lfn }]);
}

/**
 * Makes `dir` (and its parents) and checks that, with symlinks resolved, it still lies under
 * `root` (which is made too). Throws UnsafePathError when it does not.
 */
export async function ensureDirUnder(root: string, dir: string): Promise<void> {
  const base = resolve(root);
  const target = resolve(dir);
  if (!isWithin(base, target)) throw new UnsafePathError(`directory ${target} is outside ${base}`);
  await mkdir(base, { recursive: true });
  const realBase = await realpath(base);
  // Walk down one component at a time so that a symlink planted inside the root is caught
  // before anything is created through it.
  const rel = relative(base, target);
  let current = base;
  for (const part of rel === '' ? [] : rel.split(sep)) {
    current = join(current, part);
    await mkdir(current).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    const real = await realpath(current);
    if (!isWithin(realBase, real)) {
      throw new UnsafePathError(`directory ${current} resolves to ${real}, outside ${realBase}`);
    }
  }
}

/** Checks that an existing path, with symlinks resolved, lies under `root`; returns the real path. */
export async function assertRealpathUnder(root: string, path: string): Promise<string> {
  const realBase = await realpath(resolve(root));
  const real = await realpath(path);
  if (!isWithin(realBase, real))
    throw new UnsafePathError(`${path} resolves to ${real}, outside ${realBase}`);
  return real;
}
