// Auth of the fake PanDA server over HTTPS with a throwaway CA: bearer token + Origin, X.509
// client certificates, and the real server's answers when neither is there or a token is bad.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// testkit does not depend on @harvester-ts/test-support (adding it needs an install); the helper is
// imported from its source, which is how that package is consumed anyway.
import { makeTestPki, type TestPki } from '@harvester-ts/test-support';
import { type FakePandaServer, makePandaJob, startFakePandaServer } from '../src/index.js';
import { httpsCall } from './panda-server-helpers.js';

let dir: string;
let pki: TestPki;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fake-panda-pki-'));
  pki = await makeTestPki(dir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('over HTTPS with tokens and client certificates', () => {
  let server: FakePandaServer;

  beforeEach(async () => {
    server = await startFakePandaServer({
      tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert },
      auth: { tokens: { 'good-token': 'atlas', 'cms-token': 'cms' }, clientCertificates: true },
    });
    server.wms.addJobs(makePandaJob({ PandaID: 1, computingSite: 'SITE_A' }));
  });

  afterEach(async () => {
    await server.close();
  });

  const acquire = (headers: Record<string, string>, cert?: { cert: string; key: string }) =>
    httpsCall(`${server.url}/api/v1/pilot/acquire_jobs`, {
      ca: pki.caCert,
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({ site_name: 'SITE_A' }),
      ...(cert ?? {}),
    });

  it('serves HTTPS on 127.0.0.1 with the test CA', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await httpsCall(`${server.url}/api/v1/system/is_alive`, { ca: pki.caCert });
    expect(r.text).toBe("{'success': True, 'message': '', 'data': None}");
    expect(server.requests[0]?.auth).toBe('none');
  });

  it('accepts a known token with its VO as Origin', async () => {
    const r = await acquire({ Authorization: 'Bearer good-token', Origin: 'atlas' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).data.jobs[0].PandaID).toBe(1);
    expect(server.requests[0]?.auth).toBe('token');
  });

  it('refuses a bad token, a wrong or missing Origin with HTTP 403 (even for is_alive)', async () => {
    const bad = await acquire({ Authorization: 'Bearer forged', Origin: 'atlas' });
    expect(bad.status).toBe(403);
    expect(bad.contentType).toBe('text/plain');
    expect(bad.text).toMatch(/^ERROR : Token authentication failed\. /);
    const otherVo = await acquire({ Authorization: 'Bearer good-token', Origin: 'cms' });
    expect(otherVo.status).toBe(403);
    const unknownVo = await acquire({ Authorization: 'Bearer good-token', Origin: 'lsst' });
    expect(unknownVo.text).toBe('ERROR : Token authentication failed. Unknown vo : lsst');
    const noOrigin = await acquire({ Authorization: 'Bearer good-token' });
    expect(noOrigin.status).toBe(403);
    const alive = await httpsCall(`${server.url}/api/v1/system/is_alive`, {
      ca: pki.caCert,
      headers: { Authorization: 'Bearer forged', Origin: 'atlas' },
    });
    expect(alive.status).toBe(403);
    expect(server.wms.jobsQueued).toEqual([1]);
  });

  it('answers a request without credentials with "SSL secure connection is required"', async () => {
    const r = await acquire({});
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({
      success: false,
      message: 'SSL secure connection is required',
      data: null,
    });
    const stats = await httpsCall(`${server.url}/api/v1/statistics/active_job_stats_by_site`, {
      ca: pki.caCert,
      headers: { Accept: 'application/json' },
    });
    expect(JSON.parse(stats.text).success).toBe(true);
  });

  it('accepts a client certificate signed by the CA', async () => {
    const r = await acquire({}, { cert: pki.clientCert, key: pki.clientKey });
    expect(JSON.parse(r.text).success).toBe(true);
    expect(server.requests[0]?.auth).toBe('certificate');
  });

  it('treats a certificate from another CA like no credentials', async () => {
    const r = await acquire({}, { cert: pki.untrustedClientCert, key: pki.untrustedClientKey });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).message).toBe('SSL secure connection is required');
    expect(server.requests[0]?.auth).toBe('none');
  });

  it('answers the legacy API without credentials like the old server', async () => {
    const r = await httpsCall(`${server.url}/server/panda/getJob`, {
      ca: pki.caCert,
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'siteName=SITE_A',
    });
    expect(r.text).toBe('StatusCode=60');
    const withCert = await httpsCall(`${server.url}/server/panda/getJob`, {
      ca: pki.caCert,
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: 'siteName=SITE_A&nJobs=1',
      cert: pki.clientCert,
      key: pki.clientKey,
    });
    expect(withCert.contentType).toBe('application/json');
    expect(JSON.parse(withCert.text).jobs[0].PandaID).toBe(1);
  });
});

describe('over HTTP with tokens only', () => {
  it('accepts the token over plain HTTP and ignores client certificates', async () => {
    const server = await startFakePandaServer({ auth: { tokens: { t: 'atlas' } } });
    try {
      const r = await fetch(`${server.url}/api/v1/harvester/get_worker_statistics`, {
        headers: { Authorization: 'Bearer t', Origin: 'atlas', Accept: 'application/json' },
      });
      expect(JSON.parse(await r.text())).toEqual({ success: true, message: '', data: {} });
      const none = await fetch(`${server.url}/api/v1/harvester/get_worker_statistics`);
      expect(await none.text()).toBe(
        "{'success': False, 'message': 'SSL secure connection is required', 'data': None}",
      );
    } finally {
      await server.close();
    }
  });
});
