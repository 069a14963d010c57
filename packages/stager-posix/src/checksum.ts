// Streaming checksums of files: adler32 (what PanDA and Rucio record as `ad:<8 hex>`), md5 and
// the zip CRC-32, computed in one read of the file.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as zlib from 'node:zlib';
import { parsePandaChecksum } from '@harvester-ts/core';

const ADLER_MOD = 65521;
// The largest run of bytes whose sums cannot overflow 2^53 before the modulo (zlib uses 5552 for
// 32-bit arithmetic; doubles allow far more, but the modulo per chunk keeps it simple).
const ADLER_NMAX = 5552;

/** An incremental adler32: feed it chunks with `update`, read `value` or `hex` at the end. */
export class Adler32 {
  private a = 1;
  private b = 0;

  update(chunk: Uint8Array): this {
    let { a, b } = this;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      const end = Math.min(n, i + ADLER_NMAX);
      for (; i < end; i++) {
        a += chunk[i]!;
        b += a;
      }
      a %= ADLER_MOD;
      b %= ADLER_MOD;
    }
    this.a = a;
    this.b = b;
    return this;
  }

  /** The checksum as an unsigned 32-bit integer. */
  get value(): number {
    return ((this.b << 16) | this.a) >>> 0;
  }

  /** The checksum as 8 lower-case hex digits (what follows `ad:`). */
  get hex(): string {
    return this.value.toString(16).padStart(8, '0');
  }
}

/** adler32 of a buffer or string (UTF-8), as an unsigned 32-bit integer. */
export function adler32(data: Uint8Array | string): number {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return new Adler32().update(bytes).value;
}

/** adler32 of a buffer or string, as 8 lower-case hex digits. */
export function adler32Hex(data: Uint8Array | string): string {
  return adler32(data).toString(16).padStart(8, '0');
}

// CRC-32 (IEEE 802.3) for zip entries: zlib.crc32 where the running Node has it (20.15+),
// else a table-driven fallback.
type Crc32Fn = (data: Uint8Array, value?: number) => number;
const nativeCrc32 = (zlib as unknown as { crc32?: Crc32Fn }).crc32;
let crcTable: Uint32Array | undefined;

function tableCrc32(data: Uint8Array, value = 0): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = (value ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** CRC-32 of `data`, continuing from `value` (0 to start). */
export function crc32(data: Uint8Array, value = 0): number {
  return nativeCrc32 ? nativeCrc32(data, value) >>> 0 : tableCrc32(data, value);
}

/** An incremental CRC-32. */
export class Crc32 {
  value = 0;
  update(chunk: Uint8Array): this {
    this.value = crc32(chunk, this.value);
    return this;
  }
}

export interface FileDigests {
  size: number;
  /** 8 lower-case hex digits. */
  adler32: string;
  /** 32 lower-case hex digits, when asked for. */
  md5?: string;
  /** CRC-32 as an unsigned integer, when asked for. */
  crc32?: number;
}

export interface DigestRequest {
  md5?: boolean;
  crc32?: boolean;
  signal?: AbortSignal | undefined;
}

/** Size, adler32 and (optionally) md5 and CRC-32 of a file, in one streaming read. */
export async function digestFile(path: string, want: DigestRequest = {}): Promise<FileDigests> {
  const ad = new Adler32();
  const md5: Hash | undefined = want.md5 ? createHash('md5') : undefined;
  const crc = want.crc32 ? new Crc32() : undefined;
  let size = 0;
  const stream = createReadStream(path, want.signal ? { signal: want.signal } : {});
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    ad.update(chunk);
    md5?.update(chunk);
    crc?.update(chunk);
  }
  const out: FileDigests = { size, adler32: ad.hex };
  if (md5) out.md5 = md5.digest('hex');
  if (crc) out.crc32 = crc.value;
  return out;
}

/** What a FileSpec's chksum asks to be checked, or why it cannot be used. */
export type ExpectedChecksum =
  | { kind: 'none' }
  | { kind: 'adler32' | 'md5'; digest: string; text: string }
  | { kind: 'invalid'; text: string };

const ABSENT = new Set(['', 'null', 'none', 'undefined']);

/**
 * Parses a FileSpec/PanDA checksum (`ad:…`, `md:…`, `md5:…`, bare hex). Empty or `NULL` means no
 * checksum; adler32 digests are padded to 8 digits.
 */
export function expectedChecksum(value: string | null | undefined): ExpectedChecksum {
  if (value === null || value === undefined || ABSENT.has(value.trim().toLowerCase()))
    return { kind: 'none' };
  const parsed = parsePandaChecksum(value);
  if (!parsed) return { kind: 'invalid', text: value };
  const digest = parsed.algorithm === 'adler32' ? parsed.digest.padStart(8, '0') : parsed.digest;
  return { kind: parsed.algorithm, digest, text: value };
}

/** The digest of `got` that `expected` names, for comparison. */
export function digestFor(expected: { kind: 'adler32' | 'md5' }, got: FileDigests): string | undefined {
  return expected.kind === 'adler32' ? got.adler32 : got.md5;
}
