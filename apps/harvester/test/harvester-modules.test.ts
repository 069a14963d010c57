// Mapping a Python Harvester panda_queueconfig.json to harvester-ts plugins: what is rewritten,
// what is passed through, and that every plugin we cannot map is reported at once with its path.
import { ConfigError, safeParseQueueConfigFile } from '@harvester-ts/core';
import {
  HARVESTER_DROPPED_PLUGINS,
  HARVESTER_PLUGIN_MAP,
  HARVESTER_TS_PLUGINS,
  HARVESTER_UNSUPPORTED_MODULES,
  looksLikeHarvesterQueueConfig,
  mapHarvesterQueueConfig,
} from '../src/config/harvester-modules.js';

type Json = Record<string, unknown>;

const HS = 'pandaharvester.harvestersubmitter';
const HM = 'pandaharvester.harvestermonitor';
const HW = 'pandaharvester.harvestersweeper';
const HP = 'pandaharvester.harvesterpreparator';
const HST = 'pandaharvester.harvesterstager';
const MESSENGER = 'pandaharvester.harvestermessenger.shared_file_messenger';
const SIMPLE_MAKER = 'pandaharvester.harvesterworkermaker.simple_worker_maker';
const MULTIJOB_MAKER = 'pandaharvester.harvesterworkermaker.multijob_worker_maker';

