// Watches HTCondor jobs. Per checkWorkers call and per schedd (the worker's submissionHost): ONE
// `condor_q -json` for all its workers' jobs, then ONE `condor_history -json` for every job the
// queue no longer holds, however long ago it was submitted (bounded by -match and
// -completedsince). Jobs held for good are removed with ONE condor_rm before their workers are
// cancelled (the engine kills only workers that are not final, so a held job would otherwise
// linger); only jobs whose harvesterID and harvesterWorkerID show they are this worker's. A
// schedd that does not answer, or output that cannot be read, leaves its workers to be retried:
// never a final state HTCondor did not say. A job in neither: the wrapper's exit file decides;
// without one it is retried (Harvester's cancelUnknown=False), or after unknownGraceSeconds from
// the first time it was missed becomes unknownJobStatus.
import {
  type BatchLookupResult,
  type CallOptions,
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
  type CondorJobAd,
  type CondorJobId,
  jobOwnership,
  MONITOR_ATTRIBUTES,
  parseCondorJobId,
} from './commands.js';
import { findByBatchNames, queryHistory, queryQueue } from './lookup.js';
import {
  type CondorMonitorOptions,
  condorMonitorOptions,
  HTCONDOR_COMPATIBILITY,
  IGNORED_MONITOR_OPTIONS,
  ignoredOptionsIn,
} from './options.js';
import { removeJobs } from './removal.js';
import { CondorTools } from './runner.js';
import { parseSubmissionHost, type ScheddTarget, targetKey } from './schedds.js';
import { type MappedCondorStatus, mapCondorStatus } from './status-map.js';
import { readExitFile, readWorkerRecord } from './worker-record.js';

interface Watched {
  i: number;
  worker: WorkSpec;
  id: CondorJobId;
  key: string;
}

/** The host part of `slot1@host` (RemoteHost), for nodeID. */
function hostOf(remoteHost: string | undefined): string | undefined {
  if (!remoteHost) return undefined;
  const at = remoteHost.lastIndexOf('@');
  return (at < 0 ? remoteHost : remoteHost.slice(at + 1)).slice(0, 255);
}

/** Forget a job first missed this long ago that was not asked about since (a worker ended elsewhere). */
const UNKNOWN_MEMORY_MS = 7 * 24 * 3600 * 1000;

export class HTCondorMonitorInstance {
  private readonly log: PluginContext['logger'];
  private readonly tools: CondorTools;
  private readonly harvesterId: string;
  /**
   * `<submissionHost>#<C.P>` → when the job was first missing from both condor_q and
   * condor_history (epoch ms), and when it was last asked about. In memory: a restart starts
   * the grace again.
   */
  private readonly unknownSince = new Map<string, { since: number; seen: number }>();

  constructor(
    private readonly options: CondorMonitorOptions,
    ctx: PluginContext,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.log = ctx.logger.child({ plugin: 'HTCondorMonitor' });
    this.tools = new CondorTools(options, ctx.signal);
    this.harvesterId = ctx.harvesterId;
  }

  async checkWorkers(workers: WorkSpec[], call?: CallOptions): Promise<WorkerCheckResult[]> {
    const results = new Array<WorkerCheckResult | undefined>(workers.length);
    const groups = new Map<string, { target: ScheddTarget; watched: Watched[] }>();
    workers.forEach((worker, i) => {
      const id = parseCondorJobId(worker.batchID);
      if (id === undefined) {
        results[i] = workerStatus(
          WorkerStatus.failed,
          `not an HTCondor batchID: ${JSON.stringify(worker.batchID)} (expected <cluster>.<proc>)`,
        );
        return;
      }
      const target = parseSubmissionHost(worker.submissionHost);
      const key = targetKey(target);
      const group = groups.get(key) ?? { target, watched: [] };
      group.watched.push({ i, worker, id, key: `${id.cluster}.${id.proc}` });
      groups.set(key, group);
    });
    for (const { target, watched } of groups.values()) {
      await this.checkSchedd(target, watched, results, call);
    }
    const forgetBefore = this.now() - UNKNOWN_MEMORY_MS;
    for (const [k, v] of this.unknownSince) if (v.seen < forgetBefore) this.unknownSince.delete(k);
    return results as WorkerCheckResult[];
  }

