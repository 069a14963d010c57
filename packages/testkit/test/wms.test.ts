import { type FileSpec, jobSpecFromPandaDict } from '@harvester-ts/core';
import {
  adler32Hex,
  deterministicGuid,
  KILL_COMMAND,
  ManualClock,
  makeJobSpec,
  makePandaJob,
  SimulatedWms,
  WmsGarbledResponseError,
  WmsUnavailableError,
} from '../src/index.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('makePandaJob', () => {
  it('builds position-aligned comma lists for inputs, outputs and the log', () => {
    const job = makePandaJob({
      PandaID: 4242,
      taskID: 77,
      inFiles: ['EVNT.01.pool.root', { lfn: 'EVNT.02.pool.root', fsize: 5000, scope: 'mc23', guid: 'G-2' }],
      outFiles: ['HITS.01.pool.root'],
      coreCount: 8,
    });
    expect(job).toMatchObject({
      PandaID: 4242,
      taskID: 77,
      jobsetID: 77,
      attemptNr: 1,
      coreCount: 8,
      currentPriority: 1000,
      resource_type: 'MCORE',
      prodSourceLabel: 'managed',
      transformation: 'Sim_tf.py',
      inFiles: 'EVNT.01.pool.root,EVNT.02.pool.root',
      GUID: `${deterministicGuid('in:EVNT.01.pool.root')},G-2`,
      fsize: '1024,5000',
      checksum: `ad:${adler32Hex('EVNT.01.pool.root')},ad:${adler32Hex('EVNT.02.pool.root')}`,
      scopeIn: 'mc23_13p6TeV,mc23',
      ddmEndPointIn: 'SIM-SITE_DATADISK,SIM-SITE_DATADISK',
      outFiles: 'HITS.01.pool.root,log.4242.job.log.tgz',
      scopeOut: 'mc23_13p6TeV',
      scopeLog: 'panda',
      logFile: 'log.4242.job.log.tgz',
      logGUID: deterministicGuid('log:log.4242.job.log.tgz'),
      ddmEndPointOut: 'SIM-SITE_DATADISK,SIM-SITE_DATADISK',
      destinationSE: 'SIM-SITE',
      jobPars:
        '--inputEVNTFile=EVNT.01.pool.root,EVNT.02.pool.root --outputHITSFile=HITS.01.pool.root --maxEvents=10',
    });
    const realDatasetsIn = String(job.realDatasetsIn).split(',');
    const realDatasets = String(job.realDatasets).split(',');
    expect(realDatasetsIn).toHaveLength(2);
    expect(realDatasets).toHaveLength(2);
    expect(String(job.fileDestinationSE).split(',')).toHaveLength(2);
    expect(job.computingSite).toBeUndefined();
  });

  it('produces valid adler32 checksums and GUIDs', () => {
    expect(adler32Hex('Wikipedia')).toBe('11e60398');
    expect(deterministicGuid('x')).toMatch(
      /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-8[0-9A-F]{3}-[0-9A-F]{12}$/,
    );
    expect(deterministicGuid('x')).toBe(deterministicGuid('x'));
    expect(deterministicGuid('x')).not.toBe(deterministicGuid('y'));
  });

  it('leaves the log fields out for a job without a log, and applies extra fields last', () => {
    const job = makePandaJob({ PandaID: 1, logFile: null, extra: { eventService: 'True', coreCount: 2 } });
    expect(job.logFile).toBeUndefined();
    expect(job.logGUID).toBeUndefined();
    expect(job.outFiles).toBe('');
    expect(job.inFiles).toBe('');
    expect(job.eventService).toBe('True');
    expect(job.coreCount).toBe(2);
  });
});

function wmsWithJobs(...ids: number[]) {
  const clock = new ManualClock(T0);
  const wms = new SimulatedWms({ clock });
  wms.addJobs(...ids.map((PandaID) => makePandaJob({ PandaID })));
  return { clock, wms };
}

