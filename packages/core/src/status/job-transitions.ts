// Job status machines (harvester-facts §2.1; DESIGN §3): `status` (what the WMS sees), `subStatus`
// (where the job is in the harvester's pipeline), and the (status, subStatus) pair.
//
// status
//   starting -> running | finished | failed | cancelled | missed
//   running  -> finished | failed | cancelled | missed                 (never back to starting)
//   finished -> failed, ONLY together with subStatus failed_to_stage_out: the payload finished, but
//               the stager could not stage its outputs out, so the job fails after the fact
//               (Harvester's db_proxy.update_job_for_stage_out sets status failed there).
//   failed, cancelled, missed: final and sticky; finished is sticky apart from the case above.
//
// subStatus
//   fetched   -> preparing | prepared | failed_to_prepare | killed
//   preparing -> prepared | failed_to_prepare | killed
//   prepared  -> submitted | queued | failed_to_make | killed | missed
//   queued    -> submitted | ready | running | idle | to_transfer | killed | missed | prepared
//   submitted -> ready | running | idle | to_transfer | killed | missed | prepared
//   ready     -> running | idle | to_transfer | killed | missed
//   running   -> ready | idle | to_transfer | killed | missed
//   idle      -> running | ready | to_transfer | killed | missed
//   to_transfer  -> transferring | staged | done | failed_to_stage_out
//   transferring -> staged | failed_to_stage_out
//   staged       -> done
//   failed_to_prepare | failed_to_make | failed_to_stage_out | killed | missed -> done
//   done: final.
//
// The worker-mirrored sub statuses (submitted, ready, running, idle) follow the worker machine among
// themselves: nothing returns to submitted. `queued` (bound to a worker that pulls its jobs itself,
// Harvester's hasJob=0 late binding) comes before the worker-mirrored group, so it may go to any of
// them, submitted included: Harvester's submitter re-picks queued jobs and binds them to a new
// worker, which makes them submitted. `submitted` and `queued` may go back to `prepared`: the job
// is released for a retry after its worker's submission failed (the job is marked submitted when
// its worker is inserted as pending, before the submission; see worker-to-job-status.ts).
//
// (status, subStatus) consistency, derived from who sets which pair in Harvester:
//   starting  : fetched, preparing, prepared, queued, submitted, ready
//   running   : ready, running, idle
//               (convert_to_job_status maps worker running|idle to running; `ready` is kept for a
//               worker that went idle -> ready after it ran, as a job never returns to starting)
//   finished  : to_transfer, transferring, staged, done
//   failed    : to_transfer, transferring, staged, done,
//               failed_to_prepare (preparator), failed_to_make (submitter),
//               failed_to_stage_out (stager)
//   cancelled : to_transfer, transferring, staged, done, killed (propagator: killed w/o workers)
//   missed    : missed, done
// So: pre-run sub statuses only with starting; worker-ended sub statuses only with a final status
// other than missed; failed_to_* only with failed; killed only with cancelled; missed only with
// missed; done with every final status. A pair transition checks the status change, the subStatus
// change, and the consistency of the NEW pair (not of the old one, so that a row that is already
// inconsistent can still be moved to a consistent state).

import type { ErrorContext } from '../errors.js';
import { JOB_STATUSES, JobStatus, JobSubStatus } from './job-status.js';
import {
  checkTableTransition,
  freezeLists,
  freezeTransitionTable,
  isTableStatus,
  showStatus,
  type TransitionCheck,
  type TransitionTable,
  throwIfRefused,
  transitionRefused,
} from './transition-check.js';

const S = JobStatus;
const U = JobSubStatus;

/**
 * Allowed job status changes (unchanged is always allowed and not listed). finished -> failed is
 * listed but conditional: see {@link checkJobStatusTransition}.
 */
export const JOB_STATUS_TRANSITIONS: TransitionTable<JobStatus> = freezeTransitionTable<JobStatus>({
  starting: [S.running, S.finished, S.failed, S.cancelled, S.missed],
  running: [S.finished, S.failed, S.cancelled, S.missed],
  // Only with subStatus failed_to_stage_out (stage-out failed after the payload finished).
  finished: [S.failed],
  failed: [],
  cancelled: [],
  missed: [],
});

