// The WMS's side of the conversation: kill requests (job updates answered with `tobekilled`,
// KILL_WORKERS commands), worker statistics, event ranges for fine-grained jobs, and failures of
// the remaining plugin calls (worker maker, getJobs, a module that is not installed).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkSpec } from '@harvester-ts/core';
import { Engine, type EngineConfigInput } from '../src/index.js';
import {
  fastEngineConfig,
  makeWorld,
  type PipelineWorld,
  pandaJob,
  quietLogger,
  testImporter,
  type WorldOptions,
} from './pipeline-support.js';

describe('commands, kills, events and the remaining plugin calls (SQLite)', () => {
  let world: PipelineWorld;
  let engine: Engine | undefined;

  async function start(options: WorldOptions = {}, config: Partial<EngineConfigInput> = {}) {
    world = makeWorld('OneToOne', options);
    engine = await Engine.create({
      config: { ...fastEngineConfig('test-h', 3_600_000), ...config },
      queues: world.queues,
      communicator: { module: '@harvester-ts/testkit', name: 'TestkitCommunicator' },
      database: { type: 'sqlite', path: join(world.dir, 'harvester.db') },
      importer: testImporter,
      logger: quietLogger,
    });
    return engine;
  }
  afterEach(async () => {
    await engine?.stop();
    engine = undefined;
    world?.cleanup();
  });
  const toRunning = async (e: Engine) => {
    for (const agent of ['jobFetcher', 'preparator', 'preparator', 'submitter', 'monitor'] as const)
      await e.runAgent(agent);
  };
  // Workers that run for a minute and leave nothing behind (so only a kill ends them).
  const long = { batch: { runDurationMs: 60_000, payload: () => 0 } };

  it('kills the worker of a job the WMS answers with tobekilled, and reports the job cancelled', async () => {
    const e = await start(long);
    world.wms.addJobs(pandaJob(601));
    await toRunning(e);
    expect((await e.db.ds.getRepository(WorkSpec).find()).map((w) => w.status)).toEqual(['running']);
    world.wms.killJob(601);
    await e.runUntilIdle({ timeoutMs: 60_000 });
    expect(world.wms.finalStatusOf(601)).toBe('cancelled');
    expect(world.batch.jobs().map((j) => j.state)).toEqual(['cancelled']);
  });

  it('keeps a killed job cancelled when its partial outputs fail stage-out', async () => {
    const e = await start({
      batch: {
        runDurationMs: 60_000,
        // The payload leaves a partial output behind (and no final job status) as soon as it starts.
        payload: (job) => {
          const id = String((job.attributes.pandaIDs as number[])[0]);
          const out = join(job.accessPoint!, `out.${id}.root`);
          writeFileSync(out, 'partial');
          writeFileSync(
            join(job.accessPoint!, 'event_status.dump.json'),
            JSON.stringify({ [id]: [{ path: out, type: 'output', fsize: 7, eventStatus: 'finished' }] }),
          );
          return 0;
        },
      },
      sections: {
        stager: {
          module: '@harvester-ts/testkit',
          name: 'TestkitStager',
          destination: '/tmp/x',
          failLfns: ['out.*'],
        },
      },
    });
    world.wms.addJobs(pandaJob(605));
    await toRunning(e);
    world.wms.killJob(605);
    await e.runUntilIdle({ timeoutMs: 60_000 });
    expect(world.wms.finalStatusOf(605)).toBe('cancelled');
    const subs = world.wms.updatesOf(605).map((u) => `${u.status}/${u.subStatus}`);
    expect(subs.at(-1)).toBe('cancelled/failed_to_stage_out');
  });

  it('carries out KILL_WORKERS, acknowledges it, and reports worker statistics', async () => {
    const e = await start(long);
    world.wms.addJobs(pandaJob(611), pandaJob(612));
    await toRunning(e);
    const [first] = await e.db.ds.getRepository(WorkSpec).find({ order: { workerID: 'ASC' } });
    const killID = world.wms.addCommand('KILL_WORKERS:TEST_QUEUE', { workerIDs: [first!.workerID] });
    const statsID = world.wms.addCommand('REPORT_WORKER_STATS:TEST_QUEUE', null);
    await e.runAgent('commandManager');
    expect(world.wms.commandsAcked).toEqual(expect.arrayContaining([killID, statsID]));
    expect(world.wms.workerStatsReports.at(-1)).toMatchObject({
      siteName: 'TEST_QUEUE',
      stats: { ANY: { ANY: { running: 2 } } },
    });
    await e.runAgent('sweeper');
    await e.runAgent('monitor');
    const workers = await e.db.ds.getRepository(WorkSpec).find({ order: { workerID: 'ASC' } });
    expect(workers.map((w) => w.status)).toEqual(['cancelled', 'running']);
  });

  it('submits as many workers as SET_N_WORKERS_JOBTYPE says for a queue the WMS drives (runMode slave)', async () => {
    world = makeWorld('NoJob', { maxWorkers: 10, sections: { runMode: 'slave' } as never });
    engine = await Engine.create({
      config: fastEngineConfig('test-h', 3_600_000),
      queues: world.queues,
      communicator: { module: '@harvester-ts/testkit', name: 'TestkitCommunicator' },
      database: { type: 'sqlite', path: join(world.dir, 'harvester.db') },
      importer: testImporter,
      logger: quietLogger,
    });
    const e = engine;
    await e.runAgent('submitter');
    expect(await e.db.ds.getRepository(WorkSpec).count()).toBe(0);
    world.wms.addCommand('SET_N_WORKERS_JOBTYPE:TEST_QUEUE', { n: 3 });
    await e.runAgent('commandManager');
    await e.runAgent('submitter');
    await e.runAgent('submitter');
    expect(await e.db.ds.getRepository(WorkSpec).count()).toBe(3);
  });

  it('fails and kills a running worker whose heartbeat went stale', async () => {
    const e = await start({
      batch: {
        runDurationMs: 60_000,
        payload: (job) => {
          writeFileSync(join(job.accessPoint!, 'worker_heartbeat.json'), '{}');
          return 0;
        },
      },
      // worker_heartbeat is in minutes: 0.01 min = 0.6 s.
      messenger: { worker_heartbeat: 0.01 },
    });
    world.wms.addJobs(pandaJob(625));
    await toRunning(e);
    expect((await e.db.ds.getRepository(WorkSpec).find()).map((w) => w.status)).toEqual(['running']);
    await new Promise((r) => setTimeout(r, 900));
    await e.runAgent('monitor');
    const [w] = await e.db.ds.getRepository(WorkSpec).find();
    expect([w?.status, w?.diagMessage]).toEqual([
      'failed',
      expect.stringMatching(/no heartbeat from the worker for more than 0.01 min/),
    ]);
    expect(world.batch.jobs().map((j) => j.state)).toEqual(['cancelled']);
    await e.runUntilIdle({ timeoutMs: 60_000 });
    expect(world.wms.finalStatusOf(625)).toBe('failed');
  });

  it('gives up post-processing that keeps asking to retry, after postProcessTimeoutMs', async () => {
    const e = await start(
      {
        fast: true,
        messenger: { module: 'misbehaving-plugins', name: 'StuckPostProcessMessenger' },
      },
      {
        monitor: {
          schedule: { enabled: true, busyIntervalMs: 0, idleIntervalMs: 10 },
          checkIntervalMs: 0,
          postProcessTimeoutMs: 300,
        },
      },
    );
    world.wms.addJobs(pandaJob(627));
    await toRunning(e);
    const [held] = await e.db.ds.getRepository(WorkSpec).find();
    expect(held?.status).toBe('submitted');
    await new Promise((r) => setTimeout(r, 400));
    await e.runAgent('monitor');
    const [w] = await e.db.ds.getRepository(WorkSpec).find();
    expect([w?.status, w?.diagMessage]).toEqual([
      'finished',
      expect.stringMatching(/post-processing given up after 0 s: tar: archive storage is full/),
    ]);
    await e.runUntilIdle({ timeoutMs: 60_000 });
    expect(world.wms.finalStatusOf(627)).toBe('finished');
  });

  it('feeds event ranges to a worker that asks for them', async () => {
    const e = await start({
      batch: {
        runDurationMs: 60_000,
        payload: (job) => {
          const id = String((job.attributes.pandaIDs as number[])[0]);
          writeFileSync(
            join(job.accessPoint!, 'worker_requestevents.json'),
            JSON.stringify({ [id]: { nRanges: 3, pandaID: Number(id) } }),
          );
          return 0;
        },
      },
    });
    world.wms.addJobs(pandaJob(621));
    world.wms.addEventRanges(621, 5);
    await toRunning(e);
    const [asking] = await e.db.ds.getRepository(WorkSpec).find();
    expect([asking?.status, asking?.diagMessage]).toEqual(['running', null]);
    expect(asking?.eventsRequest).toBe(2);
    await e.runAgent('eventFeeder');
    const [fed] = await e.db.ds.getRepository(WorkSpec).find();
    expect(fed?.eventsRequest).toBe(1);
    const file = join(fed!.accessPoint!, 'JobsEventRanges.json');
    const ranges = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { eventRangeID: string }[]>;
    expect(ranges['621']?.length).toBe(3);
    expect(existsSync(join(fed!.accessPoint!, 'worker_requestevents.json'))).toBe(false);
  });

  it('fails the jobs a worker maker gives up on, and retries those it asks to', async () => {
    const e = await start({
      sections: {
        workerMaker: { module: 'misbehaving-plugins', name: 'FlakyWorkerMaker', fatalFor: [631], retries: 2 },
      },
    });
    world.wms.addJobs(pandaJob(631), pandaJob(632));
    await e.runUntilIdle({ timeoutMs: 60_000 });
    expect([world.wms.finalStatusOf(631), world.wms.finalStatusOf(632)]).toEqual(['failed', 'finished']);
    const last = world.wms.updatesOf(631).at(-1) as {
      subStatus?: string;
      attributes?: Record<string, unknown>;
    };
    expect(String(last.attributes?.pilotErrorDiag)).toContain('no resource type fits this job');
  });

  it('asks the WMS again when getJobs fails', async () => {
    const e = await start();
    world.wms.injectFault({ method: 'getJobs', kind: 'unavailable', times: 2 });
    world.wms.addJobs(pandaJob(641));
    for (let i = 0; i < 2; i++) await e.runAgent('jobFetcher');
    expect(world.wms.jobsHandedOut.length).toBe(0);
    await e.runUntilIdle({ timeoutMs: 60_000 });
    expect(world.wms.finalStatusOf(641)).toBe('finished');
  });

  it('refuses to start when a plugin module is not installed, naming queue, section and module', async () => {
    const err = await start({
      sections: { sweeper: { module: 'not-installed-plugins', name: 'Sweeper' } },
    }).catch((x) => x);
    expect(err.message).toContain('not-installed-plugins');
    engine = undefined;
  });
});
