// Shared by the tests: plugin instances, an EngineClient that counts the requests made through it
// (around the real one, for the tests against dockerd), an in-memory Engine for the decisions the
// real one cannot be made to show, and access points the way the engine's SharedFileMessenger
// writes them for harvester-worker.sh. The generic parts are in @harvester-ts/test-support.
import { randomBytes } from 'node:crypto';
import {
  instantiatePlugin,
  type PluginContext,
  type PluginInstanceMap,
  type WorkSpec,
} from '@harvester-ts/core';
import { checkPoller, makeTempRoot, pluginMaker, testWorkers } from '@harvester-ts/test-support';
import { makeWorkSpec, testPluginContext } from '@harvester-ts/testkit';
import {
  DockerMonitor,
  DockerSubmitter,
  DockerSweeper,
  EngineApiError,
  type EngineClient,
  type RequestOptions,
} from '../src/index.js';

export { isFinal, sleep, statusOf } from '@harvester-ts/test-support';

export type EngineOp = Exclude<keyof EngineClient, 'endpoint'>;

export interface RecordedRequest {
  op: EngineOp;
  ref?: string;
}

/** Wraps an EngineClient and records every request made through it. */
export function countingClient(inner: EngineClient): EngineClient & {
  requests: RecordedRequest[];
  count(op: EngineOp): number;
  reset(): void;
} {
  const requests: RecordedRequest[] = [];
  const rec = (op: EngineOp, ref?: string) => requests.push(ref === undefined ? { op } : { op, ref });
  return {
    get endpoint() {
      return inner.endpoint;
    },
    requests,
    count: (op) => requests.filter((r) => r.op === op).length,
    reset: () => {
      requests.length = 0;
    },
    listContainers(filters, o) {
      rec('listContainers');
      return inner.listContainers(filters, o);
    },
    createContainer(name, spec, o) {
      rec('createContainer', name);
      return inner.createContainer(name, spec, o);
    },
    startContainer(id, o) {
      rec('startContainer', id);
      return inner.startContainer(id, o);
    },
    inspectContainer(id, o) {
      rec('inspectContainer', id);
      return inner.inspectContainer(id, o);
    },
    stopContainer(id, grace, o) {
      rec('stopContainer', id);
      return inner.stopContainer(id, grace, o);
    },
    removeContainer(id, how, o) {
      rec('removeContainer', id);
      return inner.removeContainer(id, how, o);
    },
    containerLogs(id, tail, o) {
      rec('containerLogs', id);
      return inner.containerLogs(id, tail, o);
    },
    ping(o) {
      rec('ping');
      return inner.ping(o);
    },
  };
}

// ---- an in-memory Engine ------------------------------------------------------------------------

