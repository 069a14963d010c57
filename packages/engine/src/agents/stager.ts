// Stager: stage-out of the outputs of jobs whose workers ended (subStatus to_transfer), then
// checks transfers under way (transferring). A job is staged when every output file is
// finished; a file that cannot get to its destination fails the job (failed_to_stage_out).
import {
  buildPandaOutputFileReport,
  FileSpec,
  type JobSpec,
  mapLimit,
  type Outcome,
  SequenceName,
} from '@harvester-ts/core';
import { releaseRows } from '../db/claims.js';
import { callPlugin, outcomeOf } from '../plugins/plugin-call.js';
import { ChangeSet } from '../repositories/change-set.js';
import { type Agent, type AgentContext, type CycleResult, commitChanges, DUE_NOW } from './agent-context.js';
import { claimJobsInSubStatus } from './job-claims.js';
import { JOB_LEASES } from './job-leases.js';
import { callJobPlugin } from './job-plugin-call.js';

const CONCURRENCY = 16;
type Phase = 'to_transfer' | 'transferring';

export class Stager implements Agent {
  readonly name = 'stager';
  constructor(private readonly ctx: AgentContext) {}

  async runCycle(): Promise<CycleResult> {
    const checked = await this.phase('transferring');
    const triggered = await this.phase('to_transfer');
    return { work: checked + triggered, checked, triggered };
  }

  private async phase(subStatus: Phase): Promise<number> {
    const { ctx } = this;
    const cfg = ctx.config.stager;
    const { owner, ids, jobs } = await claimJobsInSubStatus(ctx, this.name, JOB_LEASES.stager, subStatus, {
      limit: cfg.maxJobs,
      orderBy: 'PandaID',
      checkIntervalMs: subStatus === 'to_transfer' ? cfg.triggerIntervalMs : cfg.checkIntervalMs,
      lockIntervalMs: cfg.lockIntervalMs,
    });
    if (ids.length === 0) return 0;
    const changes = new ChangeSet();
    const newFiles: FileSpec[] = [];
    await mapLimit(jobs, CONCURRENCY, async (job) => {
      const sub = new ChangeSet();
      try {
        if (subStatus === 'to_transfer') await this.trigger(job, sub, newFiles);
        else await this.check(job, sub);
        changes.merge(sub);
      } catch (err) {
        ctx.logger.error(
          { agent: this.name, PandaID: job.PandaID, err: (err as Error).message },
          'job left unchanged',
        );
      }
    });
    await commitChanges(ctx, this.name, changes, async (em) => {
      // Zip files made this cycle (their final state is what the change set assigned in memory).
      for (let i = 0; i < newFiles.length; i += 200) {
        await em
          .createQueryBuilder()
          .insert()
          .into(FileSpec)
          .values(newFiles.slice(i, i + 200))
          .updateEntity(false)
          .execute();
      }
      await releaseRows(em, JOB_LEASES.stager, ids, owner);
    });
    return jobs.length;
  }

  private plugin(job: JobSpec, method: 'triggerStageOut' | 'checkStageOutStatus'): Promise<Outcome> {
    return callJobPlugin(this.ctx, job, 'stager', method, (stager, call) => stager[method](job, call));
  }

