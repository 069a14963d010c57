import {
  aggregateJobStatusFromWorkers,
  applyPilotJobStatus,
  checkJobStatusConsistency,
  checkJobTransition,
  checkWorkerTransition,
  formatJobStatusPair,
  type JobStatus,
  type JobStatusPair,
  type JobSubStatus,
  jobStatusFromWorker,
  pilotJobStatus,
  WORKER_STATUSES,
  type WorkerStatus,
  workerStatusToJobStatus,
} from '../src/status/index.js';

// convert_to_job_status, written out for every worker status.
const MAPPING: Record<WorkerStatus, JobStatusPair> = {
  pending: { status: 'starting', subStatus: 'submitted' },
  submitted: { status: 'starting', subStatus: 'submitted' },
  ready: { status: 'starting', subStatus: 'ready' },
  running: { status: 'running', subStatus: 'running' },
  idle: { status: 'running', subStatus: 'idle' },
  finished: { status: 'finished', subStatus: 'to_transfer' },
  failed: { status: 'failed', subStatus: 'to_transfer' },
  cancelled: { status: 'cancelled', subStatus: 'to_transfer' },
  missed: { status: 'missed', subStatus: 'missed' },
};

const p = (status: JobStatus, subStatus: JobSubStatus): JobStatusPair => ({ status, subStatus });

describe('workerStatusToJobStatus', () => {
  it('the expected mapping covers exactly the worker statuses', () => {
    expect(Object.keys(MAPPING).sort()).toEqual([...WORKER_STATUSES].sort());
  });

  it.each([...WORKER_STATUSES])('worker %s -> the expected job pair', (ws) => {
    expect(workerStatusToJobStatus(ws)).toEqual(MAPPING[ws]);
  });

  it.each([...WORKER_STATUSES])('worker %s -> a consistent job pair', (ws) => {
    const { status, subStatus } = workerStatusToJobStatus(ws);
    expect(checkJobStatusConsistency(status, subStatus)).toEqual({ ok: true });
  });

  it('throws a TypeError naming an unknown worker status', () => {
    expect(() => workerStatusToJobStatus('lost' as WorkerStatus)).toThrow(
      new TypeError('unknown worker status "lost"'),
    );
    expect(() => workerStatusToJobStatus(undefined as unknown as WorkerStatus)).toThrow(
      new TypeError('unknown worker status undefined'),
    );
  });
});

describe('pilot override', () => {
  it('reads jobStatus finished/failed from the job attributes', () => {
    expect(pilotJobStatus({ jobStatus: 'finished', node: 'wn1' })).toBe('finished');
    expect(pilotJobStatus({ jobStatus: 'failed' })).toBe('failed');
  });

  it.each([
    ['no attributes', null],
    ['undefined', undefined],
    ['no jobStatus', { node: 'wn1' }],
    ['jobStatus running', { jobStatus: 'running' }],
    ['jobStatus cancelled', { jobStatus: 'cancelled' }],
    ['jobStatus holding', { jobStatus: 'holding' }],
    ['jobStatus in another case', { jobStatus: 'Finished' }],
    ['jobStatus not a string', { jobStatus: 1 }],
    ['a string instead of an object', 'finished'],
  ])('ignores %s', (_label, attrs) => {
    expect(pilotJobStatus(attrs)).toBeNull();
  });

  it('applyPilotJobStatus replaces the derived pair, or keeps it without a report', () => {
    expect(applyPilotJobStatus(MAPPING.finished, 'failed')).toEqual(p('failed', 'to_transfer'));
    expect(applyPilotJobStatus(MAPPING.running, null)).toEqual(p('running', 'running'));
  });

  it.each([...WORKER_STATUSES])('pilot "failed" overrides worker %s', (ws) => {
    expect(jobStatusFromWorker(ws, { jobAttributes: { jobStatus: 'failed' } })).toEqual(
      p('failed', 'to_transfer'),
    );
  });

  it.each([...WORKER_STATUSES])('pilot "finished" overrides worker %s', (ws) => {
    expect(jobStatusFromWorker(ws, { jobAttributes: { jobStatus: 'finished' } })).toEqual(
      p('finished', 'to_transfer'),
    );
  });

  it('a worker the batch system saw as finished, whose pilot reported failed, fails the job', () => {
    expect(jobStatusFromWorker('finished', { jobAttributes: { jobStatus: 'failed' } })).toEqual(
      p('failed', 'to_transfer'),
    );
    expect(jobStatusFromWorker('cancelled', { jobAttributes: { jobStatus: 'finished' } })).toEqual(
      p('finished', 'to_transfer'),
    );
  });

  it('wins over the no-reversal rule', () => {
    expect(
      jobStatusFromWorker('ready', { jobAttributes: { jobStatus: 'finished' }, currentJobStatus: 'running' }),
    ).toEqual(p('finished', 'to_transfer'));
  });

  it.each([...WORKER_STATUSES])('other jobStatus values leave worker %s mapped as usual', (ws) => {
    expect(jobStatusFromWorker(ws, { jobAttributes: { jobStatus: 'running' } })).toEqual(MAPPING[ws]);
  });
});

