// Propagator: reports jobs and workers to the WMS in bulks, and sends dialog messages. A job
// whose final state was accepted is done; a running job is reported again after updateInterval.
import { DiagSpec, type JobSpec, type Outcome, WorkSpec } from '@harvester-ts/core';
import { In } from 'typeorm';
import { claimRows, execute, releaseRows, renewLeases } from '../db/claims.js';
import { sqlTime } from '../db/sql-time.js';
import { leaseOwner } from '../identity.js';
import { callPlugin, outcomesFor } from '../plugins/plugin-call.js';
import { ChangeSet } from '../repositories/change-set.js';
import { loadJobsWithFiles, loadWorkersWithJobs, workersOfJobs } from '../repositories/loaders.js';
import { type Agent, type AgentContext, type CycleResult, commitChanges, DUE_NOW } from './agent-context.js';
import { JOB_LEASES, WORKER_LEASES } from './job-leases.js';

/** Sub statuses after which nothing more happens to a final job but its last report. */
const CONCLUDED = new Set([
  'staged',
  'failed_to_prepare',
  'failed_to_make',
  'failed_to_stage_out',
  'killed',
  'missed',
]);

export class Propagator implements Agent {
  readonly name = 'propagator';
  constructor(private readonly ctx: AgentContext) {}

  async runCycle(): Promise<CycleResult> {
    const jobs = await this.propagateJobs();
    const workers = await this.propagateWorkers();
    const dialogs = await this.sendDialogs();
    return { work: jobs + workers + dialogs, jobs, workers, dialogs };
  }

  /** A time that makes a row due again after retryIntervalMs, whatever the update interval. */
  private retrySoon(now: Date): Date {
    const { updateIntervalMs, retryIntervalMs } = this.ctx.config.propagator;
    return new Date(now.getTime() - updateIntervalMs + Math.min(updateIntervalMs, retryIntervalMs));
  }

  private async propagateJobs(): Promise<number> {
    const { ctx } = this;
    const cfg = ctx.config.propagator;
    const owner = leaseOwner(this.name, ctx.identity);
    const queues = ctx.queues.queueNames();
    if (queues.length === 0) return 0;
    const ids = await ctx.db.write((em) =>
      claimRows(em, {
        lease: JOB_LEASES.propagator,
        where: `propagatorTime IS NOT NULL AND computingSite IN (${queues.map(() => '?').join(',')})`,
        params: queues,
        orderBy: 'propagatorTime, PandaID',
        limit: cfg.maxJobs,
        owner,
        now: ctx.now(),
        checkIntervalMs: cfg.updateIntervalMs,
        lockIntervalMs: cfg.lockIntervalMs,
      }),
    );
    if (ids.length === 0) return 0;
    const jobs = await ctx.db.read((em) => loadJobsWithFiles(em, ids));
    let reported = 0;
    // One bulk at a time: renew the bulk's leases right before its report and commit right after
    // it, so a slow cycle never reports a job whose lease another instance has taken over since.
    for (let i = 0; i < jobs.length; i += cfg.nJobsInBulk) {
      const claimed = jobs.slice(i, i + cfg.nJobsInBulk);
      const held = new Set(
        await ctx.db.write((em) =>
          renewLeases(
            em,
            JOB_LEASES.propagator,
            claimed.map((j) => j.PandaID),
            owner,
            ctx.now(),
          ),
        ),
      );
      const bulk = claimed.filter((j) => held.has(j.PandaID));
      if (bulk.length < claimed.length) {
        ctx.logger.warn(
          { agent: this.name, lost: claimed.length - bulk.length },
          'job leases expired during the cycle and were taken over; their reports are left to the new owner',
        );
      }
      if (bulk.length === 0) continue;
      reported += await this.reportBulk(bulk, owner);
    }
    return reported;
  }

