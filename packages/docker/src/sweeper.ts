// Kills worker containers — `stop` with a grace period: SIGTERM, SIGKILL after killGraceSeconds —
// all of a call's containers at once (bounded), leaving them for the monitor to read how they
// ended; sweepWorker then removes the container and the access point, only a real directory
// holding this worker's record.
import { removeWorkerAccessPoint } from '@harvester-ts/batch-support';
import {
  type CallOptions,
  defineSweeper,
  errorText,
  mapLimit,
  type Outcome,
  type PluginContext,
  retryLater,
  success,
  type WorkSpec,
} from '@harvester-ts/core';
import { DOCKER_RECORD_FILE, isContainerId, parseContainerDetails, writeKillRecord } from './commands.js';
import { createEngineClient, type EngineClient, engineErrorOf } from './engine-api.js';
import { DOCKER_COMPATIBILITY, type DockerSweeperOptions, dockerSweeperOptions } from './options.js';

export class DockerSweeperInstance {
  private readonly log: PluginContext['logger'];

  constructor(
    private readonly options: DockerSweeperOptions,
    ctx: PluginContext,
    private readonly client: EngineClient,
  ) {
    this.log = ctx.logger.child({ plugin: 'DockerSweeper' });
  }

  /**
   * Stops every worker's container, killConcurrency at a time: each stop returns once the
   * container has ended (at most killGraceSeconds after its SIGTERM). A container that is not
   * running or is gone is a success; an Engine that cannot be reached a retry. The containers
   * stay: the monitor reads their end (cancelled, by the kill record written first), sweepWorker
   * removes them.
   */
  async killWorkers(workers: WorkSpec[], call?: CallOptions): Promise<Outcome[]> {
    const grace = this.options.killGraceSeconds;
    return mapLimit(workers, this.options.killConcurrency, async (worker): Promise<Outcome> => {
      const id = worker.batchID;
      if (!isContainerId(id)) {
        return success(undefined, `no container to stop (batchID ${JSON.stringify(id)})`);
      }
      if (worker.accessPoint) {
        try {
          await writeKillRecord(worker.accessPoint, {
            batchID: id,
            requestedAt: new Date().toISOString(),
            graceSeconds: grace,
          });
        } catch (err) {
          this.log.warn({ workerID: worker.workerID, err: errorText(err) }, 'cannot write the kill record');
        }
      }
      try {
        const r = await this.client.stopContainer(id, grace, { signal: call?.signal });
        if (r === 'notRunning') return await this.notRunning(id, call);
        return success(undefined, `stopped the container (SIGTERM, SIGKILL after ${grace} s)`);
      } catch (err) {
        const e = engineErrorOf(err, `stop container ${id.slice(0, 12)}`);
        if (e.kind === 'notFound') return success(undefined, 'the container is already gone');
        return retryLater(e.message);
      }
    });
  }

  /**
   * A container that is not running has ended — or never started: one that was created and
   * never started would never end, so it is removed (the monitor then reports the worker
   * cancelled, from the kill record).
   */
  private async notRunning(id: string, call?: CallOptions): Promise<Outcome> {
    let state: string;
    try {
      state = parseContainerDetails(await this.client.inspectContainer(id, { signal: call?.signal })).state
        .status;
    } catch (err) {
      const e = engineErrorOf(err, `inspect container ${id.slice(0, 12)}`);
      if (e.kind === 'notFound') return success(undefined, 'the container is already gone');
      return retryLater(e.message);
    }
    if (state !== 'created') return success(undefined, 'the container was not running');
    try {
      await this.client.removeContainer(id, { force: true, volumes: true }, { signal: call?.signal });
    } catch (err) {
      const e = engineErrorOf(err, `remove container ${id.slice(0, 12)}`);
      if (e.kind !== 'notFound') return retryLater(e.message);
    }
    return success(undefined, 'the container had never started: removed it');
  }

  /**
   * Removes the worker's container (forced; gone already is fine), then its access point — only
   * if it is a real directory (not a symlink) holding this worker's `harvester-docker.json`;
   * anything else is refused (fatal) and never deleted.
   */
  async sweepWorker(worker: WorkSpec, call?: CallOptions): Promise<Outcome> {
    if (this.options.removeContainer && isContainerId(worker.batchID)) {
      try {
        await this.client.removeContainer(
          worker.batchID,
          { force: true, volumes: true },
          { signal: call?.signal },
        );
      } catch (err) {
        const e = engineErrorOf(err, `remove container ${worker.batchID.slice(0, 12)}`);
        if (e.kind !== 'notFound') return retryLater(e.message);
      }
    }
    return removeWorkerAccessPoint(worker, DOCKER_RECORD_FILE, {
      log: this.log,
      removedMessage: 'removed the container and the access point',
    });
  }
}

/** Stops DockerSubmitter's containers (SIGTERM, SIGKILL after killGraceSeconds) and sweeps them. */
export const DockerSweeper = defineSweeper({
  name: 'DockerSweeper',
  compatibility: DOCKER_COMPATIBILITY,
  description: 'Stops worker containers with a grace period, then removes them and their access points.',
  options: dockerSweeperOptions,
  create(options, ctx) {
    return new DockerSweeperInstance(
      options,
      ctx,
      options.engineClient ?? createEngineClient(options, ctx.signal),
    );
  },
});
