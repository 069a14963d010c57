// What the local backend has instead of a batch system's tools: argv and environment builders
// for the worker wrapper, /proc readers, and the files the plugins leave in an access point.
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { workerRecordFile, writeJsonRecord } from '@harvester-ts/batch-support';
import type { WorkSpec } from '@harvester-ts/core';

/** Files of the local backend in a worker's access point. */
export const LOCAL_FILE_NAMES = {
  /** Written by the submitter: `{pid, startTime, batchName, ...}`; marks a local access point. */
  record: 'harvester-local.json',
  /** The wrapper's stdout and stderr. */
  stdout: 'harvester-local.stdout',
  stderr: 'harvester-local.stderr',
  /** Written by the sweeper: when SIGKILL is due (`{batchID, killAt}`, killAt in epoch ms). */
  kill: 'harvester-local.kill.json',
  /** Written by the worker wrapper: its exit code and a newline. */
  exitCode: 'harvester-worker.exit',
} as const;

/** Environment variable that tags a local worker with its owner (`<harvesterId>/<queueName>`). */
export const OWNER_ENV = 'HARVESTER_LOCAL_OWNER';
/** Environment variable carrying the worker's deterministic batch name. */
export const BATCH_NAME_ENV = 'HARVESTER_BATCH_NAME';
/** Environment variable carrying WorkSpec.nCore. */
export const NCORE_ENV = 'HARVESTER_NCORE';
/** Environment variable carrying WorkSpec.minRamCount (MB); not enforced. */
export const RAM_ENV = 'HARVESTER_RAM_MB';

/** What the submitter records in `<accessPoint>/harvester-local.json`. */
export interface LocalWorkerRecord {
  pid: number;
  startTime: number;
  batchName: string;
  workerID: number;
  harvesterId: string;
  host: string;
  submittedAt: string;
}

// ---- batchID ------------------------------------------------------------------------------------

export interface ProcessIdentity {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks since boot when the process started. */
  startTime: number;
}

/** `<pid>:<starttime>`. */
export function formatBatchID(id: ProcessIdentity): string {
  return `${id.pid}:${id.startTime}`;
}

/** Parses `<pid>:<starttime>`; undefined when malformed. */
export function parseBatchID(batchID: string | null | undefined): ProcessIdentity | undefined {
  if (!batchID) return undefined;
  const m = /^([1-9][0-9]{0,9}):([0-9]{1,20})$/.exec(batchID);
  if (!m) return undefined;
  const pid = Number(m[1]);
  const startTime = Number(m[2]);
  if (!Number.isSafeInteger(pid) || !Number.isSafeInteger(startTime)) return undefined;
  return { pid, startTime };
}

// ---- /proc ----------------------------------------------------------------------------------------

export interface ProcStat {
  pid: number;
  /** R, S, D, Z, T, X, ... */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  startTime: number;
}

/** Parses the text of /proc/<pid>/stat (the command name may contain spaces and parentheses). */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // Fields after the command start at field 3 (state); field n is rest[n - 3].
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const state = rest[0];
  const nums = [rest[1], rest[2], rest[3], rest[19]].map((v) => (v === undefined ? Number.NaN : Number(v)));
  const [ppid, pgrp, session, startTime] = nums as [number, number, number, number];
  if (!Number.isInteger(pid) || state === undefined || nums.some((n) => !Number.isInteger(n)))
    return undefined;
  return { pid, state, ppid, pgrp, session, startTime };
}

/** Whether a stat describes a process that still runs (not a zombie or dead task). */
export function isLive(stat: ProcStat): boolean {
  return stat.state !== 'Z' && stat.state !== 'X' && stat.state !== 'x';
}

