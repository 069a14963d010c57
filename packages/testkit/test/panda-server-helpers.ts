// Requests to the fake PanDA server the way a client sends them: fetch for plain HTTP (and
// HTTPS without client certificates), node:https when a client certificate is needed.
import { request as httpsRequest } from 'node:https';
import { gzipSync } from 'node:zlib';
import type { FakePandaServer } from '../src/index.js';

export interface Reply {
  status: number;
  contentType: string | null;
  text: string;
}

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT';
  /** POSTed as JSON (Content-Type: application/json). */
  json?: unknown;
  /** Gzip the JSON body (Content-Encoding: gzip). */
  gzip?: boolean;
  /** GET query (repeated keys for arrays) or a urlencoded form for POST with `form: true`. */
  query?: Record<string, string | number | boolean | (string | number)[]>;
  form?: Record<string, string>;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Ask for JSON answers (Accept: application/json). Default true. */
  acceptJson?: boolean;
}

function queryString(query: CallOptions['query']): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
  }
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

/** One request to `${server.url}${path}`. */
export async function call(server: FakePandaServer, path: string, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (options.acceptJson ?? true) headers.Accept = 'application/json';
  let body: string | Buffer | undefined = options.body;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
    if (options.gzip) {
      body = gzipSync(body);
      headers['Content-Encoding'] = 'gzip';
    }
  }
  if (options.form !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  Object.assign(headers, options.headers ?? {});
  const method = options.method ?? (body !== undefined ? 'POST' : 'GET');
  const res = await fetch(`${server.url}${path}${queryString(options.query)}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
}

/** A v1 call; parses the JSON envelope. */
export async function v1(
  server: FakePandaServer,
  endpoint: string,
  options: CallOptions = {},
): Promise<Reply & { envelope: { success: boolean; message: string; data: unknown } }> {
  const reply = await call(server, `/api/v1/${endpoint}`, options);
  return { ...reply, envelope: JSON.parse(reply.text) };
}

export interface HttpsOptions {
  ca: string;
  cert?: string;
  key?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** A request over HTTPS with node:https (fetch cannot send client certificates). */
export function httpsCall(url: string, options: HttpsOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: options.method ?? 'GET',
        ca: options.ca,
        ...(options.cert !== undefined ? { cert: options.cert, key: options.key } : {}),
        headers: options.headers ?? {},
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: (res.headers['content-type'] as string | undefined) ?? null,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
