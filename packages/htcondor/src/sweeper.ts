// Kills HTCondor jobs with one condor_q and one condor_rm per schedd for all of them (condor_rm
// only for the jobs whose harvesterID and harvesterWorkerID show they are the worker's: a schedd
// whose queue was reset may hold another's job under the same id), and removes access points,
// only real directories holding this worker's record (and, with checkJobBeforeSweep, only once
// its job has left the queue: a job still there is removed first).
import { removeWorkerAccessPoint } from '@harvester-ts/batch-support';
import {
  type CallOptions,
  defineSweeper,
  fatal,
  type Outcome,
  type PluginContext,
  retryLater,
  success,
  type WorkSpec,
} from '@harvester-ts/core';
import { type CondorJobAd, type CondorJobId, jobOwnership, parseCondorJobId } from './commands.js';
import { queryQueue } from './lookup.js';
import {
  type CondorSweeperOptions,
  condorSweeperOptions,
  HTCONDOR_COMPATIBILITY,
  IGNORED_SWEEPER_OPTIONS,
  ignoredOptionsIn,
} from './options.js';
import { removeJobs } from './removal.js';
import { CondorTools } from './runner.js';
import { parseSubmissionHost, type ScheddTarget, targetKey } from './schedds.js';
import { CONDOR_RECORD_FILE } from './worker-record.js';

/** What the sweeper asks condor_q about a job before removing it. */
const OWNER_ATTRIBUTES = ['ClusterId', 'ProcId', 'JobStatus', 'harvesterID', 'harvesterWorkerID'];

export class HTCondorSweeperInstance {
  private readonly log: PluginContext['logger'];
  private readonly tools: CondorTools;
  private readonly harvesterId: string;

  constructor(
    private readonly options: CondorSweeperOptions,
    ctx: PluginContext,
  ) {
    this.log = ctx.logger.child({ plugin: 'HTCondorSweeper' });
    this.tools = new CondorTools(options, ctx.signal);
    this.harvesterId = ctx.harvesterId;
  }

  /**
   * Per schedd, one `condor_q` for the workers' jobs, then one `condor_rm C.P …` for those that
   * are in the queue and show they are the worker's (harvesterID and harvesterWorkerID). Not in
   * the queue (gone, over), removed, already being removed and another's job under the same id
   * (left alone) are successes; a job of this worker that another user owns is fatal (retrying
   * does not help); a schedd that does not answer is a retry for its workers.
   */
  async killWorkers(workers: WorkSpec[], call?: CallOptions): Promise<Outcome[]> {
    const outcomes = new Array<Outcome>(workers.length);
    const groups = new Map<
      string,
      { target: ScheddTarget; members: Array<{ i: number; id: string; job: CondorJobId; workerID: number }> }
    >();
    workers.forEach((worker, i) => {
      const id = parseCondorJobId(worker.batchID);
      if (id === undefined) {
        outcomes[i] = success(
          undefined,
          `no HTCondor job to remove (batchID ${JSON.stringify(worker.batchID)})`,
        );
        return;
      }
      const target = parseSubmissionHost(worker.submissionHost);
      const key = targetKey(target);
      const group = groups.get(key) ?? { target, members: [] };
      group.members.push({ i, id: `${id.cluster}.${id.proc}`, job: id, workerID: worker.workerID });
      groups.set(key, group);
    });
    for (const { target, members } of groups.values()) {
      const q = await queryQueue(
        this.tools,
        target,
        members.map((m) => m.job),
        OWNER_ATTRIBUTES,
        call?.signal,
      );
      if (!q.ok) {
        for (const m of members) outcomes[m.i] = retryLater(q.diag);
        continue;
      }
      const ads = new Map<string, CondorJobAd>(q.ads.map((a) => [`${a.ClusterId}.${a.ProcId}`, a]));
      const toRemove = members.filter((m) => {
        const ad = ads.get(m.id);
        if (ad === undefined) {
          outcomes[m.i] = success(undefined, `HTCondor job ${m.id} is not in the queue`);
          return false;
        }
        if (jobOwnership(ad, m.workerID, this.harvesterId) !== 'mine') {
          outcomes[m.i] = success(
            undefined,
            `HTCondor job ${m.id} in the queue of ${targetKey(target)} is not this worker's (harvesterID ${JSON.stringify(ad.harvesterID ?? null)}, harvesterWorkerID ${JSON.stringify(ad.harvesterWorkerID ?? null)}): left alone`,
          );
          return false;
        }
        return true;
      });
      if (toRemove.length === 0) continue;
      const removal = await removeJobs(
        this.tools,
        target,
        toRemove.map((m) => m.id),
        undefined,
        call?.signal,
      );
      for (const m of toRemove) {
        if (!removal.ok) {
          outcomes[m.i] = retryLater(removal.diag);
          continue;
        }
        const r = removal.perJob.get(m.id);
        if (r?.kind === 'done') outcomes[m.i] = success(undefined, r.text);
        else if (r?.kind === 'refused') outcomes[m.i] = fatal(`condor_rm ${m.id}: ${r.text}`);
        else outcomes[m.i] = retryLater(`condor_rm ${m.id}: ${r?.text ?? 'no answer'}`);
      }
    }
    return outcomes;
  }

