// What the Docker plugins send to the Engine and how they read its answers: container create specs
// (command, mounts, environment, labels, CPU and memory limits), list filters, the parsing of list
// and inspect results and of multiplexed logs; and the files the plugins keep in an access point.
// Pure functions and small file helpers; the transport (dockerode, timeouts, errors) is in
// engine-api.ts.
import { readFile } from 'node:fs/promises';
import { basename, isAbsolute, join, posix } from 'node:path';
import {
  type ExitFileRead,
  readExitFile as readExitFileIn,
  workerRecordFile,
  writeJsonRecord,
} from '@harvester-ts/batch-support';
import { DEFAULT_DOCKER_SOCKET } from './engine-api.js';

export { type ExitFileRead, writeAtomic } from '@harvester-ts/batch-support';

// ---- names, labels, files ---------------------------------------------------------------------------

/** The prefix of the labels the plugins put on their containers. */
export const DOCKER_LABEL_PREFIX = 'org.harvester-ts.';

/** Labels of every worker container. */
export const DOCKER_LABELS = {
  /** The harvester instance (ctx.harvesterId): the monitor lists containers by it. */
  harvesterId: 'org.harvester-ts.harvester-id',
  workerId: 'org.harvester-ts.worker-id',
  queue: 'org.harvester-ts.queue',
  /** WorkSpec.batchName (also the container's name). */
  batchName: 'org.harvester-ts.batch-name',
  /** The access point on the host. */
  accessPoint: 'org.harvester-ts.access-point',
} as const;

/** Files of the Docker backend in a worker's access point. */
export const DOCKER_FILE_NAMES = {
  /** Written by the submitter before the container is created; marks a Docker access point. */
  record: 'harvester-docker.json',
  /** The container's stdout and stderr, saved by the monitor when it has ended. */
  stdout: 'harvester-docker.stdout',
  stderr: 'harvester-docker.stderr',
  /** Written by the sweeper when it stops the container: the end is a cancellation. */
  kill: 'harvester-docker.kill.json',
  /** Written by the worker wrapper: its exit code and a newline. */
  exitCode: 'harvester-worker.exit',
} as const;

/** A full container id: 64 lower-case hex digits. */
export const CONTAINER_ID = /^[0-9a-f]{64}$/;

export function isContainerId(value: string | null | undefined): value is string {
  return typeof value === 'string' && CONTAINER_ID.test(value);
}

/** Docker's rule for container names. */
export const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Why a batch name cannot be a container name, or undefined. */
export function containerNameProblem(name: string): string | undefined {
  if (!CONTAINER_NAME.test(name)) {
    return `${JSON.stringify(name)} cannot be a container name (letters, digits and _.- , starting with a letter or digit)`;
  }
  if (name.length > 200) return `${JSON.stringify(name)} is too long for a container name`;
  return undefined;
}

// ---- mounts ------------------------------------------------------------------------------------------

/** Where the Engine's socket usually is (plus the configured one): never mounted into a worker. */
export const DOCKER_SOCKET_PATHS: readonly string[] = [DEFAULT_DOCKER_SOCKET, '/run/docker.sock'];

/**
 * Why a host path must not be bind-mounted into a worker's container, or undefined: `/` (the
 * whole host), or the Docker socket or a directory holding it (the Engine, i.e. root on the host).
 * Lexical; the submitter checks the resolved paths (symlinks) as well.
 */
export function mountSourceProblem(source: string, socketPath?: string): string | undefined {
  if (source === '/') return 'mounting / hands the whole host to the worker (allowDangerousMounts allows it)';
  const sockets = new Set([...DOCKER_SOCKET_PATHS, ...(socketPath ? [socketPath] : [])]);
  for (const socket of sockets) {
    if (socket === source || socket.startsWith(`${source.endsWith('/') ? source : `${source}/`}`)) {
      return `mounting ${source} exposes the Docker socket ${socket}, i.e. root on the host (allowDangerousMounts allows it)`;
    }
  }
  return undefined;
}

/** A bind mount as the Engine takes it (HostConfig.Mounts). */
export interface EngineMount {
  Type: 'bind';
  Source: string;
  Target: string;
  ReadOnly: boolean;
}

/** The argv inside the container and the host files it needs mounted. */
export interface ExecutablePlan {
  argv: string[];
  mounts: EngineMount[];
}

