import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestDatabase,
  describeWithService,
  probeMariaDb,
  type TestDatabase,
} from '@harvester-ts/test-support';
import { DataSource } from 'typeorm';
import { HARVESTER_ENTITIES } from '../src/index.js';

describe('schema on SQLite', () => {
  let dir: string;
  let ds: DataSource;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'core-schema-'));
    ds = new DataSource({
      type: 'better-sqlite3',
      database: join(dir, 'h.db'),
      entities: [...HARVESTER_ENTITIES],
      synchronize: true,
    });
    await ds.initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates every table', async () => {
    const rows: { name: string }[] = await ds.query("SELECT name FROM sqlite_master WHERE type='table'");
    expect(rows.map((r) => r.name).sort()).toEqual(
      [
        'cache_table',
        'command_table',
        'diag_table',
        'event_table',
        'file_table',
        'job_table',
        'jw_table',
        'lock_table',
        'pq_table',
        'qcdump_table',
        'seq_table',
        'status_event_table',
        'work_table',
      ].sort(),
    );
  });
});

const maria = await probeMariaDb();
describeWithService(
  'mariadb',
  maria.ok,
  maria.ok ? '' : maria.reason,
)('schema on MariaDB', () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase('core');
    ds = new DataSource({
      type: 'mysql',
      host: db.host,
      port: db.port,
      username: db.username,
      password: db.password,
      database: db.database,
      timezone: 'Z',
      entities: [...HARVESTER_ENTITIES],
      synchronize: true,
    });
    await ds.initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('creates every table', async () => {
    const rows: { t: string }[] = await ds.query(
      'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ?',
      [db.database],
    );
    expect(rows.length).toBe(13);
  });
});
