// Retries (and when a call that hands something out must not be retried), deadlines, aborts,
// chunking, answer size limits and malformed answers against the fake PanDA server's HTTP-level
// faults.
import { createServer } from 'node:net';
import { gzipSync } from 'node:zlib';
import { type FakePandaServer, makePandaJob, startFakePandaServer } from '@harvester-ts/testkit';
import { clientFor, closeAll, getJobsRequest, runningJob, startScriptedServer, track } from './helpers.js';

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

  it('legacy: a Python TypeError (HTTP 500) is fatal and not retried; other 500s of an idempotent call are', async () => {
    const { comm } = await clientFor(server, { api: 'legacy', maxRetries: 1 });
    server.injectFault({
      kind: 'http-status',
      status: 500,
      body: "Traceback (most recent call last):\nTypeError: getJob() got an unexpected keyword argument 'x'\n",
      endpoint: 'getJob',
    });
    const out = await comm.getJobs(getJobsRequest(1));
    expect(out).toEqual({
      kind: 'fatal',
      diag: "getJob: HTTP 500: TypeError: getJob() got an unexpected keyword argument 'x'",
    });
    expect(server.requestsTo('getJob')).toHaveLength(1);
    server.injectFault({ kind: 'http-status', status: 500, endpoint: 'reportWorkerStats_jobtype', times: 2 });
    expect((await comm.updateWorkerStats('SITE_A', stats)).kind).toBe('retry');
    expect(server.requestsTo('reportWorkerStats_jobtype')).toHaveLength(2);
  });

  it('API v1: an HTTP 500 mentioning TypeError is a server failure (retryLater, retried), not an argument error', async () => {
    const { comm } = await clientFor(server, { maxRetries: 1 });
    const body = "Traceback (most recent call last):\nTypeError: 'NoneType' object is not subscriptable\n";
    server.injectFault({
      kind: 'http-status',
      status: 500,
      body,
      endpoint: 'harvester/report_worker_statistics',
      times: 2,
    });
    const out = await comm.updateWorkerStats('SITE_A', stats);
    expect(out.kind).toBe('retry');
    expect(out.kind !== 'success' && out.diag).toMatch(
      /failed after 2 attempts: HTTP 500: Traceback.*TypeError/,
    );
    expect(server.requestsTo('harvester/report_worker_statistics')).toHaveLength(2);
    server.injectFault({ kind: 'http-status', status: 500, body, endpoint: 'pilot/acquire_jobs' });
    expect((await comm.getJobs(getJobsRequest(1))).kind).toBe('retry');
  });

  it('a call aborted right after it was made sends nothing', async () => {
    server.wms.addJobs(makePandaJob({ PandaID: 1, computingSite: 'SITE_A' }));
    const { comm } = await clientFor(server);
    const controller = new AbortController();
    const jobs = comm.getJobs(getJobsRequest(1), { signal: controller.signal });
    const update = comm.updateWorkerStats('SITE_A', stats, { signal: controller.signal });
    controller.abort();
    const [a, b] = await Promise.all([jobs, update]);
    expect(a.kind !== 'success' && a.diag).toBe('pilot/acquire_jobs: aborted');
    expect(b.kind !== 'success' && b.diag).toBe('harvester/report_worker_statistics: aborted');
    expect([a.kind, b.kind]).toEqual(['retry', 'retry']);
    expect(server.requests).toHaveLength(0);
    expect(server.wms.jobsHandedOut).toEqual([]);
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

describe('calls that hand something out (jobs, commands, event ranges)', () => {
  const addJobs = (...ids: number[]) =>
    server.wms.addJobs(...ids.map((PandaID) => makePandaJob({ PandaID, computingSite: 'SITE_A' })));
  const ids = (o: { kind: string; value?: unknown }) =>
    o.kind === 'success' ? (o.value as { PandaID: number }[]).map((j) => j.PandaID) : o.kind;

  it('acquire_jobs applied, then no answer: retryLater after ONE request; the next call gets the next jobs', async () => {
    addJobs(1, 2, 3, 4);
    const { comm } = await clientFor(server, { timeoutSeconds: 0.3, maxRetries: 3 });
    server.injectFault({ kind: 'timeout', applied: true, endpoint: 'pilot/acquire_jobs' });
    const lost = await comm.getJobs(getJobsRequest(2));
    expect(lost.kind).toBe('retry');
    expect(lost.kind !== 'success' && lost.diag).toMatch(
      /^pilot\/acquire_jobs: no answer within 0.3 s \(not sent again: the server may have handed out/,
    );
    expect(server.requestsTo('pilot/acquire_jobs')).toHaveLength(1);
    // Jobs 1 and 2 went out on the server's side (its business, as with Harvester); no more did.
    expect(server.wms.jobsHandedOut).toEqual([1, 2]);
    expect(ids(await comm.getJobs(getJobsRequest(2)))).toEqual([3, 4]);
    expect(server.requestsTo('pilot/acquire_jobs')).toHaveLength(2);
  });

  it('a 5xx of acquire_jobs (v1) or getJob (legacy) is not retried', async () => {
    addJobs(1);
    const v1 = await clientFor(server, { maxRetries: 3 });
    server.injectFault({ kind: 'http-status', status: 503, endpoint: 'pilot/acquire_jobs', times: 4 });
    const out = await v1.comm.getJobs(getJobsRequest(1));
    expect(out.kind !== 'success' && out.diag).toMatch(/^pilot\/acquire_jobs: HTTP 503: .*not sent again/);
    expect(server.requestsTo('pilot/acquire_jobs')).toHaveLength(1);
    const legacy = await clientFor(server, { api: 'legacy', maxRetries: 3 });
    server.clearFaults();
    server.injectFault({ kind: 'http-status', status: 500, endpoint: 'getJob', times: 4 });
    expect((await legacy.comm.getJobs(getJobsRequest(1))).kind).toBe('retry');
    expect(server.requestsTo('getJob')).toHaveLength(1);
    server.clearFaults();
    expect(ids(await legacy.comm.getJobs(getJobsRequest(1)))).toEqual([1]);
  });

  it('acquire_commands applied, then the fresh connection reset: not sent again', async () => {
    server.wms.addCommand('KILL_WORKERS', {});
    const { comm } = await clientFor(server, { maxRetries: 3 });
    server.injectFault({ kind: 'reset', applied: true, endpoint: 'harvester/acquire_commands' });
    expect((await comm.getCommands(5)).kind).toBe('retry');
    expect(server.requestsTo('harvester/acquire_commands')).toHaveLength(1);
    // A legacy getCommands is treated the same way.
    const legacy = await clientFor(server, { api: 'legacy', maxRetries: 3 });
    server.injectFault({ kind: 'reset', endpoint: 'getCommands' });
    expect((await legacy.comm.getCommands(5)).kind).toBe('retry');
    expect(server.requestsTo('getCommands')).toHaveLength(1);
  });

  it('acquire_event_ranges after a timeout is not sent again', async () => {
    const { comm } = await clientFor(server, { timeoutSeconds: 0.3, maxRetries: 3 });
    server.injectFault({ kind: 'timeout', applied: true, endpoint: 'event/acquire_event_ranges' });
    const out = await comm.getEventRanges([{ pandaID: 1, jobsetID: 2, taskID: 3, nRanges: 5 }], false);
    expect(out.kind).toBe('retry');
    expect(server.requestsTo('event/acquire_event_ranges')).toHaveLength(1);
  });

  it('a reused keep-alive connection reset before any answer is sent again (the request never got in)', async () => {
    addJobs(1);
    const { comm } = await clientFor(server, { maxRetries: 3 });
    // A first call leaves a keep-alive connection in the pool.
    expect((await comm.updateWorkerStats('SITE_A', stats)).kind).toBe('success');
    server.injectFault({ kind: 'reset', endpoint: 'pilot/acquire_jobs' });
    expect(ids(await comm.getJobs(getJobsRequest(1)))).toEqual([1]);
    expect(server.requestsTo('pilot/acquire_jobs').map((r) => r.fault ?? r.status)).toEqual(['reset', 200]);
  });

  it('a refused connection is retried: nothing reached a server', async () => {
    // A port nobody listens on any more.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const { comm, logger } = await clientFor({ url: `http://127.0.0.1:${port}` }, { maxRetries: 2 });
    const out = await comm.getJobs(getJobsRequest(1));
    expect(out.kind !== 'success' && out.diag).toMatch(
      /^pilot\/acquire_jobs: failed after 3 attempts: .*ECONNREFUSED/,
    );
    expect(logger.records.filter((r) => r.msg === 'PanDA request failed; retrying')).toHaveLength(2);
  });

  it('idempotent calls keep retrying after timeouts, resets and 5xx', async () => {
    const { comm } = await clientFor(server, { timeoutSeconds: 0.3, maxRetries: 3 });
    server.injectFault({ kind: 'timeout', applied: true, endpoint: 'harvester/heartbeat' });
    server.injectFault({ kind: 'reset', applied: true, endpoint: 'harvester/heartbeat' });
    server.injectFault({ kind: 'http-status', status: 502, endpoint: 'harvester/heartbeat' });
    const out = await comm.isAlive({ startTime: new Date(), swVersion: '1' });
    expect(out.kind).toBe('success');
    expect(server.requestsTo('harvester/heartbeat').map((r) => r.fault ?? r.status)).toEqual([
      'timeout',
      'reset',
      'http-status',
      200,
    ]);
    // The applied attempts did reach the server (the instance record is made by the first).
    expect(server.heartbeats.length).toBeGreaterThanOrEqual(2);
  });
});

describe('call deadline', () => {
  it('no attempt starts after callDeadlineSeconds: retryLater naming the deadline', async () => {
    const { comm } = await clientFor(server, {
      timeoutSeconds: 0.2,
      maxRetries: 10,
      callDeadlineSeconds: 0.5,
    });
    server.injectFault({ kind: 'timeout', endpoint: 'harvester/report_worker_statistics', times: 20 });
    const out = await comm.updateWorkerStats('SITE_A', stats);
    expect(out.kind).toBe('retry');
    expect(out.kind !== 'success' && out.diag).toMatch(
      /^harvester\/report_worker_statistics: no further attempt after \d+: the call deadline of 0.5 s \(callDeadlineSeconds\) is reached; last error: no answer within/,
    );
    expect(server.requestsTo('harvester/report_worker_statistics').length).toBeLessThan(11);
  });
});

describe('answer size', () => {
  it('an answer over maxResponseBytes is not read: retryLater naming the limit, not retried', async () => {
    server.wms.addJobs(
      ...Array.from({ length: 20 }, (_, i) => makePandaJob({ PandaID: i + 1, computingSite: 'SITE_A' })),
    );
    const { comm } = await clientFor(server, { maxResponseBytes: 2000 });
    const out = await comm.getJobs(getJobsRequest(20));
    expect(out.kind !== 'success' && out.diag).toMatch(
      /^pilot\/acquire_jobs: HTTP 200: the answer .*exceeds maxResponseBytes \(2000 bytes\); not read$/,
    );
    expect(out.kind).toBe('retry');
    expect(server.requestsTo('pilot/acquire_jobs')).toHaveLength(1);
  });

  it('a gzipped answer is read, unless it inflates beyond maxResponseBytes', async () => {
    const envelope = (data: unknown) => gzipSync(JSON.stringify({ success: true, message: '', data }));
    let data: unknown = null;
    const scripted = await startScriptedServer(() => ({
      headers: { 'Content-Encoding': 'gzip' },
      body: envelope(data),
    }));
    const { comm } = await clientFor(scripted, { maxResponseBytes: 4096, maxRetries: 3 });
    expect((await comm.updateWorkerStats('SITE_A', stats)).kind).toBe('success');
    data = 'x'.repeat(100_000); // about 100 bytes gzipped
    const out = await comm.updateWorkerStats('SITE_A', stats);
    expect(out).toEqual({
      kind: 'retry',
      diag: 'harvester/report_worker_statistics: HTTP 200: the answer (decompressed) exceeds maxResponseBytes (4096 bytes); not read',
    });
    expect(scripted.requests).toHaveLength(2);
  });
});

describe('secrets in job dictionaries', () => {
  it('no secret of an acquire_jobs answer reaches a log record or a diagnostic', async () => {
    const { comm, logger } = await clientFor(server);
    const outcomes: unknown[] = [];
    const answer = (body: string) => {
      server.injectFault({ kind: 'garbage', endpoint: 'pilot/acquire_jobs', body });
    };
    answer(
      JSON.stringify({
        success: true,
        message: '',
        data: {
          StatusCode: 0,
          jobs: [{ jobName: 'a', secrets: 'S3CRET-1' }, 'S3CRET-2', { PandaID: 'S3CRET-3' }, { PandaID: 7 }],
        },
      }),
    );
    const first = await comm.getJobs(getJobsRequest(4));
    expect(first.kind === 'success' && first.value).toEqual([{ PandaID: 7 }]);
    outcomes.push(first.kind === 'success' ? first.diag : first);
    answer('{"success": true, "message": "", "data": {"StatusCode": 0, "jobs": [{"secrets": "S3CRET-4"');
    outcomes.push(await comm.getJobs(getJobsRequest(1)));
    answer(
      JSON.stringify({ success: true, message: '', data: { StatusCode: 0, jobs: { secrets: 'S3CRET-5' } } }),
    );
    outcomes.push(await comm.getJobs(getJobsRequest(1)));
    server.injectFault({
      kind: 'http-status',
      status: 502,
      body: 'proxy: {"secrets": "S3CRET-6"}',
      endpoint: 'pilot/acquire_jobs',
    });
    outcomes.push(await comm.getJobs(getJobsRequest(1)));
    const legacy = await clientFor(server, { api: 'legacy' }, logger);
    server.injectFault({
      kind: 'garbage',
      endpoint: 'getJob',
      body: '{"StatusCode": 0, "jobs": "S3CRET-7"}',
    });
    outcomes.push(await legacy.comm.getJobs(getJobsRequest(1)));
    expect(outcomes.slice(1).map((o) => (o as { kind: string }).kind)).toEqual([
      'retry',
      'retry',
      'retry',
      'retry',
    ]);
    expect(logger.records.filter((r) => r.msg === 'job dictionary dropped')).toHaveLength(3);
    expect(JSON.stringify(outcomes)).toMatch(/not shown: it may hold job secrets/);
    expect(JSON.stringify(outcomes)).not.toContain('S3CRET');
    expect(JSON.stringify(logger.records)).not.toContain('S3CRET');
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

  it('legacy: a list refused as a whole for one job (TypeError) is sent again job by job; only that job is fatal', async () => {
    // What the legacy server does when one entry of jobList has a bad parameter.
    const scripted = await startScriptedServer(({ body }) => {
      const list = JSON.parse(new URLSearchParams(body).get('jobList') ?? '[]') as { jobId: number }[];
      if (list.some((j) => j.jobId === 13))
        return {
          body: JSON.stringify([
            false,
            "updateJobsInBulk h1 failed with TypeError updateJob() got an unexpected keyword argument 'bad'",
          ]),
        };
      return {
        body: JSON.stringify([
          true,
          list.map(() => ({ type: 'json', content: JSON.stringify({ StatusCode: 0, command: 'NULL' }) })),
        ]),
      };
    });
    const { comm, logger } = await clientFor(scripted, { api: 'legacy', updateJobsChunkSize: 3 });
    const out = await comm.updateJobs(
      [11, 12, 13, 14].map((id) => runningJob(id)),
      'lock',
    );
    expect(out.map((o) => o.kind)).toEqual(['success', 'success', 'fatal', 'success']);
    expect(out[2]?.kind !== 'success' && out[2]?.diag).toBe(
      "updateJobsInBulk: updateJobsInBulk h1 failed with TypeError updateJob() got an unexpected keyword argument 'bad'",
    );
    // [11, 12, 13] refused as a whole, then 11, 12, 13 alone; [14] in its own chunk.
    const sent = scripted.requests.map((r) =>
      (JSON.parse(new URLSearchParams(r.body).get('jobList') ?? '[]') as { jobId: number }[]).map(
        (j) => j.jobId,
      ),
    );
    expect(sent.sort()).toEqual([[11], [11, 12, 13], [12], [13], [14]]);
    expect(logger.records.filter((r) => r.msg?.startsWith('job updates refused as a whole'))).toHaveLength(1);
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
