// Worker status machine (harvester-facts §1.5, §2.2; DESIGN §3).
//
//   pending   -> submitted | running (late binding with a job) | missed (submission failed)
//                | cancelled (killed before it was submitted)
//   submitted -> running | idle | ready | finished | failed | cancelled
//   running   -> idle | ready | finished | failed | cancelled        (never back to submitted)
//   idle      -> running | ready | finished | failed | cancelled
//   ready     -> running | idle | finished | failed | cancelled
//   finished, failed, cancelled, missed: final and sticky (Harvester's update guard
//   `status NOT IN (cancelled, finished, failed, missed)`).
//
// Nothing goes back to pending (it only exists between the insert and the submission), and only a
// pending worker can be missed: a worker the batch system accepted ends finished/failed/cancelled.

import type { ErrorContext } from '../errors.js';
import {
  checkTableTransition,
  freezeTransitionTable,
  isTableStatus,
  type TransitionCheck,
  type TransitionTable,
  throwIfRefused,
} from './transition-check.js';
import { WorkerStatus } from './worker-status.js';

const { submitted, running, idle, ready, finished, failed, cancelled, missed } = WorkerStatus;

/** Allowed worker status changes (unchanged is always allowed and not listed). */
export const WORKER_TRANSITIONS: TransitionTable<WorkerStatus> = freezeTransitionTable<WorkerStatus>({
  pending: [submitted, running, missed, cancelled],
  submitted: [running, idle, ready, finished, failed, cancelled],
  running: [idle, ready, finished, failed, cancelled],
  idle: [running, ready, finished, failed, cancelled],
  ready: [running, idle, finished, failed, cancelled],
  finished: [],
  failed: [],
  cancelled: [],
  missed: [],
});

/** May a worker go from `from` to `to`? Unknown statuses are refused with a reason. */
export function checkWorkerTransition(from: string, to: string): TransitionCheck {
  return checkTableTransition(WORKER_TRANSITIONS, 'worker status', from, to);
}

/** Boolean form of {@link checkWorkerTransition}. */
export function canWorkerTransition(from: string, to: string): boolean {
  return checkWorkerTransition(from, to).ok;
}

/**
 * Throws IllegalTransitionError (entity `worker`) when the change is refused; `context` (e.g.
 * `{ workerID }`) is added to the error. Returns whether the status changes.
 */
export function assertWorkerTransition(from: string, to: string, context: ErrorContext = {}): boolean {
  return throwIfRefused('worker', from, to, checkWorkerTransition(from, to), context);
}

/** Statuses a worker in `from` may change to (empty for final or unknown statuses). */
export function nextWorkerStatuses(from: string): readonly WorkerStatus[] {
  return isTableStatus(WORKER_TRANSITIONS, from) ? WORKER_TRANSITIONS[from] : [];
}
