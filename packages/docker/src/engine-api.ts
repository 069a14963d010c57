// The transport to the Docker Engine API: where the Engine is (options, DOCKER_HOST, the default
// socket), an EngineClient that speaks to it through dockerode with a timeout on every request,
// and what a failed request means (engineErrorOf). What is sent and how answers are read is in
// commands.ts; this module knows nothing of workers.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { oneLine } from '@harvester-ts/core';
import Docker from 'dockerode';

/** The default Engine socket on Linux. */
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** Where the Engine is, as the plugins' options give it (see options.ts). */
export interface ConnectionInput {
  socketPath?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  protocol?: 'http' | 'https' | undefined;
  tlsCaFile?: string | undefined;
  tlsCertFile?: string | undefined;
  tlsKeyFile?: string | undefined;
}

export type ResolvedConnection =
  | { kind: 'socket'; socketPath: string; endpoint: string }
  | {
      kind: 'tcp';
      host: string;
      port: number;
      protocol: 'http' | 'https';
      caFile?: string | undefined;
      certFile?: string | undefined;
      keyFile?: string | undefined;
      endpoint: string;
    };

function socketConnection(socketPath: string): ResolvedConnection {
  return { kind: 'socket', socketPath, endpoint: `unix://${socketPath}` };
}

function tcpEndpoint(protocol: 'http' | 'https', host: string, port: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${protocol === 'https' ? 'https' : 'tcp'}://${h}:${port}`;
}

/**
 * Where the Engine is: the options' socketPath or host when given; else DOCKER_HOST
 * (`unix://<path>`, `tcp://<host>:<port>`, `http(s)://…`; TLS with DOCKER_TLS_VERIFY or
 * DOCKER_TLS set, or port 2376, the files from DOCKER_CERT_PATH), else /var/run/docker.sock.
 * Throws on a DOCKER_HOST this plugin cannot use (ssh://, npipe://, fd://, garbage).
 */
export function resolveConnection(
  input: ConnectionInput,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ResolvedConnection {
  if (input.socketPath !== undefined) return socketConnection(input.socketPath);
  if (input.host !== undefined) {
    const tls = input.tlsCaFile !== undefined || input.tlsCertFile !== undefined;
    const protocol = input.protocol ?? (tls || input.port === 2376 ? 'https' : 'http');
    const port = input.port ?? (protocol === 'https' ? 2376 : 2375);
    return {
      kind: 'tcp',
      host: input.host,
      port,
      protocol,
      caFile: input.tlsCaFile,
      certFile: input.tlsCertFile,
      keyFile: input.tlsKeyFile,
      endpoint: tcpEndpoint(protocol, input.host, port),
    };
  }
  const dockerHost = env.DOCKER_HOST?.trim();
  if (!dockerHost) return socketConnection(DEFAULT_DOCKER_SOCKET);
  if (dockerHost.startsWith('unix://')) {
    const path = dockerHost.slice('unix://'.length);
    if (path !== '' && !path.startsWith('/')) {
      throw new Error(`DOCKER_HOST ${JSON.stringify(dockerHost)}: the socket path must be absolute`);
    }
    return socketConnection(path || DEFAULT_DOCKER_SOCKET);
  }
  const m = /^(tcp|http|https):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::([0-9]{1,5}))?\/?$/.exec(
    dockerHost,
  );
  if (!m) {
    throw new Error(
      `DOCKER_HOST ${JSON.stringify(dockerHost)} is not usable here: give unix:///<path> or tcp://<host>:<port>`,
    );
  }
  const scheme = m[1] as string;
  const host = (m[2] as string).replace(/^\[|\]$/g, '');
  const tlsWanted =
    scheme === 'https' || Boolean(env.DOCKER_TLS_VERIFY) || env.DOCKER_TLS === '1' || m[3] === '2376';
  const protocol: 'http' | 'https' = tlsWanted ? 'https' : 'http';
  const port = m[3] !== undefined ? Number(m[3]) : protocol === 'https' ? 2376 : 2375;
  if (port < 1 || port > 65535) throw new Error(`DOCKER_HOST ${JSON.stringify(dockerHost)}: bad port`);
  const certDir = env.DOCKER_CERT_PATH?.trim();
  const files =
    protocol === 'https' && certDir
      ? { caFile: `${certDir}/ca.pem`, certFile: `${certDir}/cert.pem`, keyFile: `${certDir}/key.pem` }
      : {};
  return { kind: 'tcp', host, port, protocol, ...files, endpoint: tcpEndpoint(protocol, host, port) };
}

