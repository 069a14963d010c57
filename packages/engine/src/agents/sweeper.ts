// Sweeper: kills workers whose kill was requested (by the WMS, a command, the kill file or the
// queue time limit), cleans up workers whose final state was reported once their keep time is
// over, and deletes jobs that are done with.
import {
  EventSpec,
  FileSpec,
  JobSpec,
  JobWorkerRelation,
  type Outcome,
  type WorkSpec,
} from '@harvester-ts/core';
import { type EntityManager, In, IsNull } from 'typeorm';
import { claimRows } from '../db/claims.js';
import { sqlTime } from '../db/sql-time.js';
import { callPlugin, outcomeOf, outcomesFor } from '../plugins/plugin-call.js';
import type { QueuePlugins } from '../plugins/queue-plugins.js';
import { ChangeSet } from '../repositories/change-set.js';
import { loadWorkersWithJobs } from '../repositories/loaders.js';
import { type Agent, type AgentContext, type CycleResult, commitChanges } from './agent-context.js';
import { WORKER_LEASES } from './job-leases.js';

export class Sweeper implements Agent {
  readonly name = 'sweeper';
  constructor(private readonly ctx: AgentContext) {}

  async runCycle(): Promise<CycleResult> {
    const killed = await this.killRequested();
    const swept = await this.cleanUp();
    const deleted = await this.deleteOldJobs();
    return { work: killed + swept + deleted, killed, swept, deleted };
  }

  private async byQueue(
    workers: WorkSpec[],
    fn: (plugins: QueuePlugins, list: WorkSpec[]) => Promise<void>,
  ): Promise<void> {
    const groups = new Map<string, WorkSpec[]>();
    for (const w of workers)
      groups.set(`${w.computingSite}|${w.configID}`, [
        ...(groups.get(`${w.computingSite}|${w.configID}`) ?? []),
        w,
      ]);
    for (const list of groups.values()) {
      const first = list[0]!;
      try {
        await fn(await this.ctx.queues.pluginsFor(first.computingSite, first.configID), list);
      } catch (err) {
        this.ctx.logger.error(
          { agent: this.name, queue: first.computingSite, err: (err as Error).message },
          'sweeping the queue failed',
        );
      }
    }
  }

  private async killRequested(): Promise<number> {
    const { ctx } = this;
    const cfg = ctx.config.sweeper;
    const ids = await ctx.db.write((em) =>
      claimRows(em, {
        lease: WORKER_LEASES.sweeper,
        where: "killTime IS NOT NULL AND status <> 'pending' AND harvesterID = ?",
        params: [ctx.identity.harvesterId],
        orderBy: 'killTime, workerID',
        limit: cfg.maxWorkers,
        owner: '',
        now: ctx.now(),
        checkIntervalMs: cfg.checkIntervalMs,
        lockIntervalMs: cfg.checkIntervalMs,
      }),
    );
    if (ids.length === 0) return 0;
    const workers = await ctx.db.read((em) => loadWorkersWithJobs(em, ids));
    const changes = new ChangeSet();
    const live = workers.filter((w) => !w.isFinal());
    for (const w of workers) if (w.isFinal()) changes.worker(w, { killTime: null });
    await this.byQueue(live, async (plugins, list) => {
      const site = { queue: plugins.queue.queueName, section: 'sweeper', method: 'killWorkers' };
      const outcomes = outcomesFor<void>(
        site,
        await callPlugin(
          site,
          (c) => plugins.sweeper.killWorkers(list, c),
          ctx.config.pluginCallTimeoutMs,
          ctx.signal,
        ),
        list.length,
      );
      // The monitor sees the worker end; until then the kill is repeated every checkInterval.
      outcomes.forEach((o, i) => {
        if (o.kind !== 'success')
          ctx.logger.warn(
            { agent: this.name, workerID: list[i]!.workerID, diag: o.diag },
            'kill failed; retried',
          );
      });
    });
    await commitChanges(ctx, this.name, changes);
    return workers.length;
  }

