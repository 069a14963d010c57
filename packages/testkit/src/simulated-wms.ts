// A fake workload management system (a PanDA server in memory). It holds job dictionaries and
// hands each out once, records everything harvester sends (job updates per PandaID in order,
// worker updates, heartbeats, worker statistics, dialogs), hands out commands and event ranges,
// and can be made to fail: unavailable (nothing applied) or answering garbage (applied, but the
// caller cannot tell).
import type {
  EventRange,
  EventUpdate,
  JobParams,
  JsonObject,
  WmsCommand,
  WorkerStats,
} from '@harvester-ts/core';
import { type Clock, type ClockLike, toClock } from './clock.js';
import { WmsGarbledResponseError, WmsUnavailableError } from './errors.js';

export type WmsMethod =
  | 'getJobs'
  | 'updateJobs'
  | 'checkJobs'
  | 'getCommands'
  | 'ackCommands'
  | 'updateWorkers'
  | 'isAlive'
  | 'updateWorkerStats'
  | 'getEventRanges'
  | 'updateEventRanges'
  | 'sendDialogMessages';

export const WMS_METHODS: readonly WmsMethod[] = [
  'getJobs',
  'updateJobs',
  'checkJobs',
  'getCommands',
  'ackCommands',
  'updateWorkers',
  'isAlive',
  'updateWorkerStats',
  'getEventRanges',
  'updateEventRanges',
  'sendDialogMessages',
];

/** Job statuses after which the WMS considers a job done. */
export const WMS_FINAL_JOB_STATUSES: ReadonlySet<string> = new Set([
  'finished',
  'failed',
  'cancelled',
  'missed',
  'closed',
]);

/** The command the WMS attaches to updates of a job it wants killed. */
export const KILL_COMMAND = 'tobekilled';

export interface WmsJobCriteria {
  siteName?: string;
  nodeName?: string;
  prodSourceLabel?: string;
  computingElement?: string;
  /** Matched against the job dictionary's fields (`resourceType` also matches `resource_type`). */
  additionalCriteria?: Record<string, string>;
}

/** One job update as the WMS receives it. */
export interface WmsJobUpdate {
  PandaID: number;
  status: string;
  subStatus?: string | null;
  attemptNr?: number | null;
  coreCount?: number | null;
  startTime?: Date | null;
  endTime?: Date | null;
  /** jobAttributes (pilot/worker-reported). */
  attributes?: JsonObject | null;
  /** The job report. */
  metaData?: JsonObject | null;
  outputFilesToReport?: JsonObject | null;
  /** Identifies the updating process. */
  lockId?: string;
}

/** A job update as recorded, with when it arrived. */
export interface RecordedJobUpdate extends WmsJobUpdate {
  /** The WMS clock's time (epoch ms). */
  at: number;
}

export type WmsJobUpdateReply =
  | { ok: true; command?: string }
  | { ok: false; error: string; retryable: boolean };

export interface WmsJobCheck {
  PandaID: number;
  /** False for jobs the WMS does not know or that were reported final. */
  active: boolean;
  /** `queued` (not handed out), `sent`, the last reported status, or `unknown`. */
  status: string;
  command?: string;
}

/** A worker update as the WMS receives it (Harvester's update_workers fields). */
export interface WmsWorkerUpdate {
  workerID: number;
  harvesterID: string;
  batchID: string | null;
  status: string;
  computingSite: string;
  queueName?: string | null;
  nCore?: number | null;
  nodeID?: string | null;
  submitTime?: Date | null;
  startTime?: Date | null;
  endTime?: Date | null;
  jobType?: string | null;
  resourceType?: string | null;
  nativeExitCode?: number | null;
  nativeStatus?: string | null;
  diagMessage?: string | null;
  nJobs?: number | null;
  computingElement?: string | null;
  submissionHost?: string | null;
  errorCode?: number | null;
  errorDiag?: string | null;
  minRamCount?: number | null;
  pandaIDs?: number[];
  workAttributes?: JsonObject | null;
}

