// The legacy /server/panda/<method> API of the fake PanDA server: form parameters, Protocol
// answers (urlencoded or JSON by Accept), JSON texts, and Python's TypeError as HTTP 500.
import { gzipSync } from 'node:zlib';
import { legacyUpdateJobsInBulkForm, pandaJobUpdateLegacy } from '@harvester-ts/core';
import { type FakePandaServer, makeJobSpec, makePandaJob, startFakePandaServer } from '../src/index.js';
import { call } from './panda-server-helpers.js';

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

const legacy = (method: string, form: Record<string, string>, acceptJson = true) =>
  call(server, `/server/panda/${method}`, { form, acceptJson });

it('answers isAlive with alive=yes', async () => {
  const r = await call(server, '/server/panda/isAlive', { acceptJson: false });
  expect([r.status, r.contentType, r.text]).toEqual([200, 'text/plain', 'alive=yes']);
});

it('hands out jobs with getJob: JSON by Accept, urlencoded otherwise, a single job without nJobs', async () => {
  const json = await legacy('getJob', { siteName: 'SITE_A', nJobs: '1', prodSourceLabel: 'managed' });
  expect(json.contentType).toBe('application/json');
  const data = JSON.parse(json.text);
  expect(data.StatusCode).toBe(0);
  expect(data.jobs[0]).toMatchObject({ StatusCode: 0, PandaID: 1, nSent: 1 });
  const single = await legacy('getJob', { siteName: 'SITE_A' });
  expect(JSON.parse(single.text)).toMatchObject({ StatusCode: 0, PandaID: 2 });
  const none = await legacy('getJob', { siteName: 'SITE_A' });
  expect(JSON.parse(none.text)).toEqual({ StatusCode: 20, errorDialog: 'no jobs in PanDA' });
  const plain = await legacy('getJob', { siteName: 'SITE_A' }, false);
  expect([plain.contentType, plain.text]).toEqual(['text/plain', 'StatusCode=20']);
});

it('answers unknown and missing parameters with HTTP 500 and the TypeError text', async () => {
  const unknown = await legacy('getJob', { siteName: 'SITE_A', site_name: 'x' });
  expect([unknown.status, unknown.text]).toEqual([
    500,
    "getJob() got an unexpected keyword argument 'site_name'",
  ]);
  const missing = await legacy('updateJob', {});
  expect([missing.status, missing.text]).toEqual([
    500,
    "updateJob() missing 2 required positional arguments: 'jobId' and 'state'",
  ]);
  expect((await call(server, '/server/panda/nope')).status).toBe(403);
});

it('reads gzipped JSON bodies with booleans as "True"/"False"', async () => {
  const r = await call(server, '/server/panda/getJob', {
    body: gzipSync(JSON.stringify({ siteName: 'SITE_A', nJobs: 1, background: true })),
    headers: { 'Content-Type': 'application/json' },
  });
  expect(JSON.parse(r.text).jobs[0].PandaID).toBe(1);
  expect(server.requestsTo('getJob')[0]?.params).toEqual({
    siteName: 'SITE_A',
    nJobs: 1,
    background: 'True',
  });
  const plain = await call(server, '/server/panda/getJob', { json: { siteName: 'SITE_A' } });
  expect([plain.status, plain.text]).toEqual([500, "Not a gzipped file (b'{\"')"]);
});

it('updates jobs with updateJob and updateJobsInBulk (the records core builds)', async () => {
  await legacy('getJob', { siteName: 'SITE_A', nJobs: '2' });
  const one = await legacy('updateJob', { jobId: '1', state: 'running', coreCount: '8', attemptNr: '1' });
  expect(JSON.parse(one.text)).toEqual({ StatusCode: 0, command: 'NULL' });
  expect(server.wms.updatesOf(1)[0]).toMatchObject({ status: 'running', coreCount: 8, attemptNr: 1 });
  const invalid = await legacy('updateJob', { jobId: '1', state: 'bogus' });
  expect(JSON.parse(invalid.text)).toEqual({ StatusCode: 0 });
  const plain = await legacy('updateJob', { jobId: '1', state: 'running' }, false);
  expect(plain.text).toBe('StatusCode=0&command=NULL');

  const job = makeJobSpec({ PandaID: 2, computingSite: 'SITE_A' });
  job.status = 'finished';
  job.subStatus = 'done';
  job.metaData = { exitCode: 0 };
  job.jobAttributes = { token: 'abc', transExitCode: 0 };
  server.wms.killJob(1);
  const form = legacyUpdateJobsInBulkForm(
    [
      pandaJobUpdateLegacy(job),
      { jobId: 1, state: 'running' } as never,
      { jobId: 404, state: 'running' } as never,
    ],
    'h1',
  );
  const bulk = await legacy('updateJobsInBulk', form);
  expect(bulk.contentType).toBe('text/plain');
  const [ok, results] = JSON.parse(bulk.text);
  expect(ok).toBe(true);
  expect(results.map((x: { type: string; content: string }) => [x.type, JSON.parse(x.content)])).toEqual([
    ['json', { StatusCode: 0, command: 'NULL' }],
    ['json', { StatusCode: 0, command: 'tobekilled' }],
    ['json', { StatusCode: 0, command: 'tobekilled' }],
  ]);
  expect(server.wms.updatesOf(2)[0]).toMatchObject({
    status: 'finished',
    metaData: { exitCode: 0 },
    attributes: { token: 'abc', transExitCode: '0', siteName: 'SITE_A' },
  });
  const bad = await legacy('updateJobsInBulk', {
    jobList: JSON.stringify([{ jobId: 1, state: 'running', x: 1 }]),
    harvester_id: 'h1',
  });
  expect(JSON.parse(bad.text)).toEqual([
    false,
    "updateJobsInBulk h1 failed with TypeError updateJob() got an unexpected keyword argument 'x'",
  ]);
});

