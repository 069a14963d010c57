// JobFetcher: asks the WMS for jobs for queues that have room, and stores them with their files.
// A malformed job dictionary is not lost: with a usable PandaID it is stored as failed with the
// reason (and reported as such); without one the reason goes to the log and the WMS dialogs.
import {
  FileSpec,
  HarvesterError,
  JobDictError,
  type JobParams,
  JobSpec,
  jobSpecFromPandaDict,
  type QueueConfig,
  queueStateKey,
  SequenceName,
} from '@harvester-ts/core';
import { In } from 'typeorm';
import { claimKeys } from '../db/claims.js';
import { leaseOwner } from '../identity.js';
import { callPlugin, outcomeOf } from '../plugins/plugin-call.js';
import { appendStatusEvents, type StatusChange } from '../repositories/status-history.js';
import type { Agent, AgentContext, CycleResult } from './agent-context.js';

export class JobFetcher implements Agent {
  readonly name = 'jobFetcher';
  constructor(private readonly ctx: AgentContext) {}

  /** Queues that fetch jobs: not NoJob (pull) and with a job limit. */
  private fetchingQueues(): { queue: QueueConfig; configID: number }[] {
    return this.ctx.queues
      .activeQueues()
      .filter(
        ({ queue }) =>
          queue.mapType !== 'NoJob' && queue.nQueueLimitJob !== null && queue.nQueueLimitJob !== undefined,
      );
  }

  async runCycle(): Promise<CycleResult> {
    const { ctx } = this;
    const cfg = ctx.config.jobFetcher;
    const candidates = this.fetchingQueues();
    if (candidates.length === 0) return { work: 0 };
    const now = ctx.now();
    const keys = await ctx.db.write((em) =>
      claimKeys(em, {
        lease: { table: 'pq_table', id: 'uniqueName', textId: true, time: 'jobFetchTime' },
        where: `uniqueName IN (${candidates.map(() => '?').join(',')})`,
        params: candidates.map(({ queue }) => queueStateKey(queue.queueName)),
        orderBy: 'jobFetchTime',
        limit: cfg.nQueues,
        owner: leaseOwner(this.name, ctx.identity),
        now,
        checkIntervalMs: cfg.lookupIntervalMs,
        lockIntervalMs: 0,
      }),
    );
    let fetched = 0;
    let rejected = 0;
    for (const key of keys) {
      const entry = candidates.find(({ queue }) => queueStateKey(queue.queueName) === key);
      if (!entry) continue;
      const r = await this.fetchFor(entry.queue, entry.configID);
      fetched += r.fetched;
      rejected += r.rejected;
    }
    return { work: fetched + rejected, fetched, rejected, queues: keys.length };
  }

  private async nToFetch(queue: QueueConfig): Promise<number> {
    const rows: { status: string; n: number | string }[] = await this.ctx.db.read((em) =>
      em.query(
        "SELECT status, COUNT(*) AS n FROM job_table WHERE computingSite = ? AND status IN ('starting', 'running') GROUP BY status",
        [queue.queueName],
      ),
    );
    const count = (s: string) => Number(rows.find((r) => r.status === s)?.n ?? 0);
    const nStarting = count('starting');
    const nRunning = count('running');
    let limit = queue.nQueueLimitJob ?? 0;
    if (queue.nQueueLimitJobRatio !== null && queue.nQueueLimitJobRatio !== undefined) {
      const byRatio = Math.floor((nRunning * queue.nQueueLimitJobRatio) / 100);
      limit = Math.min(limit, Math.max(queue.nQueueLimitJobMin ?? 0, byRatio));
    }
    return Math.max(0, Math.min(limit - nStarting, this.ctx.config.jobFetcher.maxJobs));
  }

