import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileSpec, instantiatePlugin, type JobSpec, type Stager } from '@harvester-ts/core';
import { makeJobSpec, testPluginContext } from '@harvester-ts/testkit';
import { crc32, PosixStager } from '../src/index.js';
import { hex8, listTree, md5hex, naiveAdler32, tempBase } from './helpers.js';

const SCOPE = 'mc23_13p6TeV';

async function stager(options: Record<string, unknown>): Promise<Stager> {
  const ctx = testPluginContext();
  return instantiatePlugin(PosixStager, 'stager', options, ctx, {
    queue: ctx.queueName,
    section: 'stager',
    module: '@harvester-ts/stager-posix',
    exportName: 'PosixStager',
  });
}

function rucio(root: string, scope: string, lfn: string): string {
  const h = md5hex(`${scope}:${lfn}`);
  return join(root, scope, h.slice(0, 2), h.slice(2, 4), lfn);
}

function hasUnzip(): boolean {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Parses a zip's end-of-central-directory and central directory (independently of the writer). */
function parseCentralDirectory(zip: Buffer): { name: string; size: number; crc: number; offset: number }[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(eocd).toBe(zip.length - 22);
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const out = [];
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(p)).toBe(0x02014b50);
    const crc = zip.readUInt32LE(p + 16);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extra = zip.readUInt16LE(p + 30);
    const comment = zip.readUInt16LE(p + 32);
    const offset = zip.readUInt32LE(p + 42);
    out.push({ name: zip.subarray(p + 46, p + 46 + nameLen).toString('utf8'), size, crc, offset });
    p += 46 + nameLen + extra + comment;
  }
  return out;
}

