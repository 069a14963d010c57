// The PanDA server as the engine's WMS: every Communicator method over API v1 (or the legacy
// API), chunked where the server expects it, with one Outcome per item mapped back in order.
// A failed request fails only the items it carried; a malformed or short answer fails only the
// items it does not answer for.
import { readFile } from 'node:fs/promises';
import {
  type CallOptions,
  type Communicator,
  type DiagSpec,
  defineCommunicator,
  type EventRange,
  type EventRangeRequest,
  type EventRangeUpdateBatch,
  errorText,
  fatal,
  type GetJobsRequest,
  type HeartbeatData,
  type JobCheck,
  type JobParams,
  type JobSpec,
  type JobUpdateAccepted,
  mapLimit,
  type Outcome,
  type PluginContext,
  retryLater,
  success,
  type WmsCommand,
  type WorkerStats,
  type WorkSpec,
} from '@harvester-ts/core';
import { each, type PandaCall, type PandaDialect } from './api.js';
import { legacyDialect } from './api-legacy.js';
import { v1Dialect } from './api-v1.js';
import { AuthResolver, PandaCredentialError } from './auth.js';
import { chunkBy, chunkByWeight } from './chunks.js';
import { PANDA_COMPATIBILITY, type PandaCommunicatorOptions, pandaCommunicatorOptions } from './options.js';
import { parseCommand, usableJobDicts } from './records.js';
import type { HttpAnswer } from './responses.js';
import { type PandaRequest, PandaRequestError, PandaTransport } from './transport.js';

/** What the v1 server answers to the first heartbeat of a harvester instance. */
const FIRST_HEARTBEAT_MESSAGE = 'database error in the PanDA server';

type Exchange = { ok: true; answer: HttpAnswer } | { ok: false; outcome: Outcome<never> };

/** The communicator instance; `close()` drops pooled connections (the engine never needs it). */
export interface PandaCommunicatorInstance extends Required<Communicator> {
  readonly api: 'v1' | 'legacy';
  close(): void;
}

class PandaSession implements PandaCommunicatorInstance {
  readonly api: 'v1' | 'legacy';
  private readonly dialect: PandaDialect;
  /** getJobCriteria keys already warned about (the warning would repeat every fetch cycle). */
  private readonly warnedCriteria = new Set<string>();

  constructor(
    private readonly options: PandaCommunicatorOptions,
    private readonly ctx: PluginContext,
    private readonly transport: PandaTransport,
  ) {
    this.dialect = options.api === 'legacy' ? legacyDialect : v1Dialect;
    this.api = this.dialect.api;
  }

  close(): void {
    this.transport.close();
  }

  private request(call: PandaCall): PandaRequest {
    const url = new URL(`${this.options.url}${this.dialect.basePath}/${call.endpoint}`);
    for (const [k, v] of call.query ?? []) url.searchParams.append(k, v);
    const request: PandaRequest = {
      endpoint: call.endpoint,
      method: call.method,
      url,
      api: this.api,
      idempotent: call.idempotent !== false,
      redactAnswer: call.redactAnswer === true,
    };
    if (call.json !== undefined) {
      // Exactly this Content-Type, or the server parses the body as a form and sees no parameters.
      request.body = { contentType: 'application/json', data: JSON.stringify(call.json) };
    } else if (call.form !== undefined) {
      request.body = {
        contentType: 'application/x-www-form-urlencoded',
        data: new URLSearchParams(call.form).toString(),
      };
    }
    return request;
  }

  /** Sends one call; a request that failed for good becomes the Outcome of all it carried. */
  private async exchange(call: PandaCall, options?: CallOptions): Promise<Exchange> {
    try {
      const answer = await this.transport.send(this.request(call), options?.signal);
      return { ok: true, answer };
    } catch (err) {
      if (err instanceof PandaRequestError) {
        this.ctx.logger.warn(
          { endpoint: call.endpoint, failure: err.failure, err: err.message },
          'PanDA request failed',
        );
        return {
          ok: false,
          outcome: err.failure === 'refused' ? fatal(err.message) : retryLater(err.message),
        };
      }
      throw err;
    }
  }

