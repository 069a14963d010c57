// Reading values out of a PanDA job dictionary: PanDA's null conventions, numbers that may come
// as strings, comma lists. Every problem becomes a JobDictError that names the PandaID (when it
// is known) and the field.
import { type ErrorContext, JobDictError } from '../errors.js';
import type { PandaJobDict } from './job-dict.js';

/** The string PanDA sends for an unset value. */
export const PANDA_NULL = 'NULL';

/** True for what PanDA means as "no value": missing, null, `''` or `'NULL'`. */
export function isPandaNull(value: unknown): value is undefined | null | '' | 'NULL' {
  if (value === undefined || value === null) return true;
  if (typeof value !== 'string') return false;
  const s = value.trim();
  return s === '' || s === PANDA_NULL;
}

/** A value for messages: strings quoted, everything else JSON-ish. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

/** An integer from a JSON number or a decimal string; undefined when it is neither. */
export function toPandaInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Throws unless the value is a plain object (not null, not an array). */
export function asPandaJobDict(value: unknown): PandaJobDict {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw new JobDictError(`PanDA job dictionary must be an object, got ${got}`, { received: got });
  }
  return value as PandaJobDict;
}

/** Reads fields of one job dictionary; errors carry the PandaID once it is known. */
export class PandaDictReader {
  constructor(
    readonly dict: PandaJobDict,
    public pandaID?: number,
  ) {}

  /** A JobDictError with the job prefix in the message and the PandaID in the context. */
  error(message: string, context: ErrorContext = {}): JobDictError {
    const prefix = this.pandaID === undefined ? 'PanDA job dictionary' : `PanDA job ${this.pandaID}`;
    const ctx: ErrorContext = this.pandaID === undefined ? {} : { PandaID: this.pandaID };
    return new JobDictError(`${prefix}: ${message}`, { ...ctx, ...context });
  }

  /**
   * An integer field (JSON number or decimal string) no smaller than `min` (null: no bound);
   * null when unset. Anything else is an error naming the field and the value.
   */
  int(field: string, min: number | null): number | null {
    const raw = this.dict[field];
    if (isPandaNull(raw)) return null;
    const n = toPandaInteger(raw);
    if (n === undefined || (min !== null && n < min)) {
      const what =
        min === null ? 'an integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
      throw this.error(`${field} must be ${what}, got ${describeValue(raw)}`, { field, value: raw });
    }
    return n;
  }

  /** A string field, trimmed; null when unset. Non-strings are an error. */
  text(field: string): string | null {
    const raw = this.dict[field];
    if (isPandaNull(raw)) return null;
    if (typeof raw !== 'string') {
      throw this.error(`${field} must be a string, got ${describeValue(raw)}`, { field, value: raw });
    }
    return raw.trim();
  }

  /**
   * A comma list: null when the whole field is unset (missing, `''`, `'NULL'`), else one entry
   * per position, trimmed, with `''` and `'NULL'` entries as null. A bare number is a list of one.
   */
  list(field: string): (string | null)[] | null {
    const raw = this.dict[field];
    if (isPandaNull(raw)) return null;
    if (typeof raw !== 'string' && !(typeof raw === 'number' && Number.isFinite(raw))) {
      throw this.error(`${field} must be a comma-separated string, got ${describeValue(raw)}`, {
        field,
        value: raw,
      });
    }
    return String(raw)
      .split(',')
      .map((entry) => (isPandaNull(entry) ? null : entry.trim()));
  }
}

/** The PandaID when the dictionary has a valid one (for error context only), else undefined. */
export function peekPandaID(dict: PandaJobDict): number | undefined {
  const n = toPandaInteger(dict.PandaID);
  return n !== undefined && n >= 1 ? n : undefined;
}

/** The required PandaID; an error when it is missing or not a positive integer. */
export function readPandaID(reader: PandaDictReader): number {
  const raw = reader.dict.PandaID;
  if (isPandaNull(raw)) {
    throw reader.error('PandaID is missing', { field: 'PandaID', value: raw ?? null });
  }
  const id = reader.int('PandaID', 1);
  // int() returns null only for unset values, handled above.
  return id as number;
}
