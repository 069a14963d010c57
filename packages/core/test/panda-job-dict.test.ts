import { getMetadataArgsStorage } from 'typeorm';
import { FileSpec } from '../src/entities/file-spec.js';
import { JobSpec } from '../src/entities/job-spec.js';
import { JobDictError } from '../src/errors.js';
import {
  type JobSpecFromPandaDictOptions,
  jobSpecFromPandaDict,
  type PandaJobDict,
  pandaInputFiles,
  pandaOutputFiles,
} from '../src/panda/index.js';

const NOW = new Date('2026-03-14T09:26:53.589Z');
const OPTIONS: JobSpecFromPandaDictOptions = {
  computingSite: 'CERN-PROD_UCORE',
  harvesterID: 'CERN_central_A',
  configID: 17,
  now: NOW,
};

const HITS = 'HITS.38512233._000342.pool.root.1';
const LOG = 'log.38512233._000342.job.log.tgz.1';
const EVNT1 = 'EVNT.38511999._000071.pool.root.1';
const EVNT2 = 'EVNT.38511999._000072.pool.root.1';
const DBR = 'DBRelease-300.0.4.tar.gz';
const EVNT_DS = 'mc23_13p6TeV.801169.Py8EG_A14NNPDF23LO_jj_JZ4.evgen.EVNT.e8514_tid38511999_00';

/** A production simulation job as the dispatcher sends it: numbers partly as strings. */
function productionJob(): PandaJobDict {
  return {
    StatusCode: 0,
    PandaID: '6583451203',
    taskID: 38512233,
    jobsetID: '612',
    attemptNr: '2',
    maxAttempt: 5,
    currentPriority: '880',
    coreCount: '8',
    minRamCount: 16000,
    maxDiskCount: '12000',
    maxWalltime: 'NULL',
    maxCpuCount: 0,
    resource_type: 'MCORE',
    prodSourceLabel: 'managed',
    processingType: 'simul',
    jobName: 'mc23_13p6TeV.801169.Py8EG_A14NNPDF23LO_jj_JZ4.simul.e8514_s4162.38512233._000342',
    transformation: 'Sim_tf.py',
    jobPars: `--inputEVNTFile=${EVNT1},${EVNT2} --outputHITSFile=${HITS} --maxEvents=500 --randomSeed=342 --DBRelease="all:current"`,
    homepackage: 'AtlasOffline/23.0.19',
    swRelease: 'Atlas-23.0.19',
    cmtConfig: 'x86_64-el9-gcc13-opt',
    container_name: 'NULL',
    inFiles: `${EVNT1},${EVNT2},${DBR}`,
    GUID: '91BBED85-8AEA-4C82-80BC-D802994938B8,AB709E86-9D81-4CA4-91A2-4532B6B2DB0A,254e8d08-21e0-4efa-835a-c953dbd7039d',
    fsize: '1073741824,987654321,1234567',
    checksum: 'ad:1a2b3c4d,ad:0000ffff,md5:0cc175b9c0f1b6a831c399e269772661',
    scopeIn: 'mc23_13p6TeV,mc23_13p6TeV,ddo',
    realDatasetsIn: `${EVNT_DS},${EVNT_DS},ddo.000001.Atlas.Ideal.DBRelease.v300004`,
    ddmEndPointIn: 'CERN-PROD_DATADISK,CERN-PROD_DATADISK,CERN-PROD_SCRATCHDISK',
    prodDBlocks: `${EVNT_DS},${EVNT_DS},ddo.000001.Atlas.Ideal.DBRelease.v300004`,
    dispatchDblock: 'NULL,NULL,NULL',
    outFiles: `${HITS},${LOG}`,
    scopeOut: 'mc23_13p6TeV',
    scopeLog: 'mc23_13p6TeV',
    logFile: LOG,
    logGUID: '3679890f-11d3-49c7-8a24-6abb3ebbf92d',
    realDatasets:
      'mc23_13p6TeV.801169.Py8EG_A14NNPDF23LO_jj_JZ4.simul.HITS.e8514_s4162_tid38512233_00,' +
      'mc23_13p6TeV.801169.Py8EG_A14NNPDF23LO_jj_JZ4.simul.log.e8514_s4162_tid38512233_00',
    ddmEndPointOut: 'CERN-PROD_DATADISK,CERN-PROD_DATADISK',
    destinationDblock: 'mc23_13p6TeV.801169.simul.HITS_sub0001,mc23_13p6TeV.801169.simul.log_sub0002',
    destinationSE: 'CERN-PROD',
    fileDestinationSE: 'CERN-PROD,CERN-PROD',
    eventService: 'False',
    nSent: 0,
  };
}

const TREE = 'user.alice.39000001._000001.tree.root';
const HIST = 'user.alice.39000001._000001.hist.root';
const ULOG = 'user.alice.39000001._000001.log.tgz';
const DAOD1 = 'DAOD_PHYS.37000001._000011.pool.root.1';
const DAOD2 = 'DAOD_PHYS.37000001._000012.pool.root.1';