it('answers a WMS refusal of an update with StatusCode 30 and records nothing for it', async () => {
  await legacy('getJob', { siteName: 'SITE_A', nJobs: '2' });
  server.wms.rejectJobUpdates(1, { retryable: true });
  server.wms.rejectJobUpdates(2, { retryable: false });
  const form = {
    jobList: JSON.stringify([
      { jobId: 1, state: 'running' },
      { jobId: 2, state: 'running' },
    ]),
    harvester_id: 'h1',
  };
  const contents = async () => {
    const [ok, results] = JSON.parse((await legacy('updateJobsInBulk', form)).text);
    expect(ok).toBe(true);
    return results.map((x: { content: string }) => JSON.parse(x.content));
  };
  expect(await contents()).toEqual([{ StatusCode: 30 }, { StatusCode: 30 }]);
  expect(server.wms.updatesOf(1)).toEqual([]);
  expect(server.wms.updatesOf(2)).toEqual([]);
  expect(await contents()).toEqual([
    { StatusCode: 0, command: 'NULL' },
    { StatusCode: 0, command: 'NULL' },
  ]);
  expect(server.wms.statusHistoryOf(1)).toEqual(['running']);
  expect(server.wms.statusHistoryOf(2)).toEqual(['running']);
});

it('answers checkJobStatus, commands, workers, heartbeats and the rest', async () => {
  await legacy('getJob', { siteName: 'SITE_A', nJobs: '1' });
  const status = await legacy('checkJobStatus', { ids: '1,404' }, false);
  expect(status.contentType).toBe('application/json');
  expect(JSON.parse(status.text)).toEqual({
    StatusCode: 0,
    data: [
      { command: null, status: 'sent' },
      { command: 'tobekilled', status: 'unknown' },
    ],
  });

  const id = server.wms.addCommand('SYNC_WORKERS_KILL');
  const cmds = JSON.parse((await legacy('getCommands', { harvester_id: 'h1', n_commands: '5' })).text);
  expect(cmds).toMatchObject({
    StatusCode: 0,
    Returns: 0,
    Commands: [{ command_id: id, command: 'SYNC_WORKERS_KILL' }],
  });
  expect(JSON.parse((await legacy('ackCommands', { command_ids: JSON.stringify([id]) })).text)).toEqual({
    StatusCode: 0,
    Returns: 0,
  });
  expect(server.wms.commandsAcked).toEqual([id]);

  const workers = JSON.stringify([{ workerID: 3, status: 'running', computingSite: 'SITE_A' }]);
  expect((await legacy('updateWorkers', { harvesterID: 'h1', workers })).text).toBe('[true, [true]]');
  expect((await legacy('updateWorkers', { harvesterID: 'h1', workers: '{' })).text).toBe(
    '[false, "failed to load JSON"]',
  );
  expect((await legacy('get_max_worker_id', { harvester_id: 'h1' })).text).toBe('3');

  expect((await legacy('harvesterIsAlive', { harvesterID: 'h1', data: '{"sw_version": "1"}' })).text).toBe(
    '[true, "no instance record"]',
  );
  expect((await legacy('harvesterIsAlive', { harvesterID: 'h1', data: '{}' })).text).toBe(
    '[true, "succeeded"]',
  );

  const stats = JSON.stringify({ managed: { SCORE: { running: 1 } } });
  expect(
    (await legacy('reportWorkerStats_jobtype', { harvesterID: 'h1', siteName: 'SITE_A', paramsList: stats }))
      .text,
  ).toBe('[true, "OK"]');
  expect(JSON.parse((await legacy('getWorkerStats', {})).text)).toEqual({
    SITE_A: { h1: { managed: { SCORE: { running: 1 } } } },
  });
  const dialogs = JSON.stringify([{ diagID: 1, moduleName: 'm', messageLevel: 'INFO', diagMessage: 'hi' }]);
  expect((await legacy('addHarvesterDialogs', { harvesterID: 'h1', dialogs })).text).toBe('[true, ""]');
  const metrics = JSON.stringify([['2026-01-01 00:00:00.000000', 'host', '{}']]);
  expect((await legacy('updateServiceMetrics', { harvesterID: 'h1', metrics })).text).toBe('[true, [true]]');
  const rt = JSON.parse((await legacy('getResourceTypes', {})).text);
  expect(rt).toMatchObject({ StatusCode: 0, Returns: 0 });
  expect(rt.ResourceTypes).toHaveLength(4);
});

it('hands out and updates event ranges', async () => {
  await legacy('getJob', { siteName: 'SITE_A', nJobs: '1' });
  server.wms.addEventRanges(1, 2);
  expect(
    JSON.parse((await legacy('checkEventsAvailability', { pandaID: '1', jobsetID: '1', taskID: '1' })).text),
  ).toEqual({
    StatusCode: 0,
    nEventRanges: 2,
  });
  const got = JSON.parse(
    (await legacy('getEventRanges', { pandaID: '1', jobsetID: '1', nRanges: '1' })).text,
  );
  expect(got.eventRanges.map((r: { eventRangeID: string }) => r.eventRangeID)).toEqual(['1-1-1']);
  const upd = await legacy('updateEventRanges', {
    eventRanges: JSON.stringify([{ eventRangeID: '1-1-1', eventStatus: 'finished' }]),
  });
  expect(JSON.parse(upd.text)).toEqual({ StatusCode: 0, Returns: '[true]', Command: '{}' });
  expect(server.wms.eventRangeStatusOf('1-1-1')).toBe('finished');
});
