// Queue configuration: the example files, defaults, Harvester's sanity rules and the errors an
// operator gets (every issue at once, each with the dotted path of the offending value).
import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigIssue } from '../src/errors.js';
import {
  applyLimitRules,
  formatIssues,
  isJobQueue,
  JOB_PLUGIN_SECTIONS,
  type JobQueueConfig,
  MANDATORY_PLUGIN_SECTIONS,
  type MessengerSection,
  messengerSectionSchema,
  missingJobSectionMessage,
  type NoHeartbeatStatus,
  type NoJobQueueConfig,
  OPTIONAL_PLUGIN_SECTIONS,
  PLUGIN_SECTIONS,
  type PluginSection,
  parseQueueConfigFile,
  pluginSectionSchema,
  type QueueConfig,
  type QueueLimits,
  type QueueStatus,
  queueConfigEntrySchema,
  queueConfigSchema,
  safeParseQueueConfigFile,
} from '../src/queue-config/index.js';
import { MAP_TYPES, type MapType } from '../src/status/worker-status.js';

type Json = Record<string, unknown>;

function load(name: string): Json {
  return JSON.parse(readFileSync(new URL(`./fixtures/queue-config/${name}`, import.meta.url), 'utf8'));
}

/** The seven mandatory sections of minimal.json. */
const SECTIONS = load('minimal.json').MINIMAL as Json;

function queue(extra: Json = {}): Json {
  return { maxWorkers: 10, ...structuredClone(SECTIONS), ...extra };
}

function issuesOf(json: unknown): ConfigIssue[] {
  const result = safeParseQueueConfigFile(json);
  if (result.ok) throw new Error('expected the configuration to be rejected');
  return result.issues;
}

function only(queues: Record<string, QueueConfig>, name: string): QueueConfig {
  const q = queues[name];
  if (q === undefined) throw new Error(`no queue ${name} in ${Object.keys(queues).join(', ')}`);
  return q;
}

const NULL_LIMITS: QueueLimits = {
  nQueueLimitWorker: null,
  nQueueLimitWorkerMax: null,
  nQueueLimitWorkerRatio: null,
  nQueueLimitWorkerMin: null,
  nQueueLimitWorkerCores: null,
  nQueueLimitWorkerCoresRatio: null,
  nQueueLimitWorkerCoresMin: null,
  nQueueLimitWorkerMemory: null,
  nQueueLimitWorkerMemoryRatio: null,
  nQueueLimitWorkerMemoryMin: null,
  nQueueLimitJob: null,
  nQueueLimitJobMax: null,
  nQueueLimitJobRatio: null,
  nQueueLimitJobMin: null,
  nQueueLimitJobCores: null,
  nQueueLimitJobCoresRatio: null,
  nQueueLimitJobCoresMin: null,
};

