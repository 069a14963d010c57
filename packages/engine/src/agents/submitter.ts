// Submitter: decides how many workers each queue needs, binds prepared jobs to them by mapType,
// and submits them. Crash safety: every worker is committed as `pending`, with its jobs bound
// and its deterministic batch name, BEFORE the batch system hears of it; a worker found still
// pending later (the process died mid-submission) is reconciled by looking its batch job up by
// name: adopted if found, missed (and its jobs retried) if not. No duplicate, no orphan.
import {
  type JobSpec,
  JobWorkerRelation,
  type Outcome,
  type QueueConfig,
  QueueState,
  queueStateKey,
  SequenceName,
  WorkSpec,
} from '@harvester-ts/core';
import type { EntityManager } from 'typeorm';
import { claimKeys, claimRows, releaseRows } from '../db/claims.js';
import { leaseOwner } from '../identity.js';
import { callPlugin, outcomeOf, outcomesFor } from '../plugins/plugin-call.js';
import type { QueuePlugins } from '../plugins/queue-plugins.js';
import { ChangeSet } from '../repositories/change-set.js';
import { loadJobsWithFiles, loadWorkersWithJobs } from '../repositories/loaders.js';
import { appendStatusEvents, type StatusChange } from '../repositories/status-history.js';
import { type Agent, type AgentContext, type CycleResult, commitChanges, DUE_NOW } from './agent-context.js';
import { JOB_LEASES, WORKER_LEASES } from './job-leases.js';
import { countWorkers, newWorkerCount } from './worker-adjuster.js';

interface Made {
  worker: WorkSpec;
  jobs: JobSpec[];
}

export class Submitter implements Agent {
  readonly name = 'submitter';
  constructor(private readonly ctx: AgentContext) {}

  private get owner(): string {
    return leaseOwner(this.name, this.ctx.identity);
  }

  async runCycle(): Promise<CycleResult> {
    const reconciled = await this.reconcilePending();
    const { ctx } = this;
    const cfg = ctx.config.submitter;
    const active = ctx.queues.activeQueues();
    let submitted = 0;
    let failed = 0;
    if (active.length > 0) {
      const keys = await ctx.db.write((em) =>
        claimKeys(em, {
          lease: { table: 'pq_table', id: 'uniqueName', textId: true, time: 'submitTime', lock: 'lockedBy' },
          where: `uniqueName IN (${active.map(() => '?').join(',')})`,
          params: active.map(({ queue }) => queueStateKey(queue.queueName)),
          orderBy: 'submitTime',
          limit: cfg.nQueues,
          owner: this.owner,
          now: ctx.now(),
          checkIntervalMs: cfg.lookupIntervalMs,
          lockIntervalMs: cfg.lockIntervalMs,
        }),
      );
      for (const key of keys) {
        const entry = active.find(({ queue }) => queueStateKey(queue.queueName) === key);
        if (!entry) continue;
        try {
          const r = await this.submitFor(entry.queue, entry.configID);
          submitted += r.submitted;
          failed += r.failed;
        } catch (err) {
          ctx.logger.error(
            { agent: this.name, queue: entry.queue.queueName, err },
            'submission cycle of the queue failed',
          );
        }
      }
      await ctx.db.write((em) =>
        releaseRows(
          em,
          { table: 'pq_table', id: 'uniqueName', textId: true, time: 'submitTime', lock: 'lockedBy' },
          keys,
          this.owner,
        ),
      );
    }
    return { work: reconciled + submitted + failed, reconciled, submitted, failed };
  }

