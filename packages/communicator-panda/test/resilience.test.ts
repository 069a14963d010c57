// Retries, chunking and malformed answers against the fake PanDA server's HTTP-level faults.
import { type FakePandaServer, makePandaJob, startFakePandaServer } from '@harvester-ts/testkit';
import { clientFor, closeAll, getJobsRequest, runningJob, track } from './helpers.js';

let server: FakePandaServer;

beforeEach(async () => {
  server = track(await startFakePandaServer());
});
afterEach(closeAll);

const stats = { managed: { SCORE: { running: 1 } } };

describe('retries', () => {
  it('a 503 then success: the call is applied once and succeeds', async () => {
    const { comm } = await clientFor(server);
    server.injectFault({ kind: 'http-status', status: 503, endpoint: 'harvester/report_worker_statistics' });
    expect(await comm.updateWorkerStats('SITE_A', stats)).toEqual({ kind: 'success', value: undefined });
    expect(server.requestsTo('harvester/report_worker_statistics').map((r) => r.status)).toEqual([503, 200]);
    expect(server.wms.workerStatsReports).toHaveLength(1);
  });

  it('a reset connection and a request left unanswered are retried', async () => {
    const { comm } = await clientFor(server, { timeoutSeconds: 0.3 });
    server.injectFault({ kind: 'reset', endpoint: 'harvester/report_worker_statistics' });
    server.injectFault({ kind: 'timeout', endpoint: 'harvester/report_worker_statistics' });
    expect((await comm.updateWorkerStats('SITE_A', stats)).kind).toBe('success');
    expect(server.requestsTo('harvester/report_worker_statistics').map((r) => r.fault ?? r.status)).toEqual([
      'reset',
      'timeout',
      200,
    ]);
  });

  it('retries exhausted: retryLater with the last error', async () => {
    const { comm, logger } = await clientFor(server, { maxRetries: 2 });
    server.injectFault({ kind: 'http-status', status: 502, endpoint: 'harvester/add_dialogs', times: 5 });
    const out = await comm.sendDialogMessages([
      {
        diagID: 1,
        moduleName: 'm',
        identifier: null,
        creationTime: null,
        lockTime: null,
        messageLevel: 'INFO',
        lockedBy: null,
        diagMessage: 'x',
      },
    ]);
    expect(out.kind).toBe('retry');
    expect(out.kind !== 'success' && out.diag).toMatch(
      /^harvester\/add_dialogs: failed after 3 attempts: HTTP 502: <!DOCTYPE HTML.*Bad Gateway/,
    );
    expect(server.requestsTo('harvester/add_dialogs')).toHaveLength(3);
    expect(logger.records.filter((r) => r.msg === 'PanDA request failed; retrying')).toHaveLength(2);
  });

  it('4xx answers and argument errors are not retried', async () => {
    const { comm } = await clientFor(server);
    server.injectFault({
      kind: 'http-status',
      status: 400,
      body: 'bad request',
      endpoint: 'harvester/report_worker_statistics',
    });
    const out = await comm.updateWorkerStats('SITE_A', stats);
    expect(out).toEqual({
      kind: 'retry',
      diag: 'harvester/report_worker_statistics: HTTP 400: unexpected status; body: bad request',
    });
    expect(server.requestsTo('harvester/report_worker_statistics')).toHaveLength(1);

    const arg = await comm.getJobs(getJobsRequest(1, { taskID: 'not-a-number' }));
    expect(arg.kind).toBe('fatal');
    expect(arg.kind !== 'success' && arg.diag).toMatch(/^pilot\/acquire_jobs: Type error: 'task_id'/);
    expect(server.requestsTo('pilot/acquire_jobs')).toHaveLength(1);
  });

  it('legacy: a Python TypeError (HTTP 500) is fatal and not retried; other 500s are', async () => {
    const { comm } = await clientFor(server, { api: 'legacy', maxRetries: 1 });
    server.injectFault({
      kind: 'http-status',
      status: 500,
      body: "TypeError: getJob() got an unexpected keyword argument 'x'",
      endpoint: 'getJob',
    });
    const out = await comm.getJobs(getJobsRequest(1));
    expect(out.kind).toBe('fatal');
    expect(server.requestsTo('getJob')).toHaveLength(1);
    server.injectFault({ kind: 'http-status', status: 500, endpoint: 'getJob', times: 2 });
    expect((await comm.getJobs(getJobsRequest(1))).kind).toBe('retry');
    expect(server.requestsTo('getJob')).toHaveLength(3);
  });

  it('an aborted call gives up at once', async () => {
    const { comm } = await clientFor(server, { timeoutSeconds: 60 });
    server.injectFault({ kind: 'timeout', endpoint: 'harvester/report_worker_statistics' });
    const controller = new AbortController();
    const pending = comm.updateWorkerStats('SITE_A', stats, { signal: controller.signal });
    // Abort once the request has reached the server.
    while (server.requestsTo('harvester/report_worker_statistics').length === 0)
      await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    const out = await pending;
    expect(out.kind).toBe('retry');
    expect(out.kind !== 'success' && out.diag).toMatch(/aborted/);
  });
});