  /** Final workers reported to the WMS, past their keep time, whose jobs are all reported too. */
  private async cleanUp(): Promise<number> {
    const { ctx } = this;
    const cfg = ctx.config.sweeper;
    const now = ctx.now().getTime();
    const keep: [string, number][] = [
      ['finished', cfg.keepFinishedMs],
      ['failed', cfg.keepFailedMs],
      ['cancelled', cfg.keepCancelledMs],
      ['missed', cfg.keepMissedMs],
    ];
    const cond = keep.map(() => '(status = ? AND endTime <= ?)').join(' OR ');
    const params = keep.flatMap(([s, ms]) => [s, sqlTime(ctx.db.ds, new Date(now - ms))]);
    const rows: { workerID: number | string }[] = await ctx.db.read((em) =>
      em.query(
        `SELECT workerID FROM work_table w WHERE harvesterID = ? AND lastUpdate IS NULL AND (${cond})
         AND NOT EXISTS (SELECT 1 FROM jw_table jw JOIN job_table j ON j.PandaID = jw.PandaID
                         WHERE jw.workerID = w.workerID AND (j.propagatorTime IS NOT NULL OR j.subStatus <> 'done'))
         ORDER BY workerID LIMIT ${cfg.maxWorkers}`,
        [ctx.identity.harvesterId, ...params],
      ),
    );
    if (rows.length === 0) return 0;
    const workers = await ctx.db.read((em) =>
      loadWorkersWithJobs(
        em,
        rows.map((r) => Number(r.workerID)),
      ),
    );
    const swept: WorkSpec[] = [];
    await this.byQueue(workers, async (plugins, list) => {
      for (const w of list) {
        const site = { queue: plugins.queue.queueName, section: 'sweeper', method: 'sweepWorker' };
        const r: Outcome = outcomeOf(
          site,
          await callPlugin(
            site,
            (c) => plugins.sweeper.sweepWorker(w, c),
            ctx.config.pluginCallTimeoutMs,
            ctx.signal,
          ),
        );
        if (r.kind !== 'success') {
          ctx.logger.warn({ agent: this.name, workerID: w.workerID, diag: r.diag }, 'sweep failed; retried');
          continue;
        }
        const cleanSite = { queue: plugins.queue.queueName, section: 'messenger', method: 'cleanUp' };
        const c2: Outcome = outcomeOf(
          cleanSite,
          await callPlugin(
            cleanSite,
            (c) => plugins.messenger.cleanUp(w, c),
            ctx.config.pluginCallTimeoutMs,
            ctx.signal,
          ),
        );
        if (c2.kind !== 'success')
          ctx.logger.warn(
            { agent: this.name, workerID: w.workerID, diag: c2.diag },
            'access point clean-up failed',
          );
        swept.push(w);
      }
    });
    if (swept.length === 0) return 0;
    await ctx.db.write(async (em) => {
      const ids = swept.map((w) => w.workerID);
      const pandaIDs = [...new Set(swept.flatMap((w) => w.jobs.map((j) => j.PandaID)))];
      await em.getRepository(JobWorkerRelation).delete({ workerID: In(ids) });
      await em.query(`DELETE FROM work_table WHERE workerID IN (${ids.map(() => '?').join(',')})`, ids);
      await deleteJobsWithoutWorkers(em, pandaIDs);
    });
    return swept.length;
  }

  /** Jobs done and reported that never had a worker (e.g. failed to prepare), past the keep time. */
  private async deleteOldJobs(): Promise<number> {
    const { ctx } = this;
    const cfg = ctx.config.sweeper;
    const keep = Math.max(cfg.keepFinishedMs, cfg.keepFailedMs, cfg.keepCancelledMs, cfg.keepMissedMs);
    const before = sqlTime(ctx.db.ds, new Date(ctx.now().getTime() - keep));
    const queues = ctx.queues.queueNames();
    if (queues.length === 0) return 0;
    const rows: { PandaID: number | string }[] = await ctx.db.read((em) =>
      em.query(
        `SELECT PandaID FROM job_table j WHERE subStatus = 'done' AND propagatorTime IS NULL AND modificationTime <= ?
         AND computingSite IN (${queues.map(() => '?').join(',')})
         AND NOT EXISTS (SELECT 1 FROM jw_table jw WHERE jw.PandaID = j.PandaID) LIMIT 1000`,
        [before, ...queues],
      ),
    );
    if (rows.length === 0) return 0;
    await ctx.db.write((em) =>
      deleteJobsWithoutWorkers(
        em,
        rows.map((r) => Number(r.PandaID)),
      ),
    );
    return rows.length;
  }
}

/** Deletes the jobs (with files and events) that no worker refers to any more. */
async function deleteJobsWithoutWorkers(em: EntityManager, pandaIDs: number[]): Promise<void> {
  if (pandaIDs.length === 0) return;
  const still = new Set(
    (await em.getRepository(JobWorkerRelation).findBy({ PandaID: In(pandaIDs) })).map((r) => r.PandaID),
  );
  const candidates = pandaIDs.filter((id) => !still.has(id));
  if (candidates.length === 0) return;
  // Only jobs that are done and reported go; a job retried after its worker vanished stays.
  const done = (
    await em.getRepository(JobSpec).find({
      select: { PandaID: true },
      where: { PandaID: In(candidates), subStatus: 'done', propagatorTime: IsNull() },
    })
  ).map((j) => j.PandaID);
  if (done.length === 0) return;
  await em.getRepository(FileSpec).delete({ PandaID: In(done) });
  await em.getRepository(EventSpec).delete({ PandaID: In(done) });
  await em.getRepository(JobSpec).delete({ PandaID: In(done) });
}