describe('the example configurations', () => {
  it('resolves the grid push file: three queues from one template, the template left out', () => {
    const queues = parseQueueConfigFile(load('grid-push.json'));
    expect(Object.keys(queues)).toEqual(['CERN-PROD', 'BNL_PROD/SCORE', 'BNL_PROD/MCORE']);

    const cern = only(queues, 'CERN-PROD');
    expect(cern.templateQueueName).toBe('GRID_PUSH_TEMPLATE');
    expect(cern.siteName).toBe('CERN-PROD');
    expect(cern.siteFamily).toBe('CERN-PROD');
    expect(cern.resourceType).toBe('ANY');
    expect(cern.maxWorkers).toBe(2000);
    expect(cern.nQueueLimitWorker).toBe(300);
    // The queue overrides two submitter options; module, name and the other options come from
    // the template, `common` fills in what the section does not set (its own logDir wins).
    expect(cern.submitter).toStrictEqual({
      module: '@harvester-ts/htcondor',
      name: 'HTCondorSubmitter',
      CEtemplateDir: '/opt/harvester/etc/condor_sdf/atlas-grid-ce_push.sdf.d',
      useCRICGridCE: true,
      x509UserProxy: '/data/harvester/proxy/x509up_prod',
      logDir: '/data/condor_logs',
      logBaseURL: 'https://[ScheddHostname]/condor_logs',
      nProcesses: 8,
      ceHostname: 'ce503.cern.ch',
      nCorePerNode: 8,
      payloadType: 'atlas_pilot_wrapper',
    });
    expect(cern.sweeper).toStrictEqual({
      module: '@harvester-ts/htcondor',
      name: 'HTCondorSweeper',
      payloadType: 'atlas_pilot_wrapper',
      logDir: '/data/harvester/logs',
    });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Harvester placeholder, not a template literal
    expect(cern.messenger.accessPoint).toBe('/data/harvester/wdirs/${harvesterID}/${workerID}');
    expect(cern.throttler?.name).toBe('SimpleThrottler');
    // truePilot without noHeartbeat: the pilot reports these statuses itself.
    expect(cern.truePilot).toBe(true);
    expect(cern.noHeartbeat).toEqual(['running', 'transferring', 'finished', 'failed']);
    // nQueueLimitJobMax is the deprecated alias of nQueueLimitJob.
    expect(cern.nQueueLimitJob).toBe(999999);
    expect(cern.nQueueLimitJobMax).toBe(999999);
    expect(cern.nQueueLimitJobRatio).toBe(40);
    expect(cern.nQueueLimitJobMin).toBe(100);
    expect(cern.prodSourceLabelRandomWeightsPermille).toEqual({
      ptest: 10,
      rc_test: 10,
      rc_test2: 10,
      rc_alrb: 10,
    });
    // credmanagers are inherited as a whole and get no `common` options.
    expect(cern.credmanagers).toStrictEqual([
      {
        module: '@harvester-ts/engine',
        name: 'TokenFileCredManager',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a Harvester placeholder, not a template literal
        tokenFile: '/data/harvester/tokens/${queueName}.token',
      },
    ]);
  });

  it('takes the resource type from PQ/RT keys and the site from the PQ part', () => {
    const queues = parseQueueConfigFile(load('grid-push.json'));
    const score = only(queues, 'BNL_PROD/SCORE');
    const mcore = only(queues, 'BNL_PROD/MCORE');
    expect([score.queueName, score.siteName, score.siteFamily, score.resourceType]).toEqual([
      'BNL_PROD/SCORE',
      'BNL_PROD',
      'BNL',
      'SCORE',
    ]);
    expect([mcore.queueName, mcore.siteName, mcore.resourceType]).toEqual([
      'BNL_PROD/MCORE',
      'BNL_PROD',
      'MCORE',
    ]);
    expect(score.submitter.nCorePerNode).toBe(1);
    expect(mcore.submitter.nCorePerNode).toBe(8);
    // "throttler": null removes the template's throttler from that queue only.
    expect('throttler' in score).toBe(false);
    expect(mcore.throttler?.module).toBe('@harvester-ts/engine');
  });

  it('resolves the HPC Slurm queue', () => {
    const q = only(parseQueueConfigFile(load('hpc-slurm.json')), 'NERSC_Perlmutter');
    expect(q.mapType).toBe('ManyToOne');
    expect(q.allowJobMixture).toBe(false);
    expect(q.zipPerMB).toBe(1024);
    expect(q.ddmEndpointIn).toBe('NERSC_DATADISK');
    expect(q.getJobCriteria).toEqual({ resourceType: 'MCORE', workingGroup: 'AP_HPC' });
    expect([q.nQueueLimitJob, q.nQueueLimitWorker, q.maxWorkers]).toEqual([40, 2, 4]);
    expect(q.messenger).toStrictEqual({
      module: '@harvester-ts/engine',
      name: 'SharedFileMessenger',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Harvester placeholder, not a template literal
      accessPoint: '/pscratch/harvester/workdir/${workerID}',
      worker_heartbeat: 30,
      sbatchPath: '/usr/bin/sbatch',
    });
    expect(q.zipper).toStrictEqual({
      module: '@harvester-ts/stager-posix',
      name: 'PosixZipper',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Harvester placeholder, not a template literal
      zipDir: '${SRCDIR}',
      sbatchPath: '/usr/bin/sbatch',
    });
    expect(q.submitter).toMatchObject({ nCorePerNode: 128, nNode: 2, localQueueName: 'regular' });
    expect(q.noHeartbeat).toEqual([]);
    expect('throttler' in q).toBe(false);
  });

  it('resolves the local pull queue: worker ratio limits kept, job limits null', () => {
    const q = only(parseQueueConfigFile(load('local-pull.json')), 'LOCAL_PULL');
    expect(q.mapType).toBe('NoJob');
    expect(q.prodSourceLabel).toBe('test');
    expect([q.nQueueLimitWorker, q.nQueueLimitWorkerRatio, q.nQueueLimitWorkerMin]).toEqual([2, 50, 1]);
    expect(q.nQueueLimitJob).toBeNull();
    expect(q.noHeartbeat).toEqual(['running', 'transferring', 'finished', 'failed']);
  });

  it('gives queues that parse again to themselves (a stored snapshot validates with the same schema)', () => {
    for (const file of ['grid-push.json', 'hpc-slurm.json', 'local-pull.json', 'minimal.json']) {
      for (const q of Object.values(parseQueueConfigFile(load(file)))) {
        expect(queueConfigSchema.parse(structuredClone(q))).toStrictEqual(q);
      }
    }
  });
});