  /** One schedd: condor_q, condor_history for the rest, condor_rm for jobs held for good. */
  private async checkSchedd(
    target: ScheddTarget,
    watched: Watched[],
    results: Array<WorkerCheckResult | undefined>,
    call?: CallOptions,
  ): Promise<void> {
    const found = new Map<string, CondorJobAd>();
    const take = (ads: CondorJobAd[]) => {
      for (const ad of ads) {
        const key = `${ad.ClusterId}.${ad.ProcId}`;
        const w = watched.find((x) => x.key === key);
        // A job that says it is another worker's (or another harvester's) is not this worker's.
        if (w && jobOwnership(ad, w.worker.workerID, this.harvesterId) !== 'foreign') found.set(key, ad);
      }
    };
    const q = await queryQueue(
      this.tools,
      target,
      watched.map((w) => w.id),
      MONITOR_ATTRIBUTES,
      call?.signal,
    );
    if (!q.ok) {
      this.log.warn({ schedd: targetKey(target), diag: q.diag }, 'condor_q failed; the workers are retried');
      for (const w of watched) results[w.i] = retryLater(q.diag);
      return;
    }
    take(q.ads);
    const nowMs = this.now();
    // Every job the queue no longer holds, however old: a long job that ended is in the history.
    const historyFor = this.options.useCondorHistory ? watched.filter((w) => !found.has(w.key)) : [];
    let historyDiag: string | undefined;
    if (historyFor.length > 0) {
      // The jobs cannot have completed before they were submitted: the scan stops there.
      const times = historyFor.map((w) => w.worker.submitTime?.getTime());
      const oldest = times.every((t): t is number => t !== undefined) ? Math.min(...times) : undefined;
      const h = await queryHistory(
        this.tools,
        target,
        historyFor.map((w) => w.id),
        MONITOR_ATTRIBUTES,
        call?.signal,
        oldest === undefined ? undefined : Math.floor(oldest / 1000) - this.options.historySlackSeconds,
      );
      if (h.ok) take(h.ads);
      else historyDiag = h.diag;
    }

    const nowS = Math.floor(nowMs / 1000);
    const policy = {
      heldTimeout: this.options.heldTimeout,
      removeHoldReasons: this.options.removeHoldReasons,
    };
    const toRemove: Array<{ w: Watched; mapped: MappedCondorStatus; ad: CondorJobAd }> = [];
    await Promise.all(
      watched.map(async (w) => {
        const ad = found.get(w.key);
        const memoryKey = `${targetKey(target)}#${w.key}`;
        if (ad) {
          this.unknownSince.delete(memoryKey);
          const mapped = mapCondorStatus(ad, nowS, policy);
          if (mapped.removeHeld) {
            toRemove.push({ w, mapped, ad });
            return;
          }
          results[w.i] = this.apply(w.worker, ad, mapped);
          return;
        }
        if (historyDiag !== undefined && historyFor.includes(w)) {
          results[w.i] = retryLater(historyDiag);
          return;
        }
        results[w.i] = await this.unknownJob(w.worker, w.key, memoryKey, nowMs);
      }),
    );
    if (toRemove.length > 0) await this.removeHeld(target, toRemove, results, call);
  }

  /** Removes jobs held for good (one condor_rm); their workers are cancelled once the schedd took it. */
  private async removeHeld(
    target: ScheddTarget,
    held: Array<{ w: Watched; mapped: MappedCondorStatus; ad: CondorJobAd }>,
    results: Array<WorkerCheckResult | undefined>,
    call?: CallOptions,
  ): Promise<void> {
    // Only a job that shows it is this worker's is removed (a schedd whose queue was reset may
    // hold another's job under the same id).
    const mine = held.filter((h) => jobOwnership(h.ad, h.w.worker.workerID, this.harvesterId) === 'mine');
    for (const { w, mapped } of held) {
      if (mine.some((m) => m.w === w)) continue;
      results[w.i] = retryLater(
        `${mapped.report.diag ?? ''}; not removed: its harvesterID/harvesterWorkerID do not show it is this worker's job`,
      );
    }
    if (mine.length === 0) return;
    const removal = await removeJobs(
      this.tools,
      target,
      mine.map((h) => h.w.key),
      'harvester-ts: held for good',
      call?.signal,
    );
    for (const { w, mapped, ad } of mine) {
      const diag = mapped.report.diag ?? '';
      if (!removal.ok) {
        results[w.i] = retryLater(`${diag}; condor_rm failed: ${removal.diag}`);
        continue;
      }
      const r = removal.perJob.get(w.key);
      if (r?.kind === 'done') results[w.i] = this.apply(w.worker, ad, mapped);
      else results[w.i] = retryLater(`${diag}; condor_rm: ${r?.text ?? 'no answer'}`);
    }
  }

  /** The worker status from an ad; sets nativeStatus, nativeExitCode, diagMessage and nodeID. */
  private apply(worker: WorkSpec, ad: CondorJobAd, mapped: MappedCondorStatus): WorkerCheckResult {
    worker.nativeStatus = mapped.nativeStatus;
    if (mapped.nativeExitCode !== undefined) worker.nativeExitCode = mapped.nativeExitCode;
    const node = hostOf(ad.RemoteHost ?? ad.LastRemoteHost);
    if (node) worker.nodeID = node;
    if (mapped.report.diag !== undefined) worker.diagMessage = mapped.report.diag.slice(0, 500);
    return mapped.report;
  }

