// Waiting in tests: sleeping, polling a condition, and polling a monitor's checkWorkers. Generic over
// the monitor's types so that this package does not depend on the plugin packages or core.

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Waits until `cond` holds (polling every 100 ms), failing after `timeoutMs`. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** What the polling helpers need of a monitor. */
export interface WorkerChecker<W, R> {
  checkWorkers(workers: W[]): Promise<R[]>;
}

/**
 * A `pollUntil(monitor, workers, done, timeoutMs, onCycle?)` that calls checkWorkers for all workers
 * every `intervalMs` until `done` holds for every result (or the time is up), returning the last results.
 */
export function checkPoller(intervalMs: number) {
  return async function pollUntil<W, R>(
    monitor: WorkerChecker<W, R>,
    workers: W[],
    done: (r: R | undefined) => boolean,
    timeoutMs: number,
    onCycle?: (results: R[]) => void,
  ): Promise<R[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const results = await monitor.checkWorkers(workers);
      onCycle?.(results);
      if (results.every(done) || Date.now() > deadline) return results;
      await sleep(intervalMs);
    }
  };
}

/** Polls checkWorkers for one worker every 200 ms until `until` holds (or the time is up); returns the last result. */
export async function waitForCheck<W, R>(
  monitor: WorkerChecker<W, R>,
  worker: W,
  until: (r: R) => boolean,
  timeoutMs = 15_000,
): Promise<R> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [result] = await monitor.checkWorkers([worker]);
    if (!result) throw new Error('no result');
    if (until(result) || Date.now() > deadline) return result;
    await new Promise((r) => setTimeout(r, 200));
  }
}
