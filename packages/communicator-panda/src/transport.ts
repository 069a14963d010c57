// HTTP(S) requests to the PanDA server: keep-alive agents with at most nConnections sockets per
// server and credentials, a timeout per attempt, and retries with exponential backoff and jitter
// on network errors, timeouts and HTTP 5xx. Anything else (2xx, 4xx, an argument error in a 200
// envelope) is the caller's to interpret and is never retried. The host's AbortSignals cut a
// request or a backoff short.
import http from 'node:http';
import https from 'node:https';
import { gunzipSync } from 'node:zlib';
import { errorText, HarvesterError, type PluginLogger } from '@harvester-ts/core';
import type { AuthResolver, Credentials } from './auth.js';
import { isLegacyArgumentError, snippet } from './responses.js';

/** One logical request (retried as a whole). */
export interface PandaRequest {
  /** For diagnostics: `pilot/update_jobs_bulk`, `getJob`, ... */
  endpoint: string;
  method: 'GET' | 'POST';
  url: URL;
  /** Set for POST: the body and its exact Content-Type. */
  body?: { contentType: string; data: string };
}

export interface PandaResponse {
  endpoint: string;
  status: number;
  body: string;
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

/** Whether a failed attempt may be tried again: network errors and timeouts, not our own verdicts. */
function isRetryableError(err: unknown): boolean {
  return !(err instanceof PandaRequestError);
}

export class PandaTransport {
  /** Agents by protocol and certificate files; a renewed certificate replaces its agent. */
  private readonly agents = new Map<string, { id: string; agent: http.Agent }>();

  constructor(private readonly options: TransportOptions) {}

  private agentFor(url: URL, creds: Credentials): http.Agent {
    const key = `${url.protocol}|${creds.tls?.name ?? ''}`;
    const id = creds.tls?.id ?? '';
    const known = this.agents.get(key);
    if (known && known.id === id) return known.agent;
    // The certificate changed: new connections must present the new one (idle ones close).
    known?.agent.destroy();
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

  /** Closes every pooled connection (for a clean shutdown or the end of a test). */
  close(): void {
    for (const { agent } of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  /**
   * Sends the request, retrying network errors, timeouts and 5xx up to maxRetries times.
   * Resolves with any other answer (2xx to 4xx); rejects with PandaRequestError.
   */
  async send(request: PandaRequest, callSignal?: AbortSignal): Promise<PandaResponse> {
    const { options } = this;
    const signal = callSignal ? AbortSignal.any([options.signal, callSignal]) : options.signal;
    const attempts = options.maxRetries + 1;
    let lastError = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (signal.aborted) break;
      try {
        const creds = await this.credentials(request);
        const started = Date.now();
        const response = await this.attempt(request, creds, signal);
        options.logger.debug(
          { endpoint: request.endpoint, status: response.status, ms: Date.now() - started, attempt },
          'PanDA request',
        );
        if (response.status < 500) return response;
        lastError = `HTTP ${response.status}: ${snippet(response.body)}`;
        if (isLegacyArgumentError(response.body))
          throw new PandaRequestError(
            `${request.endpoint}: ${lastError}`,
            { endpoint: request.endpoint, attempts: attempt, status: response.status },
            'refused',
          );
      } catch (err) {
        if (signal.aborted) break;
        if (!isRetryableError(err)) throw err;
        lastError = errorText(err);
      }
      if (attempt < attempts) {
        const delay = backoffDelay(attempt, options.retryBaseDelayMs);
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
    }
    if (signal.aborted) {
      throw new PandaRequestError(
        `${request.endpoint}: aborted${lastError ? ` (last error: ${lastError})` : ''}`,
        { endpoint: request.endpoint },
        'aborted',
      );
    }
    throw new PandaRequestError(
      `${request.endpoint}: failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${lastError}`,
      { endpoint: request.endpoint, attempts },
      'unavailable',
    );
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

  private attempt(request: PandaRequest, creds: Credentials, signal: AbortSignal): Promise<PandaResponse> {
    const { url } = request;
    const mod = url.protocol === 'https:' ? https : http;
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
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        fn();
      };
      const req = mod.request(url, { method: request.method, headers, agent: this.agentFor(url, creds) });
      const onAbort = () => {
        req.destroy();
        finish(() => reject(signal.reason));
      };
      const timer = setTimeout(() => {
        const err = new AttemptTimeout(this.options.timeoutMs);
        req.destroy(err);
        finish(() => reject(err));
      }, this.options.timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('error', (err) => finish(() => reject(err)));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => finish(() => reject(err)));
        res.on('aborted', () => finish(() => reject(new Error('connection closed during the answer'))));
        res.on('end', () => {
          let raw = Buffer.concat(chunks);
          if (/\bgzip\b/i.test(String(res.headers['content-encoding'] ?? ''))) {
            try {
              raw = gunzipSync(raw);
            } catch (err) {
              finish(() => reject(new Error(`undecodable gzip answer: ${errorText(err)}`)));
              return;
            }
          }
          finish(() =>
            resolve({ endpoint: request.endpoint, status: res.statusCode ?? 0, body: raw.toString('utf8') }),
          );
        });
      });
      req.end(payload);
    });
  }
}