  /**
   * A job in neither the queue nor the history: the wrapper's exit file, when there is one, says
   * how it ended (authoritative). Otherwise it is retried; with unknownJobStatus failed or
   * cancelled, that becomes final once unknownGraceSeconds have passed since the job was first
   * missed (counted in this process, not from submitTime: a long job is not unknown because it
   * is old).
   */
  private async unknownJob(
    worker: WorkSpec,
    id: string,
    memoryKey: string,
    now: number,
  ): Promise<WorkerCheckResult> {
    const where = this.options.useCondorHistory ? 'condor_q and condor_history' : 'condor_q';
    if (worker.accessPoint) {
      try {
        const exit = await readExitFile(worker.accessPoint);
        if (exit.kind === 'code') {
          this.unknownSince.delete(memoryKey);
          worker.nativeStatus = 'unknown';
          worker.nativeExitCode = exit.code;
          const diag = `HTCondor job ${id} is not known to ${where}; the worker wrapper exited with code ${exit.code}`;
          worker.diagMessage = diag;
          return workerStatus(exit.code === 0 ? WorkerStatus.finished : WorkerStatus.failed, diag);
        }
      } catch (err) {
        return retryLater(`HTCondor job ${id} is unknown and its exit file is unreadable: ${errorText(err)}`);
      }
    }
    const entry = this.unknownSince.get(memoryKey) ?? { since: now, seen: now };
    entry.seen = now;
    this.unknownSince.set(memoryKey, entry);
    const ageSeconds = Math.max(0, Math.round((now - entry.since) / 1000));
    const diag = `HTCondor job ${id} is not known to ${where} (missed for ${ageSeconds} s)`;
    if (this.options.unknownJobStatus === 'retry' || ageSeconds < this.options.unknownGraceSeconds) {
      return retryLater(diag);
    }
    this.unknownSince.delete(memoryKey);
    worker.nativeStatus = 'unknown';
    worker.diagMessage = diag;
    return workerStatus(
      this.options.unknownJobStatus === 'cancelled' ? WorkerStatus.cancelled : WorkerStatus.failed,
      diag,
    );
  }

  /**
   * Finds the jobs of workers left pending by a crash: the batchID in the worker's record when
   * condor_submit had answered; else, on the schedd the record names, one condor_q (then one
   * condor_history) for all the batch names. No record: the submitter writes it before
   * condor_submit runs, so the worker was never submitted (notFound).
   */
  async findWorkersByBatchName(workers: WorkSpec[], call?: CallOptions): Promise<BatchLookupResult[]> {
    const results = new Array<BatchLookupResult | undefined>(workers.length);
    const groups = new Map<
      string,
      {
        target: ScheddTarget;
        submissionHost: string;
        asked: number[];
        since: number | undefined;
        dated: boolean;
      }
    >();
    await Promise.all(
      workers.map(async (worker, i) => {
        let record: Awaited<ReturnType<typeof readWorkerRecord>>;
        if (worker.accessPoint) {
          try {
            record = await readWorkerRecord(worker.accessPoint);
          } catch (err) {
            results[i] = retryLater(`cannot read the worker's record: ${errorText(err)}`);
            return;
          }
        }
        if (!record || record.batchName !== worker.batchName) {
          results[i] = { kind: 'notFound' };
          return;
        }
        if (record.batchID !== undefined) {
          results[i] = { kind: 'found', batchID: record.batchID, submissionHost: record.submissionHost };
          return;
        }
        const target = parseSubmissionHost(record.submissionHost);
        const key = targetKey(target);
        const group = groups.get(key) ?? {
          target,
          submissionHost: record.submissionHost,
          asked: [],
          since: undefined,
          dated: true,
        };
        group.asked.push(i);
        // The record is written before condor_submit runs: no job of it completed earlier.
        const written = Date.parse(record.writtenAt);
        if (Number.isFinite(written)) group.since = Math.min(group.since ?? written, written);
        else group.dated = false;
        groups.set(key, group);
      }),
    );
    for (const { target, submissionHost, asked, since, dated } of groups.values()) {
      const names = asked.map((i) => (workers[i] as WorkSpec).batchName);
      const lookup = await findByBatchNames(
        this.tools,
        target,
        names,
        call?.signal,
        dated && since !== undefined
          ? Math.floor(since / 1000) - this.options.historySlackSeconds
          : undefined,
      );
      for (const i of asked) {
        if (!lookup.ok) {
          results[i] = retryLater(lookup.diag);
          continue;
        }
        const batchID = lookup.byName.get((workers[i] as WorkSpec).batchName);
        results[i] =
          batchID === undefined ? { kind: 'notFound' } : { kind: 'found', batchID, submissionHost };
      }
    }
    return results as BatchLookupResult[];
  }
}

/** Monitors HTCondorSubmitter's jobs (any HTCondor job named by batchID `<cluster>.<proc>`). */
export const HTCondorMonitor = defineMonitor({
  name: 'HTCondorMonitor',
  compatibility: HTCONDOR_COMPATIBILITY,
  description: 'Monitors HTCondor jobs: one condor_q and at most one condor_history per schedd and cycle.',
  options: condorMonitorOptions,
  create(options, ctx) {
    const log = ctx.logger.child({ plugin: 'HTCondorMonitor' });
    for (const { option, reason } of ignoredOptionsIn(
      options as Record<string, unknown>,
      IGNORED_MONITOR_OPTIONS,
    )) {
      log.info({ option, reason }, 'Harvester option accepted and ignored');
    }
    return new HTCondorMonitorInstance(options, ctx);
  },
});