describe('the schemas on their own', () => {
  it('pluginSectionSchema needs module and name and keeps every option', () => {
    expect(pluginSectionSchema.parse({ module: 'm', name: 'n', nCore: 8, nested: { a: [1] } })).toEqual({
      module: 'm',
      name: 'n',
      nCore: 8,
      nested: { a: [1] },
    });
    const result = pluginSectionSchema.safeParse({ name: 'n' });
    expect(formatIssues(result.error?.issues ?? [], { prefix: ['CERN_TEST', 'submitter'] })).toEqual([
      {
        path: 'CERN_TEST.submitter.module',
        message: 'required: the package (or path) that exports the plugin',
      },
    ]);
  });

  it('messengerSectionSchema needs accessPoint', () => {
    expect(messengerSectionSchema.safeParse({ module: 'm', name: 'n' }).error?.issues).toEqual([
      expect.objectContaining({
        path: ['accessPoint'],
        message: "required: the messenger's accessPoint (the worker directory)",
      }),
    ]);
  });

  it('queueConfigSchema resolves one merged queue given with its name', () => {
    const q = queueConfigSchema.parse({ ...queue({ mapType: 'NoJob' }), queueName: 'CERN/SCORE' });
    expect([q.queueName, q.siteName, q.mapType, q.maxWorkers]).toEqual(['CERN/SCORE', 'CERN', 'NoJob', 10]);
    expect(queueConfigSchema.safeParse(queue()).error?.issues[0]?.path).toEqual(['queueName']);
  });

  it('keeps option values that are not JSON (set by a program) by reference', () => {
    const hook = () => 'ok';
    const q = only(parseQueueConfigFile({ Q: queue({ common: { hook } }) }), 'Q');
    expect(q.submitter.hook).toBe(hook);
    expect(q.common.hook).toBe(hook);
  });

  it('gives precise types', () => {
    const q = only(parseQueueConfigFile(load('grid-push.json')), 'CERN-PROD');
    const accessPoint: string = q.messenger.accessPoint;
    const messenger: MessengerSection = q.messenger;
    const submitter: PluginSection = q.submitter;
    const throttler: PluginSection | undefined = q.throttler;
    const mapType: MapType = q.mapType;
    const status: QueueStatus = q.queueStatus;
    const limit: number | null = q.nQueueLimitWorker;
    const maxWorkers: number = q.maxWorkers;
    const noHeartbeat: readonly NoHeartbeatStatus[] = q.noHeartbeat;
    const criteria: Record<string, string | number | boolean> | null = q.getJobCriteria;
    expect([accessPoint, messenger.name, submitter.module, throttler?.name, mapType, status]).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Harvester placeholder, not a template literal
      '/data/harvester/wdirs/${harvesterID}/${workerID}',
      'SharedFileMessenger',
      '@harvester-ts/htcondor',
      'SimpleThrottler',
      'OneToOne',
      'online',
    ]);
    expect([limit, maxWorkers, noHeartbeat.length, criteria]).toEqual([300, 2000, 4, null]);
  });
});

describe('defaults', () => {
  it("applies Harvester's defaults to a queue that sets only its plugin sections", () => {
    const q = only(parseQueueConfigFile(load('minimal.json')), 'MINIMAL');
    expect(q).toStrictEqual({
      queueName: 'MINIMAL',
      queueStatus: 'online',
      prodSourceLabel: 'managed',
      prodSourceLabelRandomWeightsPermille: {},
      prioritizedProdSourceLabels: [],
      jobType: 'ANY',
      resourceType: 'ANY',
      mapType: 'OneToOne',
      useJobLateBinding: false,
      truePilot: false,
      runMode: 'self',
      allowJobMixture: false,
      maxSubmissionAttempts: 3,
      prefetchEvents: true,
      initEventsMultipler: 2,
      scatteredEvents: false,
      zipPerMB: null,
      ddmEndpointIn: null,
      walltimeLimit: null,
      maxNewWorkersPerCycle: 0,
      nNewWorkers: 0,
      credmanagers: [],
      siteName: 'MINIMAL',
      siteFamily: 'MINIMAL',
      maxWorkers: 0,
      noHeartbeat: [],
      getJobCriteria: null,
      ...NULL_LIMITS,
      ...(SECTIONS as Pick<QueueConfig, 'submitter'>),
      common: {},
    });
  });

  it('gives every queue its own default objects', () => {
    const queues = parseQueueConfigFile({ A: queue(), B: queue() });
    const a = only(queues, 'A');
    a.prioritizedProdSourceLabels.push('user');
    a.common.x = 1;
    expect(only(queues, 'B').prioritizedProdSourceLabels).toEqual([]);
    expect(only(queues, 'B').common).toEqual({});
  });

  it('the mapType default is one of MAP_TYPES', () => {
    expect(MAP_TYPES).toContain(only(parseQueueConfigFile({ Q: queue() }), 'Q').mapType);
  });
});

