// From what the monitor observed (the wrapper's exit file, the process in /proc) to a worker status.
import { WorkerStatus, type WorkerStatusReport, workerStatus } from '@harvester-ts/core';
import type { ExitFileRead } from './commands.js';

/** The diagnostic of a worker whose process ended without leaving an exit code. */
export const LOST_WORKER_DIAG = 'process vanished without an exit code (lost worker)';

/** nativeStatus values the monitor records. */
export const LocalNativeStatus = {
  running: 'running',
  exited: 'exited',
  lost: 'lost',
} as const;
export type LocalNativeStatus = (typeof LocalNativeStatus)[keyof typeof LocalNativeStatus];

export interface LocalObservation {
  exit: ExitFileRead;
  /** The process the batchID names is alive and has the recorded start time. */
  alive: boolean;
}

export interface MappedStatus {
  report: WorkerStatusReport;
  nativeStatus: LocalNativeStatus;
  nativeExitCode?: number;
}

/**
 * Exit file with 0 → finished; with another code → failed; no exit file and the process is ours
 * and alive → running; otherwise → failed (lost worker). An exit file is final even if the
 * process has not quite ended yet (the wrapper writes it just before exiting).
 */
export function mapLocalStatus(obs: LocalObservation): MappedStatus {
  const { exit } = obs;
  if (exit.kind === 'code') {
    if (exit.code === 0) {
      return { report: workerStatus(WorkerStatus.finished), nativeStatus: 'exited', nativeExitCode: 0 };
    }
    return {
      report: workerStatus(WorkerStatus.failed, `worker wrapper exited with code ${exit.code}`),
      nativeStatus: 'exited',
      nativeExitCode: exit.code,
    };
  }
  if (obs.alive) return { report: workerStatus(WorkerStatus.running), nativeStatus: 'running' };
  if (exit.kind === 'malformed') {
    return {
      report: workerStatus(
        WorkerStatus.failed,
        `process ended with an unreadable exit file (${JSON.stringify(exit.text)})`,
      ),
      nativeStatus: 'lost',
    };
  }
  return { report: workerStatus(WorkerStatus.failed, LOST_WORKER_DIAG), nativeStatus: 'lost' };
}