/** A user analysis job: log listed first, NULL task/jobset, a NULL checksum, secrets. */
function analysisJob(): PandaJobDict {
  return {
    PandaID: 6583460001,
    taskID: 'NULL',
    jobsetID: 'NULL',
    attemptNr: 1,
    currentPriority: -120,
    coreCount: 1,
    minRamCount: '2000',
    maxDiskCount: 5000,
    maxWalltime: '86400',
    resource_type: 'SCORE',
    prodSourceLabel: 'user',
    transformation: 'https://pandaserver.cern.ch:25443/trf/user/runAthena-00-00-12',
    jobPars: '-j "" --sourceURL https://pandaserver.cern.ch:25443 -r . -p "runner.py" -i "[\'DAOD\']"',
    inFiles: `${DAOD1},${DAOD2}`,
    GUID: '26f366c6-9167-442a-864b-2717ac64806c,NULL',
    fsize: '2147483648,NULL',
    checksum: 'ad:deadbeef,NULL',
    scopeIn: 'data24_13p6TeV,data24_13p6TeV',
    realDatasetsIn:
      'data24_13p6TeV.DAOD_PHYS.r15000_tid37000001_00,data24_13p6TeV.DAOD_PHYS.r15000_tid37000001_00',
    ddmEndPointIn: 'NULL,',
    outFiles: `${ULOG},${HIST},${TREE}`,
    scopeOut: 'user.alice,user.alice',
    scopeLog: 'user.alice.log',
    logFile: ULOG,
    logGUID: 'c1a4f6a1-5a0b-4e0c-9b0e-0f0f0f0f0f0f',
    realDatasets: 'user.alice.test.log/,user.alice.test_hist/,user.alice.test_tree/',
    ddmEndPointOut: 'CERN-PROD_SCRATCHDISK,CERN-PROD_SCRATCHDISK,CERN-PROD_SCRATCHDISK',
    secrets: '{"MY_TOKEN": "s3cr3t"}',
    zipPerMB: 'NULL',
  };
}

/** An event generation job: no inputs at all, one output and the log. */
function evgenJob(): PandaJobDict {
  return {
    PandaID: 6583470000,
    taskID: '38600000',
    jobsetID: 0,
    attemptNr: 0,
    currentPriority: 900,
    coreCount: 1,
    resource_type: 'SCORE',
    prodSourceLabel: 'managed',
    transformation: 'Gen_tf.py',
    jobPars: '--ecmEnergy=13600 --maxEvents=10000 --firstEvent=1 --randomSeed=1',
    inFiles: '',
    GUID: '',
    fsize: '',
    checksum: '',
    scopeIn: '',
    realDatasetsIn: '',
    ddmEndPointIn: '',
    outFiles: 'EVNT.38600000._000001.pool.root.1,log.38600000._000001.job.log.tgz.1',
    scopeOut: 'mc23_13p6TeV',
    scopeLog: 'mc23_13p6TeV',
    logFile: 'log.38600000._000001.job.log.tgz.1',
    logGUID: 'b6f3c1d2-7e8f-4a5b-9c0d-1e2f3a4b5c6d',
    realDatasets: 'mc23_13p6TeV.EVNT.e9000_tid38600000_00,mc23_13p6TeV.log.e9000_tid38600000_00',
    ddmEndPointOut: 'CERN-PROD_DATADISK,CERN-PROD_DATADISK',
    zipPerMB: 64,
  };
}

/** A pilot test job: nothing to read, nothing to write. */
function testJob(): PandaJobDict {
  return {
    PandaID: 42,
    taskID: 'NULL',
    jobsetID: 'NULL',
    attemptNr: 'NULL',
    currentPriority: 'NULL',
    prodSourceLabel: 'ptest',
    transformation: 'NULL',
    jobPars: 'NULL',
    inFiles: 'NULL',
    GUID: 'NULL',
    fsize: 'NULL',
    checksum: 'NULL',
    scopeIn: 'NULL',
    outFiles: '',
    scopeOut: '',
    scopeLog: '',
    logFile: '',
    logGUID: '',
    realDatasets: '',
    ddmEndPointOut: '',
  };
}

function byLfn(files: FileSpec[], lfn: string): FileSpec {
  const f = files.find((x) => x.lfn === lfn);
  if (!f) throw new Error(`no FileSpec for ${lfn}`);
  return f;
}

/** The error jobSpecFromPandaDict throws for a dictionary (fails the test when none). */
function errorFor(dict: unknown, options: JobSpecFromPandaDictOptions = OPTIONS): JobDictError {
  try {
    jobSpecFromPandaDict(dict, options);
  } catch (e) {
    expect(e).toBeInstanceOf(JobDictError);
    return e as JobDictError;
  }
  throw new Error('expected a JobDictError');
}

function columnsOf(target: object): string[] {
  return getMetadataArgsStorage()
    .columns.filter((c) => c.target === target)
    .map((c) => c.propertyName);
}

