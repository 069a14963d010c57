// Monitor: asks each queue's monitor plugin about its workers (one bulk call per queue and
// cycle), reads what the workers left in their access points through the messenger, and moves
// workers and their jobs on. A worker's changes are applied all or nothing: a refused transition
// leaves that worker as it was (and says why) without holding up the others.
import {
  aggregateJobStatusFromWorkers,
  FileSpec,
  type FileType,
  IllegalTransitionError,
  isFinalWorkerStatus,
  type JobSpec,
  jobStatusFromWorker,
  mapLimit,
  type OutputFileReport,
  SequenceName,
  type WorkerCheckResult,
  type WorkerStatus,
  type WorkSpec,
} from '@harvester-ts/core';
import { claimRows, releaseRows } from '../db/claims.js';
import { leaseOwner } from '../identity.js';
import { type CallSite, callPlugin } from '../plugins/plugin-call.js';
import type { QueuePlugins } from '../plugins/queue-plugins.js';
import { ChangeSet } from '../repositories/change-set.js';
import { loadWorkersWithJobs } from '../repositories/loaders.js';
import { type Agent, type AgentContext, type CycleResult, commitChanges, DUE_NOW } from './agent-context.js';
import { WORKER_LEASES } from './job-leases.js';

const ACTIVE = ['submitted', 'running', 'idle', 'ready'];
const CONCURRENCY = 16;

export class Monitor implements Agent {
  readonly name = 'monitor';
  /** Statuses decided in the current cycle, which the database does not show yet (OneToMany). */
  private decided = new Map<number, WorkerStatus>();
  constructor(private readonly ctx: AgentContext) {}

  async runCycle(): Promise<CycleResult> {
    const { ctx } = this;
    const cfg = ctx.config.monitor;
    const owner = leaseOwner(this.name, ctx.identity);
    const ids = await ctx.db.write((em) =>
      claimRows(em, {
        lease: WORKER_LEASES.monitor,
        where: `status IN (${ACTIVE.map(() => '?').join(',')}) AND harvesterID = ?`,
        params: [...ACTIVE, ctx.identity.harvesterId],
        orderBy: 'modificationTime, workerID',
        limit: cfg.maxWorkers,
        owner,
        now: ctx.now(),
        checkIntervalMs: cfg.checkIntervalMs,
        lockIntervalMs: cfg.lockIntervalMs,
      }),
    );
    if (ids.length === 0) return { work: 0 };
    this.decided = new Map();
    const workers = await ctx.db.read((em) => loadWorkersWithJobs(em, ids));
    const groups = new Map<string, WorkSpec[]>();
    for (const w of workers) {
      const key = `${w.computingSite}|${w.configID}`;
      groups.set(key, [...(groups.get(key) ?? []), w]);
    }
    const changes = new ChangeSet();
    const newFiles: FileSpec[] = [];
    const acknowledge: { plugins: QueuePlugins; workers: WorkSpec[] }[] = [];
    let finalised = 0;
    for (const list of groups.values()) {
      const first = list[0]!;
      let plugins: QueuePlugins;
      try {
        plugins = await ctx.queues.pluginsFor(first.computingSite, first.configID);
      } catch (err) {
        ctx.logger.error(
          { agent: this.name, queue: first.computingSite, err: (err as Error).message },
          'cannot load the queue plugins; workers checked later',
        );
        continue;
      }
      const site: CallSite = { queue: first.computingSite, section: 'monitor', method: 'checkWorkers' };
      const call = await callPlugin(
        site,
        (c) => plugins.monitor.checkWorkers(list, c),
        ctx.config.pluginCallTimeoutMs,
        ctx.signal,
      );
      const results = checkResults(call, list.length);
      const read: WorkSpec[] = [];
      const one = async (worker: WorkSpec, i: number) => {
        const sub = new ChangeSet();
        try {
          const done = await this.update(worker, results[i]!, plugins, sub, newFiles);
          changes.merge(sub);
          if (done.final) finalised++;
          if (done.readFiles) read.push(worker);
        } catch (err) {
          const what = err instanceof IllegalTransitionError ? 'refused transition' : 'error';
          ctx.logger.error(
            { agent: this.name, workerID: worker.workerID, err: (err as Error).message },
            `worker left unchanged: ${what}`,
          );
        }
      };
      // Workers are independent, except OneToMany ones that share a job: those go one by one so
      // each sees the statuses decided before it.
      if (first.mapType === 'OneToMany') for (const [i, w] of list.entries()) await one(w, i);
      else await mapLimit(list, CONCURRENCY, one);
      if (read.length > 0) acknowledge.push({ plugins, workers: read });
    }
    const fileIDs = await ctx.ids.next(SequenceName.fileID, newFiles.length);
    newFiles.forEach((f, i) => {
      f.fileID = fileIDs[i]!;
    });
    await commitChanges(ctx, this.name, changes, async (em) => {
      for (let i = 0; i < newFiles.length; i += 200) {
        await em
          .createQueryBuilder()
          .insert()
          .into(FileSpec)
          .values(newFiles.slice(i, i + 200))
          .updateEntity(false)
          .execute();
      }
      await releaseRows(em, WORKER_LEASES.monitor, ids, owner);
    });
    // Only now that the outputs are stored may the worker's files be marked as read.
    for (const { plugins, workers: ws } of acknowledge) {
      const site: CallSite = {
        queue: plugins.queue.queueName,
        section: 'messenger',
        method: 'acknowledgeEventsFiles',
      };
      const r = await callPlugin(
        site,
        (c) => plugins.messenger.acknowledgeEventsFiles(ws, c),
        ctx.config.pluginCallTimeoutMs,
        ctx.signal,
      );
      if (!r.ok)
        ctx.logger.warn(
          { agent: this.name, diag: r.diag },
          'acknowledging worker files failed; they will be read again',
        );
    }
    return { work: workers.length, checked: workers.length, finalised };
  }

