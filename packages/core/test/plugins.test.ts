import { z } from 'zod';
import {
  assertCompatible,
  CORE_VERSION,
  checkCompatibility,
  defineCommunicator,
  defineMonitor,
  defineSubmitter,
  defineSweeper,
  defineWorkerMaker,
  fatal,
  fromTriState,
  instantiatePlugin,
  isOutcome,
  isPluginDefinition,
  optionsOfSection,
  PLUGIN_BRAND,
  PluginCompatibilityError,
  type PluginContext,
  PluginDefinitionError,
  PluginOptionsError,
  retryLater,
  type StandardSchemaV1,
  silentLogger,
  success,
  WorkSpec,
  workerStatus,
} from '../src/index.js';

function ctx(overrides: Partial<PluginContext> = {}): PluginContext {
  return {
    logger: silentLogger,
    harvesterId: 'h1',
    queueName: 'Q1',
    siteName: 'Q1',
    configID: 1,
    signal: new AbortController().signal,
    services: {
      cache: { get: async () => undefined, set: async () => {} },
      locks: { acquire: async () => true, release: async () => {} },
      dialogs: { add: async () => {} },
    },
    ...overrides,
  };
}

const where = { queue: 'Q1', section: 'submitter', module: 'my-plugins', exportName: 'MySubmitter' };

function worker(id: number): WorkSpec {
  const w = new WorkSpec();
  w.workerID = id;
  w.harvesterID = 'h1';
  return w;
}

describe('Outcome', () => {
  it('builds the three kinds', () => {
    expect(success()).toEqual({ kind: 'success', value: undefined });
    expect(success(3, 'ok')).toEqual({ kind: 'success', value: 3, diag: 'ok' });
    expect(fatal('bad')).toEqual({ kind: 'fatal', diag: 'bad' });
    expect(retryLater('busy')).toEqual({ kind: 'retry', diag: 'busy' });
  });

  it('recognises well-formed outcomes only', () => {
    expect(isOutcome(success())).toBe(true);
    expect(isOutcome(fatal('x'))).toBe(true);
    expect(isOutcome({ kind: 'fatal' })).toBe(false);
    expect(isOutcome({ kind: 'maybe', diag: 'x' })).toBe(false);
    expect(isOutcome(true)).toBe(false);
    expect(isOutcome(null)).toBe(false);
  });

  it('maps Harvester tri-state results', () => {
    expect(fromTriState(true).kind).toBe('success');
    expect(fromTriState(false, 'no space')).toEqual({ kind: 'fatal', diag: 'no space' });
    expect(fromTriState(null, 'later')).toEqual({ kind: 'retry', diag: 'later' });
    expect(fromTriState(undefined)).toEqual({ kind: 'retry', diag: 'temporary failure' });
  });
});

