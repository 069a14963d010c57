import {
  type JsonObject,
  pilotTypeOf,
  type SizableJob,
  sizeWorker,
  type WorkerSizingDefaults,
  WorkSpec,
  workerSizeLimitProblem,
  workSpecOfSize,
} from '../src/index.js';

const defaults: WorkerSizingDefaults = {
  defaultNCore: 2,
  defaultRamPerCoreMB: 1_000,
  defaultWalltimeSeconds: 600,
};

function job(PandaID: number, params: JsonObject = {}, nCore: number | null = null): SizableJob {
  return { PandaID, nCore, jobParams: { PandaID, ...params } };
}

describe('sizeWorker', () => {
  it('sizes a worker for one job from its values', () => {
    expect(
      sizeWorker(
        [
          job(1, {
            coreCount: 8,
            minRamCount: 16_000,
            maxDiskCount: 1_000,
            maxWalltime: 7_200,
            ioIntensity: 30,
          }),
        ],
        defaults,
      ),
    ).toEqual({
      size: {
        nCore: 8,
        minRamCount: 16_000,
        maxDiskCount: 1_000,
        maxWalltime: 7_200,
        ioIntensity: 30,
        nJobs: 1,
      },
      problems: [],
    });
  });

  it('sums cores, memory, disk and ioIntensity over the jobs and takes the longest wall time', () => {
    const { size, problems } = sizeWorker(
      [
        job(1, {
          coreCount: 8,
          minRamCount: 16_000,
          maxDiskCount: 1_000,
          maxWalltime: 7_200,
          ioIntensity: 5,
        }),
        job(2, { coreCount: 1, minRamCount: 2_000, maxDiskCount: 500, maxWalltime: 3_600 }),
        job(3, { coreCount: '4', maxWalltime: '86400', ioIntensity: '7' }),
      ],
      defaults,
    );
    expect(problems).toEqual([]);
    expect(size).toEqual({
      nCore: 13,
      // job 3 gives no minRamCount: 4 cores × 1000 MB
      minRamCount: 22_000,
      maxDiskCount: 1_500,
      maxWalltime: 86_400,
      ioIntensity: 12,
      nJobs: 3,
    });
  });

  it('prefers the job column nCore over jobParams.coreCount', () => {
    expect(sizeWorker([job(1, { coreCount: 8 }, 4)], defaults).size).toMatchObject({
      nCore: 4,
      minRamCount: 4_000,
    });
  });

  it('uses the defaults for values a job does not give, PanDA nulls and 0 included', () => {
    const { size, problems } = sizeWorker(
      [
        job(1),
        job(2, { coreCount: 'NULL', minRamCount: '', maxDiskCount: null, maxWalltime: 0, ioIntensity: 0 }, 0),
      ],
      defaults,
    );
    expect(problems).toEqual([]);
    expect(size).toEqual({
      nCore: 4,
      minRamCount: 4_000,
      maxDiskCount: null,
      maxWalltime: 600,
      ioIntensity: null,
      nJobs: 2,
    });
  });

  it('falls back on malformed values and reports each one, never producing NaN', () => {
    const { size, problems } = sizeWorker(
      [
        job(7, {
          coreCount: 'abc',
          minRamCount: -5,
          maxDiskCount: '2GB',
          maxWalltime: 1.5,
          ioIntensity: { a: 1 },
        }),
        job(8, { coreCount: 3 }, -1),
      ],
      defaults,
    );
    expect(size).toEqual({
      nCore: 5,
      minRamCount: 5_000,
      maxDiskCount: null,
      maxWalltime: 600,
      ioIntensity: null,
      nJobs: 2,
    });
    expect(problems).toEqual([
      {
        PandaID: 7,
        field: 'coreCount',
        value: 'abc',
        message: 'job 7: coreCount "abc" is not a positive integer; using defaultNCore 2',
      },
      {
        PandaID: 7,
        field: 'minRamCount',
        value: -5,
        message:
          'job 7: minRamCount -5 is not a positive integer; using 2 core(s) × defaultRamPerCoreMB 1000 = 2000 MB',
      },
      {
        PandaID: 7,
        field: 'maxDiskCount',
        value: '2GB',
        message: 'job 7: maxDiskCount "2GB" is not a positive integer; ignored',
      },
      {
        PandaID: 7,
        field: 'maxWalltime',
        value: 1.5,
        message: 'job 7: maxWalltime 1.5 is not a positive integer; ignored',
      },
      {
        PandaID: 7,
        field: 'ioIntensity',
        value: { a: 1 },
        message: 'job 7: ioIntensity an object is not a positive integer; ignored',
      },
      {
        PandaID: 8,
        field: 'nCore',
        value: -1,
        message: 'job 8: nCore -1 is not a positive integer; using coreCount 3',
      },
    ]);
  });

  it('copes with a job without jobParams', () => {
    expect(sizeWorker([{ PandaID: 1, nCore: null, jobParams: null }], defaults)).toEqual({
      size: {
        nCore: 2,
        minRamCount: 2_000,
        maxDiskCount: null,
        maxWalltime: 600,
        ioIntensity: null,
        nJobs: 1,
      },
      problems: [],
    });
  });

  it('gives a worker without jobs (NoJob) the defaults', () => {
    expect(sizeWorker([], defaults)).toEqual({
      size: {
        nCore: 2,
        minRamCount: 2_000,
        maxDiskCount: null,
        maxWalltime: 600,
        ioIntensity: null,
        nJobs: 0,
      },
      problems: [],
    });
  });

  it('refuses defaults that are not valid integers', () => {
    expect(() => sizeWorker([], { ...defaults, defaultNCore: 0 })).toThrow(
      'worker sizing: defaultNCore must be an integer >= 1, got 0',
    );
    expect(() => sizeWorker([], { ...defaults, defaultRamPerCoreMB: Number.NaN })).toThrow(
      'worker sizing: defaultRamPerCoreMB must be an integer >= 0, got NaN',
    );
  });
});