  async getJobs(request: GetJobsRequest, call?: CallOptions): Promise<Outcome<JobParams[]>> {
    if (request.nJobs <= 0) return success([]);
    const { call: pandaCall, dropped } = this.dialect.getJobs(request, this.ctx.harvesterId);
    const fresh = dropped.filter((k) => !this.warnedCriteria.has(k));
    if (fresh.length > 0) {
      for (const k of fresh) this.warnedCriteria.add(k);
      this.ctx.logger.warn(
        { criteria: fresh, api: this.api, siteName: request.siteName },
        'getJobCriteria keys without a parameter in the PanDA API are not sent',
      );
    }
    const x = await this.exchange(pandaCall, call);
    if (!x.ok) return x.outcome;
    const result = this.dialect.getJobsResult(x.answer);
    if (result.kind !== 'success') return result;
    const { jobs, dropped: bad } = usableJobDicts(result.value);
    for (const why of bad)
      this.ctx.logger.error(
        { endpoint: pandaCall.endpoint, siteName: request.siteName, why },
        'job dictionary dropped',
      );
    if (jobs.length > 0)
      this.ctx.logger.info(
        { siteName: request.siteName, n: jobs.length, PandaIDs: jobs.map((j) => j.PandaID) },
        'jobs received from PanDA',
      );
    return bad.length > 0
      ? success(jobs, `${bad.length} malformed job dictionar${bad.length === 1 ? 'y' : 'ies'} dropped`)
      : success(jobs);
  }

  async updateJobs(
    jobs: JobSpec[],
    lockId: string,
    call?: CallOptions,
  ): Promise<Outcome<JobUpdateAccepted>[]> {
    if (jobs.length === 0) return [];
    const chunks = chunkBy(jobs, this.options.updateJobsChunkSize);
    const results = await mapLimit(chunks, this.options.nConnections, (chunk) =>
      this.updateJobsChunk(chunk, call),
    );
    const outcomes = results.flat();
    this.logItems(
      'job updates',
      lockId,
      jobs.map((j) => j.PandaID),
      outcomes,
    );
    return outcomes;
  }

  /**
   * One request of job updates. When the server refuses the whole list for an argument error of
   * some job (legacy updateJobsInBulk), each job is sent alone, so that only the job at fault is
   * refused (fatal) and the others go through (re-sending an applied update is harmless).
   */
  private async updateJobsChunk(chunk: JobSpec[], call?: CallOptions): Promise<Outcome<JobUpdateAccepted>[]> {
    const x = await this.exchange(this.dialect.updateJobs(chunk, this.ctx.harvesterId), call);
    if (!x.ok) return each(chunk.length, x.outcome);
    if (chunk.length === 1 || !this.dialect.updateJobsRefusedAsWhole(x.answer))
      return this.dialect.updateJobsResult(x.answer, chunk);
    this.ctx.logger.warn(
      { endpoint: x.answer.endpoint, n: chunk.length },
      'job updates refused as a whole for an argument error; sending each job alone',
    );
    const outcomes: Outcome<JobUpdateAccepted>[] = [];
    for (const job of chunk) outcomes.push(...(await this.updateJobsChunk([job], call)));
    return outcomes;
  }

  async checkJobs(jobs: JobSpec[], call?: CallOptions): Promise<Outcome<JobCheck>[]> {
    if (jobs.length === 0) return [];
    const chunks = chunkBy(
      jobs.map((j) => j.PandaID),
      this.options.checkJobsChunkSize,
    );
    const results = await mapLimit(chunks, this.options.nConnections, async (ids) => {
      const x = await this.exchange(this.dialect.checkJobs(ids), call);
      return x.ok ? this.dialect.checkJobsResult(x.answer, ids) : each(ids.length, x.outcome);
    });
    return results.flat();
  }

  async getEventRanges(
    requests: EventRangeRequest[],
    scattered: boolean,
    call?: CallOptions,
  ): Promise<Outcome<Record<string, EventRange[]>>> {
    if (requests.length === 0) return success({});
    const perRequest = await mapLimit(requests, this.options.nConnections, (r) =>
      this.eventRangesFor(r, scattered, call),
    );
    const got: Record<string, EventRange[]> = {};
    const failures: Outcome<never>[] = [];
    const notes: string[] = [];
    perRequest.forEach((o, i) => {
      const pandaID = String(requests[i]?.pandaID);
      if (o.kind === 'success') {
        got[pandaID] = [...(got[pandaID] ?? []), ...o.value];
        if (o.diag) notes.push(o.diag);
      } else {
        failures.push(o);
      }
    });
    const diags = [...failures.map((f) => (f.kind === 'success' ? '' : f.diag)), ...notes].join('; ');
    if (failures.length === requests.length) {
      // Nothing was obtained: fatal only when no request can ever succeed as made.
      return failures.every((f) => f.kind === 'fatal') ? fatal(diags) : retryLater(diags);
    }
    return diags ? success(got, diags) : success(got);
  }