describe('define* helpers', () => {
  it('returns a frozen branded plain object', () => {
    const def = defineSubmitter({
      name: 'TestSubmitter',
      compatibility: '>=0.1.0',
      create: () => ({ submitWorkers: async (ws) => ws.map(() => success()) }),
    });
    expect(def.$$type).toBe(PLUGIN_BRAND);
    expect(def.kind).toBe('submitter');
    expect(def.name).toBe('TestSubmitter');
    expect(Object.isFrozen(def)).toBe(true);
    expect(isPluginDefinition(def)).toBe(true);
    expect(isPluginDefinition({ ...def, $$type: 'something-else' })).toBe(false);
  });

  it('rejects a spec without name, with a bad range, a non-schema options or no create', () => {
    const create = () => ({ checkWorkers: async () => [] });
    expect(() => defineMonitor({ name: '', compatibility: '^0.1.0', create })).toThrow(
      /'name' must be a non-empty string/,
    );
    expect(() => defineMonitor({ name: 'M', compatibility: 'latest-ish', create })).toThrow(
      /'compatibility' must be a semver range/,
    );
    expect(() =>
      defineMonitor({ name: 'M', compatibility: '^0.1.0', options: { parse: () => 1 } as never, create }),
    ).toThrow(PluginDefinitionError);
    expect(() => defineMonitor({ name: 'M', compatibility: '^0.1.0', create: 'nope' as never })).toThrow(
      /'create' must be a function/,
    );
  });

  it('completes a sweeper that only implements killWorker', async () => {
    const killed: number[] = [];
    const def = defineSweeper({
      name: 'OneByOne',
      compatibility: '*',
      create: () => ({
        async killWorker(w: WorkSpec) {
          killed.push(w.workerID);
          return w.workerID === 2 ? fatal('no such job') : success();
        },
        sweepWorker: async () => success(),
      }),
    });
    const sweeper = await def.create({}, ctx());
    const results = await sweeper.killWorkers([worker(1), worker(2), worker(3)]);
    expect(killed).toEqual([1, 2, 3]);
    expect(results.map((r) => r.kind)).toEqual(['success', 'fatal', 'success']);
  });

  it('completes a sweeper that only implements killWorkers', async () => {
    const def = defineSweeper({
      name: 'Bulk',
      compatibility: '*',
      create: () => ({
        killWorkers: async (ws: WorkSpec[]) =>
          ws.map((w) => (w.workerID > 5 ? retryLater('busy') : success())),
        sweepWorker: async () => success(),
      }),
    });
    const sweeper = await def.create({}, ctx());
    expect(await sweeper.killWorker(worker(7))).toEqual({ kind: 'retry', diag: 'busy' });
    expect((await sweeper.killWorker(worker(1))).kind).toBe('success');
  });

  it('gives a worker maker the default sizing answers', async () => {
    const def = defineWorkerMaker({
      name: 'Simple',
      compatibility: '*',
      create: () => ({ makeWorker: async () => success(new WorkSpec()) }),
    });
    const maker = await def.create({}, ctx());
    expect(await maker.getNumJobsPerWorker(10)).toBe(1);
    expect(await maker.getNumWorkersPerJob(10)).toBe(1);
    expect(await maker.isResourceReady()).toBe(true);
    expect(maker.dynamicSizing).toBe(false);
  });

  it('types options from the schema and passes the validated value to create', async () => {
    const seen: unknown[] = [];
    const def = defineSubmitter({
      name: 'WithOptions',
      compatibility: '*',
      options: z.object({ partition: z.string(), nCorePerNode: z.number().int().positive().default(8) }),
      create: (options) => {
        // options is typed: { partition: string; nCorePerNode: number }
        seen.push(options.partition.toUpperCase(), options.nCorePerNode + 0);
        return { submitWorkers: async (ws) => ws.map(() => success()) };
      },
    });
    await instantiatePlugin(def, 'submitter', { partition: 'debug' }, ctx(), where);
    expect(seen).toEqual(['DEBUG', 8]);
  });
});

describe('compatibility', () => {
  it('accepts the running core and refuses a range that excludes it', () => {
    expect(checkCompatibility({ name: 'p', compatibility: `^${CORE_VERSION}` })).toEqual({ ok: true });
    expect(checkCompatibility({ name: 'p', compatibility: '^0.1.0' }, '0.2.0')).toEqual({
      ok: false,
      reason: 'plugin p supports @harvester-ts/core ^0.1.0, but 0.2.0 is running',
    });
    expect(checkCompatibility({ name: 'p', compatibility: '^1.0.0' }, '1.4.0-next.1').ok).toBe(true);
    expect(checkCompatibility({ name: 'p', compatibility: 'garbage' }).ok).toBe(false);
    expect(() => assertCompatible({ name: 'p', compatibility: '^9.0.0' }, '1.0.0', { queue: 'Q' })).toThrow(
      PluginCompatibilityError,
    );
  });
});