describe('jobSpecFromPandaDict: the job', () => {
  it('maps every job field of a production job', () => {
    const dict = productionJob();
    const { job } = jobSpecFromPandaDict(dict, OPTIONS);
    expect(job).toBeInstanceOf(JobSpec);
    expect(job.PandaID).toBe(6583451203);
    expect(job.taskID).toBe(38512233);
    expect(job.jobsetID).toBe(612);
    expect(job.attemptNr).toBe(2);
    expect(job.currentPriority).toBe(880);
    expect(job.nCore).toBe(8);
    expect(job.resourceType).toBe('MCORE');
    expect(job.status).toBe('starting');
    expect(job.subStatus).toBe('fetched');
    expect(job.computingSite).toBe('CERN-PROD_UCORE');
    expect(job.harvesterID).toBe('CERN_central_A');
    expect(job.configID).toBe(17);
    expect(job.jobAttributes).toEqual({ schedulerID: 'harvester-CERN_central_A' });
    expect(job.hasOutFile).toBe(0);
    expect(job.zipPerMB).toBeNull();
    expect(job.creationTime).toEqual(NOW);
    expect(job.modificationTime).toEqual(NOW);
    expect(job.stateChangeTime).toEqual(NOW);
    expect(job.propagatorTime).toEqual(new Date(NOW.getTime() - 3_600_000));
    expect(job.jobParamsExtForOutput).toEqual({
      [HITS]: {
        scope: 'mc23_13p6TeV',
        dataset: 'mc23_13p6TeV.801169.Py8EG_A14NNPDF23LO_jj_JZ4.simul.HITS.e8514_s4162_tid38512233_00',
        endpoint: 'CERN-PROD_DATADISK',
      },
      [LOG]: {
        scope: 'mc23_13p6TeV',
        dataset: 'mc23_13p6TeV.801169.Py8EG_A14NNPDF23LO_jj_JZ4.simul.log.e8514_s4162_tid38512233_00',
        endpoint: 'CERN-PROD_DATADISK',
      },
    });
    expect(job.jobParamsExtForLog).toEqual({ lfn: LOG, guid: '3679890f-11d3-49c7-8a24-6abb3ebbf92d' });
  });

  it('leaves the runtime columns at their initial values', () => {
    const { job } = jobSpecFromPandaDict(productionJob(), OPTIONS);
    expect({
      startTime: job.startTime,
      endTime: job.endTime,
      metaData: job.metaData,
      outputFilesToReport: job.outputFilesToReport,
      lockedBy: job.lockedBy,
      propagatorLock: job.propagatorLock,
      preparatorTime: job.preparatorTime,
      submitterTime: job.submitterTime,
      stagerLock: job.stagerLock,
      stagerTime: job.stagerTime,
      nWorkers: job.nWorkers,
      nWorkersLimit: job.nWorkersLimit,
      submissionAttempts: job.submissionAttempts,
      pilotClosed: job.pilotClosed,
      nRemainingEvents: job.nRemainingEvents,
      moreWorkers: job.moreWorkers,
      maxWorkersInTotal: job.maxWorkersInTotal,
      nWorkersInTotal: job.nWorkersInTotal,
      auxInput: job.auxInput,
    }).toEqual({
      startTime: null,
      endTime: null,
      metaData: null,
      outputFilesToReport: null,
      lockedBy: null,
      propagatorLock: null,
      preparatorTime: null,
      submitterTime: null,
      stagerLock: null,
      stagerTime: null,
      nWorkers: 0,
      nWorkersLimit: null,
      submissionAttempts: 0,
      pilotClosed: false,
      nRemainingEvents: null,
      moreWorkers: null,
      maxWorkersInTotal: null,
      nWorkersInTotal: 0,
      auxInput: null,
    });
  });

  it('gives every column of the JobSpec and FileSpecs a defined value (FileSpec.fileID excepted)', () => {
    const { job, files } = jobSpecFromPandaDict(analysisJob(), OPTIONS);
    const jobColumns = columnsOf(JobSpec);
    expect(jobColumns.length).toBeGreaterThan(40);
    const record = job as unknown as Record<string, unknown>;
    expect(jobColumns.filter((c) => record[c] === undefined)).toEqual([]);
    const fileColumns = columnsOf(FileSpec);
    expect(fileColumns).toContain('fileID');
    for (const f of files) {
      const rec = f as unknown as Record<string, unknown>;
      expect(fileColumns.filter((c) => rec[c] === undefined)).toEqual(['fileID']);
    }
  });

  it('keeps the full dictionary as jobParams, as a copy', () => {
    const dict = productionJob();
    const { job } = jobSpecFromPandaDict(dict, OPTIONS);
    expect(job.jobParams).toEqual(dict);
    expect(job.jobParams).not.toBe(dict);
    expect(dict).toEqual(productionJob());
  });

  it('decodes secrets into jobParams without touching the caller’s dictionary', () => {
    const dict = analysisJob();
    const { job } = jobSpecFromPandaDict(dict, OPTIONS);
    expect(job.jobParams?.secrets).toEqual({ MY_TOKEN: 's3cr3t' });
    expect(dict.secrets).toBe('{"MY_TOKEN": "s3cr3t"}');
    const { job: undecodable } = jobSpecFromPandaDict({ ...dict, secrets: '{not json' }, OPTIONS);
    expect(undecodable.jobParams?.secrets).toBe('{not json');
  });

  it("maps 'NULL' task and jobset IDs, negative priorities and numeric fields of a user job", () => {
    const { job } = jobSpecFromPandaDict(analysisJob(), OPTIONS);
    expect(job.PandaID).toBe(6583460001);
    expect(job.taskID).toBeNull();
    expect(job.jobsetID).toBeNull();
    expect(job.attemptNr).toBe(1);
    expect(job.currentPriority).toBe(-120);
    expect(job.nCore).toBe(1);
    expect(job.resourceType).toBe('SCORE');
    expect(job.zipPerMB).toBeNull();
  });

  it('takes zipPerMB from the job, and the queue value only when the job has none', () => {
    expect(jobSpecFromPandaDict(evgenJob(), { ...OPTIONS, queueZipPerMB: 100 }).job.zipPerMB).toBe(64);
    expect(jobSpecFromPandaDict(analysisJob(), { ...OPTIONS, queueZipPerMB: 100 }).job.zipPerMB).toBe(100);
    expect(jobSpecFromPandaDict({ ...evgenJob(), zipPerMB: '32' }, OPTIONS).job.zipPerMB).toBe(32);
  });

  it('defaults what a minimal dictionary leaves out', () => {
    const { job, files } = jobSpecFromPandaDict(testJob(), { computingSite: 'Q', harvesterID: 'h' });
    expect(files).toEqual([]);
    expect(job.files).toEqual([]);
    expect(job.PandaID).toBe(42);
    expect(job.attemptNr).toBe(0);
    expect(job.currentPriority).toBeNull();
    expect(job.nCore).toBeNull();
    expect(job.resourceType).toBeNull();
    expect(job.configID).toBeNull();
    expect(job.hasOutFile).toBe(0);
    expect(job.jobParamsExtForOutput).toBeNull();
    expect(job.jobParamsExtForLog).toBeNull();
    expect(job.creationTime).toBeInstanceOf(Date);
    expect(job.jobAttributes).toEqual({ schedulerID: 'harvester-h' });
    const bare = jobSpecFromPandaDict({ PandaID: 7 }, OPTIONS);
    expect(bare.files).toEqual([]);
    expect(bare.job.taskID).toBeNull();
    expect(bare.job.jobsetID).toBeNull();
  });

  it('lets the caller set or disable the propagation trigger', () => {
    const at = new Date('2026-03-14T09:00:00Z');
    expect(jobSpecFromPandaDict(testJob(), { ...OPTIONS, propagatorTime: at }).job.propagatorTime).toEqual(
      at,
    );
    expect(
      jobSpecFromPandaDict(testJob(), { ...OPTIONS, propagatorTime: null }).job.propagatorTime,
    ).toBeNull();
  });

  it('does not share Date instances between columns', () => {
    const { job, files } = jobSpecFromPandaDict(productionJob(), OPTIONS);
    expect(job.creationTime).not.toBe(NOW);
    expect(job.creationTime).not.toBe(job.modificationTime);
    expect(files[0]?.modificationTime).not.toBe(files[1]?.modificationTime);
  });
});