  private async messenger<T>(
    plugins: QueuePlugins,
    method: string,
    fn: (c: { signal?: AbortSignal }) => Promise<T>,
  ): Promise<T | undefined> {
    const site: CallSite = { queue: plugins.queue.queueName, section: 'messenger', method };
    const r = await callPlugin(site, fn, this.ctx.config.pluginCallTimeoutMs, this.ctx.signal);
    if (!r.ok) {
      this.ctx.logger.warn({ agent: this.name, diag: r.diag }, 'messenger call failed');
      return undefined;
    }
    return r.value;
  }

  private async update(
    worker: WorkSpec,
    result: WorkerCheckResult,
    plugins: QueuePlugins,
    changes: ChangeSet,
    newFiles: FileSpec[],
  ): Promise<{ final: boolean; readFiles: boolean }> {
    const { ctx } = this;
    const cfg = ctx.config.monitor;
    const now = ctx.now();
    const params = { ...(worker.workParams ?? {}) };
    if (result.kind === 'retry') {
      const since = new Date(
        String(params.lastCheckOk ?? worker.submitTime?.toISOString() ?? now.toISOString()),
      );
      if (now.getTime() - since.getTime() > cfg.checkTimeoutMs) {
        const diag = `no status from the batch system for ${Math.round((now.getTime() - since.getTime()) / 1000)} s: ${result.diag}`;
        await this.finalise(worker, 'failed', diag, plugins, changes, newFiles, now);
        return { final: true, readFiles: true };
      }
      changes.worker(worker, { modificationTime: now, diagMessage: result.diag.slice(0, 500) });
      return { final: false, readFiles: false };
    }
    params.lastCheckOk = now.toISOString();
    const status = result.status;
    const kill = await this.messenger(plugins, 'killRequested', (c) =>
      plugins.messenger.killRequested(worker, c),
    );
    const base: Partial<WorkSpec> = {
      workParams: params,
      modificationTime: now,
      nativeStatus: worker.nativeStatus ?? null,
      nativeExitCode: worker.nativeExitCode ?? null,
      nodeID: worker.nodeID ?? null,
      workAttributes: worker.workAttributes ?? null,
      logFilesToUpload: worker.logFilesToUpload ?? null,
      ...(kill && !worker.killTime ? { killTime: DUE_NOW } : {}),
    };
    if (isFinalWorkerStatus(status)) {
      changes.worker(worker, base);
      await this.finalise(worker, status, result.diag ?? null, plugins, changes, newFiles, now);
      return { final: true, readFiles: true };
    }
    // With worker_heartbeat configured, a running worker whose heartbeat went stale is presumed
    // lost: its batch job is killed and the worker failed (Harvester's messenger heartbeat).
    const heartbeatMinutes = Number(
      (plugins.queue as { messenger?: { worker_heartbeat?: unknown } }).messenger?.worker_heartbeat,
    );
    if (status === 'running' && heartbeatMinutes > 0) {
      const alive = await this.messenger(plugins, 'isAlive', (c) =>
        plugins.messenger.isAlive(worker, heartbeatMinutes, c),
      );
      if (alive === false) {
        const diag = `no heartbeat from the worker for more than ${heartbeatMinutes} min: presumed lost`;
        const site: CallSite = { queue: plugins.queue.queueName, section: 'sweeper', method: 'killWorkers' };
        const killed = await callPlugin(
          site,
          (c) => plugins.sweeper.killWorkers([worker], c),
          this.ctx.config.pluginCallTimeoutMs,
          this.ctx.signal,
        );
        if (!killed.ok)
          this.ctx.logger.warn(
            { agent: this.name, workerID: worker.workerID, diag: killed.diag },
            'kill of a lost worker failed',
          );
        changes.worker(worker, base);
        await this.finalise(worker, 'failed', diag, plugins, changes, newFiles, now);
        return { final: true, readFiles: true };
      }
    }
    // A worker queued too long is killed (Harvester's workerQueueTimeLimit).
    const queuedSince = worker.submitTime?.getTime() ?? now.getTime();
    if (
      (status === 'submitted' || status === 'idle') &&
      !worker.startTime &&
      now.getTime() - queuedSince > cfg.workerQueueTimeLimitMs &&
      !worker.killTime
    ) {
      base.killTime = DUE_NOW;
      base.diagMessage = `queued for more than ${Math.round(cfg.workerQueueTimeLimitMs / 1000)} s`;
    }
    const started = status === 'running' && !worker.startTime ? { startTime: worker.startTime ?? now } : {};
    // A running worker of a fine-grained job may ask for event ranges: the EventFeeder serves it.
    const events =
      status === 'running' && worker.eventsRequest !== 2 ? await this.eventRequest(worker, plugins) : {};
    changes.worker(worker, {
      ...base,
      ...started,
      ...events,
      status,
      ...(status !== worker.status ? { lastUpdate: DUE_NOW } : {}),
    });
    const attrs =
      status === 'running'
        ? await this.messenger(plugins, 'getWorkAttributes', (c) =>
            plugins.messenger.getWorkAttributes(worker, c),
          )
        : undefined;
    // A job of a running worker may be over already (the payload ended, the wrapper has not, or
    // other jobs of the worker still run). Its outputs are collected now, with its end: the
    // wrapper writes the outputs before the final attributes, so the stager finds them.
    let readFiles = false;
    const ended = worker.jobs.filter((j) => {
      if (BEYOND_WORKER.has(j.subStatus)) return false;
      const reported = (attrs?.[String(j.PandaID)] ?? {}) as { jobStatus?: unknown };
      return reported.jobStatus === 'finished' || reported.jobStatus === 'failed';
    });
    if (ended.length > 0) {
      const outputs =
        (await this.messenger(plugins, 'getFilesToStageOut', (c) =>
          plugins.messenger.getFilesToStageOut(worker, c),
        )) ?? {};
      for (const job of ended)
        this.recordOutputs(job, outputs[String(job.PandaID)] ?? [], changes, newFiles, now);
      readFiles = true;
    }
    await this.updateJobs(worker, status, attrs ?? {}, changes, now);
    return { final: false, readFiles };
  }

