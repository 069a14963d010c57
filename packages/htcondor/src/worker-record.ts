// The files of the HTCondor backend in a worker's access point. The record is written before
// condor_submit runs: it marks a real HTCondor access point of this worker (sweepWorker deletes
// nothing else) and tells a restarted harvester which schedd to ask (findWorkersByBatchName);
// it learns the batchID once condor_submit has answered.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCondorJobId } from './commands.js';

export const CONDOR_FILE_NAMES = {
  /** What the worker is and where it was submitted (JSON). */
  record: 'harvester-condor.json',
  /** The worker's own part of the submit description (for reading; setLogFile 'jdl'). */
  submitFile: 'harvester-condor.sub',
  /** The submit description of the whole cluster, in the access point of its first worker. */
  clusterFile: 'harvester-condor-cluster.sub',
  /** Where the default template sends the job's stdout, stderr and event log. */
  stdout: 'harvester-condor.out',
  stderr: 'harvester-condor.err',
  log: 'harvester-condor.log',
  /** Written by the engine's worker wrapper: its exit code and a newline. */
  exitCode: 'harvester-worker.exit',
} as const;

/** `<accessPoint>/harvester-condor.json`. */
export interface CondorWorkerRecord {
  batchName: string;
  workerID: number;
  harvesterId: string;
  /** Harvester's submissionHost: `<schedd>,<pool>` or LOCAL. */
  submissionHost: string;
  /** The cluster's submit description. */
  submitFile: string;
  /** `C.P`, once condor_submit has answered. */
  batchID?: string;
  writtenAt: string;
}

/** Writes a file atomically (a temporary file in the same directory, then rename). */
export async function writeAtomic(path: string, text: string, mode = 0o644): Promise<void> {
  const tmp = `${path}.tmp.${process.pid}.${Math.random().toString(36).slice(2, 8)}`;
  await writeFile(tmp, text, { mode });
  await rename(tmp, path);
}

export async function writeWorkerRecord(accessPoint: string, record: CondorWorkerRecord): Promise<void> {
  await writeAtomic(join(accessPoint, CONDOR_FILE_NAMES.record), `${JSON.stringify(record)}\n`);
}

/** The record, undefined when absent; throws on a record that is present but malformed. */
export async function readWorkerRecord(accessPoint: string): Promise<CondorWorkerRecord | undefined> {
  let text: string;
  try {
    text = await readFile(join(accessPoint, CONDOR_FILE_NAMES.record), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
  let value: Partial<CondorWorkerRecord>;
  try {
    value = JSON.parse(text) as Partial<CondorWorkerRecord>;
  } catch {
    throw new Error(`malformed ${CONDOR_FILE_NAMES.record} in ${accessPoint}: not JSON`);
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof value.batchName !== 'string' ||
    typeof value.submissionHost !== 'string' ||
    (value.batchID !== undefined && parseCondorJobId(value.batchID) === undefined)
  ) {
    throw new Error(`malformed ${CONDOR_FILE_NAMES.record} in ${accessPoint}`);
  }
  return value as CondorWorkerRecord;
}

/** The wrapper's exit code from its exit file: absent, a code, or malformed. */
export type ExitFileRead = { kind: 'absent' } | { kind: 'code'; code: number } | { kind: 'malformed' };

export async function readExitFile(accessPoint: string): Promise<ExitFileRead> {
  let text: string;
  try {
    text = await readFile(join(accessPoint, CONDOR_FILE_NAMES.exitCode), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'absent' };
    throw err;
  }
  const t = text.trim();
  return /^[0-9]{1,3}$/.test(t) ? { kind: 'code', code: Number(t) } : { kind: 'malformed' };
}
