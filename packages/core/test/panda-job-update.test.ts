import type { JobSpec } from '../src/entities/job-spec.js';
import {
  buildPandaOutputFileReport,
  formatPandaTime,
  jobSpecFromPandaDict,
  legacyUpdateJobsInBulkForm,
  PANDA_FORWARDED_JOB_ATTRIBUTES,
  type PandaJobDict,
  pandaJobUpdateLegacy,
  pandaJobUpdateV1,
  pandaOutputFileReportJson,
  pandaUpdateJobsBulkBody,
  pandaUpdateStatus,
  reportedJobStatus,
} from '../src/panda/index.js';
import type { JobStatus, JobSubStatus } from '../src/status/job-status.js';

const NOW = new Date('2026-03-14T09:26:53.589Z');

function dict(): PandaJobDict {
  return {
    PandaID: '6583451203',
    taskID: '38512233',
    jobsetID: 612,
    attemptNr: '3',
    currentPriority: 880,
    coreCount: '8',
    resource_type: 'MCORE',
    prodSourceLabel: 'managed',
    transformation: 'Sim_tf.py',
    jobPars: '--maxEvents=500',
    inFiles: 'EVNT.01._000071.pool.root.1',
    GUID: '91BBED85-8AEA-4C82-80BC-D802994938B8',
    fsize: '1073741824',
    checksum: 'ad:1a2b3c4d',
    scopeIn: 'mc23_13p6TeV',
    realDatasetsIn: 'mc23_13p6TeV.EVNT.tid01_00',
    ddmEndPointIn: 'CERN-PROD_DATADISK',
    outFiles: 'HITS.02._000342.pool.root.1,AOD.02._000342.pool.root.1,log.02._000342.job.log.tgz.1',
    scopeOut: 'mc23_13p6TeV,mc23_13p6TeV',
    scopeLog: 'mc23_13p6TeV',
    logFile: 'log.02._000342.job.log.tgz.1',
    logGUID: '3679890f-11d3-49c7-8a24-6abb3ebbf92d',
    realDatasets: 'mc23.HITS.tid02_00,mc23.AOD.tid02_00,mc23.log.tid02_00',
    ddmEndPointOut: 'CERN-PROD_DATADISK,CERN-PROD_DATADISK,CERN-PROD_DATADISK',
  };
}

function fetched(): JobSpec {
  return jobSpecFromPandaDict(dict(), {
    computingSite: 'CERN-PROD_UCORE',
    harvesterID: 'CERN_central_A',
    configID: 17,
    now: NOW,
  }).job;
}

function jobIn(status: JobStatus, subStatus: JobSubStatus, extra: Partial<JobSpec> = {}): JobSpec {
  const job = fetched();
  job.status = status;
  job.subStatus = subStatus;
  Object.assign(job, extra);
  return job;
}

const START = new Date('2026-03-14T10:00:00.250Z');
const END = new Date('2026-03-14T13:30:05.999Z');

describe('formatPandaTime', () => {
  it('formats in UTC without fractions, as PanDA expects', () => {
    expect(formatPandaTime(START)).toBe('2026-03-14 10:00:00');
    expect(formatPandaTime(END)).toBe('2026-03-14 13:30:05');
    expect(formatPandaTime(new Date('2026-01-02T03:04:05+02:00'))).toBe('2026-01-02 01:04:05');
  });
});

