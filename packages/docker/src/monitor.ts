// Watches worker containers: ONE list request per checkWorkers for all the workers (every
// container labelled with this harvester's id), then an inspect only of the containers whose state
// changed since the last look (the last state of each is kept in memory: after a restart, each is
// inspected once). When a container has ended, its logs are saved into the access point. A request
// that fails leaves the workers it concerned to be retried: never a final state the Engine did
// not say.
import { join } from 'node:path';
import {
  type BatchLookupResult,
  type CallOptions,
  defineMonitor,
  errorText,
  mapLimit,
  type PluginContext,
  retryLater,
  type WorkerCheckResult,
  WorkerStatus,
  type WorkSpec,
  workerStatus,
} from '@harvester-ts/core';
import {
  type ContainerDetails,
  type ContainerSummary,
  containerNameProblem,
  DOCKER_FILE_NAMES,
  demuxLogs,
  harvesterFilter,
  isContainerId,
  isWorkersContainer,
  nameFilter,
  parseContainerDetails,
  parseContainerList,
  readExitFile,
  readKillRecord,
  writeAtomic,
} from './commands.js';
import {
  createEngineClient,
  type EngineClient,
  engineErrorOf,
  engineHostOf,
  isTransientEngineError,
} from './engine-api.js';
import { DOCKER_COMPATIBILITY, type DockerMonitorOptions, dockerMonitorOptions } from './options.js';
import { type MappedDockerStatus, mapDockerStatus } from './status-map.js';

/** What the monitor remembers of a container between cycles. */
interface Seen {
  /** State.Status at the last inspect: a list showing another state triggers the next one. */
  state: string;
  mapped: MappedDockerStatus;
  /** The logs were saved into the access point (once the container ended). */
  logsSaved: boolean;
}

/** The states after which a container does not change by itself. */
const OVER_STATES = new Set(['exited', 'dead']);

export class DockerMonitorInstance {
  private readonly log: PluginContext['logger'];
  /** batchID → the last state seen and what it meant. */
  private readonly seen = new Map<string, Seen>();
  /** batchID → when the Engine was first found not to list it (epoch ms). */
  private readonly missingSince = new Map<string, number>();

  constructor(
    private readonly options: DockerMonitorOptions,
    private readonly ctx: PluginContext,
    private readonly client: EngineClient,
  ) {
    this.log = ctx.logger.child({ plugin: 'DockerMonitor' });
  }

  /** How many containers the monitor remembers (for tests and diagnostics). */
  get trackedContainers(): number {
    return this.seen.size;
  }

  async checkWorkers(workers: WorkSpec[], call?: CallOptions): Promise<WorkerCheckResult[]> {
    if (workers.length === 0) return [];
    const results: (WorkerCheckResult | undefined)[] = workers.map(() => undefined);
    workers.forEach((worker, i) => {
      if (!isContainerId(worker.batchID)) {
        results[i] = workerStatus(
          WorkerStatus.failed,
          `not a Docker container id: ${JSON.stringify(worker.batchID)} (expected 64 hex digits)`,
        );
      }
    });
    if (results.every((r) => r !== undefined)) return results as WorkerCheckResult[];

    // 1. One list request for every container of this harvester instance.
    let listed: Map<string, ContainerSummary>;
    try {
      const raw = await this.client.listContainers(harvesterFilter(this.ctx.harvesterId), {
        signal: call?.signal,
      });
      const parsed = parseContainerList(raw);
      if (parsed.garbage > 0) {
        this.log.warn({ garbage: parsed.garbage }, 'the container list had entries that could not be read');
      }
      listed = new Map(parsed.containers.map((c) => [c.id, c]));
      if (parsed.garbage > 0) {
        // An unreadable entry may be any of them: only those read are concluded on.
        const diag = `the Engine listed ${parsed.garbage} container(s) that could not be read`;
        workers.forEach((w, i) => {
          if (results[i] === undefined && !listed.has(w.batchID as string)) results[i] = retryLater(diag);
        });
      }
    } catch (err) {
      const diag = engineErrorOf(err, 'list containers').message;
      workers.forEach((_, i) => {
        results[i] ??= retryLater(diag);
      });
      return results as WorkerCheckResult[];
    }
    // Forget what the Engine no longer has.
    for (const id of this.seen.keys()) if (!listed.has(id)) this.seen.delete(id);

    // 2. Inspect only what changed; the rest keeps its last status.
    const now = Date.now();
    const pending = workers.map((worker, i) => ({ worker, i })).filter(({ i }) => results[i] === undefined);
    await mapLimit(pending, this.options.inspectConcurrency, async ({ worker, i }) => {
      const id = worker.batchID as string;
      const summary = listed.get(id);
      if (summary === undefined) {
        results[i] = await this.missing(worker, id, now);
        return;
      }
      this.missingSince.delete(id);
      const seen = this.seen.get(id);
      if (seen !== undefined && seen.state === summary.state && (seen.logsSaved || !this.needsLogs(seen))) {
        results[i] = this.apply(worker, seen.mapped);
        return;
      }
      results[i] = await this.look(worker, id, summary, call);
    });
    return results as WorkerCheckResult[];
  }

