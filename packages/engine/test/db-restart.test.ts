// The database server restarts under a running engine: cycles in between fail (and say so)
// without crashing anything, and once the server is back the engine reconnects and finishes the
// work. A private server is used, so that no other test sees the restart.
import {
  describeWithService,
  type PrivateMariaDb,
  privateMariaDbAvailable,
  startPrivateMariaDb,
} from '@harvester-ts/test-support';
import mysql from 'mysql2/promise';
import { Engine } from '../src/index.js';
import {
  fastEngineConfig,
  makeWorld,
  type PipelineWorld,
  pandaJob,
  quietLogger,
  testImporter,
} from './pipeline-support.js';

const available = privateMariaDbAvailable();

describeWithService(
  'mariadb',
  available.ok,
  available.ok ? '' : available.reason,
)('database restart', () => {
  let server: PrivateMariaDb;
  let world: PipelineWorld;
  let engine: Engine | undefined;

  afterAll(async () => {
    await engine?.stop().catch(() => undefined);
    await server?.destroy();
    world?.cleanup();
  });

  it('reconnects after the server restarts and finishes every job', async () => {
    server = await startPrivateMariaDb();
    const admin = await mysql.createConnection({ host: '127.0.0.1', port: server.port, user: 'root' });
    await admin.query('CREATE DATABASE h CHARACTER SET utf8mb4 COLLATE utf8mb4_bin');
    await admin.end();
    world = makeWorld('OneToOne', { fast: true });
    engine = await Engine.create({
      config: { ...fastEngineConfig('restart-h', 3_600_000) },
      queues: world.queues,
      communicator: { module: '@harvester-ts/testkit', name: 'TestkitCommunicator' },
      database: {
        type: 'mysql',
        host: '127.0.0.1',
        port: server.port,
        user: 'root',
        password: '',
        database: 'h',
        connectTimeoutMs: 1000,
      },
      importer: testImporter,
      logger: quietLogger,
    });
    world.wms.addJobs(...Array.from({ length: 20 }, (_, i) => pandaJob(900 + i)));
    await engine.runAgent('jobFetcher');
    await engine.runAgent('preparator');

    await server.stop();
    const during = await engine.runOnce();
    expect(Object.values(during).some((r) => r.error === 1)).toBe(true);

    await server.start();
    await engine.runUntilIdle({ timeoutMs: 60_000 });
    const finals = Array.from({ length: 20 }, (_, i) => world.wms.finalStatusOf(900 + i));
    expect(finals.every((s) => s === 'finished')).toBe(true);
  }, 120_000);
});
