import {
  type Communicator,
  DiagSpec,
  instantiatePlugin,
  JobStatus,
  JobSubStatus,
  WorkerStatus,
} from '@harvester-ts/core';
import {
  clearSimulations,
  ManualClock,
  makeJobSpec,
  makePandaJob,
  makeWorkSpec,
  registerSimulation,
  SimulatedWms,
  SimulationNotFoundError,
  TestkitCommunicator,
  testPluginContext,
} from '../src/index.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

const request = {
  siteName: 'TEST_SITE',
  nodeName: 'harvester-host',
  prodSourceLabel: 'managed',
  computingElement: 'TEST_QUEUE',
  nJobs: 2,
  additionalCriteria: {},
};

async function setup() {
  const clock = new ManualClock(T0);
  const wms = new SimulatedWms({ clock });
  registerSimulation('default', { wms });
  const ctx = testPluginContext({ queueName: undefined });
  const comm: Communicator = await instantiatePlugin(TestkitCommunicator, 'communicator', {}, ctx, {
    section: 'communicator',
    module: '@harvester-ts/testkit',
    exportName: 'TestkitCommunicator',
  });
  return { clock, wms, comm };
}

afterEach(() => clearSimulations());

describe('TestkitCommunicator jobs', () => {
  it('gets job dictionaries, each once', async () => {
    const { wms, comm } = await setup();
    wms.addJobs(...[1, 2, 3].map((PandaID) => makePandaJob({ PandaID, inFiles: [`in.${PandaID}`] })));
    const first = await comm.getJobs(request);
    expect(first.kind).toBe('success');
    if (first.kind !== 'success') return;
    expect(first.value.map((j) => j.PandaID)).toEqual([1, 2]);
    expect(first.value[0]?.inFiles).toBe('in.1');
    const second = await comm.getJobs(request);
    expect(second).toEqual({ kind: 'success', value: [expect.objectContaining({ PandaID: 3 })] });
    expect(await comm.getJobs(request)).toEqual({ kind: 'success', value: [] });
    expect(wms.jobsHandedOut).toEqual([1, 2, 3]);
    expect(wms.handOuts[0]?.criteria).toMatchObject({ siteName: 'TEST_SITE', prodSourceLabel: 'managed' });
  });

  it('records status, subStatus and attributes per job and returns outcomes per job', async () => {
    const { clock, wms, comm } = await setup();
    wms.addJobs(makePandaJob({ PandaID: 1 }), makePandaJob({ PandaID: 2 }), makePandaJob({ PandaID: 3 }));
    await wms.getJobs(2);
    wms.killJob(2);
    wms.rejectJobUpdates(1, { times: 1, error: 'database busy' });

    const j1 = makeJobSpec({ PandaID: 1, status: JobStatus.running, subStatus: JobSubStatus.running });
    const j2 = makeJobSpec({ PandaID: 2, status: JobStatus.running, subStatus: JobSubStatus.running });
    const j3 = makeJobSpec({ PandaID: 3, status: JobStatus.running, subStatus: JobSubStatus.running });
    j2.setAttributes({ batchID: '1000', node: 'simnode01' });
    const outcomes = await comm.updateJobs([j1, j2, j3], 'propagator-1');
    expect(outcomes).toEqual([
      { kind: 'retry', diag: 'database busy' },
      { kind: 'success', value: { command: 'tobekilled' } },
      { kind: 'fatal', diag: 'job 3 was never dispatched' },
    ]);
    expect(wms.calls.updateJobs).toBe(1);

    clock.advance(1_000);
    j1.status = JobStatus.finished;
    j1.subStatus = JobSubStatus.done;
    j1.setAttributes({ exeErrorCode: 0 });
    j1.endTime = new Date(T0 + 500);
    expect(await comm.updateJobs([j1], 'propagator-1')).toEqual([{ kind: 'success', value: {} }]);
    expect(wms.updatesOf(1)).toEqual([
      expect.objectContaining({
        PandaID: 1,
        status: 'finished',
        subStatus: 'done',
        attemptNr: 1,
        coreCount: 1,
        attributes: { exeErrorCode: 0 },
        endTime: new Date(T0 + 500),
        lockId: 'propagator-1',
        at: T0 + 1_000,
      }),
    ]);
    expect(wms.updatesOf(2)[0]).toMatchObject({
      status: 'running',
      attributes: { batchID: '1000', node: 'simnode01' },
    });
    expect(wms.finalStatusOf(1)).toBe('finished');
  });

  it('checks jobs', async () => {
    const { wms, comm } = await setup();
    wms.addJobs(makePandaJob({ PandaID: 1 }), makePandaJob({ PandaID: 2 }));
    await wms.getJobs(2);
    wms.killJob(1);
    await wms.updateJobs([{ PandaID: 2, status: 'failed' }]);
    const results = await comm.checkJobs?.([
      makeJobSpec({ PandaID: 1 }),
      makeJobSpec({ PandaID: 2 }),
      makeJobSpec({ PandaID: 9 }),
    ]);
    expect(results).toEqual([
      { kind: 'success', value: { active: true, status: 'sent', command: 'tobekilled' } },
      { kind: 'success', value: { active: false, status: 'failed' } },
      { kind: 'success', value: { active: false, status: 'unknown' } },
    ]);
  });

  it('gives retry for every job when the WMS is unavailable or garbles its answer', async () => {
    const { wms, comm } = await setup();
    wms.addJobs(makePandaJob({ PandaID: 1 }), makePandaJob({ PandaID: 2 }));
    wms.injectFault({ method: 'getJobs', kind: 'unavailable' });
    expect(await comm.getJobs(request)).toEqual({
      kind: 'retry',
      diag: 'WMS unavailable: simulated WMS unavailable during getJobs',
    });
    expect(wms.jobsHandedOut).toEqual([]);
    await comm.getJobs(request);

    const jobs = [
      makeJobSpec({ PandaID: 1, status: JobStatus.running }),
      makeJobSpec({ PandaID: 2, status: JobStatus.running }),
    ];
    wms.injectFault({ method: 'updateJobs', kind: 'garbage' });
    const outcomes = await comm.updateJobs(jobs, 'p');
    expect(outcomes.map((o) => o.kind)).toEqual(['retry', 'retry']);
    expect(outcomes[0]).toMatchObject({ diag: expect.stringContaining('malformed response from the WMS') });
    // Garbage means the WMS did apply the update: a retry sends it again (at-least-once).
    expect(wms.updatesOf(1)).toHaveLength(1);
    await comm.updateJobs(jobs, 'p');
    expect(wms.statusHistoryOf(1)).toEqual(['running', 'running']);

    wms.setAvailable(false);
    expect((await comm.checkJobs?.(jobs))?.map((o) => o.kind)).toEqual(['retry', 'retry']);
    expect((await comm.isAlive?.({ startTime: new Date(T0), swVersion: '1' }))?.kind).toBe('retry');
  });

  it('names a simulation without a WMS in its error', async () => {
    registerSimulation('batch-only', {});
    const comm = await instantiatePlugin(
      TestkitCommunicator,
      'communicator',
      { simulation: 'batch-only' },
      testPluginContext(),
      {
        section: 'communicator',
        module: '@harvester-ts/testkit',
        exportName: 'TestkitCommunicator',
      },
    );
    await expect(comm.getJobs(request)).rejects.toBeInstanceOf(SimulationNotFoundError);
    await expect(comm.getJobs(request)).rejects.toThrow("simulation 'batch-only' has no wms");
  });
});