/**
 * The container-side argv of `executable`: the program (element 0) is the image's; each later
 * element that is an absolute path of a host file (`isHostFile`) is mounted read-only at
 * `<mountDir>/<its name>` and named there. With `mount` false the argv is used as it is.
 * Throws when two files would land on the same name.
 */
export function planExecutable(
  executable: readonly string[],
  options: { mount: boolean; mountDir: string },
  isHostFile: (path: string) => boolean,
): ExecutablePlan {
  const argv = [...executable];
  const mounts: EngineMount[] = [];
  if (!options.mount) return { argv, mounts };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!isAbsolute(arg) || !isHostFile(arg)) continue;
    const target = posix.join(options.mountDir, basename(arg));
    const clash = mounts.find((m) => m.Target === target);
    if (clash) {
      if (clash.Source === arg) {
        argv[i] = target;
        continue;
      }
      throw new Error(`executable: ${clash.Source} and ${arg} would both be mounted at ${target}`);
    }
    mounts.push({ Type: 'bind', Source: arg, Target: target, ReadOnly: true });
    argv[i] = target;
  }
  return { argv, mounts };
}

// ---- the container create spec ------------------------------------------------------------------------

/** What the spec needs of a worker. */
export interface WorkerSpecInput {
  workerID: number;
  batchName: string;
  nCore: number | null | undefined;
  minRamCount: number | null | undefined;
  /** On the host. */
  accessPoint: string;
}

/** What the spec needs of the plugin's configuration (options, and what create() resolved). */
export interface SpecSettings {
  harvesterId: string;
  queueName: string | undefined;
  image: string;
  /** The container-side argv prefix (planExecutable). */
  argv: readonly string[];
  executableMounts: readonly EngineMount[];
  accessPointInContainer?: string | undefined;
  env: Readonly<Record<string, string>>;
  /** `""`: the image's USER. */
  user: string;
  networkMode?: string | undefined;
  mounts: readonly { source: string; target?: string | undefined; readOnly: boolean }[];
  cpuLimit: 'nanoCpus' | 'cpuQuota' | 'none';
  cpuFactor: number;
  memoryLimit: boolean;
  memoryFactor: number;
  init: boolean;
  labels: Readonly<Record<string, string>>;
}

/** The CFS period used with cpuLimit `cpuQuota` (µs). */
export const CPU_PERIOD_US = 100_000;

/** CPU and memory limits of a worker's container (HostConfig fields). */
export function resourceLimits(
  worker: Pick<WorkerSpecInput, 'nCore' | 'minRamCount'>,
  s: Pick<SpecSettings, 'cpuLimit' | 'cpuFactor' | 'memoryLimit' | 'memoryFactor'>,
): { NanoCpus?: number; CpuQuota?: number; CpuPeriod?: number; Memory?: number; MemorySwap?: number } {
  const limits: {
    NanoCpus?: number;
    CpuQuota?: number;
    CpuPeriod?: number;
    Memory?: number;
    MemorySwap?: number;
  } = {};
  const cores = (worker.nCore && worker.nCore > 0 ? worker.nCore : 1) * s.cpuFactor;
  if (s.cpuLimit === 'nanoCpus') limits.NanoCpus = Math.max(1, Math.round(cores * 1e9));
  else if (s.cpuLimit === 'cpuQuota') {
    limits.CpuPeriod = CPU_PERIOD_US;
    limits.CpuQuota = Math.max(1000, Math.round(cores * CPU_PERIOD_US));
  }
  if (s.memoryLimit && worker.minRamCount && worker.minRamCount > 0) {
    const bytes = Math.round(worker.minRamCount * s.memoryFactor * 1024 * 1024);
    limits.Memory = bytes;
    // No swap on top: the limit is what the worker gets.
    limits.MemorySwap = bytes;
  }
  return limits;
}

/** The access point as the container sees it. */
export function containerAccessPoint(
  hostAccessPoint: string,
  s: Pick<SpecSettings, 'accessPointInContainer'>,
) {
  return s.accessPointInContainer ?? hostAccessPoint;
}

