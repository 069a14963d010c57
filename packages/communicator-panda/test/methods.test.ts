// Every Communicator method over real HTTP against the fake PanDA server, in API v1 and legacy
// mode: what reaches the server (the wire) and what comes back.
import type { DiagSpec } from '@harvester-ts/core';
import {
  type FakePandaServer,
  makePandaJob,
  makeWorkSpec,
  startFakePandaServer,
} from '@harvester-ts/testkit';
import { clientFor, closeAll, getJobsRequest, runningJob, track } from './helpers.js';

let server: FakePandaServer;

beforeEach(async () => {
  server = track(await startFakePandaServer());
});
afterEach(closeAll);

const ENDPOINTS = {
  v1: {
    getJobs: 'pilot/acquire_jobs',
    updateJobs: 'pilot/update_jobs_bulk',
    checkJobs: 'job/get_status',
    getEventRanges: 'event/acquire_event_ranges',
    updateEventRanges: 'event/update_event_ranges',
    getCommands: 'harvester/acquire_commands',
    ackCommands: 'harvester/acknowledge_commands',
    updateWorkers: 'harvester/update_workers',
    isAlive: 'harvester/heartbeat',
    updateWorkerStats: 'harvester/report_worker_statistics',
    sendDialogMessages: 'harvester/add_dialogs',
  },
  legacy: {
    getJobs: 'getJob',
    updateJobs: 'updateJobsInBulk',
    checkJobs: 'checkJobStatus',
    getEventRanges: 'getEventRanges',
    updateEventRanges: 'updateEventRanges',
    getCommands: 'getCommands',
    ackCommands: 'ackCommands',
    updateWorkers: 'updateWorkers',
    isAlive: 'harvesterIsAlive',
    updateWorkerStats: 'reportWorkerStats_jobtype',
    sendDialogMessages: 'addHarvesterDialogs',
  },
} as const;

const header = (h: Record<string, string | string[] | undefined>, name: string) => h[name];

