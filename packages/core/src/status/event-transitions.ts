// Event-range subStatus machine (harvester-facts §2.4): the harvester's bookkeeping of an event
// until the WMS acknowledged it.
//
//   running      -> transferring | finished | failed
//   transferring -> finished | failed        (the event's output was staged out, or not)
//   finished     -> done                     (acknowledged by the WMS)
//   failed       -> done
//   done: final.

import type { ErrorContext } from '../errors.js';
import { EventSubStatus } from './event-status.js';
import {
  checkTableTransition,
  freezeTransitionTable,
  isTableStatus,
  type TransitionCheck,
  type TransitionTable,
  throwIfRefused,
} from './transition-check.js';

const E = EventSubStatus;

/** Allowed event subStatus changes (unchanged is always allowed and not listed). */
export const EVENT_SUB_STATUS_TRANSITIONS: TransitionTable<EventSubStatus> =
  freezeTransitionTable<EventSubStatus>({
    running: [E.transferring, E.finished, E.failed],
    transferring: [E.finished, E.failed],
    finished: [E.done],
    failed: [E.done],
    done: [],
  });

/** May an event's subStatus go from `from` to `to`? Unknown sub statuses are refused with a reason. */
export function checkEventSubStatusTransition(from: string, to: string): TransitionCheck {
  return checkTableTransition(EVENT_SUB_STATUS_TRANSITIONS, 'event subStatus', from, to);
}

/**
 * Throws IllegalTransitionError (entity `event`; `context` e.g. `{ eventRangeID, PandaID }`) when
 * refused; returns whether the subStatus changes.
 */
export function assertEventSubStatusTransition(
  from: string,
  to: string,
  context: ErrorContext = {},
): boolean {
  return throwIfRefused('event', from, to, checkEventSubStatusTransition(from, to), context);
}

/** Sub statuses an event in `from` may change to (empty for done or unknown sub statuses). */
export function nextEventSubStatuses(from: string): readonly EventSubStatus[] {
  return isTableStatus(EVENT_SUB_STATUS_TRANSITIONS, from) ? EVENT_SUB_STATUS_TRANSITIONS[from] : [];
}
