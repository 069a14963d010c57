// Shared set-up of the tests against the fake PanDA server: a communicator with short timeouts
// and retry delays, closed (with the server) after each test; a bare scripted server for answers
// the fake has no fault for.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { JobSpec, PluginLogger } from '@harvester-ts/core';
import {
  createRecordingLogger,
  type FakePandaServer,
  makeJobSpec,
  type RecordingLogger,
  testPluginContext,
} from '@harvester-ts/testkit';
import {
  createPandaCommunicator,
  type PandaCommunicatorInstance,
  pandaCommunicatorOptions,
} from '../src/index.js';

const open: { close(): unknown }[] = [];

/** Closes what the test opened (communicators first, then servers). */
export async function closeAll(): Promise<void> {
  const items = open.splice(0);
  for (const item of items) await item.close();
}

export function track<T extends { close(): unknown }>(item: T): T {
  open.push(item);
  return item;
}

export interface Client {
  comm: PandaCommunicatorInstance;
  logger: RecordingLogger;
}

/** A communicator for `server` (options parsed like the host does), harvester ID `h1`. */
export async function clientFor(
  server: FakePandaServer | { url: string },
  extra: Record<string, unknown> = {},
  logger: RecordingLogger = createRecordingLogger(),
): Promise<Client> {
  const options = pandaCommunicatorOptions.parse({
    url: server.url,
    retryBaseDelayMs: 1,
    timeoutSeconds: 10,
    ...extra,
  });
  const comm = await createPandaCommunicator(
    options,
    testPluginContext({ harvesterId: 'h1', logger: logger as PluginLogger }),
  );
  // Close the client before the server (unshift: closed first).
  open.unshift(comm);
  return { comm, logger };
}

/** A running job of SITE_A as the propagator would report it. */
export function runningJob(PandaID: number, attributes: Record<string, unknown> = {}): JobSpec {
  const job = makeJobSpec({ PandaID, computingSite: 'SITE_A', status: 'running', subStatus: 'running' });
  job.nCore = 8;
  job.startTime = new Date('2026-05-01T10:00:00Z');
  job.jobAttributes = { ...(job.jobAttributes ?? {}), ...attributes } as JobSpec['jobAttributes'];
  return job;
}

export const getJobsRequest = (nJobs: number, additionalCriteria: Record<string, string> = {}) => ({
  siteName: 'SITE_A',
  nodeName: 'node-1',
  prodSourceLabel: 'managed',
  computingElement: 'SITE_A',
  nJobs,
  additionalCriteria,
});

/** A request a scripted server received. */
export interface ScriptedRequest {
  path: string;
  body: string;
  /** The socket's remote port: one per connection. */
  port: number;
}

export interface ScriptedAnswer {
  status?: number;
  headers?: Record<string, string>;
  body: string | Buffer;
}

/**
 * A bare HTTP(S) server answering each request with `script(request)` (awaited, so a test can
 * hold an answer back), for answers the fake PanDA server has no fault for.
 */
export async function startScriptedServer(
  script: (request: ScriptedRequest) => ScriptedAnswer | Promise<ScriptedAnswer>,
  tls?: { key: string | Buffer; cert: string | Buffer; ca: string | Buffer },
): Promise<{ url: string; requests: ScriptedRequest[]; closedConnections: number; close(): Promise<void> }> {
  const requests: ScriptedRequest[] = [];
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const request = {
      path: req.url ?? '',
      body: Buffer.concat(chunks).toString('utf8'),
      port: req.socket.remotePort ?? 0,
    };
    requests.push(request);
    const answer = await script(request);
    res.writeHead(answer.status ?? 200, { 'Content-Type': 'text/plain', ...answer.headers });
    res.end(answer.body);
  };
  const server = tls
    ? createHttpsServer({ ...tls, requestCert: true, rejectUnauthorized: false }, handler)
    : createHttpServer(handler);
  const sockets = new Set<Socket>();
  const state = {
    url: '',
    requests,
    closedConnections: 0,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      state.closedConnections += 1;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return track(state);
}

/** Resolves once `condition()` holds (polled; the test's own timeout bounds it). */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}