describe.each(['v1', 'legacy'] as const)('API %s', (api) => {
  const ep = ENDPOINTS[api];
  const client = () => clientFor(server, { api });

  it('getJobs hands out job dictionaries, then none; every request says Accept: application/json', async () => {
    server.wms.addJobs(
      makePandaJob({ PandaID: 101, computingSite: 'SITE_A' }),
      makePandaJob({ PandaID: 102, computingSite: 'SITE_A' }),
      makePandaJob({ PandaID: 103, computingSite: 'SITE_B' }),
    );
    const { comm } = await client();
    const got = await comm.getJobs(getJobsRequest(5, { resourceType: 'SCORE' }));
    expect(got.kind).toBe('success');
    expect(got.kind === 'success' && got.value.map((j) => j.PandaID).sort()).toEqual([101, 102]);
    expect(await comm.getJobs(getJobsRequest(5))).toEqual({ kind: 'success', value: [] });

    const [req] = server.requestsTo(ep.getJobs);
    expect(req?.status).toBe(200);
    expect(header(req?.headers ?? {}, 'accept')).toBe('application/json');
    if (api === 'v1') {
      expect(header(req?.headers ?? {}, 'content-type')).toBe('application/json');
      expect(req?.params).toEqual({
        site_name: 'SITE_A',
        node: 'node-1',
        prod_source_label: 'managed',
        computing_element: 'SITE_A',
        n_jobs: 5,
        scheduler_id: 'harvester-h1',
        harvester_id: 'h1',
        resource_type: 'SCORE',
      });
    } else {
      expect(header(req?.headers ?? {}, 'content-type')).toBe('application/x-www-form-urlencoded');
      expect(req?.params).toMatchObject({
        siteName: 'SITE_A',
        node: 'node-1',
        prodSourceLabel: 'managed',
        computingElement: 'SITE_A',
        schedulerID: 'harvester-h1',
        resourceType: 'SCORE',
      });
      expect(String(req?.params.nJobs)).toBe('5');
    }
  });

  it('updateJobs reports jobs with their attributes and passes the kill command back', async () => {
    server.wms.addJobs(
      makePandaJob({ PandaID: 201, computingSite: 'SITE_A' }),
      makePandaJob({ PandaID: 202, computingSite: 'SITE_A' }),
    );
    const { comm } = await client();
    await comm.getJobs(getJobsRequest(2));
    server.wms.killJob(202);
    const attrs = {
      transExitCode: 0,
      pilotErrorCode: 1305,
      cpuConsumptionTime: 120,
      maxRSS: 2048.5,
      token: 'x',
    };
    const out = await comm.updateJobs([runningJob(201, attrs), runningJob(202)], 'lock-1');
    expect(out).toEqual([
      { kind: 'success', value: {} },
      { kind: 'success', value: { command: 'tobekilled' } },
    ]);
    expect(server.wms.statusOf(201)).toBe('running');
    const update = server.wms.updatesOf(201).at(-1);
    expect(update).toMatchObject({ status: 'running', attemptNr: 1, coreCount: 8 });
    // The legacy records carry integers as strings, as Harvester's legacy client did.
    expect(update?.attributes).toMatchObject(
      api === 'v1'
        ? { transExitCode: 0, pilotErrorCode: 1305, cpuConsumptionTime: 120 }
        : { transExitCode: '0', pilotErrorCode: '1305', cpuConsumptionTime: '120' },
    );

    const [req] = server.requestsTo(ep.updateJobs);
    expect(header(req?.headers ?? {}, 'accept')).toBe('application/json');
    if (api === 'v1') {
      expect(header(req?.headers ?? {}, 'content-type')).toBe('application/json');
      const list = req?.params.job_list as Record<string, unknown>[];
      expect(req?.params.harvester_id).toBe('h1');
      expect(list[0]).toMatchObject({
        job_id: 201,
        job_status: 'running',
        job_sub_status: 'running',
        attempt_nr: 1,
        core_count: 8,
        start_time: '2026-05-01 10:00:00',
        site_name: 'SITE_A',
        trans_exit_code: 0,
        pilot_error_code: 1305,
        cpu_consumption_time: 120,
        max_rss: 2048.5,
      });
      expect(list[0]).not.toHaveProperty('token');
    } else {
      const list = JSON.parse(String(req?.params.jobList)) as Record<string, unknown>[];
      expect(list[0]).toMatchObject({ jobId: 201, state: 'running', attemptNr: 1, transExitCode: '0' });
    }
  });

  it("updateJobs: per-job failures are that job's only; an unknown running job is told to die", async () => {
    server.wms.addJobs(makePandaJob({ PandaID: 301, computingSite: 'SITE_A' }));
    const { comm } = await client();
    await comm.getJobs(getJobsRequest(1));
    const unknownFinal = runningJob(999_999);
    unknownFinal.status = 'finished';
    unknownFinal.subStatus = 'staged' as never;
    unknownFinal.metaData = { exitCode: 0 };
    const out = await comm.updateJobs([runningJob(301), unknownFinal, runningJob(999_998)], 'lock');
    expect(out[0]).toEqual({ kind: 'success', value: {} });
    if (api === 'v1') {
      // StatusCode 30 (here: metadata of an unknown job) is ambiguous: sent again next cycle.
      expect(out[1]?.kind).toBe('retry');
      expect(out[1]?.kind !== 'success' && out[1]?.diag).toBe(
        'pilot/update_jobs_bulk: job 999999 not updated: StatusCode=30 Failed to add meta_data',
      );
      expect(out[2]).toEqual({ kind: 'success', value: { command: 'tobekilled' } });
    } else {
      // The legacy server answers a bare success for the metadata it cannot store.
      expect(out.slice(1)).toEqual([
        { kind: 'success', value: {} },
        { kind: 'success', value: { command: 'tobekilled' } },
      ]);
    }
    expect(server.wms.statusOf(301)).toBe('running');
  });

  if (api === 'v1') {
    it('updateJobs: an attribute of the wrong type is an argument error for that job only (never retried)', async () => {
      server.wms.addJobs(
        makePandaJob({ PandaID: 311, computingSite: 'SITE_A' }),
        makePandaJob({ PandaID: 312, computingSite: 'SITE_A' }),
      );
      const { comm } = await client();
      await comm.getJobs(getJobsRequest(2));
      const out = await comm.updateJobs([runningJob(311, { nEvents: 'many' }), runningJob(312)], 'lock');
      expect(out[0]?.kind).toBe('fatal');
      expect(out[0]?.kind !== 'success' && out[0]?.diag).toMatch(/n_events/);
      expect(out[1]?.kind).toBe('success');
      expect(server.requestsTo(ep.updateJobs)).toHaveLength(1);
    });
  }

  it('updateJobs: StatusCode 30 (the server failed to apply it) is retryLater; sent again, it is applied', async () => {
    server.wms.addJobs(
      makePandaJob({ PandaID: 321, computingSite: 'SITE_A' }),
      makePandaJob({ PandaID: 322, computingSite: 'SITE_A' }),
    );
    const { comm } = await client();
    await comm.getJobs(getJobsRequest(2));
    server.wms.rejectJobUpdates(321, { error: 'database busy' });
    server.wms.rejectJobUpdates(322, { error: 'refused', retryable: false });
    const first = await comm.updateJobs([runningJob(321), runningJob(322)], 'lock');
    expect(first.map((o) => o.kind)).toEqual(['retry', 'retry']);
    expect(first[0]?.kind !== 'success' && first[0]?.diag).toMatch(/job 321 not updated: StatusCode=30/);
    expect(server.wms.updatesOf(321)).toEqual([]);
    const again = await comm.updateJobs([runningJob(321), runningJob(322)], 'lock');
    expect(again).toEqual([
      { kind: 'success', value: {} },
      { kind: 'success', value: {} },
    ]);
    expect(server.wms.statusHistoryOf(321)).toEqual(['running']);
    expect(server.wms.statusHistoryOf(322)).toEqual(['running']);
  });

  it('checkJobs: one status per job in order; unknown jobs are inactive', async () => {
    server.wms.addJobs(makePandaJob({ PandaID: 401, computingSite: 'SITE_A' }));
    const { comm } = await client();
    await comm.getJobs(getJobsRequest(1));
    await comm.updateJobs([runningJob(401)], 'lock');
    const out = await comm.checkJobs([runningJob(401), runningJob(424_242)]);
    expect(out[0]).toMatchObject({ kind: 'success', value: { active: true, status: 'running' } });
    expect(out[1]).toMatchObject({ kind: 'success', value: { active: false } });
    const [req] = server.requestsTo(ep.checkJobs);
    if (api === 'v1') {
      expect(req?.method).toBe('GET');
      expect(req?.params.job_ids).toEqual([401, 424_242]);
    } else {
      expect(req?.params.ids).toBe('401,424242');
    }
  });

  it('event ranges: acquired in chunks, updated per batch', async () => {
    server.wms.addJobs(makePandaJob({ PandaID: 501, computingSite: 'SITE_A', taskID: 77 }));
    const { comm } = await clientFor(server, { api, eventRangesChunkSize: 2 });
    await comm.getJobs(getJobsRequest(1));
    server.wms.addEventRanges(501, 5);
    const got = await comm.getEventRanges([{ pandaID: 501, jobsetID: 9, taskID: 77, nRanges: 4 }], false);
    expect(got.kind).toBe('success');
    const ranges = got.kind === 'success' ? (got.value['501'] ?? []) : [];
    expect(ranges).toHaveLength(4);
    expect(server.requestsTo(ep.getEventRanges)).toHaveLength(2);

    const out = await comm.updateEventRanges([
      {
        pandaID: 501,
        eventRanges: ranges
          .slice(0, 2)
          .map((r) => ({ eventRangeID: r.eventRangeID, eventStatus: 'finished' })),
        zipFile: { lfn: 'events.zip', objstoreID: 1, fsize: 100, checksum: 'ad:01020304' },
      },
      { pandaID: 501, eventRanges: [{ eventRangeID: ranges[2]?.eventRangeID ?? '', eventStatus: 'failed' }] },
    ]);
    expect(out.map((o) => o.kind)).toEqual(['success', 'success']);
    expect(server.wms.eventRangeStatusOf(ranges[0]?.eventRangeID ?? '')).toBe('finished');
    expect(server.wms.eventRangeStatusOf(ranges[2]?.eventRangeID ?? '')).toBe('failed');
    const [upd] = server.requestsTo(ep.updateEventRanges);
    const sent = api === 'v1' ? upd?.params.event_ranges : upd?.params.eventRanges;
    expect(typeof sent).toBe('string');
    expect(String(upd?.params.version)).toBe('1');
  });

  it('commands are fetched and acknowledged', async () => {
    const id = server.wms.addCommand('SET_N_WORKERS_JOBTYPE:SITE_A', { managed: { SCORE: 3 } });
    const { comm } = await client();
    const got = await comm.getCommands(10);
    expect(got).toEqual({
      kind: 'success',
      value: [
        {
          commandID: id,
          command: 'SET_N_WORKERS_JOBTYPE:SITE_A',
          params: { managed: { SCORE: 3 } },
          ackRequested: true,
          creationDate: expect.any(Date),
        },
      ],
    });
    expect(await comm.ackCommands([id])).toEqual({ kind: 'success', value: undefined });
    expect(await comm.getCommands(10)).toEqual({ kind: 'success', value: [] });
    expect(server.requestsTo(ep.ackCommands)).toHaveLength(1);
  });

  it('updateWorkers: one outcome per worker, Harvester fields on the wire', async () => {
    const { comm } = await client();
    const workers = [1, 2].map((workerID) =>
      makeWorkSpec({
        workerID,
        harvesterID: 'h1',
        status: 'running',
        batchID: `b${workerID}`,
        computingSite: 'SITE_A',
      }),
    );
    const out = await comm.updateWorkers(workers);
    expect(out).toEqual([
      { kind: 'success', value: undefined },
      { kind: 'success', value: undefined },
    ]);
    expect(server.wms.workerUpdates.map((w) => [w.workerID, w.status, w.batchID])).toEqual([
      [1, 'running', 'b1'],
      [2, 'running', 'b2'],
    ]);
    const [req] = server.requestsTo(ep.updateWorkers);
    const sent = api === 'v1' ? req?.params.workers : JSON.parse(String(req?.params.workers));
    expect((sent as Record<string, unknown>[])[0]).toMatchObject({
      workerID: 1,
      status: 'running',
      computingSite: 'SITE_A',
    });
  });

  it('isAlive, updateWorkerStats and sendDialogMessages', async () => {
    const { comm } = await client();
    expect(
      (await comm.isAlive({ startTime: new Date('2026-01-01T00:00:00Z'), swVersion: 'harvester-ts' })).kind,
    ).toBe('success');
    // v1: the first heartbeat of an instance creates its record and is answered as a database
    // error, so the communicator sends it once more.
    expect(server.heartbeats.map((h) => h.harvesterId)).toEqual(api === 'v1' ? ['h1', 'h1'] : ['h1']);
    expect((await comm.isAlive({ startTime: new Date(), swVersion: 'harvester-ts' })).kind).toBe('success');
    expect(server.requestsTo(ep.isAlive)).toHaveLength(api === 'v1' ? 3 : 2);
    expect(server.heartbeats[0]?.data).toMatchObject({
      startTime: 'datetime/2026-01-01 00:00:00.000000',
      sw_version: 'harvester-ts',
    });

    const stats = { managed: { SCORE: { running: 2, submitted: 1 } } };
    expect((await comm.updateWorkerStats('SITE_A', stats)).kind).toBe('success');
    expect(server.wms.workerStatsReports.map((r) => [r.siteName, r.stats])).toEqual([['SITE_A', stats]]);

    const dialog: DiagSpec = {
      diagID: 1,
      moduleName: 'propagator',
      identifier: 'x',
      creationTime: new Date('2026-01-01T00:00:01Z'),
      lockTime: null,
      messageLevel: 'WARNING',
      lockedBy: null,
      diagMessage: 'hello',
    };
    expect((await comm.sendDialogMessages([dialog])).kind).toBe('success');
    expect(server.wms.dialogs.map((d) => [d.diagID, d.messageLevel, d.diagMessage])).toEqual([
      [1, 'WARNING', 'hello'],
    ]);
    for (const e of [ep.updateWorkerStats, ep.sendDialogMessages])
      expect(server.requestsTo(e).map((r) => r.status)).toEqual([200]);
  });
});
