// HTTP-level faults of the fake PanDA server, and the SimulatedWms's own faults seen over HTTP.
import { type FakePandaServer, makePandaJob, startFakePandaServer } from '../src/index.js';
import { call, v1 } from './panda-server-helpers.js';

let server: FakePandaServer;

beforeEach(async () => {
  server = await startFakePandaServer();
  server.wms.addJobs(
    makePandaJob({ PandaID: 1, computingSite: 'SITE_A' }),
    makePandaJob({ PandaID: 2, computingSite: 'SITE_A' }),
  );
});

afterEach(async () => {
  await server.close();
});

const acquire = (options: { signal?: AbortSignal } = {}) =>
  fetch(`${server.url}/api/v1/pilot/acquire_jobs`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ site_name: 'SITE_A' }),
    ...options,
  });

describe('http-status', () => {
  it('answers with the status and a proxy page, applies nothing, then recovers', async () => {
    server.injectFault({ kind: 'http-status', status: 503, times: 2 });
    for (let i = 0; i < 2; i++) {
      const r = await acquire();
      expect(r.status).toBe(503);
      expect(await r.text()).toContain('Service Unavailable');
    }
    expect(server.wms.calls.getJobs).toBe(0);
    expect((await acquire()).status).toBe(200);
    expect(server.requests.map((r) => [r.status, r.fault])).toEqual([
      [503, 'http-status'],
      [503, 'http-status'],
      [200, undefined],
    ]);
  });

  it('hits only the endpoint named, with the body given', async () => {
    server.injectFault({
      kind: 'http-status',
      status: 502,
      body: 'bad gateway',
      endpoint: 'pilot/acquire_jobs',
    });
    expect((await call(server, '/api/v1/system/is_alive')).status).toBe(200);
    const r = await acquire();
    expect([r.status, await r.text()]).toEqual([502, 'bad gateway']);
  });

  it('hits legacy methods by name', async () => {
    server.injectFault({ kind: 'http-status', status: 500, endpoint: 'isAlive' });
    expect((await call(server, '/server/panda/isAlive')).status).toBe(500);
    expect((await call(server, '/server/panda/isAlive')).text).toBe('alive=yes');
  });
});

describe('timeout', () => {
  it('reads the request and never answers; nothing is applied', async () => {
    server.injectFault({ kind: 'timeout', endpoint: 'pilot/acquire_jobs' });
    await expect(acquire({ signal: AbortSignal.timeout(300) })).rejects.toThrow();
    expect(server.wms.calls.getJobs).toBe(0);
    expect(server.requestsTo('pilot/acquire_jobs')[0]).toMatchObject({ status: 0, fault: 'timeout' });
    expect((await acquire()).status).toBe(200);
  });

  it('with applied: true, applies the request and then never answers', async () => {
    server.injectFault({ kind: 'timeout', applied: true, endpoint: 'pilot/acquire_jobs' });
    await expect(acquire({ signal: AbortSignal.timeout(300) })).rejects.toThrow();
    // The jobs are handed out (sent) although the client never got them.
    expect(server.wms.jobsHandedOut).toEqual([1]);
    expect(server.wms.statusOf(1)).toBe('sent');
    expect(server.requestsTo('pilot/acquire_jobs')[0]).toMatchObject({
      status: 0,
      fault: 'timeout',
      applied: true,
      params: { site_name: 'SITE_A' },
    });
    const next = await acquire();
    expect(((await next.json()) as { data: { jobs: { PandaID: number }[] } }).data.jobs[0]?.PandaID).toBe(2);
  });

  it('close() ends a hanging request', async () => {
    server.injectFault({ kind: 'timeout' });
    const pending = acquire();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await server.close();
    await expect(pending).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2000);
    server = await startFakePandaServer(); // for afterEach
  });
});

describe('reset', () => {
  it('destroys the connection without an answer; nothing is applied', async () => {
    server.injectFault({ kind: 'reset' });
    await expect(acquire()).rejects.toThrow();
    expect(server.wms.calls.getJobs).toBe(0);
    expect(server.requests[0]).toMatchObject({ status: 0, fault: 'reset', applied: false });
  });

  it('with applied: true, applies the request and then destroys the connection', async () => {
    server.injectFault({ kind: 'reset', applied: true, endpoint: 'pilot/acquire_jobs' });
    await expect(acquire()).rejects.toThrow();
    expect(server.wms.jobsHandedOut).toEqual([1]);
    expect(server.requests[0]).toMatchObject({ status: 0, fault: 'reset', applied: true });
    // A legacy update applied before the reset is recorded.
    server.injectFault({ kind: 'reset', applied: true, endpoint: 'updateJobsInBulk' });
    await expect(
      call(server, '/server/panda/updateJobsInBulk', {
        form: { jobList: JSON.stringify([{ jobId: 1, state: 'running' }]), harvester_id: 'h1' },
      }),
    ).rejects.toThrow();
    expect(server.wms.statusHistoryOf(1)).toEqual(['running']);
    expect(server.requestsTo('updateJobsInBulk')[0]).toMatchObject({ fault: 'reset', applied: true });
  });
});

describe('garbage', () => {
  it('applies the request and answers HTTP 200 with a body that is not an envelope', async () => {
    server.injectFault({ kind: 'garbage', endpoint: 'pilot/acquire_jobs' });
    const r = await acquire();
    expect(r.status).toBe(200);
    const body = await r.text();
    expect(() => JSON.parse(body)).toThrow();
    expect(server.wms.jobsHandedOut).toEqual([1]);
    server.injectFault({ kind: 'garbage', body: '{"success": tru' });
    expect(await (await acquire()).text()).toBe('{"success": tru');
    expect(server.wms.jobsHandedOut).toEqual([1, 2]);
  });
});

it('clearFaults() drops pending faults', async () => {
  server.injectFault({ kind: 'reset', times: 5 });
  server.clearFaults();
  expect((await acquire()).status).toBe(200);
});

describe("the SimulatedWms's own faults", () => {
  it('surface as HTTP 500 (unavailable) and HTTP 200 with the garbled body (garbage)', async () => {
    server.wms.injectFault({ method: 'getJobs', kind: 'unavailable' });
    const down = await acquire();
    expect(down.status).toBe(500);
    expect(await down.text()).toMatch(/getJobs/);
    expect(server.wms.jobsHandedOut).toEqual([]);
    server.wms.injectFault({ method: 'getJobs', kind: 'garbage' });
    const garbled = await acquire();
    expect([garbled.status, await garbled.text()]).toEqual([
      200,
      '<html><body>502 Bad Gateway</body></html>',
    ]);
    expect(server.wms.jobsHandedOut).toEqual([1]);
    server.wms.setAvailable(false);
    const r = await v1(server, 'job/get_status', { query: { job_ids: 1 } }).catch(() => undefined);
    expect(r).toBeUndefined(); // the body is not JSON: HTTP 500 text
    expect(server.requests.at(-1)?.status).toBe(500);
  });
});