describe('reportedJobStatus / pandaUpdateStatus', () => {
  it.each([
    ['starting', 'fetched', true, 'starting', 'fetched'],
    ['running', 'running', true, 'running', 'running'],
    ['finished', 'to_transfer', true, 'transferring', 'to_transfer'],
    ['finished', 'transferring', true, 'transferring', 'transferring'],
    ['finished', 'staged', true, 'finished', 'staged'],
    ['finished', 'staged', false, 'transferring', 'staged'],
    ['failed', 'to_transfer', true, 'transferring', 'to_transfer'],
    ['failed', 'failed_to_stage_out', true, 'failed', 'failed_to_stage_out'],
    ['failed', 'killed', false, 'failed', 'killed'],
    ['cancelled', 'killed', true, 'failed', 'cancelled'],
    ['cancelled', 'to_transfer', true, 'transferring', 'to_transfer'],
    ['missed', 'missed', true, 'failed', 'missed'],
    ['running', 'running', false, 'running', 'running'],
  ] as const)('%s/%s (all events done: %s) → %s/%s', (status, subStatus, allEventsDone, want, wantSub) => {
    const job = jobIn(status, subStatus);
    expect(pandaUpdateStatus(job, { allEventsDone })).toEqual({ status: want, subStatus: wantSub });
  });

  it('reports cancelled and missed jobs closed by the pilot as failed/pilot_closed', () => {
    expect(pandaUpdateStatus(jobIn('cancelled', 'killed', { pilotClosed: true }))).toEqual({
      status: 'failed',
      subStatus: 'pilot_closed',
    });
    expect(pandaUpdateStatus(jobIn('missed', 'missed', { pilotClosed: true }))).toEqual({
      status: 'failed',
      subStatus: 'pilot_closed',
    });
  });

  it('keeps cancelled and missed in reportedJobStatus (the mapping is pandaUpdateStatus’s)', () => {
    expect(reportedJobStatus(jobIn('cancelled', 'killed'))).toBe('cancelled');
    expect(reportedJobStatus(jobIn('missed', 'missed'))).toBe('missed');
  });
});

