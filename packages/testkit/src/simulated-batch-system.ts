// A fake batch system that keeps real state in memory: jobs are queued, start, run a payload hook,
// end with an exit code, can be killed, found by name and forgotten. Time comes from an injected
// clock and randomness from a seeded generator, so runs are reproducible. State advances lazily:
// every call (and advance()) first brings the jobs up to the clock's current time; no timer is
// ever started, so a test that uses it exits cleanly.
import { type Clock, type ClockLike, toClock } from './clock.js';
import { BatchSystemUnavailableError } from './errors.js';
import { type NumberOrRange, SeededRandom } from './random.js';

export type BatchJobState = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

export const FINAL_BATCH_JOB_STATES: ReadonlySet<BatchJobState> = new Set<BatchJobState>([
  'completed',
  'failed',
  'cancelled',
]);

/** What a submitter asks the batch system to run. */
export interface BatchSubmitRequest {
  /** The job name; for harvester workers the deterministic batch name `<harvesterID>-<workerID>`. */
  name: string;
  /** The worker's access point directory, handed to the payload hook. */
  accessPoint?: string | undefined;
  /** Cores asked for (default 1). */
  nCore?: number | undefined;
  /** The batch queue / partition. */
  queue?: string | undefined;
  /** Anything else the submitter wants the payload hook to see (workerID, PandaIDs, ...). */
  attributes?: Readonly<Record<string, unknown>> | undefined;
}

export type BatchSubmitResult = { ok: true; batchID: string } | { ok: false; error: string };

/** What `query`, `findByName` and the payload hook see of a job. */
export interface BatchJobInfo {
  batchID: string;
  name: string;
  state: BatchJobState;
  /** Set once the job ended by itself; null while it runs and for cancelled jobs. */
  exitCode: number | null;
  /** Epoch ms (from the batch system's clock). */
  submitTime: number;
  startTime: number | null;
  endTime: number | null;
  /** The node the job runs or ran on; null while pending. */
  node: string | null;
  queue: string | null;
  nCore: number;
  accessPoint: string | undefined;
  attributes: Readonly<Record<string, unknown>>;
  submissionHost: string;
  /** Why the job failed or was cancelled, if known. */
  diag: string | null;
}

export interface UnknownBatchJob {
  batchID: string;
  state: 'unknown';
}

export type BatchQueryResult = BatchJobInfo | UnknownBatchJob;

export type BatchKillResult =
  | { batchID: string; ok: true; previousState: BatchJobState }
  | { batchID: string; ok: false; error: string };

/** The job as the payload hook gets it, at the moment it starts running. */
export type BatchPayloadJob = Readonly<BatchJobInfo> & { readonly startTime: number; readonly node: string };

/**
 * Runs when a job starts. A returned number is the job's exit code (0: completed, else failed);
 * returning nothing lets the simulated failure rate decide; throwing fails the job.
 */
export type BatchPayloadHook = (
  job: BatchPayloadJob,
  // biome-ignore lint/suspicious/noConfusingVoidType: lets `async (job) => { ... }` hooks that return nothing type-check
) => Promise<number | undefined | void> | number | undefined | void;

export interface SimulatedBatchSystemOptions {
  /** Epoch milliseconds; Date.now by default. A ManualClock (or its `now`) makes time explicit. */
  clock?: ClockLike;
  /** Seed of the random generator (default 1). */
  seed?: number;
  /** Time from submission to start, ms (fixed or [min, max]); default 0. */
  queueDelayMs?: NumberOrRange;
  /** Time from start to end, ms (fixed or [min, max]); default 0. */
  runDurationMs?: NumberOrRange;
  /** Probability that a job's payload exits non-zero, when no payload hook decides; default 0. */
  failureRate?: number;
  /** The exit code of a simulated failure (and of a payload hook that throws); default 1. */
  failureExitCode?: number;
  /** Probability that a submission is refused; default 0. */
  submitFailureRate?: number;
  /** Refuses a submission deterministically: return the reason, or undefined to accept. */
  refuse?: (request: BatchSubmitRequest) => string | undefined;
  payload?: BatchPayloadHook;
  /** Ended jobs disappear (query → unknown) this long after their end; default never. */
  forgetFinishedAfterMs?: number;
  /** First batch ID (IDs are consecutive decimal strings); default 1000. */
  firstBatchID?: number;
  /** Prefix of batch IDs, e.g. `'sim.'`; default none. */
  batchIDPrefix?: string;
  /** Nodes jobs run on (picked at random); default `['simnode01']`. */
  nodes?: readonly string[];
  /** Reported as the host a job was submitted to; default `'sim-batch'`. */
  submissionHost?: string;
}