describe('SimulatedWms jobs', () => {
  it('hands out each job once, by priority then insertion order, and records hand-outs', async () => {
    const clock = new ManualClock(T0);
    const wms = new SimulatedWms({ clock });
    wms.addJobs(
      makePandaJob({ PandaID: 1 }),
      makePandaJob({ PandaID: 2, currentPriority: 5000 }),
      makePandaJob({ PandaID: 3 }),
    );
    expect(wms.jobsQueued).toEqual([2, 1, 3]);
    const first = await wms.getJobs(2, { siteName: 'Q' });
    expect(first.map((j) => j.PandaID)).toEqual([2, 1]);
    clock.advance(1000);
    const second = await wms.getJobs(5);
    expect(second.map((j) => j.PandaID)).toEqual([3]);
    expect(await wms.getJobs(5)).toEqual([]);
    expect(wms.jobsHandedOut).toEqual([2, 1, 3]);
    expect(wms.handOuts.map((h) => h.at)).toEqual([T0, T0, T0 + 1000]);
    expect(wms.handOuts[0]?.criteria).toEqual({ siteName: 'Q' });
    expect(wms.calls.getJobs).toBe(3);
  });

  it('hands out copies: changing one does not change the WMS', async () => {
    const { wms } = wmsWithJobs(1);
    const [job] = await wms.getJobs(1);
    if (!job) throw new Error('no job');
    job.inFiles = 'changed';
    expect(wms.jobDict(1)?.inFiles).toBe('');
  });

  it('matches jobs on site, prodSourceLabel and additional criteria', async () => {
    const wms = new SimulatedWms({ clock: () => T0 });
    wms.addJobs(
      makePandaJob({ PandaID: 1, computingSite: 'A' }),
      makePandaJob({ PandaID: 2, computingSite: 'B' }),
      makePandaJob({ PandaID: 3, coreCount: 8 }),
      makePandaJob({ PandaID: 4, prodSourceLabel: 'user' }),
    );
    expect(
      (await wms.getJobs(10, { siteName: 'B', additionalCriteria: { resourceType: 'MCORE' } })).map(
        (j) => j.PandaID,
      ),
    ).toEqual([3]);
    expect(
      (await wms.getJobs(10, { siteName: 'B', prodSourceLabel: 'managed' })).map((j) => j.PandaID),
    ).toEqual([2]);
    expect((await wms.getJobs(10, { siteName: 'A' })).map((j) => j.PandaID)).toEqual([1, 4]);
  });

  it('refuses a job it already holds and a dict without a valid PandaID', () => {
    const { wms } = wmsWithJobs(1);
    expect(() => wms.addJobs(makePandaJob({ PandaID: 1 }))).toThrow('already');
    expect(() => wms.addJobs({ PandaID: 'x' })).toThrow('no valid PandaID');
  });

  it('records every update per PandaID in order, with its time, and tells the final status', async () => {
    const { clock, wms } = wmsWithJobs(1, 2);
    await wms.getJobs(2);
    const replies1 = await wms.updateJobs([
      { PandaID: 1, status: 'starting', subStatus: 'submitted', attributes: { batchID: '10' } },
      { PandaID: 2, status: 'running', subStatus: 'running' },
    ]);
    expect(replies1).toEqual([{ ok: true }, { ok: true }]);
    clock.advance(60_000);
    const attrs = { exeErrorCode: 0, nEvents: 10 };
    await wms.updateJobs([{ PandaID: 1, status: 'finished', subStatus: 'done', attributes: attrs }]);
    attrs.nEvents = 99; // the record is a copy

    expect(wms.statusHistoryOf(1)).toEqual(['starting', 'finished']);
    expect(wms.updatesOf(1)).toEqual([
      { PandaID: 1, status: 'starting', subStatus: 'submitted', attributes: { batchID: '10' }, at: T0 },
      {
        PandaID: 1,
        status: 'finished',
        subStatus: 'done',
        attributes: { exeErrorCode: 0, nEvents: 10 },
        at: T0 + 60_000,
      },
    ]);
    expect(wms.finalStatusOf(1)).toBe('finished');
    expect(wms.finalStatusOf(2)).toBeUndefined();
    expect(wms.statusOf(2)).toBe('running');
    expect(wms.updatesOf(3)).toEqual([]);
  });

  it('refuses updates of unknown or undispatched jobs, and injected per-job errors', async () => {
    const { wms } = wmsWithJobs(1, 2, 3);
    await wms.getJobs(1); // job 1 only
    wms.rejectJobUpdates(1, { times: 2 });
    const upd = (PandaID: number) => ({ PandaID, status: 'running' });
    expect(await wms.updateJobs([upd(1), upd(2), upd(99)])).toEqual([
      { ok: false, error: 'update of job 1 refused (simulated)', retryable: true },
      { ok: false, error: 'job 2 was never dispatched', retryable: false },
      { ok: false, error: 'job 99 is unknown', retryable: false },
    ]);
    expect(await wms.updateJobs([upd(1)])).toEqual([
      { ok: false, error: 'update of job 1 refused (simulated)', retryable: true },
    ]);
    expect(await wms.updateJobs([upd(1)])).toEqual([{ ok: true }]);
    expect(wms.updatesOf(1)).toHaveLength(1);
    expect(wms.updatesOf(2)).toEqual([]);
  });

  it('attaches tobekilled to updates of a job to kill until it is final, and checkJobs shows it', async () => {
    const { wms } = wmsWithJobs(1, 2);
    await wms.getJobs(2);
    wms.killJob(1);
    expect(
      await wms.updateJobs([
        { PandaID: 1, status: 'running' },
        { PandaID: 2, status: 'running' },
      ]),
    ).toEqual([{ ok: true, command: KILL_COMMAND }, { ok: true }]);
    expect(await wms.checkJobs([1, 2, 42])).toEqual([
      { PandaID: 1, active: true, status: 'running', command: 'tobekilled' },
      { PandaID: 2, active: true, status: 'running' },
      { PandaID: 42, active: false, status: 'unknown' },
    ]);
    expect(await wms.updateJobs([{ PandaID: 1, status: 'cancelled', subStatus: 'killed' }])).toEqual([
      { ok: true },
    ]);
    expect(await wms.checkJobs([1])).toEqual([{ PandaID: 1, active: false, status: 'cancelled' }]);
  });

  it('reports queued and sent before any update', async () => {
    const { wms } = wmsWithJobs(1, 2);
    await wms.getJobs(1);
    expect(await wms.checkJobs([1, 2])).toEqual([
      { PandaID: 1, active: true, status: 'sent' },
      { PandaID: 2, active: true, status: 'queued' },
    ]);
  });
});

