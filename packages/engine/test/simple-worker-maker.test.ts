import {
  CORE_VERSION,
  checkCompatibility,
  instantiatePlugin,
  type PluginContext,
  type QueueConfigView,
  type WorkerMaker,
} from '@harvester-ts/core';
import { createRecordingLogger, makeJobSpec, testPluginContext } from '@harvester-ts/testkit';
import { SimpleWorkerMaker, simpleWorkerMakerOptionsSchema } from '../src/index.js';

function queueView(walltimeLimit: number | null = null): QueueConfigView {
  // The maker reads only walltimeLimit of the queue configuration.
  return { queueName: 'TEST_QUEUE', walltimeLimit } as unknown as QueueConfigView;
}
const queue = queueView();

function maker(options: Record<string, unknown> = {}, ctx: PluginContext = testPluginContext()) {
  return instantiatePlugin(SimpleWorkerMaker, 'workerMaker', options, ctx, {
    queue: 'TEST_QUEUE',
    section: 'workerMaker',
    module: '@harvester-ts/engine',
    exportName: 'SimpleWorkerMaker',
  });
}

async function made(m: WorkerMaker, ...args: Parameters<WorkerMaker['makeWorker']>) {
  const outcome = await m.makeWorker(...args);
  if (outcome.kind !== 'success') throw new Error(`expected a worker, got ${outcome.kind}: ${outcome.diag}`);
  const w = outcome.value;
  return {
    nCore: w.nCore,
    minRamCount: w.minRamCount,
    maxDiskCount: w.maxDiskCount,
    maxWalltime: w.maxWalltime,
    ioIntensity: w.ioIntensity,
    jobType: w.jobType,
    resourceType: w.resourceType,
    pilotType: w.pilotType,
    nJobs: w.nJobs,
  };
}

