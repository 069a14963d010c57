import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { instantiatePlugin, type JobSpec, type Preparator } from '@harvester-ts/core';
import { makeJobSpec, testPluginContext } from '@harvester-ts/testkit';
import { PosixPreparator } from '../src/index.js';
import { hex8, listTree, md5hex, naiveAdler32, tempBase } from './helpers.js';

const SCOPE = 'mc23_13p6TeV';

async function preparator(options: Record<string, unknown>): Promise<Preparator> {
  const ctx = testPluginContext();
  return instantiatePlugin(PosixPreparator, 'preparator', options, ctx, {
    queue: ctx.queueName,
    section: 'preparator',
    module: '@harvester-ts/stager-posix',
    exportName: 'PosixPreparator',
  });
}

/** Where the test (independently of the package) expects Rucio to keep scope:lfn. */
function storagePathOf(root: string, scope: string, lfn: string): string {
  const h = md5hex(`${scope}:${lfn}`);
  return join(root, scope, h.slice(0, 2), h.slice(2, 4), lfn);
}

async function putInStorage(root: string, scope: string, lfn: string, data: Buffer): Promise<string> {
  const p = storagePathOf(root, scope, lfn);
  await mkdir(dirname(p), { recursive: true });
  await writeFile(p, data);
  return p;
}

function job(
  PandaID: number,
  files: { lfn: string; data?: Buffer; fsize?: number; checksum?: string }[],
): JobSpec {
  return makeJobSpec({
    PandaID,
    scope: SCOPE,
    inFiles: files.map((f) => ({
      lfn: f.lfn,
      scope: SCOPE,
      fsize: f.fsize ?? f.data?.length ?? 1,
      checksum: f.checksum ?? (f.data ? `ad:${hex8(naiveAdler32(f.data))}` : 'ad:00000001'),
    })),
  });
}