export interface FakeContainer {
  id: string;
  name: string;
  spec: Record<string, unknown>;
  labels: Record<string, string>;
  state: {
    Status: string;
    ExitCode: number;
    OOMKilled: boolean;
    Error: string;
    StartedAt: string;
    FinishedAt: string;
  };
  memory: number;
  /** The multiplexed log bytes. */
  logs: Buffer;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** How the real client names its requests in messages. */
const OPERATION: Record<EngineOp, string> = {
  listContainers: 'list containers',
  createContainer: 'create container',
  startContainer: 'start container',
  inspectContainer: 'inspect container',
  stopContainer: 'stop container',
  removeContainer: 'remove container',
  containerLogs: 'read the logs of container',
  ping: 'ping',
};

/** A frame of the Engine's multiplexed log stream. */
export function logFrame(stream: 1 | 2, text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

export type FakeFailure = EngineApiError | ((ref: string | undefined) => EngineApiError | undefined);

/**
 * An Engine in memory, for the decisions a real dockerd cannot be made to show on demand: lost
 * answers, refusals, a name taken by someone else's container. `down` makes every request fail
 * like a stopped dockerd; `failures` fail the next requests of one kind.
 */
export class FakeEngine implements EngineClient {
  readonly endpoint = 'unix:///fake/docker.sock';
  readonly containers = new Map<string, FakeContainer>();
  readonly requests: RecordedRequest[] = [];
  down = false;
  /** Per operation: errors thrown by the next requests (first in, first out). */
  readonly failures: Partial<Record<EngineOp, FakeFailure[]>> = {};
  /** What a start does to the container (default: running). */
  onStart: (c: FakeContainer) => void = (c) => {
    c.state.Status = 'running';
    c.state.StartedAt = new Date().toISOString();
  };
  /** Create succeeds at the Engine, then the answer is lost (throws like a reset connection). */
  loseCreateAnswer = false;

  count(op: EngineOp): number {
    return this.requests.filter((r) => r.op === op).length;
  }

  private enter(op: EngineOp, ref?: string): void {
    this.requests.push(ref === undefined ? { op } : { op, ref });
    if (this.down) {
      throw new EngineApiError(
        `${OPERATION[op]}${ref === undefined ? '' : ` ${ref.slice(0, 12)}`}`,
        'unavailable',
        `the Docker Engine at ${this.endpoint} cannot be reached: connect ECONNREFUSED /fake/docker.sock`,
      );
    }
    const queue = this.failures[op];
    if (queue && queue.length > 0) {
      const f = queue.shift() as FakeFailure;
      const e = typeof f === 'function' ? f(ref) : f;
      if (e) throw e;
    }
  }

  private find(ref: string, op: EngineOp): FakeContainer {
    const c = this.containers.get(ref) ?? [...this.containers.values()].find((x) => x.name === ref);
    if (!c) throw new EngineApiError(op, 'notFound', `No such container: ${ref} (HTTP 404)`, 404);
    return c;
  }

  /** Adds a container as if created by someone (or an earlier process). */
  add(name: string, labels: Record<string, string>, status = 'created'): FakeContainer {
    const id = randomBytes(32).toString('hex');
    const c: FakeContainer = {
      id,
      name,
      spec: {},
      labels,
      state: {
        Status: status,
        ExitCode: 0,
        OOMKilled: false,
        Error: '',
        StartedAt: ZERO_TIME,
        FinishedAt: ZERO_TIME,
      },
      memory: 0,
      logs: Buffer.alloc(0),
    };
    if (status !== 'created') c.state.StartedAt = new Date().toISOString();
    this.containers.set(id, c);
    return c;
  }

  /** Ends a container as the kernel would. */
  exit(
    c: FakeContainer,
    code: number,
    extra: { oom?: boolean; stdout?: string; stderr?: string } = {},
  ): void {
    c.state.Status = 'exited';
    c.state.ExitCode = code;
    c.state.OOMKilled = extra.oom ?? false;
    c.state.FinishedAt = new Date().toISOString();
    c.logs = Buffer.concat([
      ...(extra.stdout ? [logFrame(1, extra.stdout)] : []),
      ...(extra.stderr ? [logFrame(2, extra.stderr)] : []),
    ]);
  }

  async listContainers(filters: Record<string, string[]>, _o?: RequestOptions): Promise<unknown> {
    this.enter('listContainers');
    const labelFilters = (filters.label ?? []).map((f) => f.split('='));
    const nameFilters = (filters.name ?? []).map((f) => new RegExp(f));
    return [...this.containers.values()]
      .filter((c) => labelFilters.every(([k, v]) => c.labels[k as string] === v))
      .filter((c) => nameFilters.length === 0 || nameFilters.some((r) => r.test(`/${c.name}`)))
      .map((c) => ({
        Id: c.id,
        Names: [`/${c.name}`],
        State: c.state.Status,
        Status: c.state.Status === 'exited' ? `Exited (${c.state.ExitCode}) 1 second ago` : 'Up 1 second',
        Labels: c.labels,
      }));
  }

  async createContainer(name: string, spec: Record<string, unknown>, _o?: RequestOptions): Promise<string> {
    this.enter('createContainer', name);
    if ([...this.containers.values()].some((c) => c.name === name)) {
      throw new EngineApiError(
        `create container ${name}`,
        'conflict',
        `Conflict. The container name "/${name}" is already in use (HTTP 409)`,
        409,
      );
    }
    const c = this.add(name, (spec.Labels as Record<string, string>) ?? {});
    c.spec = spec;
    c.memory = ((spec.HostConfig as { Memory?: number } | undefined)?.Memory as number) ?? 0;
    if (this.loseCreateAnswer) {
      this.loseCreateAnswer = false;
      throw new EngineApiError(`create container ${name}`, 'unavailable', 'socket hang up');
    }
    return c.id;
  }

  async startContainer(ref: string, _o?: RequestOptions): Promise<void> {
    this.enter('startContainer', ref);
    const c = this.find(ref, 'startContainer');
    if (c.state.Status === 'running') return;
    this.onStart(c);
  }

  async inspectContainer(ref: string, _o?: RequestOptions): Promise<unknown> {
    this.enter('inspectContainer', ref);
    const c = this.find(ref, 'inspectContainer');
    return {
      Id: c.id,
      Name: `/${c.name}`,
      Config: { Image: 'img', Labels: c.labels },
      HostConfig: { Memory: c.memory },
      State: {
        ...c.state,
        Running: c.state.Status === 'running',
        Paused: c.state.Status === 'paused',
        Restarting: false,
        Dead: c.state.Status === 'dead',
        Pid: 0,
      },
    };
  }

  async stopContainer(ref: string, _grace: number, _o?: RequestOptions): Promise<'stopped' | 'notRunning'> {
    this.enter('stopContainer', ref);
    const c = this.find(ref, 'stopContainer');
    if (c.state.Status !== 'running') return 'notRunning';
    this.exit(c, 143);
    return 'stopped';
  }

  async removeContainer(ref: string, _how: { force: boolean; volumes: boolean }, _o?: RequestOptions) {
    this.enter('removeContainer', ref);
    const c = this.find(ref, 'removeContainer');
    this.containers.delete(c.id);
  }

  async containerLogs(ref: string, _tail: number | undefined, _o?: RequestOptions): Promise<Buffer> {
    this.enter('containerLogs', ref);
    return this.find(ref, 'containerLogs').logs;
  }

  async ping(): Promise<void> {
    this.enter('ping');
  }
}

// ---- workers and plugins -------------------------------------------------------------------------

export async function makeRoot(prefix = 'harvester-docker-'): Promise<string> {
  return makeTempRoot(prefix);
}

/** A harvester id of this test run alone. */
export const HID = `docker-test-${process.pid}`;

const workers = testWorkers((workerID, accessPoint) =>
  makeWorkSpec({ workerID, harvesterID: HID, accessPoint, status: 'submitted', submitTime: new Date() }),
);

/** A worker whose access point runs `/bin/sh -c <script>` as its one job (SharedFileMessenger's files). */
export async function workerWithPayload(
  root: string,
  script: string,
  extra: { nCore?: number; minRamCount?: number } = {},
): Promise<WorkSpec> {
  const worker = await workers.withShellPayload(root, script, { status: 'pending', nCore: extra.nCore ?? 1 });
  if (extra.minRamCount !== undefined) worker.minRamCount = extra.minRamCount;
  return worker;
}

/** A bare worker with an access point. */
export async function bareWorker(root: string, extra: Partial<WorkSpec> = {}): Promise<WorkSpec> {
  return workers.bare(root, extra);
}

export function ctxFor(overrides: { queueName?: string; harvesterId?: string } = {}): PluginContext {
  return testPluginContext({ harvesterId: HID, ...overrides });
}

const make = pluginMaker<PluginInstanceMap, PluginContext>('@harvester-ts/docker', instantiatePlugin, ctxFor);

export const makeSubmitter = make(DockerSubmitter, 'submitter', 'DockerSubmitter');
export const makeMonitor = make(DockerMonitor, 'monitor', 'DockerMonitor');
export const makeSweeper = make(DockerSweeper, 'sweeper', 'DockerSweeper');

/** Polls checkWorkers for all workers (every 500 ms) until `done` holds for every result (or the time is up). */
export const pollUntil = checkPoller(500);