  /**
   * Removes the access point only if it is a real directory (not a symlink) holding this
   * worker's harvester-condor.json; anything else is refused (fatal) and never deleted. With
   * checkJobBeforeSweep, a job still in the queue is removed (condor_rm) and the sweep retried.
   */
  async sweepWorker(worker: WorkSpec, call?: CallOptions): Promise<Outcome> {
    return removeWorkerAccessPoint(worker, CONDOR_RECORD_FILE, {
      beforeRemove: (record) => this.jobLeftQueue(worker, record.submissionHost, call),
      log: this.log,
    });
  }

  /**
   * With checkJobBeforeSweep, a retry while the worker's job is still in the queue (it is
   * removed first: condor_rm); undefined once it has left.
   */
  private async jobLeftQueue(
    worker: WorkSpec,
    recordedHost: string,
    call?: CallOptions,
  ): Promise<Outcome | undefined> {
    const id = parseCondorJobId(worker.batchID);
    if (!this.options.checkJobBeforeSweep || id === undefined) return undefined;
    const target = parseSubmissionHost(worker.submissionHost ?? recordedHost);
    const q = await queryQueue(this.tools, target, [id], OWNER_ATTRIBUTES, call?.signal);
    if (!q.ok) return retryLater(q.diag);
    // Another's job under the same id (a reset queue) is not this worker's: the worker's is gone.
    const ads = q.ads.filter((a) => jobOwnership(a, worker.workerID, this.harvesterId) === 'mine');
    if (ads.length === 0) return undefined;
    const key = `${id.cluster}.${id.proc}`;
    if (ads.some((a) => a.JobStatus === 3)) {
      return retryLater(`HTCondor job ${key} is still being removed from the queue of ${targetKey(target)}`);
    }
    const removal = await removeJobs(this.tools, target, [key], undefined, call?.signal);
    const said = removal.ok ? (removal.perJob.get(key)?.text ?? 'no answer') : removal.diag;
    return retryLater(
      `HTCondor job ${key} is still in the queue of ${targetKey(target)}; condor_rm: ${said}`,
    );
  }
}

/** Removes HTCondor jobs (one condor_rm per schedd) and the workers' access points. */
export const HTCondorSweeper = defineSweeper({
  name: 'HTCondorSweeper',
  compatibility: HTCONDOR_COMPATIBILITY,
  description: 'Removes HTCondor jobs with condor_rm and removes their access points.',
  options: condorSweeperOptions,
  create(options, ctx) {
    const log = ctx.logger.child({ plugin: 'HTCondorSweeper' });
    for (const { option, reason } of ignoredOptionsIn(
      options as Record<string, unknown>,
      IGNORED_SWEEPER_OPTIONS,
    )) {
      log.info({ option, reason }, 'Harvester option accepted and ignored');
    }
    return new HTCondorSweeperInstance(options, ctx);
  },
});