  /** Reports one bulk of jobs whose leases this cycle holds, applies the answers and releases them. */
  private async reportBulk(bulk: JobSpec[], owner: string): Promise<number> {
    const { ctx } = this;
    const changes = new ChangeSet();
    const toKill: JobSpec[] = [];
    const site = { section: 'communicator', method: 'updateJobs' };
    const outcomes = outcomesFor<{ command?: string }>(
      site,
      await callPlugin(
        site,
        (c) => ctx.communicator.updateJobs(bulk, owner, c),
        ctx.config.pluginCallTimeoutMs,
        ctx.signal,
      ),
      bulk.length,
    );
    for (const [k, job] of bulk.entries()) this.applyJobOutcome(job, outcomes[k]!, changes, toKill);
    const killed = toKill.length > 0 ? await this.killJobs(toKill, changes) : 0;
    await commitChanges(ctx, this.name, changes, async (em) => {
      await releaseRows(
        em,
        JOB_LEASES.propagator,
        bulk.map((j) => j.PandaID),
        owner,
      );
    });
    if (killed > 0) ctx.logger.info({ agent: this.name, jobs: killed }, 'kill requested by the WMS');
    return bulk.length;
  }

  private applyJobOutcome(
    job: JobSpec,
    outcome: Outcome<{ command?: string }>,
    changes: ChangeSet,
    toKill: JobSpec[],
  ): void {
    const now = this.ctx.now();
    const log = this.ctx.logger.child({ agent: this.name, PandaID: job.PandaID });
    if (outcome.kind === 'retry') {
      log.info({ diag: outcome.diag }, 'job report not delivered; retried soon');
      changes.job(job, { propagatorTime: this.retrySoon(now) });
      return;
    }
    const concluded = job.isFinal() && CONCLUDED.has(job.subStatus);
    if (outcome.kind === 'fatal') {
      log.warn({ diag: outcome.diag }, 'the WMS refused the job report');
      if (concluded)
        changes.job(
          job,
          { subStatus: 'done', propagatorTime: null, modificationTime: now },
          `WMS refused the final report: ${outcome.diag}`,
        );
      return;
    }
    const command = outcome.value && typeof outcome.value === 'object' ? outcome.value.command : undefined;
    if (command === 'tobekilled' && !job.isFinal()) toKill.push(job);
    if (concluded) changes.job(job, { subStatus: 'done', propagatorTime: null, modificationTime: now });
  }

  /** The WMS asked to kill jobs: kill their workers; a job without an active worker is killed now. */
  private async killJobs(jobs: JobSpec[], changes: ChangeSet): Promise<number> {
    const { ctx } = this;
    const now = ctx.now();
    const relations = await ctx.db.read((em) =>
      workersOfJobs(
        em,
        jobs.map((j) => j.PandaID),
      ),
    );
    const workerIDs = [...new Set([...relations.values()].flat())];
    const workers =
      workerIDs.length > 0
        ? await ctx.db.read((em) => em.getRepository(WorkSpec).findBy({ workerID: In(workerIDs) }))
        : [];
    const active = new Set(workers.filter((w) => !w.isFinal()).map((w) => w.workerID));
    for (const w of workers)
      if (active.has(w.workerID) && !w.killTime) changes.worker(w, { killTime: DUE_NOW });
    for (const job of jobs) {
      const hasActive = (relations.get(job.PandaID) ?? []).some((id) => active.has(id));
      if (!hasActive && !job.isFinal()) {
        changes.job(
          job,
          {
            status: 'cancelled',
            subStatus: 'killed',
            endTime: now,
            modificationTime: now,
            propagatorTime: DUE_NOW,
          },
          'killed by the WMS',
        );
      }
    }
    return jobs.length;
  }