export interface RecordedWorkerUpdate extends WmsWorkerUpdate {
  at: number;
}

export interface WmsHeartbeat {
  data: JsonObject;
  at: number;
}

export interface WmsWorkerStatsReport {
  siteName: string;
  stats: WorkerStats;
  at: number;
}

/** A dialog message as the WMS receives it (Harvester's add_dialogs fields). */
export interface WmsDialog {
  diagID: number;
  moduleName: string;
  identifier: string | null;
  creationTime: Date | null;
  messageLevel: string;
  diagMessage: string;
}

export interface RecordedDialog extends WmsDialog {
  at: number;
}

export interface WmsEventRequest {
  pandaID: number;
  nRanges: number;
}

export interface WmsEventUpdateBatch {
  pandaID: number;
  eventRanges: EventUpdate[];
  zipFile?: { lfn: string; objstoreID?: number; fsize?: number; checksum?: string };
}

export type WmsEventUpdateReply = { ok: true } | { ok: false; error: string; retryable: boolean };

export interface RecordedEventUpdate extends EventUpdate {
  pandaID: number;
  zipFile?: WmsEventUpdateBatch['zipFile'];
  at: number;
}

export type WmsFaultKind = 'unavailable' | 'garbage';

export interface WmsFault {
  /** The method that fails, or `'*'` for the next calls of any method. Default `'*'`. */
  method?: WmsMethod | '*';
  /**
   * unavailable: the call throws WmsUnavailableError and nothing is applied.
   * garbage: the call is applied, then throws WmsGarbledResponseError (the answer was lost).
   */
  kind: WmsFaultKind;
  /** How many calls fail (default 1). */
  times?: number;
}

export interface SimulatedWmsOptions {
  clock?: ClockLike;
  /** First command ID (default 1). */
  firstCommandID?: number;
}

export interface JobHandOut {
  PandaID: number;
  at: number;
  criteria: WmsJobCriteria;
}

interface WmsJob {
  seq: number;
  dict: JobParams;
  handedOut: boolean;
  command: string | undefined;
  updates: RecordedJobUpdate[];
  pendingErrors: { remaining: number; error: string; retryable: boolean }[];
  eventRanges: EventRange[];
  eventsHandedOut: number;
}

interface StoredCommand {
  command: WmsCommand;
  handedOut: boolean;
  acked: boolean;
}

function pandaIDOf(dict: JobParams): number {
  const raw = dict.PandaID;
  const id = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
    throw new Error(`job dictionary has no valid PandaID (got ${JSON.stringify(raw)})`);
  }
  return id;
}

function priorityOf(dict: JobParams): number {
  const p = Number(dict.currentPriority);
  return Number.isFinite(p) ? p : 0;
}

function clone<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}

export class SimulatedWms {
  private readonly clock: Clock;
  private readonly jobs = new Map<number, WmsJob>();
  private readonly commands: StoredCommand[] = [];
  private readonly eventStatus = new Map<string, { pandaID: number; status: string | null }>();
  private readonly faults: { method: WmsMethod | '*'; kind: WmsFaultKind; remaining: number }[] = [];
  private available = true;
  private seq = 0;
  private nextCommandID: number;

  /** How many times each method was called (including calls that failed). */
  readonly calls: Record<WmsMethod, number> = Object.fromEntries(WMS_METHODS.map((m) => [m, 0])) as Record<
    WmsMethod,
    number
  >;
  /** Every hand-out, in order. */
  readonly handOuts: JobHandOut[] = [];
  /** Every worker update received, in order. */
  readonly workerUpdates: RecordedWorkerUpdate[] = [];
  readonly heartbeats: WmsHeartbeat[] = [];
  readonly workerStatsReports: WmsWorkerStatsReport[] = [];
  readonly dialogs: RecordedDialog[] = [];
  /** Every event update received, in order. */
  readonly eventUpdates: RecordedEventUpdate[] = [];

  constructor(options: SimulatedWmsOptions = {}) {
    this.clock = toClock(options.clock);
    this.nextCommandID = options.firstCommandID ?? 1;
  }

