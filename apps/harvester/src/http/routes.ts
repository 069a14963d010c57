// The routes of the HTTP API: what each path answers, and how its parameters are checked. The
// server (server.ts) matches them, checks the method and the token, and sends the replies.
import type { InstanceIdentity } from '@harvester-ts/engine';
import type { DataSource } from 'typeorm';
import { inspectJob, inspectWorker } from '../store/inspect.js';
import { listJobs, listWorkers, requestWorkerKill, stateCounts } from '../store/queries.js';
import { HttpError } from './errors.js';

/** At most this many workers in one `POST /workers/kill` (one SQL IN list). */
export const MAX_KILL_IDS = 10_000;

export interface RouteContext {
  ds: DataSource;
  identity: Pick<InstanceIdentity, 'harvesterId' | 'instance'>;
  startedAt: Date;
  /** The path's captures (ids, still as text). */
  params: string[];
  query: URLSearchParams;
  /** The request body parsed as JSON (read before the handler runs); undefined when there is none. */
  body: unknown;
}

export interface Reply {
  status?: number;
  body: unknown;
}

export type Handler = (ctx: RouteContext) => Promise<Reply>;

export interface Route {
  path: RegExp;
  /** GET handlers also answer HEAD. Any other method changes state and needs the token. */
  methods: Partial<Record<'GET' | 'POST', Handler>>;
}

/** Shown (shortened) in error messages, never more. */
function shown(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}

function positiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(n)) {
    throw new HttpError(400, `${name} must be a positive integer, got '${shown(value)}'`);
  }
  return n;
}

/** The query parameters, each at most once, none but the allowed ones. */
function queryOf(query: URLSearchParams, allowed: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of new Set(query.keys())) {
    if (!allowed.includes(key)) {
      throw new HttpError(
        400,
        allowed.length === 0
          ? `unknown query parameter '${shown(key)}': this path takes none`
          : `unknown query parameter '${shown(key)}' (expected ${allowed.join(', ')})`,
      );
    }
    const values = query.getAll(key);
    if (values.length > 1) throw new HttpError(400, `query parameter '${key}' is given more than once`);
    out[key] = values[0] ?? '';
  }
  return out;
}

/** `?status=S&queue=Q&limit=N` of the listings; empty values are no filter. */
function listFilter(query: URLSearchParams): { status?: string; queue?: string; limit?: number } {
  const q = queryOf(query, ['status', 'queue', 'limit']);
  return {
    ...(q.status ? { status: q.status } : {}),
    ...(q.queue ? { queue: q.queue } : {}),
    ...(q.limit !== undefined ? { limit: positiveInt(q.limit, 'limit') } : {}),
  };
}

function idParam(ctx: RouteContext, name: string): number {
  return positiveInt(ctx.params[0] ?? '', name);
}

/** `{ "workerIDs": [1, 2] }`: a non-empty list of positive integers, duplicates dropped. */
function workerIDsOf(body: unknown): number[] {
  const usage = 'the body must be a JSON object { "workerIDs": [<workerID>, …] }';
  if (body === undefined) throw new HttpError(400, `${usage}; there is no body`);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, usage);
  for (const key of Object.keys(body)) {
    if (key !== 'workerIDs') throw new HttpError(400, `unknown field '${shown(key)}': ${usage}`);
  }
  const ids = (body as { workerIDs?: unknown }).workerIDs;
  if (!Array.isArray(ids) || ids.length === 0) {
    throw new HttpError(400, 'workerIDs must be a non-empty array of positive integers');
  }
  if (ids.length > MAX_KILL_IDS) {
    throw new HttpError(400, `workerIDs: at most ${MAX_KILL_IDS} workers per request, got ${ids.length}`);
  }
  for (const id of ids) {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) {
      throw new HttpError(
        400,
        `workerIDs must hold positive integers, got ${shown(JSON.stringify(id) ?? String(id))}`,
      );
    }
  }
  return [...new Set(ids as number[])];
}

export const ROUTES: readonly Route[] = [
  {
    path: /^\/health$/,
    methods: {
      GET: async (ctx) => {
        queryOf(ctx.query, []);
        const now = Date.now();
        return {
          body: {
            status: 'ok',
            harvesterId: ctx.identity.harvesterId,
            instance: ctx.identity.instance,
            startedAt: ctx.startedAt.toISOString(),
            uptimeSeconds: Math.max(0, Math.floor((now - ctx.startedAt.getTime()) / 1000)),
          },
        };
      },
    },
  },
  {
    path: /^\/status$/,
    methods: {
      GET: async (ctx) => {
        queryOf(ctx.query, []);
        return { body: await stateCounts(ctx.ds) };
      },
    },
  },
  {
    path: /^\/jobs$/,
    methods: { GET: async (ctx) => ({ body: await listJobs(ctx.ds, listFilter(ctx.query)) }) },
  },
  {
    path: /^\/jobs\/([^/]+)$/,
    methods: {
      GET: async (ctx) => {
        const id = idParam(ctx, 'PandaID');
        queryOf(ctx.query, []);
        const job = await inspectJob(ctx.ds, id);
        if (!job) throw new HttpError(404, `no job ${id}`);
        return { body: job };
      },
    },
  },
  {
    path: /^\/workers$/,
    methods: { GET: async (ctx) => ({ body: await listWorkers(ctx.ds, listFilter(ctx.query)) }) },
  },
  // Before /workers/<id>: "kill" is not a workerID.
  {
    path: /^\/workers\/kill$/,
    methods: {
      POST: async (ctx) => {
        queryOf(ctx.query, []);
        const ids = workerIDsOf(ctx.body);
        return { body: await requestWorkerKill(ctx.ds, ids) };
      },
    },
  },
  {
    path: /^\/workers\/([^/]+)$/,
    methods: {
      GET: async (ctx) => {
        const id = idParam(ctx, 'workerID');
        queryOf(ctx.query, []);
        const worker = await inspectWorker(ctx.ds, id);
        if (!worker) throw new HttpError(404, `no worker ${id}`);
        return { body: worker };
      },
    },
  },
  {
    path: /^\/workers\/([^/]+)\/kill$/,
    methods: {
      POST: async (ctx) => {
        const id = idParam(ctx, 'workerID');
        queryOf(ctx.query, []);
        // No body is needed; one that is sent must still be JSON (the server checks) and is ignored.
        const result = await requestWorkerKill(ctx.ds, [id]);
        if (result.unknown.length > 0) throw new HttpError(404, `no worker ${id}`);
        return { body: result };
      },
    },
  },
];