/** A grid site (HTCondor-CE, two resource types) and an HPC (Slurm) site, as a Harvester admin writes them. */
function harvesterFile(): Json {
  return {
    GRID_HTCONDOR_TEMPLATE: {
      prodSourceLabel: 'managed',
      mapType: 'NoJob',
      truePilot: true,
      maxSubmissionAttempts: 3,
      prefetchEvents: false,
      submitter: {
        name: 'HTCondorSubmitter',
        module: `${HS}.htcondor_submitter`,
        useSpool: false,
        templateFile: '/opt/harvester/etc/htcondor-ce.sdf',
        executableFile: '/opt/harvester/etc/runpilot3-wrapper.sh',
        x509UserProxy: '/data/harvester/x509up_prod',
        logDir: '/data/harvester/condor_logs',
        logBaseURL: 'https://harvester.example.org/condor_logs',
        nProcesses: 8,
      },
      monitor: {
        name: 'HTCondorMonitor',
        module: `${HM}.htcondor_monitor`,
        cancelUnknown: false,
        heldTimeout: 3600,
      },
      sweeper: { name: 'HTCondorSweeper', module: `${HW}.htcondor_sweeper` },
      workerMaker: { name: 'SimpleWorkerMaker', module: SIMPLE_MAKER, jobAttributesToUse: ['nCore'] },
      messenger: {
        name: 'SharedFileMessenger',
        module: MESSENGER,
        jobSpecFileFormat: 'json',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Harvester placeholders
        accessPoint: '/data/harvester/wdirs/${harvesterID}/${_workerID_3.2}/${_workerID_1.0}/${workerID}',
        jsonAttrsFileName: 'worker_attributes.json',
        stripJobParams: true,
      },
      preparator: {
        name: 'RseDirectPreparator',
        module: `${HP}.rse_direct_preparator`,
        basePath: '/storage/rucio',
      },
      // Already converted by the operator: passes through.
      stager: {
        module: '@harvester-ts/stager-posix',
        name: 'PosixStager',
        destinationRoot: '/storage/rucio',
        layout: 'rucio',
      },
      credmanagers: [
        {
          module: '@example/harvester-voms',
          name: 'VomsProxyRenewer',
          inCertFile: '/data/harvester/robot.pem',
          outCertFile: '/data/harvester/x509up_prod',
          voms: 'atlas:/atlas/Role=production',
        },
      ],
    },
    'CERN-PROD_UCORE': {
      templateQueueName: 'GRID_HTCONDOR_TEMPLATE',
      queueStatus: 'online',
      maxWorkers: 1000,
      nQueueLimitWorker: 200,
      submitter: { nProcesses: 4 },
      messenger: { worker_heartbeat: 30, jsonJobReport: 'jobReport.json' },
    },
    'CERN-PROD_UCORE/SCORE': {
      templateQueueName: 'GRID_HTCONDOR_TEMPLATE',
      maxWorkers: 500,
      nQueueLimitWorker: 100,
    },
    'slurm.push': {
      isTemplateQueue: true,
      prodSourceLabel: 'managed',
      mapType: 'ManyToOne',
      nQueueLimitJob: 20,
      maxNewWorkersPerCycle: 2,
      common: { harvesterSite: 'NERSC' },
      submitter: {
        name: 'SlurmSubmitter',
        module: `${HS}.slurm_submitter`,
        templateFile: '/opt/harvester/etc/slurm_submit.sh',
        nCorePerNode: 64,
        nCore: 64,
        localQueueName: 'regular',
      },
      monitor: { name: 'SlurmSqueueMonitor', module: `${HM}.slurm_squeue_monitor` },
      sweeper: { name: 'SlurmSweeper', module: `${HW}.slurm_sweeper` },
      workerMaker: {
        name: 'MultiJobWorkerMaker',
        module: MULTIJOB_MAKER,
        nJobsPerWorker: 4,
        env: 'module load python',
        executor: 'srun',
        pilot: '/opt/pilot/pilot.py',
        pilot_params: '-q NERSC_Perlmutter',
      },
      messenger: {
        name: 'SharedFileMessenger',
        module: MESSENGER,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Harvester placeholder
        accessPoint: '/pscratch/harvester/${workerID}',
      },
      preparator: {
        name: 'RseDirectPreparator',
        module: `${HP}.rse_direct_preparator`,
        basePath: '/pscratch/rucio',
      },
      stager: {
        module: '@harvester-ts/stager-posix',
        name: 'PosixStager',
        destinationRoot: '/pscratch/outputs',
      },
    },
    NERSC_Perlmutter: {
      templateQueueName: 'slurm.push',
      maxWorkers: 10,
      nQueueLimitWorker: 4,
      submitter: { localQueueName: 'debug' },
      workerMaker: { nJobsPerWorker: 8, skipOnFail: true },
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

/** The ConfigError `fn` throws (fails the test on anything else, a TypeError included). */
function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw new Error(`expected a ConfigError, got ${String(err)}`);
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

function sectionsOf(document: Json, queueName: string): Json {
  return document[queueName] as Json;
}

describe('mapHarvesterQueueConfig on a realistic Harvester file', () => {
  const input = harvesterFile();
  const result = mapHarvesterQueueConfig(input);
  const doc = result.document;

  test('the mapped file is a valid harvester-ts queue configuration', () => {
    const parsed = safeParseQueueConfigFile(doc);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues, null, 2));
    expect(Object.keys(parsed.value)).toEqual([
      'CERN-PROD_UCORE',
      'CERN-PROD_UCORE/SCORE',
      'NERSC_Perlmutter',
    ]);

    const cern = parsed.value['CERN-PROD_UCORE']!;
    expect(cern.submitter).toMatchObject({
      module: '@harvester-ts/htcondor',
      name: 'HTCondorSubmitter',
      templateFile: '/opt/harvester/etc/htcondor-ce.sdf',
      nProcesses: 4,
    });
    expect(cern.monitor).toMatchObject({
      module: '@harvester-ts/htcondor',
      name: 'HTCondorMonitor',
      heldTimeout: 3600,
    });
    expect(cern.sweeper).toMatchObject({ module: '@harvester-ts/htcondor', name: 'HTCondorSweeper' });
    expect(cern.messenger).toEqual({
      module: '@harvester-ts/engine',
      name: 'SharedFileMessenger',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Harvester placeholders
      accessPoint: '/data/harvester/wdirs/${harvesterID}/${_workerID_3.2}/${_workerID_1.0}/${workerID}',
      workerAttributesFile: 'worker_attributes.json',
      jobReportFile: 'jobReport.json',
      worker_heartbeat: 30,
    });
    expect(cern.workerMaker).toEqual({ module: '@harvester-ts/engine', name: 'SimpleWorkerMaker' });
    expect(cern.preparator).toEqual({
      module: '@harvester-ts/stager-posix',
      name: 'PosixPreparator',
      storageRoot: '/storage/rucio',
      mode: 'direct',
      verifyChecksums: false,
    });
    expect(cern.stager).toEqual({
      module: '@harvester-ts/stager-posix',
      name: 'PosixStager',
      destinationRoot: '/storage/rucio',
      layout: 'rucio',
    });
    expect(cern.credmanagers).toEqual(
      (sectionsOf(input, 'GRID_HTCONDOR_TEMPLATE') as { credmanagers: unknown }).credmanagers,
    );

    const hpc = parsed.value.NERSC_Perlmutter!;
    expect(hpc.submitter).toMatchObject({
      module: '@harvester-ts/slurm',
      name: 'SlurmSubmitter',
      nCorePerNode: 64,
      localQueueName: 'debug',
      harvesterSite: 'NERSC',
    });
    expect(hpc.monitor).toMatchObject({ module: '@harvester-ts/slurm', name: 'SlurmMonitor' });
    expect(hpc.sweeper).toMatchObject({ module: '@harvester-ts/slurm', name: 'SlurmSweeper' });
    expect(hpc.workerMaker).toEqual({
      module: '@harvester-ts/engine',
      name: 'SimpleWorkerMaker',
      nJobsPerWorker: 8,
      harvesterSite: 'NERSC',
    });
    expect(hpc.preparator).toMatchObject({ storageRoot: '/pscratch/rucio', mode: 'direct' });
  });

  test('templates, common and non-plugin keys are copied unchanged', () => {
    const grid = sectionsOf(doc, 'GRID_HTCONDOR_TEMPLATE');
    const slurm = sectionsOf(doc, 'slurm.push');
    expect(slurm.isTemplateQueue).toBe(true);
    expect(slurm.common).toEqual({ harvesterSite: 'NERSC' });
    expect(sectionsOf(doc, 'NERSC_Perlmutter').templateQueueName).toBe('slurm.push');
    for (const key of [
      'prodSourceLabel',
      'mapType',
      'truePilot',
      'maxSubmissionAttempts',
      'prefetchEvents',
    ]) {
      expect(grid[key]).toEqual(sectionsOf(input, 'GRID_HTCONDOR_TEMPLATE')[key]);
    }
    expect(sectionsOf(doc, 'CERN-PROD_UCORE/SCORE')).toEqual(sectionsOf(input, 'CERN-PROD_UCORE/SCORE'));
    expect(Object.keys(doc)).toEqual(Object.keys(input));
  });

  test('a queue section that only overrides options of its template keeps them, renamed, without module', () => {
    expect(sectionsOf(doc, 'CERN-PROD_UCORE').messenger).toEqual({
      worker_heartbeat: 30,
      jobReportFile: 'jobReport.json',
    });
    expect(sectionsOf(doc, 'CERN-PROD_UCORE').submitter).toEqual({ nProcesses: 4 });
    expect(sectionsOf(doc, 'NERSC_Perlmutter').workerMaker).toEqual({ nJobsPerWorker: 8 });
  });

  test('every rewritten section is recorded with its renamed, dropped and added options', () => {
    expect(result.mapped.map((m) => `${m.path}: ${m.from} → ${m.to}`)).toEqual([
      `GRID_HTCONDOR_TEMPLATE.submitter: ${HS}.htcondor_submitter.HTCondorSubmitter → @harvester-ts/htcondor HTCondorSubmitter`,
      `GRID_HTCONDOR_TEMPLATE.monitor: ${HM}.htcondor_monitor.HTCondorMonitor → @harvester-ts/htcondor HTCondorMonitor`,
      `GRID_HTCONDOR_TEMPLATE.sweeper: ${HW}.htcondor_sweeper.HTCondorSweeper → @harvester-ts/htcondor HTCondorSweeper`,
      `GRID_HTCONDOR_TEMPLATE.workerMaker: ${SIMPLE_MAKER}.SimpleWorkerMaker → @harvester-ts/engine SimpleWorkerMaker`,
      `GRID_HTCONDOR_TEMPLATE.messenger: ${MESSENGER}.SharedFileMessenger → @harvester-ts/engine SharedFileMessenger`,
      `GRID_HTCONDOR_TEMPLATE.preparator: ${HP}.rse_direct_preparator.RseDirectPreparator → @harvester-ts/stager-posix PosixPreparator`,
      `CERN-PROD_UCORE.messenger: ${MESSENGER}.SharedFileMessenger → @harvester-ts/engine SharedFileMessenger`,
      `slurm.push.submitter: ${HS}.slurm_submitter.SlurmSubmitter → @harvester-ts/slurm SlurmSubmitter`,
      `slurm.push.monitor: ${HM}.slurm_squeue_monitor.SlurmSqueueMonitor → @harvester-ts/slurm SlurmMonitor`,
      `slurm.push.sweeper: ${HW}.slurm_sweeper.SlurmSweeper → @harvester-ts/slurm SlurmSweeper`,
      `slurm.push.workerMaker: ${MULTIJOB_MAKER}.MultiJobWorkerMaker → @harvester-ts/engine SimpleWorkerMaker`,
      `slurm.push.messenger: ${MESSENGER}.SharedFileMessenger → @harvester-ts/engine SharedFileMessenger`,
      `slurm.push.preparator: ${HP}.rse_direct_preparator.RseDirectPreparator → @harvester-ts/stager-posix PosixPreparator`,
      `NERSC_Perlmutter.workerMaker: ${MULTIJOB_MAKER}.MultiJobWorkerMaker → @harvester-ts/engine SimpleWorkerMaker`,
    ]);
    const messenger = result.mapped[4]!;
    expect(messenger.renamed).toEqual({ jsonAttrsFileName: 'workerAttributesFile' });
    expect(messenger.dropped).toEqual(['jobSpecFileFormat', 'stripJobParams']);
    expect(messenger.dropReasons.stripJobParams).toMatch(/as the WMS sent them/);
    expect(messenger.inherited).toBe(false);

    const partialMessenger = result.mapped[6]!;
    expect(partialMessenger).toMatchObject({
      inherited: true,
      renamed: { jsonJobReport: 'jobReportFile' },
      dropped: [],
    });

    expect(result.mapped[5]!.added).toEqual({ mode: 'direct', verifyChecksums: false });
    expect(result.mapped[5]!.renamed).toEqual({ basePath: 'storageRoot' });
    expect(result.mapped[3]!.dropped).toEqual(['jobAttributesToUse']);
    expect(result.mapped[10]!.dropped).toEqual(['env', 'executor', 'pilot', 'pilot_params']);
    expect(result.mapped[10]!.renamed).toEqual({});
    expect(result.mapped[13]).toMatchObject({ inherited: true, dropped: ['skipOnFail'] });
  });

  test('the input is not modified and the result shares no object with it', () => {
    const frozen = deepFreeze(harvesterFile());
    const before = JSON.stringify(frozen);
    const mapped = mapHarvesterQueueConfig(frozen);
    expect(JSON.stringify(frozen)).toBe(before);

    const grid = sectionsOf(mapped.document, 'GRID_HTCONDOR_TEMPLATE');
    const original = sectionsOf(frozen, 'GRID_HTCONDOR_TEMPLATE');
    expect(grid).not.toBe(original);
    expect(grid.stager).toEqual(original.stager);
    expect(grid.stager).not.toBe(original.stager);
    expect(grid.credmanagers).not.toBe(original.credmanagers);
    expect((grid.credmanagers as unknown[])[0]).not.toBe((original.credmanagers as unknown[])[0]);
    expect((grid.workerMaker as Json).jobAttributesToUse).toBeUndefined();
    expect(Object.isFrozen(grid)).toBe(false);
  });
});

describe("Harvester's DummyPreparator and DummyStager", () => {
  const PREPARATOR_NOTE =
    'dropped: DummyPreparator moves no data; a NoJob queue needs no preparator, a queue with jobs must name a real one';
  const STAGER_NOTE =
    'dropped: DummyStager moves no data; a NoJob queue needs no stager, a queue with jobs must name a real one';
  const JOB_SECTION_MESSAGE = (section: string) =>
    `missing mandatory plugin section '${section}' (set it in the queue or in its template; ` +
    'only NoJob queues, which carry no jobs, may leave it out)';
  const dummyPreparator = () => ({ name: 'DummyPreparator', module: `${HP}.dummy_preparator` });
  const dummyStager = () => ({ name: 'DummyStager', module: `${HST}.dummy_stager` });

  /** The grid template of harvesterFile() as Harvester's HTCondor grid queues write it. */
  function gridFile(extra: Json = {}): Json {
    const file = harvesterFile();
    const grid = file.GRID_HTCONDOR_TEMPLATE as Json;
    grid.preparator = dummyPreparator();
    grid.stager = dummyStager();
    const { 'slurm.push': _t, NERSC_Perlmutter: _q, ...rest } = file;
    return { ...rest, ...extra };
  }

  test('are dropped from a NoJob queue, section removed and noted, and the queue validates', () => {
    const result = mapHarvesterQueueConfig(gridFile());
    const grid = sectionsOf(result.document, 'GRID_HTCONDOR_TEMPLATE');
    expect(['preparator' in grid, 'stager' in grid]).toEqual([false, false]);
    const removed = result.mapped.filter((m) => m.removed);
    expect(removed).toEqual([
      {
        path: 'GRID_HTCONDOR_TEMPLATE.preparator',
        from: `${HP}.dummy_preparator.DummyPreparator`,
        to: 'none',
        renamed: {},
        dropped: [],
        dropReasons: {},
        added: {},
        notes: [PREPARATOR_NOTE],
        inherited: false,
        removed: true,
      },
      {
        path: 'GRID_HTCONDOR_TEMPLATE.stager',
        from: `${HST}.dummy_stager.DummyStager`,
        to: 'none',
        renamed: {},
        dropped: [],
        dropReasons: {},
        added: {},
        notes: [STAGER_NOTE],
        inherited: false,
        removed: true,
      },
    ]);
    expect(result.mapped.filter((m) => !m.removed).every((m) => m.to !== 'none')).toBe(true);
    const parsed = safeParseQueueConfigFile(result.document);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues, null, 2));
    const cern = parsed.value['CERN-PROD_UCORE']!;
    expect([cern.mapType, 'preparator' in cern, 'stager' in cern]).toEqual(['NoJob', false, false]);
    expect(cern.submitter).toMatchObject({ module: '@harvester-ts/htcondor', name: 'HTCondorSubmitter' });
  });

  test('a queue with jobs loses them too and gets core’s error saying why', () => {
    const result = mapHarvesterQueueConfig(
      gridFile({ 'CERN-PROD_PUSH': { templateQueueName: 'GRID_HTCONDOR_TEMPLATE', mapType: 'OneToOne' } }),
    );
    const parsed = safeParseQueueConfigFile(result.document);
    expect(parsed.ok ? [] : parsed.issues).toEqual([
      { path: 'CERN-PROD_PUSH.preparator', message: JOB_SECTION_MESSAGE('preparator') },
      { path: 'CERN-PROD_PUSH.stager', message: JOB_SECTION_MESSAGE('stager') },
    ]);
  });

  test('a queue overriding options of the inherited dummy drops its section too, options listed', () => {
    const result = mapHarvesterQueueConfig(
      gridFile({
        'CERN-PROD_UCORE/MCORE': {
          templateQueueName: 'GRID_HTCONDOR_TEMPLATE',
          stager: { srcBasePath: '/data/out' },
        },
      }),
    );
    // The template's section is removed; null makes sure nothing is inherited either way.
    expect(sectionsOf(result.document, 'CERN-PROD_UCORE/MCORE').stager).toBeNull();
    expect(result.mapped.find((m) => m.path === 'CERN-PROD_UCORE/MCORE.stager')).toMatchObject({
      from: `${HST}.dummy_stager.DummyStager`,
      to: 'none',
      dropped: ['srcBasePath'],
      dropReasons: { srcBasePath: 'the section is removed' },
      notes: [STAGER_NOTE],
      inherited: true,
      removed: true,
    });
    const parsed = safeParseQueueConfigFile(result.document);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues, null, 2));
    expect('stager' in parsed.value['CERN-PROD_UCORE/MCORE']!).toBe(false);
  });

  test("a queue naming them over its template's real preparator removes the inherited one (null)", () => {
    const file = harvesterFile();
    const result = mapHarvesterQueueConfig({
      GRID_HTCONDOR_TEMPLATE: file.GRID_HTCONDOR_TEMPLATE,
      PULL: { templateQueueName: 'GRID_HTCONDOR_TEMPLATE', preparator: dummyPreparator() },
      PUSH: {
        templateQueueName: 'GRID_HTCONDOR_TEMPLATE',
        mapType: 'OneToOne',
        preparator: dummyPreparator(),
      },
    });
    expect(sectionsOf(result.document, 'PULL').preparator).toBeNull();
    // The template keeps its (mapped) preparator for the queues that do not name the dummy.
    expect(sectionsOf(result.document, 'GRID_HTCONDOR_TEMPLATE').preparator).toMatchObject({
      name: 'PosixPreparator',
    });
    const parsed = safeParseQueueConfigFile(result.document);
    expect(parsed.ok ? [] : parsed.issues).toEqual([
      { path: 'PUSH.preparator', message: JOB_SECTION_MESSAGE('preparator') },
    ]);
    const { PUSH: _, ...pullOnly } = result.document;
    const pull = safeParseQueueConfigFile(pullOnly);
    if (!pull.ok) throw new Error(JSON.stringify(pull.issues, null, 2));
    expect('preparator' in pull.value.PULL!).toBe(false);
    // The stager (ours, in the template) is kept.
    expect(pull.value.PULL!.stager).toMatchObject({ name: 'PosixStager' });
  });

  test('are listed apart from the plugins mapped or refused', () => {
    expect(Object.keys(HARVESTER_DROPPED_PLUGINS).sort()).toEqual([
      `${HP}.dummy_preparator.DummyPreparator`,
      `${HST}.dummy_stager.DummyStager`,
    ]);
    for (const key of Object.keys(HARVESTER_DROPPED_PLUGINS)) {
      expect(Object.hasOwn(HARVESTER_PLUGIN_MAP, key)).toBe(false);
      expect(Object.hasOwn(HARVESTER_UNSUPPORTED_MODULES, key.slice(0, key.lastIndexOf('.')))).toBe(false);
    }
  });

  test('are only dropped from their own section', () => {
    const err = configErrorOf(() =>
      mapHarvesterQueueConfig({ Q: { preparator: dummyStager(), stager: dummyPreparator() } }),
    );
    expect(err.issues).toEqual([
      {
        path: 'Q.preparator.module',
        message:
          `${HST}.dummy_stager.DummyStager is a stager plugin, it cannot be the preparator; ` +
          'harvester-ts preparator plugins: @harvester-ts/stager-posix PosixPreparator',
      },
      {
        path: 'Q.stager.module',
        message:
          `${HP}.dummy_preparator.DummyPreparator is a preparator plugin, it cannot be the stager; ` +
          'harvester-ts stager plugins: @harvester-ts/stager-posix PosixStager',
      },
    ]);
  });
});