  private async trigger(job: JobSpec, changes: ChangeSet, newFiles: FileSpec[]): Promise<void> {
    const now = this.ctx.now();
    const outputs = job.files.filter((f) => f.isOutput() && f.status === 'defined');
    // Outputs the worker never produced: for a finished payload that is a failure of the job.
    const missing = outputs.filter((f) => !f.path);
    const toStage = outputs.filter((f) => f.path);
    if (missing.length > 0) {
      for (const f of missing) changes.file(f, { status: 'failed', modificationTime: now });
      const essential = missing.filter((f) => f.fileType !== 'log');
      if (job.status === 'finished' && essential.length > 0) {
        this.fail(job, `output not produced: ${essential.map((f) => f.lfn).join(', ')}`, changes, now);
        return;
      }
    }
    if (toStage.length === 0) {
      this.staged(job, changes, now);
      return;
    }
    const zipped = await this.zip(job, toStage, changes, newFiles, now);
    if (zipped === 'stop') return;
    // The zips replace their members; everything else (e.g. the log) is staged as it is.
    if (zipped) toStage.splice(0, toStage.length, ...toStage.filter((f) => f.status !== 'zipped'), ...zipped);
    // The plugin may set statuses on any output; only those of the files it was asked to stage count.
    const before = new Map(job.files.filter((f) => f.isOutput()).map((f) => [f, f.status] as const));
    for (const f of toStage) f.attemptNr += 1;
    const outcome = await this.plugin(job, 'triggerStageOut');
    // The plugin works on job.files; take what it set, then apply the outcome.
    const after = toStage.map((f) => ({ f, status: f.status }));
    for (const [f, status] of before) f.status = status;
    if (outcome.kind === 'retry') {
      for (const f of toStage) changes.file(f, { attemptNr: f.attemptNr, path: f.path, url: f.url ?? null });
      return;
    }
    if (outcome.kind === 'fatal') {
      for (const f of toStage)
        changes.file(f, { status: 'failed', attemptNr: f.attemptNr, modificationTime: now });
      this.fail(job, outcome.diag, changes, now);
      return;
    }
    for (const { f, status } of after) {
      const target = status === 'finished' || status === 'failed' ? status : 'transferring';
      changes.file(f, fileValues(f, target, now));
    }
    changes.job(job, { subStatus: 'transferring', modificationTime: now, stagerTime: DUE_NOW });
    this.conclude(job, changes, now);
  }

  /**
   * Jobs with zipPerMB ship their outputs in zip files of at most that size: makes the zip
   * FileSpecs, has the queue's zipper (or the stager's zipOutput) make them, and returns what
   * is to be staged instead of the members ('stop' when the job waits or failed).
   */
  private async zip(
    job: JobSpec,
    toStage: FileSpec[],
    changes: ChangeSet,
    newFiles: FileSpec[],
    now: Date,
  ): Promise<FileSpec[] | 'stop' | undefined> {
    if (!job.zipPerMB || job.zipPerMB <= 0) return undefined;
    const members = toStage.filter((f) => f.fileType === 'output' && !f.isZip);
    if (members.length === 0) return undefined;
    const plugins = await this.ctx.queues.pluginsFor(job.computingSite, job.configID);
    const zipper = plugins.zipper?.zipOutput
      ? plugins.zipper
      : plugins.stager?.zipOutput
        ? plugins.stager
        : undefined;
    if (!zipper) {
      this.fail(
        job,
        `the job asks for zipped outputs (zipPerMB ${job.zipPerMB}) but queue ${job.computingSite} has no zipper`,
        changes,
        now,
      );
      return 'stop';
    }
    const limit = job.zipPerMB * 1024 * 1024;
    const groups: FileSpec[][] = [];
    for (const f of members) {
      const last = groups.at(-1);
      const size = (g: FileSpec[]) => g.reduce((n, m) => n + (m.fsize ?? 0), 0);
      if (last && size(last) + (f.fsize ?? 0) <= limit) last.push(f);
      else groups.push([f]);
    }
    const ids = await this.ctx.ids.next(SequenceName.fileID, groups.length);
    const zips: FileSpec[] = groups.map((g, i) =>
      Object.assign(new FileSpec(), {
        fileID: ids[i]!,
        PandaID: job.PandaID,
        taskID: job.taskID,
        lfn: `panda.${g[0]!.lfn}.zip`,
        status: 'zipping',
        fileType: 'zip_output',
        isZip: true,
        scope: 'panda',
        endpoint: g[0]!.endpoint,
        attemptNr: 0,
        todelete: false,
        path: null,
        fsize: null,
        chksum: null,
        modificationTime: now,
        associatedFiles: g,
      }),
    );
    job.files.push(...zips);
    const site = {
      queue: job.computingSite,
      section: plugins.zipper ? 'zipper' : 'stager',
      method: 'zipOutput',
    };
    const outcome = outcomeOf(
      site,
      await callPlugin(
        site,
        (c) => zipper.zipOutput!(job, c),
        this.ctx.config.pluginCallTimeoutMs,
        this.ctx.signal,
      ),
    );
    if (outcome.kind !== 'success' || zips.some((z) => !z.path)) {
      job.files = job.files.filter((f) => !zips.includes(f));
      if (outcome.kind === 'fatal') this.fail(job, `zipping failed: ${outcome.diag}`, changes, now);
      else
        this.ctx.logger.info(
          {
            agent: this.name,
            PandaID: job.PandaID,
            diag: outcome.kind === 'retry' ? outcome.diag : 'a zip has no path',
          },
          'zipping not done; retried',
        );
      return 'stop';
    }
    for (const z of zips) {
      newFiles.push(z);
      for (const m of z.associatedFiles)
        changes.file(m, { status: 'zipped', zipFileID: z.fileID, modificationTime: now });
    }
    return zips;
  }

