// Every plugin call goes through here: a per-call timeout with an AbortSignal, errors turned into
// diagnostics, and results checked, so a plugin that throws, hangs or returns garbage fails or
// retries only the items it was given — never the agent or the daemon.
import { type CallOptions, isOutcome, type Outcome, retryLater } from '@harvester-ts/core';

export interface CallSite {
  queue?: string;
  /** e.g. `submitter` */
  section: string;
  /** e.g. `submitWorkers` */
  method: string;
}

export type CallResult<T> = { ok: true; value: T } | { ok: false; diag: string };

function where(site: CallSite): string {
  return `${site.section}.${site.method}${site.queue ? ` (queue ${site.queue})` : ''}`;
}

/** Runs one plugin call with a timeout; never throws. */
export async function callPlugin<T>(
  site: CallSite,
  fn: (call: CallOptions) => Promise<T>,
  timeoutMs: number,
  shutdown?: AbortSignal,
): Promise<CallResult<T>> {
  const controller = new AbortController();
  const onShutdown = () => controller.abort(shutdown?.reason);
  shutdown?.addEventListener('abort', onShutdown, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CallResult<T>>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error('timeout'));
      resolve({ ok: false, diag: `${where(site)} did not answer within ${timeoutMs} ms` });
    }, timeoutMs);
  });
  try {
    const run = (async (): Promise<CallResult<T>> => {
      try {
        return { ok: true, value: await fn({ signal: controller.signal }) };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        return { ok: false, diag: `${where(site)} failed: ${message}` };
      }
    })();
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
    shutdown?.removeEventListener('abort', onShutdown);
  }
}

/**
 * Checks a bulk call's per-item outcomes: one per item, each a well-formed Outcome. A call that
 * failed, or an item whose result is missing or malformed, becomes retry-later with a diagnostic.
 */
export function outcomesFor<T>(site: CallSite, result: CallResult<unknown>, n: number): Outcome<T>[] {
  if (!result.ok) return Array.from({ length: n }, () => retryLater(result.diag));
  const value = result.value;
  if (!Array.isArray(value)) {
    const diag = `${where(site)} returned ${describe(value)} instead of a list of ${n} results`;
    return Array.from({ length: n }, () => retryLater(diag));
  }
  if (value.length !== n) {
    const diag = `${where(site)} returned ${value.length} results for ${n} items`;
    return Array.from({ length: n }, () => retryLater(diag));
  }
  return value.map((v, i) =>
    isOutcome(v)
      ? (v as Outcome<T>)
      : retryLater(`${where(site)} returned an invalid result for item ${i}: ${describe(v)}`),
  );
}

/** Checks a single call's Outcome. */
export function outcomeOf<T>(site: CallSite, result: CallResult<unknown>): Outcome<T> {
  if (!result.ok) return retryLater(result.diag);
  if (isOutcome(result.value)) return result.value as Outcome<T>;
  return retryLater(`${where(site)} returned an invalid result: ${describe(result.value)}`);
}

function describe(value: unknown): string {
  try {
    const s = JSON.stringify(value);
    return s === undefined ? String(value) : s.length > 120 ? `${s.slice(0, 117)}...` : s;
  } catch {
    return String(value);
  }
}