  now(): number {
    return this.clock();
  }

  // ---------------------------------------------------------------- set-up

  /** Queues job dictionaries to hand out (higher currentPriority first, then in the order added). */
  addJobs(...dicts: JobParams[]): number[] {
    return dicts.map((dict) => {
      const id = pandaIDOf(dict);
      if (this.jobs.has(id)) throw new Error(`job ${id} is already in the simulated WMS`);
      this.jobs.set(id, {
        seq: this.seq++,
        dict: clone(dict),
        handedOut: false,
        command: undefined,
        updates: [],
        pendingErrors: [],
        eventRanges: [],
        eventsHandedOut: 0,
      });
      return id;
    });
  }

  /** Asks for a job to be killed: every later update of it (until final) and checkJobs carry `tobekilled`. */
  killJob(PandaID: number): void {
    this.requireJob(PandaID).command = KILL_COMMAND;
  }

  /** The next `times` updates of a job are refused (retryable unless `retryable: false`). */
  rejectJobUpdates(
    PandaID: number,
    { times = 1, error, retryable = true }: { times?: number; error?: string; retryable?: boolean } = {},
  ): void {
    this.requireJob(PandaID).pendingErrors.push({
      remaining: times,
      error: error ?? `update of job ${PandaID} refused (simulated)`,
      retryable,
    });
  }

  /** Queues a command for harvester; returns its ID. */
  addCommand(
    command: string,
    params: unknown = null,
    { ackRequested = true }: { ackRequested?: boolean } = {},
  ): number {
    const commandID = this.nextCommandID++;
    this.commands.push({
      command: {
        commandID,
        command,
        params: clone(params),
        ackRequested,
        creationDate: new Date(this.clock()),
      },
      handedOut: false,
      acked: false,
    });
    return commandID;
  }

  /**
   * Gives a job event ranges to hand out: `n` generated ranges, or the given ones. Generated IDs
   * are `<PandaID>-<taskID>-<n>` with 10 events each over the job's first input file.
   */
  addEventRanges(PandaID: number, ranges: number | readonly EventRange[]): EventRange[] {
    const job = this.requireJob(PandaID);
    let added: EventRange[];
    if (typeof ranges === 'number') {
      const lfn = String(job.dict.inFiles ?? '').split(',')[0] || `EVNT.${PandaID}.pool.root`;
      const guid = String(job.dict.GUID ?? '').split(',')[0] || null;
      const scope = String(job.dict.scopeIn ?? '').split(',')[0] || null;
      const start = job.eventRanges.length;
      added = Array.from({ length: ranges }, (_, k) => {
        const i = start + k;
        return {
          eventRangeID: `${PandaID}-${String(job.dict.taskID ?? 0)}-${i + 1}`,
          startEvent: i * 10 + 1,
          lastEvent: (i + 1) * 10,
          LFN: lfn,
          GUID: guid,
          scope,
        };
      });
    } else {
      added = ranges.map((r) => clone(r));
    }
    for (const r of added) {
      if (this.eventStatus.has(r.eventRangeID))
        throw new Error(`event range ${r.eventRangeID} already exists`);
      this.eventStatus.set(r.eventRangeID, { pandaID: PandaID, status: null });
    }
    job.eventRanges.push(...added);
    return added.map((r) => clone(r));
  }

  // ---------------------------------------------------------------- availability and faults

  /** false: every call throws WmsUnavailableError until set back to true. */
  setAvailable(available: boolean): void {
    this.available = available;
  }

  /** Makes the next call(s) fail; see WmsFault. */
  injectFault({ method = '*', kind, times = 1 }: WmsFault): void {
    this.faults.push({ method, kind, remaining: times });
  }

  resetCalls(): void {
    for (const m of WMS_METHODS) this.calls[m] = 0;
  }