  private async countByStatus(queueName: string): Promise<Record<string, number>> {
    const rows: { status: string; n: number | string }[] = await this.ctx.db.read((em) =>
      em.query(
        "SELECT status, COUNT(*) AS n FROM work_table WHERE computingSite = ? AND status IN ('pending','submitted','idle','ready','running') GROUP BY status",
        [queueName],
      ),
    );
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  private async submitFor(
    queue: QueueConfig,
    configID: number,
  ): Promise<{ submitted: number; failed: number }> {
    const { ctx } = this;
    const log = ctx.logger.child({ agent: this.name, queue: queue.queueName });
    const plugins = await ctx.queues.pluginsFor(queue.queueName, configID);
    let nNew = newWorkerCount(
      queue,
      countWorkers(await this.countByStatus(queue.queueName)),
      ctx.config.submitter.maxNewWorkers,
    );
    if (nNew > 0 && plugins.throttler) {
      const site = { queue: queue.queueName, section: 'throttler', method: 'toBeThrottled' };
      const r = await callPlugin(
        site,
        (call) => plugins.throttler!.toBeThrottled(queue, call),
        ctx.config.pluginCallTimeoutMs,
        ctx.signal,
      );
      if (!r.ok || r.value.throttled) {
        log.info({ diag: r.ok ? r.value.diag : r.diag }, 'submission throttled');
        nNew = 0;
      }
    }
    // runMode slave: the WMS decides how many workers (SET_N_WORKERS_JOBTYPE), within the limits.
    const slave = (queue as { runMode?: string }).runMode === 'slave';
    if (slave && nNew > 0) {
      const state = await ctx.db.read((em) =>
        em.getRepository(QueueState).findOneBy({ uniqueName: queueStateKey(queue.queueName) }),
      );
      nNew = Math.min(nNew, Math.max(0, state?.nNewWorkers ?? 0));
    }
    if (nNew <= 0) return { submitted: 0, failed: 0 };

    const { chunks, claimed } = await this.jobChunks(queue, plugins, nNew);
    if (chunks.length === 0) return { submitted: 0, failed: 0 };
    const made = await this.makeWorkers(queue, plugins, chunks, configID);
    // Jobs claimed but not bound to a worker go back to the pool.
    const bound = new Set(made.flatMap((m) => m.jobs.map((j) => j.PandaID)));
    const unbound = claimed.filter((id) => !bound.has(id));
    if (made.length === 0) {
      await ctx.db.write((em) =>
        releaseRows(em, JOB_LEASES.submitter, unbound, this.owner, { time: 'clear' }),
      );
      return { submitted: 0, failed: 0 };
    }
    const ready = await this.prepareAccessPoints(plugins, made);
    const notReady = made.filter((m) => !ready.includes(m)).flatMap((m) => m.jobs.map((j) => j.PandaID));
    await this.insertPending(ready, [...unbound, ...notReady]);
    if (ready.length === 0) return { submitted: 0, failed: 0 };

    const workers = ready.map((m) => m.worker);
    const site = { queue: queue.queueName, section: 'submitter', method: 'submitWorkers' };
    const outcomes = outcomesFor<void>(
      site,
      await callPlugin(
        site,
        (call) => plugins.submitter.submitWorkers(workers, call),
        ctx.config.pluginCallTimeoutMs,
        ctx.signal,
      ),
      workers.length,
    );
    const result = await this.recordSubmission(queue, ready, outcomes);
    if (slave && result.submitted > 0) {
      // What the WMS asked for is consumed by the workers that reached the batch system.
      await ctx.db.write((em) =>
        em.query(
          'UPDATE pq_table SET nNewWorkers = CASE WHEN nNewWorkers > ? THEN nNewWorkers - ? ELSE 0 END WHERE uniqueName = ?',
          [result.submitted, result.submitted, queueStateKey(queue.queueName)],
        ),
      );
    }
    return result;
  }

  /** Claims prepared jobs and groups them into one chunk per worker, by mapType. */
  private async jobChunks(
    queue: QueueConfig,
    plugins: QueuePlugins,
    nNew: number,
  ): Promise<{ chunks: JobSpec[][]; claimed: number[] }> {
    if (queue.mapType === 'NoJob') return { chunks: Array.from({ length: nNew }, () => []), claimed: [] };
    const { ctx } = this;
    const site = (method: string) => ({ queue: queue.queueName, section: 'workerMaker', method });
    let perWorker = 1;
    let perJob = 1;
    if (queue.mapType === 'ManyToOne') {
      const r = await callPlugin(
        site('getNumJobsPerWorker'),
        () => plugins.workerMaker.getNumJobsPerWorker(nNew),
        ctx.config.pluginCallTimeoutMs,
      );
      perWorker = r.ok && Number.isInteger(r.value) && r.value > 0 ? r.value : 1;
    } else if (queue.mapType === 'OneToMany') {
      const r = await callPlugin(
        site('getNumWorkersPerJob'),
        () => plugins.workerMaker.getNumWorkersPerJob(nNew),
        ctx.config.pluginCallTimeoutMs,
      );
      perJob = r.ok && Number.isInteger(r.value) && r.value > 0 ? r.value : 1;
    }
    const limit =
      queue.mapType === 'ManyToOne'
        ? nNew * perWorker
        : queue.mapType === 'OneToMany'
          ? Math.ceil(nNew / perJob)
          : nNew;
    const ids = await ctx.db.write((em) =>
      claimRows(em, {
        lease: JOB_LEASES.submitter,
        where: "subStatus = 'prepared' AND computingSite = ?",
        params: [queue.queueName],
        orderBy: 'currentPriority DESC, taskID, PandaID',
        limit,
        owner: this.owner,
        now: ctx.now(),
        checkIntervalMs: 0,
        lockIntervalMs: ctx.config.submitter.lockIntervalMs,
      }),
    );
    if (ids.length === 0) return { chunks: [], claimed: [] };
    const jobs = (await ctx.db.read((em) => loadJobsWithFiles(em, ids))).sort(
      (a, b) =>
        (b.currentPriority ?? 0) - (a.currentPriority ?? 0) ||
        (a.taskID ?? 0) - (b.taskID ?? 0) ||
        a.PandaID - b.PandaID,
    );
    const chunks: JobSpec[][] = [];
    if (queue.mapType === 'OneToOne') for (const j of jobs) chunks.push([j]);
    else if (queue.mapType === 'OneToMany') {
      for (const j of jobs) for (let k = 0; k < perJob && chunks.length < nNew; k++) chunks.push([j]);
    } else {
      let current: JobSpec[] = [];
      for (const j of jobs) {
        const taskChange = current.length > 0 && !queue.allowJobMixture && current[0]!.taskID !== j.taskID;
        if (current.length >= perWorker || taskChange) {
          chunks.push(current);
          current = [];
        }
        current.push(j);
      }
      if (current.length > 0) chunks.push(current);
    }
    return { chunks: chunks.slice(0, nNew), claimed: ids };
  }

  private async makeWorkers(
    queue: QueueConfig,
    plugins: QueuePlugins,
    chunks: JobSpec[][],
    configID: number,
  ): Promise<Made[]> {
    const { ctx } = this;
    const changes = new ChangeSet();
    const made: Made[] = [];
    const now = ctx.now();
    for (const jobs of chunks) {
      const site = { queue: queue.queueName, section: 'workerMaker', method: 'makeWorker' };
      const outcome = outcomeOf<WorkSpec>(
        site,
        await callPlugin(
          site,
          (call) =>
            plugins.workerMaker.makeWorker(
              jobs,
              queue,
              queue.jobType ?? 'ANY',
              queue.resourceType ?? 'ANY',
              call,
            ),
          ctx.config.pluginCallTimeoutMs,
          ctx.signal,
        ),
      );
      if (outcome.kind === 'success' && outcome.value instanceof Object) {
        made.push({ worker: outcome.value as WorkSpec, jobs });
      } else if (outcome.kind === 'fatal') {
        failJobsToMake(changes, jobs, `worker maker: ${outcome.diag}`, now);
      } else {
        ctx.logger.info(
          {
            agent: this.name,
            queue: queue.queueName,
            diag: outcome.kind === 'retry' ? outcome.diag : 'no worker',
          },
          'worker not made; jobs wait',
        );
      }
    }
    await commitChanges(ctx, this.name, changes);
    const workerIDs = await ctx.ids.next(SequenceName.workerID, made.length);
    const messengerSite = { queue: queue.queueName, section: 'messenger', method: 'getAccessPoint' };
    made.forEach((m, i) => {
      const w = m.worker;
      Object.assign(w, {
        workerID: workerIDs[i]!,
        harvesterID: ctx.identity.harvesterId,
        harvesterHost: ctx.identity.host,
        status: 'pending',
        mapType: queue.mapType,
        computingSite: queue.queueName,
        configID,
        creationTime: now,
        modificationTime: now,
        hasJob: m.jobs.length > 0 ? 1 : 0,
        nJobs: m.jobs.length,
        jobType: w.jobType ?? queue.jobType ?? null,
        resourceType: w.resourceType ?? queue.resourceType ?? null,
        eventsRequest: w.eventsRequest ?? 0,
        postProcessed: false,
        lockedBy: this.owner,
      });
      w.jobs = m.jobs;
      try {
        w.accessPoint = plugins.messenger.getAccessPoint(w);
      } catch (err) {
        ctx.logger.warn(
          { ...messengerSite, workerID: w.workerID, err: (err as Error).message },
          'no access point',
        );
        w.accessPoint = null;
      }
    });
    return made.filter((m) => m.worker.accessPoint);
  }

  /** Creates access points and feeds jobs; workers whose setup failed are dropped. */
  private async prepareAccessPoints(plugins: QueuePlugins, made: Made[]): Promise<Made[]> {
    const { ctx } = this;
    const queue = plugins.queue.queueName;
    const setupSite = { queue, section: 'messenger', method: 'setupAccessPoints' };
    const setup = outcomesFor<void>(
      setupSite,
      await callPlugin(
        setupSite,
        (call) =>
          plugins.messenger.setupAccessPoints(
            made.map((m) => m.worker),
            call,
          ),
        ctx.config.pluginCallTimeoutMs,
        ctx.signal,
      ),
      made.length,
    );
    const ok: Made[] = [];
    const failures = new ChangeSet();
    for (const [i, m] of made.entries()) {
      const s = setup[i]!;
      if (s.kind !== 'success') {
        ctx.logger.warn({ agent: this.name, queue, diag: s.diag }, 'access point setup failed; jobs wait');
        continue;
      }
      if (m.jobs.length > 0) {
        const feedSite = { queue, section: 'messenger', method: 'feedJobs' };
        const fed = outcomeOf(
          feedSite,
          await callPlugin(
            feedSite,
            (call) => plugins.messenger.feedJobs(m.worker, m.jobs, call),
            ctx.config.pluginCallTimeoutMs,
            ctx.signal,
          ),
        );
        if (fed.kind === 'fatal') {
          // The jobs cannot be given to any worker as they are (e.g. an unsafe LFN): they fail.
          // When the diagnostic names the job at fault, the others wait for another worker.
          const named = m.jobs.filter((j) => new RegExp(`\\bjob ${j.PandaID}\\b`).test(fed.diag));
          failJobsToMake(failures, named.length > 0 ? named : m.jobs, `messenger: ${fed.diag}`, ctx.now());
          ctx.logger.warn(
            { agent: this.name, queue, workerID: m.worker.workerID, diag: fed.diag },
            'jobs cannot be fed to a worker; failed',
          );
          continue;
        }
        if (fed.kind !== 'success') {
          ctx.logger.warn(
            { agent: this.name, queue, workerID: m.worker.workerID, diag: fed.diag },
            'feeding jobs failed; jobs wait',
          );
          continue;
        }
      }
      ok.push(m);
    }
    await commitChanges(ctx, this.name, failures);
    return ok;
  }

  /** Commits the workers as pending with their jobs bound; releases the jobs left over. */
  private async insertPending(ready: Made[], release: number[]): Promise<void> {
    const { ctx } = this;
    const now = ctx.now();
    const changes = new ChangeSet();
    const history: StatusChange[] = ready.map((m) => ({
      entityType: 'worker',
      entityID: m.worker.workerID,
      fromStatus: null,
      toStatus: 'pending',
    }));
    const relations: JobWorkerRelation[] = [];
    const perJob = new Map<number, { job: JobSpec; n: number }>();
    for (const m of ready) {
      for (const job of m.jobs) {
        relations.push(
          Object.assign(new JobWorkerRelation(), {
            PandaID: job.PandaID,
            workerID: m.worker.workerID,
            relationType: null,
          }),
        );
        const e = perJob.get(job.PandaID) ?? { job, n: 0 };
        e.n += 1;
        perJob.set(job.PandaID, e);
      }
    }
    for (const { job, n } of perJob.values()) {
      changes.job(job, {
        subStatus: 'submitted',
        nWorkers: job.nWorkers + n,
        nWorkersInTotal: job.nWorkersInTotal + n,
        modificationTime: now,
        submitterTime: null,
      });
    }
    const ids = await ctx.ids.next(SequenceName.statusEventID, history.length + changes.history.length);
    const workerRows = ready.map((m) => m.worker);
    await ctx.db.write(async (em) => {
      for (let i = 0; i < workerRows.length; i += 200) {
        await em
          .createQueryBuilder()
          .insert()
          .into(WorkSpec)
          .values(workerRows.slice(i, i + 200))
          .updateEntity(false)
          .execute();
      }
      for (let i = 0; i < relations.length; i += 500) {
        await em
          .createQueryBuilder()
          .insert()
          .into(JobWorkerRelation)
          .values(relations.slice(i, i + 500))
          .updateEntity(false)
          .execute();
      }
      await changes.write(em, ids.slice(0, changes.history.length), {
        agent: this.name,
        instance: ctx.identity.instance,
        at: now,
      });
      await appendStatusEvents(em, ids.slice(changes.history.length), history, {
        agent: this.name,
        instance: ctx.identity.instance,
        at: now,
      });
      await releaseRows(em, JOB_LEASES.submitter, [...release, ...perJob.keys()], this.owner, {
        time: 'clear',
      });
    });
  }

  private async recordSubmission(
    queue: QueueConfig,
    ready: Made[],
    outcomes: Outcome<void>[],
  ): Promise<{ submitted: number; failed: number }> {
    const { ctx } = this;
    const now = ctx.now();
    const changes = new ChangeSet();
    let submitted = 0;
    for (const [i, { worker, jobs }] of ready.entries()) {
      const outcome = outcomes[i]!;
      if (outcome.kind === 'success') {
        submitted++;
        const running = queue.useJobLateBinding && jobs.length > 0;
        changes.worker(worker, {
          ...submittedFields(worker),
          status: running ? 'running' : 'submitted',
          submitTime: now,
          modificationTime: now,
          lockedBy: null,
          lastUpdate: DUE_NOW,
        });
        if (running)
          for (const job of jobs)
            changes.job(job, {
              status: 'running',
              subStatus: 'running',
              startTime: now,
              modificationTime: now,
              propagatorTime: DUE_NOW,
            });
        else for (const job of jobs) changes.job(job, { propagatorTime: DUE_NOW });
      } else {
        this.failWorkerAndRetryJobs(
          changes,
          queue,
          worker,
          jobs,
          outcome.diag,
          outcome.kind === 'fatal',
          now,
        );
      }
    }
    await commitChanges(ctx, this.name, changes);
    const failed = ready.length - submitted;
    ctx.logger.info({ agent: this.name, queue: queue.queueName, submitted, failed }, 'workers submitted');
    return { submitted, failed };
  }

  /** A worker that never reached the batch system: missed; its jobs retried or given up. */
  private failWorkerAndRetryJobs(
    changes: ChangeSet,
    queue: QueueConfig,
    worker: WorkSpec,
    jobs: JobSpec[],
    diag: string,
    permanent: boolean,
    now: Date,
  ): void {
    changes.worker(
      worker,
      {
        status: 'missed',
        diagMessage: diag.slice(0, 500),
        endTime: now,
        modificationTime: now,
        lockedBy: null,
        lastUpdate: DUE_NOW,
      },
      diag,
    );
    const maxAttempts = queue.maxSubmissionAttempts ?? 3;
    for (const job of jobs) {
      const attempts = job.submissionAttempts + 1;
      const base = {
        submissionAttempts: attempts,
        nWorkers: Math.max(0, job.nWorkers - 1),
        modificationTime: now,
      };
      if (job.subStatus !== 'submitted' && job.subStatus !== 'queued') continue; // already moved on (OneToMany)
      if (permanent || attempts >= maxAttempts) {
        changes.job(
          job,
          {
            ...base,
            status: 'missed',
            subStatus: 'missed',
            endTime: now,
            propagatorTime: DUE_NOW,
            jobAttributes: {
              ...(job.jobAttributes ?? {}),
              pilotErrorDiag: `submission failed ${attempts} time(s): ${diag}`.slice(0, 500),
            },
          },
          diag,
        );
      } else {
        changes.job(job, { ...base, subStatus: 'prepared', submitterTime: null }, diag);
      }
    }
  }

  /** Workers left pending by an interrupted submission: adopt or give up, by batch name. */
  private async reconcilePending(): Promise<number> {
    const { ctx } = this;
    const timeout = ctx.config.submitter.pendingTimeoutMs;
    const ids = await ctx.db.write((em) =>
      claimRows(em, {
        lease: WORKER_LEASES.monitor,
        where: "status = 'pending' AND harvesterID = ?",
        params: [ctx.identity.harvesterId],
        orderBy: 'workerID',
        limit: ctx.config.monitor.maxWorkers,
        owner: this.owner,
        now: ctx.now(),
        checkIntervalMs: timeout,
        lockIntervalMs: timeout,
      }),
    );
    if (ids.length === 0) return 0;
    const workers = await ctx.db.read((em) => loadWorkersWithJobs(em, ids));
    const changes = new ChangeSet();
    const now = ctx.now();
    const byQueue = new Map<string, WorkSpec[]>();
    for (const w of workers)
      byQueue.set(`${w.computingSite}|${w.configID}`, [
        ...(byQueue.get(`${w.computingSite}|${w.configID}`) ?? []),
        w,
      ]);
    for (const list of byQueue.values()) {
      const first = list[0]!;
      let queue: QueueConfig;
      let plugins: QueuePlugins;
      try {
        plugins = await ctx.queues.pluginsFor(first.computingSite, first.configID);
        queue = plugins.queue;
      } catch (err) {
        ctx.logger.error(
          { agent: this.name, queue: first.computingSite, err: (err as Error).message },
          'cannot reconcile pending workers',
        );
        continue;
      }
      const lookup = plugins.monitor.findWorkersByBatchName?.bind(plugins.monitor);
      const site = { queue: queue.queueName, section: 'monitor', method: 'findWorkersByBatchName' };
      const results = lookup
        ? outcomesLike(
            await callPlugin(site, (call) => lookup(list, call), ctx.config.pluginCallTimeoutMs, ctx.signal),
            list.length,
          )
        : list.map(() => ({ kind: 'notFound' as const }));
      for (const [i, w] of list.entries()) {
        const r = results[i]!;
        if (r.kind === 'found') {
          changes.worker(
            w,
            {
              status: 'submitted',
              batchID: r.batchID,
              submissionHost: r.submissionHost ?? w.submissionHost,
              submitTime: w.submitTime ?? now,
              modificationTime: now,
              lastUpdate: DUE_NOW,
            },
            'adopted after an interrupted submission',
          );
          for (const job of w.jobs) changes.job(job, { propagatorTime: DUE_NOW });
        } else if (r.kind === 'notFound') {
          this.failWorkerAndRetryJobs(
            changes,
            queue,
            w,
            w.jobs,
            'submission interrupted before the batch system accepted the worker',
            false,
            now,
          );
        }
      }
    }
    await commitChanges(ctx, this.name, changes, async (em: EntityManager) => {
      await releaseRows(em, WORKER_LEASES.monitor, ids, this.owner);
    });
    return workers.length;
  }
}

type Lookup =
  | { kind: 'found'; batchID: string; submissionHost?: string }
  | { kind: 'notFound' }
  | { kind: 'retry'; diag: string };

function outcomesLike(
  result: { ok: true; value: unknown } | { ok: false; diag: string },
  n: number,
): Lookup[] {
  if (!result.ok || !Array.isArray(result.value) || result.value.length !== n) {
    const diag = result.ok ? 'findWorkersByBatchName returned a malformed list' : result.diag;
    return Array.from({ length: n }, () => ({ kind: 'retry', diag }));
  }
  return result.value.map((v: Lookup) =>
    v && (v.kind === 'found' ? typeof v.batchID === 'string' : v.kind === 'notFound' || v.kind === 'retry')
      ? v
      : { kind: 'retry', diag: 'malformed lookup result' },
  );
}

/** The fields a submitter plugin may have set on the worker. */
function submittedFields(w: WorkSpec): Partial<WorkSpec> {
  return {
    batchID: w.batchID ?? null,
    submissionHost: w.submissionHost ?? null,
    computingElement: w.computingElement ?? null,
    queueName: w.queueName ?? null,
    nodeID: w.nodeID ?? null,
    workAttributes: w.workAttributes ?? null,
    logFilesToUpload: w.logFilesToUpload ?? null,
  };
}

/** Jobs no worker can be made or fed for: failed (failed_to_make) with the reason. */
function failJobsToMake(changes: ChangeSet, jobs: JobSpec[], diag: string, now: Date): void {
  for (const job of jobs) {
    changes.job(
      job,
      {
        status: 'failed',
        subStatus: 'failed_to_make',
        modificationTime: now,
        endTime: now,
        propagatorTime: DUE_NOW,
        jobAttributes: { ...(job.jobAttributes ?? {}), pilotErrorDiag: diag.slice(0, 500) },
      },
      diag,
    );
  }
}