describe('instantiatePlugin', () => {
  const good = defineSubmitter({
    name: 'Good',
    compatibility: '*',
    options: z.object({ partition: z.string(), extra: z.array(z.string()).optional() }),
    create: () => ({ submitWorkers: async (ws) => ws.map(() => success()) }),
  });

  it('creates a working instance', async () => {
    const submitter = await instantiatePlugin(good, 'submitter', { partition: 'p' }, ctx(), where);
    expect(await submitter.submitWorkers([worker(1)])).toEqual([{ kind: 'success', value: undefined }]);
  });

  it('names the location when the export is missing or not a plugin', async () => {
    await expect(instantiatePlugin(undefined, 'submitter', {}, ctx(), where)).rejects.toThrow(
      "queue Q1, section submitter, module my-plugins, export MySubmitter: the module has no export named 'MySubmitter'",
    );
    await expect(instantiatePlugin(class Foo {}, 'submitter', {}, ctx(), where)).rejects.toThrow(
      /export 'MySubmitter' is not a harvester-ts plugin \(make it with one of the define\* helpers/,
    );
    await expect(
      instantiatePlugin({ ...good, $$type: '@harvester-ts/plugin@0' }, 'submitter', {}, ctx(), where),
    ).rejects.toThrow(/carries brand '@harvester-ts\/plugin@0', this core expects '@harvester-ts\/plugin@1'/);
  });

  it('refuses a plugin of the wrong kind', async () => {
    const monitor = defineMonitor({
      name: 'M',
      compatibility: '*',
      create: () => ({ checkWorkers: async () => [] }),
    });
    await expect(instantiatePlugin(monitor, 'submitter', {}, ctx(), where)).rejects.toThrow(
      /plugin M is a monitor, but section submitter needs a submitter/,
    );
  });

  it('refuses an incompatible plugin', async () => {
    const old = defineSubmitter({
      name: 'Old',
      compatibility: '^0.0.1',
      create: () => ({ submitWorkers: async () => [] }),
    });
    const err = await instantiatePlugin(old, 'submitter', {}, ctx(), where, { coreVersion: '0.5.0' }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(PluginDefinitionError);
    expect(err.message).toContain('plugin Old supports @harvester-ts/core ^0.0.1, but 0.5.0 is running');
    expect(err.context).toMatchObject({ queue: 'Q1', module: 'my-plugins', coreVersion: '0.5.0' });
  });

  it('reports every invalid option with its path under the section', async () => {
    const err = await instantiatePlugin(
      good,
      'submitter',
      { partition: 3, extra: ['a', 4] },
      ctx(),
      where,
    ).catch((e) => e);
    expect(err).toBeInstanceOf(PluginOptionsError);
    expect(err.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      'submitter.extra.1',
      'submitter.partition',
    ]);
    expect(err.message).toContain('invalid options for plugin Good');
    expect(err.context).toMatchObject({ queue: 'Q1', section: 'submitter' });
  });

  it('accepts any Standard Schema, not only zod', async () => {
    const portSchema: StandardSchemaV1<unknown, { port: number }> = {
      '~standard': {
        version: 1,
        vendor: 'hand-made',
        validate: (v) =>
          typeof (v as { port?: unknown }).port === 'number'
            ? { value: v as { port: number } }
            : { issues: [{ message: 'port must be a number', path: ['port'] }] },
      },
    };
    const def = defineCommunicator({
      name: 'C',
      compatibility: '*',
      options: portSchema,
      create: (o) => ({
        getJobs: async () => success([{ PandaID: o.port }]),
        updateJobs: async (jobs) => jobs.map(() => success({})),
      }),
    });
    const comm = await instantiatePlugin(
      def,
      'communicator',
      { port: 25443 },
      ctx({ queueName: undefined }),
      {
        section: 'communicator',
        module: 'x',
        exportName: 'C',
      },
    );
    const got = await comm.getJobs({
      siteName: 's',
      nodeName: 'n',
      prodSourceLabel: 'managed',
      computingElement: 'ce',
      nJobs: 1,
      additionalCriteria: {},
    });
    expect(got).toEqual({ kind: 'success', value: [{ PandaID: 25443 }] });
    await expect(
      instantiatePlugin(def, 'communicator', { port: 'x' }, ctx(), {
        section: 'communicator',
        module: 'x',
        exportName: 'C',
      }),
    ).rejects.toThrow(/communicator\.port: port must be a number/);
  });

  it('wraps an error thrown by create and keeps the cause', async () => {
    const boom = new Error('cannot reach slurmctld');
    const def = defineSubmitter({
      name: 'Boom',
      compatibility: '*',
      create: () => {
        throw boom;
      },
    });
    const err = await instantiatePlugin(def, 'submitter', {}, ctx(), where).catch((e) => e);
    expect(err).toBeInstanceOf(PluginDefinitionError);
    expect(err.message).toContain('plugin Boom failed to start: cannot reach slurmctld');
    expect(err.cause).toBe(boom);
  });

  it('refuses an instance that lacks required methods', async () => {
    const def = defineMonitor({ name: 'Half', compatibility: '*', create: () => ({}) as never });
    await expect(
      instantiatePlugin(def, 'monitor', {}, ctx(), { ...where, section: 'monitor' }),
    ).rejects.toThrow(/monitor plugin Half lacks required method\(s\): checkWorkers/);
  });

  it('splits a queue-config section into its options', () => {
    expect(optionsOfSection({ module: 'm', name: 'N', partition: 'p', nNode: 2 })).toEqual({
      partition: 'p',
      nNode: 2,
    });
  });

  it('builds monitor results', () => {
    expect(workerStatus('running')).toEqual({ kind: 'status', status: 'running' });
    expect(workerStatus('failed', 'exit 3')).toEqual({ kind: 'status', status: 'failed', diag: 'exit 3' });
  });
});