describe('pandaJobUpdateV1', () => {
  it('reports a freshly fetched job as starting', () => {
    expect(pandaJobUpdateV1(fetched())).toEqual({
      scheduler_id: 'harvester-CERN_central_A',
      job_id: 6583451203,
      site_name: 'CERN-PROD_UCORE',
      job_status: 'starting',
      job_sub_status: 'fetched',
      attempt_nr: 3,
      core_count: 8,
    });
  });

  it('forwards the known job attributes snake_cased and leaves the others out', () => {
    const job = jobIn('running', 'running', { startTime: START });
    job.setAttributes({
      token: 'abc',
      node: 'wn042.cern.ch',
      pilotID: 'https://ce.cern.ch/logs/1234.out|PR|PICARD|3.9.2.41',
      batchID: '1234.0',
      cpuConsumptionTime: 12034,
      cpuConsumptionUnit: 's',
      cpuConversionFactor: 1.25,
      maxRSS: 2048000,
      avgPSS: '1024000.5',
      totRBYTES: '123456789',
      nEvents: '500',
      jobMetrics: 'coreCount=8 nEvents=500',
      jobStatus: 'running',
      workerID: 17,
      foo: 'bar',
    });
    expect(pandaJobUpdateV1(job)).toEqual({
      scheduler_id: 'harvester-CERN_central_A',
      node: 'wn042.cern.ch',
      pilot_id: 'https://ce.cern.ch/logs/1234.out|PR|PICARD|3.9.2.41',
      batch_id: '1234.0',
      cpu_consumption_time: 12034,
      cpu_consumption_unit: 's',
      cpu_conversion_factor: 1.25,
      max_rss: 2048000,
      avg_pss: 1024000.5,
      tot_rbytes: 123456789,
      n_events: 500,
      job_metrics: 'coreCount=8 nEvents=500',
      job_id: 6583451203,
      site_name: 'CERN-PROD_UCORE',
      job_status: 'running',
      job_sub_status: 'running',
      attempt_nr: 3,
      core_count: 8,
      start_time: '2026-03-14 10:00:00',
    });
  });

  it('leaves strings alone where the server expects numbers but they are not numeric', () => {
    const job = jobIn('running', 'running');
    job.setAttributes({ transExitCode: 'n/a', pilotErrorCode: '1.5', maxVMEM: '' });
    const record = pandaJobUpdateV1(job);
    expect(record.trans_exit_code).toBe('n/a');
    expect(record.pilot_error_code).toBe('1.5');
    expect(record.max_vmem).toBe('');
  });

  it('lets job fields win over attributes of the same name, and attributes win for times and cores', () => {
    const job = jobIn('running', 'running', { startTime: START, nCore: 8 });
    job.setAttributes({
      attemptNr: 99,
      siteName: 'ELSEWHERE',
      coreCount: '4',
      startTime: new Date('2026-03-14T10:05:00Z'),
      endTime: '2026-03-14 12:00:00',
    });
    const record = pandaJobUpdateV1(job);
    expect(record.attempt_nr).toBe(3);
    expect(record.site_name).toBe('CERN-PROD_UCORE');
    expect(record.core_count).toBe(4);
    expect(record.start_time).toBe('2026-03-14 10:05:00');
    expect(record.end_time).toBe('2026-03-14 12:00:00');
  });

  it('sends the job report and output file report with the final status only', () => {
    const metaData = {
      exitCode: 0,
      files: { output: [{ subFiles: [{ name: 'HITS.02._000342.pool.root.1' }] }] },
    };
    const report = { 'HITS.02._000342.pool.root.1': { guid: 'g', fsize: 1, adler32: '1' } };
    const extra = { startTime: START, endTime: END, metaData, outputFilesToReport: report };

    const staging = pandaJobUpdateV1(jobIn('finished', 'to_transfer', extra));
    expect(staging.job_status).toBe('transferring');
    expect(staging).not.toHaveProperty('meta_data');
    expect(staging).not.toHaveProperty('job_output_report');

    const done = pandaJobUpdateV1(jobIn('finished', 'staged', extra));
    expect(done).toEqual({
      scheduler_id: 'harvester-CERN_central_A',
      job_id: 6583451203,
      site_name: 'CERN-PROD_UCORE',
      job_status: 'finished',
      job_sub_status: 'staged',
      attempt_nr: 3,
      core_count: 8,
      start_time: '2026-03-14 10:00:00',
      end_time: '2026-03-14 13:30:05',
      meta_data: JSON.stringify(metaData),
      job_output_report: '{"HITS.02._000342.pool.root.1":{"guid":"g","fsize":1,"adler32":"1"}}',
    });

    const eventsPending = pandaJobUpdateV1(jobIn('finished', 'staged', extra), { allEventsDone: false });
    expect(eventsPending.job_status).toBe('transferring');
    expect(eventsPending).not.toHaveProperty('meta_data');
  });

  it('reports a cancelled job as failed with its sub-status and its reports', () => {
    const job = jobIn('cancelled', 'killed', { endTime: END, metaData: { exitCode: 137 } });
    job.setPilotError(1008, 'general pilot error, job killed');
    expect(pandaJobUpdateV1(job)).toEqual({
      scheduler_id: 'harvester-CERN_central_A',
      pilot_error_code: 1008,
      pilot_error_diag: 'general pilot error, job killed',
      job_id: 6583451203,
      site_name: 'CERN-PROD_UCORE',
      job_status: 'failed',
      job_sub_status: 'cancelled',
      attempt_nr: 3,
      core_count: 8,
      end_time: '2026-03-14 13:30:05',
      meta_data: '{"exitCode":137}',
    });
  });

  it('sends an output file report stored as a string (rows written before it became an object) as is', () => {
    const job = jobIn('finished', 'staged');
    (job as { outputFilesToReport: unknown }).outputFilesToReport = '{"a.root": {"guid": "g"}}';
    expect(pandaJobUpdateV1(job).job_output_report).toBe('{"a.root": {"guid": "g"}}');
    expect(pandaJobUpdateLegacy(job).xml).toBe('{"a.root": {"guid": "g"}}');
  });

  it('omits core_count when neither the job nor its attributes know it, and works without attributes', () => {
    const job = jobIn('running', 'running', { nCore: null, jobAttributes: null });
    expect(pandaJobUpdateV1(job)).toEqual({
      job_id: 6583451203,
      site_name: 'CERN-PROD_UCORE',
      job_status: 'running',
      job_sub_status: 'running',
      attempt_nr: 3,
    });
  });

  it('never sends token (no v1 parameter) nor attributes outside the forwarded list', () => {
    const job = jobIn('running', 'running');
    job.setAttributes({
      token: 't',
      resourceType: 'SCORE',
      workdir: '/tmp',
      computingElement: 'ce',
      xml: '<x/>',
    });
    const record = pandaJobUpdateV1(job);
    expect(Object.keys(record).sort()).toEqual(
      [
        'attempt_nr',
        'core_count',
        'job_id',
        'job_status',
        'job_sub_status',
        'scheduler_id',
        'site_name',
      ].sort(),
    );
  });
});