  private async fetchFor(
    queue: QueueConfig,
    configID: number,
  ): Promise<{ fetched: number; rejected: number }> {
    const { ctx } = this;
    const log = ctx.logger.child({ agent: this.name, queue: queue.queueName });
    const n = await this.nToFetch(queue);
    if (n <= 0) return { fetched: 0, rejected: 0 };
    const site = (queue as { siteName?: string }).siteName ?? queue.queueName;
    const result = outcomeOf<JobParams[]>(
      { section: 'communicator', method: 'getJobs', queue: queue.queueName },
      await callPlugin(
        { section: 'communicator', method: 'getJobs', queue: queue.queueName },
        (call) =>
          ctx.communicator.getJobs(
            {
              siteName: site,
              nodeName: ctx.identity.host,
              prodSourceLabel: (queue as { prodSourceLabel?: string }).prodSourceLabel ?? 'managed',
              computingElement: queue.queueName,
              nJobs: n,
              additionalCriteria: (queue.getJobCriteria as Record<string, string> | null | undefined) ?? {},
            },
            call,
          ),
        ctx.config.pluginCallTimeoutMs,
        ctx.signal,
      ),
    );
    if (result.kind !== 'success') {
      log.warn({ diag: result.diag }, 'getJobs failed; will ask again');
      return { fetched: 0, rejected: 0 };
    }
    const dicts = Array.isArray(result.value) ? result.value : [];
    const now = ctx.now();
    const jobs: JobSpec[] = [];
    const failed: { job: JobSpec; diag: string }[] = [];
    // More than asked for are kept too: the WMS considers them ours now.
    for (const dict of dicts) {
      try {
        jobs.push(
          jobSpecFromPandaDict(dict, {
            computingSite: queue.queueName,
            harvesterID: ctx.identity.harvesterId,
            configID,
            now,
          }).job,
        );
      } catch (err) {
        const diag =
          err instanceof HarvesterError ? err.message : `unreadable job: ${(err as Error).message}`;
        const pandaID = Number((dict as { PandaID?: unknown } | null)?.PandaID);
        if (err instanceof JobDictError && Number.isSafeInteger(pandaID) && pandaID > 0) {
          failed.push({
            job: rejectedJob(pandaID, queue.queueName, ctx.identity.harvesterId, configID, dict, diag, now),
            diag,
          });
        } else {
          log.error({ diag }, 'job dictionary without a usable PandaID dropped');
        }
      }
    }
    const all = [...jobs, ...failed.map((f) => f.job)];
    if (all.length === 0) return { fetched: 0, rejected: 0 };

    // The WMS may hand out a job again (e.g. after a lost answer): keep the one we have.
    const known = new Set(
      (
        await ctx.db.read((em) =>
          em
            .getRepository(JobSpec)
            .find({ select: { PandaID: true }, where: { PandaID: In(all.map((j) => j.PandaID)) } }),
        )
      ).map((j) => j.PandaID),
    );
    const fresh = all.filter(
      (j, i) => !known.has(j.PandaID) && all.findIndex((k) => k.PandaID === j.PandaID) === i,
    );
    if (fresh.length < all.length)
      log.warn({ duplicates: all.length - fresh.length }, 'jobs already known were handed out again');

    const files = fresh.flatMap((j) => j.files);
    const fileIDs = await ctx.ids.next(SequenceName.fileID, files.length);
    files.forEach((f, i) => {
      f.fileID = fileIDs[i]!;
    });
    const changes: StatusChange[] = fresh.map((j) => ({
      entityType: 'job',
      entityID: j.PandaID,
      fromStatus: null,
      toStatus: j.status,
      fromSubStatus: null,
      toSubStatus: j.subStatus,
      diag: failed.find((f) => f.job === j)?.diag ?? null,
    }));
    const historyIds = await ctx.ids.next(SequenceName.statusEventID, changes.length);
    await ctx.db.write(async (em) => {
      for (let i = 0; i < fresh.length; i += 200) {
        await em
          .createQueryBuilder()
          .insert()
          .into(JobSpec)
          .values(fresh.slice(i, i + 200))
          .updateEntity(false)
          .execute();
      }
      for (let i = 0; i < files.length; i += 200) {
        await em
          .createQueryBuilder()
          .insert()
          .into(FileSpec)
          .values(files.slice(i, i + 200))
          .updateEntity(false)
          .execute();
      }
      await appendStatusEvents(em, historyIds, changes, {
        agent: this.name,
        instance: ctx.identity.instance,
        at: now,
      });
    });
    const nRejected = fresh.filter((j) => j.status === 'failed').length;
    if (nRejected > 0) log.error({ rejected: nRejected }, 'malformed jobs stored as failed');
    log.info({ fetched: fresh.length - nRejected }, 'jobs fetched');
    return { fetched: fresh.length - nRejected, rejected: nRejected };
  }
}

/** A job the WMS sent in a form we cannot run: stored failed so the WMS hears why. */
function rejectedJob(
  PandaID: number,
  computingSite: string,
  harvesterID: string,
  configID: number,
  dict: unknown,
  diag: string,
  now: Date,
): JobSpec {
  const job = new JobSpec();
  const params = dict && typeof dict === 'object' ? (JSON.parse(JSON.stringify(dict)) as JobParams) : {};
  Object.assign(job, {
    PandaID,
    taskID: null,
    attemptNr: Number.isSafeInteger(Number(params.attemptNr)) ? Number(params.attemptNr) : 0,
    status: 'failed',
    subStatus: 'failed_to_prepare',
    currentPriority: null,
    computingSite,
    harvesterID,
    creationTime: now,
    modificationTime: now,
    stateChangeTime: now,
    jobParams: params,
    jobAttributes: { pilotErrorDiag: `harvester: ${diag}`.slice(0, 500) },
    configID,
    propagatorTime: new Date(0),
  });
  return job;
}
