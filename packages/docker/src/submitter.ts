// Runs each worker as a Docker container: named with the worker's batch name, labelled with the
// harvester id, worker id, queue and batch name, running the worker wrapper on the access point
// (bind-mounted), with CPU and memory limits from the WorkSpec. Per worker: a record is written
// into the access point, then the container is created and started; several workers at once
// (submitConcurrency). A container that already carries the name (a crash between create and the
// commit of its batchID) is adopted when its labels say it is this worker's — never a second one.
import { realpathSync, statSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import {
  type CallOptions,
  defineSubmitter,
  errorText,
  fatal,
  mapLimit,
  type Outcome,
  type PluginContext,
  retryLater,
  success,
  type WorkSpec,
} from '@harvester-ts/core';
import {
  buildContainerSpec,
  type ContainerDetails,
  containerNameProblem,
  DOCKER_SOCKET_PATHS,
  type DockerWorkerRecord,
  isWorkersContainer,
  mountSourceProblem,
  parseContainerDetails,
  planExecutable,
  type SpecSettings,
  writeWorkerRecord,
} from './commands.js';
import {
  createEngineClient,
  type EngineApiError,
  type EngineClient,
  engineErrorOf,
  engineHostOf,
  isTransientEngineError,
  resolveConnection,
} from './engine-api.js';
import { DOCKER_COMPATIBILITY, type DockerSubmitterOptions, dockerSubmitterOptions } from './options.js';

/** The default container user: the harvester's uid:gid (`""`, the image's, where there is none). */
export function harvesterUser(): string {
  return typeof process.getuid === 'function' && typeof process.getgid === 'function'
    ? `${process.getuid()}:${process.getgid()}`
    : '';
}

/** Whether a resolved host path is (or holds) a Docker socket; the problem, or undefined. */
function resolvedMountProblem(source: string, sockets: readonly string[]): string | undefined {
  let real: string;
  try {
    real = realpathSync(source);
  } catch {
    return undefined; // the Engine tells when it does not exist
  }
  if (real === source) return undefined;
  for (const socket of sockets) {
    const problem = mountSourceProblem(real, socket);
    if (problem) return `${source} is ${real}: ${problem}`;
  }
  return undefined;
}

function realSockets(sockets: readonly string[]): string[] {
  const out = new Set(sockets);
  for (const s of sockets) {
    try {
      out.add(realpathSync(s));
    } catch {
      // not there
    }
  }
  return [...out];
}

/** What create() worked out once for all workers. */
export interface ResolvedSubmitterSettings {
  settings: SpecSettings;
  /** Socket paths (as given and resolved) that must never be mounted. */
  sockets: string[];
}

/** Resolves the executable's mounts, the user and the socket paths; throws on a configuration error. */
export function resolveSubmitterSettings(
  options: DockerSubmitterOptions,
  ctx: Pick<PluginContext, 'harvesterId' | 'queueName'>,
  socketPath: string | undefined,
): ResolvedSubmitterSettings {
  const plan = planExecutable(
    options.executable,
    { mount: options.mountExecutable, mountDir: options.executableMountDir },
    (p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    },
  );
  const sockets = realSockets([...DOCKER_SOCKET_PATHS, ...(socketPath !== undefined ? [socketPath] : [])]);
  if (!options.allowDangerousMounts) {
    options.mounts.forEach((m, i) => {
      const problem =
        sockets.map((socket) => mountSourceProblem(m.source, socket)).find((p) => p !== undefined) ??
        resolvedMountProblem(m.source, sockets);
      if (problem) throw new Error(`mounts[${i}].source: ${problem}`);
    });
  }
  return {
    sockets,
    settings: {
      harvesterId: ctx.harvesterId,
      queueName: ctx.queueName,
      image: options.image,
      argv: plan.argv,
      executableMounts: plan.mounts,
      accessPointInContainer: options.accessPointInContainer,
      env: options.env,
      user: options.user ?? harvesterUser(),
      networkMode: options.networkMode,
      mounts: options.mounts,
      cpuLimit: options.cpuLimit,
      cpuFactor: options.cpuFactor,
      memoryLimit: options.memoryLimit,
      memoryFactor: options.memoryFactor,
      init: options.init,
      labels: options.labels,
    },
  };
}

type Started = { kind: 'started'; id: string; diag?: string } | Outcome;

export class DockerSubmitterInstance {
  private readonly log: PluginContext['logger'];
  private readonly engineHost: string;

  constructor(
    private readonly options: DockerSubmitterOptions,
    private readonly ctx: PluginContext,
    private readonly client: EngineClient,
    private readonly resolved: ResolvedSubmitterSettings,
  ) {
    this.log = ctx.logger.child({ plugin: 'DockerSubmitter' });
    this.engineHost = engineHostOf(client.endpoint).slice(0, 255);
  }

  async submitWorkers(workers: WorkSpec[], call?: CallOptions): Promise<Outcome[]> {
    return mapLimit(workers, this.options.submitConcurrency, async (worker) => {
      try {
        return await this.submitOne(worker, call);
      } catch (err) {
        this.log.warn({ workerID: worker.workerID, err: errorText(err) }, 'container submission failed');
        return retryLater(`submitting the container failed: ${errorText(err)}`);
      }
    });
  }

  /** Why the access point cannot be mounted, or undefined. */
  private async accessPointProblem(ap: string): Promise<string | undefined> {
    if (!isAbsolute(ap) || /[\0\n\r]/.test(ap) || ap === '/') {
      return `the access point ${JSON.stringify(ap)} cannot be mounted into a container`;
    }
    if (this.options.allowDangerousMounts) return undefined;
    let real: string;
    try {
      real = await realpath(ap);
    } catch (err) {
      return `the access point ${ap} cannot be resolved: ${errorText(err)}`;
    }
    for (const socket of this.resolved.sockets) {
      const problem = mountSourceProblem(ap, socket) ?? mountSourceProblem(real, socket);
      if (problem) return `the access point cannot be mounted: ${problem}`;
    }
    return undefined;
  }

  private async submitOne(worker: WorkSpec, call?: CallOptions): Promise<Outcome> {
    const ap = worker.accessPoint;
    if (!ap) return fatal(`worker ${worker.workerID} has no access point`);
    const apProblem = await this.accessPointProblem(ap);
    if (apProblem) return fatal(apProblem);
    const nameProblem = containerNameProblem(worker.batchName);
    if (nameProblem) return fatal(nameProblem);
    const { name, spec } = buildContainerSpec(
      {
        workerID: worker.workerID,
        batchName: worker.batchName,
        nCore: worker.nCore,
        minRamCount: worker.minRamCount,
        accessPoint: ap,
      },
      this.resolved.settings,
    );
    const record: DockerWorkerRecord = {
      batchName: worker.batchName,
      workerID: worker.workerID,
      harvesterId: this.ctx.harvesterId,
      queueName: this.ctx.queueName,
      image: this.options.image,
      containerName: name,
      writtenAt: new Date().toISOString(),
    };
    try {
      await writeWorkerRecord(ap, record);
    } catch (err) {
      return retryLater(`cannot write the worker record into ${ap}: ${errorText(err)}`);
    }
    const signal = call?.signal;
    const started = await this.createAndStart(worker, name, spec, signal);
    if (started.kind !== 'started') return started;
    try {
      await writeWorkerRecord(ap, { ...record, containerId: started.id });
    } catch (err) {
      // The container carries the batch name and labels; lookups find it without the record.
      this.log.warn({ workerID: worker.workerID, err: errorText(err) }, 'cannot record the container id');
    }
    worker.batchID = started.id;
    worker.submissionHost = this.engineHost;
    worker.nodeID = this.engineHost;
    this.log.debug({ workerID: worker.workerID, batchID: started.id }, 'started container');
    return success(undefined, started.diag);
  }

  private async createAndStart(
    worker: WorkSpec,
    name: string,
    spec: Record<string, unknown>,
    signal: AbortSignal | undefined,
  ): Promise<Started> {
    let id: string;
    try {
      id = await this.client.createContainer(name, spec, { signal });
    } catch (err) {
      const e = engineErrorOf(err, `create container ${name}`);
      if (e.kind === 'conflict') return this.adopt(worker, name, signal);
      if (!isTransientEngineError(e)) {
        return fatal(`the Docker Engine refused to create container ${name}: ${e.detail}`);
      }
      // The container may exist all the same (the answer was lost): look for it by its name.
      const found = await this.lookUp(worker, name, signal);
      if (found.kind === 'absent') return retryLater(e.message);
      if (found.kind === 'failed')
        return retryLater(`${e.message}; looking the container up failed too: ${found.error.detail}`);
      if (found.kind === 'foreign') return fatal(found.diag);
      return this.start(found.details.id, name, found.details, signal, `${e.message}; found it by its name`);
    }
    return this.start(id, name, undefined, signal);
  }

  /** A container named like the worker exists: this worker's (adopted) or another's (fatal). */
  private async adopt(worker: WorkSpec, name: string, signal: AbortSignal | undefined): Promise<Started> {
    const found = await this.lookUp(worker, name, signal);
    if (found.kind === 'failed') return retryLater(`container ${name} exists; ${found.error.message}`);
    if (found.kind === 'absent') return retryLater(`container ${name} existed and is gone: retried`);
    if (found.kind === 'foreign') return fatal(found.diag);
    this.log.info({ workerID: worker.workerID, batchID: found.details.id }, 'adopted an existing container');
    return this.start(
      found.details.id,
      name,
      found.details,
      signal,
      `adopted the existing container ${name}`,
    );
  }

  private async lookUp(
    worker: WorkSpec,
    name: string,
    signal: AbortSignal | undefined,
  ): Promise<
    | { kind: 'ours'; details: ContainerDetails }
    | { kind: 'foreign'; diag: string }
    | { kind: 'absent' }
    | { kind: 'failed'; error: EngineApiError }
  > {
    let details: ContainerDetails;
    try {
      details = parseContainerDetails(await this.client.inspectContainer(name, { signal }));
    } catch (err) {
      const e = engineErrorOf(err, `inspect container ${name}`);
      return e.kind === 'notFound' ? { kind: 'absent' } : { kind: 'failed', error: e };
    }
    const who = { harvesterId: this.ctx.harvesterId, workerID: worker.workerID, batchName: worker.batchName };
    if (!isWorkersContainer(details.labels, who)) {
      return {
        kind: 'foreign',
        diag: `a container named ${name} exists (${details.id.slice(0, 12)}) and is not this worker's: its labels do not name harvester ${this.ctx.harvesterId}, worker ${worker.workerID}`,
      };
    }
    return { kind: 'ours', details };
  }

  /**
   * Starts the container (unless `known` says it has started already). When the start fails,
   * the container is inspected: it runs or ran (the answer was lost) → started; it could not
   * start (State.Error) → removed, fatal; otherwise removed, retried.
   */
  private async start(
    id: string,
    name: string,
    known: ContainerDetails | undefined,
    signal: AbortSignal | undefined,
    diag?: string,
  ): Promise<Started> {
    const ok = (): Started => (diag === undefined ? { kind: 'started', id } : { kind: 'started', id, diag });
    if (known && (known.state.startedAt !== undefined || known.state.status !== 'created')) return ok();
    let startError: EngineApiError;
    try {
      await this.client.startContainer(id, { signal });
      return ok();
    } catch (err) {
      startError = engineErrorOf(err, `start container ${name}`);
    }
    let details: ContainerDetails;
    try {
      details = parseContainerDetails(await this.client.inspectContainer(id, { signal }));
    } catch (err) {
      const e = engineErrorOf(err, `inspect container ${name}`);
      if (e.kind === 'notFound') return retryLater(`${startError.message}; the container is gone`);
      return retryLater(`${startError.message}; it cannot be inspected either: ${e.detail}`);
    }
    if (details.state.startedAt !== undefined || details.state.status !== 'created') return ok();
    const removed = await this.removeQuietly(id, name, signal);
    const reason = details.state.error || startError.detail;
    if (!isTransientEngineError(startError) || details.state.error) {
      return fatal(`container ${name} could not start: ${reason}${removed}`);
    }
    return retryLater(`${startError.message}${removed}`);
  }

  /** Removes a container that will not be used; '' or a note for the diagnostic. */
  private async removeQuietly(id: string, name: string, signal: AbortSignal | undefined): Promise<string> {
    try {
      await this.client.removeContainer(id, { force: true, volumes: true }, { signal });
      return '';
    } catch (err) {
      const e = engineErrorOf(err, `remove container ${name}`);
      if (e.kind === 'notFound') return '';
      this.log.warn({ container: name, err: e.message }, 'cannot remove a container that did not start');
      return ` (and it could not be removed: ${e.detail})`;
    }
  }
}

/**
 * Runs workers as Docker containers (`image`, the wrapper from `executable` mounted read-only,
 * the access point mounted read-write) with the Engine API. batchID is the container id.
 */
export const DockerSubmitter = defineSubmitter({
  name: 'DockerSubmitter',
  compatibility: DOCKER_COMPATIBILITY,
  description: 'Runs workers as Docker containers through the Engine API.',
  options: dockerSubmitterOptions,
  create(options, ctx) {
    let socketPath: string | undefined;
    let client = options.engineClient;
    if (client === undefined) {
      const connection = resolveConnection(options);
      if (connection.kind === 'socket') socketPath = connection.socketPath;
      client = createEngineClient(options, ctx.signal);
    }
    const resolved = resolveSubmitterSettings(options, ctx, socketPath ?? options.socketPath);
    return new DockerSubmitterInstance(options, ctx, client, resolved);
  },
});