  private needsLogs(seen: Seen): boolean {
    return this.options.saveLogs && OVER_STATES.has(seen.state);
  }

  /** Sets what the status says on the worker. */
  private apply(worker: WorkSpec, mapped: MappedDockerStatus): WorkerCheckResult {
    worker.nativeStatus = mapped.nativeStatus.slice(0, 128);
    if (mapped.nativeExitCode !== undefined) worker.nativeExitCode = mapped.nativeExitCode;
    if (mapped.report.diag !== undefined) worker.diagMessage = mapped.report.diag.slice(0, 500);
    return mapped.report;
  }

  /** Inspects a container whose state changed (or that is new to this process). */
  private async look(
    worker: WorkSpec,
    id: string,
    summary: ContainerSummary,
    call?: CallOptions,
  ): Promise<WorkerCheckResult> {
    let details: ContainerDetails;
    try {
      details = parseContainerDetails(await this.client.inspectContainer(id, { signal: call?.signal }));
    } catch (err) {
      const e = engineErrorOf(err, `inspect container ${summary.names[0] ?? id}`);
      if (e.kind === 'notFound')
        return retryLater(`container ${summary.names[0] ?? id} went away while it was looked at`);
      return retryLater(e.message);
    }
    const over = OVER_STATES.has(details.state.status);
    const killRequested =
      over && worker.accessPoint ? (await readKillRecord(worker.accessPoint))?.batchID === id : false;
    const mapped = mapDockerStatus({
      name: details.name || summary.names[0] || id.slice(0, 12),
      state: details.state.status,
      exitCode: details.state.exitCode,
      oomKilled: details.state.oomKilled,
      error: details.state.error,
      memoryLimit: details.memoryLimit,
      killRequested,
    });
    // The state inspected (newer than the list's) is what the next list is compared with.
    const seen: Seen = { state: details.state.status, mapped, logsSaved: false };
    if (over) {
      if (details.state.finishedAt) worker.endTime = details.state.finishedAt;
      if (this.options.saveLogs) {
        const saved = await this.saveLogs(worker, id, call);
        if (saved !== true) {
          // Not final before the logs are in: an Engine that went away is asked again.
          this.seen.set(id, seen);
          return retryLater(saved);
        }
        seen.logsSaved = true;
      }
    }
    this.seen.set(id, seen);
    return this.apply(worker, mapped);
  }

  /**
   * Saves the container's stdout and stderr (demultiplexed) into the access point and records
   * them as the worker's log files. true, or the diagnostic when it must be tried again; logs the
   * Engine cannot give (a logging driver without reading) are skipped with a warning.
   */
  private async saveLogs(worker: WorkSpec, id: string, call?: CallOptions): Promise<true | string> {
    const ap = worker.accessPoint;
    if (!ap) return true;
    let raw: Buffer;
    try {
      raw = await this.client.containerLogs(id, this.options.logTailLines, { signal: call?.signal });
    } catch (err) {
      const e = engineErrorOf(err, `read the logs of container ${id.slice(0, 12)}`);
      if (isTransientEngineError(e) && e.kind !== 'server') return `container ended; ${e.message}`;
      this.log.warn({ workerID: worker.workerID, err: e.message }, 'the container logs cannot be saved');
      return true;
    }
    const { stdout, stderr } = demuxLogs(raw);
    const stdoutPath = join(ap, DOCKER_FILE_NAMES.stdout);
    const stderrPath = join(ap, DOCKER_FILE_NAMES.stderr);
    try {
      await writeAtomic(stdoutPath, stdout);
      await writeAtomic(stderrPath, stderr);
    } catch (err) {
      this.log.warn({ workerID: worker.workerID, err: errorText(err) }, 'cannot write the container logs');
      return true;
    }
    worker.setLogFile('stdout', stdoutPath);
    worker.setLogFile('stderr', stderrPath);
    return true;
  }