/** The host the Engine runs on, from its endpoint: this host for a unix socket. */
export function engineHostOf(endpoint: string): string {
  if (endpoint.startsWith('unix://')) return hostname();
  try {
    return new URL(endpoint).hostname.replace(/^\[|\]$/g, '') || hostname();
  } catch {
    return hostname();
  }
}

// ---- errors ---------------------------------------------------------------------------------------

/**
 * What a failed request means. unavailable: the Engine cannot be reached (refused, no socket,
 * reset); timeout: it did not answer in time; aborted: the caller gave up; server: a 5xx;
 * notFound, conflict, notModified: 404, 409, 304; client: another 4xx; unknown: anything else.
 */
export type EngineErrorKind =
  | 'unavailable'
  | 'timeout'
  | 'aborted'
  | 'notFound'
  | 'conflict'
  | 'notModified'
  | 'client'
  | 'server'
  | 'unknown';

export class EngineApiError extends Error {
  override readonly name = 'EngineApiError';
  constructor(
    /** What was asked, e.g. `create container h-12`. */
    readonly operation: string,
    readonly kind: EngineErrorKind,
    /** The Engine's own message, or the connection error's. */
    readonly detail: string,
    readonly statusCode?: number,
  ) {
    super(`${operation}: ${detail}`);
  }
}

/** Errors that say nothing final: the request may succeed later. */
export function isTransientEngineError(err: EngineApiError): boolean {
  return (
    err.kind === 'unavailable' ||
    err.kind === 'timeout' ||
    err.kind === 'aborted' ||
    err.kind === 'server' ||
    err.kind === 'unknown'
  );
}

/** Connection-level error codes of Node's net/http that mean "the Engine is not there (now)". */
export const UNAVAILABLE_CODES: readonly string[] = [
  'ECONNREFUSED',
  'ENOENT',
  'ECONNRESET',
  'EPIPE',
  'ENOTCONN',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EACCES',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'UND_ERR_SOCKET',
  'ERR_SOCKET_CLOSED',
  'ERR_STREAM_PREMATURE_CLOSE',
];

/** The Engine's message of a dockerode HTTP error (`{ message }` in its JSON body), else the error's. */
function engineMessage(err: { message?: unknown; json?: unknown }): string {
  const json = err.json as { message?: unknown } | Buffer | string | null | undefined;
  if (json && typeof json === 'object' && !Buffer.isBuffer(json) && typeof json.message === 'string') {
    return json.message;
  }
  if (typeof json === 'string' && json.trim() !== '') return json;
  if (Buffer.isBuffer(json) && json.length > 0) return json.toString('utf8');
  return typeof err.message === 'string' ? err.message : String(err);
}

/**
 * Turns whatever a request threw into an EngineApiError. `timedOutAfterMs`: the request's own
 * timeout fired; `endpoint` names the Engine in connection errors.
 */
export function engineErrorOf(
  err: unknown,
  operation: string,
  options: { endpoint?: string; timedOutAfterMs?: number | undefined; aborted?: boolean } = {},
): EngineApiError {
  if (err instanceof EngineApiError) return err;
  const where = options.endpoint ? `the Docker Engine at ${options.endpoint}` : 'the Docker Engine';
  if (options.timedOutAfterMs !== undefined) {
    return new EngineApiError(
      operation,
      'timeout',
      `${where} did not answer within ${Math.round(options.timedOutAfterMs / 100) / 10} s`,
    );
  }
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    statusCode?: unknown;
    json?: unknown;
  };
  if (options.aborted || e.name === 'AbortError' || e.code === 'ABORT_ERR') {
    return new EngineApiError(operation, 'aborted', 'the request was aborted (shutdown or call timeout)');
  }
  if (typeof e.statusCode === 'number') {
    const status = e.statusCode;
    const detail = `${oneLine(engineMessage(e))} (HTTP ${status})`;
    const kind: EngineErrorKind =
      status === 404
        ? 'notFound'
        : status === 409
          ? 'conflict'
          : status === 304
            ? 'notModified'
            : status >= 500
              ? 'server'
              : status >= 400
                ? 'client'
                : 'unknown';
    return new EngineApiError(operation, kind, detail, status);
  }
  const message = oneLine(typeof e.message === 'string' ? e.message : String(err));
  if (typeof e.code === 'string' && UNAVAILABLE_CODES.includes(e.code)) {
    return new EngineApiError(operation, 'unavailable', `${where} cannot be reached: ${message}`);
  }
  if (/socket hang up|ECONNRESET|ECONNREFUSED/i.test(message)) {
    return new EngineApiError(operation, 'unavailable', `${where} cannot be reached: ${message}`);
  }
  return new EngineApiError(operation, 'unknown', message);
}

// ---- the client ----------------------------------------------------------------------------------

