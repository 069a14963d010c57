// The harvester's HTTP API (node:http, no framework): JSON views of the database and kill
// requests. It listens on 127.0.0.1 unless configured otherwise; reads need no token, anything
// that changes state needs `Authorization: Bearer <http.token>` and is refused until a token is
// configured. Routes are in routes.ts.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Database, InstanceIdentity } from '@harvester-ts/engine';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { ResolvedConfig } from '../config/load-config.js';
import { HttpError, HttpListenError } from './errors.js';
import { ROUTES, type Route } from './routes.js';

/** Request bodies above this are refused (413). */
export const MAX_BODY_BYTES = 64 * 1024;

export interface HttpServerOptions {
  /** `http` of the resolved configuration (`enabled` is the caller's business). */
  config: Pick<ResolvedConfig['http'], 'host' | 'port' | 'token'>;
  ds: DataSource;
  /**
   * The engine's database handle, when the API runs next to the engine: every query then waits
   * its turn in the engine's queue (on SQLite a process has one connection, and our statements
   * must not run inside one of the engine's transactions).
   */
  db?: Pick<Database, 'read'>;
  identity: Pick<InstanceIdentity, 'harvesterId' | 'instance'>;
  logger: Logger;
  /** For /health (default: now). */
  startedAt?: Date;
  /** close(): how long requests in flight may take before their connections are cut. */
  closeTimeoutMs?: number;
}

export interface HttpServer {
  /** `http://<host>:<port>` as bound (port 0 in the configuration gives a free port). */
  url: string;
  host: string;
  port: number;
  /** Stops accepting, lets requests in flight finish, closes keep-alive connections. */
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

function shown(value: string): string {
  return value.length > 80 ? `${value.slice(0, 80)}…` : value;
}

function allowOf(route: Route): string {
  return Object.keys(route.methods)
    .flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]))
    .join(', ');
}