describe('TestkitCommunicator commands, workers, heartbeat, stats, events, dialogs', () => {
  it('gets and acknowledges commands', async () => {
    const { wms, comm } = await setup();
    const id = wms.addCommand('KILL_WORKERS:TEST_SITE', { workerIDs: [3] });
    const got = await comm.getCommands?.(10);
    expect(got).toEqual({
      kind: 'success',
      value: [
        {
          commandID: id,
          command: 'KILL_WORKERS:TEST_SITE',
          params: { workerIDs: [3] },
          ackRequested: true,
          creationDate: new Date(T0),
        },
      ],
    });
    expect(await comm.ackCommands?.([id])).toEqual({ kind: 'success', value: undefined });
    expect(wms.commandsAcked).toEqual([id]);
  });

  it('updates workers with their propagated fields', async () => {
    const { wms, comm } = await setup();
    const job = makeJobSpec({ PandaID: 5 });
    const w = makeWorkSpec({
      workerID: 7,
      batchID: '1000',
      status: WorkerStatus.running,
      nCore: 4,
      jobs: [job],
    });
    w.nodeID = 'simnode01';
    w.nativeStatus = 'running';
    expect(await comm.updateWorkers?.([w])).toEqual([{ kind: 'success', value: undefined }]);
    expect(wms.workerUpdatesOf(7)).toEqual([
      expect.objectContaining({
        workerID: 7,
        harvesterID: 'testkit',
        batchID: '1000',
        status: 'running',
        computingSite: 'TEST_QUEUE',
        nCore: 4,
        nodeID: 'simnode01',
        nativeStatus: 'running',
        nJobs: 1,
        pandaIDs: [5],
        at: T0,
      }),
    ]);
  });

  it('sends heartbeats, worker stats and dialogs', async () => {
    const { wms, comm } = await setup();
    expect(
      await comm.isAlive?.({ startTime: new Date(T0), swVersion: '0.1.0', commands: ['KILL_WORKERS'] }),
    ).toEqual({
      kind: 'success',
      value: undefined,
    });
    expect(wms.heartbeats[0]?.data).toEqual({
      startTime: new Date(T0),
      swVersion: '0.1.0',
      commands: ['KILL_WORKERS'],
    });
    expect((await comm.updateWorkerStats?.('TEST_SITE', { managed: { SCORE: { running: 2 } } }))?.kind).toBe(
      'success',
    );
    expect(wms.workerStatsReports).toEqual([
      { siteName: 'TEST_SITE', stats: { managed: { SCORE: { running: 2 } } }, at: T0 },
    ]);
    const d = Object.assign(new DiagSpec(), {
      diagID: 3,
      moduleName: 'monitor',
      identifier: 'w7',
      creationTime: new Date(T0),
      lockTime: null,
      messageLevel: 'WARNING',
      lockedBy: null,
      diagMessage: 'slow',
    });
    expect((await comm.sendDialogMessages?.([d]))?.kind).toBe('success');
    expect(wms.dialogs).toEqual([
      {
        diagID: 3,
        moduleName: 'monitor',
        identifier: 'w7',
        creationTime: new Date(T0),
        messageLevel: 'WARNING',
        diagMessage: 'slow',
        at: T0,
      },
    ]);
  });

  it('gets and updates event ranges with outcomes per batch', async () => {
    const { wms, comm } = await setup();
    wms.addJobs(makePandaJob({ PandaID: 8, taskID: 2, inFiles: ['EVNT.root'] }));
    wms.addEventRanges(8, 2);
    const got = await comm.getEventRanges?.([{ pandaID: 8, nRanges: 5 }], false);
    expect(got?.kind).toBe('success');
    if (got?.kind !== 'success') return;
    expect(got.value['8']?.map((r) => r.eventRangeID)).toEqual(['8-2-1', '8-2-2']);
    const outcomes = await comm.updateEventRanges?.([
      { pandaID: 8, eventRanges: [{ eventRangeID: '8-2-1', eventStatus: 'finished' }] },
      { pandaID: 8, eventRanges: [{ eventRangeID: '8-2-9', eventStatus: 'finished' }] },
    ]);
    expect(outcomes).toEqual([
      { kind: 'success', value: undefined },
      { kind: 'fatal', diag: 'unknown event range(s) of job 8: 8-2-9' },
    ]);
    expect(wms.eventRangeStatusOf('8-2-1')).toBe('finished');
  });
});