  /** The ranges of one request, asked for in chunks; a failure after some chunks keeps what was got. */
  private async eventRangesFor(
    request: EventRangeRequest,
    scattered: boolean,
    call?: CallOptions,
  ): Promise<Outcome<EventRange[]>> {
    const ranges: EventRange[] = [];
    const notes: string[] = [];
    let remaining = Math.max(0, Math.floor(request.nRanges));
    while (remaining > 0) {
      const n = Math.min(this.options.eventRangesChunkSize, remaining);
      const pandaCall = this.dialect.getEventRanges(request, n, scattered);
      if (typeof pandaCall === 'string') return fatal(pandaCall);
      const x = await this.exchange(pandaCall, call);
      const o = x.ok ? this.dialect.getEventRangesResult(x.answer) : x.outcome;
      if (o.kind !== 'success') {
        // Ranges already handed out are the job's now: return them rather than lose them.
        if (ranges.length === 0) return o;
        notes.push(o.diag);
        break;
      }
      ranges.push(...o.value);
      if (o.diag) notes.push(o.diag);
      if (o.value.length < n) break; // the server has no more
      remaining -= n;
    }
    return notes.length > 0 ? success(ranges, notes.join('; ')) : success(ranges);
  }

  async updateEventRanges(batches: EventRangeUpdateBatch[], call?: CallOptions): Promise<Outcome[]> {
    if (batches.length === 0) return [];
    const chunks = chunkByWeight(batches, this.options.eventRangesChunkSize, (b) => b.eventRanges.length);
    const results = await mapLimit(chunks, this.options.nConnections, async (chunk) => {
      const x = await this.exchange(this.dialect.updateEventRanges(chunk), call);
      return x.ok ? this.dialect.updateEventRangesResult(x.answer, chunk) : each(chunk.length, x.outcome);
    });
    return results.flat();
  }

  async getCommands(nCommands: number, call?: CallOptions): Promise<Outcome<WmsCommand[]>> {
    if (nCommands <= 0) return success([]);
    const pandaCall = this.dialect.getCommands(nCommands, this.ctx.harvesterId);
    const x = await this.exchange(pandaCall, call);
    if (!x.ok) return x.outcome;
    const result = this.dialect.getCommandsResult(x.answer);
    if (result.kind !== 'success') return result;
    const commands: WmsCommand[] = [];
    for (const entry of result.value) {
      const c = parseCommand(entry);
      if (typeof c === 'string')
        this.ctx.logger.error({ endpoint: pandaCall.endpoint, why: c }, 'command dropped');
      else commands.push(c);
    }
    return success(commands);
  }

  async ackCommands(commandIDs: number[], call?: CallOptions): Promise<Outcome> {
    // The server refuses an empty list.
    if (commandIDs.length === 0) return success();
    return this.single(this.dialect.ackCommands(commandIDs), (a) => this.dialect.ackCommandsResult(a), call);
  }

  async updateWorkers(workers: WorkSpec[], call?: CallOptions): Promise<Outcome[]> {
    // The server refuses an empty list.
    if (workers.length === 0) return [];
    const x = await this.exchange(this.dialect.updateWorkers(workers, this.ctx.harvesterId), call);
    const outcomes = x.ok
      ? this.dialect.updateWorkersResult(x.answer, workers)
      : each(workers.length, x.outcome);
    this.logItems(
      'worker updates',
      undefined,
      workers.map((w) => w.workerID),
      outcomes,
    );
    return outcomes;
  }