/** @throws HttpListenError when the host:port cannot be bound (in use, no permission, no such address) */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { config, ds, db, identity, logger } = options;
  const startedAt = options.startedAt ?? new Date();
  const closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
  // Both sides hashed: equal-length buffers for timingSafeEqual, and nothing about the token's
  // length leaks through timing either.
  const expectedToken = config.token ? sha256(config.token) : undefined;
  let closing = false;

  /** Runs a query in the engine's queue when there is one. */
  const query = <T>(fn: () => Promise<T>): Promise<T> => (db ? db.read(() => fn()) : fn());

  function authorize(header: string | undefined): void {
    if (!expectedToken) {
      throw new HttpError(
        403,
        'the HTTP API is read-only until http.token is set in the configuration: requests that change state are refused',
      );
    }
    const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
    if (!match?.[1]) {
      throw new HttpError(401, 'this request changes state: send Authorization: Bearer <http.token>', {
        'WWW-Authenticate': 'Bearer realm="harvester"',
      });
    }
    if (!timingSafeEqual(sha256(match[1]), expectedToken)) {
      throw new HttpError(401, 'the bearer token is not the configured http.token', {
        'WWW-Authenticate': 'Bearer realm="harvester", error="invalid_token"',
      });
    }
  }

  function readBody(req: IncomingMessage): Promise<unknown> {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
      return Promise.reject(tooLarge());
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        fn();
      };
      req.on('data', (chunk: Buffer) => {
        if (settled) return;
        size += chunk.length;
        if (size > MAX_BODY_BYTES) settle(() => reject(tooLarge()));
        else chunks.push(chunk);
      });
      req.on('end', () =>
        settle(() => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (text.trim() === '') return resolve(undefined);
          try {
            resolve(JSON.parse(text));
          } catch (err) {
            reject(new HttpError(400, `the body is not valid JSON: ${(err as Error).message}`));
          }
        }),
      );
      req.on('error', (err) => settle(() => reject(new HttpError(400, `reading the body: ${err.message}`))));
      req.on('close', () => settle(() => reject(new HttpError(400, 'the body was cut off'))));
    });
  }

  function tooLarge(): HttpError {
    return new HttpError(413, `the request body is larger than ${MAX_BODY_BYTES} bytes`);
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const text = `${JSON.stringify(body)}\n`;
    res.statusCode = status;
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.setHeader('Content-Type', JSON_TYPE);
    res.setHeader('Content-Length', Buffer.byteLength(text));
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // A body left unread (413) or a server closing: this connection ends with the response.
    if (closing || status === 413) res.setHeader('Connection', 'close');
    res.end(text);
  }

  // On a loopback address only loopback names are answered: a web page that rebinds its own
  // DNS name to 127.0.0.1 must not read the API through the operator's browser.
  const loopback = ['127.0.0.1', '::1', 'localhost'].includes(config.host) || config.host.startsWith('127.');
  function checkHost(host: string | undefined): void {
    if (!loopback) return;
    const name = (host ?? '')
      .replace(/:\d+$/, '')
      .replace(/^\[(.*)\]$/, '$1')
      .toLowerCase();
    if (!['localhost', '127.0.0.1', '::1'].includes(name) && !name.startsWith('127.')) {
      throw new HttpError(
        403,
        `host ${shown(host ?? '(none)')} is not served: this API answers loopback names only`,
      );
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const began = performance.now();
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    let path = q === -1 ? url : url.slice(0, q);
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    try {
      checkHost(req.headers.host);
      let route: Route | undefined;
      let params: string[] = [];
      for (const r of ROUTES) {
        const m = r.path.exec(path);
        if (m) {
          route = r;
          params = m.slice(1);
          break;
        }
      }
      if (!route) throw new HttpError(404, `no such path: ${shown(path)}`);
      const verb = method === 'HEAD' ? 'GET' : method;
      const handler = route.methods[verb as keyof Route['methods']];
      if (!handler) {
        const allow = allowOf(route);
        throw new HttpError(405, `${shown(method)} is not allowed on ${shown(path)} (allowed: ${allow})`, {
          Allow: allow,
        });
      }
      // Only reads go without the token; the body is read after it is checked, and before the
      // handler takes its turn at the database (a slow client must not hold the engine up).
      let body: unknown;
      if (verb !== 'GET') {
        authorize(req.headers.authorization);
        body = await readBody(req);
      }
      const ctx = {
        ds,
        identity,
        startedAt,
        params,
        query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1)),
        body,
      };
      const reply = await query(() => handler(ctx));
      send(res, reply.status ?? 200, reply.body);
    } catch (err) {
      if (err instanceof HttpError) {
        send(res, err.status, { error: err.message }, err.headers);
      } else {
        const message = err instanceof Error ? err.message : String(err);
        logger.error({ err, method, path }, 'HTTP API: request failed');
        send(res, 500, { error: message || 'internal error' });
      }
    }
    logger.debug(
      { method, path, status: res.statusCode, ms: Math.round(performance.now() - began) },
      'HTTP API request',
    );
  }

  const server = createServer((req, res) => {
    res.on('finish', () => {
      if (closing) server.closeIdleConnections();
    });
    handle(req, res).catch((err) => {
      logger.error({ err }, 'HTTP API: request failed');
      if (!res.headersSent) res.destroy();
    });
  });
  // A client that sends its headers slowly or never finishes its request is dropped.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(new HttpListenError(config.host, config.port, err));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host: config.host, port: config.port });
  });
  server.on('error', (err) => logger.error({ err }, 'HTTP API: server error'));

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    host: address.address,
    port: address.port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        const force = setTimeout(() => {
          logger.warn({ closeTimeoutMs }, 'HTTP API: requests still in flight, closing their connections');
          server.closeAllConnections();
        }, closeTimeoutMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        // Keep-alive connections waiting for a next request end now; busy ones after their response.
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}
