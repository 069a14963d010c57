// The files of the HTCondor backend in a worker's access point. The record is written before
// condor_submit runs: it marks a real HTCondor access point of this worker (sweepWorker deletes
// nothing else) and tells a restarted harvester which schedd to ask (findWorkersByBatchName);
// it learns the batchID once condor_submit has answered.
import {
  type ExitFileRead,
  readExitFile as readExitFileIn,
  workerRecordFile,
} from '@harvester-ts/batch-support';
import { parseCondorJobId } from './commands.js';

export { type ExitFileRead, writeAtomic } from '@harvester-ts/batch-support';

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

/** The worker record file; sweepWorker removes only access points holding this worker's. */
export const CONDOR_RECORD_FILE = workerRecordFile<CondorWorkerRecord>({
  name: CONDOR_FILE_NAMES.record,
  systemName: 'HTCondor',
  isValid: (value) =>
    typeof value.batchName === 'string' &&
    typeof value.submissionHost === 'string' &&
    !(value.batchID !== undefined && parseCondorJobId(value.batchID) === undefined),
});

export async function writeWorkerRecord(accessPoint: string, record: CondorWorkerRecord): Promise<void> {
  await CONDOR_RECORD_FILE.write(accessPoint, record);
}

/** The record, undefined when absent; throws on a record that is present but malformed. */
export async function readWorkerRecord(accessPoint: string): Promise<CondorWorkerRecord | undefined> {
  return CONDOR_RECORD_FILE.read(accessPoint);
}

/** The wrapper's exit code from its exit file: absent, a code, or malformed. */
export async function readExitFile(accessPoint: string): Promise<ExitFileRead> {
  return readExitFileIn(accessPoint, CONDOR_FILE_NAMES.exitCode);
}
