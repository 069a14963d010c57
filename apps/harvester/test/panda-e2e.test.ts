// The harvester app with the PanDA communicator, against testkit's fake PanDA server over HTTPS
// (a throwaway CA, an OIDC token read from a file): jobs are fetched from the server, run on
// local workers, staged out, and reported final to the server — in API v1 and in legacy mode.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rucioPath } from '@harvester-ts/stager-posix';
import { makeTestPki, type TestPki } from '@harvester-ts/test-support';
import { type FakePandaServer, SimulatedWms, startFakePandaServer } from '@harvester-ts/testkit';
import { adler32Hex, harvester, json, removeDir, shellJob, tempDir } from './helpers.js';

const TOKEN = 'e2e-token-0123456789';
const VO = 'atlas';
const SITE = 'PANDA_E2E';

interface JobRow {
  PandaID: number;
  status: string;
  subStatus: string;
  outputs: { lfn: string; status: string; fsize: number | null; chksum: string | null; url: string | null }[];
}

describe('harvester with the PanDA communicator', () => {
  let dir: string;
  let pki: TestPki;
  let server: FakePandaServer | undefined;

  beforeAll(async () => {
    dir = tempDir('panda-e2e');
    pki = await makeTestPki(join(dir, 'pki'));
  });
  afterAll(() => removeDir(dir));
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  for (const api of ['v1', 'legacy'] as const) {
    it(`fetches jobs, runs them on local workers, stages out and reports them final (${api} API)`, async () => {
      const base = join(dir, api);
      mkdirSync(base, { recursive: true });
      const wms = new SimulatedWms();
      server = await startFakePandaServer({
        wms,
        tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert },
        auth: { tokens: { [TOKEN]: VO } },
      });
      const first = api === 'v1' ? 9100 : 9200;
      const input = Buffer.from(`input of the ${api} run\n`);
      const inPath = rucioPath(join(base, 'var', 'storage'), 'test', `panda.in.${api}.txt`);
      mkdirSync(dirname(inPath), { recursive: true });
      writeFileSync(inPath, input);
      wms.addJobs(
        shellJob(first + 1, `tr a-z A-Z < panda.in.${api}.txt > panda.out.${first + 1}.txt`, {
          computingSite: SITE,
          inFiles: [{ lfn: `panda.in.${api}.txt`, fsize: input.length, checksum: `ad:${adler32Hex(input)}` }],
          outFiles: [`panda.out.${first + 1}.txt`],
        }),
        shellJob(first + 2, `echo two > panda.out.${first + 2}.txt`, {
          computingSite: SITE,
          outFiles: [`panda.out.${first + 2}.txt`],
        }),
        shellJob(first + 3, 'exit 4', { computingSite: SITE, outFiles: [`panda.out.${first + 3}.txt`] }),
        // Another site's job: never fetched by this harvester.
        shellJob(first + 4, 'true', { computingSite: 'OTHER_SITE' }),
      );
      const tokenFile = join(base, 'panda.token');
      writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
      writeFileSync(
        join(base, 'harvester.config.json'),
        JSON.stringify({
          profile: 'local',
          communicator: {
            module: '@harvester-ts/communicator-panda',
            name: 'PandaCommunicator',
            url: server.url,
            api,
            auth: { type: 'oidc', tokenFile, origin: VO },
            caFile: pki.paths.caCert,
          },
          queues: { [SITE]: { templateQueueName: 'LOCAL_TEMPLATE' } },
        }),
      );
      expect((await harvester(base, ['config', 'validate'])).code).toBe(0);

      const run = await harvester(base, ['run', '--until-idle', '--timeout', '180']);
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });

      // The harvester's own view: every fetched job done, its outputs in storage.
      const rows = await json<JobRow[]>(base, ['jobs']);
      expect(rows.map((j) => [j.PandaID, j.status, j.subStatus])).toEqual([
        [first + 1, 'finished', 'done'],
        [first + 2, 'finished', 'done'],
        [first + 3, 'failed', 'done'],
      ]);
      const out1 = rows[0]!.outputs[0]!;
      const data1 = readFileSync(fileURLToPath(out1.url!));
      expect(data1.toString()).toBe(input.toString().toUpperCase());
      expect(out1.chksum).toBe(`ad:${adler32Hex(data1)}`);

      // The server's view: the jobs were handed out once, reported final, the other site's job kept.
      expect(wms.jobsHandedOut.sort()).toEqual([first + 1, first + 2, first + 3]);
      expect(wms.jobsQueued).toEqual([first + 4]);
      expect(wms.finalStatusOf(first + 1)).toBe('finished');
      expect(wms.finalStatusOf(first + 2)).toBe('finished');
      expect(wms.finalStatusOf(first + 3)).toBe('failed');
      const final1 = wms.updatesOf(first + 1).at(-1)!;
      expect(final1.attemptNr).toBe(1);
      expect(JSON.stringify(final1.outputFilesToReport)).toContain(`panda.out.${first + 1}.txt`);
      const final3 = wms.updatesOf(first + 3).at(-1)!;
      // The legacy API carries values as form strings.
      expect(Number(final3.attributes?.transExitCode)).toBe(4);
      // Workers were reported too, each ending final.
      const workerIDs = new Set(wms.workerUpdates.map((w) => w.workerID));
      expect(workerIDs.size).toBe(3);
      for (const id of workerIDs) {
        expect(['finished', 'failed']).toContain(wms.workerUpdatesOf(id).at(-1)!.status);
      }

      // The wire: every request authenticated with the token, through the API that was asked for.
      expect(server.requests.length).toBeGreaterThan(0);
      expect(server.requests.every((r) => r.api === api && r.auth === 'token')).toBe(true);
      const fetch = api === 'v1' ? 'pilot/acquire_jobs' : 'getJob';
      expect(server.requestsTo(fetch)[0]!.params).toMatchObject(
        api === 'v1' ? { site_name: SITE } : { siteName: SITE },
      );
    }, 240_000);
  }

  it('keeps final reports until the server answers again, and fetches nothing with a refused token', async () => {
    const base = join(dir, 'faults');
    mkdirSync(base, { recursive: true });
    const wms = new SimulatedWms();
    server = await startFakePandaServer({
      wms,
      tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert },
      auth: { tokens: { [TOKEN]: VO } },
    });
    wms.addJobs(
      shellJob(9301, 'echo one > panda.out.9301.txt', {
        computingSite: SITE,
        outFiles: ['panda.out.9301.txt'],
      }),
      shellJob(9302, 'exit 3', { computingSite: SITE }),
    );
    const tokenFile = join(base, 'panda.token');
    const config = () =>
      writeFileSync(
        join(base, 'harvester.config.json'),
        JSON.stringify({
          profile: 'local',
          communicator: {
            module: '@harvester-ts/communicator-panda',
            name: 'PandaCommunicator',
            url: server!.url,
            auth: { type: 'oidc', tokenFile, origin: VO },
            caFile: pki.paths.caCert,
            retryBaseDelayMs: 10,
          },
          queues: { [SITE]: { templateQueueName: 'LOCAL_TEMPLATE' } },
        }),
      );
    config();

    // A token the server refuses: one round fetches nothing, reports the refusal, and keeps the secret.
    writeFileSync(tokenFile, 'not-the-token\n');
    const refused = await harvester(base, ['run', '--once'], { HARVESTER_LOG_LEVEL: 'info' });
    expect(refused.code).toBe(0);
    expect(wms.jobsQueued.sort()).toEqual([9301, 9302]);
    expect(server.requestsTo('pilot/acquire_jobs').map((r) => r.status)).toContain(403);
    expect(`${refused.stdout}${refused.stderr}`).toContain('403');
    expect(`${refused.stdout}${refused.stderr}`).not.toContain('not-the-token');

    // The right token; then every job report fails with 503 for a while (a proxy in front of a
    // server that is down): the jobs run, their final reports wait, and all arrive in the end.
    writeFileSync(tokenFile, `${TOKEN}\n`);
    server.injectFault({ kind: 'http-status', status: 503, endpoint: 'pilot/update_jobs_bulk', times: 12 });
    const run = await harvester(base, ['run', '--until-idle', '--timeout', '180']);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const updates = server.requestsTo('pilot/update_jobs_bulk');
    expect(updates.filter((r) => r.status === 503)).toHaveLength(12);
    expect(updates.at(-1)!.status).toBe(200);
    expect(wms.finalStatusOf(9301)).toBe('finished');
    expect(wms.finalStatusOf(9302)).toBe('failed');
    const rows = await json<JobRow[]>(base, ['jobs']);
    expect(rows.map((j) => [j.PandaID, j.status, j.subStatus])).toEqual([
      [9301, 'finished', 'done'],
      [9302, 'failed', 'done'],
    ]);
  }, 240_000);
});