describe('mapHarvesterQueueConfig errors', () => {
  test('every unmappable Harvester plugin is reported at once, with its path and the harvester-ts alternatives', () => {
    const err = configErrorOf(() =>
      mapHarvesterQueueConfig({
        Q1: {
          preparator: { name: 'GoPreparator', module: `${HP}.go_preparator`, srcEndpoint: 'nersc#dtn' },
          monitor: { name: 'SlurmMonitr', module: `${HM}.slurm_monitor` },
          submitter: { name: 'SlurmSubmitter', module: `${HS}.slurm_submitter` },
        },
        Q2: {
          submitter: { name: 'LSFSubmitter', module: `${HS}.lsf_submitter` },
          sweeper: { name: 'SlurmSubmitter', module: `${HS}.slurm_submitter` },
          credmanagers: [
            { module: '@example/harvester-voms', name: 'VomsProxyRenewer' },
            { module: 'pandaharvester.harvestercredmanager.no_voms_cred_manager', name: 'NoVomsCredManager' },
          ],
        },
        Q3: {
          throttler: {
            name: 'SimpleThrottler',
            module: 'pandaharvester.harvesterthrottler.simple_throttler',
          },
          submitter: { name: 'SlurmSubmitter', module: `${HS}.slurm_submitter_rubin` },
          stager: { name: 'RseDirectStager', module: `${HST}.rse_direct_stager` },
        },
      }),
    );
    expect(err.issues.map((i) => i.path)).toEqual([
      'Q1.preparator.module',
      'Q1.monitor.name',
      'Q2.submitter.module',
      'Q2.sweeper.module',
      'Q2.credmanagers.1.module',
      'Q3.throttler.module',
      'Q3.submitter.module',
      'Q3.stager.module',
    ]);
    const [go, typo, lsf, wrongKind, cred, throttler, variant, rseStager] = err.issues.map((i) => i.message);
    expect(go).toBe(
      `${HP}.go_preparator.GoPreparator uses Globus transfers; harvester-ts has no Globus plugin; ` +
        'harvester-ts preparator plugins: @harvester-ts/stager-posix PosixPreparator',
    );
    expect(typo).toBe(
      `unknown Harvester plugin ${HM}.slurm_monitor.SlurmMonitr (did you mean '${HM}.slurm_monitor.SlurmMonitor'?); ` +
        'harvester-ts monitor plugins: @harvester-ts/slurm SlurmMonitor, @harvester-ts/htcondor HTCondorMonitor, ' +
        '@harvester-ts/local LocalMonitor',
    );
    expect(lsf).toBe(
      `unknown Harvester plugin ${HS}.lsf_submitter.LSFSubmitter; harvester-ts submitter plugins: ` +
        '@harvester-ts/slurm SlurmSubmitter, @harvester-ts/htcondor HTCondorSubmitter, @harvester-ts/local LocalSubmitter',
    );
    expect(wrongKind).toMatch(
      /^pandaharvester\.\S+\.SlurmSubmitter is a submitter plugin, it cannot be the sweeper; /,
    );
    expect(cred).toMatch(/\.NoVomsCredManager; harvester-ts runs no credential managers: renew proxies/);
    expect(throttler).toMatch(/harvester-ts has no throttler plugins: remove the section$/);
    expect(variant).toContain(`(did you mean '${HS}.slurm_submitter.SlurmSubmitter'?)`);
    expect(rseStager).toMatch(/workers upload their outputs themselves.*PosixStager/);
    // The message lists them all, one per line.
    expect(err.message.split('\n')).toHaveLength(9);
    expect(err.code).toBe('INVALID_CONFIG');
  });

  test("Harvester's dummy plugins are rejected as test doubles, pointing to @harvester-ts/testkit", () => {
    // The PUSH_MODEL queue of Harvester's examples/panda_queueconfig_grid.json. Its DummyPreparator
    // and DummyStager are dropped (see below); the other dummies are refused.
    const err = configErrorOf(() =>
      mapHarvesterQueueConfig({
        PUSH_MODEL: {
          prodSourceLabel: 'managed',
          mapType: 'OneToOne',
          preparator: { name: 'DummyPreparator', module: `${HP}.dummy_preparator` },
          submitter: { name: 'DummySubmitter', module: `${HS}.dummy_submitter`, nCorePerNode: 24, nCore: 24 },
          workerMaker: { name: 'SimpleWorkerMaker', module: SIMPLE_MAKER },
          // biome-ignore lint/suspicious/noTemplateCurlyInString: Harvester placeholder
          messenger: { name: 'SharedFileMessenger', module: MESSENGER, accessPoint: '/tmp/wdir/${workerID}' },
          stager: { name: 'DummyStager', module: `${HST}.dummy_stager` },
          monitor: { name: 'DummyMonitor', module: `${HM}.dummy_monitor` },
          sweeper: { name: 'DummySweeper', module: `${HW}.dummy_sweeper` },
        },
        BULK: { preparator: { name: 'DummyBulkPreparator', module: `${HP}.dummy_bulk_preparator` } },
      }),
    );
    expect(err.issues.map((i) => i.path)).toEqual([
      'PUSH_MODEL.submitter.module',
      'PUSH_MODEL.monitor.module',
      'PUSH_MODEL.sweeper.module',
      'BULK.preparator.module',
    ]);
    for (const issue of err.issues) {
      expect(issue.message).toMatch(
        /is a Harvester test double .* in tests use @harvester-ts\/testkit \(Testkit\w+\)/,
      );
    }
    expect(err.issues[0]!.message).toContain('(TestkitSubmitter)');
    expect(err.issues[0]!.message).toContain('@harvester-ts/slurm SlurmSubmitter');
    // Only DummyPreparator and DummyStager themselves are dropped; the operator is told what to do.
    expect(err.issues[3]!.message).toBe(
      `${HP}.dummy_bulk_preparator.DummyBulkPreparator is a Harvester test double and harvester-ts ships none: ` +
        'in tests use @harvester-ts/testkit (TestkitPreparator) (a NoJob queue, whose pilots move their own data, ' +
        'needs no preparator: remove the section); harvester-ts preparator plugins: @harvester-ts/stager-posix PosixPreparator',
    );
  });

  test('option values that cannot be carried over faithfully are reported at the option', () => {
    const err = configErrorOf(() =>
      mapHarvesterQueueConfig({
        GRID_TEMPLATE: {
          messenger: {
            name: 'SharedFileMessenger',
            module: MESSENGER,
            // biome-ignore lint/suspicious/noTemplateCurlyInString: Harvester placeholder
            accessPoint: '/data/wdir/${workerID}',
            jobSpecFileFormat: 'cgi',
            scanInPostProcess: true,
          },
          preparator: {
            name: 'RseDirectPreparator',
            module: `${HP}.rse_direct_preparator`,
            basePath: 'root://eos.example.org//eos/rucio',
          },
          submitter: { name: 'SlurmSubmitter', module: `${HS}.slurm_submitter`, middleware: 'rpcbot' },
        },
        PQ: { templateQueueName: 'GRID_TEMPLATE', messenger: { jobSpecFileFormat: 'cgi' } },
      }),
    );
    expect(err.issues.map((i) => i.path)).toEqual([
      'GRID_TEMPLATE.messenger.jobSpecFileFormat',
      'GRID_TEMPLATE.messenger.scanInPostProcess',
      'GRID_TEMPLATE.preparator.basePath',
      'GRID_TEMPLATE.submitter.middleware',
      'PQ.messenger.jobSpecFileFormat',
    ]);
    expect(err.issues[0]!.message).toMatch(/as JSON .* only, not "cgi"/);
    expect(err.issues[2]!.message).toMatch(/absolute path, not "root:\/\/eos/);
    expect(err.issues[3]!.message).toMatch(/middleware/);
  });

  test('a Harvester module without a class, and two options landing on one of ours, are reported', () => {
    const err = configErrorOf(() =>
      mapHarvesterQueueConfig({
        Q: {
          submitter: { module: `${HS}.slurm_submitter` },
          messenger: {
            name: 'SharedFileMessenger',
            module: MESSENGER,
            // biome-ignore lint/suspicious/noTemplateCurlyInString: Harvester placeholder
            accessPoint: '/data/wdir/${workerID}',
            workerAttributesFile: 'a.json',
            jsonAttrsFileName: 'b.json',
          },
        },
      }),
    );
    expect(err.issues).toEqual([
      {
        path: 'Q.submitter.name',
        message: `names Harvester module ${HS}.slurm_submitter but no class ('name')`,
      },
      {
        path: 'Q.messenger.jsonAttrsFileName',
        message:
          "both 'workerAttributesFile' and 'jsonAttrsFileName' set @harvester-ts/engine SharedFileMessenger's " +
          "option 'workerAttributesFile'",
      },
    ]);
  });

  test('garbage is reported as a ConfigError naming the path, never a TypeError', () => {
    for (const garbage of [null, undefined, [], [{ submitter: {} }], 42, 'panda_queueconfig.json']) {
      const err = configErrorOf(() => mapHarvesterQueueConfig(garbage));
      expect(err.issues).toHaveLength(1);
      expect(err.issues[0]!.path).toBe('');
      expect(err.issues[0]!.message).toMatch(/^expected an object of queues .*, received /);
    }

    const err = configErrorOf(() =>
      mapHarvesterQueueConfig({
        A: 'not a queue',
        B: null,
        C: [1, 2],
        D: { submitter: 'slurm', monitor: [], credmanagers: { module: `${HS}.slurm_submitter` } },
        E: { credmanagers: [null, 'x', { module: 42, name: 'X' }] },
        F: { submitter: { module: `${HS}.dummy_submitter`, name: 'DummySubmitter' } },
      }),
    );
    expect(err.issues.map((i) => `${i.path}: ${i.message.split(';')[0]}`)).toEqual([
      'A: expected a queue configuration object, received string',
      'B: expected a queue configuration object, received null',
      'C: expected a queue configuration object, received an array',
      'D.submitter: expected a plugin section { module, name, ... }, received string',
      'D.monitor: expected a plugin section { module, name, ... }, received an array',
      'D.credmanagers: expected a list of plugin sections, received object',
      'E.credmanagers.0: expected a plugin section { module, name, ... }, received null',
      'E.credmanagers.1: expected a plugin section { module, name, ... }, received string',
      `F.submitter.module: ${HS}.dummy_submitter.DummySubmitter is a Harvester test double and harvester-ts ships none: in tests use @harvester-ts/testkit (TestkitSubmitter)`,
    ]);
  });

  test('the source is named in the error', () => {
    const err = configErrorOf(() =>
      mapHarvesterQueueConfig(
        { Q: { sweeper: { module: `${HW}.pbs_sweeper`, name: 'PBSSweeper' } } },
        { source: '/etc/panda/panda_queueconfig.json' },
      ),
    );
    expect(err.message).toMatch(
      /^Harvester queue configuration \/etc\/panda\/panda_queueconfig\.json is invalid:\n/,
    );
    expect(err.context.source).toBe('/etc/panda/panda_queueconfig.json');
    expect(err.message).toContain('Q.sweeper.module: unknown Harvester plugin');
  });
});

describe('mapHarvesterQueueConfig pass-through', () => {
  test('sections naming other modules (ours, third-party npm, local paths) are copied unchanged', () => {
    const ours = {
      submitter: { module: '@harvester-ts/local', name: 'LocalSubmitter', maxProcesses: 4 },
      monitor: { module: '@site/harvester-pbs', name: 'PbsMonitor', qstat: '/opt/pbs/bin/qstat' },
      sweeper: { module: './plugins/sweeper.js', name: 'SiteSweeper' },
      // Options only: the module is the template's, which is not Harvester's here.
      preparator: { basePath: '/not/renamed' },
      throttler: null,
      credmanagers: [{ module: '@site/token-renewer', name: 'TokenRenewer', tokenDir: '/data/tokens' }],
    };
    const input = {
      SITE_TEMPLATE: {
        preparator: { module: '@harvester-ts/stager-posix', name: 'PosixPreparator', storageRoot: '/s' },
      },
      Q: { templateQueueName: 'SITE_TEMPLATE', ...ours },
      H: { sweeper: { module: `${HW}.slurm_sweeper`, name: 'SlurmSweeper' } },
    };
    expect(looksLikeHarvesterQueueConfig(input)).toBe(true);
    const result = mapHarvesterQueueConfig(input);
    expect(result.document.Q).toEqual(input.Q);
    expect(result.document.SITE_TEMPLATE).toEqual(input.SITE_TEMPLATE);
    expect(result.document.H).toEqual({ sweeper: { module: '@harvester-ts/slurm', name: 'SlurmSweeper' } });
    expect(result.mapped.map((m) => m.path)).toEqual(['H.sweeper']);
  });

  test('a document without Harvester modules maps to an equal copy, with nothing recorded', () => {
    const input = {
      LOCAL: {
        submitter: { module: '@harvester-ts/local', name: 'LocalSubmitter' },
        common: { module: 'not a plugin', name: 'still not' },
      },
    };
    expect(looksLikeHarvesterQueueConfig(input)).toBe(false);
    const result = mapHarvesterQueueConfig(input);
    expect(result.document).toEqual(input);
    expect(result.document.LOCAL).not.toBe(input.LOCAL);
    expect(result.mapped).toEqual([]);
  });

  test("options of a queue are mapped through a chain of templates when only the first names Harvester's plugin", () => {
    const result = mapHarvesterQueueConfig({
      BASE_TEMPLATE: {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Harvester placeholder
        messenger: { name: 'SharedFileMessenger', module: MESSENGER, accessPoint: '/data/wdir/${workerID}' },
      },
      'grid.pull': {
        isTemplateQueue: true,
        templateQueueName: 'BASE_TEMPLATE',
        messenger: { jsonJobReport: 'r.json' },
      },
      PQ: { templateQueueName: 'grid.pull', messenger: { jsonAttrsFileName: 'a.json', outputSubDir: 'out' } },
    });
    expect(result.document['grid.pull']).toEqual({
      isTemplateQueue: true,
      templateQueueName: 'BASE_TEMPLATE',
      messenger: { jobReportFile: 'r.json' },
    });
    expect((result.document.PQ as Json).messenger).toEqual({ workerAttributesFile: 'a.json' });
    expect(result.mapped.map((m) => [m.path, m.inherited])).toEqual([
      ['BASE_TEMPLATE.messenger', false],
      ['grid.pull.messenger', true],
      ['PQ.messenger', true],
    ]);
    expect(result.mapped[2]!.dropReasons).toEqual({
      outputSubDir: 'not an option of @harvester-ts/engine SharedFileMessenger',
    });
  });
});

describe('keys from the file that name Object.prototype members', () => {
  test('are options like any other: copied as own keys, dropped when not ours', () => {
    // JSON.parse makes `__proto__` an own key, as reading a file would.
    const input = JSON.parse(`{
      "Q": {
        "messenger": {
          "module": "${MESSENGER}", "name": "SharedFileMessenger", "accessPoint": "/d/\${workerID}",
          "constructor": 1, "toString": 2, "__proto__": { "polluted": true }
        },
        "stager": { "module": "@site/stager", "name": "S", "__proto__": { "polluted": true } }
      }
    }`) as Json;
    const result = mapHarvesterQueueConfig(input);
    const q = result.document.Q as Json;
    expect(Object.keys(q.messenger as Json)).toEqual(['module', 'name', 'accessPoint']);
    expect(result.mapped[0]!.dropped).toEqual(['constructor', 'toString', '__proto__']);
    expect(Object.hasOwn(result.mapped[0]!.dropReasons, '__proto__')).toBe(true);
    const stager = q.stager as Json;
    expect(Object.hasOwn(stager, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(stager)).toBe(Object.prototype);
    expect((stager as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe('looksLikeHarvesterQueueConfig', () => {
  test('is true when any plugin section or credmanagers entry names a pandaharvester module', () => {
    expect(looksLikeHarvesterQueueConfig(harvesterFile())).toBe(true);
    expect(
      looksLikeHarvesterQueueConfig({
        Q: {
          credmanagers: [{ module: 'pandaharvester.harvestercredmanager.no_voms_cred_manager', name: 'X' }],
        },
      }),
    ).toBe(true);
    expect(
      looksLikeHarvesterQueueConfig({ T_TEMPLATE: { zipper: { module: 'pandaharvester.x', name: 'Y' } } }),
    ).toBe(true);
  });

  test('is false for our own files and for anything that is not a queue document', () => {
    for (const value of [
      null,
      undefined,
      42,
      'pandaharvester.',
      [],
      [{ submitter: { module: 'pandaharvester.a' } }],
    ]) {
      expect(looksLikeHarvesterQueueConfig(value)).toBe(false);
    }
    expect(looksLikeHarvesterQueueConfig({ Q: 'x', R: null })).toBe(false);
    // Only plugin sections count: a string elsewhere is just a value.
    expect(
      looksLikeHarvesterQueueConfig({
        Q: { siteFamily: 'pandaharvester.x', common: { module: 'pandaharvester.y' } },
      }),
    ).toBe(false);
  });
});

describe('HARVESTER_PLUGIN_MAP', () => {
  test('keys are full Harvester class paths and targets are listed among the plugins of their sections', () => {
    const entries = Object.entries(HARVESTER_PLUGIN_MAP);
    expect(Object.keys(HARVESTER_PLUGIN_MAP)).toEqual(
      expect.arrayContaining([
        `${HS}.slurm_submitter.SlurmSubmitter`,
        `${HM}.slurm_monitor.SlurmMonitor`,
        `${HM}.slurm_squeue_monitor.SlurmSqueueMonitor`,
        `${HW}.slurm_sweeper.SlurmSweeper`,
        `${HS}.htcondor_submitter.HTCondorSubmitter`,
        `${HM}.htcondor_monitor.HTCondorMonitor`,
        `${HW}.htcondor_sweeper.HTCondorSweeper`,
        `${MESSENGER}.SharedFileMessenger`,
        `${SIMPLE_MAKER}.SimpleWorkerMaker`,
        `${MULTIJOB_MAKER}.MultiJobWorkerMaker`,
      ]),
    );
    for (const [key, mapping] of entries) {
      expect(key).toMatch(/^pandaharvester\.harvester[a-z]+\.[a-z_]+\.[A-Za-z]+$/);
      for (const section of mapping.sections) {
        expect(HARVESTER_TS_PLUGINS[section]).toContain(`${mapping.module} ${mapping.name}`);
      }
      // A renamed option must be one of ours, or the rename would be dropped downstream.
      for (const rule of Object.values(mapping.options ?? {})) {
        if (rule.to !== undefined && mapping.ourOptions !== undefined)
          expect(mapping.ourOptions).toContain(rule.to);
      }
      for (const option of Object.keys(mapping.set ?? {})) {
        if (mapping.ourOptions !== undefined) expect(mapping.ourOptions).toContain(option);
      }
    }
  });
});
