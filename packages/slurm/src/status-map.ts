// From a Slurm job state (squeue, sacct, scontrol) to a worker status. Every state of Slurm 22.05
// is in the table; a state that is not is never guessed: the worker is retried later.
import { retryLater, type WorkerCheckResult, WorkerStatus, workerStatus } from '@harvester-ts/core';
import { nativeExitCodeOf, type SlurmExit } from './commands.js';

/** What each Slurm state means for the worker; `retry`: a passing state that says nothing yet. */
export const SLURM_STATE_MAP: Readonly<Record<string, WorkerStatus | 'retry'>> = {
  // Waiting to run (again).
  PENDING: WorkerStatus.submitted,
  CONFIGURING: WorkerStatus.submitted,
  REQUEUED: WorkerStatus.submitted,
  REQUEUE_HOLD: WorkerStatus.submitted,
  REQUEUE_FED: WorkerStatus.submitted,
  RESV_DEL_HOLD: WorkerStatus.submitted,
  // Started and not over.
  RUNNING: WorkerStatus.running,
  COMPLETING: WorkerStatus.running,
  SUSPENDED: WorkerStatus.running,
  STOPPED: WorkerStatus.running,
  RESIZING: WorkerStatus.running,
  SIGNALING: WorkerStatus.running,
  STAGE_OUT: WorkerStatus.running,
  // Over.
  COMPLETED: WorkerStatus.finished,
  FAILED: WorkerStatus.failed,
  TIMEOUT: WorkerStatus.failed,
  NODE_FAIL: WorkerStatus.failed,
  BOOT_FAIL: WorkerStatus.failed,
  OUT_OF_MEMORY: WorkerStatus.failed,
  DEADLINE: WorkerStatus.failed,
  PREEMPTED: WorkerStatus.failed,
  // Held after an exit value the site marks special; it runs again only if someone releases it.
  SPECIAL_EXIT: WorkerStatus.failed,
  CANCELLED: WorkerStatus.cancelled,
  // A federation sibling revoked because another sibling runs the job.
  REVOKED: WorkerStatus.cancelled,
  // slurmctld is writing the job to the database: the next look tells.
  UPDATE_DB: 'retry',
};

/** squeue's compact state codes (`%t`), to their long names. */
export const SLURM_COMPACT_STATES: Readonly<Record<string, string>> = {
  PD: 'PENDING',
  R: 'RUNNING',
  S: 'SUSPENDED',
  CG: 'COMPLETING',
  CD: 'COMPLETED',
  CF: 'CONFIGURING',
  CA: 'CANCELLED',
  F: 'FAILED',
  TO: 'TIMEOUT',
  PR: 'PREEMPTED',
  NF: 'NODE_FAIL',
  BF: 'BOOT_FAIL',
  DL: 'DEADLINE',
  OOM: 'OUT_OF_MEMORY',
  RQ: 'REQUEUED',
  RH: 'REQUEUE_HOLD',
  RF: 'REQUEUE_FED',
  RS: 'RESIZING',
  RV: 'REVOKED',
  SI: 'SIGNALING',
  SE: 'SPECIAL_EXIT',
  SO: 'STAGE_OUT',
  ST: 'STOPPED',
  RD: 'RESV_DEL_HOLD',
};

/**
 * The state name in a printed state: `CANCELLED by 1000` and sacct's cut `CANCELLED+` are
 * CANCELLED; a compact code is expanded. Undefined for anything that is no known state (a cut
 * `OUT_OF_ME+` included: it is not guessed).
 */
export function baseSlurmState(printed: string): string | undefined {
  let s = printed.trim();
  const by = /^([A-Z_]+) by [0-9]+$/.exec(s);
  if (by?.[1] !== undefined) s = by[1];
  if (s.endsWith('+')) s = s.slice(0, -1);
  s = SLURM_COMPACT_STATES[s] ?? s;
  return Object.hasOwn(SLURM_STATE_MAP, s) ? s : undefined;
}

/** What the monitor records for one job. */
export interface MappedSlurmStatus {
  report: WorkerCheckResult;
  /** The Slurm state (e.g. `CANCELLED by 0`, as printed). */
  nativeStatus: string;
  nativeExitCode?: number;
}

export interface SlurmObservation {
  /** The batchID. */
  id: string;
  state: string;
  reason?: string | undefined;
  exit?: SlurmExit | undefined;
}

function exitText(exit: SlurmExit | undefined): string {
  if (!exit) return '';
  return exit.signal !== 0
    ? `, exit code ${exit.code}:${exit.signal} (signal ${exit.signal})`
    : `, exit code ${exit.code}:0`;
}

/**
 * The worker status of a job: see SLURM_STATE_MAP. nativeExitCode is set for jobs that are over
 * (128 + the signal when a signal ended the job); the diagnostic names the state, Slurm's reason
 * and the exit code.
 */
export function mapSlurmStatus(obs: SlurmObservation): MappedSlurmStatus {
  const base = baseSlurmState(obs.state);
  const nativeStatus = obs.state.trim();
  if (base === undefined) {
    return {
      report: retryLater(
        `Slurm job ${obs.id} is in a state this plugin does not know: ${JSON.stringify(obs.state)}`,
      ),
      nativeStatus,
    };
  }
  const status = SLURM_STATE_MAP[base] as WorkerStatus | 'retry';
  const reason = obs.reason && obs.reason !== 'None' ? ` (${obs.reason})` : '';
  if (status === 'retry') {
    return { report: retryLater(`Slurm job ${obs.id} is ${nativeStatus}${reason}`), nativeStatus };
  }
  const over = status === 'finished' || status === 'failed' || status === 'cancelled';
  const mapped: MappedSlurmStatus = { report: workerStatus(status), nativeStatus };
  if (over && obs.exit) mapped.nativeExitCode = nativeExitCodeOf(obs.exit);
  if (status === 'failed' || status === 'cancelled') {
    mapped.report = workerStatus(status, `Slurm job ${obs.id} ${nativeStatus}${reason}${exitText(obs.exit)}`);
  } else if (status === 'submitted' && reason) {
    mapped.report = workerStatus(status, `Slurm job ${obs.id} ${nativeStatus}${reason}`);
  }
  return mapped;
}
