// Runs each worker as a detached process group (its own session) on this host. The harvester
// never waits on it: the child is unref'd, so it survives a restart; the monitor learns its fate
// from /proc and the wrapper's exit file.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  defineSubmitter,
  errorText,
  fatal,
  type Outcome,
  type PluginContext,
  retryLater,
  success,
  type WorkSpec,
} from '@harvester-ts/core';
import {
  buildWorkerArgv,
  buildWorkerEnv,
  findTaggedWorkers,
  formatBatchID,
  LOCAL_FILE_NAMES,
  NCORE_ENV,
  ownerTag,
  readProcStatSync,
  writeWorkerRecord,
} from './commands.js';
import { LOCAL_COMPATIBILITY, type LocalSubmitterOptions, localSubmitterOptions } from './options.js';

export class LocalSubmitterInstance {
  private readonly owner: string;
  private readonly log: PluginContext['logger'];

  constructor(
    private readonly options: LocalSubmitterOptions,
    private readonly ctx: PluginContext,
  ) {
    this.owner = ownerTag(ctx.harvesterId, ctx.queueName);
    this.log = ctx.logger.child({ plugin: 'LocalSubmitter' });
  }

  async submitWorkers(workers: WorkSpec[]): Promise<Outcome[]> {
    if (workers.length === 0) return [];
    const { maxWorkers, maxCores } = this.options;
    let running = 0;
    let cores = 0;
    if (maxWorkers !== undefined || maxCores !== undefined) {
      // One /proc scan for the whole batch: this queue's workers alive on this host.
      const tagged = await findTaggedWorkers(this.owner);
      running = tagged.length;
      cores = tagged.reduce((sum, t) => sum + (Number(t.env.get(NCORE_ENV)) || 1), 0);
    }
    const outcomes: Outcome[] = [];
    for (const worker of workers) {
      const nCore = worker.nCore ?? 1;
      if (maxCores !== undefined && nCore > maxCores) {
        outcomes.push(
          fatal(`the worker needs ${nCore} cores; this host runs at most ${maxCores} (maxCores)`),
        );
        continue;
      }
      if (maxWorkers !== undefined && running >= maxWorkers) {
        outcomes.push(retryLater(`${running} local workers are running; maxWorkers is ${maxWorkers}`));
        continue;
      }
      if (maxCores !== undefined && cores + nCore > maxCores) {
        outcomes.push(
          retryLater(`${cores} of ${maxCores} cores are in use (maxCores); the worker needs ${nCore}`),
        );
        continue;
      }
      const outcome = await this.submitOne(worker);
      if (outcome.kind === 'success') {
        running += 1;
        cores += nCore;
      }
      outcomes.push(outcome);
    }
    return outcomes;
  }

  private async submitOne(worker: WorkSpec): Promise<Outcome> {
    const accessPoint = worker.accessPoint;
    if (!accessPoint) return fatal(`worker ${worker.workerID} has no access point`);
    const stdoutPath = join(accessPoint, LOCAL_FILE_NAMES.stdout);
    const stderrPath = join(accessPoint, LOCAL_FILE_NAMES.stderr);
    let out: number | undefined;
    let err: number | undefined;
    try {
      out = openSync(stdoutPath, 'a', 0o644);
      err = openSync(stderrPath, 'a', 0o644);
    } catch (e) {
      for (const fd of [out, err]) if (fd !== undefined) closeSync(fd);
      return retryLater(`cannot open the worker's output files in ${accessPoint}: ${errorText(e)}`);
    }
    const [program, args] = buildWorkerArgv(this.options.executable, accessPoint);
    const env = buildWorkerEnv(worker, {
      base: this.options.inheritEnv ? process.env : {},
      extra: this.options.env,
      harvesterId: this.ctx.harvesterId,
      owner: this.owner,
    });
    let pid: number | undefined;
    let spawnError: string | undefined;
    let startTime: number | undefined;
    try {
      const child = spawn(program, args, {
        cwd: accessPoint,
        env,
        detached: true,
        shell: false,
        stdio: ['ignore', out, err],
      });
      child.on('error', (e) => {
        this.log.warn({ workerID: worker.workerID, err: errorText(e) }, 'worker process error');
      });
      pid = child.pid;
      // Read the start time at once: until the event loop turns, the child cannot have been reaped.
      if (pid !== undefined) startTime = readProcStatSync(pid)?.startTime;
      child.unref();
    } catch (e) {
      spawnError = errorText(e);
    } finally {
      closeSync(out);
      closeSync(err);
    }
    if (pid === undefined) {
      return fatal(`cannot start ${program}: ${spawnError ?? 'spawn failed (no such program?)'}`);
    }
    if (startTime === undefined) {
      return fatal(`the worker process ${pid} ended before its start time could be read`);
    }
    const host = hostname();
    const batchID = formatBatchID({ pid, startTime });
    try {
      await writeWorkerRecord(accessPoint, {
        pid,
        startTime,
        batchName: worker.batchName,
        workerID: worker.workerID,
        harvesterId: this.ctx.harvesterId,
        host,
        submittedAt: new Date().toISOString(),
      });
    } catch (e) {
      // The process runs and carries its batch name in its environment; lookups still find it.
      this.log.warn({ workerID: worker.workerID, err: errorText(e) }, 'cannot write the worker record');
    }
    worker.batchID = batchID;
    worker.submissionHost = host;
    worker.nodeID = host;
    worker.setLogFile('stdout', stdoutPath);
    worker.setLogFile('stderr', stderrPath);
    this.log.debug({ workerID: worker.workerID, batchID }, 'started local worker');
    return success();
  }
}

/**
 * Runs workers as local process groups: `executable` + the access point, detached (own session
 * and process group), output to `harvester-local.stdout`/`.stderr` in the access point. batchID
 * is `<pid>:<starttime>`. Limits: `maxWorkers`, `maxCores` (sum of WorkSpec.nCore); the worker
 * gets HARVESTER_NCORE and HARVESTER_RAM_MB (WorkSpec.minRamCount, informational, not enforced).
 */
export const LocalSubmitter = defineSubmitter({
  name: 'LocalSubmitter',
  compatibility: LOCAL_COMPATIBILITY,
  description: 'Runs workers as detached local process groups.',
  options: localSubmitterOptions,
  create(options, ctx) {
    return new LocalSubmitterInstance(options, ctx);
  },
});
