// Kills Slurm jobs with one scancel call for all of them, and removes access points, only real
// directories holding this worker's record.
import { removeWorkerAccessPoint } from '@harvester-ts/batch-support';
import {
  type CallOptions,
  defineSweeper,
  type Outcome,
  type PluginContext,
  retryLater,
  success,
  type WorkSpec,
} from '@harvester-ts/core';
import {
  ALREADY_GONE,
  CONTROLLER_DOWN,
  INVALID_JOB_ID,
  parseScancelErrors,
  parseSlurmJobId,
  parseSqueueOutput,
  SLURM_RECORD_FILE,
  SlurmTools,
  scancelArgv,
  squeueActiveArgv,
} from './commands.js';
import { SLURM_COMPATIBILITY, type SlurmSweeperOptions, slurmSweeperOptions } from './options.js';
import { baseSlurmState, SLURM_STATE_MAP } from './status-map.js';

export class SlurmSweeperInstance {
  private readonly log: PluginContext['logger'];
  private readonly tools: SlurmTools;

  constructor(
    private readonly options: SlurmSweeperOptions,
    ctx: PluginContext,
  ) {
    this.log = ctx.logger.child({ plugin: 'SlurmSweeper' });
    this.tools = new SlurmTools(options, ctx.signal);
  }

  /**
   * One `scancel <id> …` for every worker with a batchID. Plain scancel ignores jobs that are
   * gone or over (exit status 0); an "Invalid job id" or "already completing" error for an id
   * is a success too. Any other per-id error is a retry for that worker; a failure of the
   * command itself (controller down, timeout) a retry for all.
   */
  async killWorkers(workers: WorkSpec[], call?: CallOptions): Promise<Outcome[]> {
    const outcomes = new Array<Outcome>(workers.length);
    const ids: string[] = [];
    workers.forEach((worker, i) => {
      if (parseSlurmJobId(worker.batchID) === undefined) {
        outcomes[i] = success(
          undefined,
          `no Slurm job to cancel (batchID ${JSON.stringify(worker.batchID)})`,
        );
      } else ids.push(worker.batchID as string);
    });
    if (ids.length === 0) return outcomes;
    const unique = [...new Set(ids)];
    const result = await this.tools.run('scancel', scancelArgv(unique), call?.signal);
    const perId = parseScancelErrors(result.stderr);
    const commandFailed =
      result.error !== undefined ||
      result.timedOut ||
      result.code === null ||
      (result.code !== 0 && (perId.size === 0 || CONTROLLER_DOWN.test(result.stderr)));
    const diag = this.tools.describe(result);
    workers.forEach((worker, i) => {
      if (outcomes[i] !== undefined) return;
      if (commandFailed) {
        outcomes[i] = retryLater(diag);
        return;
      }
      const error = perId.get(worker.batchID as string);
      if (error === undefined) outcomes[i] = success(undefined, 'scancel sent');
      else if (ALREADY_GONE.test(error)) outcomes[i] = success(undefined, `already gone: ${error}`);
      else outcomes[i] = retryLater(`scancel ${worker.batchID}: ${error}`);
    });
    return outcomes;
  }

  /**
   * Removes the access point only if it is a real directory (not a symlink) holding this
   * worker's `harvester-slurm.json`; anything else is refused (fatal) and never deleted. With
   * checkJobBeforeSweep, a job squeue still lists as active is a retry.
   */
  async sweepWorker(worker: WorkSpec, call?: CallOptions): Promise<Outcome> {
    return removeWorkerAccessPoint(worker, SLURM_RECORD_FILE, {
      beforeRemove: async () => {
        if (!this.options.checkJobBeforeSweep || parseSlurmJobId(worker.batchID) === undefined) return;
        const active = await this.stillActive(worker.batchID as string, call);
        if (active !== false)
          return retryLater(active === true ? `Slurm job ${worker.batchID} is still active` : active);
      },
      log: this.log,
    });
  }

  /** true / false, or the diagnostic when squeue could not tell. */
  private async stillActive(id: string, call?: CallOptions): Promise<boolean | string> {
    const result = await this.tools.run('squeue', squeueActiveArgv([id]), call?.signal);
    if (result.code !== 0) {
      if (result.code === 1 && INVALID_JOB_ID.test(result.stderr)) return false;
      return this.tools.describe(result);
    }
    const parsed = parseSqueueOutput(result.stdout);
    const record = parsed.records.find((r) => r.id === id);
    if (record === undefined)
      return parsed.garbage.length > 0 ? 'squeue printed lines that could not be read' : false;
    const base = baseSlurmState(record.state);
    const status = base === undefined ? undefined : SLURM_STATE_MAP[base];
    return !(status === 'finished' || status === 'failed' || status === 'cancelled');
  }
}

/** Cancels Slurm jobs (one scancel for all) and removes the workers' access points. */
export const SlurmSweeper = defineSweeper({
  name: 'SlurmSweeper',
  compatibility: SLURM_COMPATIBILITY,
  description: 'Cancels Slurm jobs with scancel and removes their access points.',
  options: slurmSweeperOptions,
  create(options, ctx) {
    return new SlurmSweeperInstance(options, ctx);
  },
});