/** Reads /proc/<pid>/stat synchronously (used right after spawn, before the child can be reaped). */
export function readProcStatSync(pid: number, procRoot = '/proc'): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(join(procRoot, String(pid), 'stat'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** A snapshot of processes: pid → stat. */
export type ProcessTable = Map<number, ProcStat>;

/**
 * One scan of /proc: the stats of every process, or only of `pids` when given (a process that
 * ends during the scan is simply absent).
 */
export async function scanProcesses(pids?: ReadonlySet<number>, procRoot = '/proc'): Promise<ProcessTable> {
  const table: ProcessTable = new Map();
  let entries: string[];
  try {
    entries = await readdir(procRoot);
  } catch {
    return table;
  }
  const wanted = entries
    .filter((e) => /^[0-9]+$/.test(e))
    .map(Number)
    .filter((pid) => pids === undefined || pids.has(pid));
  await Promise.all(
    wanted.map(async (pid) => {
      try {
        const stat = parseProcStat(await readFile(join(procRoot, String(pid), 'stat'), 'utf8'));
        if (stat) table.set(pid, stat);
      } catch {
        // gone since readdir, or unreadable
      }
    }),
  );
  return table;
}

/** Whether the process `id` names is alive in the table and is the one we started (same start time). */
export function isOurs(table: ProcessTable, id: ProcessIdentity): boolean {
  const stat = table.get(id.pid);
  return stat !== undefined && stat.startTime === id.startTime && isLive(stat);
}

/**
 * Live processes of the session `id.pid` led (the worker's process group and session). Linux
 * does not hand out a pid again while it is still in use as a session or group id, so these
 * belong to our worker even after its leader ended.
 */
export function sessionMembers(table: ProcessTable, sessionID: number): ProcStat[] {
  return [...table.values()].filter((s) => (s.session === sessionID || s.pgrp === sessionID) && isLive(s));
}

/** The NUL-separated environment of a process (own processes only); undefined when unreadable. */
export async function readProcEnviron(
  pid: number,
  procRoot = '/proc',
): Promise<Map<string, string> | undefined> {
  let text: string;
  try {
    text = await readFile(join(procRoot, String(pid), 'environ'), 'utf8');
  } catch {
    return undefined;
  }
  const env = new Map<string, string>();
  for (const entry of text.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return env;
}

/** A live local worker found by its environment. */
export interface TaggedWorker {
  stat: ProcStat;
  env: Map<string, string>;
}

/**
 * Session leaders (the worker wrappers started detached) whose environment carries
 * `OWNER_ENV=<owner>`; one /proc scan plus one environ read per session leader.
 */
export async function findTaggedWorkers(owner: string, procRoot = '/proc'): Promise<TaggedWorker[]> {
  const table = await scanProcesses(undefined, procRoot);
  const leaders = [...table.values()].filter((s) => s.pid === s.session && isLive(s));
  const found = await Promise.all(
    leaders.map(async (stat) => {
      const env = await readProcEnviron(stat.pid, procRoot);
      return env?.get(OWNER_ENV) === owner ? { stat, env } : undefined;
    }),
  );
  return found.filter((f): f is TaggedWorker => f !== undefined);
}

// ---- argv and environment --------------------------------------------------------------------------

/** The argv that runs the wrapper for an access point: the executable prefix, then the access point. */
export function buildWorkerArgv(executable: readonly string[], accessPoint: string): [string, string[]] {
  const [program, ...args] = executable;
  if (program === undefined) throw new Error('executable must name a program');
  return [program, [...args, accessPoint]];
}

/** The owner tag of the workers of one harvester instance and queue. */
export function ownerTag(harvesterId: string, queueName: string | undefined): string {
  return `${harvesterId}/${queueName ?? ''}`;
}

/** The environment of a worker wrapper. */
export function buildWorkerEnv(
  worker: WorkSpec,
  opts: { base: NodeJS.ProcessEnv; extra: Record<string, string>; harvesterId: string; owner: string },
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...opts.base, ...opts.extra };
  // The sweeper signals the whole process group: keep the payload in it.
  env.HARVESTER_PAYLOAD_PGROUP = '0';
  env[OWNER_ENV] = opts.owner;
  env[BATCH_NAME_ENV] = worker.batchName;
  env.HARVESTER_WORKER_ID = String(worker.workerID);
  env.HARVESTER_ID = opts.harvesterId;
  env[NCORE_ENV] = String(worker.nCore ?? 1);
  if (worker.minRamCount !== null && worker.minRamCount !== undefined)
    env[RAM_ENV] = String(worker.minRamCount);
  else delete env[RAM_ENV];
  return env;
}

// ---- access-point files ------------------------------------------------------------------------------

/** The worker record file; sweepWorker removes only access points holding this worker's. */
export const LOCAL_RECORD_FILE = workerRecordFile<LocalWorkerRecord>({
  name: LOCAL_FILE_NAMES.record,
  systemName: 'local',
  isValid: (value) =>
    Number.isInteger(value.pid) && Number.isInteger(value.startTime) && typeof value.batchName === 'string',
  absentCodes: ['ENOENT'],
  notJson: 'rethrow',
});

export async function writeWorkerRecord(accessPoint: string, record: LocalWorkerRecord): Promise<void> {
  await LOCAL_RECORD_FILE.write(accessPoint, record);
}

/** The record, undefined when absent; throws on a record that is present but malformed. */
export async function readWorkerRecord(accessPoint: string): Promise<LocalWorkerRecord | undefined> {
  return LOCAL_RECORD_FILE.read(accessPoint);
}

export type ExitFileRead =
  | { kind: 'absent' }
  | { kind: 'code'; code: number; mtime?: Date }
  | { kind: 'malformed'; text: string };

/** Parses the wrapper's exit file: a decimal integer and a newline. */
export function parseExitCode(text: string): number | undefined {
  const t = text.trim();
  return /^[0-9]{1,3}$/.test(t) ? Number(t) : undefined;
}

export async function readExitFile(accessPoint: string): Promise<ExitFileRead> {
  let text: string;
  try {
    text = await readFile(join(accessPoint, LOCAL_FILE_NAMES.exitCode), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw err;
  }
  const code = parseExitCode(text);
  return code === undefined ? { kind: 'malformed', text: text.slice(0, 100) } : { kind: 'code', code };
}

export interface KillRecord {
  batchID: string;
  /** Epoch ms when SIGKILL is due. */
  killAt: number;
}

export async function writeKillRecord(accessPoint: string, record: KillRecord): Promise<void> {
  await writeJsonRecord(accessPoint, LOCAL_FILE_NAMES.kill, record);
}

export async function readKillRecord(accessPoint: string): Promise<KillRecord | undefined> {
  try {
    const value = JSON.parse(await readFile(join(accessPoint, LOCAL_FILE_NAMES.kill), 'utf8')) as KillRecord;
    return typeof value.batchID === 'string' && typeof value.killAt === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}
