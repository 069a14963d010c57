// Atomic file placement: everything is written to a temporary name in the target directory and
// then renamed (or linked, for no-clobber) into place, so a reader never sees a partial file.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, rename, rm, stat, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Adler32, type FileDigests } from './checksum.js';

/** A temporary name next to `path` (same directory, so rename is atomic). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Copies `source` to a temporary file next to `target`, computing the size, adler32 and
 * (optionally) md5 of what was written. Returns the temporary path; the caller places it with
 * `placeTemp` or removes it.
 */
export async function copyToTemp(
  source: string,
  target: string,
  { md5 = false, signal }: { md5?: boolean; signal?: AbortSignal | undefined } = {},
): Promise<{ temp: string; digests: FileDigests }> {
  const temp = tempPathFor(target);
  const ad = new Adler32();
  const md = md5 ? createHash('md5') : undefined;
  let size = 0;
  const hasher = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      ad.update(chunk);
      md?.update(chunk);
      done(null, chunk);
    },
  });
  try {
    const input = createReadStream(source);
    const output = createWriteStream(temp, { flags: 'wx', flush: true });
    await (signal ? pipeline(input, hasher, output, { signal }) : pipeline(input, hasher, output));
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  const digests: FileDigests = { size, adler32: ad.hex };
  if (md) digests.md5 = md.digest('hex');
  return { temp, digests };
}

/** Renames a temporary file over `target` (replacing it). */
export async function replaceWithTemp(temp: string, target: string): Promise<void> {
  try {
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/**
 * Places a temporary file at `target` only if nothing is there: link(2) fails with EEXIST
 * instead of replacing. Falls back to rename where the filesystem has no hard links (a race
 * there could replace a file made at the same instant). Returns false when `target` existed.
 */
export async function placeTempNoClobber(temp: string, target: string): Promise<boolean> {
  try {
    await link(temp, target);
    await rm(temp, { force: true });
    return true;
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'EEXIST') {
      await rm(temp, { force: true });
      return false;
    }
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EMLINK') {
      if (await exists(target)) {
        await rm(temp, { force: true });
        return false;
      }
      await replaceWithTemp(temp, target);
      return true;
    }
    await rm(temp, { force: true });
    throw err;
  }
}

/** Replaces `target` with a hard link to `source`, atomically. */
export async function hardlinkAtomic(source: string, target: string): Promise<void> {
  const temp = tempPathFor(target);
  await link(source, temp);
  await replaceWithTemp(temp, target);
}

/** Replaces `target` with a symlink to `source`, atomically. */
export async function symlinkAtomic(source: string, target: string): Promise<void> {
  const temp = tempPathFor(target);
  await symlink(source, temp);
  await replaceWithTemp(temp, target);
}