describe('jobSpecFromPandaDict: input files', () => {
  it('makes one input FileSpec per inFiles entry, field by field', () => {
    const { job, files } = jobSpecFromPandaDict(productionJob(), OPTIONS);
    const inputs = files.filter((f) => f.fileType === 'input');
    expect(inputs.map((f) => f.lfn)).toEqual([EVNT1, EVNT2, DBR]);
    const evnt1 = byLfn(files, EVNT1);
    expect(evnt1).toBeInstanceOf(FileSpec);
    expect(evnt1.fileID).toBeUndefined();
    expect(evnt1.PandaID).toBe(6583451203);
    expect(evnt1.taskID).toBe(38512233);
    expect(evnt1.status).toBe('to_prepare');
    expect(evnt1.fsize).toBe(1073741824);
    expect(evnt1.chksum).toBe('ad:1a2b3c4d');
    expect(evnt1.scope).toBe('mc23_13p6TeV');
    expect(evnt1.endpoint).toBe('CERN-PROD_DATADISK');
    expect(evnt1.fileAttributes).toEqual({ guid: '91BBED85-8AEA-4C82-80BC-D802994938B8', dataset: EVNT_DS });
    expect(evnt1.guid).toBe('91BBED85-8AEA-4C82-80BC-D802994938B8');
    expect(evnt1.dataset).toBe(EVNT_DS);
    expect(evnt1.modificationTime).toEqual(NOW);
    expect(evnt1.attemptNr).toBe(0);
    expect(evnt1.isZip).toBe(false);
    expect(evnt1.todelete).toBe(false);
    expect(evnt1.path).toBeNull();
    expect(evnt1.url).toBeNull();
    const dbr = byLfn(files, DBR);
    expect(dbr.fsize).toBe(1234567);
    expect(dbr.chksum).toBe('md5:0cc175b9c0f1b6a831c399e269772661');
    expect(dbr.scope).toBe('ddo');
    expect(dbr.endpoint).toBe('CERN-PROD_SCRATCHDISK');
    // What the preparator sees through the JobSpec helper.
    expect(job.getInputFileAttributes()[EVNT2]).toEqual({
      fsize: 987654321,
      guid: 'AB709E86-9D81-4CA4-91A2-4532B6B2DB0A',
      checksum: 'ad:0000ffff',
      scope: 'mc23_13p6TeV',
      dataset: EVNT_DS,
      attemptNr: 0,
      endpoint: 'CERN-PROD_DATADISK',
      path: null,
    });
  });

  it("turns 'NULL' and empty entries into null values", () => {
    const { files } = jobSpecFromPandaDict(analysisJob(), OPTIONS);
    const second = byLfn(files, DAOD2);
    expect(second.fsize).toBeNull();
    expect(second.chksum).toBeNull();
    expect(second.fileAttributes).toEqual({ dataset: 'data24_13p6TeV.DAOD_PHYS.r15000_tid37000001_00' });
    expect(second.guid).toBeUndefined();
    expect(second.endpoint).toBeNull();
    expect(byLfn(files, DAOD1).endpoint).toBeNull();
    expect(byLfn(files, DAOD1).fsize).toBe(2147483648);
  });

  it("reads no inputs from empty or 'NULL' lists", () => {
    expect(jobSpecFromPandaDict(evgenJob(), OPTIONS).files.filter((f) => f.isInput())).toEqual([]);
    expect(jobSpecFromPandaDict(testJob(), OPTIONS).files).toEqual([]);
  });

  it('accepts missing attribute lists as all-null', () => {
    const { files } = jobSpecFromPandaDict({ PandaID: 1, inFiles: 'a.root,b.root' }, OPTIONS);
    expect(files.map((f) => [f.lfn, f.fsize, f.chksum, f.scope, f.endpoint, f.fileAttributes])).toEqual([
      ['a.root', null, null, null, null, {}],
      ['b.root', null, null, null, null, {}],
    ]);
  });

  it('skips empty and NULL LFN positions together with their attributes', () => {
    const { files } = jobSpecFromPandaDict(
      { PandaID: 1, inFiles: 'a.root,,NULL,b.root', fsize: '1,2,3,4', GUID: 'g1,g2,g3,g4' },
      OPTIONS,
    );
    expect(files.map((f) => [f.lfn, f.fsize, f.guid])).toEqual([
      ['a.root', 1, 'g1'],
      ['b.root', 4, 'g4'],
    ]);
  });

  it('trims whitespace around list entries', () => {
    const { files } = jobSpecFromPandaDict(
      { PandaID: 1, inFiles: ' a.root , b.root', fsize: ' 10, 20 ' },
      OPTIONS,
    );
    expect(files.map((f) => [f.lfn, f.fsize])).toEqual([
      ['a.root', 10],
      ['b.root', 20],
    ]);
  });

  it('accepts a bare number as a one-entry fsize list', () => {
    const { files } = jobSpecFromPandaDict({ PandaID: 1, inFiles: 'a.root', fsize: 12345 }, OPTIONS);
    expect(files[0]?.fsize).toBe(12345);
  });

  it('applies a single scope, dataset or endpoint to every input file', () => {
    const { files } = jobSpecFromPandaDict(
      {
        PandaID: 1,
        inFiles: 'a.root,b.root,c.root',
        scopeIn: 'mc15_13TeV',
        realDatasetsIn: 'mc15_13TeV.ds',
        ddmEndPointIn: 'BNL-OSG2_DATADISK',
      },
      OPTIONS,
    );
    expect(files.map((f) => [f.scope, f.dataset, f.endpoint])).toEqual([
      ['mc15_13TeV', 'mc15_13TeV.ds', 'BNL-OSG2_DATADISK'],
      ['mc15_13TeV', 'mc15_13TeV.ds', 'BNL-OSG2_DATADISK'],
      ['mc15_13TeV', 'mc15_13TeV.ds', 'BNL-OSG2_DATADISK'],
    ]);
  });

  it('uses the queue input endpoint when given, as Harvester’s fetcher does', () => {
    const { files } = jobSpecFromPandaDict(productionJob(), { ...OPTIONS, inputEndpoint: 'CERN-PROD_LOCAL' });
    expect(files.filter((f) => f.isInput()).map((f) => f.endpoint)).toEqual([
      'CERN-PROD_LOCAL',
      'CERN-PROD_LOCAL',
      'CERN-PROD_LOCAL',
    ]);
    expect(files.filter((f) => f.isOutput()).map((f) => f.endpoint)).toEqual([
      'CERN-PROD_DATADISK',
      'CERN-PROD_DATADISK',
    ]);
    const nulled = jobSpecFromPandaDict(productionJob(), { ...OPTIONS, inputEndpoint: null }).files;
    expect(nulled.filter((f) => f.isInput()).map((f) => f.endpoint)).toEqual([null, null, null]);
  });

  it('asks inputFileStatus for the status of each input file', () => {
    const asked: unknown[] = [];
    const { files } = jobSpecFromPandaDict(productionJob(), {
      ...OPTIONS,
      inputFileStatus: (file) => {
        asked.push(file);
        return file.lfn === DBR ? 'preparing' : 'to_prepare';
      },
    });
    expect(asked).toEqual([
      { lfn: EVNT1, endpoint: 'CERN-PROD_DATADISK', scope: 'mc23_13p6TeV' },
      { lfn: EVNT2, endpoint: 'CERN-PROD_DATADISK', scope: 'mc23_13p6TeV' },
      { lfn: DBR, endpoint: 'CERN-PROD_SCRATCHDISK', scope: 'ddo' },
    ]);
    expect(files.filter((f) => f.isInput()).map((f) => f.status)).toEqual([
      'to_prepare',
      'to_prepare',
      'preparing',
    ]);
  });

  it('collapses an input listed twice with identical attributes into one file', () => {
    const { files } = jobSpecFromPandaDict(
      { PandaID: 1, inFiles: 'a.root,b.root,a.root', fsize: '1,2,1', GUID: 'ga,gb,ga', scopeIn: 's' },
      OPTIONS,
    );
    expect(files.map((f) => f.lfn)).toEqual(['a.root', 'b.root']);
  });
});