  /** Counts the call, throws if unavailable; returns a garbage fault to apply after the call. */
  private enter(method: WmsMethod): (() => never) | undefined {
    this.calls[method] += 1;
    if (!this.available) throw new WmsUnavailableError(method);
    const fault = this.faults.find((f) => (f.method === '*' || f.method === method) && f.remaining > 0);
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.faults.splice(this.faults.indexOf(fault), 1);
    if (fault.kind === 'unavailable') throw new WmsUnavailableError(method, { injected: true });
    return () => {
      throw new WmsGarbledResponseError(method, '<html><body>502 Bad Gateway</body></html>', {
        injected: true,
      });
    };
  }

  private async run<T>(method: WmsMethod, body: () => T): Promise<T> {
    const garbage = this.enter(method);
    const result = body();
    if (garbage) garbage();
    return result;
  }

  // ---------------------------------------------------------------- the WMS API

  /** Hands out up to `n` matching jobs that were never handed out (copies). */
  getJobs(n: number, criteria: WmsJobCriteria = {}): Promise<JobParams[]> {
    return this.run('getJobs', () => {
      const now = this.clock();
      const candidates = [...this.jobs.values()]
        .filter((j) => !j.handedOut && this.matches(j.dict, criteria))
        .sort((a, b) => priorityOf(b.dict) - priorityOf(a.dict) || a.seq - b.seq)
        .slice(0, Math.max(0, n));
      return candidates.map((j) => {
        j.handedOut = true;
        const PandaID = pandaIDOf(j.dict);
        this.handOuts.push({ PandaID, at: now, criteria: clone(criteria) });
        return clone(j.dict);
      });
    });
  }

  /**
   * Records job updates; one reply per update, in order. A job never handed out is refused (not
   * retryable); a job with a kill request gets `command: 'tobekilled'` until it is final.
   */
  updateJobs(updates: readonly WmsJobUpdate[]): Promise<WmsJobUpdateReply[]> {
    return this.run('updateJobs', () => {
      const now = this.clock();
      return updates.map((update): WmsJobUpdateReply => {
        const job = this.jobs.get(update.PandaID);
        if (!job) return { ok: false, error: `job ${update.PandaID} is unknown`, retryable: false };
        if (!job.handedOut) {
          return { ok: false, error: `job ${update.PandaID} was never dispatched`, retryable: false };
        }
        const injected = job.pendingErrors[0];
        if (injected) {
          injected.remaining -= 1;
          if (injected.remaining <= 0) job.pendingErrors.shift();
          return { ok: false, error: injected.error, retryable: injected.retryable };
        }
        job.updates.push({ ...clone(update), at: now });
        const final = WMS_FINAL_JOB_STATUSES.has(update.status);
        return job.command !== undefined && !final ? { ok: true, command: job.command } : { ok: true };
      });
    });
  }

  /** Whether jobs are still active, one answer per PandaID, in order. */
  checkJobs(PandaIDs: readonly number[]): Promise<WmsJobCheck[]> {
    return this.run('checkJobs', () =>
      PandaIDs.map((PandaID): WmsJobCheck => {
        const job = this.jobs.get(PandaID);
        if (!job) return { PandaID, active: false, status: 'unknown' };
        const status = this.wmsStatusOf(job);
        const active = !WMS_FINAL_JOB_STATUSES.has(status);
        return job.command !== undefined && active
          ? { PandaID, active, status, command: job.command }
          : { PandaID, active, status };
      }),
    );
  }

  /** Hands out up to `n` commands not handed out before, oldest first. */
  getCommands(n: number): Promise<WmsCommand[]> {
    return this.run('getCommands', () =>
      this.commands
        .filter((c) => !c.handedOut)
        .slice(0, Math.max(0, n))
        .map((c) => {
          c.handedOut = true;
          return clone(c.command);
        }),
    );
  }

  /** Records acknowledgements; IDs it never handed out are ignored. */
  ackCommands(commandIDs: readonly number[]): Promise<void> {
    return this.run('ackCommands', () => {
      for (const id of commandIDs) {
        const c = this.commands.find((x) => x.command.commandID === id);
        if (c?.handedOut) c.acked = true;
      }
    });
  }

