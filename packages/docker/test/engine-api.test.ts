// Where the Engine is, and what a failed request means: resolved from options and DOCKER_HOST,
// and classified from Node's and dockerode's errors — also through the real dockerode client
// against a stand-in HTTP server on a unix socket that answers 5xx, hangs, or closes.

import { rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  createEngineClient,
  DockerodeEngineClient,
  EngineApiError,
  engineErrorOf,
  engineHostOf,
  isTransientEngineError,
  resolveConnection,
} from '../src/index.js';
import { makeRoot } from './helpers.js';

describe('resolveConnection', () => {
  it('uses the default socket without options or DOCKER_HOST', () => {
    expect(resolveConnection({}, {})).toEqual({
      kind: 'socket',
      socketPath: '/var/run/docker.sock',
      endpoint: 'unix:///var/run/docker.sock',
    });
  });

  it('takes an explicit socket over DOCKER_HOST', () => {
    expect(
      resolveConnection({ socketPath: '/run/user/1000/docker.sock' }, { DOCKER_HOST: 'tcp://x:2375' }),
    ).toMatchObject({
      kind: 'socket',
      socketPath: '/run/user/1000/docker.sock',
    });
  });

  it('takes an explicit TCP host: http on 2375, https with TLS files on 2376', () => {
    expect(resolveConnection({ host: 'engine.example' }, {})).toEqual({
      kind: 'tcp',
      host: 'engine.example',
      port: 2375,
      protocol: 'http',
      caFile: undefined,
      certFile: undefined,
      keyFile: undefined,
      endpoint: 'tcp://engine.example:2375',
    });
    expect(
      resolveConnection(
        {
          host: 'engine.example',
          tlsCaFile: '/etc/d/ca.pem',
          tlsCertFile: '/etc/d/c.pem',
          tlsKeyFile: '/etc/d/k.pem',
        },
        {},
      ),
    ).toEqual({
      kind: 'tcp',
      host: 'engine.example',
      port: 2376,
      protocol: 'https',
      caFile: '/etc/d/ca.pem',
      certFile: '/etc/d/c.pem',
      keyFile: '/etc/d/k.pem',
      endpoint: 'https://engine.example:2376',
    });
  });

  it.each([
    [{ DOCKER_HOST: 'unix:///srv/docker.sock' }, { kind: 'socket', socketPath: '/srv/docker.sock' }],
    [{ DOCKER_HOST: 'unix://' }, { kind: 'socket', socketPath: '/var/run/docker.sock' }],
    [{ DOCKER_HOST: 'tcp://10.0.0.5:2375' }, { kind: 'tcp', host: '10.0.0.5', port: 2375, protocol: 'http' }],
    [{ DOCKER_HOST: 'tcp://10.0.0.5' }, { kind: 'tcp', host: '10.0.0.5', port: 2375, protocol: 'http' }],
    [
      { DOCKER_HOST: 'tcp://e:2376' },
      { kind: 'tcp', port: 2376, protocol: 'https', endpoint: 'https://e:2376' },
    ],
    [
      { DOCKER_HOST: 'tcp://e:4243', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' },
      {
        kind: 'tcp',
        port: 4243,
        protocol: 'https',
        caFile: '/certs/ca.pem',
        certFile: '/certs/cert.pem',
        keyFile: '/certs/key.pem',
      },
    ],
    [{ DOCKER_HOST: 'tcp://[::1]:2375' }, { kind: 'tcp', host: '::1', endpoint: 'tcp://[::1]:2375' }],
  ])('reads DOCKER_HOST %j', (env, expected) => {
    expect(resolveConnection({}, env)).toMatchObject(expected);
  });

  it.each([
    'ssh://user@host',
    'npipe:////./pipe/docker_engine',
    'fd://',
    'tcp://a b:1',
    'unix://relative.sock',
  ])('refuses DOCKER_HOST %s', (value) => {
    expect(() => resolveConnection({}, { DOCKER_HOST: value })).toThrow(/DOCKER_HOST/);
  });

  it('names the Engine’s host for submissionHost', () => {
    expect(engineHostOf('tcp://engine.example:2375')).toBe('engine.example');
    expect(engineHostOf('https://[::1]:2376')).toBe('::1');
    expect(engineHostOf('unix:///var/run/docker.sock')).toBe(hostname());
  });
});

describe('engineErrorOf', () => {
  const httpError = (statusCode: number, message: string) =>
    Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message} `), {
      statusCode,
      json: { message },
    });

  it.each([
    [
      Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' }),
      'unavailable',
    ],
    [Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' }), 'unavailable'],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'unavailable'],
    [new Error('socket hang up'), 'unavailable'],
    [
      Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' }),
      'aborted',
    ],
    [httpError(404, 'No such image: x:latest'), 'notFound'],
    [httpError(409, 'Conflict. The container name "/h-1" is already in use'), 'conflict'],
    [httpError(304, ''), 'notModified'],
    [httpError(400, 'Minimum memory limit allowed is 6MB'), 'client'],
    [httpError(500, 'driver failed'), 'server'],
    [httpError(503, 'busy'), 'server'],
    [new Error('something odd'), 'unknown'],
  ])('%s → %s', (err, kind) => {
    const e = engineErrorOf(err, 'op');
    expect(e).toBeInstanceOf(EngineApiError);
    expect(e.kind).toBe(kind);
  });

  it('keeps the Engine’s own message and the status', () => {
    const e = engineErrorOf(httpError(404, 'No such image: nope:latest'), 'create container h-1');
    expect(e.message).toBe('create container h-1: No such image: nope:latest (HTTP 404)');
    expect(e.statusCode).toBe(404);
    expect(isTransientEngineError(e)).toBe(false);
  });

  it('says which Engine could not be reached, and that a timeout is one', () => {
    const down = engineErrorOf(
      Object.assign(new Error('connect ECONNREFUSED /s'), { code: 'ECONNREFUSED' }),
      'ping',
      {
        endpoint: 'unix:///s',
      },
    );
    expect(down.message).toBe(
      'ping: the Docker Engine at unix:///s cannot be reached: connect ECONNREFUSED /s',
    );
    const slow = engineErrorOf(new Error('aborted'), 'list containers', {
      endpoint: 'unix:///s',
      timedOutAfterMs: 2500,
    });
    expect(slow.kind).toBe('timeout');
    expect(slow.message).toBe('list containers: the Docker Engine at unix:///s did not answer within 2.5 s');
  });

  it('transient: unavailable, timeout, aborted, 5xx and unknown; final: 4xx', () => {
    const transient = ['unavailable', 'timeout', 'aborted', 'server', 'unknown'] as const;
    for (const kind of transient)
      expect(isTransientEngineError(new EngineApiError('op', kind, 'x'))).toBe(true);
    for (const kind of ['client', 'notFound', 'conflict', 'notModified'] as const) {
      expect(isTransientEngineError(new EngineApiError('op', kind, 'x'))).toBe(false);
    }
  });
});

describe('DockerodeEngineClient against a stand-in Engine on a unix socket', () => {
  let root: string;
  let server: Server;
  let socketPath: string;
  let handler: (req: IncomingMessage, res: ServerResponse) => void;
  const hanging: ServerResponse[] = [];

  beforeAll(async () => {
    root = await makeRoot();
    socketPath = join(root, 'engine.sock');
    server = createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  });

  afterAll(async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await rm(root, { recursive: true, force: true });
  });

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  it('lists with all=true and the filters as JSON, and speaks the configured API version', async () => {
    let url = '';
    handler = (req, res) => {
      url = req.url ?? '';
      json(res, 200, [{ Id: 'a'.repeat(64), Names: ['/h-1'], State: 'running' }]);
    };
    const client = createEngineClient({ socketPath, requestTimeoutSeconds: 5, apiVersion: '1.41' });
    const list = await client.listContainers({ label: ['org.harvester-ts.harvester-id=h'] });
    expect(list).toEqual([{ Id: 'a'.repeat(64), Names: ['/h-1'], State: 'running' }]);
    const u = new URL(url, 'http://x');
    expect(u.pathname).toBe('/v1.41/containers/json');
    expect(u.searchParams.get('all')).toBe('true');
    expect(JSON.parse(u.searchParams.get('filters') ?? '')).toEqual({
      label: ['org.harvester-ts.harvester-id=h'],
    });
  });

  it('creates with the name in the query and the spec as the body', async () => {
    let name: string | null = null;
    let body = '';
    handler = (req, res) => {
      name = new URL(req.url ?? '', 'http://x').searchParams.get('name');
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => json(res, 201, { Id: 'f'.repeat(64), Warnings: [] }));
    };
    const client = createEngineClient({ socketPath, requestTimeoutSeconds: 5 });
    const id = await client.createContainer('h-3', { Image: 'img', Cmd: ['true'] });
    expect(id).toBe('f'.repeat(64));
    expect(name).toBe('h-3');
    expect(JSON.parse(body)).toMatchObject({ Image: 'img', Cmd: ['true'], name: 'h-3' });
  });

  it('a 5xx is a server error (transient) with the Engine’s message', async () => {
    handler = (_req, res) => json(res, 500, { message: 'error creating overlay mount: device busy' });
    const client = createEngineClient({ socketPath, requestTimeoutSeconds: 5 });
    const err = await client.createContainer('h-4', { Image: 'img' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineApiError);
    expect(err).toMatchObject({
      kind: 'server',
      statusCode: 500,
      message: 'create container h-4: error creating overlay mount: device busy (HTTP 500)',
    });
  });

  it('an Engine that does not answer is a timeout', async () => {
    handler = (_req, res) => {
      hanging.push(res);
    };
    const client = new DockerodeEngineClient(resolveConnection({ socketPath }), {
      requestTimeoutSeconds: 0.3,
    });
    const err = await client.inspectContainer('h-5').catch((e: unknown) => e);
    expect(err).toMatchObject({
      kind: 'timeout',
      message: `inspect container h-5: the Docker Engine at unix://${socketPath} did not answer within 0.3 s`,
    });
  });

  it('a stop waits its grace on top of the request timeout; 304 is “not running”, 404 gone', async () => {
    const seen: string[] = [];
    handler = (req, res) => {
      seen.push(req.url ?? '');
      if (seen.length === 1) setTimeout(() => res.writeHead(204).end(), 500);
      else if (seen.length === 2) res.writeHead(304).end();
      else json(res, 404, { message: 'No such container: x' });
    };
    // 0.3 s of request timeout, 1 s of grace: the 0.5 s stop is no timeout.
    const client = new DockerodeEngineClient(resolveConnection({ socketPath }), {
      requestTimeoutSeconds: 0.3,
    });
    await expect(client.stopContainer('x', 1)).resolves.toBe('stopped');
    await expect(client.stopContainer('x', 1)).resolves.toBe('notRunning');
    await expect(client.stopContainer('x', 1)).rejects.toMatchObject({ kind: 'notFound', statusCode: 404 });
    expect(new URL(seen[0] ?? '', 'http://x').searchParams.get('t')).toBe('1');
  });

  it('a connection the Engine closes is “unavailable”; the caller’s abort is “aborted”', async () => {
    handler = (req) => req.socket.destroy();
    const client = createEngineClient({ socketPath, requestTimeoutSeconds: 5 });
    await expect(client.ping()).rejects.toMatchObject({ kind: 'unavailable' });
    handler = (_req, res) => {
      hanging.push(res);
    };
    const ac = new AbortController();
    const pending = client.listContainers({}, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(pending).rejects.toMatchObject({ kind: 'aborted' });
  });

  it('no socket at all is “unavailable” and names it', async () => {
    const client = createEngineClient({ socketPath: join(root, 'absent.sock'), requestTimeoutSeconds: 5 });
    await expect(client.ping()).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringContaining(`cannot be reached: connect ENOENT ${join(root, 'absent.sock')}`),
    });
  });

  it('reads TLS files at creation and names the one it cannot read', () => {
    expect(() =>
      createEngineClient({
        host: 'engine.example',
        tlsCaFile: join(root, 'missing-ca.pem'),
        requestTimeoutSeconds: 5,
      }),
    ).toThrow(/cannot read the TLS CA file .*missing-ca\.pem/);
  });
});