describe('PosixPreparator', () => {
  let base: string;
  let storage: string;
  let staging: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ base, cleanup } = await tempBase());
    storage = join(base, 'r', 'storage');
    staging = join(base, 'r', 'staging');
    await mkdir(storage, { recursive: true });
  });
  afterEach(() => cleanup());

  it('rejects options without stagingRoot for copy mode and accepts unknown (common) keys', async () => {
    await expect(preparator({ storageRoot: storage })).rejects.toThrow(/stagingRoot/);
    await expect(
      preparator({ storageRoot: storage, mode: 'direct', someCommonKey: 1 }),
    ).resolves.toBeDefined();
  });

  it('copies inputs from their Rucio path into the per-job staging dir, adler32 and md5 verified', async () => {
    const a = randomBytes(70_000);
    const b = randomBytes(1234);
    await putInStorage(storage, SCOPE, 'EVNT.1._000001.pool.root.1', a);
    await putInStorage(storage, SCOPE, 'EVNT.1._000002.pool.root.1', b);
    const j = job(4242, [
      { lfn: 'EVNT.1._000001.pool.root.1', data: a },
      { lfn: 'EVNT.1._000002.pool.root.1', data: b, checksum: `md5:${md5hex(b)}` },
    ]);
    const p = await preparator({ storageRoot: storage, stagingRoot: staging, mode: 'copy' });
    expect(await p.triggerPreparation(j)).toEqual({ kind: 'success', value: undefined });
    expect(await p.checkStageInStatus(j)).toMatchObject({ kind: 'success' });
    for (const f of j.files) f.path = null;
    expect(await p.resolveInputPaths(j)).toMatchObject({ kind: 'success' });
    const [fa, fb] = j.inputFileSpecs();
    expect(fa!.path).toBe(join(staging, '4242', 'EVNT.1._000001.pool.root.1'));
    expect(fb!.path).toBe(join(staging, '4242', 'EVNT.1._000002.pool.root.1'));
    expect(await readFile(fa!.path!)).toEqual(a);
    expect(await readFile(fb!.path!)).toEqual(b);
    expect((await lstat(fa!.path!)).isSymbolicLink()).toBe(false);
    // No temporary files left behind.
    expect(await listTree(join(staging, '4242'))).toEqual([
      'EVNT.1._000001.pool.root.1',
      'EVNT.1._000002.pool.root.1',
    ]);
    // A retry of the trigger (e.g. after a crash) replaces the copies atomically.
    expect(await p.triggerPreparation(j)).toMatchObject({ kind: 'success' });
    expect(await readFile(fa!.path!)).toEqual(a);
  });

  it('hardlinks, symlinks or uses the storage file directly', async () => {
    const data = randomBytes(5000);
    const src = await putInStorage(storage, SCOPE, 'in.root', data);
    const hard = await preparator({ storageRoot: storage, stagingRoot: staging, mode: 'hardlink' });
    const j1 = job(1, [{ lfn: 'in.root', data }]);
    expect(await hard.triggerPreparation(j1)).toMatchObject({ kind: 'success' });
    const p1 = j1.inputFileSpecs()[0]!.path!;
    expect((await stat(p1)).ino).toBe((await stat(src)).ino);

    const sym = await preparator({ storageRoot: storage, stagingRoot: staging, mode: 'symlink' });
    const j2 = job(2, [{ lfn: 'in.root', data }]);
    expect(await sym.triggerPreparation(j2)).toMatchObject({ kind: 'success' });
    expect(await readlink(j2.inputFileSpecs()[0]!.path!)).toBe(src);

    const direct = await preparator({ storageRoot: storage, mode: 'direct' });
    const j3 = job(3, [{ lfn: 'in.root', data }]);
    expect(await direct.triggerPreparation(j3)).toMatchObject({ kind: 'success' });
    expect(j3.inputFileSpecs()[0]!.path).toBe(src);
    expect(await direct.resolveInputPaths(j3)).toMatchObject({ kind: 'success' });
    expect(j3.inputFileSpecs()[0]!.path).toBe(src);
  });

  it('fails for good on a wrong size, naming the LFN', async () => {
    const data = randomBytes(100);
    await putInStorage(storage, SCOPE, 'sized.root', data);
    const p = await preparator({ storageRoot: storage, stagingRoot: staging });
    const out = await p.triggerPreparation(job(7, [{ lfn: 'sized.root', data, fsize: 101 }]));
    expect(out.kind).toBe('fatal');
    expect(out.diag).toMatch(/sized\.root/);
    expect(out.diag).toMatch(/size mismatch/);
  });

  it.each(['copy', 'hardlink', 'direct'])(
    'fails for good on a wrong checksum (%s), naming the LFN',
    async (mode) => {
      const data = randomBytes(100);
      await putInStorage(storage, SCOPE, 'bad.root', data);
      const p = await preparator({ storageRoot: storage, stagingRoot: staging, mode });
      const wrongAd = hex8((naiveAdler32(data) + 1) >>> 0);
      const out = await p.triggerPreparation(job(8, [{ lfn: 'bad.root', data, checksum: `ad:${wrongAd}` }]));
      expect(out.kind).toBe('fatal');
      expect(out.diag).toMatch(/bad\.root/);
      expect(out.diag).toMatch(/adler32 checksum mismatch/);
      const md5 = await p.triggerPreparation(
        job(9, [{ lfn: 'bad.root', data, checksum: `md:${createHash('md5').update('x').digest('hex')}` }]),
      );
      expect(md5.kind).toBe('fatal');
      expect(md5.diag).toMatch(/md5 checksum mismatch/);
      // Nothing left in the staging dirs (no partial or bad copies).
      for (const id of ['8', '9']) {
        const dir = join(staging, id);
        const entries = await listTree(dir).catch(() => []);
        expect(entries).toEqual([]);
      }
    },
  );

  it('skips checksum checks when verifyChecksums is false (sizes still checked)', async () => {
    const data = randomBytes(100);
    await putInStorage(storage, SCOPE, 'nocheck.root', data);
    const p = await preparator({ storageRoot: storage, stagingRoot: staging, verifyChecksums: false });
    expect(
      await p.triggerPreparation(job(10, [{ lfn: 'nocheck.root', data, checksum: 'ad:00000000' }])),
    ).toMatchObject({ kind: 'success' });
  });

  it('fails for good on a missing input, naming the LFN and the path', async () => {
    const p = await preparator({ storageRoot: storage, stagingRoot: staging });
    const out = await p.triggerPreparation(job(11, [{ lfn: 'missing.root', fsize: 10 }]));
    expect(out.kind).toBe('fatal');
    expect(out.diag).toContain('missing.root');
    expect(out.diag).toContain(storagePathOf(storage, SCOPE, 'missing.root'));
  });

  it.each([
    ['LFN with ..', SCOPE, '../../etc/passwd'],
    ['absolute LFN', SCOPE, '/etc/passwd'],
    ['LFN with newline', SCOPE, 'a\nb.root'],
    ['LFN with NUL', SCOPE, 'a\0b.root'],
    ['scope ..', '..', 'passwd'],
    ['absolute scope', '/etc', 'passwd'],
    ['scope with newline', 'mc\n23', 'x.root'],
  ])('fails for good on a hostile %s and writes nothing anywhere', async (_what, scope, lfn) => {
    // Decoys a traversal would reach, so that a bug would show as a change in the tree.
    await mkdir(join(base, 'etc'), { recursive: true });
    await writeFile(join(base, 'etc', 'passwd'), 'decoy');
    const before = await listTree(base);
    const j = job(12, [{ lfn: 'placeholder.root', fsize: 5 }]);
    const f = j.inputFileSpecs()[0]!;
    f.lfn = lfn;
    f.scope = scope;
    for (const mode of ['copy', 'hardlink', 'symlink', 'direct']) {
      const p = await preparator({ storageRoot: storage, stagingRoot: staging, mode });
      const out = await p.triggerPreparation(j);
      expect(out.kind).toBe('fatal');
      expect(out.diag).toMatch(/unsafe/);
      expect((await p.resolveInputPaths(j)).kind).toBe('fatal');
      expect(f.path).toBeNull();
    }
    expect(await listTree(base)).toEqual(before);
  });

  it('refuses a storage file that is a symlink leading out of the storage root', async () => {
    const { symlink } = await import('node:fs/promises');
    await writeFile(join(base, 'secret'), 'top secret');
    const p0 = storagePathOf(storage, SCOPE, 'link.root');
    await mkdir(dirname(p0), { recursive: true });
    await symlink(join(base, 'secret'), p0);
    const p = await preparator({ storageRoot: storage, stagingRoot: staging });
    const out = await p.triggerPreparation(job(13, [{ lfn: 'link.root', fsize: 10 }]));
    expect(out.kind).toBe('fatal');
    expect(out.diag).toMatch(/outside/);
    expect(await listTree(join(staging, '13')).catch(() => [])).toEqual([]);
  });

  it('asks to be called again when the call is aborted', async () => {
    const data = randomBytes(10);
    await putInStorage(storage, SCOPE, 'abort.root', data);
    const p = await preparator({ storageRoot: storage, stagingRoot: staging });
    const ac = new AbortController();
    ac.abort();
    const out = await p.triggerPreparation(job(15, [{ lfn: 'abort.root', data }]), { signal: ac.signal });
    expect(out.kind).toBe('retry');
  });

  it('fails the check when a staged copy vanished', async () => {
    const data = randomBytes(10);
    await putInStorage(storage, SCOPE, 'gone.root', data);
    const p = await preparator({ storageRoot: storage, stagingRoot: staging });
    const j = job(14, [{ lfn: 'gone.root', data }]);
    expect((await p.triggerPreparation(j)).kind).toBe('success');
    const { rm } = await import('node:fs/promises');
    await rm(join(staging, '14', 'gone.root'));
    const out = await p.checkStageInStatus(j);
    expect(out.kind).toBe('fatal');
    expect(out.diag).toContain('gone.root');
  });
});