describe('jobStatusFromWorker: no reversal to starting', () => {
  it.each([...WORKER_STATUSES])('without a current status, worker %s maps as convert_to_job_status', (ws) => {
    expect(jobStatusFromWorker(ws)).toEqual(MAPPING[ws]);
  });

  // Current job status running: the starting mappings are lifted to running.
  const FROM_RUNNING: Record<WorkerStatus, JobStatusPair> = {
    pending: { status: 'running', subStatus: 'running' },
    submitted: { status: 'running', subStatus: 'running' },
    ready: { status: 'running', subStatus: 'ready' },
    running: { status: 'running', subStatus: 'running' },
    idle: { status: 'running', subStatus: 'idle' },
    finished: { status: 'finished', subStatus: 'to_transfer' },
    failed: { status: 'failed', subStatus: 'to_transfer' },
    cancelled: { status: 'cancelled', subStatus: 'to_transfer' },
    missed: { status: 'missed', subStatus: 'missed' },
  };

  it.each([...WORKER_STATUSES])('job running, worker %s', (ws) => {
    expect(jobStatusFromWorker(ws, { currentJobStatus: 'running' })).toEqual(FROM_RUNNING[ws]);
  });

  it.each([...WORKER_STATUSES])('job starting, worker %s: unchanged mapping', (ws) => {
    expect(jobStatusFromWorker(ws, { currentJobStatus: 'starting' })).toEqual(MAPPING[ws]);
  });

  it('every legal worker change gives a legal job change (OneToOne)', () => {
    const illegal: string[] = [];
    let checked = 0;
    for (const from of WORKER_STATUSES) {
      for (const to of WORKER_STATUSES) {
        const w = checkWorkerTransition(from, to);
        if (!w.ok || !w.changed) continue;
        checked += 1;
        const before = jobStatusFromWorker(from);
        const after = jobStatusFromWorker(to, { currentJobStatus: before.status });
        const j = checkJobTransition(before, after);
        if (!j.ok)
          illegal.push(`${from}->${to}: ${formatJobStatusPair(before)} -> ${formatJobStatusPair(after)}`);
      }
    }
    expect(checked).toBe(25);
    expect(illegal).toEqual([]);
  });

  it('without the current status, idle -> ready would reverse the job to starting', () => {
    const before = jobStatusFromWorker('idle');
    expect(checkJobTransition(before, jobStatusFromWorker('ready')).ok).toBe(false);
    expect(
      checkJobTransition(before, jobStatusFromWorker('ready', { currentJobStatus: before.status })),
    ).toEqual({
      ok: true,
      changed: true,
    });
  });
});

describe('aggregateJobStatusFromWorkers (OneToMany)', () => {
  it.each([...WORKER_STATUSES])('a single worker %s maps like convert_to_job_status', (ws) => {
    expect(aggregateJobStatusFromWorkers([ws])).toEqual(MAPPING[ws]);
  });

  it.each<[string, WorkerStatus[], JobStatusPair]>([
    // all final
    ['finished wins over failed', ['failed', 'finished', 'cancelled'], p('finished', 'to_transfer')],
    ['failed wins over cancelled and missed', ['cancelled', 'failed', 'missed'], p('failed', 'to_transfer')],
    ['cancelled when none finished or failed', ['missed', 'cancelled'], p('cancelled', 'to_transfer')],
    ['all cancelled', ['cancelled', 'cancelled'], p('cancelled', 'to_transfer')],
    ['missed when every worker was missed', ['missed', 'missed', 'missed'], p('missed', 'missed')],
    ['all finished', ['finished', 'finished'], p('finished', 'to_transfer')],
    // some active: the most advanced active mapping
    ['running wins', ['finished', 'submitted', 'idle', 'running'], p('running', 'running')],
    ['idle next', ['submitted', 'idle', 'ready', 'failed'], p('running', 'idle')],
    ['ready next', ['pending', 'ready', 'submitted', 'finished'], p('starting', 'ready')],
    ['submitted next', ['submitted', 'pending', 'cancelled'], p('starting', 'submitted')],
    ['pending only', ['pending', 'pending'], p('starting', 'submitted')],
    [
      'an active worker keeps a finished one from ending the job',
      ['finished', 'pending'],
      p('starting', 'submitted'),
    ],
  ])('%s', (_label, workers, expected) => {
    expect(aggregateJobStatusFromWorkers(workers)).toEqual(expected);
  });

  it.each<[WorkerStatus[], JobStatusPair]>([
    [['finished', 'submitted'], p('running', 'running')],
    [['failed', 'pending'], p('running', 'running')],
    [['finished', 'ready'], p('running', 'ready')],
    [['idle', 'submitted'], p('running', 'idle')],
    [['finished', 'failed'], p('finished', 'to_transfer')],
  ])('a running job with workers %j stays running: %j', (workers, expected) => {
    expect(aggregateJobStatusFromWorkers(workers, { currentJobStatus: 'running' })).toEqual(expected);
  });

  it('a starting job is not lifted to running', () => {
    expect(
      aggregateJobStatusFromWorkers(['finished', 'submitted'], { currentJobStatus: 'starting' }),
    ).toEqual(p('starting', 'submitted'));
  });

  it('the order of the workers does not matter', () => {
    const workers: WorkerStatus[] = ['cancelled', 'failed', 'ready', 'missed', 'finished'];
    const expected = aggregateJobStatusFromWorkers(workers);
    expect(expected).toEqual(p('starting', 'ready'));
    expect(aggregateJobStatusFromWorkers([...workers].reverse())).toEqual(expected);
  });

  it('has no pilot override (worker attributes are not merged for OneToMany)', () => {
    const options = { jobAttributes: { jobStatus: 'failed' } } as unknown as { currentJobStatus?: string };
    expect(aggregateJobStatusFromWorkers(['finished'], options)).toEqual(p('finished', 'to_transfer'));
  });

  it('refuses an empty worker list and unknown statuses', () => {
    expect(() => aggregateJobStatusFromWorkers([])).toThrow(
      new RangeError('a OneToMany job status needs at least one worker'),
    );
    expect(() => aggregateJobStatusFromWorkers(['running', 'gone' as WorkerStatus])).toThrow(
      new TypeError('unknown worker status "gone"'),
    );
  });
});