describe('pandaJobUpdateLegacy', () => {
  it('reports a freshly fetched job as starting, camelCased', () => {
    expect(pandaJobUpdateLegacy(fetched())).toEqual({
      schedulerID: 'harvester-CERN_central_A',
      jobId: 6583451203,
      siteName: 'CERN-PROD_UCORE',
      state: 'starting',
      attemptNr: 3,
      jobSubStatus: 'fetched',
      coreCount: 8,
    });
  });

  it('forwards attributes with their own names, token included, integers as strings', () => {
    const job = jobIn('running', 'running', { startTime: START });
    job.setAttributes({
      token: 'abc',
      node: 'wn042.cern.ch',
      cpuConsumptionTime: 12034,
      cpuConversionFactor: 1.25,
      maxRSS: 2048000,
      nEvents: '500',
      foo: 'bar',
    });
    expect(pandaJobUpdateLegacy(job)).toEqual({
      schedulerID: 'harvester-CERN_central_A',
      token: 'abc',
      node: 'wn042.cern.ch',
      cpuConsumptionTime: '12034',
      cpuConversionFactor: 1.25,
      maxRSS: '2048000',
      nEvents: '500',
      jobId: 6583451203,
      siteName: 'CERN-PROD_UCORE',
      state: 'running',
      attemptNr: 3,
      jobSubStatus: 'running',
      startTime: '2026-03-14 10:00:00',
      coreCount: 8,
    });
  });

  it('sends metaData and the report as xml with the final status', () => {
    const job = jobIn('failed', 'failed_to_stage_out', {
      startTime: START,
      endTime: END,
      metaData: { exitCode: 0 },
      outputFilesToReport: {},
    });
    job.setAttributes({ coreCount: 4, startTime: new Date('2026-03-14T10:05:00Z') });
    expect(pandaJobUpdateLegacy(job)).toEqual({
      schedulerID: 'harvester-CERN_central_A',
      coreCount: '4',
      startTime: '2026-03-14 10:05:00',
      jobId: 6583451203,
      siteName: 'CERN-PROD_UCORE',
      state: 'failed',
      attemptNr: 3,
      jobSubStatus: 'failed_to_stage_out',
      endTime: '2026-03-14 13:30:05',
      metaData: '{"exitCode":0}',
      xml: '{}',
    });
  });

  it('maps missed jobs to failed like the v1 record', () => {
    const job = jobIn('missed', 'missed', { pilotClosed: true });
    const legacy = pandaJobUpdateLegacy(job);
    const v1 = pandaJobUpdateV1(job);
    expect([legacy.state, legacy.jobSubStatus]).toEqual(['failed', 'pilot_closed']);
    expect([v1.job_status, v1.job_sub_status]).toEqual(['failed', 'pilot_closed']);
  });
});

describe('bulk request bodies', () => {
  it('wraps v1 records in job_list with harvester_id', () => {
    const records = [pandaJobUpdateV1(fetched()), pandaJobUpdateV1(jobIn('running', 'running'))];
    const body = pandaUpdateJobsBulkBody(records, 'CERN_central_A');
    expect(body).toEqual({ job_list: records, harvester_id: 'CERN_central_A' });
    expect(body.job_list).not.toBe(records);
  });

  it('sends legacy records as a JSON string in jobList', () => {
    const records = [pandaJobUpdateLegacy(fetched())];
    const form = legacyUpdateJobsInBulkForm(records, 'CERN_central_A');
    expect(form.harvester_id).toBe('CERN_central_A');
    expect(JSON.parse(form.jobList)).toEqual(records);
  });
});