describe('workerSizeLimitProblem', () => {
  const size = { nCore: 9, minRamCount: 18_000 };

  it('is undefined when the worker fits, or without limits', () => {
    expect(workerSizeLimitProblem(size, [{ PandaID: 1 }], {})).toBeUndefined();
    expect(workerSizeLimitProblem(size, [{ PandaID: 1 }], { maxNCore: 9, maxRamMB: 18_000 })).toBeUndefined();
  });

  it('names the jobs, what they need and the limit', () => {
    expect(workerSizeLimitProblem(size, [{ PandaID: 1 }, { PandaID: 2 }], { maxNCore: 8 })).toBe(
      'jobs 1, 2 need 9 cores, more than maxNCore 8',
    );
    expect(workerSizeLimitProblem(size, [{ PandaID: 5 }], { maxRamMB: 16_000 })).toBe(
      'job 5 needs 18000 MB of memory, more than maxRamMB 16000',
    );
    expect(workerSizeLimitProblem(size, [{ PandaID: 5 }], { maxNCore: 4, maxRamMB: 16_000 })).toBe(
      'job 5 needs 9 cores, more than maxNCore 4, and 18000 MB of memory, more than maxRamMB 16000',
    );
    expect(workerSizeLimitProblem(size, [], { maxNCore: 4 })).toBe(
      'a worker without jobs needs 9 cores, more than maxNCore 4',
    );
  });

  it('cuts long lists of PandaIDs', () => {
    const jobs = Array.from({ length: 25 }, (_, i) => ({ PandaID: i + 1 }));
    expect(workerSizeLimitProblem(size, jobs, { maxNCore: 4 })).toBe(
      'jobs 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 and 5 more need 9 cores, more than maxNCore 4',
    );
  });
});

describe('pilotTypeOf', () => {
  it("maps a job's prodSourceLabel as Harvester does", () => {
    const of = (prodSourceLabel: unknown) => pilotTypeOf({ jobParams: { prodSourceLabel } as JsonObject });
    expect(['rc_test', 'rc_test2', 'rc_alrb', 'ptest', 'managed', 'user'].map(of)).toEqual([
      'RC',
      'RC',
      'ALRB',
      'PT',
      'PR',
      'PR',
    ]);
    expect(of('')).toBeNull();
    expect(of(undefined)).toBeNull();
    expect(pilotTypeOf({ jobParams: null })).toBeNull();
    expect(pilotTypeOf(undefined)).toBeNull();
  });
});

describe('workSpecOfSize', () => {
  it('makes a WorkSpec carrying the size', () => {
    const worker = workSpecOfSize({
      nCore: 4,
      minRamCount: 8_000,
      maxDiskCount: null,
      maxWalltime: 3_600,
      ioIntensity: 3,
      nJobs: 2,
    });
    expect(worker).toBeInstanceOf(WorkSpec);
    expect(worker).toMatchObject({
      nCore: 4,
      minRamCount: 8_000,
      maxDiskCount: null,
      maxWalltime: 3_600,
      ioIntensity: 3,
      nJobs: 2,
    });
  });
});
