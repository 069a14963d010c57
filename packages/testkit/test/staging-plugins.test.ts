import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSpec, FileStatus, instantiatePlugin, type Preparator, type Stager } from '@harvester-ts/core';
import {
  clearSimulations,
  DummyPreparator,
  DummyStager,
  getSimulation,
  makeJobSpec,
  TestkitPreparator,
  TestkitStager,
  testPluginContext,
} from '../src/index.js';

const where = (section: string, exportName: string) => ({
  queue: 'TEST_QUEUE',
  section,
  module: '@harvester-ts/testkit',
  exportName,
});

function preparator(options: Record<string, unknown> = {}): Promise<Preparator> {
  return instantiatePlugin(
    TestkitPreparator,
    'preparator',
    options,
    testPluginContext(),
    where('preparator', 'TestkitPreparator'),
  );
}

function stager(options: Record<string, unknown> = {}): Promise<Stager> {
  return instantiatePlugin(
    TestkitStager,
    'stager',
    options,
    testPluginContext(),
    where('stager', 'TestkitStager'),
  );
}

const ok = { kind: 'success', value: undefined };

afterEach(() => clearSimulations());

describe('TestkitPreparator', () => {
  it('completes synchronously by default and resolves paths under the input root', async () => {
    const prep = await preparator({ inputRoot: '/data/in' });
    const job = makeJobSpec({
      PandaID: 1,
      inFiles: ['EVNT.1.root', { lfn: 'EVNT.2.root', scope: 'user.me' }],
    });
    expect(await prep.triggerPreparation(job)).toEqual(ok);
    expect(job.files.filter((f) => f.isInput()).map((f) => [f.groupID, f.groupStatus])).toEqual([
      ['testkit-stagein-1', 'done'],
      ['testkit-stagein-1', 'done'],
    ]);
    expect(await prep.checkStageInStatus(job)).toEqual(ok);
    expect(await prep.resolveInputPaths(job)).toEqual(ok);
    expect(job.getInputFileAttributes({ skipReady: false })).toMatchObject({
      'EVNT.1.root': { path: '/data/in/mc23_13p6TeV/EVNT.1.root' },
      'EVNT.2.root': { path: '/data/in/user.me/EVNT.2.root' },
    });
    const records = getSimulation()?.records;
    expect(records?.inputPaths.get(1)).toEqual({
      'EVNT.1.root': '/data/in/mc23_13p6TeV/EVNT.1.root',
      'EVNT.2.root': '/data/in/user.me/EVNT.2.root',
    });
    expect(records?.actionsOf('preparator', 1).map((a) => `${a.method}:${a.outcome}`)).toEqual([
      'triggerPreparation:success',
      'checkStageInStatus:success',
      'resolveInputPaths:success',
    ]);
  });

  it('completes at the Nth check when asynchronous', async () => {
    const prep = await preparator({ checksToComplete: 3 });
    const job = makeJobSpec({ PandaID: 2, inFiles: ['a.root'] });
    expect(await prep.triggerPreparation(job)).toEqual(ok);
    expect(job.files[0]?.groupStatus).toBe('transferring');
    expect(await prep.checkStageInStatus(job)).toEqual({
      kind: 'retry',
      diag: 'stage-in in progress (simulated, check 1 of 3)',
    });
    expect(await prep.checkStageInStatus(job)).toEqual({
      kind: 'retry',
      diag: 'stage-in in progress (simulated, check 2 of 3)',
    });
    expect(await prep.checkStageInStatus(job)).toEqual(ok);
    expect(job.files[0]?.groupStatus).toBe('done');
    expect(await prep.checkStageInStatus(job)).toEqual(ok);
  });

  it('fails for good on LFNs matching failLfns, at trigger or at check', async () => {
    const atTrigger = await preparator({ failLfns: ['*.bad'] });
    const job = makeJobSpec({ PandaID: 3, inFiles: ['x.root', 'y.bad'] });
    expect(await atTrigger.triggerPreparation(job)).toEqual({
      kind: 'fatal',
      diag: 'stage-in failed (simulated) for y.bad',
    });

    const atCheck = await preparator({ failLfns: ['y.?ad'], failAt: 'check', checksToComplete: 2 });
    const job2 = makeJobSpec({ PandaID: 4, inFiles: ['x.root', 'y.bad'] });
    expect(await atCheck.triggerPreparation(job2)).toEqual(ok);
    expect((await atCheck.checkStageInStatus(job2)).kind).toBe('retry');
    expect(await atCheck.checkStageInStatus(job2)).toEqual({
      kind: 'fatal',
      diag: 'stage-in failed (simulated) for y.bad',
    });
    expect(job2.files[0]?.groupStatus).toBe('failed');
  });

  it('retries the first N triggers of each job, optionally only for matching LFNs', async () => {
    const prep = await preparator({ transientFailures: 2, transientLfns: ['flaky*'] });
    const flaky = makeJobSpec({ PandaID: 5, inFiles: ['flaky.root'] });
    const steady = makeJobSpec({ PandaID: 6, inFiles: ['steady.root'] });
    expect(await prep.triggerPreparation(flaky)).toEqual({
      kind: 'retry',
      diag: 'transient stage-in failure (simulated, 1 of 2)',
    });
    expect(await prep.triggerPreparation(steady)).toEqual(ok);
    expect((await prep.triggerPreparation(flaky)).kind).toBe('retry');
    expect(await prep.triggerPreparation(flaky)).toEqual(ok);
  });

  it('refuses unsafe LFNs and scopes instead of building paths outside the root', async () => {
    const prep = await preparator({ inputRoot: '/data/in' });
    const job = makeJobSpec({ PandaID: 7, inFiles: ['../../etc/passwd'] });
    expect(await prep.triggerPreparation(job)).toEqual({
      kind: 'fatal',
      diag: 'input ../../etc/passwd: unsafe path component "../../etc/passwd": contains a path separator',
    });
    expect(await prep.resolveInputPaths(job)).toMatchObject({ kind: 'fatal' });
    const dotdot = makeJobSpec({ PandaID: 8, inFiles: [{ lfn: 'ok.root', scope: '..' }] });
    expect(await prep.resolveInputPaths(dotdot)).toEqual({
      kind: 'fatal',
      diag: `input ok.root: unsafe path component "..": is '..'`,
    });
    expect(dotdot.files[0]?.path).toBeNull();
  });

  it('creates the input files when asked', async () => {
    const root = await mkdtemp(join(tmpdir(), 'testkit-prep-'));
    try {
      const prep = await preparator({ inputRoot: root, createFiles: true });
      const job = makeJobSpec({ PandaID: 9, inFiles: ['EVNT.root'] });
      expect(await prep.triggerPreparation(job)).toEqual(ok);
      expect(await readFile(join(root, 'mc23_13p6TeV', 'EVNT.root'), 'utf8')).toBe(
        'simulated input EVNT.root\n',
      );
      // A second job using the same file does not fail on the existing file.
      expect(await prep.triggerPreparation(makeJobSpec({ PandaID: 10, inFiles: ['EVNT.root'] }))).toEqual(ok);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('skips inputs already ready', async () => {
    const prep = await preparator({ checksToComplete: 1 });
    const job = makeJobSpec({ PandaID: 11, inFiles: ['a.root', 'b.root'] });
    const [a] = job.files;
    if (a) a.status = FileStatus.ready;
    expect(await prep.triggerPreparation(job)).toEqual(ok);
    expect(job.files.map((f) => f.groupID)).toEqual([null, 'testkit-stagein-11', null]);
  });

  it('is also exported as DummyPreparator', async () => {
    const prep = await instantiatePlugin(
      DummyPreparator,
      'preparator',
      {},
      testPluginContext(),
      where('preparator', 'DummyPreparator'),
    );
    expect(DummyPreparator.name).toBe('DummyPreparator');
    expect(await prep.triggerPreparation(makeJobSpec({ PandaID: 12, inFiles: ['a'] }))).toEqual(ok);
  });
});

describe('TestkitStager', () => {
  function jobWithOutputs(PandaID: number, outFiles: string[]) {
    return makeJobSpec({
      PandaID,
      outFiles,
      outputPaths: Object.fromEntries(outFiles.map((lfn) => [lfn, `/ap/${PandaID}/${lfn}`])),
    });
  }

  it('marks outputs finished with a destination URL synchronously by default', async () => {
    const st = await stager({ destination: 'davs://se.example/rucio/' });
    const job = jobWithOutputs(1, ['HITS.root']);
    expect(await st.triggerStageOut(job)).toEqual(ok);
    expect(job.files.map((f) => [f.lfn, f.status, f.url, f.path])).toEqual([
      ['HITS.root', 'finished', 'davs://se.example/rucio/mc23_13p6TeV/HITS.root', '/ap/1/HITS.root'],
      ['log.1.job.log.tgz', 'finished', 'davs://se.example/rucio/panda/log.1.job.log.tgz', null],
    ]);
    expect(await st.checkStageOutStatus(job)).toEqual(ok);
    expect(getSimulation()?.records.stagedOut.get(1)).toEqual({
      'HITS.root': { status: 'finished', url: 'davs://se.example/rucio/mc23_13p6TeV/HITS.root' },
      'log.1.job.log.tgz': { status: 'finished', url: 'davs://se.example/rucio/panda/log.1.job.log.tgz' },
    });
  });

  it('leaves statuses untouched until the Nth check when asynchronous', async () => {
    const st = await stager({ checksToComplete: 2 });
    const job = jobWithOutputs(2, ['HITS.root']);
    expect(await st.triggerStageOut(job)).toEqual(ok);
    expect(job.files.map((f) => [f.status, f.groupStatus])).toEqual([
      ['defined', 'transferring'],
      ['defined', 'transferring'],
    ]);
    expect(await st.checkStageOutStatus(job)).toEqual({
      kind: 'retry',
      diag: 'stage-out in progress (simulated, check 1 of 2)',
    });
    expect(job.files.map((f) => f.status)).toEqual(['defined', 'defined']);
    expect(await st.checkStageOutStatus(job)).toEqual(ok);
    expect(job.files.map((f) => [f.status, f.groupStatus])).toEqual([
      ['finished', 'done'],
      ['finished', 'done'],
    ]);
  });

  it('marks files matching failLfns failed and is fatal, the others finished', async () => {
    const st = await stager({ failLfns: ['AOD.*'], failAt: 'check' });
    const job = jobWithOutputs(3, ['HITS.root', 'AOD.root']);
    expect(await st.triggerStageOut(job)).toEqual(ok);
    expect(await st.checkStageOutStatus(job)).toEqual({
      kind: 'fatal',
      diag: 'stage-out failed (simulated) for AOD.root',
    });
    expect(job.files.map((f) => [f.lfn, f.status])).toEqual([
      ['HITS.root', 'finished'],
      ['AOD.root', 'failed'],
      ['log.3.job.log.tgz', 'finished'],
    ]);

    const atTrigger = await stager({ failLfns: ['log.*'] });
    const job2 = jobWithOutputs(4, ['HITS.root']);
    expect(await atTrigger.triggerStageOut(job2)).toEqual({
      kind: 'fatal',
      diag: 'stage-out failed (simulated) for log.4.job.log.tgz',
    });
    expect(job2.files.map((f) => f.status)).toEqual(['defined', 'failed']);
  });

  it('retries the first N triggers', async () => {
    const st = await stager({ transientFailures: 1 });
    const job = jobWithOutputs(5, ['HITS.root']);
    expect(await st.triggerStageOut(job)).toEqual({
      kind: 'retry',
      diag: 'transient stage-out failure (simulated, 1 of 1)',
    });
    expect(job.files.map((f) => f.status)).toEqual(['defined', 'defined']);
    expect(await st.triggerStageOut(job)).toEqual(ok);
    expect(job.files.map((f) => f.status)).toEqual(['finished', 'finished']);
    expect(
      getSimulation()
        ?.records.actionsOf('stager', 5)
        .map((a) => a.outcome),
    ).toEqual(['retry', 'success']);
  });

  it('refuses an unsafe output name', async () => {
    const st = await stager();
    const job = jobWithOutputs(6, ['a/../../b']);
    expect(await st.triggerStageOut(job)).toEqual({
      kind: 'fatal',
      diag: 'output "a/../../b": unsafe name: contains a path separator',
    });
  });

  it('sets path, size and checksum of zip files from their members', async () => {
    const st = await stager({ zipDir: '/zips' });
    const job = jobWithOutputs(7, ['panda.out.zip']);
    const zip = job.files[0];
    if (!zip) throw new Error('no zip');
    const member = (lfn: string, fsize: number): FileSpec => Object.assign(new FileSpec(), { lfn, fsize });
    zip.associatedFiles = [member('e1.root', 100), member('e2.root', 250)];
    expect(await st.zipOutput?.(job)).toEqual(ok);
    expect([zip.path, zip.fsize]).toEqual(['/zips/panda.out.zip', 350]);
    expect(zip.chksum).toMatch(/^ad:[0-9a-f]{8}$/);
  });

  it('is also exported as DummyStager', async () => {
    const st = await instantiatePlugin(
      DummyStager,
      'stager',
      {},
      testPluginContext(),
      where('stager', 'DummyStager'),
    );
    const job = jobWithOutputs(8, []);
    expect(await st.triggerStageOut(job)).toEqual(ok);
    expect(job.files.map((f) => f.status)).toEqual(['finished']);
  });
});