  async isAlive(data: HeartbeatData, call?: CallOptions): Promise<Outcome> {
    const send = () =>
      this.single(
        this.dialect.isAlive(data, this.ctx.harvesterId),
        (a) => this.dialect.isAliveResult(a),
        call,
      );
    const first = await send();
    // The v1 server creates an instance's record on its first heartbeat and reports that as
    // "database error in the PanDA server": the next heartbeat is the real answer.
    if (first.kind === 'retry' && this.api === 'v1' && first.diag.endsWith(FIRST_HEARTBEAT_MESSAGE)) {
      this.ctx.logger.debug(
        {},
        'first heartbeat of this instance answered with a database error; sent again',
      );
      return send();
    }
    return first;
  }

  updateWorkerStats(siteName: string, stats: WorkerStats, call?: CallOptions): Promise<Outcome> {
    return this.single(
      this.dialect.updateWorkerStats(siteName, stats, this.ctx.harvesterId),
      (a) => this.dialect.updateWorkerStatsResult(a),
      call,
    );
  }

  async sendDialogMessages(dialogs: DiagSpec[], call?: CallOptions): Promise<Outcome> {
    if (dialogs.length === 0) return success();
    return this.single(
      this.dialect.sendDialogMessages(dialogs, this.ctx.harvesterId),
      (a) => this.dialect.sendDialogMessagesResult(a),
      call,
    );
  }

  private async single(
    pandaCall: PandaCall,
    read: (a: HttpAnswer) => Outcome,
    call?: CallOptions,
  ): Promise<Outcome> {
    const x = await this.exchange(pandaCall, call);
    return x.ok ? read(x.answer) : x.outcome;
  }

  /** One line per bulk call: how many items went through, and the first few problems. */
  private logItems(
    what: string,
    lockId: string | undefined,
    ids: number[],
    outcomes: Outcome<unknown>[],
  ): void {
    const failed = outcomes
      .map((o, i) => (o.kind === 'success' ? undefined : { id: ids[i], kind: o.kind, diag: o.diag }))
      .filter((f) => f !== undefined);
    if (failed.length === 0) {
      this.ctx.logger.debug({ n: outcomes.length, lockId }, `${what} delivered`);
      return;
    }
    this.ctx.logger.warn(
      {
        n: outcomes.length,
        failed: failed.length,
        fatal: failed.filter((f) => f.kind === 'fatal').length,
        first: failed.slice(0, 3),
        lockId,
      },
      `${what} not all delivered`,
    );
  }
}

/** Builds a session: reads every credential and the CA bundle now, so a bad path stops the start. */
export async function createPandaCommunicator(
  options: PandaCommunicatorOptions,
  ctx: PluginContext,
): Promise<PandaCommunicatorInstance> {
  const auth = await AuthResolver.create(options, ctx.logger);
  let ca: Buffer | undefined;
  if (options.caFile !== undefined) {
    try {
      ca = await readFile(options.caFile);
    } catch (err) {
      throw new PandaCredentialError(
        `caFile: cannot read the CA bundle ${options.caFile}: ${errorText(err)}`,
        {
          option: 'caFile',
          path: options.caFile,
        },
      );
    }
  }
  const usesX509 =
    options.auth.type === 'x509' || Object.values(options.hostAuth).some((a) => a.type === 'x509');
  if (usesX509 && options.url.startsWith('http:'))
    ctx.logger.warn(
      { url: options.url },
      'X.509 credentials are configured but the server URL is plain http',
    );
  const transport = new PandaTransport({
    timeoutMs: Math.round(options.timeoutSeconds * 1000),
    callDeadlineMs: Math.round(options.callDeadlineSeconds * 1000),
    maxResponseBytes: options.maxResponseBytes,
    maxRetries: options.maxRetries,
    retryBaseDelayMs: options.retryBaseDelayMs,
    nConnections: options.nConnections,
    ca,
    auth,
    logger: ctx.logger,
    signal: ctx.signal,
  });
  ctx.logger.info({ url: options.url, api: options.api }, 'PanDA communicator ready');
  return new PandaSession(options, ctx, transport);
}

/**
 * Communicator for the PanDA server: API v1 (`api: 'v1'`, default) or the legacy /server/panda
 * interface, OIDC token or X.509 authentication (per host), retries, chunking.
 */
export const PandaCommunicator = defineCommunicator({
  name: 'PandaCommunicator',
  compatibility: PANDA_COMPATIBILITY,
  description: 'Talks to a PanDA server (API v1 or the legacy API) over HTTP(S).',
  options: pandaCommunicatorOptions,
  create(options, ctx) {
    return createPandaCommunicator(options, ctx);
  },
});
