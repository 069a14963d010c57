import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestDatabase,
  describeWithService,
  probeMariaDb,
  type TestDatabase,
} from '@harvester-ts/test-support';
import type { DataSource } from 'typeorm';
import {
  assertNoSchemaDrift,
  createDataSource,
  migrate,
  openDatabase,
  SchemaDriftError,
  schemaDrift,
  serverFlavour,
} from '../src/index.js';

describe('database servers', () => {
  it('tells MariaDB from MySQL and refuses servers without SKIP LOCKED', () => {
    expect(serverFlavour('10.11.19-MariaDB-0+deb12u1')).toBe('mariadb');
    expect(serverFlavour('8.0.36')).toBe('mysql');
    expect(() => serverFlavour('10.5.2-MariaDB')).toThrow(
      /MariaDB 10.5.2-MariaDB is too old: harvester-ts needs MariaDB >= 10.6/,
    );
    expect(() => serverFlavour('5.7.44-log')).toThrow(/MySQL 5.7.44-log is too old/);
  });

  it('names the database, not the password, when it cannot connect', async () => {
    const err = await openDatabase({
      type: 'mysql',
      host: '127.0.0.1',
      port: 1,
      user: 'u',
      password: 's3cret',
      database: 'nodb',
      connectTimeoutMs: 500,
    }).catch((e) => e);
    expect(err.code).toBe('DATABASE_UNAVAILABLE');
    expect(err.message).toContain('cannot open the database mysql://127.0.0.1:1/nodb');
    expect(err.message).not.toContain('s3cret');
  });

  it('rejects an invalid database configuration', () => {
    expect(() => createDataSource({ type: 'mysql', user: 'u', database: 'bad name;' } as never)).toThrow(
      /letters, digits/,
    );
    expect(() => createDataSource({ type: 'postgres' } as never)).toThrow();
  });
});

function migrationSuite(open: () => Promise<{ ds: DataSource; close: () => Promise<void> }>) {
  let ds: DataSource;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ ds, close } = await open());
    if (!ds.isInitialized) await ds.initialize();
  });
  afterAll(async () => close?.());

  it('applies the committed migrations once and leaves no drift', async () => {
    const first = await migrate(ds);
    expect(first.applied).toEqual([expect.stringMatching(/^Initial\d+$/)]);
    expect(await migrate(ds)).toEqual({ applied: [] });
    expect(await schemaDrift(ds)).toEqual([]);
    await expect(assertNoSchemaDrift(ds)).resolves.toBeUndefined();
  });

  it('refuses a schema that drifted, naming the difference', async () => {
    await ds.query(
      ds.options.type === 'better-sqlite3'
        ? 'DROP INDEX idx_work_batch'
        : 'DROP INDEX idx_work_batch ON work_table',
    );
    const err = await assertNoSchemaDrift(ds).catch((e) => e);
    expect(err).toBeInstanceOf(SchemaDriftError);
    expect(err.message).toMatch(/schema differs from what this version of harvester-ts expects/);
    expect(err.statements.join('\n')).toMatch(/idx_work_batch/);
  });
}

describe('migrations on SQLite', () => {
  migrationSuite(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'engine-migrate-'));
    const ds = createDataSource({ type: 'sqlite', path: join(dir, 'h.db') });
    return {
      ds,
      close: async () => {
        await ds.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});

const maria = await probeMariaDb();
describeWithService(
  'mariadb',
  maria.ok,
  maria.ok ? '' : maria.reason,
)('migrations on MariaDB', () => {
  migrationSuite(async () => {
    const db: TestDatabase = await createTestDatabase('engine');
    const ds = await openDatabase({
      type: 'mysql',
      host: db.host,
      port: db.port,
      user: db.username,
      password: db.password,
      database: db.database,
    });
    return {
      ds,
      close: async () => {
        if (ds.isInitialized) await ds.destroy();
        await db.drop();
      },
    };
  });
});
