// Path rules for everything the messenger derives from WMS or worker data (DESIGN §7): no `..`,
// not absolute (unless it must lie under a given root), no NUL or newline, and still under its
// root once resolved (lexically, and through symlinks where the file system is involved).
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { HarvesterError } from '@harvester-ts/core';

/** A path that would leave its root, or a name that is not acceptable as a file name. */
export class UnsafePathError extends HarvesterError {
  readonly path: string;

  constructor(path: string, reason: string, context: Record<string, unknown> = {}) {
    super('UNSAFE_PATH', `refused path ${JSON.stringify(path)}: ${reason}`, { path, reason, ...context });
    this.path = path;
  }
}

/** Why a string is not acceptable in a path at all (NUL, newline), or undefined. */
function forbiddenCharacters(value: string): string | undefined {
  if (value.includes('\0')) return 'contains a NUL character';
  if (value.includes('\n') || value.includes('\r')) return 'contains a newline';
  return undefined;
}

/**
 * A plain file name: one path component, not `.` or `..`, no `/`, NUL or newline. Used for the
 * configurable names of the messenger's files.
 */
export function plainFileNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  const bad = forbiddenCharacters(name);
  if (bad) return bad;
  if (name.includes('/')) return "contains '/'";
  if (name === '.' || name === '..') return `is '${name}'`;
  return undefined;
}

export function isPlainFileName(name: string): boolean {
  return plainFileNameProblem(name) === undefined;
}

/** Characters an LFN may use (a superset of Rucio's DID name rules). */
const LFN_PATTERN = /^[A-Za-z0-9_.+=:,@%~-]+$/;
const MAX_LFN_LENGTH = 255;

/**
 * Why `lfn` is not a safe file name for a job directory (and for the space-separated lists of
 * the wrapper's job file), or undefined. LFNs are single path components from a conservative
 * character set that cannot start with '-' (no option injection) and are not `.` or `..`.
 */
export function lfnProblem(lfn: string): string | undefined {
  if (lfn === '') return 'is empty';
  const bad = forbiddenCharacters(lfn);
  if (bad) return bad;
  if (lfn.includes('/')) return "contains '/' (an LFN is a single file name)";
  if (lfn === '.' || lfn === '..') return `is '${lfn}'`;
  if (lfn.length > MAX_LFN_LENGTH) return `is longer than ${MAX_LFN_LENGTH} characters`;
  if (lfn.startsWith('-')) return "starts with '-'";
  if (!LFN_PATTERN.test(lfn)) return 'contains characters outside [A-Za-z0-9_.+=:,@%~-]';
  return undefined;
}

/** Throws UnsafePathError unless `lfn` is a safe file name. */
export function assertSafeLfn(lfn: string, context: Record<string, unknown> = {}): string {
  const problem = lfnProblem(lfn);
  if (problem) throw new UnsafePathError(lfn, `LFN ${problem}`, context);
  return lfn;
}

/** Whether `child` is `root` itself or lies under it (both absolute and normalized). */
export function isWithin(root: string, child: string, { strict = false } = {}): boolean {
  if (child === root) return !strict;
  const prefix = root.endsWith(sep) ? root : root + sep;
  return child.startsWith(prefix);
}

/**
 * Joins a relative path from untrusted data onto `root`, refusing absolute paths, `..`
 * components, NUL and newline, and any result that is not strictly under `root`.
 */
export function resolveUnder(root: string, rel: string, context: Record<string, unknown> = {}): string {
  const bad = forbiddenCharacters(rel);
  if (bad) throw new UnsafePathError(rel, bad, context);
  if (rel === '') throw new UnsafePathError(rel, 'is empty', context);
  if (isAbsolute(rel)) throw new UnsafePathError(rel, 'is absolute', context);
  if (rel.split('/').includes('..')) throw new UnsafePathError(rel, "contains '..'", context);
  const full = resolve(root, rel);
  if (!isWithin(normalize(root), full, { strict: true })) {
    throw new UnsafePathError(rel, `resolves outside ${root}`, context);
  }
  return full;
}

/**
 * An absolute path a worker reported (or a path relative to `base`), accepted only when it lies
 * strictly under `root` lexically: no NUL or newline, no `..` component.
 */
export function acceptReportedPath(
  root: string,
  base: string,
  reported: string,
  context: Record<string, unknown> = {},
): string {
  if (!isAbsolute(reported)) return resolveUnder(base, reported, context);
  if (reported.includes('\0')) throw new UnsafePathError(reported, 'contains a NUL character', context);
  if (reported.split('/').includes('..')) throw new UnsafePathError(reported, "contains '..'", context);
  const full = normalize(reported);
  const normalRoot = normalize(root);
  if (!isWithin(normalRoot, full, { strict: true })) {
    throw new UnsafePathError(reported, `is not under ${root}`, context);
  }
  // The root is configuration; what the worker chose is the part below it.
  const bad = forbiddenCharacters(full.slice(normalRoot.length));
  if (bad) throw new UnsafePathError(reported, bad, context);
  return full;
}

function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * The real path of `p`, resolving symlinks of its nearest existing ancestor when `p` itself does
 * not exist (the missing tail is appended as is).
 */
export async function realpathOfNearest(p: string): Promise<string> {
  let current = normalize(p);
  const tail: string[] = [];
  for (;;) {
    try {
      const real = await realpath(current);
      return tail.length === 0 ? real : join(real, ...tail.reverse());
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const parent = dirname(current);
      if (parent === current) return join(current, ...tail.reverse());
      tail.push(basename(current));
      current = parent;
    }
  }
}

/**
 * Checks, through symlinks, that `p` lies under `root` (strictly unless `allowEqual`); returns
 * the real path of `p`.
 */
export async function assertRealpathUnder(
  root: string,
  p: string,
  { allowEqual = false, context = {} }: { allowEqual?: boolean; context?: Record<string, unknown> } = {},
): Promise<string> {
  const realRoot = await realpathOfNearest(root);
  const real = await realpathOfNearest(p);
  if (!isWithin(realRoot, real, { strict: !allowEqual })) {
    throw new UnsafePathError(p, `resolves to ${real}, outside ${realRoot}`, context);
  }
  return real;
}
