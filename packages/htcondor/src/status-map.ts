// From an HTCondor job ad to a worker status (harvester-facts §4.1, batch-cli-formats.md A5):
//   1 idle, 7 suspended      → submitted, or idle once the job has started (JobStartDate set)
//   2 running, 6 transferring_output → running
//   3 removed                → cancelled (diag: RemoveReason, LastHoldReason)
//   4 completed              → finished when ExitCode is 0, else failed (signal: 128 + ExitSignal);
//                              nativeExitCode is the ExitCode as HTCondor gives it (Harvester
//                              sets it so); a non-zero multiple of 256 is also named divided by
//                              256 in the diag: Harvester divides it so (ExitCode // 256) only to
//                              map it to a pilot error code, which this package does not do
//   5 held                   → as 1 until heldTimeout (from EnteredCurrentStatus) has passed, or at
//                              once for a HoldReason containing one of removeHoldReasons: then the
//                              job must be removed (condor_rm) and the worker is cancelled
// Like Harvester, a LastJobStatus of 3 or 4 stands for a JobStatus that is neither, and a
// LastJobStatus 4 for a JobStatus 3 (a completed job removed from the queue afterwards). A status
// not in the table is never guessed: the worker is retried later.
import { retryLater, type WorkerCheckResult, WorkerStatus, workerStatus } from '@harvester-ts/core';
import type { CondorJobAd } from './commands.js';

/** JobStatus codes and the words nativeStatus records. */
export const JOB_STATUS_NAMES: Readonly<Record<number, string>> = {
  1: 'idle',
  2: 'running',
  3: 'removed',
  4: 'completed',
  5: 'held',
  6: 'transferring_output',
  7: 'suspended',
};

/** What each JobStatus means for the worker (held: decided by its reason and age). */
export const JOB_STATUS_MAP: Readonly<Record<number, WorkerStatus | 'queued' | 'completed' | 'held'>> = {
  1: 'queued',
  2: WorkerStatus.running,
  3: WorkerStatus.cancelled,
  4: 'completed',
  5: 'held',
  6: WorkerStatus.running,
  7: 'queued',
};

export interface HeldPolicy {
  /** Seconds a job may stay held. */
  heldTimeout: number;
  /** Hold reasons (substrings) that end the worker at once. */
  removeHoldReasons: readonly string[];
}

/** What the monitor records for one job. */
export interface MappedCondorStatus {
  report: WorkerCheckResult;
  /** idle, running, removed, completed, held, transferring_output, suspended (or unknown:N). */
  nativeStatus: string;
  nativeExitCode?: number;
  /** The job is held for good: it must be removed from the schedd before the worker is cancelled. */
  removeHeld?: boolean;
}

/** The JobStatus Harvester goes by (LastJobStatus replaces it after a completion or removal). */
export function effectiveJobStatus(ad: Pick<CondorJobAd, 'JobStatus' | 'LastJobStatus'>): number | undefined {
  const s = ad.JobStatus;
  const last = ad.LastJobStatus;
  if (s === undefined) return undefined;
  if (last === 4 && s === 3) return 4;
  if ((last === 3 || last === 4) && s !== 3 && s !== 4) return last;
  return s;
}

function queued(ad: CondorJobAd, diag?: string): WorkerCheckResult {
  const status =
    ad.JobStartDate !== undefined && ad.JobStartDate > 0 ? WorkerStatus.idle : WorkerStatus.submitted;
  return workerStatus(status, diag);
}

/**
 * The worker status of a job ad at `now` (epoch seconds). nativeExitCode is set for completed
 * jobs; the diagnostic names the job, and the reasons HTCondor gave.
 */