describe('PosixStager', () => {
  let base: string;
  let dest: string;
  let work: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ base, cleanup } = await tempBase());
    dest = join(base, 'r', 'dest');
    work = join(base, 'r', 'worker');
    await mkdir(work, { recursive: true });
  });
  afterEach(() => cleanup());

  async function jobWithOutputs(PandaID: number, outputs: Record<string, Buffer>): Promise<JobSpec> {
    const outputPaths: Record<string, string> = {};
    for (const [lfn, data] of Object.entries(outputs)) {
      outputPaths[lfn] = join(work, lfn);
      await writeFile(outputPaths[lfn], data);
    }
    return makeJobSpec({ PandaID, scope: SCOPE, outFiles: Object.keys(outputs), outputPaths, logFile: null });
  }

  it('copies outputs to their Rucio path with adler32, size and url recorded', async () => {
    const a = randomBytes(90_000);
    const b = Buffer.from('Wikipedia');
    const j = await jobWithOutputs(100, { 'HITS.1._000001.pool.root.1': a, 'HITS.1._000002.pool.root.1': b });
    const s = await stager({ destinationRoot: dest, unrelatedCommonKey: 'x' });
    expect(await s.triggerStageOut(j)).toMatchObject({ kind: 'success' });
    const [fa, fb] = j.getOutputFileSpecs({ skipDone: false });
    const da = rucio(dest, SCOPE, fa!.lfn);
    expect(await readFile(da)).toEqual(a);
    expect(fa!.status).toBe('finished');
    expect(fa!.chksum).toBe(`ad:${hex8(naiveAdler32(a))}`);
    expect(fa!.fsize).toBe(a.length);
    expect(fa!.url).toBe(pathToFileURL(da).href);
    expect(fb!.chksum).toBe('ad:11e60398');
    // No temporary files at the destination.
    expect((await listTree(dirname(da))).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(await s.checkStageOutStatus(j)).toMatchObject({ kind: 'success' });
  });

  it('uses scope panda when a file has none, and the flat layout when asked', async () => {
    const data = randomBytes(10);
    const j = await jobWithOutputs(101, { 'out.root': data });
    j.getOutputFileSpecs()[0]!.scope = null;
    const s = await stager({ destinationRoot: dest });
    expect((await s.triggerStageOut(j)).kind).toBe('success');
    expect(await readFile(rucio(dest, 'panda', 'out.root'))).toEqual(data);

    const j2 = await jobWithOutputs(102, { 'flat.root': data });
    const flat = await stager({ destinationRoot: dest, layout: 'flat' });
    expect((await flat.triggerStageOut(j2)).kind).toBe('success');
    expect(await readFile(join(dest, 'flat.root'))).toEqual(data);
  });

  it('is idempotent on retry (same content at the destination → finished)', async () => {
    const data = randomBytes(4096);
    const s = await stager({ destinationRoot: dest });
    const j1 = await jobWithOutputs(103, { 'retry.root': data });
    expect((await s.triggerStageOut(j1)).kind).toBe('success');
    // The engine died before recording it: the same file is staged again.
    const j2 = await jobWithOutputs(103, { 'retry.root': data });
    expect(await s.triggerStageOut(j2)).toMatchObject({ kind: 'success' });
    const f = j2.getOutputFileSpecs({ skipDone: false })[0]!;
    expect(f.status).toBe('finished');
    expect(f.chksum).toBe(`ad:${hex8(naiveAdler32(data))}`);
  });

  it('fails for good when a different file is at the destination', async () => {
    const s = await stager({ destinationRoot: dest });
    const other = Buffer.from('someone else');
    const target = rucio(dest, SCOPE, 'conflict.root');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, other);
    const j = await jobWithOutputs(104, { 'conflict.root': Buffer.from('ours') });
    const out = await s.triggerStageOut(j);
    expect(out.kind).toBe('fatal');
    expect(out.diag).toContain('conflict.root');
    expect(out.diag).toMatch(/different content/);
    expect(await readFile(target)).toEqual(other);
    expect((await listTree(dirname(target))).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('fails a recorded checksum that does not match the file', async () => {
    const j = await jobWithOutputs(105, { 'rec.root': Buffer.from('abc') });
    j.getOutputFileSpecs()[0]!.chksum = 'ad:00000001';
    const out = await (await stager({ destinationRoot: dest })).triggerStageOut(j);
    expect(out.kind).toBe('fatal');
    expect(out.diag).toContain('rec.root');
  });

  it('marks a missing output failed and stages the rest', async () => {
    const j = await jobWithOutputs(106, { 'ok.root': Buffer.from('ok'), 'gone.root': Buffer.from('x') });
    const { rm } = await import('node:fs/promises');
    await rm(join(work, 'gone.root'));
    const out = await (await stager({ destinationRoot: dest })).triggerStageOut(j);
    expect(out.kind).toBe('success');
    const byLfn = new Map(j.files.map((f) => [f.lfn, f]));
    expect(byLfn.get('ok.root')!.status).toBe('finished');
    expect(byLfn.get('gone.root')!.status).toBe('failed');
    expect(existsSync(rucio(dest, SCOPE, 'gone.root'))).toBe(false);
  });

  // The flat layout does not use the scope, so a hostile scope only matters for rucio.
  it.each([
    ['LFN with ..', SCOPE, '../../../../escaped', ['rucio', 'flat']],
    ['absolute LFN', SCOPE, join('/tmp', 'stager-posix-escaped'), ['rucio', 'flat']],
    ['LFN with newline', SCOPE, 'a\nb', ['rucio', 'flat']],
    ['LFN with NUL', SCOPE, 'a\0b', ['rucio', 'flat']],
    ['scope ..', '..', 'x.root', ['rucio']],
    ['absolute scope', '/etc', 'x.root', ['rucio']],
    ['user scope with ..', 'user..', 'x.root', ['rucio']],
  ])('fails for good on a hostile %s and writes nothing outside', async (_what, scope, lfn, layouts) => {
    const j = await jobWithOutputs(107, { 'placeholder.root': Buffer.from('payload') });
    const f = j.getOutputFileSpecs()[0]!;
    f.lfn = lfn;
    f.scope = scope;
    const before = await listTree(base);
    for (const layout of layouts) {
      const out = await (await stager({ destinationRoot: dest, layout })).triggerStageOut(j);
      expect(out.kind).toBe('fatal');
      expect(out.diag).toMatch(/unsafe/);
      expect(f.status).toBe('defined');
    }
    expect(await listTree(base)).toEqual(before);
    expect(existsSync('/tmp/stager-posix-escaped')).toBe(false);
  });

  it('refuses a destination directory that is a symlink out of the root', async () => {
    const outside = join(base, 'outside');
    await mkdir(outside);
    await mkdir(dest, { recursive: true });
    await symlink(outside, join(dest, SCOPE));
    const j = await jobWithOutputs(108, { 'evil.root': Buffer.from('payload') });
    const out = await (await stager({ destinationRoot: dest })).triggerStageOut(j);
    expect(out.kind).toBe('fatal');
    expect(out.diag).toMatch(/outside/);
    expect(await listTree(outside)).toEqual([]);
  });

  it('retries a temporary failure and fails the file after maxAttempts', async () => {
    // The destination root is a file: making directories under it fails (ENOTDIR/EEXIST).
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(dest, 'not a directory');
    const j = await jobWithOutputs(111, { 'tmp.root': Buffer.from('x') });
    const f = j.getOutputFileSpecs()[0]!;
    const s = await stager({ destinationRoot: dest, maxAttempts: 2 });
    f.attemptNr = 1;
    const first = await s.triggerStageOut(j);
    expect(first.kind).toBe('retry');
    expect(first.diag).toContain('tmp.root');
    expect(f.status).toBe('defined');
    f.attemptNr = 2;
    expect((await s.triggerStageOut(j)).kind).toBe('success');
    expect(f.status).toBe('failed');
  });

  it('zipOutput writes a valid STORE zip of the members, with path, fsize and adler32 set', async () => {
    const m1 = randomBytes(20_000);
    const m2 = Buffer.from('second member\n');
    const j = await jobWithOutputs(109, { 'EVNT.1._000001.root': m1, 'EVNT.1._000002.root': m2 });
    const members = j.getOutputFileSpecs();
    const zip = Object.assign(new FileSpec(), {
      fileID: 999_001,
      PandaID: j.PandaID,
      lfn: 'panda.EVNT.1._000001.root.zip',
      status: 'zipping',
      fileType: 'zip_output',
      isZip: true,
      scope: 'panda',
      path: null,
      fsize: null,
      chksum: null,
      attemptNr: 0,
      associatedFiles: members,
    });
    j.files.push(zip);
    const zipDir = join(base, 'r', 'zips');
    const s = await stager({ destinationRoot: dest, zipDir });
    expect(await s.zipOutput!(j)).toMatchObject({ kind: 'success' });
    expect(zip.path).toBe(join(zipDir, zip.lfn));
    const bytes = await readFile(zip.path!);
    expect(bytes.readUInt32LE(0)).toBe(0x04034b50);
    expect(zip.fsize).toBe(bytes.length);
    expect(zip.chksum).toBe(`ad:${hex8(naiveAdler32(bytes))}`);

    const entries = parseCentralDirectory(bytes);
    expect(entries.map((e) => e.name)).toEqual(['EVNT.1._000001.root', 'EVNT.1._000002.root']);
    for (const [e, data] of [
      [entries[0]!, m1],
      [entries[1]!, m2],
    ] as const) {
      expect(e.size).toBe(data.length);
      expect(e.crc).toBe(crc32(data));
      expect(bytes.readUInt32LE(e.offset)).toBe(0x04034b50);
      const nameLen = bytes.readUInt16LE(e.offset + 26);
      const start = e.offset + 30 + nameLen;
      expect(bytes.subarray(start, start + data.length)).toEqual(data);
    }

    if (hasUnzip()) {
      const listing = execFileSync('unzip', ['-l', zip.path!], { encoding: 'utf8' });
      expect(listing).toContain('EVNT.1._000001.root');
      expect(listing).toContain('EVNT.1._000002.root');
      execFileSync('unzip', ['-tq', zip.path!]); // throws on a CRC error
      expect(execFileSync('unzip', ['-p', zip.path!, 'EVNT.1._000002.root'])).toEqual(m2);
    }

    // The zip is then staged like any output; its members are not.
    for (const m of members) m.status = 'zipped';
    expect((await s.triggerStageOut(j)).kind).toBe('success');
    expect(zip.status).toBe('finished');
    expect(await readFile(rucio(dest, 'panda', zip.lfn))).toEqual(bytes);
    expect(existsSync(rucio(dest, SCOPE, 'EVNT.1._000001.root'))).toBe(false);
  });

  it('zipOutput writes next to the first member by default and refuses a hostile zip name', async () => {
    const j = await jobWithOutputs(110, { 'a.root': Buffer.from('a') });
    const zip = Object.assign(new FileSpec(), {
      fileID: 999_002,
      PandaID: j.PandaID,
      lfn: 'panda.a.root.zip',
      status: 'zipping',
      fileType: 'zip_output',
      isZip: true,
      scope: 'panda',
      path: null,
      associatedFiles: j.getOutputFileSpecs(),
    });
    j.files.push(zip);
    const s = await stager({ destinationRoot: dest });
    expect((await s.zipOutput!(j)).kind).toBe('success');
    expect(zip.path).toBe(join(work, 'panda.a.root.zip'));

    zip.path = null;
    zip.lfn = '../../evil.zip';
    const before = await listTree(base);
    const out = await s.zipOutput!(j);
    expect(out.kind).toBe('fatal');
    expect(out.diag).toMatch(/unsafe/);
    expect(await listTree(base)).toEqual(before);
  });
});
