import { CORE_VERSION, checkCompatibility, isPluginDefinition, silentLogger } from '@harvester-ts/core';
import {
  clearSimulations,
  createRecordingLogger,
  DummyPreparator,
  DummyStager,
  getSimulation,
  instantiateTestPlugin,
  ManualClock,
  makeJobSpec,
  option,
  optionsSchema,
  registerSimulation,
  SeededRandom,
  SimulatedBatchSystem,
  SimulatedWms,
  simulationNames,
  TestkitCommunicator,
  TestkitMonitor,
  TestkitPreparator,
  TestkitStager,
  TestkitSubmitter,
  TestkitSweeper,
  TestkitWorkerMaker,
  testPluginContext,
} from '../src/index.js';

afterEach(() => clearSimulations());

describe('testPluginContext', () => {
  it('gives a silent logger, test identifiers and a signal that is not aborted', () => {
    const ctx = testPluginContext();
    expect(ctx.logger).toBe(silentLogger);
    expect([ctx.harvesterId, ctx.queueName, ctx.siteName, ctx.configID]).toEqual([
      'testkit',
      'TEST_QUEUE',
      'TEST_SITE',
      undefined,
    ]);
    expect(ctx.signal.aborted).toBe(false);
    const custom = testPluginContext({ harvesterId: 'h2', queueName: 'Q', configID: 4 });
    expect([custom.harvesterId, custom.queueName, custom.configID]).toEqual(['h2', 'Q', 4]);
  });

  it('keeps cache documents as copies with their update time', async () => {
    const clock = new ManualClock(1_000);
    const { cache } = testPluginContext({ clock }).services;
    const doc = { a: [1, 2] };
    await cache.set('queues', doc, 'CERN');
    doc.a.push(3);
    expect(await cache.get('queues', 'CERN')).toEqual({ data: { a: [1, 2] }, lastUpdate: new Date(1_000) });
    expect(await cache.get('queues')).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it('holds locks until released or expired', async () => {
    const clock = new ManualClock(0);
    const { locks } = testPluginContext({ clock }).services;
    expect(await locks.acquire('proxy', { ttlSeconds: 10 })).toBe(true);
    expect(await locks.acquire('proxy', { ttlSeconds: 10 })).toBe(false);
    expect(locks.isHeld('proxy')).toBe(true);
    clock.advance(10_000);
    expect(locks.isHeld('proxy')).toBe(false);
    expect(await locks.acquire('proxy', { ttlSeconds: 10 })).toBe(true);
    await locks.release('proxy');
    expect(await locks.acquire('proxy', { ttlSeconds: 10 })).toBe(true);
    expect(locks.attempts.map((a) => a.acquired)).toEqual([true, false, true, true]);
  });

  it('records dialogs', async () => {
    const { dialogs } = testPluginContext({ clock: () => 5 }).services;
    await dialogs.add('ERROR', 'stage-out failed', 'job 1');
    expect(dialogs.messages).toEqual([
      { level: 'ERROR', message: 'stage-out failed', identifier: 'job 1', at: 5 },
    ]);
  });

  it('offers a recording logger whose children share the records', () => {
    const logger = createRecordingLogger({ plugin: 'x' });
    logger.info('hello');
    logger.child({ workerID: 3 }).warn({ batchID: '9' }, 'slow');
    expect(logger.records).toEqual([
      { level: 'info', msg: 'hello', fields: { plugin: 'x' } },
      { level: 'warn', msg: 'slow', fields: { plugin: 'x', workerID: 3, batchID: '9' } },
    ]);
  });
});

describe('plugin definitions', () => {
  const all = [
    TestkitSubmitter,
    TestkitMonitor,
    TestkitSweeper,
    TestkitPreparator,
    TestkitStager,
    TestkitCommunicator,
    TestkitWorkerMaker,
    DummyPreparator,
    DummyStager,
  ];

  it('are branded, named and compatible with the running core', () => {
    expect(all.map((d) => [d.kind, d.name])).toEqual([
      ['submitter', 'TestkitSubmitter'],
      ['monitor', 'TestkitMonitor'],
      ['sweeper', 'TestkitSweeper'],
      ['preparator', 'TestkitPreparator'],
      ['stager', 'TestkitStager'],
      ['communicator', 'TestkitCommunicator'],
      ['workerMaker', 'TestkitWorkerMaker'],
      ['preparator', 'DummyPreparator'],
      ['stager', 'DummyStager'],
    ]);
    for (const d of all) {
      expect(isPluginDefinition(d)).toBe(true);
      expect(checkCompatibility(d, CORE_VERSION)).toEqual({ ok: true });
      expect(checkCompatibility(d, '1.0.0').ok).toBe(false);
    }
  });

  it('instantiate with instantiateTestPlugin and default options', async () => {
    registerSimulation('default', { batch: new SimulatedBatchSystem(), wms: new SimulatedWms() });
    for (const d of all) {
      const instance = await instantiateTestPlugin(d);
      expect(typeof instance).toBe('object');
    }
  });
});

describe('simulation registry', () => {
  it('registers, replaces, lists and clears simulations; preparator records land in an implicit one', async () => {
    const batch = new SimulatedBatchSystem({ clock: () => 42 });
    const sim = registerSimulation('a', { batch });
    expect(sim.now()).toBe(42);
    expect(getSimulation('a')?.batch).toBe(batch);
    expect(registerSimulation('a').batch).toBeUndefined();
    expect(simulationNames()).toEqual(['a']);
    expect(getSimulation()).toBeUndefined();

    const prep = await instantiateTestPlugin(DummyPreparator);
    await prep.resolveInputPaths(makeJobSpec({ PandaID: 1, inFiles: ['x'] }));
    expect(simulationNames()).toEqual(['a', 'default']);
    expect(getSimulation()?.records.inputPaths.get(1)).toEqual({
      x: '/tmp/harvester-testkit/inputs/mc23_13p6TeV/x',
    });
    clearSimulations();
    expect(simulationNames()).toEqual([]);
  });
});

describe('optionsSchema', () => {
  const schema = optionsSchema({
    name: option.string('n'),
    delay: option.numberOrRange(0),
    mode: option.oneOf(['a', 'b'], 'a'),
    list: option.stringList(),
  });

  it('fills defaults and accepts valid values', async () => {
    expect(await schema['~standard'].validate(undefined)).toEqual({
      value: { name: 'n', delay: 0, mode: 'a', list: [] },
    });
    expect(await schema['~standard'].validate({ delay: [1, 5], mode: 'b', list: ['x'] })).toEqual({
      value: { name: 'n', delay: [1, 5], mode: 'b', list: ['x'] },
    });
  });

  it('reports every problem with its path', async () => {
    expect(
      await schema['~standard'].validate({ name: '', delay: [5, 1], mode: 'c', list: [1], extra: 1 }),
    ).toEqual({
      issues: [
        { path: ['extra'], message: 'unknown option (known options: name, delay, mode, list)' },
        { path: ['name'], message: "must be a non-empty string, got ''" },
        { path: ['delay'], message: 'must be a non-negative number or a [min, max] range, got an array' },
        { path: ['mode'], message: "must be one of 'a', 'b', got 'c'" },
        { path: ['list'], message: 'must be a list of non-empty strings, got an array' },
      ],
    });
    expect(await schema['~standard'].validate([])).toEqual({
      issues: [{ message: 'options must be an object, got an array' }],
    });
  });
});

describe('SeededRandom', () => {
  it('is reproducible and stays in range', () => {
    const a = new SeededRandom(123);
    const b = new SeededRandom(123);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const r = new SeededRandom(5);
    const ints = Array.from({ length: 500 }, () => r.int(3, 6));
    expect(new Set(ints)).toEqual(new Set([3, 4, 5, 6]));
    expect(r.pick(7)).toBe(7);
    expect(new SeededRandom(1).chance(0)).toBe(false);
    expect(new SeededRandom(1).chance(1)).toBe(true);
  });
});