describe("Harvester's sanity rules", () => {
  it('nullifies every job limit of a NoJob (pull) queue', () => {
    const q = only(
      parseQueueConfigFile({
        Q: queue({
          mapType: 'NoJob',
          nQueueLimitJob: 10,
          nQueueLimitJobMax: 20,
          nQueueLimitJobRatio: 30,
          nQueueLimitJobMin: 5,
          nQueueLimitJobCores: 100,
          nQueueLimitJobCoresRatio: 40,
          nQueueLimitJobCoresMin: 8,
        }),
      }),
      'Q',
    );
    expect([
      q.nQueueLimitJob,
      q.nQueueLimitJobMax,
      q.nQueueLimitJobRatio,
      q.nQueueLimitJobMin,
      q.nQueueLimitJobCores,
      q.nQueueLimitJobCoresRatio,
      q.nQueueLimitJobCoresMin,
    ]).toEqual([null, null, null, null, null, null, null]);
  });

  it('ignores the worker Ratio/Min limits of job-bound (push) queues', () => {
    const q = only(
      parseQueueConfigFile({
        Q: queue({ mapType: 'OneToOne', nQueueLimitWorkerRatio: 40, nQueueLimitWorkerMin: 10 }),
      }),
      'Q',
    );
    expect([q.nQueueLimitWorkerRatio, q.nQueueLimitWorkerMin]).toEqual([null, null]);
  });

  it('clamps nQueueLimitWorker (and its alias nQueueLimitWorkerMax) to maxWorkers', () => {
    const queues = parseQueueConfigFile({
      ONE: queue({ maxWorkers: 50, nQueueLimitWorker: 999999 }),
      BOTH: queue({ maxWorkers: 50, nQueueLimitWorker: 40, nQueueLimitWorkerMax: 30 }),
      ALIAS: queue({ maxWorkers: 50, nQueueLimitWorkerMax: 80 }),
    });
    expect(only(queues, 'ONE').nQueueLimitWorker).toBe(50);
    expect([only(queues, 'BOTH').nQueueLimitWorker, only(queues, 'BOTH').nQueueLimitWorkerMax]).toEqual([
      30, 30,
    ]);
    expect([only(queues, 'ALIAS').nQueueLimitWorker, only(queues, 'ALIAS').nQueueLimitWorkerMax]).toEqual([
      50, 50,
    ]);
  });

  it('clamps every *Min to the limit it qualifies', () => {
    const q = only(
      parseQueueConfigFile({
        Q: queue({
          mapType: 'NoJob',
          maxWorkers: 100,
          nQueueLimitWorker: 20,
          nQueueLimitWorkerMin: 30,
          nQueueLimitWorkerCores: 64,
          nQueueLimitWorkerCoresMin: 128,
          nQueueLimitWorkerMemory: 1000,
          nQueueLimitWorkerMemoryMin: 4000,
        }),
      }),
      'Q',
    );
    expect([q.nQueueLimitWorkerMin, q.nQueueLimitWorkerCoresMin, q.nQueueLimitWorkerMemoryMin]).toEqual([
      20, 64, 1000,
    ]);
  });

  it('treats nQueueLimitJobMax as the alias of nQueueLimitJob', () => {
    const queues = parseQueueConfigFile({
      ALIAS: queue({ nQueueLimitJobMax: 30, nQueueLimitJobMin: 50 }),
      BOTH: queue({ nQueueLimitJob: 10, nQueueLimitJobMax: 30 }),
    });
    const alias = only(queues, 'ALIAS');
    expect([alias.nQueueLimitJob, alias.nQueueLimitJobMax, alias.nQueueLimitJobMin]).toEqual([30, 30, 30]);
    const both = only(queues, 'BOTH');
    expect([both.nQueueLimitJob, both.nQueueLimitJobMax]).toEqual([10, 10]);
  });

  it('applyLimitRules is idempotent', () => {
    const input: QueueLimits = {
      ...NULL_LIMITS,
      nQueueLimitWorker: 500,
      nQueueLimitWorkerMax: 300,
      nQueueLimitWorkerRatio: 40,
      nQueueLimitWorkerMin: 400,
      nQueueLimitJob: 20,
    };
    const once = applyLimitRules('NoJob', 200, input);
    expect(once).toEqual({
      ...NULL_LIMITS,
      nQueueLimitWorker: 200,
      nQueueLimitWorkerMax: 200,
      nQueueLimitWorkerRatio: 40,
      nQueueLimitWorkerMin: 200,
    });
    expect(applyLimitRules('NoJob', 200, once)).toEqual(once);
    expect(input.nQueueLimitWorker).toBe(500);
  });

  it('rejects a queue limit without maxWorkers, whose default 0 would never submit a worker', () => {
    const { maxWorkers: _, ...noMax } = queue({ nQueueLimitWorker: 5 });
    expect(issuesOf({ Q: noMax })).toEqual([
      {
        path: 'Q.maxWorkers',
        message:
          'required when nQueueLimitWorker is set (5): maxWorkers defaults to 0, which would never submit a worker',
      },
    ]);
    // 0 (Harvester's PULL_MODEL example) and an explicit maxWorkers: 0 (a queue switched off) are fine.
    const { maxWorkers: __, ...zeroLimit } = queue({ nQueueLimitWorker: 0 });
    expect(only(parseQueueConfigFile({ Q: zeroLimit }), 'Q').maxWorkers).toBe(0);
    expect(
      only(parseQueueConfigFile({ Q: queue({ maxWorkers: 0, nQueueLimitWorker: 5 }) }), 'Q'),
    ).toMatchObject({ maxWorkers: 0, nQueueLimitWorker: 0 });
  });

  it('parses noHeartbeat and getJobCriteria in both of their forms', () => {
    const queues = parseQueueConfigFile({
      S: queue({
        noHeartbeat: ' running , finished,running',
        getJobCriteria: 'resourceType=SCORE, jobType=user',
      }),
      A: queue({ noHeartbeat: ['transferring'], getJobCriteria: { resourceType: 'SCORE', nJobs: 2 } }),
      E: queue({ truePilot: true, noHeartbeat: '', getJobCriteria: null }),
    });
    expect(only(queues, 'S').noHeartbeat).toEqual(['running', 'finished']);
    expect(only(queues, 'S').getJobCriteria).toEqual({ resourceType: 'SCORE', jobType: 'user' });
    expect(only(queues, 'A').noHeartbeat).toEqual(['transferring']);
    expect(only(queues, 'A').getJobCriteria).toEqual({ resourceType: 'SCORE', nJobs: 2 });
    // As in Harvester, an empty noHeartbeat of a truePilot queue means the truePilot list.
    expect(only(queues, 'E').noHeartbeat).toEqual(['running', 'transferring', 'finished', 'failed']);
    expect(only(queues, 'E').getJobCriteria).toBeNull();
  });
});

