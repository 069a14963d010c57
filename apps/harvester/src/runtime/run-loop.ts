// How `harvester run` drives the engine: forever (until a signal), one round, or until nothing is
// left to do.
import type { Engine } from '@harvester-ts/engine';
import { isSettled } from '../store/queries.js';

export type RunMode = 'forever' | 'once' | 'until-idle';
export type RunOutcome = 'stopped' | 'round-done' | 'settled' | 'timeout';

export interface RunLoopOptions {
  mode: RunMode;
  /** until-idle: give up after this long. */
  timeoutMs: number;
  /** Aborted by SIGINT/SIGTERM: finish the cycles in flight and stop. */
  signal: AbortSignal;
  /** until-idle: pause between rounds that found nothing to do. */
  idlePauseMs?: number;
}

export async function runLoop(engine: Engine, options: RunLoopOptions): Promise<RunOutcome> {
  const { signal } = options;
  if (options.mode === 'once') {
    await engine.runOnce();
    return 'round-done';
  }
  if (options.mode === 'forever') {
    engine.start();
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return 'stopped';
  }
  const deadline = Date.now() + options.timeoutMs;
  const pause = options.idlePauseMs ?? 250;
  let quiet = 0;
  // Whether the WMS was asked for jobs (and gave none) since the quiet rounds began: a fetch that
  // is not due yet (a recent fetch by an earlier run) says nothing about the jobs waiting there.
  let asked = false;
  while (!signal.aborted) {
    const results = await engine.runOnce();
    const work = Object.values(results).reduce((n, r) => n + r.work, 0);
    if (work > 0) asked = false;
    if (fetcherAsked(results.jobFetcher)) asked = true;
    // Two quiet rounds in a row over a settled database, after the WMS had nothing: a single one
    // could fall between a worker's exit and the monitor seeing it.
    if (work === 0 && (await isSettled(engine.db.ds))) {
      quiet++;
      if (quiet >= 2 && asked) return 'settled';
      if (!asked) await sleep(pause, signal);
    } else if (work === 0) {
      quiet = 0;
      await sleep(pause, signal);
    } else {
      quiet = 0;
    }
    if (Date.now() > deadline) return 'timeout';
  }
  return 'stopped';
}

/**
 * Whether the job fetcher's round asked the WMS: it reports the queues it asked for; a round with
 * no fetching queue at all (NoJob queues, no job limit) has nothing to ask.
 */
function fetcherAsked(result: { work: number; [key: string]: unknown } | undefined): boolean {
  if (result === undefined) return true;
  return !('queues' in result) || Number(result.queues) > 0;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
