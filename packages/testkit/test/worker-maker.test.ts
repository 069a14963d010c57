import { instantiatePlugin, type QueueConfigView, type WorkerMaker } from '@harvester-ts/core';
import { createRecordingLogger, makeJobSpec, TestkitWorkerMaker, testPluginContext } from '../src/index.js';

// The maker does not read the queue configuration; a minimal view is enough.
const queue = { queueName: 'TEST_QUEUE' } as unknown as QueueConfigView;

function maker(options: Record<string, unknown> = {}, ctx = testPluginContext()): Promise<WorkerMaker> {
  return instantiatePlugin(TestkitWorkerMaker, 'workerMaker', options, ctx, {
    queue: 'TEST_QUEUE',
    section: 'workerMaker',
    module: '@harvester-ts/testkit',
    exportName: 'TestkitWorkerMaker',
  });
}

describe('TestkitWorkerMaker', () => {
  it('sizes a worker from its jobs and passes jobType and resourceType through', async () => {
    const m = await maker();
    const jobs = [
      makeJobSpec({ PandaID: 1, coreCount: 8, minRamCount: 16_000, maxDiskCount: 1_000, maxWalltime: 7_200 }),
      makeJobSpec({ PandaID: 2, coreCount: 1, minRamCount: 2_000, maxDiskCount: 500, maxWalltime: 3_600 }),
    ];
    const outcome = await m.makeWorker(jobs, queue, 'managed', 'MCORE');
    expect(outcome.kind).toBe('success');
    if (outcome.kind !== 'success') return;
    const w = outcome.value;
    expect({
      nCore: w.nCore,
      minRamCount: w.minRamCount,
      maxDiskCount: w.maxDiskCount,
      maxWalltime: w.maxWalltime,
      jobType: w.jobType,
      resourceType: w.resourceType,
      nJobs: w.nJobs,
    }).toEqual({
      nCore: 9,
      minRamCount: 18_000,
      maxDiskCount: 1_500,
      maxWalltime: 7_200,
      jobType: 'managed',
      resourceType: 'MCORE',
      nJobs: 2,
    });
  });

  it('uses defaults for jobs that give no sizes and for workers without jobs', async () => {
    const m = await maker({ defaultNCore: 2, defaultRamPerCoreMB: 1_000, defaultWalltimeSeconds: 600 });
    const job = makeJobSpec({ PandaID: 1 });
    job.nCore = null;
    job.jobParams = { PandaID: 1 };
    const one = await m.makeWorker([job], queue, 'user', 'SCORE');
    expect(one).toMatchObject({
      kind: 'success',
      value: { nCore: 2, minRamCount: 2_000, maxDiskCount: null, maxWalltime: 600 },
    });
    const none = await m.makeWorker([], queue, 'managed', 'SCORE');
    expect(none).toMatchObject({
      kind: 'success',
      value: { nCore: 2, minRamCount: 2_000, maxWalltime: 600, nJobs: 0 },
    });
  });

  it('falls back on malformed job values and warns', async () => {
    const logger = createRecordingLogger();
    const m = await maker({ defaultNCore: 2, defaultRamPerCoreMB: 1_000 }, testPluginContext({ logger }));
    const job = makeJobSpec({ PandaID: 9 });
    job.nCore = null;
    job.jobParams = { PandaID: 9, coreCount: 'abc' };
    expect(await m.makeWorker([job], queue, 'managed', 'SCORE')).toMatchObject({
      kind: 'success',
      value: { nCore: 2, minRamCount: 2_000 },
    });
    expect(logger.records.filter((r) => r.level === 'warn').map((r) => r.msg)).toEqual([
      'job 9: coreCount "abc" is not a positive integer; using defaultNCore 2',
    ]);
  });

  it('refuses jobs needing more cores than maxNCore', async () => {
    const m = await maker({ maxNCore: 8 });
    const jobs = [makeJobSpec({ PandaID: 1, coreCount: 8 }), makeJobSpec({ PandaID: 2, coreCount: 1 })];
    expect(await m.makeWorker(jobs, queue, 'managed', 'MCORE')).toEqual({
      kind: 'fatal',
      diag: 'jobs 1, 2 need 9 cores, more than maxNCore 8',
    });
  });

  it('answers the sizing questions from its options', async () => {
    const defaults = await maker();
    expect(await defaults.getNumJobsPerWorker(10)).toBe(1);
    expect(await defaults.getNumWorkersPerJob(10)).toBe(1);
    expect(await defaults.isResourceReady()).toBe(true);
    expect(defaults.dynamicSizing).toBe(false);
    const m = await maker({
      nJobsPerWorker: 4,
      nWorkersPerJob: 3,
      resourceReady: false,
      dynamicSizing: true,
    });
    expect(await m.getNumJobsPerWorker(10)).toBe(4);
    expect(await m.getNumWorkersPerJob(10)).toBe(3);
    expect(await m.isResourceReady()).toBe(false);
    expect(m.dynamicSizing).toBe(true);
  });

  it('validates its options', async () => {
    await expect(maker({ nJobsPerWorker: 0 })).rejects.toThrow(
      'workerMaker.nJobsPerWorker: must be at least 1, got 0',
    );
    await expect(maker({ maxNCore: 1.5 })).rejects.toThrow(
      'workerMaker.maxNCore: must be an integer, got 1.5',
    );
  });
});