describe('SimulatedWms commands, workers, heartbeats, dialogs', () => {
  it('hands out commands once, oldest first, and records acknowledgements', async () => {
    const clock = new ManualClock(T0);
    const wms = new SimulatedWms({ clock, firstCommandID: 10 });
    expect(wms.addCommand('KILL_WORKERS:SITE', { workerIDs: [1] })).toBe(10);
    expect(wms.addCommand('REPORT_WORKER_STATS:SITE', null, { ackRequested: false })).toBe(11);
    wms.addCommand('SET_N_WORKERS_JOBTYPE:SITE', { n: 3 });
    const first = await wms.getCommands(2);
    expect(first).toEqual([
      {
        commandID: 10,
        command: 'KILL_WORKERS:SITE',
        params: { workerIDs: [1] },
        ackRequested: true,
        creationDate: new Date(T0),
      },
      {
        commandID: 11,
        command: 'REPORT_WORKER_STATS:SITE',
        params: null,
        ackRequested: false,
        creationDate: new Date(T0),
      },
    ]);
    expect(wms.commandsPending.map((c) => c.commandID)).toEqual([12]);
    expect((await wms.getCommands(10)).map((c) => c.commandID)).toEqual([12]);
    expect(await wms.getCommands(10)).toEqual([]);
    expect(wms.commandsAwaitingAck).toEqual([10, 12]);
    await wms.ackCommands([12, 99]);
    expect(wms.commandsAcked).toEqual([12]);
    expect(wms.commandsAwaitingAck).toEqual([10]);
  });

  it('records worker updates, heartbeats, worker stats and dialogs', async () => {
    const clock = new ManualClock(T0);
    const wms = new SimulatedWms({ clock });
    const oks = await wms.updateWorkers([
      { workerID: 1, harvesterID: 'h', batchID: '100', status: 'running', computingSite: 'Q', pandaIDs: [5] },
      { workerID: 2, harvesterID: 'h', batchID: null, status: 'missed', computingSite: 'Q' },
    ]);
    expect(oks).toEqual([true, true]);
    clock.advance(10);
    await wms.updateWorkers([
      { workerID: 1, harvesterID: 'h', batchID: '100', status: 'finished', computingSite: 'Q' },
    ]);
    expect(wms.workerUpdatesOf(1).map((u) => [u.status, u.at])).toEqual([
      ['running', T0],
      ['finished', T0 + 10],
    ]);
    await wms.isAlive({ startTime: new Date(T0), swVersion: '0.1.0' });
    await wms.updateWorkerStats('Q', { managed: { SCORE: { running: 3 } } });
    await wms.sendDialogMessages([
      {
        diagID: 1,
        moduleName: 'submitter',
        identifier: null,
        creationTime: new Date(T0),
        messageLevel: 'ERROR',
        diagMessage: 'boom',
      },
    ]);
    expect(wms.heartbeats).toEqual([{ data: { startTime: new Date(T0), swVersion: '0.1.0' }, at: T0 + 10 }]);
    expect(wms.workerStatsReports).toEqual([
      { siteName: 'Q', stats: { managed: { SCORE: { running: 3 } } }, at: T0 + 10 },
    ]);
    expect(wms.dialogs).toEqual([
      expect.objectContaining({
        diagID: 1,
        moduleName: 'submitter',
        messageLevel: 'ERROR',
        diagMessage: 'boom',
        at: T0 + 10,
      }),
    ]);
  });
});