/** Allowed job subStatus changes (unchanged is always allowed and not listed). */
export const JOB_SUB_STATUS_TRANSITIONS: TransitionTable<JobSubStatus> = freezeTransitionTable<JobSubStatus>({
  fetched: [U.preparing, U.prepared, U.failed_to_prepare, U.killed],
  preparing: [U.prepared, U.failed_to_prepare, U.killed],
  prepared: [U.submitted, U.queued, U.failed_to_make, U.killed, U.missed],
  queued: [U.submitted, U.ready, U.running, U.idle, U.to_transfer, U.killed, U.missed, U.prepared],
  submitted: [U.ready, U.running, U.idle, U.to_transfer, U.killed, U.missed, U.prepared],
  ready: [U.running, U.idle, U.to_transfer, U.killed, U.missed],
  running: [U.ready, U.idle, U.to_transfer, U.killed, U.missed],
  idle: [U.running, U.ready, U.to_transfer, U.killed, U.missed],
  to_transfer: [U.transferring, U.staged, U.done, U.failed_to_stage_out],
  transferring: [U.staged, U.failed_to_stage_out],
  staged: [U.done],
  done: [],
  failed_to_prepare: [U.done],
  failed_to_make: [U.done],
  failed_to_stage_out: [U.done],
  killed: [U.done],
  missed: [U.done],
});

/** For every job status, the sub statuses a job in that status may have. */
export const JOB_SUB_STATUSES_BY_STATUS: { readonly [K in JobStatus]: readonly JobSubStatus[] } =
  freezeLists<{ readonly [K in JobStatus]: readonly JobSubStatus[] }>({
    starting: [U.fetched, U.preparing, U.prepared, U.queued, U.submitted, U.ready],
    running: [U.ready, U.running, U.idle],
    finished: [U.to_transfer, U.transferring, U.staged, U.done],
    failed: [
      U.to_transfer,
      U.transferring,
      U.staged,
      U.done,
      U.failed_to_prepare,
      U.failed_to_make,
      U.failed_to_stage_out,
    ],
    // failed_to_stage_out: a cancelled job's partial outputs that could not be staged out.
    cancelled: [U.to_transfer, U.transferring, U.staged, U.done, U.killed, U.failed_to_stage_out],
    missed: [U.missed, U.done],
  });

/** A job's status and subStatus, as produced by the worker -> job mapping. */
export interface JobStatusPair {
  readonly status: JobStatus;
  readonly subStatus: JobSubStatus;
}

/** A (status, subStatus) pair as read from outside; values are checked, not trusted. */
export interface JobStatusPairLike {
  readonly status: string;
  readonly subStatus: string;
}

/** Result of a consistency check of one (status, subStatus) pair. */
export type StatusPairCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

// ---- status ---------------------------------------------------------------------------------

/**
 * May a job's status go from `from` to `to`? `newSubStatus` is the subStatus the job gets with the
 * change; it only matters for finished -> failed, allowed only with failed_to_stage_out.
 */
export function checkJobStatusTransition(from: string, to: string, newSubStatus?: string): TransitionCheck {
  const check = checkTableTransition(JOB_STATUS_TRANSITIONS, 'job status', from, to);
  if (from === S.finished && to !== S.finished && isTableStatus(JOB_STATUS_TRANSITIONS, to)) {
    if (to !== S.failed) {
      return transitionRefused(
        'job status finished is final (it may only become failed, with subStatus failed_to_stage_out)',
      );
    }
    if (newSubStatus !== U.failed_to_stage_out) {
      return transitionRefused(
        `job status finished may become failed only with subStatus failed_to_stage_out (got ${showStatus(newSubStatus)})`,
      );
    }
  }
  return check;
}

/** Throws IllegalTransitionError (entity `job`) when refused; returns whether the status changes. */
export function assertJobStatusTransition(
  from: string,
  to: string,
  newSubStatus?: string,
  context: ErrorContext = {},
): boolean {
  return throwIfRefused('job', from, to, checkJobStatusTransition(from, to, newSubStatus), context);
}

/**
 * Statuses a job in `from` may change to. finished -> failed is included only when `newSubStatus`
 * is failed_to_stage_out. Empty for final or unknown statuses.
 */