  /** Records worker updates; one `true` per worker. */
  updateWorkers(workers: readonly WmsWorkerUpdate[]): Promise<boolean[]> {
    return this.run('updateWorkers', () => {
      const now = this.clock();
      return workers.map((w) => {
        this.workerUpdates.push({ ...clone(w), at: now });
        return true;
      });
    });
  }

  /** Records a heartbeat of the harvester instance. */
  isAlive(data: JsonObject): Promise<void> {
    return this.run('isAlive', () => {
      this.heartbeats.push({ data: clone(data), at: this.clock() });
    });
  }

  updateWorkerStats(siteName: string, stats: WorkerStats): Promise<void> {
    return this.run('updateWorkerStats', () => {
      this.workerStatsReports.push({ siteName, stats: clone(stats), at: this.clock() });
    });
  }

  /** Hands out up to `nRanges` new event ranges per job; jobs without ranges get `[]`. Keyed by PandaID. */
  getEventRanges(requests: readonly WmsEventRequest[]): Promise<Record<string, EventRange[]>> {
    return this.run('getEventRanges', () => {
      const out: Record<string, EventRange[]> = {};
      for (const { pandaID, nRanges } of requests) {
        const job = this.jobs.get(pandaID);
        const key = String(pandaID);
        const given = out[key] ?? [];
        if (job) {
          const next = job.eventRanges.slice(job.eventsHandedOut, job.eventsHandedOut + Math.max(0, nRanges));
          job.eventsHandedOut += next.length;
          given.push(...next.map((r) => clone(r)));
        }
        out[key] = given;
      }
      return out;
    });
  }

  /** Records event updates; one reply per batch. A batch naming an unknown event range is refused whole. */
  updateEventRanges(batches: readonly WmsEventUpdateBatch[]): Promise<WmsEventUpdateReply[]> {
    return this.run('updateEventRanges', () => {
      const now = this.clock();
      return batches.map((batch): WmsEventUpdateReply => {
        const unknown = batch.eventRanges.filter(
          (u) => this.eventStatus.get(u.eventRangeID)?.pandaID !== batch.pandaID,
        );
        if (unknown.length > 0) {
          return {
            ok: false,
            error: `unknown event range(s) of job ${batch.pandaID}: ${unknown.map((u) => u.eventRangeID).join(', ')}`,
            retryable: false,
          };
        }
        for (const u of batch.eventRanges) {
          const entry = this.eventStatus.get(u.eventRangeID);
          if (entry) entry.status = u.eventStatus;
          const record: RecordedEventUpdate = { ...clone(u), pandaID: batch.pandaID, at: now };
          if (batch.zipFile) record.zipFile = clone(batch.zipFile);
          this.eventUpdates.push(record);
        }
        return { ok: true };
      });
    });
  }

  sendDialogMessages(dialogs: readonly WmsDialog[]): Promise<void> {
    return this.run('sendDialogMessages', () => {
      const now = this.clock();
      for (const d of dialogs) this.dialogs.push({ ...clone(d), at: now });
    });
  }

  // ---------------------------------------------------------------- introspection

  /** PandaIDs handed out, in order. */
  get jobsHandedOut(): number[] {
    return this.handOuts.map((h) => h.PandaID);
  }

  /** PandaIDs not handed out yet, in the order they would be. */
  get jobsQueued(): number[] {
    return [...this.jobs.values()]
      .filter((j) => !j.handedOut)
      .sort((a, b) => priorityOf(b.dict) - priorityOf(a.dict) || a.seq - b.seq)
      .map((j) => pandaIDOf(j.dict));
  }

  /** Every update of a job, in the order received (copies). */
  updatesOf(PandaID: number): RecordedJobUpdate[] {
    return clone(this.jobs.get(PandaID)?.updates ?? []);
  }

  /** The statuses reported for a job, in order. */
  statusHistoryOf(PandaID: number): string[] {
    return (this.jobs.get(PandaID)?.updates ?? []).map((u) => u.status);
  }