describe('jobSpecFromPandaDict: output and log files', () => {
  it('makes the outputs and the log of a production job, the log once', () => {
    const { job, files } = jobSpecFromPandaDict(productionJob(), OPTIONS);
    const outputs = files.filter((f) => f.isOutput());
    expect(outputs.map((f) => [f.lfn, f.fileType])).toEqual([
      [HITS, 'output'],
      [LOG, 'log'],
    ]);
    const hits = byLfn(files, HITS);
    expect(hits.status).toBe('defined');
    expect(hits.PandaID).toBe(6583451203);
    expect(hits.taskID).toBe(38512233);
    expect(hits.scope).toBe('mc23_13p6TeV');
    expect(hits.endpoint).toBe('CERN-PROD_DATADISK');
    expect(hits.fileAttributes).toEqual({
      dataset: 'mc23_13p6TeV.801169.Py8EG_A14NNPDF23LO_jj_JZ4.simul.HITS.e8514_s4162_tid38512233_00',
    });
    expect(hits.fsize).toBeNull();
    expect(hits.chksum).toBeNull();
    expect(hits.fileID).toBeUndefined();
    const log = byLfn(files, LOG);
    expect(log.status).toBe('defined');
    expect(log.scope).toBe('mc23_13p6TeV');
    expect(log.fileAttributes).toEqual({
      guid: '3679890f-11d3-49c7-8a24-6abb3ebbf92d',
      dataset: 'mc23_13p6TeV.801169.Py8EG_A14NNPDF23LO_jj_JZ4.simul.log.e8514_s4162_tid38512233_00',
    });
    expect(job.getLogFileSpec()).toBe(log);
    expect(job.getOutputFileSpecs()).toEqual([hits, log]);
  });

  it('puts scopeLog at the log file’s position in the scope list (log listed first)', () => {
    const { files } = jobSpecFromPandaDict(analysisJob(), OPTIONS);
    expect(
      files.filter((f) => f.isOutput()).map((f) => [f.lfn, f.fileType, f.scope, f.dataset, f.endpoint]),
    ).toEqual([
      [ULOG, 'log', 'user.alice.log', 'user.alice.test.log/', 'CERN-PROD_SCRATCHDISK'],
      [HIST, 'output', 'user.alice', 'user.alice.test_hist/', 'CERN-PROD_SCRATCHDISK'],
      [TREE, 'output', 'user.alice', 'user.alice.test_tree/', 'CERN-PROD_SCRATCHDISK'],
    ]);
    expect(byLfn(files, ULOG).guid).toBe('c1a4f6a1-5a0b-4e0c-9b0e-0f0f0f0f0f0f');
    expect(byLfn(files, HIST).guid).toBeUndefined();
  });

  it('puts scopeLog in the middle when the log is listed between outputs', () => {
    const outputs = pandaOutputFiles({
      PandaID: 5,
      outFiles: 'a.root,job.log.tgz,b.root',
      scopeOut: 'sa,sb',
      scopeLog: 'slog',
      logFile: 'job.log.tgz',
      realDatasets: 'da,dlog,db',
    });
    expect(outputs).toEqual([
      { lfn: 'a.root', fileType: 'output', scope: 'sa', dataset: 'da', endpoint: null, guid: null },
      { lfn: 'job.log.tgz', fileType: 'log', scope: 'slog', dataset: 'dlog', endpoint: null, guid: null },
      { lfn: 'b.root', fileType: 'output', scope: 'sb', dataset: 'db', endpoint: null, guid: null },
    ]);
  });

  it('applies a single scopeOut, dataset or endpoint to every output', () => {
    const outputs = pandaOutputFiles({
      PandaID: 5,
      outFiles: 'a.root,b.root,c.root,job.log.tgz',
      scopeOut: 'panda',
      scopeLog: 'panda.log',
      logFile: 'job.log.tgz',
      realDatasets: 'panda.ds',
      ddmEndPointOut: 'BNL-OSG2_DATADISK',
    });
    expect(outputs.map((o) => [o.lfn, o.scope, o.dataset, o.endpoint])).toEqual([
      ['a.root', 'panda', 'panda.ds', 'BNL-OSG2_DATADISK'],
      ['b.root', 'panda', 'panda.ds', 'BNL-OSG2_DATADISK'],
      ['c.root', 'panda', 'panda.ds', 'BNL-OSG2_DATADISK'],
      ['job.log.tgz', 'panda.log', 'panda.ds', 'BNL-OSG2_DATADISK'],
    ]);
  });

  it('reads a job whose only output is the log file', () => {
    const outputs = pandaOutputFiles({
      PandaID: 5,
      outFiles: 'job.log.tgz',
      scopeOut: '',
      scopeLog: 'panda',
      logFile: 'job.log.tgz',
      logGUID: 'NULL',
    });
    expect(outputs).toEqual([
      { lfn: 'job.log.tgz', fileType: 'log', scope: 'panda', dataset: null, endpoint: null, guid: null },
    ]);
  });

  it('treats outputs as plain outputs when there is no log file', () => {
    const outputs = pandaOutputFiles({
      PandaID: 5,
      outFiles: 'a.root,b.root',
      scopeOut: 'x,y',
      logFile: 'NULL',
    });
    expect(outputs.map((o) => [o.lfn, o.fileType, o.scope])).toEqual([
      ['a.root', 'output', 'x'],
      ['b.root', 'output', 'y'],
    ]);
  });

  it('leaves hasOutFile at noOutput until the worker reports outputs', () => {
    expect(jobSpecFromPandaDict(evgenJob(), OPTIONS).job.hasOutFile).toBe(0);
    expect(jobSpecFromPandaDict(testJob(), OPTIONS).job.hasOutFile).toBe(0);
  });

  it('lists inputs first, then outputs, and shares the array with job.files', () => {
    const { job, files } = jobSpecFromPandaDict(productionJob(), OPTIONS);
    expect(files.map((f) => f.lfn)).toEqual([EVNT1, EVNT2, DBR, HITS, LOG]);
    expect(job.files).toBe(files);
  });
});