describe('SimpleWorkerMaker', () => {
  it('is a worker-maker plugin for the running core', () => {
    expect(SimpleWorkerMaker.kind).toBe('workerMaker');
    expect(SimpleWorkerMaker.name).toBe('SimpleWorkerMaker');
    expect(checkCompatibility(SimpleWorkerMaker, CORE_VERSION)).toEqual({ ok: true });
  });

  it('sizes a OneToOne worker from its job', async () => {
    const m = await maker();
    const job = makeJobSpec({
      PandaID: 11,
      coreCount: 8,
      minRamCount: 16_000,
      maxDiskCount: 20_000,
      maxWalltime: 43_200,
    });
    job.jobParams = { ...job.jobParams, ioIntensity: 250 };
    expect(await made(m, [job], queue, 'managed', 'MCORE')).toEqual({
      nCore: 8,
      minRamCount: 16_000,
      maxDiskCount: 20_000,
      maxWalltime: 43_200,
      ioIntensity: 250,
      jobType: 'managed',
      resourceType: 'MCORE',
      pilotType: 'PR',
      nJobs: 1,
    });
  });

  it('sums a ManyToOne chunk and takes the longest wall time', async () => {
    const m = await maker({ defaultRamPerCoreMB: 1_500 });
    const a = makeJobSpec({
      PandaID: 21,
      coreCount: 1,
      minRamCount: 2_000,
      maxDiskCount: 1_000,
      maxWalltime: 3_600,
    });
    const b = makeJobSpec({ PandaID: 22, coreCount: 4, maxDiskCount: 3_000, maxWalltime: 7_200 });
    // b gives no minRamCount: 4 cores × 1500 MB
    b.jobParams = { ...b.jobParams, minRamCount: 'NULL' };
    const c = makeJobSpec({
      PandaID: 23,
      coreCount: 2,
      minRamCount: 3_000,
      maxDiskCount: 500,
      maxWalltime: 600,
    });
    c.jobParams = { ...c.jobParams, prodSourceLabel: 'rc_test2' };
    expect(await made(m, [a, b, c], queue, 'ANY', 'ANY')).toEqual({
      nCore: 7,
      minRamCount: 2_000 + 6_000 + 3_000,
      maxDiskCount: 4_500,
      maxWalltime: 7_200,
      ioIntensity: null,
      jobType: 'ANY',
      resourceType: 'ANY',
      // from the first job (managed)
      pilotType: 'PR',
      nJobs: 3,
    });
  });

  it('uses job.nCore, else coreCount, else defaultNCore', async () => {
    const m = await maker({ defaultNCore: 2, defaultRamPerCoreMB: 1_000 });
    const column = makeJobSpec({ PandaID: 31, coreCount: 8 });
    column.nCore = 4;
    const params = makeJobSpec({ PandaID: 32, coreCount: 8 });
    params.nCore = null;
    const neither = makeJobSpec({ PandaID: 33 });
    neither.nCore = null;
    neither.jobParams = { PandaID: 33 };
    const sizes = await Promise.all(
      [column, params, neither].map(async (j) => (await made(m, [j], queue, 'managed', 'SCORE')).nCore),
    );
    expect(sizes).toEqual([4, 8, 2]);
    expect((await made(m, [neither], queue, 'managed', 'SCORE')).minRamCount).toBe(2_000);
  });

  it('gives a NoJob worker the defaults', async () => {
    const m = await maker({ defaultNCore: 8, defaultRamPerCoreMB: 2_000, defaultWalltimeSeconds: 7_200 });
    expect(await made(m, [], queue, 'managed', 'MCORE')).toEqual({
      nCore: 8,
      minRamCount: 16_000,
      maxDiskCount: null,
      maxWalltime: 7_200,
      ioIntensity: null,
      jobType: 'managed',
      resourceType: 'MCORE',
      pilotType: null,
      nJobs: 0,
    });
  });

  it("takes the default wall time from the option, else the queue's walltimeLimit, else one day", async () => {
    const withOption = await maker({ defaultWalltimeSeconds: 600 });
    const without = await maker();
    expect((await made(withOption, [], queueView(1_800), 'ANY', 'ANY')).maxWalltime).toBe(600);
    expect((await made(without, [], queueView(1_800), 'ANY', 'ANY')).maxWalltime).toBe(1_800);
    expect((await made(without, [], queueView(null), 'ANY', 'ANY')).maxWalltime).toBe(86_400);
    expect((await made(without, [], queueView(null), 'ANY', 'ANY')).minRamCount).toBe(2_000);
  });

  it('fails a chunk needing more cores than maxNCore, naming the jobs and the numbers', async () => {
    const m = await maker({ maxNCore: 8 });
    const jobs = [makeJobSpec({ PandaID: 41, coreCount: 8 }), makeJobSpec({ PandaID: 42, coreCount: 1 })];
    expect(await m.makeWorker(jobs, queue, 'managed', 'MCORE')).toEqual({
      kind: 'fatal',
      diag: 'jobs 41, 42 need 9 cores, more than maxNCore 8',
    });
    expect((await m.makeWorker(jobs.slice(0, 1), queue, 'managed', 'MCORE')).kind).toBe('success');
  });

  it('fails a job needing more memory than maxRamMB', async () => {
    const m = await maker({ maxRamMB: 32_000 });
    const job = makeJobSpec({ PandaID: 51, coreCount: 8, minRamCount: 40_000 });
    expect(await m.makeWorker([job], queue, 'managed', 'MCORE')).toEqual({
      kind: 'fatal',
      diag: 'job 51 needs 40000 MB of memory, more than maxRamMB 32000',
    });
  });

  it('falls back on malformed job values, never NaN, and warns', async () => {
    const logger = createRecordingLogger();
    const m = await maker(
      { defaultNCore: 1, defaultRamPerCoreMB: 2_000, defaultWalltimeSeconds: 3_600 },
      testPluginContext({ logger }),
    );
    const bad = makeJobSpec({ PandaID: 61 });
    bad.nCore = null;
    bad.jobParams = {
      PandaID: 61,
      coreCount: 'abc',
      minRamCount: -100,
      maxDiskCount: 'lots',
      maxWalltime: -1,
      ioIntensity: '1e3',
    };
    const negative = makeJobSpec({ PandaID: 62, coreCount: 4, minRamCount: 8_000 });
    negative.nCore = -4;
    const sizes = await made(m, [bad, negative], queue, 'managed', 'SCORE');
    expect(sizes).toEqual({
      nCore: 5,
      minRamCount: 10_000,
      maxDiskCount: 5_000,
      maxWalltime: 3_600,
      ioIntensity: null,
      jobType: 'managed',
      resourceType: 'SCORE',
      pilotType: null,
      nJobs: 2,
    });
    expect(Object.values(sizes).some((v) => Number.isNaN(v))).toBe(false);
    const warnings = logger.records.filter((r) => r.level === 'warn');
    expect(warnings.map((r) => r.msg)).toEqual([
      'job 61: coreCount "abc" is not a positive integer; using defaultNCore 1',
      'job 61: minRamCount -100 is not a positive integer; using 1 core(s) × defaultRamPerCoreMB 2000 = 2000 MB',
      'job 61: maxDiskCount "lots" is not a positive integer; ignored',
      'job 61: maxWalltime -1 is not a positive integer; ignored',
      'job 61: ioIntensity "1e3" is not a positive integer; ignored',
      'job 62: nCore -4 is not a positive integer; using coreCount 4',
    ]);
    expect(warnings[0]?.fields).toMatchObject({ PandaID: 61, field: 'coreCount', value: 'abc' });
  });

  it('answers the sizing questions from its options', async () => {
    const defaults = await maker();
    expect([
      await defaults.getNumJobsPerWorker(10),
      await defaults.getNumWorkersPerJob(10),
      await defaults.isResourceReady(),
      defaults.dynamicSizing,
    ]).toEqual([1, 1, true, false]);
    const m = await maker({
      nJobsPerWorker: 4,
      nWorkersPerJob: 3,
      dynamicSizing: true,
      resourceReady: false,
    });
    expect([
      await m.getNumJobsPerWorker(10),
      await m.getNumWorkersPerJob(10),
      await m.isResourceReady(),
      m.dynamicSizing,
    ]).toEqual([4, 3, false, true]);
  });

  it("has documented option defaults and lets the queue's common options through", async () => {
    const result = await simpleWorkerMakerOptionsSchema['~standard'].validate({
      nCorePerNode: 64,
      maxNCore: null,
    });
    expect(result.issues).toBeUndefined();
    // toEqual: unset optional options may be absent or undefined
    expect(result).toEqual({
      value: {
        nJobsPerWorker: 1,
        nWorkersPerJob: 1,
        defaultNCore: 1,
        defaultRamPerCoreMB: 2_000,
        defaultWalltimeSeconds: undefined,
        maxNCore: undefined,
        maxRamMB: undefined,
        dynamicSizing: false,
        resourceReady: true,
        nCorePerNode: 64,
      },
    });
  });

  it('refuses bad options with messages naming the option', async () => {
    const problems = async (options: Record<string, unknown>) => {
      try {
        await maker(options);
      } catch (err) {
        return (err as Error).message.split('\n').slice(1);
      }
      throw new Error('expected the options to be refused');
    };
    expect(
      await problems({ nJobsPerWorker: 0, defaultNCore: 'abc', maxNCore: 1.5, dynamicSizing: 'yes' }),
    ).toEqual([
      '  - workerMaker.nJobsPerWorker: must be at least 1 (jobs per worker)',
      '  - workerMaker.defaultNCore: must be an integer (cores), got "abc"',
      '  - workerMaker.maxNCore: must be an integer (cores), got 1.5',
      '  - workerMaker.dynamicSizing: must be true or false, got "yes"',
    ]);
    expect(await problems({ defaultNCore: 16, maxNCore: 8 })).toEqual([
      '  - workerMaker.defaultNCore: must not exceed maxNCore (16 > 8): workers without jobs and jobs without a core count would all be refused',
    ]);
    expect(await problems({ defaultNCore: 4, defaultRamPerCoreMB: 4_000, maxRamMB: 8_000 })).toEqual([
      '  - workerMaker.defaultRamPerCoreMB: defaultNCore × defaultRamPerCoreMB must not exceed maxRamMB (4 × 4000 = 16000 > 8000): workers without jobs would all be refused',
    ]);
    await expect(maker({ defaultRamPerCoreMB: -1 })).rejects.toThrow(
      'invalid options for plugin SimpleWorkerMaker',
    );
  });
});
