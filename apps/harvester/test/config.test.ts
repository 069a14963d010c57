// Configuration loading in-process: discovery, profiles, placeholders, templates, secrets.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@harvester-ts/core';
import { loadConfig } from '../src/config/load-config.js';
import { redactSecrets, resolveSecrets } from '../src/config/secrets.js';
import { removeDir, tempDir } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('config');
});
afterEach(() => removeDir(dir));

const write = (name: string, value: unknown) =>
  writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));

it('finds --config, then $HARVESTER_CONFIG, then harvester.config.* in the directory, else the default', async () => {
  expect((await loadConfig({ cwd: dir, env: {} })).file).toBeUndefined();
  write('harvester.config.json', { harvesterId: 'from-dir' });
  write('other.json', { harvesterId: 'from-env' });
  write('given.json', { harvesterId: 'given' });
  expect((await loadConfig({ cwd: dir, env: {} })).harvesterId).toBe('from-dir');
  expect((await loadConfig({ cwd: dir, env: { HARVESTER_CONFIG: 'other.json' } })).harvesterId).toBe(
    'from-env',
  );
  expect(
    (await loadConfig({ cwd: dir, env: { HARVESTER_CONFIG: 'other.json' }, file: 'given.json' })).harvesterId,
  ).toBe('given');
  await expect(loadConfig({ cwd: dir, env: {}, file: 'missing.json' })).rejects.toThrow(
    /missing\.json is invalid:\n {2}- \(root\): no such file/,
  );
});

it('resolves paths against the file, expands the dataDir and configDir placeholders, and adds LOCAL_TEMPLATE when used', async () => {
  mkdirSync(join(dir, 'etc'));
  writeFileSync(
    join(dir, 'etc', 'harvester.config.json'),
    JSON.stringify({
      dataDir: '../state',
      queues: {
        A: {
          templateQueueName: 'LOCAL_TEMPLATE',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the app's placeholders under test
          stager: { destinationRoot: '${dataDir}/out', zipDir: '${configDir}/zips' },
        },
      },
    }),
  );
  const c = await loadConfig({ cwd: '/', env: {}, file: join(dir, 'etc', 'harvester.config.json') });
  expect(c.dataDir).toBe(join(dir, 'state'));
  expect(c.database).toEqual({ type: 'sqlite', path: join(dir, 'state', 'harvester.db') });
  expect(Object.keys(c.queues)).toEqual(['A']);
  const stager = (c.queues.A as unknown as Record<string, Record<string, unknown>>).stager!;
  expect(stager).toEqual(
    expect.objectContaining({ destinationRoot: join(dir, 'state', 'out'), zipDir: join(dir, 'etc', 'zips') }),
  );
  // The messenger placeholder is left for the plugin.
  const messenger = (c.queues.A as unknown as Record<string, Record<string, unknown>>).messenger!;
  expect(messenger.accessPoint).toBe(join(dir, 'state', 'workers', `$${'{workerID}'}`));
  expect(c.profile).toBe('site');
});

it('lays a file’s agent settings over the profile’s, key by key', async () => {
  write('harvester.config.json', {
    profile: 'local',
    engine: { monitor: { checkIntervalMs: 5000, schedule: { idleIntervalMs: 200 } } },
  });
  const c = await loadConfig({ cwd: dir, env: {} });
  const monitor = (c.engine as unknown as Record<string, Record<string, unknown>>).monitor!;
  expect(monitor.checkIntervalMs).toBe(5000);
  expect(monitor.schedule).toEqual({ enabled: true, busyIntervalMs: 0, idleIntervalMs: 200 });
  write('harvester.config.json', { profile: 'site' });
  expect((await loadConfig({ cwd: dir, env: {} })).engine).toEqual({ harvesterId: expect.any(String) });
});