/** Options that can be changed on a live system with `configure`. */
export type ReconfigurableBatchOptions = Pick<
  SimulatedBatchSystemOptions,
  | 'queueDelayMs'
  | 'runDurationMs'
  | 'failureRate'
  | 'failureExitCode'
  | 'submitFailureRate'
  | 'refuse'
  | 'payload'
  | 'forgetFinishedAfterMs'
>;

export type BatchMethod = 'submit' | 'query' | 'findByName' | 'kill';
export const BATCH_METHODS: readonly BatchMethod[] = ['submit', 'query', 'findByName', 'kill'];

/** A job as the inspection API shows it (a snapshot). */
export interface SimulatedBatchJob extends BatchJobInfo {
  /** The planned times (epoch ms) at which it starts and ends if nobody kills it. */
  plannedStartTime: number;
  plannedEndTime: number;
  /** How many times the payload hook was called for it (0 or 1). */
  payloadCalls: number;
  /** Whether it was forgotten (query answers unknown). */
  forgotten: boolean;
}

interface PayloadOutcome {
  exitCode: number | undefined;
  error: string | undefined;
}

interface JobRecord {
  seq: number;
  info: BatchJobInfo;
  plannedDelay: number;
  plannedDuration: number;
  plannedFailure: boolean;
  payloadCalls: number;
  payload: Promise<PayloadOutcome> | undefined;
  forgotten: boolean;
}

interface PendingFault {
  method: BatchMethod | '*';
  remaining: number;
}

