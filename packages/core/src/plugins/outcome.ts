// Harvester's plugin tri-state (True / False / None) as a discriminated union:
// success, fatal (give up, with a diagnostic) or retry later (temporary, with a diagnostic).

export interface Success<T = void> {
  readonly kind: 'success';
  readonly value: T;
  readonly diag?: string;
}

export interface Fatal {
  readonly kind: 'fatal';
  readonly diag: string;
}

export interface RetryLater {
  readonly kind: 'retry';
  readonly diag: string;
}

export type Outcome<T = void> = Success<T> | Fatal | RetryLater;

export function success(): Success<void>;
export function success<T>(value: T, diag?: string): Success<T>;
export function success<T>(value?: T, diag?: string): Success<T | undefined> {
  return diag === undefined ? { kind: 'success', value } : { kind: 'success', value, diag };
}

export function fatal(diag: string): Fatal {
  return { kind: 'fatal', diag };
}

export function retryLater(diag: string): RetryLater {
  return { kind: 'retry', diag };
}

export function isSuccess<T>(o: Outcome<T>): o is Success<T> {
  return o.kind === 'success';
}

export function isFatal(o: Outcome<unknown>): o is Fatal {
  return o.kind === 'fatal';
}

export function isRetryLater(o: Outcome<unknown>): o is RetryLater {
  return o.kind === 'retry';
}

/** Tells whether a value is a well-formed Outcome (used to check what a plugin returned). */
export function isOutcome(value: unknown): value is Outcome<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { kind?: unknown; diag?: unknown };
  if (v.kind === 'success') return v.diag === undefined || typeof v.diag === 'string';
  return (v.kind === 'fatal' || v.kind === 'retry') && typeof v.diag === 'string';
}

/**
 * Converts a Python-Harvester style result (`true`, `false`, `null`/`undefined`) to an Outcome,
 * for porting plugins.
 */
export function fromTriState(result: boolean | null | undefined, diag = ''): Outcome {
  if (result === true) return success(undefined, diag || undefined) as Success<void>;
  if (result === false) return fatal(diag || 'failed');
  return retryLater(diag || 'temporary failure');
}