export interface RequestOptions {
  /** Aborts the request (e.g. the host's per-call signal). */
  signal?: AbortSignal | undefined;
}

/**
 * The Engine API requests the plugins make. Answers are the Engine's JSON as it came (read with
 * commands.ts's parsers); every failure is an EngineApiError. Tests and embedding programs can
 * give their own (option `engineClient`), e.g. one that counts requests around the default.
 */
export interface EngineClient {
  /** Names the Engine in diagnostics, e.g. `unix:///var/run/docker.sock`. */
  readonly endpoint: string;
  /** `GET /containers/json?all=1&filters=…` */
  listContainers(filters: Record<string, string[]>, options?: RequestOptions): Promise<unknown>;
  /** `POST /containers/create?name=…`; resolves to the new container's id. */
  createContainer(name: string, spec: Record<string, unknown>, options?: RequestOptions): Promise<string>;
  /** `POST /containers/{id}/start`; a container already running (304) is fine. */
  startContainer(idOrName: string, options?: RequestOptions): Promise<void>;
  /** `GET /containers/{id}/json` */
  inspectContainer(idOrName: string, options?: RequestOptions): Promise<unknown>;
  /**
   * `POST /containers/{id}/stop?t=…`: SIGTERM (or the image's stop signal), SIGKILL after the
   * grace; resolves once the container has stopped. `notRunning`: it was not running (304).
   */
  stopContainer(
    idOrName: string,
    graceSeconds: number,
    options?: RequestOptions,
  ): Promise<'stopped' | 'notRunning'>;
  /** `DELETE /containers/{id}?force=…&v=…` */
  removeContainer(
    idOrName: string,
    how: { force: boolean; volumes: boolean },
    options?: RequestOptions,
  ): Promise<void>;
  /** `GET /containers/{id}/logs?stdout=1&stderr=1&tail=…`: the raw (multiplexed) bytes. */
  containerLogs(idOrName: string, tailLines: number | undefined, options?: RequestOptions): Promise<Buffer>;
  /** `GET /_ping` */
  ping(options?: RequestOptions): Promise<void>;
}

export interface DockerodeClientOptions {
  /** Seconds each request may take (a stop: this plus its grace). */
  requestTimeoutSeconds: number;
  /** The API version, e.g. `1.41`; default: the Engine's. */
  apiVersion?: string | undefined;
  /** Aborts every request (the plugin's shutdown signal). */
  signal?: AbortSignal | undefined;
}