  /**
   * A container the Engine does not list (removed by someone): the wrapper's exit file says how
   * the worker ended when there is one, the sweeper's kill record that it was cancelled;
   * otherwise it is retried for missingGraceSeconds after it was first missed, then failed.
   */
  private async missing(worker: WorkSpec, id: string, now: number): Promise<WorkerCheckResult> {
    const short = id.slice(0, 12);
    if (worker.accessPoint) {
      try {
        const exit = await readExitFile(worker.accessPoint);
        if (exit.kind === 'code') {
          this.missingSince.delete(id);
          worker.nativeStatus = 'missing';
          worker.nativeExitCode = exit.code;
          const diag = `container ${short} is gone; the worker wrapper exited with code ${exit.code}`;
          worker.diagMessage = diag;
          return workerStatus(exit.code === 0 ? WorkerStatus.finished : WorkerStatus.failed, diag);
        }
      } catch (err) {
        return retryLater(`container ${short} is gone and the exit file is unreadable: ${errorText(err)}`);
      }
      if ((await readKillRecord(worker.accessPoint))?.batchID === id) {
        this.missingSince.delete(id);
        worker.nativeStatus = 'missing';
        const diag = `container ${short} is gone after the sweeper stopped it`;
        worker.diagMessage = diag;
        return workerStatus(WorkerStatus.cancelled, diag);
      }
    }
    const since = this.missingSince.get(id) ?? now;
    this.missingSince.set(id, since);
    const ageSeconds = Math.max(0, Math.round((now - since) / 1000));
    const diag = `container ${short} is not known to the Docker Engine (missed for ${ageSeconds} s)`;
    if (ageSeconds < this.options.missingGraceSeconds) return retryLater(diag);
    this.missingSince.delete(id);
    worker.nativeStatus = 'missing';
    worker.diagMessage = diag;
    return workerStatus(WorkerStatus.failed, diag);
  }

  /**
   * Finds the containers of workers left pending by a crash, by their names (the batch names):
   * one list request for all of them. A container with the name and this worker's labels is
   * adopted (found; a container that was created but never started is started); any other is
   * not this worker's (notFound).
   */
  async findWorkersByBatchName(workers: WorkSpec[], call?: CallOptions): Promise<BatchLookupResult[]> {
    const results: (BatchLookupResult | undefined)[] = workers.map(() => undefined);
    const names: string[] = [];
    workers.forEach((w, i) => {
      if (containerNameProblem(w.batchName) !== undefined) results[i] = { kind: 'notFound' };
      else names.push(w.batchName);
    });
    if (names.length === 0) return results as BatchLookupResult[];
    let containers: ContainerSummary[];
    try {
      const raw = await this.client.listContainers(nameFilter([...new Set(names)]), { signal: call?.signal });
      const parsed = parseContainerList(raw);
      if (parsed.garbage > 0) {
        const diag = `the Engine listed ${parsed.garbage} container(s) that could not be read`;
        workers.forEach((_, i) => {
          results[i] ??= retryLater(diag);
        });
        return results as BatchLookupResult[];
      }
      containers = parsed.containers;
    } catch (err) {
      const diag = engineErrorOf(err, 'list containers by name').message;
      workers.forEach((_, i) => {
        results[i] ??= retryLater(diag);
      });
      return results as BatchLookupResult[];
    }
    const host = engineHostOf(this.client.endpoint).slice(0, 255);
    await mapLimit(
      workers.map((worker, i) => ({ worker, i })).filter(({ i }) => results[i] === undefined),
      this.options.inspectConcurrency,
      async ({ worker, i }) => {
        const who = {
          harvesterId: worker.harvesterID,
          workerID: worker.workerID,
          batchName: worker.batchName,
        };
        const c = containers.find(
          (x) => x.names.includes(worker.batchName) && isWorkersContainer(x.labels, who),
        );
        if (!c) {
          results[i] = { kind: 'notFound' };
          return;
        }
        if (c.state === 'created') {
          // Created before the crash, never started: the submission is completed here.
          try {
            await this.client.startContainer(c.id, { signal: call?.signal });
          } catch (err) {
            const e = engineErrorOf(err, `start container ${worker.batchName}`);
            if (isTransientEngineError(e)) {
              results[i] = retryLater(e.message);
              return;
            }
            // It is this worker's all the same; the monitor reports that it could not start.
            this.log.warn(
              { workerID: worker.workerID, err: e.message },
              'an adopted container did not start',
            );
          }
        }
        results[i] = { kind: 'found', batchID: c.id, submissionHost: host };
      },
    );
    return results as BatchLookupResult[];
  }
}

/** Monitors DockerSubmitter's containers (batchID: the container id). */
export const DockerMonitor = defineMonitor({
  name: 'DockerMonitor',
  compatibility: DOCKER_COMPATIBILITY,
  description: 'Monitors worker containers: one list request per cycle, inspects only what changed.',
  options: dockerMonitorOptions,
  create(options, ctx) {
    return new DockerMonitorInstance(
      options,
      ctx,
      options.engineClient ?? createEngineClient(options, ctx.signal),
    );
  },
});
