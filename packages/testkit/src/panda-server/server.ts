// The fake PanDA server: a real HTTP(S) server in front of a SimulatedWms, speaking API v1
// (/api/v1/<module>/<method>, also /api/latest/...) and the legacy /server/panda/<method> the
// way the real server does (see v1-api.ts, legacy-api.ts), recording every request for
// assertions and injecting HTTP-level faults.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { WmsGarbledResponseError, WmsUnavailableError } from '../errors.js';
import { SimulatedWms } from '../simulated-wms.js';
import { type AuthDecision, authenticate, type FakePandaAuthOptions } from './auth.js';
import { InvalidJsonError, parseForm, parseQuery, pyGunzip, pyJsonLoads } from './body.js';
import { DEFAULT_GARBAGE_BODY, type FakePandaFault, FaultQueue, proxyErrorPage } from './faults.js';
import { handleLegacy } from './legacy-api.js';
import { PyException, pyJsonDumps, pyRepr, pyTypeName } from './python.js';
import {
  DEFAULT_RESOURCE_TYPES,
  type FakePandaCredentials,
  type FakePandaResourceType,
  type RecordedHeartbeat,
  type RecordedServiceMetrics,
  type RecordedUpload,
  ServerState,
} from './state.js';
import { callV1, hasV1Endpoint } from './v1-api.js';

export interface FakePandaServerOptions {
  /** The state; a new SimulatedWms when omitted. */
  wms?: SimulatedWms;
  /** HTTPS when given, else HTTP. */
  tls?: { key: string | Buffer; cert: string | Buffer; ca?: string | Buffer };
  /** Omitted: no auth checks at all. */
  auth?: FakePandaAuthOptions;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** metaconfig/get_resource_types (legacy getResourceTypes); default ATLAS's four. */
  resourceTypes?: readonly FakePandaResourceType[];
  /** What the creds/* endpoints hand out. */
  credentials?: FakePandaCredentials;
}

export interface FakePandaRequest {
  method: string;
  /** Without the query. */
  path: string;
  api: 'v1' | 'legacy' | 'other';
  /** 'pilot/acquire_jobs' (v1) or 'getJob' (legacy). */
  endpoint: string;
  /** What the server parsed (JSON body, query or form), after casting. */
  params: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  /** HTTP status sent (0: none was, for the timeout and reset faults). */
  status: number;
  /** The envelope's success, when there was one. */
  success?: boolean;
  auth: 'token' | 'certificate' | 'none';
  /** Date.now() when the request arrived. */
  at: number;
  /** The fault that hit the request, if any. */
  fault?: FakePandaFault['kind'];
  /**
   * For the timeout and reset faults: whether the request was applied before the answer was
   * lost (`applied: true` in the fault).
   */
  applied?: boolean;
}

export type { FakePandaAuthOptions, FakePandaFault };

/** The answer to one request. */
interface Answer {
  status: number;
  contentType: string;
  body: string | Buffer;
  params: Record<string, unknown>;
  success?: boolean;
}

const V1_MODULE_FILES: Record<string, string> = {
  creds: 'credential_management_api',
};

function text(status: number, body: string, params: Record<string, unknown> = {}): Answer {
  return { status, contentType: 'text/plain', body, params };
}

interface Route {
  api: FakePandaRequest['api'];
  endpoint: string;
  /** Set for /api/<version>/... paths the server does not serve (answered 403). */
  forbidden?: string;
}

function route(path: string): Route {
  const fields = path.split('/');
  if (path.startsWith('/server/panda/') && fields.length === 4) {
    return { api: 'legacy', endpoint: fields[3] ?? '' };
  }
  if (path.startsWith('/api/') && fields.length === 5) {
    const [, , version, module = '', method = ''] = fields;
    const endpoint = `${module}/${method}`;
    if ((version === 'v1' || version === 'latest') && hasV1Endpoint(endpoint)) return { api: 'v1', endpoint };
    return { api: 'v1', endpoint, forbidden: method };
  }
  return { api: 'other', endpoint: path };
}

export class FakePandaServer {
  readonly wms: SimulatedWms;
  private readonly state: ServerState;
  private readonly server: Server;
  private readonly faults = new FaultQueue();
  private readonly recorded: FakePandaRequest[] = [];
  private readonly hanging = new Set<Socket>();
  private readonly sockets = new Set<Socket>();
  private address = '';

