// A minimal zip writer: STORE method (no compression; ATLAS outputs are compressed already),
// UTF-8 names, no zip64 (members and archive under 4 GiB, at most 65535 members). The archive
// is written to a temporary file and renamed into place; its size and adler32 are computed as
// it is written.
import { createReadStream } from 'node:fs';
import { type FileHandle, open, rm, stat } from 'node:fs/promises';
import { Adler32, crc32, digestFile } from './checksum.js';
import { replaceWithTemp, tempPathFor } from './fs-util.js';

export interface ZipMember {
  /** The name inside the archive (one path component). */
  name: string;
  /** The file to store. */
  path: string;
}

export interface ZipResult {
  size: number;
  /** adler32 of the archive, 8 lower-case hex digits. */
  adler32: string;
  /** Per member: size, CRC-32 and adler32. */
  members: { name: string; size: number; crc32: number; adler32: string }[];
}

export class ZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipError';
  }
}

const LIMIT32 = 0xffffffff;
const FLAG_UTF8 = 0x0800;
const VERSION_NEEDED = 10; // 1.0: stored entries
const VERSION_MADE_BY = (3 << 8) | 20; // Unix, spec 2.0

function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, Math.min(2107, d.getFullYear()));
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

class Writer {
  offset = 0;
  private readonly adler = new Adler32();
  constructor(private readonly fh: FileHandle) {}

  async write(buf: Uint8Array): Promise<void> {
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await this.fh.write(buf, done, buf.length - done);
      done += bytesWritten;
    }
    this.adler.update(buf);
    this.offset += buf.length;
  }

  get adler32(): string {
    return this.adler.hex;
  }
}

/** Writes `members` into a new zip archive at `target` (replacing it atomically). */
export async function writeZip(
  target: string,
  members: readonly ZipMember[],
  signal?: AbortSignal,
): Promise<ZipResult> {
  if (members.length === 0) throw new ZipError('a zip needs at least one member');
  if (members.length > 0xffff)
    throw new ZipError(`too many members (${members.length}) for a zip without zip64`);
  const seen = new Set<string>();
  for (const m of members) {
    if (seen.has(m.name)) throw new ZipError(`duplicate member name ${JSON.stringify(m.name)}`);
    seen.add(m.name);
  }
  const temp = tempPathFor(target);
  const fh = await open(temp, 'wx');
  const central: Buffer[] = [];
  const result: ZipResult['members'] = [];
  try {
    const w = new Writer(fh);
    for (const m of members) {
      signal?.throwIfAborted();
      const st = await stat(m.path);
      if (!st.isFile()) throw new ZipError(`member ${m.name}: ${m.path} is not a regular file`);
      const digests = await digestFile(m.path, { crc32: true, signal });
      const crc = digests.crc32!;
      const size = digests.size;
      if (size >= LIMIT32) throw new ZipError(`member ${m.name} is too large for a zip without zip64`);
      const name = Buffer.from(m.name, 'utf8');
      const { time, date } = dosDateTime(st.mtime);
      const headerOffset = w.offset;
      if (headerOffset >= LIMIT32) throw new ZipError('archive too large for a zip without zip64');

      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(VERSION_NEEDED, 4);
      local.writeUInt16LE(FLAG_UTF8, 6);
      local.writeUInt16LE(0, 8); // stored
      local.writeUInt16LE(time, 10);
      local.writeUInt16LE(date, 12);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(size, 18);
      local.writeUInt32LE(size, 22);
      local.writeUInt16LE(name.length, 26);
      local.writeUInt16LE(0, 28);
      await w.write(local);
      await w.write(name);

      // The data, checked against the first read so a file changing underneath is caught.
      let copied = 0;
      let crcAgain = 0;
      const stream = createReadStream(m.path, signal ? { signal } : {});
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        copied += chunk.length;
        crcAgain = crc32(chunk, crcAgain);
        await w.write(chunk);
      }
      if (copied !== size || crcAgain !== crc) {
        throw new ZipError(`member ${m.name} changed while it was being zipped`);
      }

      const cd = Buffer.alloc(46);
      cd.writeUInt32LE(0x02014b50, 0);
      cd.writeUInt16LE(VERSION_MADE_BY, 4);
      cd.writeUInt16LE(VERSION_NEEDED, 6);
      cd.writeUInt16LE(FLAG_UTF8, 8);
      cd.writeUInt16LE(0, 10);
      cd.writeUInt16LE(time, 12);
      cd.writeUInt16LE(date, 14);
      cd.writeUInt32LE(crc, 16);
      cd.writeUInt32LE(size, 20);
      cd.writeUInt32LE(size, 24);
      cd.writeUInt16LE(name.length, 28);
      cd.writeUInt16LE(0, 30); // extra
      cd.writeUInt16LE(0, 32); // comment
      cd.writeUInt16LE(0, 34); // disk
      cd.writeUInt16LE(0, 36); // internal attributes
      cd.writeUInt32LE((((st.mode & 0o777) | 0o100000) << 16) >>> 0, 38);
      cd.writeUInt32LE(headerOffset, 42);
      central.push(cd, name);
      result.push({ name: m.name, size, crc32: crc, adler32: digests.adler32 });
    }
    const cdOffset = w.offset;
    for (const part of central) await w.write(part);
    const cdSize = w.offset - cdOffset;
    if (w.offset >= LIMIT32) throw new ZipError('archive too large for a zip without zip64');
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(0, 4);
    eocd.writeUInt16LE(0, 6);
    eocd.writeUInt16LE(members.length, 8);
    eocd.writeUInt16LE(members.length, 10);
    eocd.writeUInt32LE(cdSize, 12);
    eocd.writeUInt32LE(cdOffset, 16);
    eocd.writeUInt16LE(0, 20);
    await w.write(eocd);
    await fh.sync();
    await fh.close();
    await replaceWithTemp(temp, target);
    return { size: w.offset, adler32: w.adler32, members: result };
  } catch (err) {
    await fh.close().catch(() => {});
    await rm(temp, { force: true });
    throw err;
  }
}