  private async eventRequest(worker: WorkSpec, plugins: QueuePlugins): Promise<Partial<WorkSpec>> {
    const requests = await this.messenger(plugins, 'eventsRequested', (c) =>
      plugins.messenger.eventsRequested(worker, c),
    );
    if (!requests || Object.keys(requests).length === 0) return {};
    return { eventsRequest: 2, eventsRequestParams: requests as Record<string, never>, eventFeedTime: null };
  }

  /** The worker ended: collect its outputs and report, post-process, then finalise it and its jobs. */
  private async finalise(
    worker: WorkSpec,
    status: WorkerStatus,
    diag: string | null,
    plugins: QueuePlugins,
    changes: ChangeSet,
    newFiles: FileSpec[],
    now: Date,
  ): Promise<void> {
    // Post-processing first: it may add entries (e.g. the log tarball) to the stage-out list.
    if (!worker.postProcessed && worker.jobs.length > 0) {
      const site: CallSite = {
        queue: plugins.queue.queueName,
        section: 'messenger',
        method: 'postProcessing',
      };
      const r = await callPlugin(
        site,
        (c) => plugins.messenger.postProcessing(worker, worker.jobs, worker.mapType, c),
        this.ctx.config.pluginCallTimeoutMs,
        this.ctx.signal,
      );
      const outcome = r.ok ? r.value : { kind: 'retry' as const, diag: r.diag };
      if (outcome.kind === 'retry') {
        const params = { ...(worker.workParams ?? {}) };
        const since = typeof params.postProcessSince === 'string' ? new Date(params.postProcessSince) : now;
        if (now.getTime() - since.getTime() <= this.ctx.config.monitor.postProcessTimeoutMs) {
          // Not final yet: post-processing is tried again next cycle.
          params.postProcessSince = since.toISOString();
          changes.worker(worker, { workParams: params, modificationTime: now });
          this.ctx.logger.info(
            { agent: this.name, workerID: worker.workerID, diag: outcome.diag },
            'post-processing not done; worker checked again',
          );
          return;
        }
        diag = [
          diag,
          `post-processing given up after ${Math.round(this.ctx.config.monitor.postProcessTimeoutMs / 1000)} s: ${outcome.diag}`,
        ]
          .filter(Boolean)
          .join('; ');
        this.ctx.logger.warn(
          { agent: this.name, workerID: worker.workerID, diag },
          'post-processing given up',
        );
      }
    }
    const attrs =
      (await this.messenger(plugins, 'getWorkAttributes', (c) =>
        plugins.messenger.getWorkAttributes(worker, c),
      )) ?? {};
    const outputs =
      (await this.messenger(plugins, 'getFilesToStageOut', (c) =>
        plugins.messenger.getFilesToStageOut(worker, c),
      )) ?? {};
    for (const job of worker.jobs)
      this.recordOutputs(job, outputs[String(job.PandaID)] ?? [], changes, newFiles, now);
    changes.worker(
      worker,
      {
        status,
        endTime: worker.endTime ?? now,
        postProcessed: true,
        lastUpdate: DUE_NOW,
        modificationTime: now,
        ...(diag ? { diagMessage: diag.slice(0, 500) } : {}),
      },
      diag,
    );
    await this.updateJobs(worker, status, attrs, changes, now);
  }

