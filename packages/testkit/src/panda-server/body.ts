// Request parameters as the real server's WSGI entry point reads them: JSON bodies (only for
// Content-Type exactly application/json, gzip when Content-Encoding says so), query strings
// (repeated keys become lists), urlencoded and multipart forms (first value per key).
import { gunzipSync } from 'node:zlib';
import { PyException, PyFileStorage, pyBytesRepr } from './python.js';

/** Thrown for a JSON body that does not parse; the server answers HTTP 500 `ERROR : received invalid JSON : …`. */
export class InvalidJsonError extends Error {}

function lineColumn(text: string, pos: number): string {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - (before.lastIndexOf('\n') + 1) + 1;
  return `line ${line} column ${column} (char ${pos})`;
}

/**
 * `json.loads` with a Python-like message on failure. The position is V8's when it gives one;
 * otherwise the first character when the text cannot start a JSON value, else the end.
 */
export function pyJsonLoads(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const first = text.length - text.trimStart().length;
    let pos: number;
    if (m) pos = Number(m[1]);
    else if (text.trim() === '' || !/[[{"\d\-tfn]/.test(text[first] ?? '')) pos = first;
    else pos = text.length;
    let what = 'Expecting value';
    if (pos > 0) {
      try {
        JSON.parse(text.slice(0, pos));
        what = 'Extra data';
      } catch {
        if (/[{,]\s*$/.test(text.slice(0, pos)) && text[pos] !== '"')
          what = 'Expecting property name enclosed in double quotes';
      }
    }
    throw new InvalidJsonError(`${what}: ${lineColumn(text, pos)}`);
  }
}

/** `gzip.decompress`, failing like Python for something that is not gzip. */
export function pyGunzip(body: Buffer): Buffer {
  if (body.length < 2 || body[0] !== 0x1f || body[1] !== 0x8b) {
    throw new PyException('BadGzipFile', `Not a gzipped file (${pyBytesRepr(body.subarray(0, 2))})`);
  }
  try {
    return gunzipSync(body);
  } catch (e) {
    throw new PyException(
      'EOFError',
      `Compressed file ended before the end-of-stream marker was reached ${String(e)}`,
    );
  }
}

/** `parse_qsl(..., keep_blank_values=True)` grouped: one value per key as a str, repeated keys as a list. */
export function parseQuery(query: string): Record<string, string | string[]> {
  const grouped = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(query)) {
    const list = grouped.get(k) ?? [];
    list.push(v);
    grouped.set(k, list);
  }
  const out: Record<string, string | string[]> = {};
  for (const [k, values] of grouped) out[k] = values.length === 1 ? (values[0] as string) : values;
  return out;
}

/** The media type of a Content-Type header, lower case, without parameters. */
export function mimeType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function headerParam(header: string, name: string): string | undefined {
  const re = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;]*))`, 'i');
  const m = re.exec(header);
  return m ? (m[1] ?? m[2]?.trim()) : undefined;
}

/** A multipart/form-data body: string fields as str, file fields as PyFileStorage (first value per name). */
export function parseMultipart(body: Buffer, contentType: string): Record<string, unknown> {
  const boundary = headerParam(contentType, 'boundary');
  const out: Record<string, unknown> = {};
  if (!boundary) return out;
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    let start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    if (body.subarray(start, start + 2).toString() === '\r\n') start += 2;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    const part = body.subarray(start, next - 2); // without the CRLF before the delimiter
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const content = part.subarray(headerEnd + 4);
      const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
      const type = /content-type:([^\r\n]*)/i.exec(headers)?.[1]?.trim() ?? 'application/octet-stream';
      const name = headerParam(disposition, 'name');
      const filename = headerParam(disposition, 'filename');
      if (name !== undefined && !Object.hasOwn(out, name)) {
        out[name] =
          filename !== undefined
            ? new PyFileStorage(filename, Buffer.from(content), type)
            : content.toString('utf8');
      }
    }
    pos = next;
  }
  return out;
}

/** werkzeug's parse_form_data: urlencoded and multipart forms; any other body gives no parameters. */
export function parseForm(body: Buffer, contentType: string | undefined): Record<string, unknown> {
  const mime = mimeType(contentType);
  if (mime === 'application/x-www-form-urlencoded') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) if (!Object.hasOwn(out, k)) out[k] = v;
    return out;
  }
  if (mime === 'multipart/form-data') return parseMultipart(body, contentType ?? '');
  return {};
}
