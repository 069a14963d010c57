// Shared by the tests: temporary directories, independent checksums, a recursive listing.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A plain adler32, written independently of the package's. */
export function naiveAdler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

export const hex8 = (n: number): string => n.toString(16).padStart(8, '0');

export const md5hex = (data: string | Uint8Array): string => createHash('md5').update(data).digest('hex');

/** A fresh directory under os.tmpdir(); `cleanup` removes it. */
export async function tempBase(): Promise<{ base: string; cleanup: () => Promise<void> }> {
  const base = await mkdtemp(join(tmpdir(), 'stager-posix-'));
  return { base, cleanup: () => rm(base, { recursive: true, force: true }) };
}

/** Every path under `dir` (files, directories and links), relative, sorted. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map(String).sort();
}
