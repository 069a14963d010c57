// File primitives of the messenger: atomic writes (a temporary file created exclusively, then
// renamed over the target, so a reader never sees half a file and a symlink planted at the
// target is replaced, not followed), reads that refuse symlinks, and adler32 checksums.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, rename, rm, stat, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

export function isMissing(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function tmpNameFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** Writes `data` to `target` atomically (tmp + rename), creating the file with `mode`. */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  mode = 0o640,
): Promise<void> {
  const tmp = tmpNameFor(target);
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Creates (or replaces) the symlink `linkPath` → `target` atomically. */
export async function symlinkAtomic(target: string, linkPath: string): Promise<void> {
  const tmp = tmpNameFor(linkPath);
  await symlink(target, tmp);
  try {
    await rename(tmp, linkPath);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export type ReadResult =
  | { kind: 'missing' }
  | { kind: 'ok'; text: string; mtimeMs: number }
  | { kind: 'refused'; reason: string };

/**
 * Reads a worker-written file, refusing a symlink (O_NOFOLLOW), anything but a regular file, and
 * files over `maxBytes`.
 */
export async function readWorkerFile(path: string, maxBytes: number): Promise<ReadResult> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if (isMissing(err)) return { kind: 'missing' };
    if (errnoCode(err) === 'ELOOP') return { kind: 'refused', reason: 'is a symlink' };
    throw err;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return { kind: 'refused', reason: 'is not a regular file' };
    if (st.size > maxBytes)
      return { kind: 'refused', reason: `is larger than ${maxBytes} bytes (${st.size})` };
    const text = await handle.readFile({ encoding: 'utf8' });
    return { kind: 'ok', text, mtimeMs: st.mtimeMs };
  } finally {
    await handle.close();
  }
}

/** Whether something (a file, a dangling symlink, ...) exists at `path`. */
export async function existsNoFollow(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

/** mtime of `path` (following symlinks), or undefined when it does not exist. */
export async function mtimeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

/** `YYYY-MM-DD_HH_MM_SS.mmm` (UTC), the suffix of acknowledged and set-aside files. */
export function fileTimestamp(date: Date = new Date()): string {
  const iso = date.toISOString(); // 2024-01-02T03:04:05.678Z
  return `${iso.slice(0, 10)}_${iso.slice(11, 13)}_${iso.slice(14, 16)}_${iso.slice(17, 23)}`;
}

const ADLER_MOD = 65521;
const ADLER_NMAX = 5552;

/** Adler-32 of a byte stream, updated chunk by chunk. */
export class Adler32 {
  private a = 1;
  private b = 0;

  update(chunk: Uint8Array): this {
    let { a, b } = this;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      const end = Math.min(n, i + ADLER_NMAX);
      for (; i < end; i++) {
        a += chunk[i] as number;
        b += a;
      }
      a %= ADLER_MOD;
      b %= ADLER_MOD;
    }
    this.a = a;
    this.b = b;
    return this;
  }

  /** 8 lowercase hex digits. */
  hex(): string {
    return (((this.b << 16) | this.a) >>> 0).toString(16).padStart(8, '0');
  }
}

/** Adler-32 of a regular file (8 hex digits), read without following a final symlink. */
export async function adler32OfFile(path: string): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const sum = new Adler32();
    const buffer = new Uint8Array(1 << 20);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      sum.update(buffer.subarray(0, bytesRead));
    }
    return sum.hex();
  } finally {
    await handle.close();
  }
}