  private async check(job: JobSpec, changes: ChangeSet): Promise<void> {
    const now = this.ctx.now();
    const files = job.files.filter((f) => f.isOutput() && f.status === 'transferring');
    const before = new Map(job.files.filter((f) => f.isOutput()).map((f) => [f, f.status] as const));
    const outcome = await this.plugin(job, 'checkStageOutStatus');
    const after = files.map((f) => ({ f, status: f.status }));
    for (const [f, status] of before) f.status = status;
    if (outcome.kind === 'retry') return;
    if (outcome.kind === 'fatal') {
      for (const f of files) changes.file(f, { status: 'failed', modificationTime: now });
      this.fail(job, outcome.diag, changes, now);
      return;
    }
    for (const { f, status } of after)
      if (status === 'finished' || status === 'failed') changes.file(f, fileValues(f, status, now));
    this.conclude(job, changes, now);
  }

  /** Staged when all outputs are finished; failed when one failed; else still transferring. */
  private conclude(job: JobSpec, changes: ChangeSet, now: Date): void {
    // Zipped members follow their zip file.
    for (const zip of job.files.filter(
      (f) => f.isZip && (f.status === 'finished' || f.status === 'failed'),
    )) {
      for (const m of job.files.filter((f) => f.zipFileID === zip.fileID && f.status === 'zipped')) {
        changes.file(m, { status: zip.status, modificationTime: now });
      }
    }
    const outputs = job.files.filter((f) => f.isOutput() && f.path && f.status !== 'zipped');
    const failed = outputs.filter((f) => f.status === 'failed');
    if (failed.length > 0) {
      this.fail(job, `stage-out failed for ${failed.map((f) => f.lfn).join(', ')}`, changes, now);
    } else if (outputs.every((f) => f.status === 'finished')) {
      this.staged(job, changes, now);
    }
  }

  /**
   * Every output is where it belongs: the job's final report may go. The report of its staged
   * files (LFN → GUID, size, checksum) is stored with it, as Harvester's stager does, so the
   * communicator sends the files PanDA registers.
   */
  private staged(job: JobSpec, changes: ChangeSet, now: Date): void {
    changes.job(job, {
      subStatus: 'staged',
      modificationTime: now,
      propagatorTime: DUE_NOW,
      outputFilesToReport: { ...buildPandaOutputFileReport(job) },
    });
  }

  private fail(job: JobSpec, diag: string, changes: ChangeSet, now: Date): void {
    this.ctx.logger.warn({ agent: this.name, PandaID: job.PandaID, diag }, 'stage-out failed');
    // A job that was already cancelled stays cancelled; a finished one becomes failed.
    const status = job.status === 'cancelled' ? 'cancelled' : 'failed';
    changes.job(
      job,
      {
        status,
        subStatus: 'failed_to_stage_out',
        modificationTime: now,
        propagatorTime: DUE_NOW,
        jobAttributes: {
          ...(job.jobAttributes ?? {}),
          pilotErrorDiag: `stage-out failed: ${diag}`.slice(0, 500),
        },
      },
      diag,
    );
  }
}

function fileValues(f: FileSpec, status: FileSpec['status'], now: Date): Partial<FileSpec> {
  return {
    status,
    attemptNr: f.attemptNr,
    path: f.path,
    url: f.url ?? null,
    chksum: f.chksum,
    fsize: f.fsize,
    modificationTime: now,
  };
}
