// What the real server's Python does to values on the way out: `str()` of a dict (the v1 answer
// when the client asked for neither JSON content type nor JSON accept), `json.dumps` with its
// default separators and ASCII escaping, and Python's type names for the messages of its
// argument checks. JS has one number type: integral numbers are taken for Python ints, the rest
// for floats (a JSON body from a JS client cannot say `1.0`).

/** An exception as the Python server would raise it; `type` is the class name (TypeError, KeyError, ...). */
export class PyException extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

/** A multipart file field (werkzeug's FileStorage). */
export class PyFileStorage {
  constructor(
    readonly filename: string,
    readonly content: Buffer,
    readonly contentType: string,
  ) {}
}

/** Python's type name of a decoded value (`type(v).__name__`). */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  if (Array.isArray(value)) return 'list';
  if (value instanceof PyFileStorage) return 'FileStorage';
  return 'dict';
}

/** Python's repr of a float. */
function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const [mantissa = '0', expText = '0'] = x.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const sign = exp < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const s = String(x);
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}

function intRepr(x: number): string {
  return Number.isSafeInteger(x) ? String(x) : BigInt(x).toString();
}

/** Python's repr of a str (quote choice and escapes of CPython's unicode_repr). */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code >= 0x80 && code < 0xa0) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code === 0xad) out += '\\xad';
    else out += ch;
  }
  return out + quote;
}

/** Python's repr of a JSON-like value (dict keys in insertion order). */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? intRepr(value) : floatRepr(value);
  if (typeof value === 'string') return pyStrRepr(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (value instanceof PyFileStorage) {
    return `<FileStorage: ${pyStrRepr(value.filename)} (${pyStrRepr(value.contentType)})>`;
  }
  if (value instanceof Date) return `datetime.datetime(${value.toISOString()})`;
  const entries = Object.entries(value as Record<string, unknown>);
  return `{${entries.map(([k, v]) => `${pyStrRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
}

/** Python's str(): the text itself for a str, repr otherwise. */
export function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value);
}

function jsonString(s: string): string {
  // json.dumps escapes every non-ASCII character (ensure_ascii=True), surrogate pairs as two escapes.
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    const ch = s[i] as string;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** `json.dumps(value)` with Python's defaults (", " and ": " separators, ASCII only, NaN/Infinity literals). */
export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
    return Number.isInteger(value) ? intRepr(value) : floatRepr(value);
  }
  if (typeof value === 'string') return jsonString(value);
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.map(([k, v]) => `${jsonString(k)}: ${pyJsonDumps(v)}`).join(', ')}}`;
}

/** Python `==` for the values the argument checks compare (numbers and bools compare by value). */
export function pyEquals(a: unknown, b: unknown): boolean {
  const num = (v: unknown): number | undefined =>
    typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : undefined;
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) return na === nb;
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => pyEquals(v, b[i]));
  }
  return false;
}

/** Python's `float(text)` for a str; throws ValueError like Python. */
export function pyFloat(text: string): number {
  const s = text.trim();
  const digits = /^[+-]?((\d(_?\d)*)?\.?(\d(_?\d)*)?)([eE][+-]?\d(_?\d)*)?$/;
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(s)) return Number.NaN;
  if (s !== '' && digits.test(s) && /\d/.test(s.replace(/[eE].*$/, ''))) return Number(s.replaceAll('_', ''));
  throw new PyException('ValueError', `could not convert string to float: ${pyStrRepr(text)}`);
}

/** Python's `int(float(text))`. */
export function pyIntOfFloat(text: string): number {
  const f = pyFloat(text);
  if (Number.isNaN(f)) throw new PyException('ValueError', 'cannot convert float NaN to integer');
  if (!Number.isFinite(f)) throw new PyException('OverflowError', 'cannot convert float infinity to integer');
  return Math.trunc(f);
}

/** Python's repr of bytes (for messages quoting raw input). */
export function pyBytesRepr(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) {
    if (b === 0x5c) out += '\\\\';
    else if (b === 0x27) out += "\\'";
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x09) out += '\\t';
    else if (b < 0x20 || b >= 0x7f) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(b);
  }
  // Python picks double quotes when the bytes hold a ' and no ".
  if (bytes.includes(0x27) && !bytes.includes(0x22)) return `b"${out.replaceAll("\\'", "'")}"`;
  return `b'${out}'`;
}
