// Kills local workers (SIGTERM to the process group, SIGKILL after a grace period) and removes
// their access points. Killing never blocks the caller for the grace period: the SIGKILL is
// scheduled on an unref'd timer, and the deadline is recorded so that a later call escalates.
import { removeWorkerAccessPoint } from '@harvester-ts/batch-support';
import {
  defineSweeper,
  errorText,
  type Outcome,
  type PluginContext,
  retryLater,
  success,
  type WorkSpec,
} from '@harvester-ts/core';
import {
  isLive,
  isOurs,
  LOCAL_RECORD_FILE,
  type ProcessIdentity,
  type ProcessTable,
  parseBatchID,
  readKillRecord,
  scanProcesses,
  sessionMembers,
  writeKillRecord,
} from './commands.js';
import { LOCAL_COMPATIBILITY, type LocalSweeperOptions, localSweeperOptions } from './options.js';

/**
 * Whether the worker's process group still has processes of ours: the leader with its recorded
 * start time, or (the leader gone) members of the session it led — Linux does not reuse a pid
 * still in use as a session or group id.
 */
export function workerGroupAlive(table: ProcessTable, id: ProcessIdentity): boolean {
  const leader = table.get(id.pid);
  if (leader !== undefined && leader.startTime !== id.startTime && isLive(leader)) return false;
  if (isOurs(table, id)) return true;
  return sessionMembers(table, id.pid).length > 0;
}

type SignalResult = 'sent' | 'gone' | { error: string };

function signalGroup(pid: number, signal: NodeJS.Signals): SignalResult {
  try {
    process.kill(-pid, signal);
    return 'sent';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return 'gone';
    return { error: errorText(err) };
  }
}

export class LocalSweeperInstance {
  private readonly log: PluginContext['logger'];
  /** batchID → epoch ms when SIGKILL is due. */
  private readonly deadlines = new Map<string, number>();

  constructor(
    private readonly options: LocalSweeperOptions,
    ctx: PluginContext,
  ) {
    this.log = ctx.logger.child({ plugin: 'LocalSweeper' });
  }

  async killWorkers(workers: WorkSpec[]): Promise<Outcome[]> {
    if (workers.length === 0) return [];
    const table = await scanProcesses();
    const outcomes: Outcome[] = [];
    for (const worker of workers) outcomes.push(await this.killOne(worker, table));
    return outcomes;
  }

  private async killOne(worker: WorkSpec, table: ProcessTable): Promise<Outcome> {
    const id = parseBatchID(worker.batchID);
    if (id === undefined) {
      return success(undefined, `no local process to kill (batchID ${JSON.stringify(worker.batchID)})`);
    }
    const batchID = worker.batchID as string;
    if (!workerGroupAlive(table, id)) {
      this.deadlines.delete(batchID);
      return success(undefined, `process ${id.pid} is already gone`);
    }
    let deadline = this.deadlines.get(batchID);
    if (deadline === undefined && worker.accessPoint) {
      const record = await readKillRecord(worker.accessPoint);
      if (record?.batchID === batchID) deadline = record.killAt;
    }
    const now = Date.now();
    const graceMs = this.options.killGraceSeconds * 1000;
    if (graceMs === 0 || (deadline !== undefined && now >= deadline)) {
      const r = signalGroup(id.pid, 'SIGKILL');
      if (typeof r === 'object') return retryLater(`cannot SIGKILL process group ${id.pid}: ${r.error}`);
      this.deadlines.delete(batchID);
      return success(undefined, r === 'gone' ? `process ${id.pid} is already gone` : 'sent SIGKILL');
    }
    if (deadline !== undefined) {
      return success(undefined, `SIGTERM sent; SIGKILL due at ${new Date(deadline).toISOString()}`);
    }
    const r = signalGroup(id.pid, 'SIGTERM');
    if (typeof r === 'object') return retryLater(`cannot SIGTERM process group ${id.pid}: ${r.error}`);
    if (r === 'gone') return success(undefined, `process ${id.pid} is already gone`);
    deadline = now + graceMs;
    this.deadlines.set(batchID, deadline);
    if (worker.accessPoint) {
      try {
        await writeKillRecord(worker.accessPoint, { batchID, killAt: deadline });
      } catch (err) {
        this.log.warn({ workerID: worker.workerID, err: errorText(err) }, 'cannot record the kill deadline');
      }
    }
    this.scheduleKill(id, batchID, graceMs);
    return success(undefined, `sent SIGTERM; SIGKILL after ${this.options.killGraceSeconds}s`);
  }

  private scheduleKill(id: ProcessIdentity, batchID: string, delayMs: number): void {
    const timer = setTimeout(() => {
      void (async () => {
        try {
          const table = await scanProcesses();
          if (workerGroupAlive(table, id)) {
            const r = signalGroup(id.pid, 'SIGKILL');
            if (typeof r === 'object') this.log.warn({ batchID, err: r.error }, 'SIGKILL failed');
            else this.log.info({ batchID }, 'sent SIGKILL after the grace period');
          }
          this.deadlines.delete(batchID);
        } catch (err) {
          this.log.warn({ batchID, err: errorText(err) }, 'SIGKILL after the grace period failed');
        }
      })();
    }, delayMs);
    timer.unref();
  }

  async sweepWorker(worker: WorkSpec): Promise<Outcome> {
    return removeWorkerAccessPoint(worker, LOCAL_RECORD_FILE, {
      beforeRemove: async (record) => {
        const table = await scanProcesses();
        if (workerGroupAlive(table, record))
          return retryLater(`worker process ${record.pid} is still running`);
      },
      afterRemove: () => {
        if (worker.batchID) this.deadlines.delete(worker.batchID);
      },
    });
  }
}

/** Kills LocalSubmitter workers (process group: SIGTERM, SIGKILL after killGraceSeconds) and sweeps them. */
export const LocalSweeper = defineSweeper({
  name: 'LocalSweeper',
  compatibility: LOCAL_COMPATIBILITY,
  description: 'Kills local process-group workers and removes their access points.',
  options: localSweeperOptions,
  create(options, ctx) {
    return new LocalSweeperInstance(options, ctx);
  },
});