describe('preparator and stager: mandatory for queues with jobs, optional for NoJob queues', () => {
  /** A queue without preparator and stager (and, with `keep`, with only those of them). */
  function withoutStaging(extra: Json = {}, keep: readonly string[] = []): Json {
    const q = queue(extra);
    for (const s of JOB_PLUGIN_SECTIONS) if (!keep.includes(s)) delete q[s];
    return q;
  }
  const JOB_MAP_TYPES = MAP_TYPES.filter((m) => m !== 'NoJob');
  const missing = (queueName: string, s: 'preparator' | 'stager') => ({
    path: `${queueName}.${s}`,
    message:
      `missing mandatory plugin section '${s}' (set it in the queue or in its template; ` +
      'only NoJob queues, which carry no jobs, may leave it out)',
  });

  it('splits the plugin sections into always mandatory, mandatory with jobs, and optional', () => {
    expect([...MANDATORY_PLUGIN_SECTIONS]).toEqual([
      'submitter',
      'monitor',
      'sweeper',
      'messenger',
      'workerMaker',
    ]);
    expect([...JOB_PLUGIN_SECTIONS]).toEqual(['preparator', 'stager']);
    // Every section exactly once, in the order of Harvester's files.
    expect([...PLUGIN_SECTIONS].sort()).toEqual(
      [...MANDATORY_PLUGIN_SECTIONS, ...JOB_PLUGIN_SECTIONS, ...OPTIONAL_PLUGIN_SECTIONS].sort(),
    );
    expect(new Set(PLUGIN_SECTIONS).size).toBe(PLUGIN_SECTIONS.length);
    expect(PLUGIN_SECTIONS.slice(0, 7)).toEqual([
      'submitter',
      'monitor',
      'sweeper',
      'messenger',
      'preparator',
      'stager',
      'workerMaker',
    ]);
    expect(missingJobSectionMessage('stager')).toBe(missing('Q', 'stager').message);
  });

  it('resolves a NoJob queue without preparator and stager, leaving both out', () => {
    const q = only(
      parseQueueConfigFile({ PULL: withoutStaging({ mapType: 'NoJob', common: { x: 1 } }) }),
      'PULL',
    );
    expect(q.mapType).toBe('NoJob');
    expect('preparator' in q).toBe(false);
    expect('stager' in q).toBe(false);
    // `common` goes into the sections the queue has; it creates none.
    expect(q.submitter).toMatchObject({ module: '@harvester-ts/local', x: 1 });
    expect(isJobQueue(q)).toBe(false);
    // A stored snapshot of it validates again to the same queue.
    expect(queueConfigSchema.parse(structuredClone(q))).toStrictEqual(q);
  });

  it('resolves a NoJob queue with only one of them, or with both (common merged in)', () => {
    const queues = parseQueueConfigFile({
      ONLY_STAGER: withoutStaging({ mapType: 'NoJob' }, ['stager']),
      ONLY_PREPARATOR: withoutStaging({ mapType: 'NoJob' }, ['preparator']),
      BOTH: queue({ mapType: 'NoJob', common: { x: 1 } }),
    });
    const onlyStager = only(queues, 'ONLY_STAGER');
    expect(['preparator' in onlyStager, onlyStager.stager]).toEqual([false, SECTIONS.stager]);
    const onlyPreparator = only(queues, 'ONLY_PREPARATOR');
    expect([onlyPreparator.preparator, 'stager' in onlyPreparator]).toEqual([SECTIONS.preparator, false]);
    const both = only(queues, 'BOTH');
    expect(both.preparator).toStrictEqual({ ...(SECTIONS.preparator as Json), x: 1 });
    expect(both.stager).toStrictEqual({ ...(SECTIONS.stager as Json), x: 1 });
  });

  it('accepts null for them in a NoJob queue (nothing to remove) and leaves them out', () => {
    const q = only(
      parseQueueConfigFile({ Q: queue({ mapType: 'NoJob', preparator: null, stager: null }) }),
      'Q',
    );
    expect(['preparator' in q, 'stager' in q]).toEqual([false, false]);
  });

  it.each(JOB_MAP_TYPES)('rejects a %s queue without them, saying why', (mapType) => {
    expect(issuesOf({ Q: withoutStaging({ mapType }) })).toEqual([
      missing('Q', 'preparator'),
      missing('Q', 'stager'),
    ]);
    expect(issuesOf({ Q: withoutStaging({ mapType }, ['preparator']) })).toEqual([missing('Q', 'stager')]);
    expect(issuesOf({ Q: withoutStaging({ mapType }, ['stager']) })).toEqual([missing('Q', 'preparator')]);
    expect(issuesOf({ Q: queue({ mapType, preparator: null }) })).toEqual([missing('Q', 'preparator')]);
  });

  it('rejects a queue without them that leaves mapType to its default (OneToOne)', () => {
    expect(issuesOf({ Q: withoutStaging() })).toEqual([missing('Q', 'preparator'), missing('Q', 'stager')]);
  });

  it('reports them with the other problems of the queue, and not when the mapType itself is invalid', () => {
    const { submitter: _, ...noSubmitter } = withoutStaging({ maxWorkers: 'lots' });
    expect(issuesOf({ Q: noSubmitter })).toEqual([
      { path: 'Q.maxWorkers', message: 'Invalid input: expected number, received string' },
      {
        path: 'Q.submitter',
        message: "missing mandatory plugin section 'submitter' (set it in the queue or in its template)",
      },
      missing('Q', 'preparator'),
      missing('Q', 'stager'),
    ]);
    expect(issuesOf({ Q: withoutStaging({ mapType: 'Pull' }) })).toEqual([
      {
        path: 'Q.mapType',
        message: 'Invalid option: expected one of "NoJob"|"OneToOne"|"ManyToOne"|"OneToMany"',
      },
    ]);
  });

  it('still validates a section a NoJob queue gives', () => {
    expect(issuesOf({ Q: queue({ mapType: 'NoJob', stager: { name: 'DummyStager' } }) })).toEqual([
      { path: 'Q.stager.module', message: 'required: the package (or path) that exports the plugin' },
    ]);
  });

  it('applies the same rule to queueConfigSchema on its own (a stored snapshot)', () => {
    const pull = queueConfigSchema.parse({ ...withoutStaging({ mapType: 'NoJob' }), queueName: 'PULL' });
    expect('preparator' in pull).toBe(false);
    const push = queueConfigSchema.safeParse({
      ...withoutStaging({ mapType: 'OneToOne' }),
      queueName: 'PUSH',
    });
    expect(push.error?.issues.map((i) => [i.path, i.message])).toEqual([
      [['preparator'], missingJobSectionMessage('preparator')],
      [['stager'], missingJobSectionMessage('stager')],
    ]);
  });

  it('types them as present on a queue with jobs and optional only on a NoJob queue', () => {
    const queues = parseQueueConfigFile({
      PUSH: queue(),
      PULL: withoutStaging({ mapType: 'NoJob' }),
    });
    const push = only(queues, 'PUSH');
    const pull = only(queues, 'PULL');
    // @ts-expect-error: a queue of unknown mapType may have no preparator
    const unknown: PluginSection = pull.preparator;
    expect(unknown).toBeUndefined();
    const sections: (PluginSection | undefined)[] = [];
    for (const q of [push, pull]) {
      if (q.mapType !== 'NoJob') {
        // Narrowed on mapType: no undefined to handle.
        const preparator: PluginSection = q.preparator;
        const stager: PluginSection = q.stager;
        sections.push(preparator, stager);
      } else {
        const preparator: PluginSection | undefined = q.preparator;
        sections.push(preparator);
      }
    }
    expect(sections).toEqual([SECTIONS.preparator, SECTIONS.stager, undefined]);
    expect(isJobQueue(push)).toBe(true);
    if (isJobQueue(push)) {
      const job: JobQueueConfig = push;
      expect(job.stager.name).toBe('DummyStager');
    }
    const noJob: NoJobQueueConfig | undefined = pull.mapType === 'NoJob' ? pull : undefined;
    expect(noJob?.queueName).toBe('PULL');
  });
});

