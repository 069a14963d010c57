// A fresh temporary directory per test file, for access points and other files a test writes.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Creates a new directory under the system's temporary directory whose name starts with `prefix`. */
export async function makeTempRoot(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}
