// HTTPS with a throwaway CA: OIDC tokens (env, file re-read after it changes), wrong Origin and
// bad tokens, X.509 client certificates, server verification, per-host credentials.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestPki, type TestPki } from '@harvester-ts/test-support';
import {
  type FakePandaServer,
  type FakePandaServerOptions,
  startFakePandaServer,
} from '@harvester-ts/testkit';
import { clientFor, closeAll, type ScriptedAnswer, startScriptedServer, track, until } from './helpers.js';

let dir: string;
let pki: TestPki;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'panda-tls-'));
  pki = await makeTestPki(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await closeAll();
  delete process.env.PANDA_TEST_TOKEN;
});

async function https(auth: FakePandaServerOptions['auth']): Promise<FakePandaServer> {
  return track(
    await startFakePandaServer({
      tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert },
      auth,
    }),
  );
}

const stats = { managed: { SCORE: { running: 1 } } };

describe('OIDC tokens', () => {
  it('a token from the environment with its Origin is accepted', async () => {
    const server = await https({ tokens: { 'good-token': 'atlas' } });
    process.env.PANDA_TEST_TOKEN = 'good-token';
    const { comm, logger } = await clientFor(server, {
      auth: { type: 'oidc', tokenEnv: 'PANDA_TEST_TOKEN', origin: 'atlas' },
      caFile: pki.paths.caCert,
    });
    expect(await comm.updateWorkerStats('SITE_A', stats)).toEqual({ kind: 'success', value: undefined });
    const [req] = server.requestsTo('harvester/report_worker_statistics');
    expect(req?.auth).toBe('token');
    expect(req?.headers.origin).toBe('atlas');
    expect(req?.headers.authorization).toBe('Bearer good-token');
    expect(JSON.stringify(logger.records)).not.toContain('good-token');
  });

  it('a token file is re-read after it changes: refused with the old token, accepted with the new', async () => {
    const server = await https({ tokens: { 'the-renewed-token': 'atlas' } });
    const file = join(dir, 'token');
    await writeFile(file, 'expired-token\n');
    const { comm } = await clientFor(server, {
      auth: { type: 'oidc', tokenFile: file, origin: 'atlas' },
      caFile: pki.paths.caCert,
    });
    const refused = await comm.updateWorkerStats('SITE_A', stats);
    expect(refused.kind).toBe('retry');
    expect(refused.kind !== 'success' && refused.diag).toMatch(
      /^harvester\/report_worker_statistics: HTTP 403: .*Token authentication failed/,
    );
    expect(refused.kind !== 'success' && refused.diag).not.toContain('expired-token');
    await writeFile(file, 'the-renewed-token\n');
    expect((await comm.updateWorkerStats('SITE_A', stats)).kind).toBe('success');
    expect(server.requestsTo('harvester/report_worker_statistics').map((r) => r.status)).toEqual([403, 200]);
  });

  it('a wrong Origin is refused (403, not retried)', async () => {
    const server = await https({ tokens: { 'good-token': 'atlas' } });
    process.env.PANDA_TEST_TOKEN = 'good-token';
    const { comm } = await clientFor(server, {
      auth: { type: 'oidc', tokenEnv: 'PANDA_TEST_TOKEN', origin: 'cms' },
      caFile: pki.paths.caCert,
    });
    const out = await comm.updateWorkerStats('SITE_A', stats);
    expect(out.kind).toBe('retry');
    expect(out.kind !== 'success' && out.diag).toMatch(/HTTP 403: .*(Unknown vo|Invalid audience)/);
    expect(server.requestsTo('harvester/report_worker_statistics')).toHaveLength(1);
  });

  it('a token variable unset after the start: retryLater naming the variable, nothing sent', async () => {
    const server = await https({ tokens: { t: 'atlas' } });
    process.env.PANDA_TEST_TOKEN = 't';
    const { comm } = await clientFor(server, {
      auth: { type: 'oidc', tokenEnv: 'PANDA_TEST_TOKEN', origin: 'atlas' },
      caFile: pki.paths.caCert,
    });
    delete process.env.PANDA_TEST_TOKEN;
    const out = await comm.updateWorkerStats('SITE_A', stats);
    expect(out.kind !== 'success' && out.diag).toMatch(
      /no credentials: the environment variable PANDA_TEST_TOKEN is not set/,
    );
    expect(server.requests).toHaveLength(0);
  });
});