describe('forwarded attribute names', () => {
  it('match the v1 update_job parameter names', () => {
    expect(Object.keys(PANDA_FORWARDED_JOB_ATTRIBUTES)).toHaveLength(40);
    for (const [camel, snake] of Object.entries(PANDA_FORWARDED_JOB_ATTRIBUTES)) {
      if (snake === null) {
        expect(camel).toBe('token');
        continue;
      }
      expect(snake).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(snake.replace(/_/g, '')).toBe(camel.toLowerCase());
    }
  });
});

describe('output file report', () => {
  function stagedJob(): JobSpec {
    const job = jobIn('finished', 'staged');
    for (const f of job.files) {
      if (f.fileType === 'input') continue;
      f.status = 'finished';
      f.fsize = 1000;
      f.chksum = 'ad:0a0b0c0d';
    }
    const aod = job.files.find((f) => f.lfn.startsWith('AOD'));
    if (aod) {
      aod.status = 'failed';
    }
    const hits = job.files.find((f) => f.lfn.startsWith('HITS'));
    if (hits) {
      hits.fileAttributes = { ...hits.fileAttributes, guid: 'A1B2C3D4-0000-1111-2222-333344445555' };
      hits.chksum = 'md:0cc175b9c0f1b6a831c399e269772661';
    }
    return job;
  }

  it('lists finished outputs and the log with GUID, size and checksum digest', () => {
    expect(buildPandaOutputFileReport(stagedJob(), { newGuid: () => 'unused' })).toEqual({
      'HITS.02._000342.pool.root.1': {
        guid: 'A1B2C3D4-0000-1111-2222-333344445555',
        fsize: 1000,
        adler32: '0cc175b9c0f1b6a831c399e269772661',
      },
      'log.02._000342.job.log.tgz.1': {
        guid: '3679890f-11d3-49c7-8a24-6abb3ebbf92d',
        fsize: 1000,
        adler32: '0a0b0c0d',
      },
    });
  });

  it('makes a GUID for outputs without one', () => {
    const job = stagedJob();
    const hits = job.files.find((f) => f.lfn.startsWith('HITS'));
    if (hits) hits.fileAttributes = { dataset: 'mc23.HITS.tid02_00' };
    let n = 0;
    const report = buildPandaOutputFileReport(job, { newGuid: () => `generated-${++n}` });
    expect(report['HITS.02._000342.pool.root.1']?.guid).toBe('generated-1');
    expect(n).toBe(1);
    const random = buildPandaOutputFileReport(job);
    expect(random['HITS.02._000342.pool.root.1']?.guid).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('takes the log GUID from jobParams when jobParamsExtForLog lacks it, and keeps unprefixed checksums', () => {
    const job = stagedJob();
    job.jobParamsExtForLog = null;
    const log = job.files.find((f) => f.fileType === 'log');
    if (log) {
      log.fileAttributes = {};
      log.chksum = '0a0b0c0d';
    }
    expect(buildPandaOutputFileReport(job)['log.02._000342.job.log.tgz.1']).toEqual({
      guid: '3679890f-11d3-49c7-8a24-6abb3ebbf92d',
      fsize: 1000,
      adler32: '0a0b0c0d',
    });
  });

  it('is empty when nothing was staged out, and pandaOutputFileReportJson prefers the stored report', () => {
    const job = jobIn('failed', 'failed_to_stage_out');
    expect(buildPandaOutputFileReport(job)).toEqual({});
    expect(pandaOutputFileReportJson(job)).toBe('{}');
    (job as { outputFilesToReport: unknown }).outputFilesToReport = '{"x": 1}';
    expect(pandaOutputFileReportJson(job)).toBe('{"x": 1}');
    job.outputFilesToReport = { y: 2 };
    expect(pandaOutputFileReportJson(job)).toBe('{"y":2}');
    const staged = stagedJob();
    expect(JSON.parse(pandaOutputFileReportJson(staged, { newGuid: () => 'g' }))).toEqual(
      buildPandaOutputFileReport(staged, { newGuid: () => 'g' }),
    );
  });
});
