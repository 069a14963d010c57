// HTTP(S) requests to the PanDA server: keep-alive agents with at most nConnections sockets per
// server and credentials, a timeout per attempt, a deadline per call, and retries with
// exponential backoff and jitter. An idempotent request (an update, a check, a heartbeat) is
// retried on network errors, timeouts and HTTP 5xx. A request that hands something out (jobs,
// commands, event ranges) is retried only when it provably never reached the server (no
// connection, no TLS session, or a reused keep-alive connection reset before any answer): after
// a timeout, a 5xx or a reset of a fresh connection the server may have handed the items out
// already, and asking again at once would strand more of them. Anything else (2xx, 4xx, an
// argument error in a 200 envelope) is the caller's to interpret and is never retried. The
// host's AbortSignals cut a request or a backoff short.
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { errorText, HarvesterError, type PluginLogger } from '@harvester-ts/core';
import type { AuthResolver, Credentials } from './auth.js';
import { bodyText, legacyArgumentError } from './responses.js';

/** One logical request (retried as a whole). */
export interface PandaRequest {
  /** For diagnostics: `pilot/update_jobs_bulk`, `getJob`, ... */
  endpoint: string;
  method: 'GET' | 'POST';
  url: URL;
  /** Set for POST: the body and its exact Content-Type. */
  body?: { contentType: string; data: string };
  /** The server API: only on the legacy one is an HTTP 500 TypeError an argument error. */
  api: 'v1' | 'legacy';
  /**
   * False for a call that hands something out (pilot/acquire_jobs, harvester/acquire_commands,
   * event/acquire_event_ranges and their legacy forms): retried only when the request provably
   * never reached the server. Default true.
   */
  idempotent?: boolean;
  /** The answer may hold secrets (job dictionaries): no body snippet in diagnostics. */
  redactAnswer?: boolean;
}

export interface PandaResponse {
  endpoint: string;
  status: number;
  body: string;
  /** Set when the request asked for it: diagnostics leave the body out. */
  redact?: boolean;
}

/**
 * Why a request failed: the server could not be reached or kept failing (`unavailable`), the call
 * was aborted, no credentials could be read, or the server refused the call's arguments
 * (`refused`: a legacy HTTP 500 TypeError, which no retry can fix).
 */
export type PandaRequestFailure = 'unavailable' | 'aborted' | 'credentials' | 'refused';

/** A request that failed after its retries, was aborted, refused, or could not be authenticated. */
export class PandaRequestError extends HarvesterError {
  constructor(
    message: string,
    context: { endpoint: string; attempts?: number; status?: number },
    readonly failure: PandaRequestFailure,
    options?: { cause?: unknown },
  ) {
    super('PANDA_REQUEST_FAILED', message, context, options);
  }
}

export interface TransportOptions {
  timeoutMs: number;
  /** No attempt starts (and none runs) past this long after the call began. */
  callDeadlineMs: number;
  /** Answers larger than this (as received, and after gunzip) are refused. */
  maxResponseBytes: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  nConnections: number;
  /** Server CA bundle (PEM); undefined: Node's defaults. */
  ca: Buffer | undefined;
  auth: AuthResolver;
  logger: PluginLogger;
  /** The plugin's lifetime signal. */
  signal: AbortSignal;
}

const MAX_BACKOFF_MS = 30_000;

/** The delay before retry `attempt` (1-based): base·2^(attempt-1), scaled by a jitter in [0.5, 1). */
export function backoffDelay(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const exp = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (attempt - 1));
  return Math.round(exp * (0.5 + random() / 2));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

class AttemptTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms / 1000} s`);
  }
}

/**
 * A failed attempt, and whether the request provably never reached the server (so that even a
 * request that hands something out may be sent again).
 */
class AttemptError extends Error {
  constructor(
    readonly error: unknown,
    readonly unsent: boolean,
  ) {
    super(errorText(error));
  }
}

/** Errors of an answer that came but cannot be used (too large): retrying cannot help. */
class AnswerRefused extends Error {}

/** A free keep-alive socket from a retired agent, closed without waiting for the server. */
function destroyFreeSockets(agent: http.Agent): void {
  for (const sockets of Object.values(agent.freeSockets)) for (const s of sockets ?? []) s.destroy();
}

function isIdle(agent: http.Agent): boolean {
  const busy = (m: NodeJS.ReadOnlyDict<unknown[]>) => Object.values(m).some((l) => (l?.length ?? 0) > 0);
  return !busy(agent.sockets) && !busy(agent.requests);
}

export class PandaTransport {
  /** Agents by protocol and certificate files; a renewed certificate replaces its agent. */
  private readonly agents = new Map<string, { id: string; agent: http.Agent }>();
  /** Agents replaced after a certificate renewal, kept until their last request is done. */
  private readonly retired = new Set<http.Agent>();

  constructor(private readonly options: TransportOptions) {}

  private agentFor(url: URL, creds: Credentials): http.Agent {
    const key = `${url.protocol}|${creds.tls?.name ?? ''}`;
    const id = creds.tls?.id ?? '';
    const known = this.agents.get(key);
    if (known && known.id === id) return known.agent;
    if (known) this.retire(known.agent);
    const common = {
      keepAlive: true,
      maxSockets: this.options.nConnections,
      maxFreeSockets: this.options.nConnections,
      scheduling: 'lifo' as const,
    };
    const agent =
      url.protocol === 'https:'
        ? new https.Agent({
            ...common,
            ...(this.options.ca ? { ca: this.options.ca } : {}),
            ...(creds.tls ? { cert: creds.tls.cert, key: creds.tls.key } : {}),
          })
        : new http.Agent(common);
    this.agents.set(key, { id, agent });
    return agent;
  }

  /**
   * The certificate changed: new connections must present the new one. The old agent's idle
   * connections are closed; its requests in flight (other chunks of a call) finish on their
   * connections, which are then closed instead of pooled (no free socket is kept).
   */
  private retire(agent: http.Agent): void {
    for (const old of this.retired) if (isIdle(old)) this.retired.delete(old);
    agent.maxFreeSockets = 0;
    destroyFreeSockets(agent);
    if (!isIdle(agent)) this.retired.add(agent);
  }

  /** Closes every pooled connection (for a clean shutdown or the end of a test). */
  close(): void {
    for (const { agent } of this.agents.values()) agent.destroy();
    for (const agent of this.retired) agent.destroy();
    this.agents.clear();
    this.retired.clear();
  }

  /**
   * Sends the request: an idempotent one is retried after network errors, timeouts and 5xx, one
   * that hands something out only when it never reached the server; at most maxRetries times,
   * and never past the call deadline. Resolves with any other answer (2xx to 4xx); rejects with
   * PandaRequestError.
   */
  async send(request: PandaRequest, callSignal?: AbortSignal): Promise<PandaResponse> {
    const { options } = this;
    const signal = callSignal ? AbortSignal.any([options.signal, callSignal]) : options.signal;
    const idempotent = request.idempotent !== false;
    const deadline = Date.now() + options.callDeadlineMs;
    const attempts = options.maxRetries + 1;
    const fail = (why: string, attempt: number, status?: number) =>
      new PandaRequestError(
        `${request.endpoint}: ${why}`,
        { endpoint: request.endpoint, attempts: attempt, ...(status !== undefined ? { status } : {}) },
        'unavailable',
      );
    let lastError = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (signal.aborted) break;
      let retryable: boolean;
      let status: number | undefined;
      try {
        const creds = await this.credentials(request);
        // Aborted while the credentials were read: nothing may go out any more.
        if (signal.aborted) break;
        const started = Date.now();
        const timeoutMs = Math.max(1, Math.min(options.timeoutMs, deadline - started));
        const response = await this.attempt(request, creds, signal, timeoutMs);
        options.logger.debug(
          { endpoint: request.endpoint, status: response.status, ms: Date.now() - started, attempt },
          'PanDA request',
        );
        if (response.status < 500) return response;
        status = response.status;
        if (request.api === 'legacy') {
          const typeError = legacyArgumentError(response.body);
          if (typeError !== undefined)
            throw new PandaRequestError(
              `${request.endpoint}: HTTP ${response.status}: ${typeError}`,
              { endpoint: request.endpoint, attempts: attempt, status: response.status },
              'refused',
            );
        }
        lastError = `HTTP ${response.status}: ${bodyText(response.body, request.redactAnswer === true)}`;
        // The server got the request: what it did before failing is unknown.
        retryable = idempotent;
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof PandaRequestError) throw err;
        if (err instanceof AnswerRefused) throw fail(err.message, attempt);
        lastError = errorText(err);
        retryable = idempotent || (err instanceof AttemptError && err.unsent);
      }
      if (!retryable)
        throw fail(
          `${lastError} (not sent again: the server may have handed out what was asked for; asked again next cycle)`,
          attempt,
          status,
        );
      if (attempt >= attempts) break;
      const delay = backoffDelay(attempt, options.retryBaseDelayMs);
      if (Date.now() + delay >= deadline)
        throw fail(
          `no further attempt after ${attempt}: the call deadline of ${options.callDeadlineMs / 1000} s (callDeadlineSeconds) is reached; last error: ${lastError}`,
          attempt,
        );
      options.logger.warn(
        { endpoint: request.endpoint, attempt, delayMs: delay, err: lastError },
        'PanDA request failed; retrying',
      );
      try {
        await sleep(delay, signal);
      } catch {
        break;
      }
    }
    if (signal.aborted) {
      throw new PandaRequestError(
        `${request.endpoint}: aborted${lastError ? ` (last error: ${lastError})` : ''}`,
        { endpoint: request.endpoint },
        'aborted',
      );
    }
    throw fail(`failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${lastError}`, attempts);
  }

  private async credentials(request: PandaRequest): Promise<Credentials> {
    try {
      return await this.options.auth.sourceFor(request.url).get();
    } catch (err) {
      // Not retried within the call: the next call looks again (a token file may appear).
      throw new PandaRequestError(
        `${request.endpoint}: no credentials: ${errorText(err)}`,
        { endpoint: request.endpoint },
        'credentials',
        { cause: err },
      );
    }
  }

  private attempt(
    request: PandaRequest,
    creds: Credentials,
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<PandaResponse> {
    // An abort listener added to an aborted signal never fires: check first.
    if (signal.aborted) return Promise.reject(signal.reason);
    const { url } = request;
    const tls = url.protocol === 'https:';
    const mod = tls ? https : http;
    const limit = this.options.maxResponseBytes;
    const headers: Record<string, string> = {
      // The server answers a Python repr unless it sees exactly this (GETs included).
      Accept: 'application/json',
      ...creds.headers,
    };
    let payload: Buffer | undefined;
    if (request.body) {
      payload = Buffer.from(request.body.data, 'utf8');
      headers['Content-Type'] = request.body.contentType;
      headers['Content-Length'] = String(payload.length);
    }
    return new Promise<PandaResponse>((resolve, reject) => {
      let settled = false;
      // Whether the request may have reached the server: a connection (and TLS session) was
      // established for it, or it went out on a reused one.
      let connected = false;
      let answered = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        fn();
      };
      const failed = (err: unknown) => {
        const code = (err as { code?: unknown })?.code;
        // Never connected (refused, DNS, unreachable, TLS handshake), or the keep-alive race: a
        // reused connection the server had closed, reset before any byte of an answer.
        const unsent =
          (!connected && !req.reusedSocket) || (req.reusedSocket && !answered && code === 'ECONNRESET');
        finish(() => reject(new AttemptError(err, unsent)));
      };
      const req = mod.request(url, { method: request.method, headers, agent: this.agentFor(url, creds) });
      req.on('socket', (socket: Socket) => {
        if (req.reusedSocket) connected = true;
        else
          socket.once(tls ? 'secureConnect' : 'connect', () => {
            connected = true;
          });
      });
      const onAbort = () => {
        req.destroy();
        finish(() => reject(signal.reason));
      };
      const timer = setTimeout(() => {
        const err = new AttemptTimeout(timeoutMs);
        req.destroy(err);
        finish(() => reject(err));
      }, timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('error', failed);
      req.on('response', (res) => {
        answered = true;
        const tooLarge = (what: string) =>
          new AnswerRefused(
            `HTTP ${res.statusCode ?? 0}: the answer${what} exceeds maxResponseBytes (${limit} bytes); not read`,
          );
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > limit) {
          req.destroy();
          finish(() => reject(tooLarge(` (Content-Length ${declared})`)));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > limit) {
            req.destroy();
            finish(() => reject(tooLarge('')));
            return;
          }
          chunks.push(c);
        });
        res.on('error', failed);
        res.on('aborted', () => failed(new Error('connection closed during the answer')));
        res.on('end', () => {
          let raw = Buffer.concat(chunks);
          if (/\bgzip\b/i.test(String(res.headers['content-encoding'] ?? ''))) {
            try {
              raw = gunzipSync(raw, { maxOutputLength: limit });
            } catch (err) {
              const code = (err as { code?: unknown })?.code;
              finish(() =>
                reject(
                  code === 'ERR_BUFFER_TOO_LARGE'
                    ? tooLarge(' (decompressed)')
                    : new Error(`undecodable gzip answer: ${errorText(err)}`),
                ),
              );
              return;
            }
          }
          const response: PandaResponse = {
            endpoint: request.endpoint,
            status: res.statusCode ?? 0,
            body: raw.toString('utf8'),
          };
          if (request.redactAnswer) response.redact = true;
          finish(() => resolve(response));
        });
      });
      req.end(payload);
    });
  }
}