  constructor(private readonly options: FakePandaServerOptions = {}) {
    this.wms = options.wms ?? new SimulatedWms();
    this.state = new ServerState(
      this.wms,
      options.resourceTypes ?? DEFAULT_RESOURCE_TYPES,
      options.credentials ?? {},
    );
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.handle(req, res).catch((e: unknown) => {
        // A bug in the fake itself: answer like an unhandled exception in the real one.
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end(String(e instanceof Error ? e.message : e));
        }
      });
    };
    const tls = options.tls;
    this.server = tls
      ? createHttpsServer(
          {
            key: tls.key,
            cert: tls.cert,
            ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
            // Ask for a client certificate but let the request through without one: the real
            // server answers an unauthenticated request in PanDA's words, not with a TLS failure.
            requestCert: options.auth?.clientCertificates === true,
            rejectUnauthorized: false,
          },
          handler,
        )
      : createHttpServer(handler);
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => {
        this.sockets.delete(socket);
        this.hanging.delete(socket);
      });
    });
    this.server.on('secureConnection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** @internal */
  async listen(): Promise<void> {
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const { port } = this.server.address() as AddressInfo;
    const shownHost = host.includes(':') ? `[${host}]` : host;
    this.address = `${this.options.tls ? 'https' : 'http'}://${shownHost}:${port}`;
    this.state.baseUrl = this.address;
  }

  /** `http(s)://127.0.0.1:<port>`; v1 at `${url}/api/v1/...`, legacy at `${url}/server/panda/...`. */
  get url(): string {
    return this.address;
  }

  /** Every request received, in order. */
  get requests(): readonly FakePandaRequest[] {
    return this.recorded;
  }

  /** The requests to one endpoint ('pilot/acquire_jobs', 'getJob', or a path for other requests). */
  requestsTo(endpoint: string): FakePandaRequest[] {
    return this.recorded.filter((r) => r.endpoint === endpoint);
  }

  /** Service metrics received (harvester/update_service_metrics, legacy updateServiceMetrics). */
  get serviceMetrics(): readonly RecordedServiceMetrics[] {
    return this.state.serviceMetrics;
  }

  /** Logs uploaded (file_server/upload_jedi_log, legacy updateLog). */
  get uploads(): readonly RecordedUpload[] {
    return this.state.uploads;
  }

  /** Heartbeats received, with the harvester ID (their data is also in `wms.heartbeats`). */
  get heartbeats(): readonly RecordedHeartbeat[] {
    return this.state.heartbeats;
  }

  /** Harvester instances the server has a record of (the first heartbeat of an ID makes one). */
  get harvesterInstances(): ReadonlySet<string> {
    return this.state.harvesterInstances;
  }

  /** Makes the next request(s) fail; `endpoint` omitted = any endpoint; `times` default 1. */
  injectFault(fault: FakePandaFault): void {
    this.faults.add(fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Stops the server, ending open connections (also those left hanging by 'timeout' faults). */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    for (const socket of this.hanging) socket.destroy();
    await closed;
  }

  // ---------------------------------------------------------------- request handling

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake-panda');
    const path = url.pathname;
    const r = route(path);
    const decision = authenticate(req, this.options.auth);
    const record = (
      answer: { status: number; params?: Record<string, unknown> | undefined; success?: boolean | undefined },
      fault?: FakePandaFault['kind'],
      applied?: boolean,
    ): void => {
      const entry: FakePandaRequest = {
        method: req.method ?? 'GET',
        path,
        api: r.api,
        endpoint: r.endpoint,
        params: answer.params ?? {},
        headers: { ...req.headers },
        status: answer.status,
        auth: decision.kind === 'refused' ? 'none' : decision.kind,
        at,
      };
      if (answer.success !== undefined) entry.success = answer.success;
      if (fault !== undefined) entry.fault = fault;
      if (applied !== undefined) entry.applied = applied;
      this.recorded.push(entry);
    };

    const fault = this.faults.take(r.endpoint);
    if (fault?.kind === 'timeout' || fault?.kind === 'reset') {
      // Applied first when asked to: the work is done, only the answer is lost.
      const applied = fault.applied === true ? await this.answer(req, r, url, body, decision) : undefined;
      record(
        { status: 0, params: applied?.params, success: applied?.success },
        fault.kind,
        applied !== undefined,
      );
      if (fault.kind === 'timeout') this.hanging.add(req.socket);
      else req.socket.destroy();
      return;
    }
    if (fault?.kind === 'http-status') {
      record({ status: fault.status }, 'http-status');
      res.writeHead(fault.status, { 'Content-Type': 'text/html; charset=iso-8859-1' });
      res.end(fault.body ?? proxyErrorPage(fault.status));
      return;
    }

    const answer = await this.answer(req, r, url, body, decision);
    if (fault?.kind === 'garbage') {
      record({ status: 200, params: answer.params }, 'garbage');
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(fault.body ?? DEFAULT_GARBAGE_BODY);
      return;
    }
    record(answer);
    res.writeHead(answer.status, { 'Content-Type': answer.contentType });
    res.end(answer.body);
  }

  private async answer(
    req: IncomingMessage,
    r: Route,
    url: URL,
    body: Buffer,
    decision: AuthDecision,
  ): Promise<Answer> {
    if (r.api === 'other') return this.answerOther(req, url);
    if (r.forbidden !== undefined) return text(403, `ERROR : method ${r.forbidden} is forbidden`);
    if (decision.kind === 'refused') return text(403, `ERROR : ${decision.message}`);
    const method = req.method ?? 'GET';
    const contentType = req.headers['content-type'];
    try {
      if (r.api === 'legacy') {
        return await handleLegacy({
          state: this.state,
          auth: decision,
          requestMethod: method,
          method: r.endpoint,
          query: url.search.slice(1),
          body,
          headers: req.headers,
        });
      }
      return await this.answerV1(r.endpoint, method, url, body, contentType, req, decision);
    } catch (e) {
      if (e instanceof PyException) return text(500, e.message);
      if (e instanceof InvalidJsonError) return text(500, `ERROR : received invalid JSON : ${e.message}`);
      if (e instanceof WmsUnavailableError) return text(500, e.message);
      if (e instanceof WmsGarbledResponseError) return text(200, e.raw);
      throw e;
    }
  }

  private async answerV1(
    endpoint: string,
    method: string,
    url: URL,
    body: Buffer,
    contentType: string | undefined,
    req: IncomingMessage,
    decision: Exclude<AuthDecision, { kind: 'refused' }>,
  ): Promise<Answer> {
    const jsonApp = contentType === 'application/json' || req.headers.accept === 'application/json';
    const jsonBody = contentType === 'application/json' && (method === 'POST' || method === 'PUT');
    let params: Record<string, unknown>;
    if (jsonBody) {
      const encoding = req.headers['content-encoding'];
      const raw = encoding === 'gzip' ? pyGunzip(body) : body;
      const parsed = pyJsonLoads(raw.toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        const [module = '', name = ''] = endpoint.split('/');
        const file = V1_MODULE_FILES[module] ?? `${module}_api`;
        throw new PyException(
          'TypeError',
          `pandaserver.api.v1.${file}.${name}() argument after ** must be a mapping, not ${pyTypeName(parsed)}`,
        );
      }
      params = parsed as Record<string, unknown>;
    } else if (method === 'GET' || method === 'HEAD') {
      params = parseQuery(url.search.slice(1));
    } else {
      params = parseForm(body, contentType);
    }
    const { envelope, args } = await callV1(endpoint, params, {
      state: this.state,
      auth: decision,
      requestMethod: method,
    });
    const shown = args ? Object.fromEntries(Object.keys(params).map((k) => [k, args[k]])) : params;
    return {
      status: 200,
      contentType: 'text/plain',
      body: jsonApp ? pyJsonDumps(envelope) : pyRepr(envelope),
      params: shown,
      success: envelope.success,
    };
  }

  private answerOther(req: IncomingMessage, url: URL): Answer {
    const prefix = '/cache/jedilog/';
    if ((req.method === 'GET' || req.method === 'HEAD') && url.pathname.startsWith(prefix)) {
      const name = decodeURIComponent(url.pathname.slice(prefix.length));
      const upload = [...this.state.uploads].reverse().find((u) => u.url.endsWith(`${prefix}${name}`));
      if (upload)
        return { status: 200, contentType: 'application/octet-stream', body: upload.content, params: {} };
    }
    return text(404, 'Not Found');
  }
}

/** Starts a fake PanDA server (HTTP, or HTTPS with `tls`) on an ephemeral port of 127.0.0.1. */
export async function startFakePandaServer(options: FakePandaServerOptions = {}): Promise<FakePandaServer> {
  const server = new FakePandaServer(options);
  await server.listen();
  return server;
}
