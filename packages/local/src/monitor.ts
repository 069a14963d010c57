// Watches local workers: one /proc scan per call, then the wrapper's exit file of each worker.
// The harvester never waits on its children: what it knows comes from /proc and the access point.
import { hostname } from 'node:os';
import {
  type BatchLookupResult,
  defineMonitor,
  errorText,
  type PluginContext,
  retryLater,
  type WorkerCheckResult,
  WorkerStatus,
  type WorkSpec,
  workerStatus,
} from '@harvester-ts/core';
import {
  BATCH_NAME_ENV,
  findTaggedWorkers,
  formatBatchID,
  isOurs,
  ownerTag,
  parseBatchID,
  readExitFile,
  readWorkerRecord,
  scanProcesses,
} from './commands.js';
import { LOCAL_COMPATIBILITY, localMonitorOptions } from './options.js';
import { mapLocalStatus } from './status-map.js';

export class LocalMonitorInstance {
  private readonly log: PluginContext['logger'];

  constructor(private readonly ctx: PluginContext) {
    this.log = ctx.logger.child({ plugin: 'LocalMonitor' });
  }

  async checkWorkers(workers: WorkSpec[]): Promise<WorkerCheckResult[]> {
    if (workers.length === 0) return [];
    const ids = workers.map((w) => parseBatchID(w.batchID));
    // /proc first, exit files after: the wrapper writes its exit file before it exits, so a
    // process seen gone here has left its exit file by the time it is read below.
    const table = await scanProcesses(new Set(ids.filter((id) => id !== undefined).map((id) => id.pid)));
    return Promise.all(
      workers.map(async (worker, i): Promise<WorkerCheckResult> => {
        const id = ids[i];
        if (id === undefined) {
          return workerStatus(
            WorkerStatus.failed,
            `not a local worker batchID: ${JSON.stringify(worker.batchID)} (expected <pid>:<starttime>)`,
          );
        }
        if (!worker.accessPoint) return workerStatus(WorkerStatus.failed, 'the worker has no access point');
        let exit: Awaited<ReturnType<typeof readExitFile>>;
        try {
          exit = await readExitFile(worker.accessPoint);
        } catch (err) {
          return retryLater(`cannot read the exit file in ${worker.accessPoint}: ${errorText(err)}`);
        }
        const mapped = mapLocalStatus({ exit, alive: isOurs(table, id) });
        worker.nativeStatus = mapped.nativeStatus;
        if (mapped.nativeExitCode !== undefined) worker.nativeExitCode = mapped.nativeExitCode;
        if (mapped.report.diag !== undefined) worker.diagMessage = mapped.report.diag;
        if (mapped.nativeStatus !== 'running') {
          this.log.debug(
            { workerID: worker.workerID, batchID: worker.batchID, status: mapped.report.status },
            'local worker ended',
          );
        }
        return mapped.report;
      }),
    );
  }

  /**
   * Found when the access point holds the submitter's record for this batch name (the process
   * may have ended since: still adopted, the monitor then reads its exit code), or when a live
   * process of this queue carries the batch name in its environment (a crash between spawn and
   * the record); else not found.
   */
  async findWorkersByBatchName(workers: WorkSpec[]): Promise<BatchLookupResult[]> {
    const host = hostname();
    let byName: Map<string, string> | undefined;
    const results: BatchLookupResult[] = [];
    for (const worker of workers) {
      if (worker.accessPoint) {
        try {
          const record = await readWorkerRecord(worker.accessPoint);
          if (record && record.batchName === worker.batchName) {
            results.push({ kind: 'found', batchID: formatBatchID(record), submissionHost: host });
            continue;
          }
        } catch (err) {
          this.log.warn({ workerID: worker.workerID, err: errorText(err) }, 'unreadable worker record');
        }
      }
      if (byName === undefined) {
        const tagged = await findTaggedWorkers(ownerTag(this.ctx.harvesterId, this.ctx.queueName));
        byName = new Map();
        for (const t of tagged) {
          const name = t.env.get(BATCH_NAME_ENV);
          if (name !== undefined)
            byName.set(name, formatBatchID({ pid: t.stat.pid, startTime: t.stat.startTime }));
        }
      }
      const batchID = byName.get(worker.batchName);
      results.push(
        batchID === undefined ? { kind: 'notFound' } : { kind: 'found', batchID, submissionHost: host },
      );
    }
    return results;
  }
}

/** Monitors workers started by LocalSubmitter (on this host). */
export const LocalMonitor = defineMonitor({
  name: 'LocalMonitor',
  compatibility: LOCAL_COMPATIBILITY,
  description: 'Monitors local process-group workers through /proc and the wrapper exit file.',
  options: localMonitorOptions,
  create(_options, ctx) {
    return new LocalMonitorInstance(ctx);
  },
});