  /** Output files the worker reported: known LFNs get their path and size; others are added. */
  private recordOutputs(
    job: JobSpec,
    reports: OutputFileReport[],
    changes: ChangeSet,
    newFiles: FileSpec[],
    now: Date,
  ): void {
    for (const rep of reports) {
      if (!rep || typeof rep.path !== 'string') continue;
      const lfn = rep.lfn ?? rep.path.split('/').pop() ?? rep.path;
      const known = job.files.find((f) => f.lfn === lfn && f.isOutput());
      const values = {
        path: rep.path,
        fsize: typeof rep.fsize === 'number' ? rep.fsize : null,
        chksum: typeof rep.chksum === 'string' ? rep.chksum : null,
        modificationTime: now,
      };
      if (known) {
        if (known.status === 'defined') changes.file(known, values);
        continue;
      }
      const f = Object.assign(new FileSpec(), {
        PandaID: job.PandaID,
        taskID: job.taskID,
        lfn,
        status: 'defined',
        fileType: (rep.type ?? 'output') as FileType,
        eventRangeID: rep.eventRangeID ?? null,
        fileAttributes: rep.guid ? { guid: rep.guid } : null,
        isZip: Boolean(rep.isZip),
        attemptNr: 0,
        todelete: false,
        scope: null,
        endpoint: null,
        ...values,
      });
      job.files.push(f);
      newFiles.push(f);
    }
  }

