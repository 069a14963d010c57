// The fake PanDA server's API v1 over real HTTP: each endpoint's answer, the argument errors
// with the real server's messages, the Content-Type/Accept rules, GET casting.
import { pandaJobUpdateV1, pandaUpdateJobsBulkBody } from '@harvester-ts/core';
import { type FakePandaServer, makeJobSpec, makePandaJob, startFakePandaServer } from '../src/index.js';
import { call, v1 } from './panda-server-helpers.js';

let server: FakePandaServer;

beforeEach(async () => {
  server = await startFakePandaServer();
});

afterEach(async () => {
  await server.close();
});

function addJobs(...ids: number[]): void {
  server.wms.addJobs(...ids.map((PandaID) => makePandaJob({ PandaID, computingSite: 'SITE_A' })));
}

async function acquire(n: number): Promise<number[]> {
  const r = await v1(server, 'pilot/acquire_jobs', { json: { site_name: 'SITE_A', n_jobs: n } });
  return ((r.envelope.data as { jobs: { PandaID: number }[] }).jobs ?? []).map((j) => j.PandaID);
}

describe('answers and content types', () => {
  it('answers is_alive with a JSON envelope labelled text/plain when JSON is accepted', async () => {
    const r = await call(server, '/api/v1/system/is_alive');
    expect(r.status).toBe(200);
    expect(r.contentType).toBe('text/plain');
    expect(r.text).toBe('{"success": true, "message": "", "data": null}');
  });

  it("answers with Python's str() of the dict when neither Content-Type nor Accept is application/json", async () => {
    const r = await call(server, '/api/v1/system/is_alive', { acceptJson: false });
    expect(r.text).toBe("{'success': True, 'message': '', 'data': None}");
    const withCharset = await call(server, '/api/v1/system/is_alive', {
      acceptJson: false,
      headers: { Accept: 'application/json, text/plain' },
    });
    expect(withCharset.text).toBe("{'success': True, 'message': '', 'data': None}");
  });

  it('answers JSON to a POST with Content-Type application/json even without Accept', async () => {
    addJobs(1);
    const r = await call(server, '/api/v1/pilot/acquire_jobs', {
      json: { site_name: 'SITE_A' },
      acceptJson: false,
    });
    expect(JSON.parse(r.text).data.jobs[0].PandaID).toBe(1);
  });

  it('serves /api/latest like /api/v1', async () => {
    const r = await call(server, '/api/latest/system/is_alive');
    expect(JSON.parse(r.text)).toEqual({ success: true, message: '', data: null });
  });

  it('refuses unknown modules and methods with HTTP 403 text/plain', async () => {
    for (const path of ['/api/v1/nope/is_alive', '/api/v1/system/nope', '/api/v2/system/is_alive']) {
      const r = await call(server, path);
      expect(r.status).toBe(403);
      expect(r.contentType).toBe('text/plain');
    }
    expect((await call(server, '/api/v1/system/nope')).text).toBe('ERROR : method nope is forbidden');
  });

  it('does not see JSON parameters sent with Content-Type "application/json; charset=utf-8"', async () => {
    addJobs(1);
    const r = await call(server, '/api/v1/pilot/acquire_jobs', {
      body: JSON.stringify({ site_name: 'SITE_A' }),
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      acceptJson: false,
    });
    expect(r.status).toBe(200);
    expect(r.text).toBe(
      `{'success': False, 'message': "Argument error: missing a required argument: 'site_name'", 'data': None}`,
    );
    expect(server.wms.jobsQueued).toEqual([1]);
  });

  it('reads gzip-compressed JSON bodies', async () => {
    addJobs(1);
    const r = await v1(server, 'pilot/acquire_jobs', { json: { site_name: 'SITE_A' }, gzip: true });
    expect(r.envelope.success).toBe(true);
  });

  it('answers invalid JSON with HTTP 500', async () => {
    const r = await call(server, '/api/v1/pilot/acquire_jobs', {
      body: '{"site_name": ',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(r.status).toBe(500);
    expect(r.text).toMatch(
      /^ERROR : received invalid JSON : Expecting value: line 1 column \d+ \(char \d+\)$/,
    );
    const empty = await call(server, '/api/v1/pilot/acquire_jobs', {
      method: 'POST',
      body: '',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(empty.text).toBe('ERROR : received invalid JSON : Expecting value: line 1 column 1 (char 0)');
  });

  it('answers a JSON body that is not an object with HTTP 500', async () => {
    const r = await call(server, '/api/v1/pilot/acquire_jobs', { json: ['SITE_A'] });
    expect(r.status).toBe(500);
    expect(r.text).toBe(
      'pandaserver.api.v1.pilot_api.acquire_jobs() argument after ** must be a mapping, not list',
    );
  });

  it('answers the wrong HTTP method with success=false', async () => {
    const get = await v1(server, 'pilot/acquire_jobs', { query: { site_name: 'SITE_A' } });
    expect(get.status).toBe(200);
    expect(get.envelope).toEqual({ success: false, message: 'expecting POST, received GET', data: null });
    const post = await v1(server, 'job/get_status', { json: { job_ids: [1] } });
    expect(post.envelope.message).toBe('expecting GET, received POST');
  });

  it('records each request with its parsed parameters', async () => {
    await v1(server, 'job/get_status', { query: { job_ids: [3, 4], timeout: '30' } });
    const [req] = server.requestsTo('job/get_status');
    expect(req).toMatchObject({
      method: 'GET',
      path: '/api/v1/job/get_status',
      api: 'v1',
      status: 200,
      success: true,
      auth: 'none',
      params: { job_ids: [3, 4], timeout: 30 },
    });
    expect(server.requests).toHaveLength(1);
  });
});

describe('argument checks', () => {
  it('reports missing and unexpected keyword arguments', async () => {
    expect((await v1(server, 'pilot/acquire_jobs', { json: {} })).envelope).toEqual({
      success: false,
      message: "Argument error: missing a required argument: 'site_name'",
      data: null,
    });
    expect((await v1(server, 'pilot/acquire_jobs', { json: { siteName: 'SITE_A' } })).envelope.message).toBe(
      "Argument error: missing a required argument: 'site_name'",
    );
    // Harvester's job fetcher merges {resourceType: ...} into the body: the real server refuses it.
    expect(
      (await v1(server, 'pilot/acquire_jobs', { json: { site_name: 'SITE_A', resourceType: 'SCORE' } }))
        .envelope.message,
    ).toBe("Argument error: got an unexpected keyword argument 'resourceType'");
  });

  it('type-checks POSTed values strictly', async () => {
    const r = await v1(server, 'pilot/acquire_jobs', { json: { site_name: 'SITE_A', n_jobs: '5' } });
    expect(r.envelope.message).toBe("Type error: 'n_jobs' must be of type int, got str.");
    const f = await v1(server, 'pilot/acquire_jobs', { json: { site_name: 'SITE_A', n_jobs: 1.5 } });
    expect(f.envelope.message).toBe("Type error: 'n_jobs' must be of type int, got float.");
    const hb = await v1(server, 'harvester/heartbeat', { json: { harvester_id: 'h', data: [] } });
    expect(hb.envelope.message).toBe("Type error: 'data' must be of type dict, got list.");
    const ids = await v1(server, 'harvester/acknowledge_commands', { json: { command_ids: 3 } });
    expect(ids.envelope.message).toBe("Type error: 'command_ids' must be of type list, got int.");
    // A POST without JSON is a form: its values are str and fail the int check.
    const form = await v1(server, 'pilot/acquire_jobs', { form: { site_name: 'SITE_A', n_jobs: '2' } });
    expect(form.envelope.message).toBe("Type error: 'n_jobs' must be of type int, got str.");
  });

  it('casts GET values: int(float(v)), bools, "None", repeated keys as lists', async () => {
    addJobs(11, 12);
    await acquire(2);
    const r = await v1(server, 'pilot/get_job_status', {
      query: { job_ids: ['11.7', '12'], timeout: '1e2' },
    });
    expect(r.envelope.data).toEqual([
      { job_id: 11, status: 'sent', attempt_number: 1 },
      { job_id: 12, status: 'sent', attempt_number: 1 },
    ]);
    expect(server.requestsTo('pilot/get_job_status')[0]?.params).toEqual({ job_ids: [11, 12], timeout: 100 });
    const single = await v1(server, 'job/get_status', { query: { job_ids: '11' } });
    expect(single.envelope.data).toEqual([{ command: null, status: 'sent' }]);
    const proxy = await v1(server, 'creds/get_proxy', { query: { role: 'None' } });
    expect(server.requestsTo('creds/get_proxy')[0]?.params).toEqual({ role: null });
    expect(proxy.envelope.success).toBe(false);
  });

  it('refuses a comma-separated list and values that do not cast', async () => {
    const r = await v1(server, 'job/get_status', { query: { job_ids: '1,2' } });
    expect(r.envelope).toEqual({
      success: false,
      message: "Type error: 'job_ids' with value '['1,2']' could not be casted to type List from list.",
      data: null,
    });
    const t = await v1(server, 'job/get_status', { query: { job_ids: '1', timeout: 'soon' } });
    expect(t.envelope.message).toBe(
      "Type error: 'timeout' with value 'soon' could not be casted to type int from str.",
    );
    const s = await v1(server, 'harvester/get_current_worker_id', { query: { harvester_id: ['a', 'b'] } });
    expect(s.envelope.message).toBe("Type error: 'harvester_id' must be of type str, got list.");
  });
});

describe('pilot endpoints', () => {
  it('hands out matching jobs with StatusCode and nSent, each once', async () => {
    server.wms.addJobs(
      makePandaJob({ PandaID: 1, computingSite: 'SITE_A' }),
      makePandaJob({ PandaID: 2, computingSite: 'SITE_B' }),
      makePandaJob({ PandaID: 3, computingSite: 'SITE_A', prodSourceLabel: 'test' }),
      makePandaJob({ PandaID: 4, computingSite: 'SITE_A', coreCount: 8 }),
    );
    const r = await v1(server, 'pilot/acquire_jobs', {
      json: {
        site_name: 'SITE_A',
        n_jobs: 5,
        prod_source_label: 'managed',
        harvester_id: 'h1',
        worker_id: 7,
      },
    });
    const data = r.envelope.data as { StatusCode: number; jobs: Record<string, unknown>[] };
    expect(data.StatusCode).toBe(0);
    expect(data.jobs.map((j) => j.PandaID)).toEqual([1, 4]);
    expect(data.jobs[0]).toMatchObject({ StatusCode: 0, nSent: 2, computingSite: 'SITE_A', inFiles: '' });
    expect(Object.keys(data.jobs[0] ?? {})[0]).toBe('StatusCode');
    const rt = await v1(server, 'pilot/acquire_jobs', {
      json: { site_name: 'SITE_A', resource_type: 'MCORE' },
    });
    expect(rt.envelope).toEqual({ success: false, message: 'No jobs in PanDA', data: null });
    expect(server.wms.jobsHandedOut).toEqual([1, 4]);
    expect(server.wms.handOuts[0]?.criteria).toEqual({ siteName: 'SITE_A', prodSourceLabel: 'managed' });
  });

  it('answers "No jobs in PanDA" when nothing matches', async () => {
    const r = await v1(server, 'pilot/acquire_jobs', { json: { site_name: 'SITE_A' } });
    expect(r.envelope).toEqual({ success: false, message: 'No jobs in PanDA', data: null });
  });

  it('records the records core builds for pilot/update_jobs_bulk as WmsJobUpdates', async () => {
    addJobs(21);
    await acquire(1);
    const job = makeJobSpec({ PandaID: 21, computingSite: 'SITE_A', coreCount: 4 });
    job.status = 'finished';
    job.subStatus = 'done';
    job.startTime = new Date('2026-01-02T03:04:05Z');
    job.endTime = new Date('2026-01-02T04:05:06Z');
    job.metaData = { exitCode: 0 };
    job.outputFilesToReport = { 'out.root': { guid: 'G' } };
    job.jobAttributes = {
      token: 'secret',
      transExitCode: 0,
      cpuConsumptionTime: '120',
      node: 'wn1',
      maxRSS: 1024,
    };
    const body = pandaUpdateJobsBulkBody([pandaJobUpdateV1(job)], 'harvester-1');
    const r = await v1(server, 'pilot/update_jobs_bulk', { json: body });
    expect(r.envelope).toEqual({
      success: true,
      message: '',
      data: [{ success: true, message: '', data: { StatusCode: 0, command: 'NULL' } }],
    });
    const [update] = server.wms.updatesOf(21);
    expect(update).toMatchObject({
      PandaID: 21,
      status: 'finished',
      subStatus: 'done',
      attemptNr: 1,
      coreCount: 4,
      startTime: new Date('2026-01-02T03:04:05Z'),
      endTime: new Date('2026-01-02T04:05:06Z'),
      metaData: { exitCode: 0 },
      outputFilesToReport: { 'out.root': { guid: 'G' } },
      attributes: {
        transExitCode: 0,
        cpuConsumptionTime: 120,
        node: 'wn1',
        maxRSS: 1024,
        siteName: 'SITE_A',
      },
    });
    expect(server.wms.finalStatusOf(21)).toBe('finished');
  });

  it('answers each job of update_jobs_bulk in order with the real shapes', async () => {
    addJobs(31, 32, 33, 34);
    await acquire(3); // 34 is never dispatched
    server.wms.killJob(32);
    await v1(server, 'pilot/update_job', { json: { job_id: 33, job_status: 'failed' } });
    const r = await v1(server, 'pilot/update_jobs_bulk', {
      json: {
        job_list: [
          { job_id: 31, job_status: 'running', job_sub_status: 'running' },
          { job_id: 32, job_status: 'running' },
          { job_id: 33, job_status: 'running' },
          { job_id: 999, job_status: 'running' },
          { job_id: 999, job_status: 'finished', meta_data: '{"a": 1}' },
          { job_id: 31, job_status: 'done' },
          { job_id: 31, job_status: 'running', token: 'abc' },
          { job_id: 34, job_status: 'running' },
        ],
        harvester_id: 'h1',
      },
    });
    expect(r.envelope.success).toBe(true);
    expect(r.envelope.data).toEqual([
      { success: true, message: '', data: { StatusCode: 0, command: 'NULL' } },
      { success: true, message: '', data: { StatusCode: 0, command: 'tobekilled' } },
      { success: true, message: '', data: { StatusCode: 0, command: 'alreadydone' } },
      { success: true, message: '', data: { StatusCode: 0, command: 'tobekilled' } },
      {
        success: true,
        message: 'Failed to add meta_data',
        data: { StatusCode: 30, ErrorDiag: 'Failed to add meta_data' },
      },
      { success: false, message: 'Invalid job status: done', data: { StatusCode: 50 } },
      { success: false, message: "Argument error: got an unexpected keyword argument 'token'", data: null },
      {
        success: true,
        message: 'job 34 was never dispatched',
        data: { StatusCode: 30, ErrorDiag: 'job 34 was never dispatched' },
      },
    ]);
    expect(server.wms.statusHistoryOf(31)).toEqual(['running']);
    expect(server.wms.statusHistoryOf(32)).toEqual(['running']);
    expect(server.wms.statusHistoryOf(33)).toEqual(['failed']);
  });

  it('answers a WMS refusal with StatusCode 30, retryable or not, and records nothing for it', async () => {
    addJobs(61, 62);
    await acquire(2);
    server.wms.rejectJobUpdates(61, { error: 'database busy', retryable: true });
    server.wms.rejectJobUpdates(62, { error: 'refused for good', retryable: false });
    const send = () =>
      v1(server, 'pilot/update_jobs_bulk', {
        json: {
          job_list: [
            { job_id: 61, job_status: 'running' },
            { job_id: 62, job_status: 'running' },
          ],
        },
      });
    const r = await send();
    // What the real server sends for any failure to apply: StatusCode 30 with the ErrorDiag.
    expect(r.envelope.data).toEqual([
      { success: true, message: 'database busy', data: { StatusCode: 30, ErrorDiag: 'database busy' } },
      {
        success: true,
        message: 'refused for good',
        data: { StatusCode: 30, ErrorDiag: 'refused for good' },
      },
    ]);
    expect(server.wms.updatesOf(61)).toEqual([]);
    expect(server.wms.updatesOf(62)).toEqual([]);
    expect(server.wms.statusOf(61)).toBe('sent');
    // Sent again, both are applied.
    const again = await send();
    expect((again.envelope.data as { data: unknown }[]).map((x) => x.data)).toEqual([
      { StatusCode: 0, command: 'NULL' },
      { StatusCode: 0, command: 'NULL' },
    ]);
    expect(server.wms.statusHistoryOf(61)).toEqual(['running']);
    expect(server.wms.statusHistoryOf(62)).toEqual(['running']);
  });

  it('fails the whole update_jobs_bulk call for a job without job_id (earlier jobs applied)', async () => {
    addJobs(41);
    await acquire(1);
    const r = await v1(server, 'pilot/update_jobs_bulk', {
      json: { job_list: [{ job_id: 41, job_status: 'running' }, { job_status: 'running' }] },
    });
    expect(r.envelope).toEqual({ success: false, message: "failed with KeyError 'job_id'", data: [] });
    expect(server.wms.statusHistoryOf(41)).toEqual(['running']);
    const s = await v1(server, 'pilot/update_jobs_bulk', { json: { job_list: ['x'] } });
    expect(s.envelope.message).toBe("failed with TypeError string indices must be integers, not 'str'");
  });

  it('answers update_job with StatusCode and command', async () => {
    addJobs(51);
    await acquire(1);
    const r = await v1(server, 'pilot/update_job', {
      json: { job_id: 51, job_status: 'running', attempt_nr: 1, core_count: 2, pilot_error_code: 0 },
    });
    expect(r.envelope).toEqual({ success: true, message: '', data: { StatusCode: 0, command: 'NULL' } });
    expect(server.wms.updatesOf(51)[0]).toMatchObject({ coreCount: 2, attributes: { pilotErrorCode: 0 } });
    const bad = await v1(server, 'pilot/update_job', { json: { job_id: '51', job_status: 'running' } });
    expect(bad.envelope.message).toBe("Type error: 'job_id' must be of type int, got str.");
  });

  it('reports job status for pilot/get_job_status and job/get_status in request order', async () => {
    addJobs(61, 62, 63);
    await acquire(2);
    server.wms.killJob(62);
    await v1(server, 'pilot/update_job', { json: { job_id: 61, job_status: 'running', attempt_nr: 2 } });
    const p = await v1(server, 'pilot/get_job_status', { query: { job_ids: [61, 63, 404] } });
    expect(p.envelope.data).toEqual([
      { job_id: 61, status: 'running', attempt_number: 2 },
      { job_id: 63, status: 'not found', attempt_number: 0 },
      { job_id: 404, status: 'not found', attempt_number: 0 },
    ]);
    const j = await v1(server, 'job/get_status', { query: { job_ids: [404, 62, 61, 63] } });
    expect(j.envelope.data).toEqual([
      { command: 'tobekilled', status: 'unknown' },
      { command: 'tobekilled', status: 'sent' },
      { command: null, status: 'running' },
      { command: null, status: 'activated' },
    ]);
  });
});

describe('event service endpoints', () => {
  it('hands out event ranges as a bare list, counts what is left, records updates', async () => {
    addJobs(71);
    await acquire(1);
    server.wms.addEventRanges(71, 3);
    const count = await v1(server, 'event/get_available_event_range_count', {
      query: { job_id: 71, jobset_id: 1, task_id: 1 },
    });
    expect(count.envelope.data).toBe(3);
    const r = await v1(server, 'event/acquire_event_ranges', {
      json: { job_id: 71, jobset_id: 1, n_ranges: 2 },
    });
    const ranges = r.envelope.data as { eventRangeID: string }[];
    expect(ranges.map((x) => x.eventRangeID)).toEqual(['71-1-1', '71-1-2']);
    expect(ranges[0]).toMatchObject({ startEvent: 1, lastEvent: 10, LFN: 'EVNT.71.pool.root' });
    server.wms.killJob(71);
    const u = await v1(server, 'event/update_event_ranges', {
      json: {
        event_ranges: JSON.stringify([
          {
            eventRanges: [
              { eventRangeID: '71-1-1', eventStatus: 'finished' },
              { eventRangeID: 'nope', eventStatus: 'finished' },
            ],
            zipFile: { lfn: 'z.zip', objstoreID: 3, fsize: 10, adler32: '0a0b0c0d', pathConvention: 1000 },
          },
        ]),
        version: 1,
      },
    });
    expect(u.envelope.data).toEqual({
      StatusCode: 0,
      Returns: [true, false],
      Commands: { '71': 'tobekilled' },
    });
    expect(server.wms.eventRangeStatusOf('71-1-1')).toBe('finished');
    expect(server.wms.eventUpdatesOf(71)[0]?.zipFile).toEqual({
      lfn: 'z.zip',
      objstoreID: 3,
      fsize: 10,
      checksum: 'ad:0a0b0c0d',
    });
    const typed = await v1(server, 'event/update_event_ranges', { json: { event_ranges: [] } });
    expect(typed.envelope.message).toBe("Type error: 'event_ranges' must be of type str, got list.");
  });
});

describe('harvester endpoints', () => {
  it('records heartbeats; the first of an instance is a database error, like the real server', async () => {
    const data = { startTime: 'datetime/2026-01-01 00:00:00.000000', sw_version: '1.0', commit_stamp: 'abc' };
    const first = await v1(server, 'harvester/heartbeat', { json: { harvester_id: 'h1', data } });
    expect(first.envelope).toEqual({
      success: false,
      message: 'database error in the PanDA server',
      data: null,
    });
    const second = await v1(server, 'harvester/heartbeat', { json: { harvester_id: 'h1', data } });
    expect(second.envelope).toEqual({ success: true, message: '', data: null });
    expect(server.wms.heartbeats.map((h) => h.data)).toEqual([data, data]);
    expect(server.heartbeats.map((h) => h.harvesterId)).toEqual(['h1', 'h1']);
    const noData = await v1(server, 'harvester/heartbeat', { json: { harvester_id: 'h1' } });
    expect(noData.envelope.success).toBe(false);
  });

  it('hands out commands and records acknowledgements', async () => {
    const id = server.wms.addCommand('KILL_WORKERS', { status: ['running'], computingSite: ['SITE_A'] });
    server.wms.addCommand('REPORT_WORKER_STATS:SITE_A', null, { ackRequested: false });
    const r = await v1(server, 'harvester/acquire_commands', { json: { harvester_id: 'h1', n_commands: 1 } });
    const [cmd] = r.envelope.data as Record<string, unknown>[];
    expect(cmd).toMatchObject({
      command_id: id,
      command: 'KILL_WORKERS',
      params: { status: ['running'], computingSite: ['SITE_A'] },
      ack_requested: 1,
    });
    expect(cmd?.creation_date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/);
    const ack = await v1(server, 'harvester/acknowledge_commands', { json: { command_ids: [id] } });
    expect(ack.envelope).toEqual({ success: true, message: '', data: null });
    expect(server.wms.commandsAcked).toEqual([id]);
    const empty = await v1(server, 'harvester/acknowledge_commands', { json: { command_ids: [] } });
    expect(empty.envelope).toEqual({
      success: false,
      message: 'database error in the PanDA server',
      data: null,
    });
  });

  it('records worker updates, one true per worker, and knows the highest workerID', async () => {
    const workers = [
      {
        workerID: 5,
        batchID: '123.0',
        queueName: 'SITE_A',
        status: 'running',
        computingSite: 'SITE_A',
        nCore: 8,
        submitTime: '2026-01-01 10:00:00',
        pandaid_list: [1, 2],
        resourceType: 'MCORE',
      },
      { workerID: 9, status: 'submitted', computingSite: 'SITE_A' },
    ];
    const r = await v1(server, 'harvester/update_workers', { json: { harvester_id: 'h1', workers } });
    expect(r.envelope).toEqual({ success: true, message: '', data: [true, true] });
    expect(server.wms.workerUpdatesOf(5)[0]).toMatchObject({
      workerID: 5,
      harvesterID: 'h1',
      batchID: '123.0',
      nCore: 8,
      submitTime: new Date('2026-01-01T10:00:00Z'),
      pandaIDs: [1, 2],
      resourceType: 'MCORE',
    });
    expect(
      (await v1(server, 'harvester/get_current_worker_id', { query: { harvester_id: 'h1' } })).envelope.data,
    ).toBe(9);
    const unknown = await v1(server, 'harvester/get_current_worker_id', { query: { harvester_id: 'h2' } });
    expect(unknown.envelope.success).toBe(false);
    for (const bad of [[], [{ status: 'running' }]]) {
      const e = await v1(server, 'harvester/update_workers', { json: { harvester_id: 'h1', workers: bad } });
      expect(e.envelope).toEqual({
        success: false,
        message: 'database error in the PanDA server',
        data: null,
      });
    }
  });

  it('records worker statistics and answers get_worker_statistics', async () => {
    const stats = { managed: { SCORE: { running: 3, submitted: 1 }, Undefined: { running: 9 } } };
    const r = await v1(server, 'harvester/report_worker_statistics', {
      json: { harvester_id: 'h1', panda_queue: 'SITE_A', statistics: JSON.stringify(stats) },
    });
    expect(r.envelope).toEqual({ success: true, message: 'OK', data: null });
    expect(server.wms.workerStatsReports[0]).toMatchObject({ siteName: 'SITE_A', stats });
    const all = await v1(server, 'harvester/get_worker_statistics');
    expect(all.envelope.data).toEqual({
      SITE_A: { h1: { managed: { SCORE: { running: 3, submitted: 1 } } } },
    });
    const bad = await v1(server, 'harvester/report_worker_statistics', {
      json: { harvester_id: 'h1', panda_queue: 'SITE_A', statistics: 'nope' },
    });
    expect(bad.envelope).toEqual({ success: false, message: 'database error', data: null });
  });

  it('records dialogs and service metrics', async () => {
    const dialogs = [
      {
        diagID: 1,
        moduleName: 'submitter',
        identifier: null,
        creationTime: '2026-01-01 00:00:00.123456',
        messageLevel: 'ERROR',
        diagMessage: 'boom',
      },
    ];
    expect(
      (await v1(server, 'harvester/add_dialogs', { json: { harvester_id: 'h1', dialogs } })).envelope,
    ).toEqual({
      success: true,
      message: '',
      data: null,
    });
    expect(server.wms.dialogs[0]).toMatchObject({ diagID: 1, moduleName: 'submitter', diagMessage: 'boom' });
    const metrics = [['2026-01-01 00:00:00.000001', 'host1', '{"cpu": 1}']];
    const m = await v1(server, 'harvester/update_service_metrics', { json: { harvester_id: 'h1', metrics } });
    expect(m.envelope).toEqual({ success: true, message: '', data: [true] });
    expect(server.serviceMetrics).toEqual([
      { harvesterId: 'h1', metrics: metrics[0], at: expect.any(Number) },
    ]);
    const bad = await v1(server, 'harvester/update_service_metrics', {
      json: { harvester_id: 'h1', metrics: [['yesterday', 'host1', '{}']] },
    });
    expect(bad.envelope.success).toBe(false);
  });
});

describe('other endpoints', () => {
  it('answers resource types and job statistics', async () => {
    const rt = await v1(server, 'metaconfig/get_resource_types');
    expect((rt.envelope.data as { resource_name: string }[]).map((r) => r.resource_name)).toEqual([
      'SCORE',
      'SCORE_HIMEM',
      'MCORE',
      'MCORE_HIMEM',
    ]);
    const none = await v1(server, 'statistics/active_job_stats_by_site');
    expect(none.envelope).toEqual({
      success: false,
      message: 'Database failure getting the job statistics',
      data: {},
    });
    addJobs(81, 82);
    await acquire(1);
    expect((await v1(server, 'statistics/active_job_stats_by_site')).envelope.data).toEqual({
      SITE_A: { sent: 1, activated: 1 },
    });
    expect((await v1(server, 'statistics/active_job_detailed_stats_by_site')).envelope.data).toEqual({
      SITE_A: { SCORE: { managed: { sent: 1, activated: 1 } } },
    });
  });

  it('answers creds with the configured credentials', async () => {
    await server.close();
    server = await startFakePandaServer({
      credentials: { proxy: 'PROXY PEM', tokenKeys: { harvester: 'tk' }, keys: { pub: 'P', priv: 'S' } },
    });
    expect((await v1(server, 'creds/get_proxy', { query: { role: 'production' } })).envelope.data).toEqual({
      user_proxy: 'PROXY PEM',
    });
    expect(
      (await v1(server, 'creds/get_token_key', { query: { client_name: 'harvester' } })).envelope.data,
    ).toEqual({ tokenKey: 'tk' });
    expect(
      (
        await v1(server, 'creds/get_key_pair', {
          query: { public_key_name: 'pub', private_key_name: 'priv' },
        })
      ).envelope.data,
    ).toEqual({ public_key: 'P', private_key: 'S' });
    const missing = await v1(server, 'creds/get_key_pair', {
      query: { public_key_name: 'pub', private_key_name: 'other' },
    });
    expect(missing.envelope.success).toBe(false);
  });

  it('stores an uploaded log (multipart), returns its URL and serves it', async () => {
    const { deflateSync } = await import('node:zlib');
    const content = deflateSync(Buffer.from('the log text'));
    const form = new FormData();
    form.append('file', new Blob([content]), 'dir/harvester_log.gz');
    const res = await fetch(`${server.url}/api/v1/file_server/upload_jedi_log`, {
      method: 'POST',
      body: form,
      headers: { Accept: 'application/json' },
    });
    const env = JSON.parse(await res.text());
    expect(env).toEqual({ success: true, message: '', data: `${server.url}/cache/jedilog/harvester_log.gz` });
    expect(server.uploads[0]?.decompressed.toString()).toBe('the log text');
    const served = await fetch(env.data);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(content);
    const notFile = await v1(server, 'file_server/upload_jedi_log', { form: { file: 'text' } });
    expect(notFile.envelope.message).toBe("Type error: 'file' must be of type FileStorage, got str.");
  });
});