/** The labels of a worker's container. */
export function workerLabels(
  worker: Pick<WorkerSpecInput, 'workerID' | 'batchName' | 'accessPoint'>,
  s: Pick<SpecSettings, 'harvesterId' | 'queueName' | 'labels'>,
): Record<string, string> {
  return {
    ...s.labels,
    [DOCKER_LABELS.harvesterId]: s.harvesterId,
    [DOCKER_LABELS.workerId]: String(worker.workerID),
    [DOCKER_LABELS.queue]: s.queueName ?? '',
    [DOCKER_LABELS.batchName]: worker.batchName,
    [DOCKER_LABELS.accessPoint]: worker.accessPoint,
  };
}

/** The environment of a worker's container (`NAME=value`), the plugin's own variables last. */
export function workerEnv(
  worker: WorkerSpecInput,
  s: Pick<SpecSettings, 'harvesterId' | 'env' | 'accessPointInContainer'>,
): string[] {
  const env: Record<string, string> = {
    ...s.env,
    HARVESTER_ID: s.harvesterId,
    HARVESTER_WORKER_ID: String(worker.workerID),
    HARVESTER_BATCH_NAME: worker.batchName,
    HARVESTER_ACCESS_POINT: containerAccessPoint(worker.accessPoint, s),
    HARVESTER_NCORE: String(worker.nCore && worker.nCore > 0 ? worker.nCore : 1),
  };
  if (worker.minRamCount && worker.minRamCount > 0) env.HARVESTER_RAM_MB = String(worker.minRamCount);
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

/** The body of `POST /containers/create` for a worker (the name goes in the query). */
export interface ContainerCreateSpec {
  Image: string;
  Entrypoint: string[];
  Cmd: string[];
  Env: string[];
  Labels: Record<string, string>;
  WorkingDir: string;
  User: string;
  Tty: false;
  OpenStdin: false;
  AttachStdin: false;
  AttachStdout: false;
  AttachStderr: false;
  HostConfig: {
    AutoRemove: false;
    RestartPolicy: { Name: 'no' };
    Mounts: EngineMount[];
    Init: boolean;
    NetworkMode?: string;
    NanoCpus?: number;
    CpuQuota?: number;
    CpuPeriod?: number;
    Memory?: number;
    MemorySwap?: number;
  };
  [key: string]: unknown;
}

/**
 * The container of a worker: named with its batch name, labelled, running
 * `<argv…> <access point in the container>` in the access point, which is bind-mounted
 * read-write; the wrapper's files read-only; extra mounts as configured; never removed
 * automatically (the monitor reads how it ended) nor restarted.
 */
export function buildContainerSpec(
  worker: WorkerSpecInput,
  s: SpecSettings,
): { name: string; spec: ContainerCreateSpec } {
  const ap = containerAccessPoint(worker.accessPoint, s);
  const [program, ...args] = s.argv;
  const mounts: EngineMount[] = [
    { Type: 'bind', Source: worker.accessPoint, Target: ap, ReadOnly: false },
    ...s.executableMounts,
    ...s.mounts.map(
      (m): EngineMount => ({
        Type: 'bind',
        Source: m.source,
        Target: m.target ?? m.source,
        ReadOnly: m.readOnly,
      }),
    ),
  ];
  const hostConfig: ContainerCreateSpec['HostConfig'] = {
    AutoRemove: false,
    RestartPolicy: { Name: 'no' },
    Mounts: mounts,
    Init: s.init,
    ...resourceLimits(worker, s),
  };
  if (s.networkMode !== undefined) hostConfig.NetworkMode = s.networkMode;
  return {
    name: worker.batchName,
    spec: {
      Image: s.image,
      // The image's entrypoint and command are replaced: the container runs the wrapper only.
      Entrypoint: [program as string],
      Cmd: [...args, ap],
      Env: workerEnv(worker, s),
      Labels: workerLabels(worker, s),
      WorkingDir: ap,
      User: s.user,
      Tty: false,
      OpenStdin: false,
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      HostConfig: hostConfig,
    },
  };
}

// ---- list filters ----------------------------------------------------------------------------------

/** `filters` of the list of all containers of a harvester instance. */
export function harvesterFilter(harvesterId: string): Record<string, string[]> {
  return { label: [`${DOCKER_LABELS.harvesterId}=${harvesterId}`] };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `filters` of the list of containers with exactly these names (Docker matches names as regexps). */
export function nameFilter(names: readonly string[]): Record<string, string[]> {
  return { name: names.map((n) => `^/?${escapeRegExp(n)}$`) };
}

// ---- reading answers ----------------------------------------------------------------------------------

/** One container of `GET /containers/json`. */
export interface ContainerSummary {
  id: string;
  /** Without the leading `/`. */
  names: string[];
  /** created, running, paused, restarting, removing, exited or dead. */
  state: string;
  /** Human-readable (`Up 3 minutes`, `Exited (0) 2 seconds ago`). */
  status: string;
  labels: Record<string, string>;
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** Reads a list answer; entries that are not containers are counted in `garbage`. */
export function parseContainerList(json: unknown): { containers: ContainerSummary[]; garbage: number } {
  if (!Array.isArray(json)) {
    throw new Error(`the Engine answered the container list with ${typeof json}, not a list`);
  }
  const containers: ContainerSummary[] = [];
  let garbage = 0;
  for (const item of json) {
    const c = item as { Id?: unknown; Names?: unknown; State?: unknown; Status?: unknown; Labels?: unknown };
    if (typeof c !== 'object' || c === null || typeof c.Id !== 'string' || typeof c.State !== 'string') {
      garbage++;
      continue;
    }
    containers.push({
      id: c.Id,
      names: Array.isArray(c.Names)
        ? c.Names.filter((n): n is string => typeof n === 'string').map((n) => n.replace(/^\//, ''))
        : [],
      state: c.State,
      status: typeof c.Status === 'string' ? c.Status : '',
      labels: stringRecord(c.Labels),
    });
  }
  return { containers, garbage };
}

/** `State` of `GET /containers/{id}/json`. */
export interface ContainerState {
  status: string;
  running: boolean;
  paused: boolean;
  restarting: boolean;
  oomKilled: boolean;
  dead: boolean;
  exitCode: number;
  /** Why it could not start, or ''. */
  error: string;
  startedAt?: Date | undefined;
  finishedAt?: Date | undefined;
}

/** What the plugins read of an inspect answer. */
export interface ContainerDetails {
  id: string;
  /** Without the leading `/`. */
  name: string;
  image: string;
  labels: Record<string, string>;
  state: ContainerState;
  /** HostConfig.Memory in bytes (0: none). */
  memoryLimit: number;
}

/** Docker's zero time (never started / not finished) is no time. */
function engineTime(value: unknown): Date | undefined {
  if (typeof value !== 'string' || value.startsWith('0001-01-01')) return undefined;
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? undefined : t;
}

/** Reads an inspect answer; throws when it is not one. */
export function parseContainerDetails(json: unknown): ContainerDetails {
  const c = json as {
    Id?: unknown;
    Name?: unknown;
    Config?: { Image?: unknown; Labels?: unknown } | null;
    State?: Record<string, unknown> | null;
    HostConfig?: { Memory?: unknown } | null;
  };
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.Id !== 'string' ||
    typeof c.State !== 'object' ||
    c.State === null ||
    typeof c.State.Status !== 'string'
  ) {
    throw new Error('the Engine answered the inspection with something that is no container');
  }
  const st = c.State;
  return {
    id: c.Id,
    name: typeof c.Name === 'string' ? c.Name.replace(/^\//, '') : '',
    image: typeof c.Config?.Image === 'string' ? c.Config.Image : '',
    labels: stringRecord(c.Config?.Labels),
    memoryLimit: typeof c.HostConfig?.Memory === 'number' ? c.HostConfig.Memory : 0,
    state: {
      status: st.Status as string,
      running: st.Running === true,
      paused: st.Paused === true,
      restarting: st.Restarting === true,
      oomKilled: st.OOMKilled === true,
      dead: st.Dead === true,
      exitCode: typeof st.ExitCode === 'number' ? st.ExitCode : 0,
      error: typeof st.Error === 'string' ? st.Error : '',
      startedAt: engineTime(st.StartedAt),
      finishedAt: engineTime(st.FinishedAt),
    },
  };
}

/** Whether a container's labels say it is this worker's (adoption never takes another's). */
export function isWorkersContainer(
  labels: Readonly<Record<string, string>>,
  worker: { harvesterId: string; workerID: number; batchName: string },
): boolean {
  return (
    labels[DOCKER_LABELS.harvesterId] === worker.harvesterId &&
    labels[DOCKER_LABELS.workerId] === String(worker.workerID) &&
    labels[DOCKER_LABELS.batchName] === worker.batchName
  );
}

/**
 * Splits the logs of a container without a TTY (frames of an 8-byte header — stream, 0, 0, 0,
 * big-endian length — and the bytes) into stdout and stderr. Bytes that are not framed (a TTY
 * container's) are stdout; a cut last frame keeps what arrived.
 */
export function demuxLogs(raw: Buffer): { stdout: Buffer; stderr: Buffer } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let pos = 0;
  while (pos < raw.length) {
    if (raw.length - pos < 8) {
      if (pos === 0) return { stdout: Buffer.from(raw), stderr: Buffer.alloc(0) };
      out.push(raw.subarray(pos));
      break;
    }
    const stream = raw[pos] as number;
    const framed = (stream === 0 || stream === 1 || stream === 2) && raw[pos + 1] === 0 && raw[pos + 2] === 0;
    if (!framed || raw[pos + 3] !== 0) {
      // Not (or no longer) framed: the rest is plain output.
      out.push(raw.subarray(pos));
      break;
    }
    const length = raw.readUInt32BE(pos + 4);
    const start = pos + 8;
    const end = Math.min(raw.length, start + length);
    (stream === 2 ? err : out).push(raw.subarray(start, end));
    pos = end;
  }
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
}

// ---- access-point files ------------------------------------------------------------------------------

/** What the submitter records in `<accessPoint>/harvester-docker.json`. */
export interface DockerWorkerRecord {
  batchName: string;
  workerID: number;
  harvesterId: string;
  queueName?: string | undefined;
  image: string;
  /** The container's name (the batch name). */
  containerName: string;
  /** Set once the Engine has created (or the submitter adopted) the container. */
  containerId?: string | undefined;
  writtenAt: string;
}

/** The worker record file; sweepWorker removes only access points holding this worker's. */
export const DOCKER_RECORD_FILE = workerRecordFile<DockerWorkerRecord>({
  name: DOCKER_FILE_NAMES.record,
  systemName: 'Docker',
  isValid: (value) =>
    typeof value.batchName === 'string' &&
    Number.isInteger(value.workerID) &&
    typeof value.harvesterId === 'string' &&
    typeof value.containerName === 'string' &&
    !(value.containerId !== undefined && !isContainerId(value.containerId)),
});

export async function writeWorkerRecord(accessPoint: string, record: DockerWorkerRecord): Promise<void> {
  await DOCKER_RECORD_FILE.write(accessPoint, record);
}

/** The record, undefined when absent; throws on a record that is present but malformed. */
export async function readWorkerRecord(accessPoint: string): Promise<DockerWorkerRecord | undefined> {
  return DOCKER_RECORD_FILE.read(accessPoint);
}

/** What the sweeper records when it stops a worker's container. */
export interface DockerKillRecord {
  batchID: string;
  requestedAt: string;
  graceSeconds: number;
}

export async function writeKillRecord(accessPoint: string, record: DockerKillRecord): Promise<void> {
  await writeJsonRecord(accessPoint, DOCKER_FILE_NAMES.kill, record);
}

/** The kill record; undefined when absent or unreadable (it only refines a status). */
export async function readKillRecord(accessPoint: string): Promise<DockerKillRecord | undefined> {
  try {
    const value = JSON.parse(
      await readFile(join(accessPoint, DOCKER_FILE_NAMES.kill), 'utf8'),
    ) as Partial<DockerKillRecord> | null;
    if (value && typeof value.batchID === 'string' && typeof value.requestedAt === 'string') {
      return value as DockerKillRecord;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/** The worker wrapper's exit file. */
export async function readExitFile(accessPoint: string): Promise<ExitFileRead> {
  return readExitFileIn(accessPoint, DOCKER_FILE_NAMES.exitCode);
}

// ---- small helpers -------------------------------------------------------------------------------------

/** Bytes in MiB/GiB for diagnostics. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3 && bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3} GiB`;
  if (bytes >= 1024 ** 2) return `${Math.round((bytes / 1024 ** 2) * 10) / 10} MiB`;
  return `${bytes} B`;
}