describe('errors', () => {
  it('reports a plugin section without module at its exact path', () => {
    const { submitter: _, ...rest } = queue();
    expect(issuesOf({ CERN_TEST: { ...rest, submitter: { name: 'HTCondorSubmitter' } } })).toEqual([
      {
        path: 'CERN_TEST.submitter.module',
        message: 'required: the package (or path) that exports the plugin',
      },
    ]);
  });

  it('reports empty module and name, and a section that is not an object', () => {
    expect(
      issuesOf({
        Q: queue({ monitor: { module: '', name: '' }, sweeper: 'HTCondorSweeper' }),
      }),
    ).toEqual([
      { path: 'Q.monitor.module', message: 'must not be empty' },
      { path: 'Q.monitor.name', message: 'must not be empty' },
      { path: 'Q.sweeper', message: 'Invalid input: expected object, received string' },
    ]);
  });

  it('rejects a string where a number belongs (Harvester would silently use no limit)', () => {
    expect(issuesOf({ CERN_TEST: queue({ maxWorkers: '100', nQueueLimitWorker: '10' }) })).toEqual([
      { path: 'CERN_TEST.maxWorkers', message: 'Invalid input: expected number, received string' },
      { path: 'CERN_TEST.nQueueLimitWorker', message: 'Invalid input: expected number, received string' },
    ]);
  });

  it('reports wrong types inside lists and options with their index', () => {
    expect(
      issuesOf({
        Q: queue({
          credmanagers: [{ module: 'm', name: 'ok' }, { module: 'm' }],
          prioritizedProdSourceLabels: ['managed', 3],
          truePilot: 'yes',
        }),
      }),
    ).toEqual([
      // In the order of the keys in the schema, not in the file.
      { path: 'Q.prioritizedProdSourceLabels.1', message: 'Invalid input: expected string, received number' },
      { path: 'Q.truePilot', message: 'Invalid input: expected boolean, received string' },
      { path: 'Q.credmanagers.1.name', message: 'required: the export name of the plugin in its module' },
    ]);
  });

  it('rejects negative and fractional limits', () => {
    expect(
      issuesOf({ Q: queue({ nQueueLimitWorker: -5, maxNewWorkersPerCycle: 2.5, nQueueLimitJobRatio: -1 }) }),
    ).toEqual([
      { path: 'Q.maxNewWorkersPerCycle', message: 'Invalid input: expected int, received number' },
      { path: 'Q.nQueueLimitWorker', message: 'must not be negative' },
      { path: 'Q.nQueueLimitJobRatio', message: 'must not be negative' },
    ]);
  });

  it('rejects unknown keys, suggesting the key that was probably meant', () => {
    expect(
      issuesOf({
        Q: queue({
          nQueueLimitWorkers: 5,
          Submitter: { module: 'm', name: 'n' },
          initEventsMultiplier: 3,
          maxworkers: 3,
          colour: 'blue',
          queueName: 'Q',
          accessPoint: '/tmp',
        }),
      }),
    ).toEqual([
      {
        path: 'Q.nQueueLimitWorkers',
        message: "unknown key 'nQueueLimitWorkers' (did you mean 'nQueueLimitWorker'?)",
      },
      { path: 'Q.Submitter', message: "unknown key 'Submitter' (did you mean 'submitter'?)" },
      {
        path: 'Q.initEventsMultiplier',
        message: "unknown key 'initEventsMultiplier' (did you mean 'initEventsMultipler'?)",
      },
      { path: 'Q.maxworkers', message: "unknown key 'maxworkers' (did you mean 'maxWorkers'?)" },
      { path: 'Q.colour', message: "unknown key 'colour'" },
      {
        path: 'Q.queueName',
        message: "unknown key 'queueName': the queue name is the key of the entry in the file",
      },
      {
        path: 'Q.accessPoint',
        message: "unknown key 'accessPoint': accessPoint belongs in the messenger section",
      },
    ]);
  });

  it('requires accessPoint in the messenger section', () => {
    const { messenger: _, ...rest } = queue();
    expect(
      issuesOf({
        Q: { ...rest, messenger: { module: '@harvester-ts/engine', name: 'SharedFileMessenger' } },
      }),
    ).toEqual([
      {
        path: 'Q.messenger.accessPoint',
        message: "required: the messenger's accessPoint (the worker directory)",
      },
    ]);
    expect(
      issuesOf({ Q: queue({ messenger: { module: 'm', name: 'n', accessPoint: '', worker_heartbeat: 0 } }) }),
    ).toEqual([
      { path: 'Q.messenger.accessPoint', message: 'must not be empty' },
      { path: 'Q.messenger.worker_heartbeat', message: 'must be a positive number of minutes' },
    ]);
  });

  it('reports every missing mandatory section of a queue without template', () => {
    expect(issuesOf({ EMPTY: {} })).toEqual([
      ...['submitter', 'monitor', 'sweeper', 'messenger', 'workerMaker'].map((s) => ({
        path: `EMPTY.${s}`,
        message: `missing mandatory plugin section '${s}' (set it in the queue or in its template)`,
      })),
      // The default mapType, OneToOne, carries jobs.
      ...['preparator', 'stager'].map((s) => ({
        path: `EMPTY.${s}`,
        message:
          `missing mandatory plugin section '${s}' (set it in the queue or in its template; ` +
          'only NoJob queues, which carry no jobs, may leave it out)',
      })),
    ]);
    expect(issuesOf({ EMPTY: { mapType: 'NoJob' } }).map((i) => i.path)).toEqual(
      ['submitter', 'monitor', 'sweeper', 'messenger', 'workerMaker'].map((s) => `EMPTY.${s}`),
    );
  });

  it('checks values: enums, permille weights, noHeartbeat statuses, criteria, common, names', () => {
    expect(
      issuesOf({
        Q: queue({
          mapType: 'OneToAll',
          queueStatus: 'ONLINE',
          runMode: 'master',
          prodSourceLabelRandomWeightsPermille: { rc_test: 600, ptest: 500 },
          noHeartbeat: 'running,finishd',
          getJobCriteria: 'resourceType',
          common: { module: 'x', payloadType: 'p' },
        }),
        'Q/SCORE': queue({ resourceType: 'MCORE' }),
        'has space': queue(),
        'A/B/C': queue(),
      }),
    ).toEqual([
      {
        path: 'Q.queueStatus',
        message: 'Invalid option: expected one of "online"|"offline"|"standby"|"maintenance"',
      },
      {
        path: 'Q.prodSourceLabelRandomWeightsPermille',
        message: 'the weights add up to 1100‰, more than 1000‰',
      },
      {
        path: 'Q.mapType',
        message: 'Invalid option: expected one of "NoJob"|"OneToOne"|"ManyToOne"|"OneToMany"',
      },
      { path: 'Q.runMode', message: 'Invalid option: expected one of "self"|"slave"' },
      {
        path: 'Q.noHeartbeat',
        message:
          'must be a comma-separated list of job statuses (starting, running, finished, failed, cancelled, missed, transferring, holding)',
      },
      { path: 'Q.getJobCriteria', message: "must look like 'key=value,key=value'" },
      {
        path: 'Q.common.module',
        message: "'common' is merged into every plugin section and cannot set 'module'",
      },
      {
        path: 'Q/SCORE.resourceType',
        message: "'MCORE' contradicts the resource type 'SCORE' in the queue name",
      },
      {
        path: 'has space',
        message:
          "invalid queue name 'has space': a queue name must be 'PQ' or 'PQ/resourceType', without whitespace",
      },
      {
        path: 'A/B/C',
        message:
          "invalid queue name 'A/B/C': a queue name must be 'PQ' or 'PQ/resourceType', without whitespace",
      },
    ]);
  });

  it('reports the failing element of an array form', () => {
    expect(issuesOf({ Q: queue({ noHeartbeat: ['running', 'finishd'], getJobCriteria: 3 }) })).toEqual([
      {
        path: 'Q.noHeartbeat.1',
        message:
          'Invalid option: expected one of "starting"|"running"|"finished"|"failed"|"cancelled"|"missed"|"transferring"|"holding"',
      },
      {
        path: 'Q.getJobCriteria',
        message: "expected a 'key=value,key=value' string or an object of criteria",
      },
    ]);
  });

  it('reports several problems of several queues at once, in file order', () => {
    const { submitter: _s, messenger: _m, ...noSubmitterNoMessenger } = queue();
    expect(
      issuesOf({
        GOOD: queue(),
        BAD_TYPES: queue({ maxWorkers: 'lots', mapTyp: 'NoJob', stager: { name: 'DummyStager' } }),
        BAD_TEMPLATE: queue({ templateQueueName: 'GRID_TEMPLAT' }),
        GRID_TEMPLATE: { nQueueLimitJob: -1 },
        INCOMPLETE: { ...noSubmitterNoMessenger, messenger: { module: 'm', name: 'n' } },
      }),
    ).toEqual([
      { path: 'BAD_TYPES.maxWorkers', message: 'Invalid input: expected number, received string' },
      { path: 'BAD_TYPES.mapTyp', message: "unknown key 'mapTyp' (did you mean 'mapType'?)" },
      // Found after the merge, although the entry itself was already invalid.
      { path: 'BAD_TYPES.stager.module', message: 'required: the package (or path) that exports the plugin' },
      {
        path: 'BAD_TEMPLATE.templateQueueName',
        message: "unknown template 'GRID_TEMPLAT' (did you mean 'GRID_TEMPLATE'?)",
      },
      { path: 'GRID_TEMPLATE.nQueueLimitJob', message: 'must not be negative' },
      {
        path: 'INCOMPLETE.submitter',
        message: "missing mandatory plugin section 'submitter' (set it in the queue or in its template)",
      },
      {
        path: 'INCOMPLETE.messenger.accessPoint',
        message: "required: the messenger's accessPoint (the worker directory)",
      },
    ]);
  });

  it('rejects a document that is not an object of queues', () => {
    for (const [value, kind] of [
      [null, 'null'],
      [[], 'an array'],
      ['{"Q": {}}', 'string'],
    ] as const) {
      expect(issuesOf(value)).toEqual([
        {
          path: '',
          message: `expected an object of queues (queue name → queue configuration), received ${kind}`,
        },
      ]);
    }
    expect(issuesOf({ Q: 'online' })).toEqual([
      { path: 'Q', message: 'Invalid input: expected object, received string' },
    ]);
  });

  it('throws a ConfigError listing every issue, naming the source', () => {
    const json = { Q: queue({ maxWorkers: -1, colour: 'red' }) };
    let error: unknown;
    try {
      parseQueueConfigFile(json, { source: '/etc/panda/panda_queueconfig.json' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.code).toBe('INVALID_CONFIG');
    expect(configError.issues).toEqual(issuesOf(json));
    expect(configError.context.source).toBe('/etc/panda/panda_queueconfig.json');
    expect(configError.message).toBe(
      'queue configuration /etc/panda/panda_queueconfig.json is invalid:\n' +
        '  - Q.maxWorkers: must not be negative\n' +
        "  - Q.colour: unknown key 'colour'",
    );
  });

  it('accepts an empty file (no queues)', () => {
    expect(parseQueueConfigFile({})).toEqual({});
  });
});

describe('formatIssues', () => {
  it('turns zod issues into dotted paths, one per unknown key, with a prefix', () => {
    const result = queueConfigEntrySchema.safeParse({ maxWorkers: -1, foo: 1, bar: 2, credmanagers: [{}] });
    expect(result.success).toBe(false);
    expect(formatIssues(result.error?.issues ?? [], { prefix: ['CERN', 'x'] })).toEqual([
      { path: 'CERN.x.maxWorkers', message: 'must not be negative' },
      {
        path: 'CERN.x.credmanagers.0.module',
        message: 'required: the package (or path) that exports the plugin',
      },
      {
        path: 'CERN.x.credmanagers.0.name',
        message: 'required: the export name of the plugin in its module',
      },
      { path: 'CERN.x.foo', message: "unknown key 'foo'" },
      { path: 'CERN.x.bar', message: "unknown key 'bar'" },
    ]);
  });

  it('uses the caller-supplied message for unknown keys and drops duplicates', () => {
    const result = queueConfigEntrySchema.safeParse({ foo: 1 });
    const issues = result.error?.issues ?? [];
    expect(
      formatIssues([...issues, ...issues], {
        unknownKeyMessage: (key, path) => `${key} at ${path.join('/')}`,
      }),
    ).toEqual([{ path: 'foo', message: 'foo at foo' }]);
  });
});
