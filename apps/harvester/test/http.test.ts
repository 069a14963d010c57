// The HTTP API: every route and error status on a real SQLite database, the token rules, closing
// with requests in flight, and `harvester run` (the built CLI) serving it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { JobSpec, JobWorkerRelation, StatusEvent, WorkSpec } from '@harvester-ts/core';
import { Database, migrate, openDatabase } from '@harvester-ts/engine';
import { pino } from 'pino';
import type { DataSource } from 'typeorm';
import { HttpListenError } from '../src/http/errors.js';
import { type HttpServer, MAX_BODY_BYTES, startHttpServer } from '../src/http/server.js';
import { CLI, removeDir, shellJob, tempDir, waitFor } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON responses, checked field by field
type Json = Record<string, any>;

const TOKEN = 's3cret-token-0123456789abcdef';
const IDENTITY = { harvesterId: 'http-test', instance: 'http-test@host:1' };
const STARTED = new Date(Date.now() - 5_000);

interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: Json;
}

interface CallOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  agent?: Agent | false;
}

/** One request with node:http (keep-alive off unless an agent is given). */
function call(base: string, path: string, options: CallOptions = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${base}${path}`,
      { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: options.agent ?? false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => {
          let json: Json = {};
          try {
            json = text ? (JSON.parse(text) as Json) : {};
          } catch {
            // not JSON: the assertions on text say so
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const bearer = (token = TOKEN) => ({ Authorization: `Bearer ${token}` });
const postJson = (body: unknown, token = TOKEN): CallOptions => ({
  method: 'POST',
  headers: { ...bearer(token), 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

function memoryLogger() {
  const lines: Json[] = [];
  const raw: string[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write(chunk: string) {
        raw.push(chunk);
        lines.push(JSON.parse(chunk) as Json);
      },
    },
  );
  return { logger, lines, raw };
}

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const T = (s: string) => new Date(`2026-01-02T03:04:${s}.000Z`);

/** Three jobs and four workers on two queues, with the relations and a little history. */
async function seed(ds: DataSource): Promise<void> {
  const job = (PandaID: number, status: string, subStatus: string, computingSite: string): Partial<JobSpec> =>
    ({
      PandaID,
      taskID: 7,
      status,
      subStatus,
      computingSite,
      harvesterID: IDENTITY.harvesterId,
      creationTime: T('00'),
      modificationTime: T('01'),
      jobParams: { PandaID, transformation: '/bin/true', jobPars: '' },
    }) as Partial<JobSpec>;
  await ds
    .getRepository(JobSpec)
    .insert([
      job(1001, 'running', 'running', 'Q1'),
      job(1002, 'finished', 'done', 'Q2'),
      job(1003, 'failed', 'failed', 'Q1'),
    ]);
  const worker = (workerID: number, status: string, computingSite: string): Partial<WorkSpec> =>
    ({
      workerID,
      harvesterID: IDENTITY.harvesterId,
      mapType: 'OneToOne',
      status,
      computingSite,
      batchID: `b${workerID}`,
      nCore: 1,
      creationTime: T('00'),
      submitTime: T('02'),
    }) as Partial<WorkSpec>;
  await ds
    .getRepository(WorkSpec)
    .insert([
      worker(1, 'running', 'Q1'),
      worker(2, 'finished', 'Q2'),
      worker(3, 'submitted', 'Q1'),
      worker(4, 'failed', 'Q1'),
    ]);
  await ds.getRepository(JobWorkerRelation).insert([
    { PandaID: 1001, workerID: 1 },
    { PandaID: 1002, workerID: 2 },
    { PandaID: 1003, workerID: 4 },
  ]);
  await ds.getRepository(StatusEvent).insert([
    {
      eventID: 1,
      entityType: 'job',
      entityID: 1001,
      fromStatus: null,
      fromSubStatus: null,
      toStatus: 'starting',
      toSubStatus: 'fetched',
      agent: 'jobFetcher',
      instance: IDENTITY.instance,
      diag: null,
      at: T('00'),
    },
    {
      eventID: 2,
      entityType: 'job',
      entityID: 1001,
      fromStatus: 'starting',
      fromSubStatus: 'fetched',
      toStatus: 'running',
      toSubStatus: 'running',
      agent: 'monitor',
      instance: IDENTITY.instance,
      diag: null,
      at: T('03'),
    },
  ] as Partial<StatusEvent>[]);
}

let dir: string;
let ds: DataSource;
let api: HttpServer;
let readOnly: HttpServer;
let log: ReturnType<typeof memoryLogger>;

beforeAll(async () => {
  dir = tempDir('http');
  ds = await openDatabase({ type: 'sqlite', path: join(dir, 'harvester.db') });
  await migrate(ds);
  await seed(ds);
  log = memoryLogger();
  api = await startHttpServer({
    config: { host: '127.0.0.1', port: 0, token: TOKEN },
    ds,
    db: new Database(ds),
    identity: IDENTITY,
    logger: log.logger,
    startedAt: STARTED,
  });
  readOnly = await startHttpServer({
    config: { host: '127.0.0.1', port: 0 },
    ds,
    identity: IDENTITY,
    logger: log.logger,
  });
});

afterAll(async () => {
  await api?.close();
  await readOnly?.close();
  if (ds?.isInitialized) await ds.destroy();
  if (dir) removeDir(dir);
});

describe('reads', () => {
  it('GET /health: the instance, when it started and for how long, as JSON', async () => {
    expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await call(api.url, '/health');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(Number(r.headers['content-length'])).toBe(Buffer.byteLength(r.text));
    expect(r.json).toEqual({
      status: 'ok',
      harvesterId: 'http-test',
      instance: 'http-test@host:1',
      startedAt: STARTED.toISOString(),
      uptimeSeconds: expect.any(Number),
    });
    expect(r.json.uptimeSeconds).toBeGreaterThanOrEqual(5);
    expect(r.json.uptimeSeconds).toBeLessThan(120);
    // HEAD answers like GET, without a body; a trailing slash is the same path.
    const head = await call(api.url, '/health', { method: 'HEAD' });
    expect([head.status, head.text, head.headers['content-type']]).toEqual([200, '', 'application/json']);
    expect((await call(api.url, '/health/')).status).toBe(200);
  });

  it('GET /status: jobs, job sub-statuses and workers by state', async () => {
    const r = await call(api.url, '/status');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      jobs: { running: 1, finished: 1, failed: 1 },
      jobSubStatuses: { running: 1, done: 1, failed: 1 },
      workers: expect.objectContaining({ finished: 1, failed: 1 }),
    });
    const w = r.json.workers as Record<string, number>;
    expect(Object.values(w).reduce((a, b) => a + b, 0)).toBe(4);
  });

  it('GET /jobs lists the jobs, filtered by status, queue and limit', async () => {
    const all = await call(api.url, '/jobs');
    expect(all.status).toBe(200);
    expect(all.json.map((j: Json) => j.PandaID)).toEqual([1001, 1002, 1003]);
    expect(all.json[0]).toMatchObject({
      PandaID: 1001,
      taskID: 7,
      queue: 'Q1',
      status: 'running',
      subStatus: 'running',
      workers: [1],
      creationTime: T('00').toISOString(),
    });
    const pick = async (q: string) => (await call(api.url, `/jobs?${q}`)).json.map((j: Json) => j.PandaID);
    expect(await pick('status=failed')).toEqual([1003]);
    expect(await pick('status=done')).toEqual([1002]); // a sub-status too
    expect(await pick('queue=Q1')).toEqual([1001, 1003]);
    expect(await pick('queue=Q1&status=running')).toEqual([1001]);
    expect(await pick('limit=2')).toEqual([1001, 1002]);
    expect(await pick('queue=NOWHERE')).toEqual([]);
    expect(await pick('status=&queue=&limit=1')).toEqual([1001]); // empty filters are no filter
  });

  it('GET /jobs/<PandaID> is the whole job with its workers and history; 404 when unknown', async () => {
    const r = await call(api.url, '/jobs/1001');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      kind: 'job',
      job: { PandaID: 1001, status: 'running', harvesterID: 'http-test', transformation: '/bin/true' },
      workers: [{ workerID: 1, status: 'running', batchID: 'b1' }],
      history: [
        { entity: 'job', id: 1001, from: null, to: 'starting/fetched', agent: 'jobFetcher' },
        { entity: 'job', id: 1001, from: 'starting/fetched', to: 'running', agent: 'monitor' },
      ],
      phases: [
        { state: 'starting/fetched', seconds: 3 },
        { state: 'running', seconds: null },
      ],
    });
    const missing = await call(api.url, '/jobs/999999');
    expect([missing.status, missing.json]).toEqual([404, { error: 'no job 999999' }]);
    expect(missing.headers['content-type']).toBe('application/json');
  });

  it('GET /workers lists the workers, filtered; GET /workers/<workerID> is one worker; 404 when unknown', async () => {
    const all = await call(api.url, '/workers');
    expect(all.status).toBe(200);
    expect(all.json.map((w: Json) => w.workerID)).toEqual([1, 2, 3, 4]);
    expect(all.json[0]).toMatchObject({
      workerID: 1,
      queue: 'Q1',
      status: 'running',
      batchID: 'b1',
      jobs: [1001],
    });
    const pick = async (q: string) =>
      (await call(api.url, `/workers?${q}`)).json.map((w: Json) => w.workerID);
    expect(await pick('status=finished')).toEqual([2]);
    expect(await pick('queue=Q1')).toEqual([1, 3, 4]);
    expect(await pick('queue=Q1&limit=2')).toEqual([1, 3]);

    const one = await call(api.url, '/workers/4');
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({
      kind: 'worker',
      worker: { workerID: 4, status: 'failed', mapType: 'OneToOne', harvesterID: 'http-test' },
      jobs: [{ PandaID: 1003, status: 'failed', subStatus: 'failed' }],
    });
    const missing = await call(api.url, '/workers/31337');
    expect([missing.status, missing.json]).toEqual([404, { error: 'no worker 31337' }]);
  });
});

describe('bad requests', () => {
  it('400 naming the parameter for a limit or an id that is not a positive integer', async () => {
    for (const limit of ['0', '-1', 'many', '1.5', '1e3', '', '99999999999999999999']) {
      for (const path of ['/jobs', '/workers']) {
        const r = await call(api.url, `${path}?limit=${encodeURIComponent(limit)}`);
        expect([r.status, r.json.error]).toEqual([400, `limit must be a positive integer, got '${limit}'`]);
      }
    }
    for (const id of ['abc', '0', '-3', '12x', '9007199254740993']) {
      const job = await call(api.url, `/jobs/${id}`);
      expect([job.status, job.json.error]).toEqual([400, `PandaID must be a positive integer, got '${id}'`]);
      const worker = await call(api.url, `/workers/${id}`);
      expect([worker.status, worker.json.error]).toEqual([
        400,
        `workerID must be a positive integer, got '${id}'`,
      ]);
      const kill = await call(api.url, `/workers/${id}/kill`, { method: 'POST', headers: bearer() });
      expect([kill.status, kill.json.error]).toEqual([
        400,
        `workerID must be a positive integer, got '${id}'`,
      ]);
    }
  });

  it('400 for unknown or repeated query parameters', async () => {
    const typo = await call(api.url, '/jobs?stauts=failed');
    expect([typo.status, typo.json.error]).toEqual([
      400,
      "unknown query parameter 'stauts' (expected status, queue, limit)",
    ]);
    const twice = await call(api.url, '/workers?limit=1&limit=2');
    expect([twice.status, twice.json.error]).toEqual([
      400,
      "query parameter 'limit' is given more than once",
    ]);
    const none = await call(api.url, '/status?verbose=1');
    expect([none.status, none.json.error]).toEqual([
      400,
      "unknown query parameter 'verbose': this path takes none",
    ]);
  });

  it('403 for a Host that is not a loopback name while listening on loopback (DNS rebinding)', async () => {
    const evil = await call(api.url, '/jobs', { headers: { Host: 'attacker.example:25080' } });
    expect(evil.status).toBe(403);
    expect(evil.json.error).toContain('host attacker.example:25080 is not served');
    for (const host of ['localhost:1234', '127.0.0.1', '[::1]:8080']) {
      expect((await call(api.url, '/health', { headers: { Host: host } })).status).toBe(200);
    }
  });

  it('404 for an unknown path, whatever the method', async () => {
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/nothing'],
      ['GET', '/jobs/1001/files'],
      ['POST', '/workers/1/kill/now'],
      ['DELETE', '/api/jobs'],
    ] as const) {
      const r = await call(api.url, path, { method, headers: bearer() });
      expect([r.status, r.json]).toEqual([404, { error: `no such path: ${path}` }]);
      expect(r.headers['content-type']).toBe('application/json');
    }
  });

  it('405 with Allow for a method the path does not take', async () => {
    const cases: [string, string, string][] = [
      ['POST', '/health', 'GET, HEAD'],
      ['PUT', '/status', 'GET, HEAD'],
      ['DELETE', '/jobs/1001', 'GET, HEAD'],
      ['POST', '/workers', 'GET, HEAD'],
      ['GET', '/workers/kill', 'POST'],
      ['GET', '/workers/1/kill', 'POST'],
      ['DELETE', '/workers/1', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const r = await call(api.url, path, { method, headers: bearer() });
      expect([r.status, r.headers.allow, r.json.error]).toEqual([
        405,
        allow,
        `${method} is not allowed on ${path} (allowed: ${allow})`,
      ]);
    }
  });
});

describe('kill requests and the token', () => {
  it('are refused with 403 while no http.token is configured, and change nothing', async () => {
    for (const [path, options] of [
      ['/workers/3/kill', { method: 'POST' }],
      ['/workers/3/kill', { method: 'POST', headers: bearer() }],
      ['/workers/kill', postJson({ workerIDs: [3] })],
    ] as [string, CallOptions][]) {
      const r = await call(readOnly.url, path, options);
      expect(r.status).toBe(403);
      expect(r.json.error).toContain('read-only until http.token is set');
    }
    // Reads work without a token.
    expect((await call(readOnly.url, '/workers/3')).json.worker.killRequested).toBe(false);
  });

  it('need the bearer token: 401 without it or with a wrong one, compared in full', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: '' },
      { Authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
      { Authorization: 'Bearer' },
      bearer('wrong-token-0123456789abcdef-x'),
      bearer(TOKEN.slice(0, -1)), // a prefix
      bearer(`${TOKEN}x`),
      bearer(TOKEN.toUpperCase()),
    ];
    for (const headers of attempts) {
      const r = await call(api.url, '/workers/3/kill', { method: 'POST', headers });
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toMatch(/^Bearer realm="harvester"/);
      expect(r.json.error).toMatch(/Authorization: Bearer|not the configured http.token/);
      expect(r.text).not.toContain(TOKEN.slice(0, 10));
    }
    const bulk = await call(api.url, '/workers/kill', postJson({ workerIDs: [3] }, 'nope-nope-nope-nope'));
    expect(bulk.status).toBe(401);
    expect((await call(api.url, '/workers/3')).json.worker.killRequested).toBe(false);
    // The scheme is case-insensitive, as HTTP says.
    const lower = await call(api.url, '/workers/424242/kill', {
      method: 'POST',
      headers: { Authorization: `bearer ${TOKEN}` },
    });
    expect(lower.status).toBe(404);
  });

  it('POST /workers/<workerID>/kill marks the worker; listWorkers shows killRequested; 404 when unknown', async () => {
    const r = await call(api.url, '/workers/1/kill', { method: 'POST', headers: bearer() });
    expect([r.status, r.json]).toEqual([200, { marked: [1], alreadyFinal: [], unknown: [] }]);
    const row = await ds.getRepository(WorkSpec).findOneByOrFail({ workerID: 1 });
    expect(row.killTime).toBeInstanceOf(Date);
    const running = await call(api.url, '/workers?status=running');
    expect(running.json).toEqual([expect.objectContaining({ workerID: 1, killRequested: true })]);
    // A final worker is left alone; an unknown one is a 404.
    const final = await call(api.url, '/workers/2/kill', { method: 'POST', headers: bearer() });
    expect([final.status, final.json]).toEqual([200, { marked: [], alreadyFinal: [2], unknown: [] }]);
    expect((await ds.getRepository(WorkSpec).findOneByOrFail({ workerID: 2 })).killTime).toBeNull();
    const unknown = await call(api.url, '/workers/424242/kill', { method: 'POST', headers: bearer() });
    expect([unknown.status, unknown.json]).toEqual([404, { error: 'no worker 424242' }]);
    // A body is not needed, but one that is sent must be JSON.
    const junk = await call(api.url, '/workers/1/kill', { method: 'POST', headers: bearer(), body: '{oops' });
    expect(junk.status).toBe(400);
    expect(junk.json.error).toMatch(/^the body is not valid JSON/);
  });

  it('POST /workers/kill takes { workerIDs } and says which were marked, already final or unknown', async () => {
    const r = await call(api.url, '/workers/kill', postJson({ workerIDs: [3, 2, 99, 3] }));
    expect([r.status, r.json]).toEqual([200, { marked: [3], alreadyFinal: [2], unknown: [99] }]);
    const listed = await call(api.url, '/workers');
    expect(listed.json.map((w: Json) => [w.workerID, w.killRequested])).toEqual([
      [1, true],
      [2, false],
      [3, true],
      [4, false],
    ]);
  });

  it('400 for a body that is missing, not JSON or not { workerIDs: [positive integers] }', async () => {
    const cases: [CallOptions, RegExp][] = [
      [{ method: 'POST', headers: bearer() }, /there is no body/],
      [{ method: 'POST', headers: bearer(), body: '{"workerIDs": [1,' }, /^the body is not valid JSON/],
      [{ method: 'POST', headers: bearer(), body: 'null' }, /the body must be a JSON object/],
      [postJson([1, 2]), /the body must be a JSON object/],
      [postJson({ ids: [1] }), /^unknown field 'ids'/],
      [postJson({ workerIDs: [] }), /workerIDs must be a non-empty array/],
      [postJson({ workerIDs: 5 }), /workerIDs must be a non-empty array/],
      [postJson({ workerIDs: ['5'] }), /workerIDs must hold positive integers, got "5"/],
      [postJson({ workerIDs: [1, 0] }), /workerIDs must hold positive integers, got 0/],
      [postJson({ workerIDs: [1.5] }), /workerIDs must hold positive integers, got 1.5/],
      [postJson({ workerIDs: Array.from({ length: 10_001 }, (_, i) => i + 1) }), /at most 10000 workers/],
    ];
    for (const [options, message] of cases) {
      const r = await call(api.url, '/workers/kill', options);
      expect([r.status, r.json.error]).toEqual([400, expect.stringMatching(message)]);
    }
  });

  it(`413 for a body over ${MAX_BODY_BYTES} bytes, declared or streamed`, async () => {
    const big = JSON.stringify({ workerIDs: [1], pad: 'x'.repeat(MAX_BODY_BYTES) });
    const declared = await call(api.url, '/workers/kill', {
      method: 'POST',
      headers: { ...bearer(), 'Content-Length': String(Buffer.byteLength(big)) },
      body: big,
    });
    expect([declared.status, declared.json.error]).toEqual([
      413,
      `the request body is larger than ${MAX_BODY_BYTES} bytes`,
    ]);
    expect(declared.headers.connection).toBe('close');
    // Chunked, without a length: counted as it comes.
    const streamed = await new Promise<Response>((resolve, reject) => {
      const req = httpRequest(
        `${api.url}/workers/kill`,
        { method: 'POST', headers: { ...bearer(), 'Transfer-Encoding': 'chunked' }, agent: false },
        (res) => {
          let text = '';
          res.on('data', (d) => {
            text += d;
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: JSON.parse(text) }),
          );
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 5; i++) req.write('x'.repeat(16 * 1024));
      req.end();
    });
    expect([streamed.status, streamed.json.error]).toEqual([
      413,
      `the request body is larger than ${MAX_BODY_BYTES} bytes`,
    ]);
    // Just under the limit is read (and then judged on its content).
    const fits = await call(api.url, '/workers/kill', {
      method: 'POST',
      headers: bearer(),
      body: `{"workerIDs":[424242]}${' '.repeat(MAX_BODY_BYTES - 22)}`,
    });
    expect([fits.status, fits.json]).toEqual([200, { marked: [], alreadyFinal: [], unknown: [424242] }]);
  });

  it('never shows the token: not in responses, not in the log', async () => {
    const everything = [
      ...(await Promise.all(
        ['/health', '/status', '/jobs', '/workers', '/workers/1'].map((p) => call(api.url, p)),
      )),
    ]
      .map((r) => r.text)
      .join('\n');
    expect(everything).not.toContain(TOKEN);
    expect(log.raw.join('')).not.toContain(TOKEN);
    expect(log.raw.join('')).not.toContain(TOKEN.slice(0, 12));
    // Requests are logged at debug with method, path and status.
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        msg: 'HTTP API request',
        method: 'POST',
        path: '/workers/kill',
        status: 401,
      }),
    );
  });
});

describe('failures and closing', () => {
  it('a handler that throws is a 500 with the message, logged; the server keeps serving', async () => {
    const own = await openDatabase({ type: 'sqlite', path: join(dir, 'harvester.db') });
    const mem = memoryLogger();
    const server = await startHttpServer({
      config: { host: '127.0.0.1', port: 0 },
      ds: own,
      identity: IDENTITY,
      logger: mem.logger,
    });
    try {
      expect((await call(server.url, '/status')).status).toBe(200);
      await own.destroy(); // what a database that went away looks like
      for (const path of ['/status', '/jobs', '/workers/1']) {
        const r = await call(server.url, path);
        expect(r.status).toBe(500);
        expect(r.json.error).toEqual(expect.any(String));
        expect(r.json.error.length).toBeGreaterThan(0);
        expect(r.headers['content-type']).toBe('application/json');
      }
      const errors = mem.lines.filter((l) => l.level === 50);
      expect(errors).toHaveLength(3);
      expect(errors[0]).toMatchObject({ msg: 'HTTP API: request failed', method: 'GET', path: '/status' });
      expect(errors[0]?.err?.message).toEqual(expect.any(String));
      expect((await call(server.url, '/health')).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('a port in use is an HttpListenError naming host:port', async () => {
    const port = Number(new URL(api.url).port);
    const attempt = startHttpServer({
      config: { host: '127.0.0.1', port },
      ds,
      identity: IDENTITY,
      logger: memoryLogger().logger,
    });
    await expect(attempt).rejects.toThrow(HttpListenError);
    await expect(attempt).rejects.toThrow(
      `cannot listen on 127.0.0.1:${port}: the address is already in use`,
    );
    await expect(attempt).rejects.toMatchObject({ code: 'HTTP_LISTEN_FAILED' });
  });

  it('close() lets a request in flight finish, closes idle keep-alive connections, then refuses', async () => {
    const server = await startHttpServer({
      config: { host: '127.0.0.1', port: 0, token: TOKEN },
      ds,
      db: new Database(ds),
      identity: IDENTITY,
      logger: memoryLogger().logger,
    });
    const agent = new Agent({ keepAlive: true });
    try {
      // A keep-alive connection left idle.
      const first = await call(server.url, '/health', { agent });
      expect(first.headers.connection).toBe('keep-alive');
      // A request in flight: headers sent, body not yet.
      const body = JSON.stringify({ workerIDs: [424243] });
      let answer: Response | undefined;
      const req = httpRequest(
        `${server.url}/workers/kill`,
        { method: 'POST', headers: { ...bearer(), 'Content-Length': String(body.length) }, agent: false },
        (res) => {
          let text = '';
          res.on('data', (d) => {
            text += d;
          });
          res.on('end', () => {
            answer = { status: res.statusCode ?? 0, headers: res.headers, text, json: JSON.parse(text) };
          });
        },
      );
      req.flushHeaders();
      req.write(body.slice(0, 5));
      await new Promise((r) => setTimeout(r, 200));
      let closed = false;
      const closing = server.close().then(() => {
        closed = true;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(closed).toBe(false);
      req.end(body.slice(5));
      const began = Date.now();
      await closing;
      // Well before the 5 s keep-alive timeout: the idle connection was closed, not waited for.
      expect(Date.now() - began).toBeLessThan(2_000);
      await waitFor('the answer', async () => answer !== undefined, 2_000);
      expect([answer?.status, answer?.json]).toEqual([
        200,
        { marked: [], alreadyFinal: [], unknown: [424243] },
      ]);
      expect(answer?.headers.connection).toBe('close');
      await expect(call(server.url, '/health')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      agent.destroy();
      await server.close();
    }
  });
});

describe('harvester run', () => {
  let work: string;
  let child: ChildProcess | undefined;
  beforeEach(() => {
    work = tempDir('http-run');
  });
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child?.once('exit', r));
    }
    child = undefined;
    removeDir(work);
  });

  function start(config: Record<string, unknown>, args: string[] = []) {
    writeFileSync(join(work, 'harvester.config.json'), JSON.stringify(config));
    const proc = spawn(process.execPath, [CLI, 'run', ...args], {
      cwd: work,
      env: { ...process.env, HARVESTER_CONFIG: '', HARVESTER_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = { stdout: '', stderr: '' };
    proc.stdout?.on('data', (d) => {
      out.stdout += d;
    });
    proc.stderr?.on('data', (d) => {
      out.stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    child = proc;
    return { proc, out, exited };
  }

  it('serves the API while it runs: /health answers, a kill over HTTP stops a worker; SIGTERM exits 0', async () => {
    const port = await freePort();
    const inbox = join(work, 'var', 'spool', 'inbox');
    mkdirSync(inbox, { recursive: true });
    writeFileSync(join(inbox, '5001.json'), JSON.stringify(shellJob(5001, 'sleep 60')));
    const { proc, out, exited } = start({
      harvesterId: 'http-run',
      http: { enabled: true, port, token: TOKEN },
    });
    const base = `http://127.0.0.1:${port}`;
    let health: Response | undefined;
    await waitFor(
      '/health of harvester run',
      async () => {
        health = await call(base, '/health').catch(() => undefined);
        return health?.status === 200;
      },
      30_000,
    );
    expect(health?.json).toMatchObject({
      status: 'ok',
      harvesterId: 'http-run',
      instance: expect.any(String),
    });
    expect(health?.json.instance).toContain(`:${proc.pid}`);
    const listening = out.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Json)
      .find((l) => l.msg === 'HTTP API listening');
    expect(listening).toMatchObject({ url: base });
    expect(out.stdout).not.toContain(TOKEN);

    // The job gets a worker; killing it over HTTP ends it and fails the job.
    let workerID = 0;
    await waitFor(
      'a running worker',
      async () => {
        const w = (await call(base, '/workers?status=running')).json as unknown as Json[];
        workerID = w[0]?.workerID ?? 0;
        return workerID > 0;
      },
      30_000,
    );
    const kill = await call(base, `/workers/${workerID}/kill`, { method: 'POST', headers: bearer() });
    expect([kill.status, kill.json]).toEqual([200, { marked: [workerID], alreadyFinal: [], unknown: [] }]);
    await waitFor(
      'the killed worker to end',
      async () => {
        const w = (await call(base, `/workers/${workerID}`)).json;
        return ['cancelled', 'failed', 'missed'].includes(w.worker?.status);
      },
      30_000,
    );
    await waitFor(
      'the job to end',
      async () => ['failed', 'cancelled'].includes((await call(base, '/jobs/5001')).json.job?.status),
      30_000,
    );

    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out.stdout).toContain('"msg":"engine stopped"');
    await expect(call(base, '/health')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  }, 120_000);

  it('a port in use: exit code 1 naming host:port, with the engine stopped', async () => {
    const blocker = createNetServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const { out, exited } = start({ http: { enabled: true, port } }, ['--once']);
      expect(await exited).toBe(1);
      expect(out.stderr).toContain(
        `harvester run: HTTP API: cannot listen on 127.0.0.1:${port}: the address is already in use`,
      );
      expect(out.stdout).toContain('"msg":"engine stopped"');
      expect(out.stdout).not.toContain('"msg":"harvester started"');
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  }, 60_000);

  it('without http.enabled nothing listens', async () => {
    const port = await freePort();
    const { out, exited } = start({ http: { enabled: false, port } }, ['--once']);
    expect(await exited).toBe(0);
    expect(out.stdout).toContain('"msg":"harvester started"');
    expect(out.stdout).not.toContain('HTTP API');
  }, 60_000);
});
