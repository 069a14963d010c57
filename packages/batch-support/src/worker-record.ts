// The small JSON files a batch-system plugin keeps in a worker's access point — above all its
// worker record, written before the batch job is submitted: it marks a real access point of this
// worker (sweepers delete nothing else) and tells a restarted harvester what was submitted.
// Written atomically (a temporary file in the same directory, then rename), so a reader sees the
// old record or the new one, never half of one; read back with a validator.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Writes a file atomically: a temporary file in the same directory, then rename over `path`. */
export async function writeAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = `${path}.tmp.${process.pid}.${Math.random().toString(36).slice(2, 8)}`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}

/** Writes `record` as one line of JSON to `<dir>/<name>`, atomically. */
export async function writeJsonRecord(dir: string, name: string, record: unknown): Promise<void> {
  await writeAtomic(join(dir, name), `${JSON.stringify(record)}\n`);
}

export interface ReadJsonRecordOptions {
  /**
   * The error codes of reading the file that mean "there is no record" (default ENOENT and
   * ENOTDIR: the file, or the directory itself, is missing). Any other error is thrown.
   */
  absentCodes?: readonly string[];
  /**
   * A file that is not JSON: `malformed` (default) throws `malformed <name> in <dir>: not JSON`;
   * `rethrow` throws JSON.parse's own SyntaxError.
   */
  notJson?: 'malformed' | 'rethrow';
}

/**
 * Reads `<dir>/<name>`: undefined when it is absent; throws on a file that cannot be read, is
 * not JSON, or fails `isValid` (`malformed <name> in <dir>`).
 */
export async function readJsonRecord<T>(
  dir: string,
  name: string,
  isValid: (value: Partial<T>) => boolean,
  options: ReadJsonRecordOptions = {},
): Promise<T | undefined> {
  const absent = options.absentCodes ?? ['ENOENT', 'ENOTDIR'];
  let text: string;
  try {
    text = await readFile(join(dir, name), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined && absent.includes(code)) return undefined;
    throw err;
  }
  let value: Partial<T>;
  if (options.notJson === 'rethrow') {
    value = JSON.parse(text) as Partial<T>;
  } else {
    try {
      value = JSON.parse(text) as Partial<T>;
    } catch {
      throw new Error(`malformed ${name} in ${dir}: not JSON`);
    }
  }
  if (typeof value !== 'object' || value === null || !isValid(value)) {
    throw new Error(`malformed ${name} in ${dir}`);
  }
  return value as T;
}

/** What the worker wrapper's exit file (`harvester-worker.exit`: a code and a newline) says. */
export type ExitFileRead = { kind: 'absent' } | { kind: 'code'; code: number } | { kind: 'malformed' };

/** Reads the worker wrapper's exit file `<dir>/<name>`: absent, a code (0-999), or malformed. */
export async function readExitFile(dir: string, name: string): Promise<ExitFileRead> {
  let text: string;
  try {
    text = await readFile(join(dir, name), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'absent' };
    throw err;
  }
  const t = text.trim();
  return /^[0-9]{1,3}$/.test(t) ? { kind: 'code', code: Number(t) } : { kind: 'malformed' };
}

/** A plugin's worker record file: its name, the system it marks, how to read and write it. */
export interface WorkerRecordFile<R> {
  /** The file name in the access point, e.g. `harvester-slurm.json`. */
  readonly name: string;
  /** The batch system's name, for messages (`… so it is no Slurm access point`). */
  readonly systemName: string;
  /** The record; undefined when absent; throws when present but unreadable or malformed. */
  read(accessPoint: string): Promise<R | undefined>;
  /** Writes the record atomically. */
  write(accessPoint: string, record: R): Promise<void>;
}

export interface WorkerRecordFileSpec<R> extends ReadJsonRecordOptions {
  name: string;
  systemName: string;
  /** Whether a parsed JSON object is a record (the object is never null). */
  isValid: (value: Partial<R>) => boolean;
}

/** The worker record file described by `spec`: JSON written atomically, read with `isValid`. */
export function workerRecordFile<R>(spec: WorkerRecordFileSpec<R>): WorkerRecordFile<R> {
  const { name, systemName, isValid, ...readOptions } = spec;
  return {
    name,
    systemName,
    read: (accessPoint) => readJsonRecord<R>(accessPoint, name, isValid, readOptions),
    write: (accessPoint, record) => writeJsonRecord(accessPoint, name, record),
  };
}
