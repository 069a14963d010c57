import { FileSpec, HarvesterError, JobSpec, WorkSpec, workerBatchName } from '../src/index.js';

function file(
  lfn: string,
  fileType: FileSpec['fileType'],
  status: FileSpec['status'],
  extra: Partial<FileSpec> = {},
) {
  const f = new FileSpec();
  Object.assign(f, {
    lfn,
    fileType,
    status,
    fsize: 100,
    chksum: 'ad:00000001',
    scope: 'user.alice',
    endpoint: 'SITE_DATADISK',
    attemptNr: 0,
    path: null,
    groupID: null,
    groupStatus: null,
    groupUpdateTime: null,
    todelete: false,
    fileAttributes: { guid: `g-${lfn}`, dataset: 'user.alice.ds' },
    ...extra,
  });
  return f;
}

function jobWithFiles(): JobSpec {
  const job = new JobSpec();
  job.PandaID = 1;
  job.status = 'starting';
  job.subStatus = 'fetched';
  job.files = [
    file('in1', 'input', 'to_prepare'),
    file('in2', 'input', 'ready', { path: '/data/in2', attemptNr: 2 }),
    file('aux', 'aux_input', 'to_prepare'),
    file('out1', 'output', 'defined'),
    file('out2', 'output', 'finished'),
    file('out3', 'output', 'failed'),
    file('job.log.tgz', 'log', 'transferring', { todelete: true }),
  ];
  return job;
}

describe('JobSpec helpers', () => {
  it('lists input file attributes, skipping ready files unless asked', () => {
    const job = jobWithFiles();
    expect(Object.keys(job.getInputFileAttributes())).toEqual(['in1', 'aux']);
    expect(job.getInputFileAttributes({ skipReady: false }).in2).toEqual({
      fsize: 100,
      guid: 'g-in2',
      checksum: 'ad:00000001',
      scope: 'user.alice',
      dataset: 'user.alice.ds',
      attemptNr: 2,
      endpoint: 'SITE_DATADISK',
      path: '/data/in2',
    });
  });

  it('sets input paths by LFN and leaves outputs and unknown LFNs alone', () => {
    const job = jobWithFiles();
    job.setInputFilePaths({ in1: { path: '/scratch/in1' }, out1: { path: '/nope' }, ghost: { path: '/x' } });
    expect(job.files.find((f) => f.lfn === 'in1')?.path).toBe('/scratch/in1');
    expect(job.files.find((f) => f.lfn === 'out1')?.path).toBeNull();
  });

  it('assigns transfer groups and updates their status', () => {
    const job = jobWithFiles();
    const t0 = new Date('2026-01-01T00:00:00Z');
    const t1 = new Date('2026-01-01T01:00:00Z');
    job.setGroupsToFiles({ 'task-1': { lfns: ['in1', 'aux'], groupStatus: 'submitted' } }, t0);
    job.setGroupsToFiles({ 'task-2': { lfns: ['out1'], groupStatus: 'queued' } }, t0);
    expect(job.getGroupsOfInputFiles()).toEqual({
      'task-1': { groupStatus: 'submitted', groupUpdateTime: t0 },
    });
    job.updateGroupStatusInFiles('task-1', 'done', t1);
    expect(
      job.files.filter((f) => f.groupID === 'task-1').map((f) => [f.groupStatus, f.groupUpdateTime]),
    ).toEqual([
      ['done', t1],
      ['done', t1],
    ]);
    expect(job.getGroupsOfOutputFiles()).toEqual({
      'task-2': { groupStatus: 'queued', groupUpdateTime: t0 },
    });
  });

  it('lists outputs (skipping done ones by default), the log file and files to delete', () => {
    const job = jobWithFiles();
    expect(job.getOutputFileSpecs().map((f) => f.lfn)).toEqual(['out1', 'job.log.tgz']);
    expect(job.getOutputFileSpecs({ skipDone: false }).map((f) => f.lfn)).toEqual([
      'out1',
      'out2',
      'out3',
      'job.log.tgz',
    ]);
    expect(job.getLogFileSpec()?.lfn).toBe('job.log.tgz');
    expect(job.getFilesToDelete().map((f) => f.lfn)).toEqual(['job.log.tgz']);
  });

  it('merges attributes and records pilot errors', () => {
    const job = jobWithFiles();
    job.jobAttributes = { node: 'wn1' };
    job.setPilotError(1305, 'stage-in failed');
    expect(job.jobAttributes).toEqual({
      node: 'wn1',
      pilotErrorCode: 1305,
      pilotErrorDiag: 'stage-in failed',
    });
    job.jobParams = { transformation: 'run.sh', attemptNr: 3, x: null };
    expect([job.param('transformation'), job.param('attemptNr'), job.param('x'), job.param('y')]).toEqual([
      'run.sh',
      '3',
      undefined,
      undefined,
    ]);
    expect(job.isFinal()).toBe(false);
    job.status = 'failed';
    expect(job.isFinal()).toBe(true);
  });
});

describe('WorkSpec helpers', () => {
  function worker(): WorkSpec {
    const w = new WorkSpec();
    w.workerID = 42;
    w.harvesterID = 'cern-a';
    w.status = 'running';
    w.accessPoint = null;
    return w;
  }

  it('derives the deterministic batch name', () => {
    expect(worker().batchName).toBe('cern-a-42');
    expect(workerBatchName('x', 7)).toBe('x-7');
  });

  it('requires an access point before anything uses it', () => {
    const w = worker();
    expect(() => w.getAccessPoint()).toThrow('worker 42 has no access point');
    expect(() => w.getAccessPoint()).toThrow(HarvesterError);
    w.accessPoint = '/work/42';
    expect(w.getAccessPoint()).toBe('/work/42');
  });

  it('records log files: URLs as they are, local paths queued for upload once', () => {
    const w = worker();
    w.setLogFile('batch_log', 'https://ce.example.org/log/42');
    w.setLogFile('stdout', '/work/42/out');
    w.setLogFile('stdout', '/work/42/out');
    w.logFilesToUpload = { '/work/42/out': 512 };
    w.setLogFile('stdout', '/work/42/out');
    expect(w.workAttributes).toEqual({ batch_log: 'https://ce.example.org/log/42', stdout: '/work/42/out' });
    expect(w.logFilesToUpload).toEqual({ '/work/42/out': 512 });
    expect(() => w.setLogFile('console' as never, '/x')).toThrow(/unknown log file type 'console'/);
  });

  it('lists its jobs and PandaIDs, and knows when it is final', () => {
    const w = worker();
    const j1 = new JobSpec();
    j1.PandaID = 11;
    const j2 = new JobSpec();
    j2.PandaID = 12;
    w.jobs = [j1, j2];
    expect(w.getJobSpecList()).toBe(w.jobs);
    expect(w.getPandaIDs()).toEqual([11, 12]);
    expect(w.isFinal()).toBe(false);
    w.status = 'missed';
    expect(w.isFinal()).toBe(true);
    w.setSupplementalError(3811, 'condor job not found');
    expect([w.errorCode, w.errorDiag]).toEqual([3811, 'condor job not found']);
  });
});
