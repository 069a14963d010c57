// Preparator: stage-in. Checks jobs whose stage-in is under way (subStatus preparing), then
// triggers it for newly fetched jobs. Each job's outcome is written with its files in one
// transaction per cycle; a plugin that throws or hangs only delays the jobs it was given.
import { type JobSpec, mapLimit, type Outcome } from '@harvester-ts/core';
import { releaseRows } from '../db/claims.js';
import { ChangeSet } from '../repositories/change-set.js';
import { type Agent, type AgentContext, type CycleResult, commitChanges, DUE_NOW } from './agent-context.js';
import { claimJobsInSubStatus } from './job-claims.js';
import { JOB_LEASES } from './job-leases.js';
import { callJobPlugin } from './job-plugin-call.js';

const CONCURRENCY = 16;

export class Preparator implements Agent {
  readonly name = 'preparator';
  constructor(private readonly ctx: AgentContext) {}

  async runCycle(): Promise<CycleResult> {
    const checked = await this.phase('preparing');
    const triggered = await this.phase('fetched');
    return { work: checked + triggered, checked, triggered };
  }

  private async phase(subStatus: 'fetched' | 'preparing'): Promise<number> {
    const { ctx } = this;
    const cfg = ctx.config.preparator;
    const { owner, ids, jobs } = await claimJobsInSubStatus(
      ctx,
      this.name,
      JOB_LEASES.preparator,
      subStatus,
      {
        limit: cfg.maxJobs,
        orderBy: 'currentPriority DESC, PandaID',
        checkIntervalMs: subStatus === 'fetched' ? cfg.triggerIntervalMs : cfg.checkIntervalMs,
        lockIntervalMs: cfg.lockIntervalMs,
      },
    );
    if (ids.length === 0) return 0;
    const changes = new ChangeSet();
    await mapLimit(jobs, CONCURRENCY, async (job) => {
      const outcome = subStatus === 'fetched' ? await this.trigger(job) : await this.check(job);
      this.apply(job, subStatus, outcome, changes);
    });
    await commitChanges(ctx, this.name, changes, async (em) => {
      // The lease time stays the claim time, so jobs left where they were come back after the
      // interval; jobs that moved on got their own time above.
      await releaseRows(em, JOB_LEASES.preparator, ids, owner);
    });
    return jobs.length;
  }

  private plugin(
    job: JobSpec,
    method: 'triggerPreparation' | 'checkStageInStatus' | 'resolveInputPaths',
  ): Promise<Outcome> {
    return callJobPlugin(this.ctx, job, 'preparator', method, (preparator, call) =>
      preparator[method](job, call),
    );
  }

  private async trigger(job: JobSpec): Promise<Outcome> {
    return this.plugin(job, 'triggerPreparation');
  }

  private async check(job: JobSpec): Promise<Outcome> {
    const checked = await this.plugin(job, 'checkStageInStatus');
    if (checked.kind !== 'success') return checked;
    return this.plugin(job, 'resolveInputPaths');
  }

  private apply(job: JobSpec, from: 'fetched' | 'preparing', outcome: Outcome, changes: ChangeSet): void {
    const log = this.ctx.logger.child({ agent: this.name, PandaID: job.PandaID });
    const now = this.ctx.now();
    const inputs = job.files.filter((f) => f.isInput());
    if (outcome.kind === 'retry') {
      log.info(
        { diag: outcome.diag },
        from === 'fetched' ? 'stage-in not started; will retry' : 'stage-in not done yet',
      );
      // Paths or groups the plugin set are kept even when it asks to be called again.
      for (const f of inputs)
        changes.file(f, {
          path: f.path,
          groupID: f.groupID,
          groupStatus: f.groupStatus,
          groupUpdateTime: f.groupUpdateTime,
        });
      return;
    }
    if (outcome.kind === 'fatal') {
      log.warn({ diag: outcome.diag }, 'stage-in failed');
      for (const f of inputs)
        if (f.status !== 'ready' && f.status !== 'failed')
          changes.file(f, { status: 'failed', modificationTime: now });
      changes.job(
        job,
        {
          status: 'failed',
          subStatus: 'failed_to_prepare',
          modificationTime: now,
          stateChangeTime: now,
          endTime: now,
          propagatorTime: DUE_NOW,
          jobAttributes: {
            ...(job.jobAttributes ?? {}),
            pilotErrorDiag: `stage-in failed: ${outcome.diag}`.slice(0, 500),
          },
        },
        outcome.diag,
      );
      return;
    }
    if (from === 'fetched') {
      for (const f of inputs) {
        if (f.status === 'to_prepare')
          changes.file(f, {
            status: 'preparing',
            modificationTime: now,
            path: f.path,
            groupID: f.groupID,
            groupStatus: f.groupStatus,
            groupUpdateTime: f.groupUpdateTime,
          });
      }
      // Checked at once: a synchronous preparator is done already.
      changes.job(job, { subStatus: 'preparing', modificationTime: now, preparatorTime: DUE_NOW });
      return;
    }
    for (const f of inputs) {
      if (f.status !== 'ready')
        changes.file(f, {
          status: 'ready',
          path: f.path,
          modificationTime: now,
          groupStatus: f.groupStatus,
          groupUpdateTime: f.groupUpdateTime,
        });
    }
    changes.job(job, {
      subStatus: 'prepared',
      modificationTime: now,
      preparatorTime: null,
      submitterTime: null,
    });
  }
}