  private async updateJobs(
    worker: WorkSpec,
    status: WorkerStatus,
    attrs: Record<string, unknown>,
    changes: ChangeSet,
    now: Date,
  ): Promise<void> {
    this.decided.set(worker.workerID, status);
    if (worker.jobs.length === 0) return;
    let otherStatuses = new Map<number, WorkerStatus[]>();
    if (worker.mapType === 'OneToMany') otherStatuses = await this.statusesOfOtherWorkers(worker);
    for (const job of worker.jobs) {
      // Past its worker: in stage-out or over. What the worker says no longer moves it.
      if (BEYOND_WORKER.has(job.subStatus)) continue;
      const reported = (attrs[String(job.PandaID)] ?? {}) as Record<string, unknown>;
      const mergedAttrs =
        Object.keys(reported).length > 0
          ? { ...(job.jobAttributes ?? {}), ...withoutMeta(reported) }
          : job.jobAttributes;
      const pair =
        worker.mapType === 'OneToMany'
          ? aggregateJobStatusFromWorkers([status, ...(otherStatuses.get(job.PandaID) ?? [])], {
              currentJobStatus: job.status,
            })
          : jobStatusFromWorker(status, { jobAttributes: mergedAttrs, currentJobStatus: job.status });
      const changed = pair.status !== job.status || pair.subStatus !== job.subStatus;
      const values: Partial<JobSpec> = { ...pair, modificationTime: now };
      if (mergedAttrs !== job.jobAttributes) values.jobAttributes = mergedAttrs ?? null;
      if (reported.metaData && typeof reported.metaData === 'object')
        values.metaData = reported.metaData as Record<string, unknown>;
      if (pair.status === 'running' && !job.startTime) values.startTime = now;
      if (pair.subStatus === 'to_transfer') {
        values.endTime = job.endTime ?? now;
        values.stagerTime = null;
        const outputs = job.files.filter((f) => f.isOutput() && f.path);
        values.hasOutFile = outputs.length > 0 ? 1 : 0;
      }
      if (changed) values.propagatorTime = DUE_NOW;
      changes.job(job, values, changed ? `worker ${worker.workerID} ${status}` : null);
    }
  }

  private async statusesOfOtherWorkers(worker: WorkSpec): Promise<Map<number, WorkerStatus[]>> {
    const ids = worker.jobs.map((j) => j.PandaID);
    const rows: { PandaID: number | string; workerID: number | string; status: WorkerStatus }[] =
      await this.ctx.db.read((em) =>
        em.query(
          `SELECT jw.PandaID AS PandaID, w.workerID AS workerID, w.status AS status FROM jw_table jw
         JOIN work_table w ON w.workerID = jw.workerID
         WHERE jw.PandaID IN (${ids.map(() => '?').join(',')}) AND w.workerID <> ?`,
          [...ids, worker.workerID],
        ),
      );
    const out = new Map<number, WorkerStatus[]>();
    for (const r of rows) {
      const status = this.decided.get(Number(r.workerID)) ?? r.status;
      out.set(Number(r.PandaID), [...(out.get(Number(r.PandaID)) ?? []), status]);
    }
    return out;
  }
}

/** Job sub-statuses after the worker's part: stage-out, and the final ones. */
const BEYOND_WORKER: ReadonlySet<string> = new Set([
  'to_transfer',
  'transferring',
  'staged',
  'done',
  'failed_to_prepare',
  'failed_to_make',
  'failed_to_stage_out',
  'killed',
  'missed',
]);

function withoutMeta(attrs: Record<string, unknown>): Record<string, unknown> {
  const { metaData: _m, ...rest } = attrs;
  return rest;
}

/** One result per worker from a checkWorkers call, malformed answers turned into retries. */
function checkResults(
  call: { ok: true; value: unknown } | { ok: false; diag: string },
  n: number,
): WorkerCheckResult[] {
  if (!call.ok) return Array.from({ length: n }, () => ({ kind: 'retry', diag: call.diag }));
  if (!Array.isArray(call.value) || call.value.length !== n) {
    const diag = `monitor.checkWorkers returned ${Array.isArray(call.value) ? call.value.length : 'no list of'} results for ${n} workers`;
    return Array.from({ length: n }, () => ({ kind: 'retry', diag }));
  }
  return call.value.map((v: WorkerCheckResult) =>
    v &&
    v.kind === 'status' &&
    typeof v.status === 'string' &&
    ['submitted', 'running', 'idle', 'finished', 'failed', 'cancelled'].includes(v.status)
      ? v
      : v && v.kind === 'retry' && typeof v.diag === 'string'
        ? v
        : {
            kind: 'retry',
            diag: `monitor.checkWorkers returned an invalid result: ${JSON.stringify(v)?.slice(0, 100)}`,
          },
  );
}