function readSecretFile(path: string | undefined, what: string): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read the ${what} ${path}: ${(err as Error).message}`);
  }
}

/** A container id shortened to 12 digits for messages (names as they are). */
function shortRef(idOrName: string): string {
  return /^[0-9a-f]{64}$/.test(idOrName) ? idOrName.slice(0, 12) : idOrName;
}

/** The EngineClient of the plugins: dockerode over the resolved connection. */
export class DockerodeEngineClient implements EngineClient {
  readonly endpoint: string;
  private readonly docker: Docker;
  private readonly timeoutMs: number;
  private readonly baseSignal: AbortSignal | undefined;

  constructor(connection: ResolvedConnection, options: DockerodeClientOptions) {
    this.endpoint = connection.endpoint;
    this.timeoutMs = options.requestTimeoutSeconds * 1000;
    this.baseSignal = options.signal;
    const version =
      options.apiVersion === undefined
        ? undefined
        : options.apiVersion.startsWith('v')
          ? options.apiVersion
          : `v${options.apiVersion}`;
    // Every field is given, undefined included: docker-modem merges DOCKER_HOST & co. under them.
    const common = { version, timeout: undefined, headers: {} };
    try {
      this.docker =
        connection.kind === 'socket'
          ? new Docker({
              ...common,
              socketPath: connection.socketPath,
              host: undefined,
              port: undefined,
              protocol: undefined,
              ca: undefined,
              cert: undefined,
              key: undefined,
            })
          : new Docker({
              ...common,
              socketPath: undefined,
              host: connection.host,
              port: connection.port,
              protocol: connection.protocol,
              ca: readSecretFile(connection.caFile, 'TLS CA file'),
              cert: readSecretFile(connection.certFile, 'TLS certificate file'),
              key: readSecretFile(connection.keyFile, 'TLS key file'),
            });
    } catch (err) {
      throw new Error(
        `cannot set up the Docker Engine client for ${this.endpoint}: ${(err as Error).message}`,
      );
    }
  }

  /** Runs one request with its timeout and the abort signals; failures become EngineApiError. */
  private async request<T>(
    operation: string,
    options: RequestOptions | undefined,
    extraMs: number,
    run: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const limitMs = this.timeoutMs + extraMs;
    const timeout = AbortSignal.timeout(limitMs);
    const signals = [timeout];
    if (this.baseSignal) signals.push(this.baseSignal);
    if (options?.signal) signals.push(options.signal);
    const signal = AbortSignal.any(signals);
    try {
      return await run(signal);
    } catch (err) {
      throw engineErrorOf(err, operation, {
        endpoint: this.endpoint,
        timedOutAfterMs: timeout.aborted ? limitMs : undefined,
        aborted: signal.aborted && !timeout.aborted,
      });
    }
  }

  listContainers(filters: Record<string, string[]>, options?: RequestOptions): Promise<unknown> {
    return this.request('list containers', options, 0, (abortSignal) =>
      this.docker.listContainers({ all: true, filters, abortSignal }),
    );
  }

  createContainer(name: string, spec: Record<string, unknown>, options?: RequestOptions): Promise<string> {
    return this.request(`create container ${name}`, options, 0, async (abortSignal) => {
      // dockerode sends the options both as the body and as the query string; only `name` is
      // read from the query. A copy: dockerode deletes abortSignal from what it is given.
      const container = await this.docker.createContainer({ ...spec, name, abortSignal });
      if (typeof container.id !== 'string' || container.id === '') {
        throw new Error('the Engine answered without a container id');
      }
      return container.id;
    });
  }

  async startContainer(idOrName: string, options?: RequestOptions): Promise<void> {
    try {
      await this.request(`start container ${shortRef(idOrName)}`, options, 0, (abortSignal) =>
        this.docker.getContainer(idOrName).start({ abortSignal }),
      );
    } catch (err) {
      if (err instanceof EngineApiError && err.kind === 'notModified') return;
      throw err;
    }
  }

  inspectContainer(idOrName: string, options?: RequestOptions): Promise<unknown> {
    return this.request(`inspect container ${shortRef(idOrName)}`, options, 0, (abortSignal) =>
      this.docker.getContainer(idOrName).inspect({ abortSignal }),
    );
  }

  async stopContainer(
    idOrName: string,
    graceSeconds: number,
    options?: RequestOptions,
  ): Promise<'stopped' | 'notRunning'> {
    try {
      await this.request(
        `stop container ${shortRef(idOrName)}`,
        options,
        graceSeconds * 1000,
        (abortSignal) => this.docker.getContainer(idOrName).stop({ t: graceSeconds, abortSignal }),
      );
      return 'stopped';
    } catch (err) {
      if (err instanceof EngineApiError && err.kind === 'notModified') return 'notRunning';
      throw err;
    }
  }

  async removeContainer(
    idOrName: string,
    how: { force: boolean; volumes: boolean },
    options?: RequestOptions,
  ): Promise<void> {
    await this.request(`remove container ${shortRef(idOrName)}`, options, 0, (abortSignal) =>
      this.docker
        .getContainer(idOrName)
        .remove({ force: how.force, v: how.volumes, abortSignal } as Docker.ContainerRemoveOptions),
    );
  }

  containerLogs(idOrName: string, tailLines: number | undefined, options?: RequestOptions): Promise<Buffer> {
    return this.request(
      `read the logs of container ${shortRef(idOrName)}`,
      options,
      0,
      async (abortSignal) => {
        const body: unknown = await this.docker.getContainer(idOrName).logs({
          stdout: true,
          stderr: true,
          follow: false,
          timestamps: false,
          ...(tailLines !== undefined ? { tail: tailLines } : {}),
          abortSignal,
        } as Docker.ContainerLogsOptions & { follow?: false });
        if (Buffer.isBuffer(body)) return body;
        // docker-modem parses a body that happens to be JSON; the logs are bytes all the same.
        return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body ?? ''), 'utf8');
      },
    );
  }

  async ping(options?: RequestOptions): Promise<void> {
    // dockerode takes the signal here too; its types do not say so.
    const ping = this.docker.ping.bind(this.docker) as unknown as (o: {
      abortSignal: AbortSignal;
    }) => Promise<unknown>;
    await this.request('ping', options, 0, (abortSignal) => ping({ abortSignal }));
  }
}

/** The default EngineClient for a plugin's connection options. */
export function createEngineClient(
  input: ConnectionInput & { apiVersion?: string | undefined; requestTimeoutSeconds: number },
  signal?: AbortSignal,
  env: Readonly<Record<string, string | undefined>> = process.env,
): EngineClient {
  return new DockerodeEngineClient(resolveConnection(input, env), {
    requestTimeoutSeconds: input.requestTimeoutSeconds,
    apiVersion: input.apiVersion,
    signal,
  });
}