  /** `queued`, `sent`, the last reported status, or `unknown`. */
  statusOf(PandaID: number): string {
    const job = this.jobs.get(PandaID);
    return job ? this.wmsStatusOf(job) : 'unknown';
  }

  /** The last reported status if it is final (finished, failed, cancelled, missed, closed), else undefined. */
  finalStatusOf(PandaID: number): string | undefined {
    const last = this.jobs.get(PandaID)?.updates.at(-1);
    return last && WMS_FINAL_JOB_STATUSES.has(last.status) ? last.status : undefined;
  }

  /** The worker updates of one worker, in order. */
  workerUpdatesOf(workerID: number): RecordedWorkerUpdate[] {
    return clone(this.workerUpdates.filter((w) => w.workerID === workerID));
  }

  /** Commands not handed out yet. */
  get commandsPending(): WmsCommand[] {
    return this.commands.filter((c) => !c.handedOut).map((c) => clone(c.command));
  }

  /** IDs of commands acknowledged, in command order. */
  get commandsAcked(): number[] {
    return this.commands.filter((c) => c.acked).map((c) => c.command.commandID);
  }

  /** IDs of commands handed out that asked for an acknowledgement and did not get one. */
  get commandsAwaitingAck(): number[] {
    return this.commands
      .filter((c) => c.handedOut && c.command.ackRequested && !c.acked)
      .map((c) => c.command.commandID);
  }

  /** The last status reported for an event range (null: never updated), or undefined if unknown. */
  eventRangeStatusOf(eventRangeID: string): string | null | undefined {
    return this.eventStatus.get(eventRangeID)?.status;
  }

  /** Event updates of one job, in order. */
  eventUpdatesOf(PandaID: number): RecordedEventUpdate[] {
    return clone(this.eventUpdates.filter((u) => u.pandaID === PandaID));
  }

  /** Every PandaID the WMS holds (queued, handed out or finished), in the order added. */
  get allPandaIDs(): number[] {
    return [...this.jobs.values()].sort((a, b) => a.seq - b.seq).map((j) => pandaIDOf(j.dict));
  }

  /** Whether the WMS holds the job. */
  hasJob(PandaID: number): boolean {
    return this.jobs.has(PandaID);
  }

  /** The command waiting for a job (`tobekilled` after killJob), without counting a call. */
  commandOf(PandaID: number): string | undefined {
    return this.jobs.get(PandaID)?.command;
  }

  /** The PandaID an event range belongs to, or undefined for an unknown range. */
  eventRangeOwner(eventRangeID: string): number | undefined {
    return this.eventStatus.get(eventRangeID)?.pandaID;
  }

  /** How many of a job's event ranges were not handed out yet (0 for an unknown job). */
  eventRangesAvailable(PandaID: number): number {
    const job = this.jobs.get(PandaID);
    return job ? job.eventRanges.length - job.eventsHandedOut : 0;
  }

  /** The job dictionary as it was added (a copy). */
  jobDict(PandaID: number): JobParams | undefined {
    return clone(this.jobs.get(PandaID)?.dict);
  }

  private wmsStatusOf(job: WmsJob): string {
    const last = job.updates.at(-1);
    if (last) return last.status;
    return job.handedOut ? 'sent' : 'queued';
  }

  private requireJob(PandaID: number): WmsJob {
    const job = this.jobs.get(PandaID);
    if (!job) throw new Error(`job ${PandaID} is not in the simulated WMS`);
    return job;
  }

  private matches(dict: JobParams, criteria: WmsJobCriteria): boolean {
    const eq = (field: unknown, wanted: string | undefined): boolean =>
      wanted === undefined || field === undefined || field === null || String(field) === wanted;
    if (!eq(dict.computingSite, criteria.siteName)) return false;
    if (!eq(dict.prodSourceLabel, criteria.prodSourceLabel)) return false;
    for (const [key, wanted] of Object.entries(criteria.additionalCriteria ?? {})) {
      const field = key === 'resourceType' ? (dict.resourceType ?? dict.resource_type) : dict[key];
      if (!eq(field, wanted)) return false;
    }
    return true;
  }
}