describe('jobSpecFromPandaDict: malformed dictionaries', () => {
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['an array', [{ PandaID: 1 }]],
    ['string', '{"PandaID": 1}'],
    ['number', 6583451203],
  ])('rejects a dictionary that is %s', (got, value) => {
    const err = errorFor(value);
    expect(err.message).toBe(`PanDA job dictionary must be an object, got ${got}`);
    expect(err.code).toBe('MALFORMED_JOB_DICT');
    expect(err.context).toEqual({ received: got });
  });

  it.each([
    ['missing', {}],
    ['null', { PandaID: null }],
    ["'NULL'", { PandaID: 'NULL' }],
    ['empty', { PandaID: '' }],
  ])('rejects a PandaID that is %s', (_what, dict) => {
    const err = errorFor({ ...productionJob(), PandaID: undefined, ...dict });
    expect(err.message).toBe('PanDA job dictionary: PandaID is missing');
    expect(err.context).toEqual({ field: 'PandaID', value: (dict as { PandaID?: unknown }).PandaID ?? null });
  });

  it.each([
    ['"abc"', 'abc'],
    ['"12a"', '12a'],
    ['"1.5"', '1.5'],
    ['1.5', 1.5],
    ['-5', -5],
    ['"-5"', '-5'],
    ['0', 0],
    ['true', true],
    ['an object', { id: 1 }],
    ['"1e3"', '1e3'],
  ])('rejects the PandaID %s', (shown, value) => {
    const err = errorFor({ ...productionJob(), PandaID: value });
    expect(err.message).toBe(`PanDA job dictionary: PandaID must be an integer >= 1, got ${shown}`);
    expect(err.context).toEqual({ field: 'PandaID', value });
    expect(err.context).not.toHaveProperty('PandaID');
  });

  it.each([
    ['taskID', 'abc', 'a non-negative integer', '"abc"'],
    ['jobsetID', -1, 'a non-negative integer', '-1'],
    ['attemptNr', '1.0', 'a non-negative integer', '"1.0"'],
    ['currentPriority', 'high', 'an integer', '"high"'],
    ['coreCount', '8 cores', 'a non-negative integer', '"8 cores"'],
    ['coreCount', 2.5, 'a non-negative integer', '2.5'],
    ['minRamCount', '-2000', 'a non-negative integer', '"-2000"'],
    ['maxDiskCount', [5000], 'a non-negative integer', 'an array'],
    ['maxWalltime', '1h', 'a non-negative integer', '"1h"'],
    ['zipPerMB', false, 'a non-negative integer', 'false'],
  ])('rejects %s = %p', (field, value, what, shown) => {
    const err = errorFor({ ...productionJob(), [field]: value });
    expect(err.message).toBe(`PanDA job 6583451203: ${field} must be ${what}, got ${shown}`);
    expect(err.context).toEqual({ PandaID: 6583451203, field, value });
  });

  it('rejects a resource_type that is not a string', () => {
    const err = errorFor({ ...productionJob(), resource_type: 8 });
    expect(err.message).toBe('PanDA job 6583451203: resource_type must be a string, got 8');
    expect(err.context).toEqual({ PandaID: 6583451203, field: 'resource_type', value: 8 });
  });

  it.each([
    ['GUID', 'g1,g2'],
    ['fsize', '1,2,3,4'],
    ['checksum', 'ad:00000001'],
    ['scopeIn', 'a,b'],
    ['realDatasetsIn', 'a,b,c,d'],
    ['ddmEndPointIn', 'E1,E2'],
  ])('rejects %s with a different number of entries than inFiles', (field, value) => {
    const err = errorFor({ ...productionJob(), [field]: value });
    const n = value.split(',').length;
    expect(err.message).toBe(`PanDA job 6583451203: ${field} has ${n} entries but inFiles has 3`);
    expect(err.context).toEqual({
      PandaID: 6583451203,
      field,
      fields: [field, 'inFiles'],
      lengths: { [field]: n, inFiles: 3 },
    });
  });

  it('rejects per-file lists that have values while inFiles is empty', () => {
    const err = errorFor({ ...evgenJob(), fsize: '123' });
    expect(err.message).toBe('PanDA job 6583470000: fsize has 1 entries but inFiles has 0');
    expect(err.context).toMatchObject({ fields: ['fsize', 'inFiles'], lengths: { fsize: 1, inFiles: 0 } });
  });

  it.each([
    ['realDatasets', 'a,b,c'],
    ['ddmEndPointOut', 'E1,E2,E3'],
  ])('rejects %s with a different number of entries than outFiles', (field, value) => {
    const err = errorFor({ ...productionJob(), [field]: value });
    expect(err.message).toBe(`PanDA job 6583451203: ${field} has 3 entries but outFiles has 2`);
    expect(err.context).toEqual({
      PandaID: 6583451203,
      field,
      fields: [field, 'outFiles'],
      lengths: { [field]: 3, outFiles: 2 },
    });
  });

  it('rejects a scopeOut that does not match the outputs besides the log file', () => {
    const err = errorFor({ ...analysisJob(), scopeOut: 'user.alice,user.alice,user.alice' });
    expect(err.message).toBe(
      `PanDA job 6583460001: scopeOut has 3 entries but outFiles has 3 (2 besides the log file ${ULOG}, whose scope is scopeLog)`,
    );
    expect(err.context).toEqual({
      PandaID: 6583460001,
      field: 'scopeOut',
      fields: ['scopeOut', 'outFiles'],
      lengths: { scopeOut: 3, outFiles: 3 },
      expected: 2,
    });
    const noLog = errorFor({ PandaID: 9, outFiles: 'a,b,c', scopeOut: 'x,y' });
    expect(noLog.message).toBe('PanDA job 9: scopeOut has 2 entries but outFiles has 3');
    expect(noLog.context).toMatchObject({ lengths: { scopeOut: 2, outFiles: 3 }, expected: 3 });
  });

  it.each([
    ['abc', '"abc"'],
    ['-1', '"-1"'],
    ['1.5', '"1.5"'],
    ['12MB', '"12MB"'],
  ])('rejects the fsize %s, naming the file', (value, shown) => {
    const err = errorFor({ ...productionJob(), fsize: `1073741824,${value},1234567` });
    expect(err.message).toBe(
      `PanDA job 6583451203: fsize of input file ${EVNT2} must be a non-negative integer, got ${shown}`,
    );
    expect(err.context).toEqual({ PandaID: 6583451203, field: 'fsize', lfn: EVNT2, index: 1, value });
  });

  it.each([
    'adler32:1a2b3c4d',
    'ad:1a2b3c4g',
    'ad:123456789',
    'ad:',
    'md5:0cc175b9',
    'sha256:0cc175b9c0f1b6a831c399e269772661',
    'xyz',
    '1a2b3c',
  ])('rejects the checksum %s, naming the file', (value) => {
    const err = errorFor({ ...productionJob(), checksum: `ad:1a2b3c4d,ad:0000ffff,${value}` });
    expect(err.message).toBe(
      `PanDA job 6583451203: checksum of input file ${DBR} must be ad:<adler32 hex> or md5:<md5 hex>, got "${value}"`,
    );
    expect(err.context).toEqual({ PandaID: 6583451203, field: 'checksum', lfn: DBR, index: 2, value });
  });

  it.each([
    'ad:1A2B3C4D',
    'AD:0000ffff',
    'ad:abc',
    'md:0cc175b9c0f1b6a831c399e269772661',
    'md5:0CC175B9C0F1B6A831C399E269772661',
    '0cc175b9c0f1b6a831c399e269772661',
    '1a2b3c4d',
  ])('accepts the checksum %s as sent', (value) => {
    const { files } = jobSpecFromPandaDict({ PandaID: 1, inFiles: 'a.root', checksum: value }, OPTIONS);
    expect(files[0]?.chksum).toBe(value);
  });

  it('rejects a logFile that outFiles does not list', () => {
    const err = errorFor({ ...productionJob(), outFiles: HITS, realDatasets: 'ds', ddmEndPointOut: 'E' });
    expect(err.message).toBe(`PanDA job 6583451203: logFile ${LOG} is not listed in outFiles`);
    expect(err.context).toEqual({
      PandaID: 6583451203,
      field: 'logFile',
      fields: ['logFile', 'outFiles'],
      logFile: LOG,
    });
  });

  it('rejects an output listed twice', () => {
    const err = errorFor({
      ...productionJob(),
      outFiles: `${HITS},${HITS},${LOG}`,
      scopeOut: 's,s',
      realDatasets: 'd',
      ddmEndPointOut: 'E',
    });
    expect(err.message).toBe(
      `PanDA job 6583451203: output file ${HITS} is listed twice in outFiles (positions 0 and 1)`,
    );
    expect(err.context).toEqual({ PandaID: 6583451203, field: 'outFiles', lfn: HITS, positions: [0, 1] });
  });

  it('rejects the log file listed twice in outFiles', () => {
    const err = errorFor({
      ...productionJob(),
      outFiles: `${LOG},${HITS},${LOG}`,
      scopeOut: 's,s',
      realDatasets: 'd',
      ddmEndPointOut: 'E',
    });
    expect(err.message).toBe(
      `PanDA job 6583451203: output file ${LOG} is listed twice in outFiles (positions 0 and 2)`,
    );
  });

  it('rejects an input listed twice with different attributes', () => {
    const err = errorFor({ PandaID: 3, inFiles: 'a.root,a.root', fsize: '10,11' });
    expect(err.message).toBe(
      'PanDA job 3: input file a.root is listed twice in inFiles (positions 0 and 1) with different attributes',
    );
    expect(err.context).toEqual({ PandaID: 3, field: 'inFiles', lfn: 'a.root', positions: [0, 1] });
  });

  it.each([
    ['inFiles', ['a.root']],
    ['GUID', { a: 1 }],
    ['outFiles', true],
  ])('rejects a %s that is not a comma-separated string', (field, value) => {
    const err = errorFor({ PandaID: 3, inFiles: 'a.root', [field]: value });
    expect(err.message).toMatch(new RegExp(`^PanDA job 3: ${field} must be a comma-separated string, got `));
    expect(err.context).toEqual({ PandaID: 3, field, value });
  });

  it('serialises errors with their code and context', () => {
    const err = errorFor({ PandaID: 3, inFiles: 'a.root', fsize: 'x' });
    expect(err.toJSON()).toEqual({
      name: 'JobDictError',
      code: 'MALFORMED_JOB_DICT',
      message: 'PanDA job 3: fsize of input file a.root must be a non-negative integer, got "x"',
      context: { PandaID: 3, field: 'fsize', lfn: 'a.root', index: 0, value: 'x' },
    });
  });
});

