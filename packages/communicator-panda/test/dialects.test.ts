// Request building and answer reading of both APIs, on literal server answers (the shapes of
// ../shared/reference/panda-server-api.md), without any I/O.
import type { EventRangeUpdateBatch, JobSpec, Outcome } from '@harvester-ts/core';
import { makeJobSpec, makeWorkSpec } from '@harvester-ts/testkit';
import { legacyDialect, v1Dialect } from '../src/index.js';
import type { HttpAnswer } from '../src/responses.js';

const v1 = (endpoint: string, body: unknown, status = 200): HttpAnswer => ({
  endpoint,
  status,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

const jobs = (...ids: number[]): JobSpec[] =>
  ids.map((PandaID) =>
    makeJobSpec({ PandaID, status: 'running', subStatus: 'running', computingSite: 'SITE_A' } as never),
  );

const kinds = (outcomes: Outcome<unknown>[]) => outcomes.map((o) => o.kind);

describe('API v1 requests', () => {
  it('acquire_jobs: snake_case parameters, scheduler_id, harvester_id; resourceType mapped, unknown keys dropped', () => {
    const { call, dropped } = v1Dialect.getJobs(
      {
        siteName: 'SITE_A',
        nodeName: 'node1',
        prodSourceLabel: 'managed',
        computingElement: 'CE_A',
        nJobs: 7,
        additionalCriteria: { resourceType: 'SCORE', taskID: '42', bogus: 'x' },
      },
      'h1',
    );
    expect(call).toEqual({
      endpoint: 'pilot/acquire_jobs',
      method: 'POST',
      json: {
        site_name: 'SITE_A',
        node: 'node1',
        prod_source_label: 'managed',
        computing_element: 'CE_A',
        n_jobs: 7,
        scheduler_id: 'harvester-h1',
        harvester_id: 'h1',
        resource_type: 'SCORE',
        task_id: 42,
      },
      // It hands jobs out: never sent again after the server may have done so.
      idempotent: false,
      // Job dictionaries carry secrets: no body snippet in diagnostics.
      redactAnswer: true,
    });
    expect(dropped).toEqual(['bogus']);
  });

  it('update_jobs_bulk: core records with job_id/job_status and forwarded attributes; never token', () => {
    const [job] = jobs(11) as [JobSpec];
    job.jobAttributes = { token: 'secret', transExitCode: '0', coreCount: 8, pilotErrorDiag: 'ok' };
    const call = v1Dialect.updateJobs([job], 'h1');
    expect(call.endpoint).toBe('pilot/update_jobs_bulk');
    const body = call.json as { job_list: Record<string, unknown>[]; harvester_id: string };
    expect(body.harvester_id).toBe('h1');
    expect(body.job_list[0]).toMatchObject({
      job_id: 11,
      job_status: 'running',
      attempt_nr: 1,
      trans_exit_code: 0,
      core_count: 8,
      pilot_error_diag: 'ok',
      site_name: 'SITE_A',
    });
    expect(body.job_list[0]).not.toHaveProperty('token');
  });

  it('job/get_status: repeated job_ids keys in order', () => {
    expect(v1Dialect.checkJobs([3, 1, 2])).toEqual({
      endpoint: 'job/get_status',
      method: 'GET',
      query: [
        ['job_ids', '3'],
        ['job_ids', '1'],
        ['job_ids', '2'],
      ],
    });
  });

  it('update_event_ranges: event_ranges as a JSON string, version 1, zip checksum as adler32', () => {
    const call = v1Dialect.updateEventRanges([
      {
        pandaID: 5,
        eventRanges: [{ eventRangeID: '1-5-1-1-1', eventStatus: 'finished' }],
        zipFile: { lfn: 'z.zip', objstoreID: 3, fsize: 10, checksum: 'ad:0a0b0c0d' },
      },
    ]);
    expect(call.json?.version).toBe(1);
    expect(typeof call.json?.event_ranges).toBe('string');
    expect(JSON.parse(call.json?.event_ranges as string)).toEqual([
      {
        eventRanges: [{ eventRangeID: '1-5-1-1-1', eventStatus: 'finished' }],
        zipFile: { lfn: 'z.zip', objstoreID: 3, fsize: 10, adler32: '0a0b0c0d' },
      },
    ]);
  });

  it('acquire_event_ranges needs the jobsetID', () => {
    expect(typeof v1Dialect.getEventRanges({ pandaID: 1, nRanges: 3 }, 3, false)).toBe('string');
    expect(v1Dialect.getEventRanges({ pandaID: 1, jobsetID: 9, taskID: 4, nRanges: 3 }, 3, true)).toEqual({
      endpoint: 'event/acquire_event_ranges',
      method: 'POST',
      json: { job_id: 1, jobset_id: 9, task_id: 4, n_ranges: 3, scattered: true },
      idempotent: false,
    });
    expect(v1Dialect.getCommands(5, 'h1').idempotent).toBe(false);
    expect(v1Dialect.ackCommands([1]).idempotent).toBeUndefined();
    expect(v1Dialect.updateJobs(jobs(1), 'h1').idempotent).toBeUndefined();
  });

  it('report_worker_statistics: statistics as a JSON string; heartbeat data with datetime/ startTime', () => {
    const stats = { managed: { SCORE: { running: 2 } } };
    expect(v1Dialect.updateWorkerStats('SITE_A', stats, 'h1').json).toEqual({
      harvester_id: 'h1',
      panda_queue: 'SITE_A',
      statistics: JSON.stringify(stats),
    });
    const hb = v1Dialect.isAlive(
      {
        startTime: new Date('2026-01-02T03:04:05.678Z'),
        swVersion: 'harvester-ts',
        commands: ['SET_N_WORKERS_JOBTYPE:Q1'],
      },
      'h1',
    );
    expect(hb.json).toEqual({
      harvester_id: 'h1',
      data: {
        startTime: 'datetime/2026-01-02 03:04:05.678000',
        sw_version: 'harvester-ts',
        commands: [{ command: 'SET_N_WORKERS_JOBTYPE', computingSite: 'Q1', resourceType: 'ANY' }],
      },
    });
  });
});

describe('API v1 answers', () => {
  it('acquire_jobs: jobs, "No jobs in PanDA", argument errors, garbage', () => {
    const ok = v1Dialect.getJobsResult(
      v1('pilot/acquire_jobs', {
        success: true,
        message: '',
        data: { StatusCode: 0, jobs: [{ PandaID: 1, StatusCode: 0, nSent: 1 }] },
      }),
    );
    expect(ok).toEqual({ kind: 'success', value: [{ PandaID: 1, StatusCode: 0, nSent: 1 }] });
    expect(
      v1Dialect.getJobsResult(
        v1('pilot/acquire_jobs', { success: false, message: 'No jobs in PanDA', data: null }),
      ),
    ).toEqual({ kind: 'success', value: [] });
    const arg = v1Dialect.getJobsResult(
      v1('pilot/acquire_jobs', {
        success: false,
        message: "Argument error: got an unexpected keyword argument 'resourceType'",
        data: null,
      }),
    );
    expect(arg.kind).toBe('fatal');
    const repr = v1Dialect.getJobsResult(
      v1('pilot/acquire_jobs', "{'success': True, 'message': '', 'data': None}"),
    );
    expect(repr.kind).toBe('retry');
    expect(repr.kind !== 'success' && repr.diag).toMatch(/pilot\/acquire_jobs: HTTP 200: a Python repr/);
    const garbage = v1Dialect.getJobsResult(v1('pilot/acquire_jobs', '<html>Bad gateway</html>'));
    // The body of an acquire_jobs answer is never quoted (job dictionaries hold secrets).
    expect(garbage.kind !== 'success' && garbage.diag).toBe(
      'pilot/acquire_jobs: HTTP 200: not JSON; body: (24 bytes, not shown: it may hold job secrets)',
    );
    const secret = v1Dialect.getJobsResult(
      v1('pilot/acquire_jobs', {
        success: true,
        message: '',
        data: { StatusCode: 0, jobs: { secrets: 's3cr3t' } },
      }),
    );
    expect(secret.kind !== 'success' && secret.diag).toMatch(
      /^pilot\/acquire_jobs: HTTP 200: data.jobs is not a list; body: \(\d+ bytes, not shown/,
    );
    expect(JSON.stringify(secret)).not.toContain('s3cr3t');
    const noAuth = v1Dialect.getJobsResult(
      v1('pilot/acquire_jobs', { success: false, message: 'SSL secure connection is required', data: null }),
    );
    expect(noAuth.kind).toBe('retry');
  });

  it('update_jobs_bulk: per job success with command, 30 retried, 50 and argument errors fatal, short list retried', () => {
    const js = jobs(1, 2, 3, 4, 5);
    const answer = v1('pilot/update_jobs_bulk', {
      success: true,
      message: '',
      data: [
        { success: true, message: '', data: { StatusCode: 0, command: 'tobekilled' } },
        { success: true, message: '', data: { StatusCode: 0, command: 'NULL' } },
        { success: false, message: 'unknown job', data: { StatusCode: 30, ErrorDiag: 'job not found' } },
        { success: false, message: "Argument error: got an unexpected keyword argument 'token'", data: null },
      ],
    });
    const out = v1Dialect.updateJobsResult(answer, js);
    // StatusCode 30 (SC_Failed) also means the server failed to apply it: sent again, like Harvester.
    expect(kinds(out)).toEqual(['success', 'success', 'retry', 'fatal', 'retry']);
    expect(out[0]).toEqual({ kind: 'success', value: { command: 'tobekilled' } });
    expect(out[1]).toEqual({ kind: 'success', value: {} });
    expect(out[2]?.kind !== 'success' && out[2]?.diag).toBe(
      'pilot/update_jobs_bulk: job 3 not updated: StatusCode=30 job not found',
    );
    expect(out[4]?.kind !== 'success' && out[4]?.diag).toMatch(
      /job 5: no answer \(the server answered 4 of 5 jobs\)/,
    );
    const invalid = v1Dialect.updateJobsResult(
      v1('pilot/update_jobs_bulk', {
        success: true,
        message: '',
        data: [{ success: false, message: 'invalid status', data: { StatusCode: 50 } }, 'junk'],
      }),
      jobs(1, 2),
    );
    expect(kinds(invalid)).toEqual(['fatal', 'retry']);
  });

  it('update_jobs_bulk: a whole-call failure or a non-list fails every job the same way', () => {
    expect(kinds(v1Dialect.updateJobsResult(v1('pilot/update_jobs_bulk', 'oops'), jobs(1, 2)))).toEqual([
      'retry',
      'retry',
    ]);
    expect(
      kinds(
        v1Dialect.updateJobsResult(
          v1('pilot/update_jobs_bulk', {
            success: false,
            message: "Type error: 'job_list' must be of type list",
          }),
          jobs(1, 2),
        ),
      ),
    ).toEqual(['fatal', 'fatal']);
    expect(
      kinds(v1Dialect.updateJobsResult(v1('pilot/update_jobs_bulk', { success: true, data: {} }), jobs(1))),
    ).toEqual(['retry']);
  });

  it('job/get_status: unknown is inactive, running active, missing items retry', () => {
    const out = v1Dialect.checkJobsResult(
      v1('job/get_status', {
        success: true,
        message: '',
        data: [
          { status: 'running', command: 'NULL' },
          { status: 'unknown', command: 'tobekilled' },
        ],
      }),
      [1, 2, 3],
    );
    expect(out).toEqual([
      { kind: 'success', value: { active: true, status: 'running' } },
      { kind: 'success', value: { active: false, status: 'unknown', command: 'tobekilled' } },
      expect.objectContaining({ kind: 'retry' }),
    ]);
  });

  it('acquire_event_ranges: both the bare list and {StatusCode, eventRanges}', () => {
    const r = { eventRangeID: '1-2-3-4-1', startEvent: 0, lastEvent: 9, LFN: 'f', GUID: 'g', scope: 's' };
    expect(
      v1Dialect.getEventRangesResult(
        v1('event/acquire_event_ranges', { success: true, message: '', data: [r] }),
      ),
    ).toEqual({ kind: 'success', value: [r] });
    expect(
      v1Dialect.getEventRangesResult(
        v1('event/acquire_event_ranges', {
          success: true,
          message: '',
          data: { StatusCode: 0, eventRanges: [r] },
        }),
      ),
    ).toEqual({ kind: 'success', value: [r] });
    expect(
      v1Dialect.getEventRangesResult(
        v1('event/acquire_event_ranges', {
          success: true,
          message: '',
          data: { StatusCode: 0, eventRanges: [] },
        }),
      ),
    ).toEqual({ kind: 'success', value: [] });
    expect(
      v1Dialect.getEventRangesResult(
        v1('event/acquire_event_ranges', { success: true, data: { StatusCode: 30 } }),
      ).kind,
    ).toBe('retry');
  });

  it('update_event_ranges: per-batch outcomes from the flat Returns list, bare list accepted', () => {
    const batches: EventRangeUpdateBatch[] = [
      {
        pandaID: 1,
        eventRanges: [
          { eventRangeID: 'a', eventStatus: 'finished' },
          { eventRangeID: 'b', eventStatus: 'finished' },
        ],
      },
      { pandaID: 2, eventRanges: [{ eventRangeID: 'c', eventStatus: 'failed' }] },
      { pandaID: 3, eventRanges: [{ eventRangeID: 'd', eventStatus: 'running' }] },
      { pandaID: 4, eventRanges: [{ eventRangeID: 'e', eventStatus: 'finished' }] },
    ];
    const out = v1Dialect.updateEventRangesResult(
      v1('event/update_event_ranges', {
        success: true,
        message: '',
        data: { StatusCode: 0, Returns: [true, true, false, null], Commands: {} },
      }),
      batches,
    );
    expect(kinds(out)).toEqual(['success', 'fatal', 'success', 'retry']);
    const bare = v1Dialect.updateEventRangesResult(
      v1('event/update_event_ranges', { success: true, message: '', data: [true, true, true, null, true] }),
      batches,
    );
    expect(kinds(bare)).toEqual(['success', 'success', 'success', 'success']);
  });

  it('update_workers: one boolean per worker; a short list retries the rest', () => {
    const ws = [1, 2, 3].map((workerID) => makeWorkSpec({ workerID }));
    expect(
      kinds(
        v1Dialect.updateWorkersResult(
          v1('harvester/update_workers', { success: true, data: [true, false] }),
          ws,
        ),
      ),
    ).toEqual(['success', 'retry', 'retry']);
    expect(
      kinds(
        v1Dialect.updateWorkersResult(
          v1('harvester/update_workers', { success: false, message: 'database error in the PanDA server' }),
          ws,
        ),
      ),
    ).toEqual(['retry', 'retry', 'retry']);
  });

  it('plain calls: success, refusal, non-200', () => {
    expect(
      v1Dialect.isAliveResult(v1('harvester/heartbeat', { success: true, message: '', data: null })),
    ).toEqual({
      kind: 'success',
      value: undefined,
    });
    expect(
      v1Dialect.ackCommandsResult(v1('harvester/acknowledge_commands', { success: false, message: 'failed' }))
        .kind,
    ).toBe('retry');
    const forbidden = v1Dialect.sendDialogMessagesResult(
      v1('harvester/add_dialogs', 'ERROR : Token authentication failed.', 403),
    );
    expect(forbidden.kind !== 'success' && forbidden.diag).toBe(
      'harvester/add_dialogs: HTTP 403: unexpected status; body: ERROR : Token authentication failed.',
    );
  });
});

describe('legacy requests and answers', () => {
  it('getJob: camelCase form values as strings, legacy criteria kept', () => {
    const { call, dropped } = legacyDialect.getJobs(
      {
        siteName: 'SITE_A',
        nodeName: 'n',
        prodSourceLabel: 'managed',
        computingElement: 'CE',
        nJobs: 2,
        additionalCriteria: { resourceType: 'MCORE', resource_type: 'X', nope: '1' },
      },
      'h1',
    );
    expect(call.form).toEqual({
      siteName: 'SITE_A',
      node: 'n',
      prodSourceLabel: 'managed',
      computingElement: 'CE',
      nJobs: '2',
      schedulerID: 'harvester-h1',
      harvester_id: 'h1',
      resourceType: 'X',
    });
    expect(dropped).toEqual(['nope']);
  });

  it('getJob answers: jobs, no jobs (StatusCode 20), urlencoded, single dict', () => {
    const a = (body: string) => ({ endpoint: 'getJob', status: 200, body });
    expect(legacyDialect.getJobsResult(a('{"StatusCode": 0, "jobs": [{"PandaID": 4}]}'))).toEqual({
      kind: 'success',
      value: [{ PandaID: 4 }],
    });
    expect(legacyDialect.getJobsResult(a('{"StatusCode": 20, "errorDialog": "no jobs in PanDA"}'))).toEqual({
      kind: 'success',
      value: [],
    });
    expect(legacyDialect.getJobsResult(a('StatusCode=20'))).toEqual({ kind: 'success', value: [] });
    expect(legacyDialect.getJobsResult(a('{"StatusCode": 0, "PandaID": 9}'))).toEqual({
      kind: 'success',
      value: [{ StatusCode: 0, PandaID: 9 }],
    });
    expect(legacyDialect.getJobsResult(a('{"StatusCode": 40}')).kind).toBe('retry');
  });

  it('updateJobsInBulk: [true, [{type, content}]] per job (30 retried); [false, TypeError] fatal for one job only; short list', () => {
    const answer = {
      endpoint: 'updateJobsInBulk',
      status: 200,
      body: JSON.stringify([
        true,
        [
          { type: 'json', content: JSON.stringify({ StatusCode: 0, command: 'tobekilled' }) },
          { type: 'json', content: JSON.stringify({ StatusCode: 30, ErrorDiag: 'unknown' }) },
          { type: 'json', content: 'not json' },
        ],
      ]),
    };
    const out = legacyDialect.updateJobsResult(answer, jobs(1, 2, 3, 4));
    expect(kinds(out)).toEqual(['success', 'retry', 'retry', 'retry']);
    expect(out[0]).toEqual({ kind: 'success', value: { command: 'tobekilled' } });
    expect(out[1]?.kind !== 'success' && out[1]?.diag).toBe(
      'updateJobsInBulk: job 2 not updated: StatusCode=30 unknown',
    );
    const typeError = {
      endpoint: 'updateJobsInBulk',
      status: 200,
      body: '[false, "updateJobsInBulk h1 failed with TypeError updateJob() got an unexpected keyword argument"]',
    };
    // The list fails for one job: which one only a list of one says.
    const refused = legacyDialect.updateJobsResult(typeError, jobs(1, 2));
    expect(kinds(refused)).toEqual(['retry', 'retry']);
    expect(refused[0]?.kind !== 'success' && refused[0]?.diag).toMatch(
      /TypeError .* \(for one of the 2 jobs sent together\)$/,
    );
    expect(legacyDialect.updateJobsRefusedAsWhole(typeError)).toBe(true);
    expect(kinds(legacyDialect.updateJobsResult(typeError, jobs(1)))).toEqual(['fatal']);
    expect(legacyDialect.updateJobsRefusedAsWhole(answer)).toBe(false);
    expect(
      legacyDialect.updateJobsRefusedAsWhole({
        endpoint: 'updateJobsInBulk',
        status: 200,
        body: '[false, "database error"]',
      }),
    ).toBe(false);
    expect(v1Dialect.updateJobsRefusedAsWhole(typeError)).toBe(false);
    const form = legacyDialect.updateJobs(jobs(1), 'h1').form as Record<string, string>;
    expect(JSON.parse(form.jobList as string)[0]).toMatchObject({ jobId: 1, state: 'running' });
    expect(form.harvester_id).toBe('h1');
  });

  it('checkJobStatus: ids as a comma list, data per job', () => {
    expect(legacyDialect.checkJobs([1, 2]).form).toEqual({ ids: '1,2' });
    const out = legacyDialect.checkJobsResult(
      {
        endpoint: 'checkJobStatus',
        status: 200,
        body: '{"StatusCode": 0, "data": [{"status": "finished", "command": "NULL"}]}',
      },
      [1, 2],
    );
    expect(out).toEqual([
      { kind: 'success', value: { active: false, status: 'finished' } },
      expect.objectContaining({ kind: 'retry' }),
    ]);
  });

  it('pairs: updateWorkers, harvesterIsAlive, reportWorkerStats_jobtype, addHarvesterDialogs', () => {
    const a = (endpoint: string, body: string) => ({ endpoint, status: 200, body });
    const ws = [1, 2].map((workerID) => makeWorkSpec({ workerID }));
    expect(kinds(legacyDialect.updateWorkersResult(a('updateWorkers', '[true, [true, true]]'), ws))).toEqual([
      'success',
      'success',
    ]);
    expect(
      kinds(legacyDialect.updateWorkersResult(a('updateWorkers', '[false, "failed to load JSON"]'), ws)),
    ).toEqual(['fatal', 'fatal']);
    expect(legacyDialect.isAliveResult(a('harvesterIsAlive', '[true, "no instance record"]')).kind).toBe(
      'success',
    );
    expect(legacyDialect.updateWorkerStatsResult(a('reportWorkerStats_jobtype', '[true, "OK"]')).kind).toBe(
      'success',
    );
    expect(legacyDialect.sendDialogMessagesResult(a('addHarvesterDialogs', '[true, ""]')).kind).toBe(
      'success',
    );
    expect(legacyDialect.sendDialogMessagesResult(a('addHarvesterDialogs', 'alive=yes')).kind).toBe('retry');
  });

  it('event ranges, commands, acknowledgements', () => {
    const a = (endpoint: string, body: unknown) => ({ endpoint, status: 200, body: JSON.stringify(body) });
    expect(legacyDialect.getEventRanges({ pandaID: 1, jobsetID: 2, nRanges: 5 }, 5, true)).toEqual({
      endpoint: 'getEventRanges',
      method: 'POST',
      form: { pandaID: '1', jobsetID: '2', nRanges: '5', scattered: 'True' },
      idempotent: false,
    });
    expect(legacyDialect.getCommands(5, 'h1').idempotent).toBe(false);
    expect(
      legacyDialect.getJobs(
        {
          siteName: 'S',
          nodeName: '',
          prodSourceLabel: '',
          computingElement: '',
          nJobs: 1,
          additionalCriteria: {},
        },
        'h1',
      ).call,
    ).toMatchObject({
      endpoint: 'getJob',
      idempotent: false,
      redactAnswer: true,
    });
    expect(
      legacyDialect.getEventRangesResult(
        a('getEventRanges', { StatusCode: 0, eventRanges: [{ eventRangeID: 'x' }] }),
      ),
    ).toEqual({ kind: 'success', value: [{ eventRangeID: 'x' }] });
    expect(
      kinds(
        legacyDialect.updateEventRangesResult(
          a('updateEventRanges', { StatusCode: 0, Returns: '[true]', Command: '{}' }),
          [{ pandaID: 1, eventRanges: [{ eventRangeID: 'x', eventStatus: 'finished' }] }],
        ),
      ),
    ).toEqual(['success']);
    expect(
      legacyDialect.getCommandsResult(
        a('getCommands', { StatusCode: 0, Returns: 0, Commands: [{ command_id: 1, command: 'X' }] }),
      ),
    ).toEqual({ kind: 'success', value: [{ command_id: 1, command: 'X' }] });
    expect(legacyDialect.ackCommands([1, 2]).form).toEqual({ command_ids: '[1,2]' });
    expect(legacyDialect.ackCommandsResult(a('ackCommands', { StatusCode: 0, Returns: 0 })).kind).toBe(
      'success',
    );
    expect(legacyDialect.ackCommandsResult(a('ackCommands', { StatusCode: 0, Returns: -1 })).kind).toBe(
      'retry',
    );
  });
});
