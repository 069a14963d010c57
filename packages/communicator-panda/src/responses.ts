// Reading server answers. Anything that is not the documented shape becomes a diagnostic naming
// the endpoint, the HTTP status and a snippet of the body, so a log line says what the server did.
import { oneLine } from '@harvester-ts/core';

/** An HTTP answer as the transport hands it over (any status it did not retry). */
export interface HttpAnswer {
  endpoint: string;
  status: number;
  body: string;
  /** The body may hold secrets (job dictionaries): diagnostics give its size only. */
  redact?: boolean;
}

/** The API v1 response envelope. */
export interface Envelope {
  success: boolean;
  message: string;
  data: unknown;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; diag: string };

const SNIPPET = 200;

/** A body cut to one short line for diagnostics. */
export function snippet(body: string): string {
  return body.trim() === '' ? '(empty body)' : oneLine(body, SNIPPET);
}

/** A snippet of the body, or (`redact`) only its size. */
export function bodyText(body: string, redact: boolean): string {
  if (!redact) return snippet(body);
  return `(${Buffer.byteLength(body, 'utf8')} bytes, not shown: it may hold job secrets)`;
}

/** `<endpoint>: HTTP <status>: <why>; body: <snippet>` (the body's size only when redacted). */
export function answerDiag(answer: HttpAnswer, why: string): string {
  return `${answer.endpoint}: HTTP ${answer.status}: ${why}; body: ${bodyText(answer.body, answer.redact === true)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a body that is not JSON is not: a Python repr is named, as it means the client sent the wrong headers. */
function notJson(body: string): string {
  const t = body.trimStart();
  if (/^[{[]/.test(t) && /'[^']*'\s*:|\b(True|False|None)\b/.test(t))
    return 'a Python repr instead of JSON (the server did not see Accept/Content-Type application/json)';
  return 'not JSON';
}

/** JSON.parse that reports instead of throwing. */
export function parseJson(answer: HttpAnswer): Parsed<unknown> {
  try {
    return { ok: true, value: JSON.parse(answer.body) as unknown };
  } catch {
    return { ok: false, diag: answerDiag(answer, notJson(answer.body)) };
  }
}

/** The `{success, message, data}` envelope of an API v1 answer (HTTP 200). */
export function parseEnvelope(answer: HttpAnswer): Parsed<Envelope> {
  if (answer.status !== 200) return { ok: false, diag: answerDiag(answer, 'unexpected status') };
  const json = parseJson(answer);
  if (!json.ok) return json;
  const v = json.value;
  if (!isRecord(v) || typeof v.success !== 'boolean')
    return { ok: false, diag: answerDiag(answer, 'not a {success, message, data} envelope') };
  const message = typeof v.message === 'string' ? v.message : v.message == null ? '' : String(v.message);
  return { ok: true, value: { success: v.success, message, data: v.data ?? null } };
}

/**
 * The messages of the server's argument checking (HTTP 200, success=false): the same request will
 * never be accepted, so these are fatal and never retried.
 */
const ARGUMENT_ERROR = /^(Argument error|Type error|expecting (GET|POST))\b/i;

export function isArgumentErrorMessage(message: string): boolean {
  return ARGUMENT_ERROR.test(message.trim());
}

/**
 * A legacy-server HTTP 500 that is a Python TypeError about the call's arguments (unknown or
 * missing keyword): retrying cannot help. Only the legacy API answers argument errors this way;
 * on API v1 they are HTTP 200 success=false, and a 500 is a server failure.
 */
const LEGACY_ARGUMENT_ERROR =
  /TypeError|got an unexpected keyword argument|missing \d+ required (positional|keyword)/;

/** The line of a legacy HTTP 500 body naming the argument error, or undefined when it is not one. */
export function legacyArgumentError(body: string): string | undefined {
  if (!LEGACY_ARGUMENT_ERROR.test(body)) return undefined;
  const line = body.split(/\r?\n/).find((l) => LEGACY_ARGUMENT_ERROR.test(l)) ?? body;
  return oneLine(line, SNIPPET);
}

/**
 * A legacy "protocol" answer: a JSON object, or (a server that ignored Accept) the urlencoded
 * form `StatusCode=0&...`, whose values are then strings.
 */
export function parseLegacyObject(answer: HttpAnswer): Parsed<Record<string, unknown>> {
  if (answer.status !== 200) return { ok: false, diag: answerDiag(answer, 'unexpected status') };
  const json = parseJson(answer);
  if (json.ok) {
    if (isRecord(json.value)) return { ok: true, value: json.value };
    return { ok: false, diag: answerDiag(answer, 'expected a JSON object') };
  }
  const text = answer.body.trim();
  if (/^StatusCode=/.test(text)) {
    const form = Object.fromEntries(new URLSearchParams(text)) as Record<string, unknown>;
    if (typeof form.StatusCode === 'string' && /^-?\d+$/.test(form.StatusCode))
      form.StatusCode = Number(form.StatusCode);
    return { ok: true, value: form };
  }
  return json;
}

/** A legacy `[bool, value]` answer (updateJobsInBulk, updateWorkers, harvesterIsAlive, ...). */
export function parseLegacyPair(answer: HttpAnswer): Parsed<[boolean, unknown]> {
  if (answer.status !== 200) return { ok: false, diag: answerDiag(answer, 'unexpected status') };
  const json = parseJson(answer);
  if (!json.ok) return json;
  const v = json.value;
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'boolean')
    return { ok: false, diag: answerDiag(answer, 'expected [true|false, value]') };
  return { ok: true, value: [v[0], v[1]] };
}

/** The legacy StatusCode of a protocol answer, or undefined when absent or not an integer. */
export function statusCodeOf(value: Record<string, unknown>): number | undefined {
  const c = value.StatusCode;
  if (typeof c === 'number' && Number.isInteger(c)) return c;
  if (typeof c === 'string' && /^-?\d+$/.test(c.trim())) return Number(c);
  return undefined;
}

/**
 * PanDA's protocol status codes (pandaserver/dataservice Protocol): 0 success, 10 timeout,
 * 20 no jobs, 30 failed (an unknown job, but also a server that failed to apply the update),
 * 40 non-secure, 50 invalid, 60 role, 70 permission.
 */
export const PandaStatusCode = {
  success: 0,
  timeout: 10,
  noJobs: 20,
  failed: 30,
  nonSecure: 40,
  invalid: 50,
  role: 60,
  perms: 70,
} as const;

/**
 * StatusCodes of a job update the server will never accept as sent: an invalid status. Not 30
 * (SC_Failed): it also means the server failed to apply the update, so, like Harvester, the
 * update is sent again next cycle.
 */
export const REFUSED_JOB_STATUS_CODES: ReadonlySet<number> = new Set([PandaStatusCode.invalid]);

/** A value that may be a JSON string of itself (legacy answers of version 0 encode lists as strings). */
export function maybeJsonString(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

export { isRecord };