describe('chunking', () => {
  const jobs = (n: number, from: number) => Array.from({ length: n }, (_, i) => from + i);

  it('250 job updates go as 3 requests of at most 100, results in order', async () => {
    const ids = jobs(250, 1000);
    server.wms.addJobs(...ids.map((PandaID) => makePandaJob({ PandaID, computingSite: 'SITE_A' })));
    const { comm } = await clientFor(server);
    expect((await comm.getJobs(getJobsRequest(250))).kind).toBe('success');
    server.wms.killJob(1150);
    const out = await comm.updateJobs(
      ids.map((id) => runningJob(id)),
      'lock',
    );
    const reqs = server.requestsTo('pilot/update_jobs_bulk');
    expect(reqs.map((r) => (r.params.job_list as unknown[]).length).sort()).toEqual([100, 100, 50]);
    expect(out).toHaveLength(250);
    expect(out.every((o) => o.kind === 'success')).toBe(true);
    expect(out.findIndex((o) => o.kind === 'success' && o.value?.command === 'tobekilled')).toBe(150);
    expect(ids.every((id) => server.wms.statusOf(id) === 'running')).toBe(true);
  });

  it('a failing middle chunk fails only its 100 jobs', async () => {
    const ids = jobs(250, 2000);
    server.wms.addJobs(...ids.map((PandaID) => makePandaJob({ PandaID, computingSite: 'SITE_A' })));
    // One connection: chunks go one after the other; the fault is set once the first is answered.
    const { comm, logger } = await clientFor(server, { nConnections: 1, maxRetries: 1 });
    await comm.getJobs(getJobsRequest(250));
    const debug = logger.debug as (...args: unknown[]) => void;
    let answered = 0;
    logger.debug = ((...args: unknown[]) => {
      const [fields, msg] = args as [Record<string, unknown>, string];
      if (msg === 'PanDA request' && fields.endpoint === 'pilot/update_jobs_bulk' && ++answered === 1)
        server.injectFault({
          kind: 'http-status',
          status: 503,
          endpoint: 'pilot/update_jobs_bulk',
          times: 2,
        });
      debug(...args);
    }) as typeof logger.debug;
    const out = await comm.updateJobs(
      ids.map((id) => runningJob(id)),
      'lock',
    );
    expect(out.slice(0, 100).every((o) => o.kind === 'success')).toBe(true);
    expect(out.slice(100, 200).every((o) => o.kind === 'retry')).toBe(true);
    expect(out.slice(200).every((o) => o.kind === 'success')).toBe(true);
    expect(out[150]?.kind !== 'success' && out[150]?.diag).toMatch(/failed after 2 attempts: HTTP 503/);
    expect(server.wms.statusOf(2150)).toBe('sent');
    expect(server.wms.statusOf(2249)).toBe('running');
  });

  it('checkJobs: 250 jobs in 3 GETs with repeated job_ids keys, in request order', async () => {
    const { comm } = await clientFor(server);
    const ids = jobs(250, 5000);
    const out = await comm.checkJobs(ids.map((id) => runningJob(id)));
    expect(out).toHaveLength(250);
    expect(out.every((o) => o.kind === 'success' && o.value.active === false)).toBe(true);
    const reqs = server.requestsTo('job/get_status');
    expect(reqs.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
    expect(reqs.flatMap((r) => r.params.job_ids as number[]).sort((a, b) => a - b)).toEqual(ids);
  });
});

describe('malformed answers', () => {
  it('garbage: every job of the call is retried later with a diagnostic naming endpoint, status and body', async () => {
    server.wms.addJobs(
      makePandaJob({ PandaID: 1, computingSite: 'SITE_A' }),
      makePandaJob({ PandaID: 2, computingSite: 'SITE_A' }),
    );
    const { comm } = await clientFor(server);
    await comm.getJobs(getJobsRequest(2));
    server.injectFault({ kind: 'garbage', endpoint: 'pilot/update_jobs_bulk' });
    const out = await comm.updateJobs([runningJob(1), runningJob(2)], 'lock');
    expect(out).toEqual([
      {
        kind: 'retry',
        diag: 'pilot/update_jobs_bulk: HTTP 200: not JSON; body: <html><body>upstream answered garbage</body></html>',
      },
      {
        kind: 'retry',
        diag: 'pilot/update_jobs_bulk: HTTP 200: not JSON; body: <html><body>upstream answered garbage</body></html>',
      },
    ]);
  });

  it('a result list shorter than the request: only the missing jobs are retried', async () => {
    const { comm } = await clientFor(server);
    const short = JSON.stringify({
      success: true,
      message: '',
      data: [{ success: true, message: '', data: { StatusCode: 0, command: 'NULL' } }],
    });
    server.injectFault({ kind: 'garbage', endpoint: 'pilot/update_jobs_bulk', body: short });
    const out = await comm.updateJobs([runningJob(11), runningJob(12), runningJob(13)], 'lock');
    expect(out.map((o) => o.kind)).toEqual(['success', 'retry', 'retry']);
    expect(out[2]?.kind !== 'success' && out[2]?.diag).toBe(
      'pilot/update_jobs_bulk: job 13: no answer (the server answered 1 of 3 jobs)',
    );
  });

  it('a Python repr instead of JSON is named as such', async () => {
    const { comm } = await clientFor(server);
    server.injectFault({
      kind: 'garbage',
      endpoint: 'harvester/acquire_commands',
      body: "{'success': True, 'message': '', 'data': []}",
    });
    const out = await comm.getCommands(5);
    expect(out.kind !== 'success' && out.diag).toMatch(
      /harvester\/acquire_commands: HTTP 200: a Python repr/,
    );
  });

  it('malformed job dictionaries are dropped with a log naming them; the others are returned', async () => {
    const { comm, logger } = await clientFor(server);
    const body = JSON.stringify({
      success: true,
      message: '',
      data: { StatusCode: 0, jobs: [{ PandaID: 7, jobName: 'ok' }, { jobName: 'no id' }, 'junk'] },
    });
    server.injectFault({ kind: 'garbage', endpoint: 'pilot/acquire_jobs', body });
    const out = await comm.getJobs(getJobsRequest(3));
    expect(out.kind === 'success' && out.value).toEqual([{ PandaID: 7, jobName: 'ok' }]);
    const dropped = logger.records.filter((r) => r.msg === 'job dictionary dropped');
    expect(dropped.map((r) => r.level)).toEqual(['error', 'error']);
    expect(String(dropped[0]?.fields.why)).toMatch(/^#1: no usable PandaID/);
  });
});
