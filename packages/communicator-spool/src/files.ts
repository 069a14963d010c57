// File-system helpers of the spool: atomic writes (tmp file + rename), listing of spool files,
// moves that never overwrite, and error-code checks.
import { randomBytes } from 'node:crypto';
import { link, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** The error code of a Node.js system error, if any. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A short description of an error for diagnostics. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Whether a directory entry name is a spool file: `*.json`, not hidden. */
export function isSpoolFileName(name: string): boolean {
  return name.endsWith('.json') && !name.startsWith('.') && name.length > '.json'.length;
}

/** The spool files (`*.json`, not hidden) of a directory, sorted by name. */
export async function listSpoolFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && isSpoolFileName(e.name))
    .map((e) => e.name)
    .sort();
}

/**
 * Writes `data` to `path` atomically: a temporary file in `tmpDir` (same file system), flushed,
 * then renamed over `path`. A reader sees the old file or the complete new one, never a part.
 */
export async function writeFileAtomic(
  path: string,
  data: string,
  tmpDir: string,
  { fsync = true }: { fsync?: boolean } = {},
): Promise<void> {
  const tmp = join(tmpDir, `.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(data, 'utf8');
      if (fsync) await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** Whether a path exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return false;
    throw err;
  }
}

/** `name` with `.<i>` before its extension (`x.json`, 2 → `x.2.json`); `name` itself for 0. */
export function numberedName(name: string, i: number): string {
  if (i === 0) return name;
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  return `${stem}.${i}${ext}`;
}

/**
 * A name in `dir` that is free now: `name` itself, else `name` with `.1`, `.2`, ... before its
 * extension (`x.json` → `x.1.json`). `alsoFree` names another suffix that must be free too (the
 * `.error` file next to a rejected file).
 */
export async function freeName(dir: string, name: string, alsoFree?: string): Promise<string> {
  for (let i = 0; ; i++) {
    const candidate = numberedName(name, i);
    if (await exists(join(dir, candidate))) continue;
    if (alsoFree !== undefined && (await exists(join(dir, candidate + alsoFree)))) continue;
    return candidate;
  }
}

/** Errors of `link` on a file system without hard links. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

/**
 * Moves the file `from` into `dir` as `name`, or as `name` numbered (`x.1.json`, ...) when a file
 * of that name is there: an existing file is never replaced. The move is a hard link then the
 * removal of `from`, so the file appears in `dir` atomically, complete, under a name nobody else
 * had; `from` must be a name only the caller uses (during the move the file has both names).
 * Where hard links are not supported it falls back to a rename to a name that was free just
 * before. Returns the name used.
 */
export async function moveNoReplace(from: string, dir: string, name: string): Promise<string> {
  for (let i = 0; ; i++) {
    const candidate = numberedName(name, i);
    try {
      await link(from, join(dir, candidate));
    } catch (err) {
      const code = errorCode(err);
      if (code === 'EEXIST') continue;
      if (code === undefined || !NO_HARD_LINKS.has(code)) throw err;
      const target = await freeName(dir, name);
      await rename(from, join(dir, target));
      return target;
    }
    await unlink(from);
    return candidate;
  }
}