  private async propagateWorkers(): Promise<number> {
    const { ctx } = this;
    const cfg = ctx.config.propagator;
    const ids = await ctx.db.write((em) =>
      claimRows(em, {
        lease: WORKER_LEASES.propagator,
        where: 'lastUpdate IS NOT NULL AND harvesterID = ?',
        params: [ctx.identity.harvesterId],
        orderBy: 'lastUpdate, workerID',
        limit: cfg.maxWorkers,
        owner: '',
        now: ctx.now(),
        checkIntervalMs: cfg.updateIntervalMs,
        lockIntervalMs: cfg.updateIntervalMs,
      }),
    );
    if (ids.length === 0) return 0;
    const workers = await ctx.db.read((em) => loadWorkersWithJobs(em, ids));
    const changes = new ChangeSet();
    const now = ctx.now();
    const update = ctx.communicator.updateWorkers?.bind(ctx.communicator);
    for (let i = 0; i < workers.length; i += cfg.nWorkersInBulk) {
      const bulk = workers.slice(i, i + cfg.nWorkersInBulk);
      let outcomes: Outcome[];
      if (update) {
        const site = { section: 'communicator', method: 'updateWorkers' };
        outcomes = outcomesFor(
          site,
          await callPlugin(site, (c) => update(bulk, c), ctx.config.pluginCallTimeoutMs, ctx.signal),
          bulk.length,
        );
      } else {
        outcomes = bulk.map(() => ({ kind: 'success', value: undefined }));
      }
      for (const [k, w] of bulk.entries()) this.applyWorkerOutcome(w, outcomes[k]!, changes, now);
    }
    await commitChanges(ctx, this.name, changes);
    return workers.length;
  }

  private applyWorkerOutcome(w: WorkSpec, outcome: Outcome, changes: ChangeSet, now: Date): void {
    if (outcome.kind === 'success') {
      // A final worker reported once is done with (a prerequisite of its cleanup).
      if (w.isFinal()) changes.worker(w, { lastUpdate: null });
      return;
    }
    this.ctx.logger.info(
      { agent: this.name, workerID: w.workerID, diag: outcome.diag },
      'worker report not delivered',
    );
    changes.worker(w, {
      lastUpdate: outcome.kind === 'retry' ? this.retrySoon(now) : w.isFinal() ? null : now,
    });
  }

  private async sendDialogs(): Promise<number> {
    const { ctx } = this;
    const send = ctx.communicator.sendDialogMessages?.bind(ctx.communicator);
    const owner = leaseOwner(this.name, ctx.identity);
    const now = ctx.now();
    const expired = sqlTime(ctx.db.ds, new Date(now.getTime() - ctx.config.propagator.lockIntervalMs));
    // Claim by a conditional update so two instances never send the same dialog.
    const dialogs = await ctx.db.write(async (em) => {
      const candidates = await em
        .getRepository(DiagSpec)
        .find({ order: { diagID: 'ASC' }, take: ctx.config.propagator.maxDialogs * 2 });
      const mine: DiagSpec[] = [];
      for (const d of candidates) {
        if (mine.length >= ctx.config.propagator.maxDialogs) break;
        const taken = await execute(
          em,
          'UPDATE diag_table SET lockedBy = ?, lockTime = ? WHERE diagID = ? AND (lockedBy IS NULL OR lockTime <= ?)',
          [owner, sqlTime(ctx.db.ds, now), d.diagID, expired],
        );
        if (taken > 0) mine.push(d);
      }
      return mine;
    });
    if (dialogs.length === 0) return 0;
    let delivered = !send;
    if (send) {
      const site = { section: 'communicator', method: 'sendDialogMessages' };
      const r = await callPlugin(site, (c) => send(dialogs, c), ctx.config.pluginCallTimeoutMs, ctx.signal);
      delivered = r.ok && r.value?.kind === 'success';
      if (!delivered)
        ctx.logger.info(
          { agent: this.name, diag: r.ok ? (r.value as { diag?: string })?.diag : r.diag },
          'dialogs not delivered',
        );
    }
    await ctx.db.write(async (em) => {
      const ids = dialogs.map((d) => d.diagID);
      if (delivered) await em.getRepository(DiagSpec).delete({ diagID: In(ids) });
      else await em.getRepository(DiagSpec).update({ diagID: In(ids) }, { lockedBy: null });
    });
    return dialogs.length;
  }
}