describe('pandaInputFiles / pandaOutputFiles', () => {
  it('read the file lists without building entities', () => {
    expect(pandaInputFiles(analysisJob())).toEqual([
      {
        lfn: DAOD1,
        guid: '26f366c6-9167-442a-864b-2717ac64806c',
        fsize: 2147483648,
        checksum: 'ad:deadbeef',
        scope: 'data24_13p6TeV',
        dataset: 'data24_13p6TeV.DAOD_PHYS.r15000_tid37000001_00',
        endpoint: null,
      },
      {
        lfn: DAOD2,
        guid: null,
        fsize: null,
        checksum: null,
        scope: 'data24_13p6TeV',
        dataset: 'data24_13p6TeV.DAOD_PHYS.r15000_tid37000001_00',
        endpoint: null,
      },
    ]);
    expect(pandaOutputFiles(evgenJob()).map((o) => [o.lfn, o.fileType, o.guid])).toEqual([
      ['EVNT.38600000._000001.pool.root.1', 'output', null],
      ['log.38600000._000001.job.log.tgz.1', 'log', 'b6f3c1d2-7e8f-4a5b-9c0d-1e2f3a4b5c6d'],
    ]);
  });

  it('name the PandaID in errors when it is valid, and do without it otherwise', () => {
    expect(() => pandaInputFiles({ PandaID: '77', inFiles: 'a', GUID: 'x,y' })).toThrow(
      'PanDA job 77: GUID has 2 entries but inFiles has 1',
    );
    expect(() => pandaInputFiles({ PandaID: 'bad', inFiles: 'a', GUID: 'x,y' })).toThrow(
      'PanDA job dictionary: GUID has 2 entries but inFiles has 1',
    );
    expect(() => pandaOutputFiles(null)).toThrow(JobDictError);
  });
});