function copyInfo(info: BatchJobInfo): BatchJobInfo {
  return { ...info, attributes: { ...info.attributes } };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class SimulatedBatchSystem {
  private readonly clock: Clock;
  private readonly random: SeededRandom;
  private readonly jobsByID = new Map<string, JobRecord>();
  private readonly faults: PendingFault[] = [];
  private options: Required<
    Omit<SimulatedBatchSystemOptions, 'clock' | 'seed' | 'refuse' | 'payload' | 'forgetFinishedAfterMs'>
  > &
    Pick<SimulatedBatchSystemOptions, 'refuse' | 'payload' | 'forgetFinishedAfterMs'>;
  private nextID: number;
  private seq = 0;
  private available = true;

  /** How many times each method was called (including calls that failed). */
  readonly calls: Record<BatchMethod, number> = { submit: 0, query: 0, findByName: 0, kill: 0 };

  constructor(options: SimulatedBatchSystemOptions = {}) {
    this.clock = toClock(options.clock);
    this.random = new SeededRandom(options.seed ?? 1);
    this.options = {
      queueDelayMs: options.queueDelayMs ?? 0,
      runDurationMs: options.runDurationMs ?? 0,
      failureRate: options.failureRate ?? 0,
      failureExitCode: options.failureExitCode ?? 1,
      submitFailureRate: options.submitFailureRate ?? 0,
      refuse: options.refuse,
      payload: options.payload,
      forgetFinishedAfterMs: options.forgetFinishedAfterMs,
      firstBatchID: options.firstBatchID ?? 1000,
      batchIDPrefix: options.batchIDPrefix ?? '',
      nodes: options.nodes && options.nodes.length > 0 ? [...options.nodes] : ['simnode01'],
      submissionHost: options.submissionHost ?? 'sim-batch',
    };
    this.nextID = this.options.firstBatchID;
  }

  /** The batch system's current time (epoch ms). */
  now(): number {
    return this.clock();
  }

  /** The host jobs are submitted to. */
  get submissionHost(): string {
    return this.options.submissionHost;
  }

  /** Changes behaviour for jobs submitted from now on (and the payload hook for jobs not started). */
  configure(options: ReconfigurableBatchOptions): void {
    this.options = { ...this.options, ...options };
  }

  // ---------------------------------------------------------------- availability and faults

  /** false: every call throws BatchSystemUnavailableError until set back to true. */
  setAvailable(available: boolean): void {
    this.available = available;
  }

  isAvailable(): boolean {
    return this.available;
  }

  /** The next `times` calls of `method` (or of any method with `'*'`) throw BatchSystemUnavailableError. */
  failNext(method: BatchMethod | '*', times = 1): void {
    this.faults.push({ method, remaining: times });
  }

  /** Resets the call counters. */
  resetCalls(): void {
    for (const m of BATCH_METHODS) this.calls[m] = 0;
  }

  private enter(method: BatchMethod): void {
    this.calls[method] += 1;
    if (!this.available) throw new BatchSystemUnavailableError(method);
    const fault = this.faults.find((f) => (f.method === '*' || f.method === method) && f.remaining > 0);
    if (fault) {
      fault.remaining -= 1;
      if (fault.remaining === 0) this.faults.splice(this.faults.indexOf(fault), 1);
      throw new BatchSystemUnavailableError(method, { injected: true });
    }
  }

  // ---------------------------------------------------------------- the batch system's API

  /** Submits jobs; one result per request, in order. */
  async submit(requests: readonly BatchSubmitRequest[]): Promise<BatchSubmitResult[]> {
    this.enter('submit');
    await this.advance();
    const now = this.clock();
    return requests.map((request) => {
      // Always the same number of draws per request, so one refusal does not shift later jobs.
      const refusedByChance = this.random.chance(this.options.submitFailureRate);
      const delay = Math.max(0, this.random.pick(this.options.queueDelayMs));
      const duration = Math.max(0, this.random.pick(this.options.runDurationMs));
      const failure = this.random.chance(this.options.failureRate);
      const node = this.options.nodes[this.random.int(0, this.options.nodes.length - 1)] ?? 'simnode01';

      if (typeof request?.name !== 'string' || request.name === '') {
        return { ok: false, error: 'invalid job: a non-empty name is required' };
      }
      const nCore = request.nCore ?? 1;
      if (!Number.isInteger(nCore) || nCore < 1) {
        return {
          ok: false,
          error: `invalid job ${request.name}: nCore must be a positive integer, got ${nCore}`,
        };
      }
      const refusal = this.options.refuse?.(request);
      if (refusal !== undefined) return { ok: false, error: refusal };
      if (refusedByChance) return { ok: false, error: `submission of ${request.name} refused (simulated)` };

      const batchID = `${this.options.batchIDPrefix}${this.nextID++}`;
      const record: JobRecord = {
        seq: this.seq++,
        info: {
          batchID,
          name: request.name,
          state: 'pending',
          exitCode: null,
          submitTime: now,
          startTime: null,
          endTime: null,
          node,
          queue: request.queue ?? null,
          nCore,
          accessPoint: request.accessPoint,
          attributes: { ...(request.attributes ?? {}) },
          submissionHost: this.options.submissionHost,
          diag: null,
        },
        plannedDelay: delay,
        plannedDuration: duration,
        plannedFailure: failure,
        payloadCalls: 0,
        payload: undefined,
        forgotten: false,
      };
      this.jobsByID.set(batchID, record);
      return { ok: true, batchID };
    });
  }

  /** The state of jobs, one result per ID, in order; `unknown` for IDs it does not know (any more). */
  async query(batchIDs: readonly string[]): Promise<BatchQueryResult[]> {
    this.enter('query');
    await this.advance();
    return batchIDs.map((batchID) => {
      const job = this.jobsByID.get(batchID);
      if (!job || job.forgotten) return { batchID, state: 'unknown' };
      return this.view(job);
    });
  }

  /** Jobs carrying each name (oldest first), one list per name, in order; forgotten jobs are left out. */
  async findByName(names: readonly string[]): Promise<BatchJobInfo[][]> {
    this.enter('findByName');
    await this.advance();
    return names.map((name) =>
      this.sorted()
        .filter((j) => !j.forgotten && j.info.name === name)
        .map((j) => this.view(j)),
    );
  }

  /**
   * Kills jobs; one result per ID, in order. A pending or running job becomes cancelled; killing
   * a job that already ended is a success that changes nothing; an unknown ID is an error.
   */
  async kill(batchIDs: readonly string[], reason = 'killed by request'): Promise<BatchKillResult[]> {
    this.enter('kill');
    await this.advance();
    const now = this.clock();
    return batchIDs.map((batchID) => {
      const job = this.jobsByID.get(batchID);
      if (!job || job.forgotten) return { batchID, ok: false, error: `unknown batch job ${batchID}` };
      const previousState = job.info.state;
      if (!FINAL_BATCH_JOB_STATES.has(previousState)) this.cancel(job, now, reason);
      return { batchID, ok: true, previousState };
    });
  }

  // ---------------------------------------------------------------- time

  /**
   * Brings every job up to the clock's current time: due jobs start (their payload hook runs,
   * once, and is awaited) and due jobs end. Called by every method; call it directly to make
   * progress without counting a call.
   */
  async advance(): Promise<void> {
    const now = this.clock();
    const starting = this.sorted()
      .filter((j) => j.info.state === 'pending' && j.info.submitTime + j.plannedDelay <= now)
      .sort(
        (a, b) => a.info.submitTime + a.plannedDelay - (b.info.submitTime + b.plannedDelay) || a.seq - b.seq,
      );
    for (const job of starting) {
      if (job.info.state !== 'pending') continue;
      job.info.state = 'running';
      job.info.startTime = job.info.submitTime + job.plannedDelay;
      job.payload = this.runPayload(job);
      await job.payload;
    }
    for (const job of this.sorted()) {
      if (job.info.state !== 'running' || job.info.startTime === null) continue;
      const end = job.info.startTime + job.plannedDuration;
      if (end > now) continue;
      const outcome = job.payload ? await job.payload : { exitCode: undefined, error: undefined };
      if (job.info.state !== 'running') continue; // killed while the payload ran
      this.end(job, end, outcome);
    }
    const forgetAfter = this.options.forgetFinishedAfterMs;
    if (forgetAfter !== undefined) {
      for (const job of this.jobsByID.values()) {
        if (job.info.endTime !== null && job.info.endTime + forgetAfter <= now) job.forgotten = true;
      }
    }
  }

  private runPayload(job: JobRecord): Promise<PayloadOutcome> {
    const hook = this.options.payload;
    if (!hook) return Promise.resolve({ exitCode: undefined, error: undefined });
    job.payloadCalls += 1;
    const view = this.view(job) as BatchPayloadJob;
    return (async () => {
      try {
        const code = await hook(view);
        if (code === undefined || code === null) return { exitCode: undefined, error: undefined };
        if (typeof code !== 'number' || !Number.isInteger(code)) {
          return { exitCode: undefined, error: `payload hook returned ${String(code)}, not an exit code` };
        }
        return { exitCode: code, error: undefined };
      } catch (err) {
        return { exitCode: undefined, error: `payload hook threw: ${errorMessage(err)}` };
      }
    })();
  }

  private end(job: JobRecord, at: number, outcome: PayloadOutcome): void {
    let exitCode: number;
    let diag: string | null = null;
    if (outcome.error !== undefined) {
      exitCode = this.options.failureExitCode;
      diag = outcome.error;
    } else if (outcome.exitCode !== undefined) {
      exitCode = outcome.exitCode;
    } else {
      exitCode = job.plannedFailure ? this.options.failureExitCode : 0;
      if (job.plannedFailure) diag = 'simulated payload failure';
    }
    if (exitCode !== 0 && diag === null) diag = `payload exited with code ${exitCode}`;
    job.info.state = exitCode === 0 ? 'completed' : 'failed';
    job.info.exitCode = exitCode;
    job.info.endTime = at;
    job.info.diag = diag;
  }

  private cancel(job: JobRecord, at: number, reason: string): void {
    job.info.state = 'cancelled';
    job.info.exitCode = null;
    job.info.endTime = at;
    job.info.diag = reason;
  }

  private view(job: JobRecord): BatchJobInfo {
    const info = copyInfo(job.info);
    if (info.state === 'pending') info.node = null;
    return info;
  }

  private sorted(): JobRecord[] {
    return [...this.jobsByID.values()].sort((a, b) => a.seq - b.seq);
  }

  // ---------------------------------------------------------------- test controls and inspection

  /** Ends a pending or running job now with `exitCode`, without running its payload hook. */
  forceEnd(batchID: string, exitCode: number, diag?: string): void {
    const job = this.require(batchID);
    if (FINAL_BATCH_JOB_STATES.has(job.info.state)) {
      throw new Error(`batch job ${batchID} already ended (${job.info.state})`);
    }
    const now = this.clock();
    if (job.info.startTime === null) job.info.startTime = now;
    this.end(job, now, { exitCode, error: undefined });
    if (diag !== undefined) job.info.diag = diag;
  }

  /** Makes jobs disappear, as a batch system purges old jobs: query answers unknown for them. */
  forget(batchIDs: readonly string[]): void {
    for (const id of batchIDs) this.require(id).forgotten = true;
  }

  /** Every job ever submitted (forgotten ones too), oldest first; snapshots. */
  jobs(): SimulatedBatchJob[] {
    return this.sorted().map((j) => this.snapshot(j));
  }

  /** One job by batch ID, or undefined. */
  job(batchID: string): SimulatedBatchJob | undefined {
    const j = this.jobsByID.get(batchID);
    return j ? this.snapshot(j) : undefined;
  }

  /** Jobs carrying a name (forgotten ones too), oldest first: more than one means a duplicate. */
  jobsNamed(name: string): SimulatedBatchJob[] {
    return this.jobs().filter((j) => j.name === name);
  }

  /** The number of jobs (not forgotten) in each state, as of the last advance. */
  countByState(): Record<BatchJobState, number> {
    const counts: Record<BatchJobState, number> = {
      pending: 0,
      running: 0,
      completed: 0,
      failed: 0,
      cancelled: 0,
    };
    for (const j of this.jobsByID.values()) if (!j.forgotten) counts[j.info.state] += 1;
    return counts;
  }

  private require(batchID: string): JobRecord {
    const job = this.jobsByID.get(batchID);
    if (!job) throw new Error(`unknown batch job ${batchID}`);
    return job;
  }

  private snapshot(job: JobRecord): SimulatedBatchJob {
    return {
      ...this.view(job),
      plannedStartTime: job.info.submitTime + job.plannedDelay,
      plannedEndTime: job.info.submitTime + job.plannedDelay + job.plannedDuration,
      payloadCalls: job.payloadCalls,
      forgotten: job.forgotten,
    };
  }
}