it('reports every problem at once, with paths, as a ConfigError', async () => {
  write('harvester.config.json', {
    database: { type: 'mysql', user: 'u', database: 'd', password: { $env: 'NOPE' } },
    http: { token: 'short' },
    queues: { Q: { templateQueueName: 'MISSING_TEMPLATE' } },
  });
  const err = await loadConfig({ cwd: dir, env: {} }).catch((e) => e);
  expect(err).toBeInstanceOf(ConfigError);
  const paths = (err as ConfigError).issues.map((i) => i.path);
  expect(paths).toEqual(expect.arrayContaining(['database.password', 'http.token']));
  expect(paths.some((p) => p.startsWith('queues.Q'))).toBe(true);
});

it('tells a queue with jobs that lost a Harvester DummyPreparator/DummyStager of its template why', async () => {
  const HV = 'pandaharvester.harvester';
  const sections = (mapType: string) => ({
    mapType,
    submitter: { module: '@harvester-ts/local', name: 'LocalSubmitter' },
    monitor: { module: '@harvester-ts/local', name: 'LocalMonitor' },
    sweeper: { module: '@harvester-ts/local', name: 'LocalSweeper' },
    workerMaker: { module: `${HV}workermaker.simple_worker_maker`, name: 'SimpleWorkerMaker' },
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Harvester's access point placeholder
    messenger: { module: '@harvester-ts/engine', name: 'SharedFileMessenger', accessPoint: '/w/${workerID}' },
    preparator: { module: `${HV}preparator.dummy_preparator`, name: 'DummyPreparator' },
    stager: { module: `${HV}stager.dummy_stager`, name: 'DummyStager' },
  });
  write('harvester.config.json', {
    queues: {
      GRID_TEMPLATE: sections('NoJob'),
      PULL: { templateQueueName: 'GRID_TEMPLATE', maxWorkers: 2 },
      PUSH: {
        templateQueueName: 'GRID_TEMPLATE',
        mapType: 'OneToOne',
        stager: { module: '@harvester-ts/stager-posix', name: 'PosixStager' },
      },
    },
  });
  const err = await loadConfig({ cwd: dir, env: {} }).catch((e) => e);
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).issues).toEqual([
    {
      path: 'queues.PUSH.preparator',
      message:
        "missing mandatory plugin section 'preparator' (set it in the queue or in its template; only NoJob " +
        "queues, which carry no jobs, may leave it out); Harvester's DummyPreparator (GRID_TEMPLATE.preparator) " +
        'was dropped: it moves no data',
    },
  ]);
  write('harvester.config.json', {
    queues: {
      GRID_TEMPLATE: sections('NoJob'),
      PULL: { templateQueueName: 'GRID_TEMPLATE', maxWorkers: 2 },
    },
  });
  const c = await loadConfig({ cwd: dir, env: {} });
  expect(Object.keys(c.queues)).toEqual(['PULL']);
  expect(['preparator' in c.queues.PULL!, 'stager' in c.queues.PULL!]).toEqual([false, false]);
  expect(c.queueSource.notes).toEqual(
    expect.arrayContaining([
      `GRID_TEMPLATE.preparator: ${HV}preparator.dummy_preparator.DummyPreparator → none; dropped: ` +
        'DummyPreparator moves no data; a NoJob queue needs no preparator, a queue with jobs must name a real one',
    ]),
  );
});

it('resolves secrets from env and files and redacts them by path and by key', () => {
  write('secret.txt', 'from-a-file\n');
  const r = resolveSecrets(
    { a: { $env: 'A' }, list: [{ $file: 'secret.txt' }], plain: { password: 'inline', other: 'visible' } },
    dir,
    { A: 'from-env' },
  );
  expect(r.issues).toEqual([]);
  expect(r.value).toEqual({
    a: 'from-env',
    list: ['from-a-file'],
    plain: { password: 'inline', other: 'visible' },
  });
  expect(redactSecrets(r.value, r.secrets)).toEqual({
    a: '[redacted: from env A]',
    list: [`[redacted: from file ${join(dir, 'secret.txt')}]`],
    plain: { password: '[redacted]', other: 'visible' },
  });
  const bad = resolveSecrets({ x: { $file: 'nope.txt' }, y: { $env: 'MISSING' } }, dir, {});
  expect(bad.issues.map((i) => i.path)).toEqual(['x', 'y']);
});
