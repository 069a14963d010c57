// The shared shape of every status machine of core: a pure check that answers "may this entity go
// from `from` to `to`?" without throwing, and an assert variant that turns a refusal into an
// IllegalTransitionError naming the entity, both statuses and the reason.

import { type ErrorContext, IllegalTransitionError } from '../errors.js';

/**
 * Result of a transition check. `changed: false` means `from === to`: allowed, but there is no
 * status change to record (no StatusEvent).
 */
export type TransitionCheck =
  | { readonly ok: true; readonly changed: boolean }
  | { readonly ok: false; readonly reason: string };

/** Which kind of status an IllegalTransitionError is about. */
export type TransitionEntity = IllegalTransitionError['entity'];

/** For every status, the statuses it may change to (itself excluded: unchanged is always allowed). */
export type TransitionTable<S extends string> = { readonly [K in S]: readonly S[] };

const UNCHANGED: TransitionCheck = Object.freeze({ ok: true, changed: false });
const CHANGED: TransitionCheck = Object.freeze({ ok: true, changed: true });

/** An allowed transition; `changed` is false when both statuses are equal. */
export function transitionAllowed(from: string, to: string): TransitionCheck {
  return from === to ? UNCHANGED : CHANGED;
}

/** A refused transition with its reason. */
export function transitionRefused(reason: string): TransitionCheck {
  return { ok: false, reason };
}

/** Renders a status value for a reason text; copes with non-strings read from outside. */
export function showStatus(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Whether `value` is one of the keys (statuses) of `table`. */
export function isTableStatus<S extends string>(table: TransitionTable<S>, value: unknown): value is S {
  return typeof value === 'string' && Object.hasOwn(table, value);
}

/** Freezes a record of lists and the lists, so that no caller can change the rules at run time. */
export function freezeLists<T extends { readonly [key: string]: readonly string[] }>(table: T): T {
  for (const list of Object.values(table)) Object.freeze(list);
  return Object.freeze(table);
}

/** Freezes a transition table and its lists. */
export function freezeTransitionTable<S extends string>(table: TransitionTable<S>): TransitionTable<S> {
  return freezeLists(table);
}

/**
 * Checks `from -> to` against `table`. `label` names the status family in reason texts, e.g.
 * "worker status". Unknown statuses (not keys of the table) are refused, never thrown.
 */
export function checkTableTransition<S extends string>(
  table: TransitionTable<S>,
  label: string,
  from: unknown,
  to: unknown,
): TransitionCheck {
  if (!isTableStatus(table, from)) return transitionRefused(`unknown ${label} ${showStatus(from)}`);
  if (!isTableStatus(table, to)) return transitionRefused(`unknown ${label} ${showStatus(to)}`);
  if (from === to) return UNCHANGED;
  const allowed = table[from];
  if (allowed.length === 0) return transitionRefused(`${label} ${from} is final`);
  if (!allowed.includes(to)) {
    return transitionRefused(`${label} ${from} cannot change to ${to} (allowed: ${allowed.join(', ')})`);
  }
  return CHANGED;
}

/**
 * Throws an IllegalTransitionError when `check` is a refusal; otherwise returns whether the status
 * changes (false: unchanged, nothing to record).
 */
export function throwIfRefused(
  entity: TransitionEntity,
  from: unknown,
  to: unknown,
  check: TransitionCheck,
  context: ErrorContext = {},
): boolean {
  if (!check.ok) throw new IllegalTransitionError(entity, String(from), String(to), check.reason, context);
  return check.changed;
}