describe('X.509', () => {
  it('a client certificate verified by the server is accepted', async () => {
    const server = await https({ clientCertificates: true });
    const { comm } = await clientFor(server, {
      auth: { type: 'x509', certFile: pki.paths.clientCert, keyFile: pki.paths.clientKey },
      caFile: pki.paths.caCert,
    });
    expect((await comm.updateWorkerStats('SITE_A', stats)).kind).toBe('success');
    expect(server.requestsTo('harvester/report_worker_statistics')[0]?.auth).toBe('certificate');
  });

  it('without a certificate the server refuses (success=false, retryLater)', async () => {
    const server = await https({ clientCertificates: true });
    const { comm } = await clientFor(server, { caFile: pki.paths.caCert });
    const out = await comm.updateWorkerStats('SITE_A', stats);
    expect(out).toEqual({
      kind: 'retry',
      diag: 'harvester/report_worker_statistics: SSL secure connection is required',
    });
  });

  it('a missing certificate file stops the creation, naming the path', async () => {
    const server = await https({ clientCertificates: true });
    const missing = join(dir, 'missing.pem');
    await expect(
      clientFor(server, {
        auth: { type: 'x509', certFile: missing, keyFile: missing },
        caFile: pki.paths.caCert,
      }),
    ).rejects.toThrow(`auth: cannot read the certificate file ${missing}: ENOENT`);
    await expect(clientFor(server, { caFile: join(dir, 'no-ca.pem') })).rejects.toThrow(
      /caFile: cannot read the CA bundle/,
    );
  });

  it('a server certificate from an unknown CA is not trusted', async () => {
    const server = await https(undefined);
    const { comm } = await clientFor(server, { maxRetries: 0 });
    const out = await comm.updateWorkerStats('SITE_A', stats);
    expect(out.kind).toBe('retry');
    expect(out.kind !== 'success' && out.diag).toMatch(/certificate/i);
    expect(server.requests).toHaveLength(0);
  });
});

describe('certificate renewal', () => {
  it('a renewed certificate is used for new connections without cutting a request in flight', async () => {
    const certFile = join(dir, 'renewed-cert.pem');
    await writeFile(certFile, pki.clientCert);
    const ok: ScriptedAnswer = { body: '{"success": true, "message": "", "data": null}' };
    // The first request is answered only once the second has arrived.
    let releaseFirst: () => void = () => {};
    const scripted = await startScriptedServer(
      ({ body }) => {
        if (body.includes('"panda_queue":"first"'))
          return new Promise<ScriptedAnswer>((resolve) => {
            releaseFirst = () => resolve(ok);
          });
        releaseFirst();
        return ok;
      },
      { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert },
    );
    const { comm, logger } = await clientFor(scripted, {
      auth: { type: 'x509', certFile, keyFile: pki.paths.clientKey },
      caFile: pki.paths.caCert,
      maxRetries: 0,
    });
    const first = comm.updateWorkerStats('first', stats);
    await until(() => scripted.requests.length === 1);
    await writeFile(certFile, `${pki.clientCert}\n`); // renewed in place
    const second = comm.updateWorkerStats('second', stats);
    expect(await second).toEqual({ kind: 'success', value: undefined });
    expect(await first).toEqual({ kind: 'success', value: undefined });
    // One connection per certificate; the old one is closed once its request is done.
    expect(new Set(scripted.requests.map((r) => r.port)).size).toBe(2);
    await until(() => scripted.closedConnections === 1);
    expect(logger.records.map((r) => r.msg)).toContain('client certificate changed; re-read');
  });
});

describe('per-host credentials', () => {
  it('hostAuth[host:port] wins over auth', async () => {
    const server = await https({ tokens: { 'host-token': 'atlas' } });
    process.env.PANDA_TEST_TOKEN = 'host-token';
    const port = new URL(server.url).port;
    const { comm } = await clientFor(server, {
      auth: { type: 'x509', certFile: pki.paths.untrustedClientCert, keyFile: pki.paths.untrustedClientKey },
      hostAuth: { [`127.0.0.1:${port}`]: { type: 'oidc', tokenEnv: 'PANDA_TEST_TOKEN', origin: 'atlas' } },
      caFile: pki.paths.caCert,
    });
    expect((await comm.updateWorkerStats('SITE_A', stats)).kind).toBe('success');
    expect(server.requestsTo('harvester/report_worker_statistics')[0]?.auth).toBe('token');
  });

  it('an entry for another host is not used', async () => {
    const server = await https({ tokens: { 'host-token': 'atlas' } });
    process.env.PANDA_TEST_TOKEN = 'host-token';
    const { comm } = await clientFor(server, {
      hostAuth: {
        'pandaserver.example.org': { type: 'oidc', tokenEnv: 'PANDA_TEST_TOKEN', origin: 'atlas' },
      },
      caFile: pki.paths.caCert,
    });
    const out = await comm.updateWorkerStats('SITE_A', stats);
    expect(out.kind).toBe('retry');
    expect(server.requestsTo('harvester/report_worker_statistics')[0]?.auth).toBe('none');
  });
});
