// Job updates as the server receives them (v1 snake_case, legacy camelCase) mapped back to the
// WmsJobUpdate records of the SimulatedWms, so a test can assert what a communicator reported
// with the same helpers it uses for in-process communicators.
import { type JsonObject, PANDA_FORWARDED_JOB_ATTRIBUTES } from '@harvester-ts/core';
import type { WmsJobUpdate } from '../simulated-wms.js';

/** v1 name -> job attribute name (camelCase, as JobSpec.jobAttributes holds them). */
const V1_TO_ATTRIBUTE: Record<string, string> = {
  ...Object.fromEntries(
    Object.entries(PANDA_FORWARDED_JOB_ATTRIBUTES as Record<string, string | null>)
      .filter((e): e is [string, string] => e[1] !== null)
      .map(([attr, v1]) => [v1, attr]),
  ),
  corrupted_files: 'corruptedFiles',
  mean_core_count: 'meanCoreCount',
  cpu_architecture_level: 'cpu_architecture_level',
  grid: 'grid',
  source_site: 'source_site',
  destination_site: 'destination_site',
};

/** Fields that become WmsJobUpdate fields rather than attributes. */
const V1_TOP_LEVEL = new Set([
  'job_id',
  'job_status',
  'job_sub_status',
  'attempt_nr',
  'core_count',
  'start_time',
  'end_time',
  'meta_data',
  'job_output_report',
  'timeout',
]);

const LEGACY_TOP_LEVEL = new Set([
  'jobId',
  'state',
  'jobSubStatus',
  'attemptNr',
  'coreCount',
  'startTime',
  'endTime',
  'metaData',
  'xml',
  'timeout',
]);

/** `"%Y-%m-%d %H:%M:%S"` (UTC) as the server parses it; anything else is ignored, like the server does. */
export function parsePandaTime(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})$/.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** A time as Harvester sends it in worker and dialog records (with or without fraction, `datetime/` prefix). */
export function parseLooseTime(value: unknown): Date | null {
  if (typeof value !== 'string' || value === '') return null;
  const s = value.startsWith('datetime/') ? value.slice('datetime/'.length) : value;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?$/.exec(s);
  if (m) {
    const ms = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
    return new Date(
      Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms),
    );
  }
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** A JSON text as an object; other text is kept as `{ raw: text }` so nothing sent is lost. */
export function jsonObjectOf(value: unknown): JsonObject | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'object' && !Array.isArray(value)) return value as JsonObject;
  if (typeof value !== 'string') return { raw: value };
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as JsonObject;
  } catch {
    // not JSON: kept raw below
  }
  return { raw: value };
}

const toNumber = (v: unknown): number | null => {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
};

/** A v1 update_job call (the parameters sent, not the defaults) as a WmsJobUpdate. */
export function wmsUpdateOfV1(sent: Record<string, unknown>): WmsJobUpdate {
  const attributes: JsonObject = {};
  for (const [name, value] of Object.entries(sent)) {
    if (V1_TOP_LEVEL.has(name) || value === null || value === undefined) continue;
    attributes[V1_TO_ATTRIBUTE[name] ?? name] = value;
  }
  const update: WmsJobUpdate = { PandaID: Number(sent.job_id), status: String(sent.job_status) };
  if (sent.job_sub_status !== undefined) update.subStatus = sent.job_sub_status as string | null;
  if (sent.attempt_nr !== undefined) update.attemptNr = toNumber(sent.attempt_nr);
  if (sent.core_count !== undefined) update.coreCount = toNumber(sent.core_count);
  const start = parsePandaTime(sent.start_time);
  if (start) update.startTime = start;
  const end = parsePandaTime(sent.end_time);
  if (end) update.endTime = end;
  if (sent.meta_data !== undefined) update.metaData = jsonObjectOf(sent.meta_data);
  if (sent.job_output_report !== undefined) update.outputFilesToReport = jsonObjectOf(sent.job_output_report);
  if (Object.keys(attributes).length > 0) update.attributes = attributes;
  return update;
}

/** A legacy updateJob call (camelCase, string values) as a WmsJobUpdate. */
export function wmsUpdateOfLegacy(sent: Record<string, unknown>): WmsJobUpdate {
  const attributes: JsonObject = {};
  for (const [name, value] of Object.entries(sent)) {
    if (LEGACY_TOP_LEVEL.has(name) || value === null || value === undefined) continue;
    attributes[name] = value;
  }
  const update: WmsJobUpdate = { PandaID: Number(sent.jobId), status: String(sent.state) };
  if (sent.jobSubStatus !== undefined) update.subStatus = sent.jobSubStatus as string | null;
  if (sent.attemptNr !== undefined) update.attemptNr = toNumber(sent.attemptNr);
  if (sent.coreCount !== undefined) update.coreCount = toNumber(sent.coreCount);
  const start = parsePandaTime(sent.startTime);
  if (start) update.startTime = start;
  const end = parsePandaTime(sent.endTime);
  if (end) update.endTime = end;
  if (sent.metaData !== undefined) update.metaData = jsonObjectOf(sent.metaData);
  if (sent.xml !== undefined) update.outputFilesToReport = jsonObjectOf(sent.xml);
  if (Object.keys(attributes).length > 0) update.attributes = attributes;
  return update;
}