describe('SimulatedWms event ranges', () => {
  it('generates ranges, hands each out once, and records updates', async () => {
    const wms = new SimulatedWms({ clock: () => T0 });
    wms.addJobs(makePandaJob({ PandaID: 7, taskID: 3, inFiles: ['EVNT.pool.root'] }));
    const ranges = wms.addEventRanges(7, 3);
    expect(ranges.map((r) => r.eventRangeID)).toEqual(['7-3-1', '7-3-2', '7-3-3']);
    expect(ranges[1]).toMatchObject({
      startEvent: 11,
      lastEvent: 20,
      LFN: 'EVNT.pool.root',
      scope: 'mc23_13p6TeV',
    });

    const got = await wms.getEventRanges([
      { pandaID: 7, nRanges: 2 },
      { pandaID: 8, nRanges: 2 },
    ]);
    expect(Object.keys(got)).toEqual(['7', '8']);
    expect(got['7']?.map((r) => r.eventRangeID)).toEqual(['7-3-1', '7-3-2']);
    expect(got['8']).toEqual([]);
    expect((await wms.getEventRanges([{ pandaID: 7, nRanges: 5 }]))['7']?.map((r) => r.eventRangeID)).toEqual(
      ['7-3-3'],
    );

    const replies = await wms.updateEventRanges([
      {
        pandaID: 7,
        eventRanges: [{ eventRangeID: '7-3-1', eventStatus: 'finished' }],
        zipFile: { lfn: 'z.zip' },
      },
      {
        pandaID: 7,
        eventRanges: [
          { eventRangeID: '7-3-2', eventStatus: 'failed' },
          { eventRangeID: 'bogus', eventStatus: 'finished' },
        ],
      },
    ]);
    expect(replies).toEqual([
      { ok: true },
      { ok: false, error: 'unknown event range(s) of job 7: bogus', retryable: false },
    ]);
    expect(wms.eventRangeStatusOf('7-3-1')).toBe('finished');
    expect(wms.eventRangeStatusOf('7-3-2')).toBeNull();
    expect(wms.eventRangeStatusOf('nope')).toBeUndefined();
    expect(wms.eventUpdatesOf(7)).toEqual([
      { eventRangeID: '7-3-1', eventStatus: 'finished', pandaID: 7, zipFile: { lfn: 'z.zip' }, at: T0 },
    ]);
  });
});