export function mapCondorStatus(ad: CondorJobAd, now: number, policy: HeldPolicy): MappedCondorStatus {
  const id = `${ad.ClusterId}.${ad.ProcId}`;
  const status = effectiveJobStatus(ad);
  if (status === undefined) {
    return { report: retryLater(`HTCondor job ${id} has no JobStatus`), nativeStatus: 'unknown' };
  }
  const nativeStatus = JOB_STATUS_NAMES[status] ?? `unknown:${status}`;
  const meaning = JOB_STATUS_MAP[status];
  if (meaning === undefined) {
    return {
      report: retryLater(`HTCondor job ${id} has a JobStatus this plugin does not know: ${status}`),
      nativeStatus,
    };
  }
  switch (meaning) {
    case 'queued':
      return { report: queued(ad), nativeStatus };
    case WorkerStatus.running:
      return { report: workerStatus(WorkerStatus.running), nativeStatus };
    case WorkerStatus.cancelled: {
      const parts = [`HTCondor job ${id} was removed`];
      if (ad.RemoveReason) parts.push(`RemoveReason: ${ad.RemoveReason}`);
      if (ad.LastHoldReason) parts.push(`LastHoldReason: ${ad.LastHoldReason}`);
      return { report: workerStatus(WorkerStatus.cancelled, parts.join('; ')), nativeStatus };
    }
    case 'completed': {
      if (ad.ExitBySignal === true) {
        const signal = ad.ExitSignal;
        const mapped: MappedCondorStatus = {
          report: workerStatus(
            WorkerStatus.failed,
            `HTCondor job ${id} was killed by signal ${signal ?? 'unknown'}`,
          ),
          nativeStatus,
        };
        if (signal !== undefined) mapped.nativeExitCode = 128 + signal;
        return mapped;
      }
      const code = ad.ExitCode;
      if (typeof code !== 'number' || !Number.isInteger(code)) {
        return {
          report: workerStatus(
            WorkerStatus.failed,
            `HTCondor job ${id} completed without an integer ExitCode (${JSON.stringify(code ?? null)})`,
          ),
          nativeStatus,
        };
      }
      if (code === 0) return { report: workerStatus(WorkerStatus.finished), nativeStatus, nativeExitCode: 0 };
      // Harvester: reduced_exit_code = ExitCode // 256 if ExitCode % 256 == 0 (a wait status
      // passed on as the exit code), for its pilot error mapping only; nativeExitCode stays raw.
      const reduced = code % 256 === 0 ? ` (${code} / 256 = ${code / 256}, as Harvester reads it)` : '';
      return {
        report: workerStatus(
          WorkerStatus.failed,
          `HTCondor job ${id} completed with exit code ${code}${reduced}`,
        ),
        nativeStatus,
        nativeExitCode: code,
      };
    }
    case 'held': {
      const reason = ad.HoldReason ?? 'no HoldReason';
      const code = ad.HoldReasonCode === undefined ? '' : ` (HoldReasonCode ${ad.HoldReasonCode})`;
      const listed = policy.removeHoldReasons.find((r) => ad.HoldReason?.includes(r));
      if (listed !== undefined) {
        return {
          report: workerStatus(
            WorkerStatus.cancelled,
            `HTCondor job ${id} was held: ${reason}${code}; removed (a hold reason that ends the worker at once)`,
          ),
          nativeStatus,
          removeHeld: true,
        };
      }
      const since = ad.EnteredCurrentStatus;
      const heldFor = since === undefined ? 0 : now - since;
      if (since !== undefined && heldFor > policy.heldTimeout) {
        return {
          report: workerStatus(
            WorkerStatus.cancelled,
            `HTCondor job ${id} was held for ${heldFor} s (more than heldTimeout ${policy.heldTimeout} s): ${reason}${code}; removed`,
          ),
          nativeStatus,
          removeHeld: true,
        };
      }
      return { report: queued(ad, `HTCondor job ${id} is held: ${reason}${code}`), nativeStatus };
    }
  }
  return { report: retryLater(`HTCondor job ${id}: unexpected JobStatus ${status}`), nativeStatus };
}