export function nextJobStatuses(from: string, newSubStatus?: string): readonly JobStatus[] {
  if (!isTableStatus(JOB_STATUS_TRANSITIONS, from)) return [];
  return JOB_STATUS_TRANSITIONS[from].filter((to) => checkJobStatusTransition(from, to, newSubStatus).ok);
}

// ---- subStatus ------------------------------------------------------------------------------

/** May a job's subStatus go from `from` to `to`? Unknown sub statuses are refused with a reason. */
export function checkJobSubStatusTransition(from: string, to: string): TransitionCheck {
  return checkTableTransition(JOB_SUB_STATUS_TRANSITIONS, 'job subStatus', from, to);
}

/** Throws IllegalTransitionError (entity `jobSubStatus`) when refused; returns whether it changes. */
export function assertJobSubStatusTransition(from: string, to: string, context: ErrorContext = {}): boolean {
  return throwIfRefused('jobSubStatus', from, to, checkJobSubStatusTransition(from, to), context);
}

/** Sub statuses a job in `from` may change to (empty for done or unknown sub statuses). */
export function nextJobSubStatuses(from: string): readonly JobSubStatus[] {
  return isTableStatus(JOB_SUB_STATUS_TRANSITIONS, from) ? JOB_SUB_STATUS_TRANSITIONS[from] : [];
}

// ---- (status, subStatus) ----------------------------------------------------------------------

/** Statuses a job with `subStatus` may have (empty for an unknown subStatus). */
export function jobStatusesForSubStatus(subStatus: string): readonly JobStatus[] {
  return JOB_STATUSES.filter((s) => (JOB_SUB_STATUSES_BY_STATUS[s] as readonly string[]).includes(subStatus));
}

/** Does `subStatus` go with `status` (see the consistency rules at the top of this file)? */
export function checkJobStatusConsistency(status: string, subStatus: string): StatusPairCheck {
  if (!isTableStatus(JOB_STATUS_TRANSITIONS, status)) {
    return { ok: false, reason: `unknown job status ${showStatus(status)}` };
  }
  if (!isTableStatus(JOB_SUB_STATUS_TRANSITIONS, subStatus)) {
    return { ok: false, reason: `unknown job subStatus ${showStatus(subStatus)}` };
  }
  if ((JOB_SUB_STATUSES_BY_STATUS[status] as readonly string[]).includes(subStatus)) return { ok: true };
  return {
    ok: false,
    reason:
      `job status ${status} does not go with subStatus ${subStatus} ` +
      `(subStatus ${subStatus} goes with status ${jobStatusesForSubStatus(subStatus).join(' or ')})`,
  };
}

/** Renders a pair as `status/subStatus` (used as from/to of IllegalTransitionError). */
export function formatJobStatusPair(pair: JobStatusPairLike): string {
  return `${String(pair.status)}/${String(pair.subStatus)}`;
}

/**
 * May a job go from one (status, subStatus) pair to another? Both the status and the subStatus
 * change must be legal, and the new pair must be consistent. `changed` is true when either part
 * changes.
 */
export function checkJobTransition(from: JobStatusPairLike, to: JobStatusPairLike): TransitionCheck {
  const status = checkJobStatusTransition(from.status, to.status, to.subStatus);
  if (!status.ok) return transitionRefused(`status: ${status.reason}`);
  const subStatus = checkJobSubStatusTransition(from.subStatus, to.subStatus);
  if (!subStatus.ok) return transitionRefused(`subStatus: ${subStatus.reason}`);
  const consistency = checkJobStatusConsistency(to.status, to.subStatus);
  if (!consistency.ok) return transitionRefused(`inconsistent target: ${consistency.reason}`);
  return { ok: true, changed: status.changed || subStatus.changed };
}

/**
 * Throws IllegalTransitionError (entity `job`, from/to rendered as `status/subStatus`) when the pair
 * change is refused; `context` (e.g. `{ PandaID }`) is added. Returns whether anything changes.
 */
export function assertJobTransition(
  from: JobStatusPairLike,
  to: JobStatusPairLike,
  context: ErrorContext = {},
): boolean {
  return throwIfRefused(
    'job',
    formatJobStatusPair(from),
    formatJobStatusPair(to),
    checkJobTransition(from, to),
    context,
  );
}