describe('SimulatedWms faults', () => {
  it('throws WmsUnavailableError while unavailable and applies nothing', async () => {
    const { wms } = wmsWithJobs(1);
    wms.setAvailable(false);
    await expect(wms.getJobs(1)).rejects.toBeInstanceOf(WmsUnavailableError);
    await expect(wms.isAlive({})).rejects.toMatchObject({ code: 'WMS_UNAVAILABLE' });
    expect(wms.jobsHandedOut).toEqual([]);
    expect(wms.heartbeats).toEqual([]);
    wms.setAvailable(true);
    expect((await wms.getJobs(1)).map((j) => j.PandaID)).toEqual([1]);
  });

  it('injects N unavailable calls of one method', async () => {
    const { wms } = wmsWithJobs(1);
    await wms.getJobs(1);
    wms.injectFault({ method: 'updateJobs', kind: 'unavailable', times: 2 });
    await expect(wms.checkJobs([1])).resolves.toHaveLength(1);
    await expect(wms.updateJobs([{ PandaID: 1, status: 'running' }])).rejects.toBeInstanceOf(
      WmsUnavailableError,
    );
    await expect(wms.updateJobs([{ PandaID: 1, status: 'running' }])).rejects.toBeInstanceOf(
      WmsUnavailableError,
    );
    await expect(wms.updateJobs([{ PandaID: 1, status: 'running' }])).resolves.toEqual([{ ok: true }]);
    expect(wms.updatesOf(1)).toHaveLength(1);
    expect(wms.calls.updateJobs).toBe(3);
  });

  it('applies a call that answers garbage, then throws WmsGarbledResponseError', async () => {
    const { wms } = wmsWithJobs(1, 2);
    wms.injectFault({ kind: 'garbage' });
    const err = await wms.getJobs(1).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WmsGarbledResponseError);
    expect((err as WmsGarbledResponseError).raw).toContain('502');
    // The job was handed out although the caller never saw it (lost, as with a real server).
    expect(wms.jobsHandedOut).toEqual([1]);
    expect((await wms.getJobs(5)).map((j) => j.PandaID)).toEqual([2]);
  });
});

describe('makePandaJob and makeJobSpec against core’s PanDA mapping', () => {
  it('map cleanly with jobSpecFromPandaDict, and makeJobSpec builds the same files', () => {
    const options = {
      PandaID: 31,
      taskID: 9,
      coreCount: 4,
      inFiles: ['EVNT.a.root', { lfn: 'EVNT.b.root', scope: 'user.x', fsize: 77 }],
      outFiles: ['HITS.a.root', 'AOD.a.root'],
    };
    const { job, files } = jobSpecFromPandaDict(makePandaJob(options), {
      computingSite: 'TEST_QUEUE',
      harvesterID: 'h',
    });
    expect([job.PandaID, job.taskID, job.nCore, job.attemptNr, job.resourceType]).toEqual([
      31,
      9,
      4,
      1,
      'MCORE',
    ]);
    const key = (f: FileSpec) => ({
      lfn: f.lfn,
      fileType: f.fileType,
      status: f.status,
      scope: f.scope,
      fsize: f.fsize,
      chksum: f.chksum,
      endpoint: f.endpoint,
      fileAttributes: f.fileAttributes,
    });
    expect(files.map((f) => [f.lfn, f.fileType])).toEqual([
      ['EVNT.a.root', 'input'],
      ['EVNT.b.root', 'input'],
      ['HITS.a.root', 'output'],
      ['AOD.a.root', 'output'],
      ['log.31.job.log.tgz', 'log'],
    ]);
    expect(makeJobSpec(options).files.map(key)).toEqual(files.map(key));
  });
});
