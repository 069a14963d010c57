import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { HARVESTER_ENTITIES, HarvesterError } from '@harvester-ts/core';
import { DataSource } from 'typeorm';
import { type DatabaseConfig, type DatabaseConfigInput, databaseConfigSchema } from './database-config.js';
import { MIGRATIONS_BY_DRIVER } from './migrations/index.js';

export type DatabaseKind = DatabaseConfig['type'];

/**
 * Builds (does not connect) the DataSource for a database configuration. A MySQL-family config
 * with `server: 'auto'` is built as MariaDB; `openDatabase` detects the server instead.
 */
export function createDataSource(input: DatabaseConfigInput): DataSource {
  const config = databaseConfigSchema.parse(input);
  if (config.type === 'sqlite') {
    if (config.path !== ':memory:') mkdirSync(dirname(config.path), { recursive: true });
    return new DataSource({
      type: 'better-sqlite3',
      database: config.path,
      entities: [...HARVESTER_ENTITIES],
      migrations: MIGRATIONS_BY_DRIVER.sqlite,
      migrationsTableName: 'harvester_migrations',
      migrationsRun: false,
      synchronize: false,
      timeout: config.busyTimeoutMs,
      enableWAL: config.path !== ':memory:',
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        // WAL with NORMAL sync is durable across process crashes (not power loss of the last
        // commit); the harvester's own crash safety does not depend on the last transaction.
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
      },
    });
  }
  return new DataSource({
    type: config.server === 'mysql' ? 'mysql' : 'mariadb',
    host: config.host,
    port: config.port,
    username: config.user,
    password: config.password,
    database: config.database,
    charset: 'utf8mb4_bin',
    timezone: 'Z',
    poolSize: config.poolSize,
    connectTimeout: config.connectTimeoutMs,
    supportBigNumbers: true,
    bigNumberStrings: false,
    entities: [...HARVESTER_ENTITIES],
    migrations: MIGRATIONS_BY_DRIVER.mysql,
    migrationsTableName: 'harvester_migrations',
    migrationsRun: false,
    synchronize: false,
  });
}

export function databaseKind(ds: DataSource): DatabaseKind {
  return ds.options.type === 'better-sqlite3' ? 'sqlite' : 'mysql';
}

/** Oldest servers with `FOR UPDATE SKIP LOCKED`, which the engine's claims rely on. */
const MIN_MARIADB = [10, 6] as const;
const MIN_MYSQL = [8, 0] as const;

function atLeast(version: string, min: readonly [number, number]): boolean {
  const [major = 0, minor = 0] = version.split(/[.-]/).map((p) => Number.parseInt(p, 10));
  return major > min[0] || (major === min[0] && minor >= min[1]);
}

/** Which server answers, from its VERSION() string; refuses servers without SKIP LOCKED. */
export function serverFlavour(version: string): 'mariadb' | 'mysql' {
  const flavour = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
  const min = flavour === 'mariadb' ? MIN_MARIADB : MIN_MYSQL;
  if (!atLeast(version, min)) {
    throw new HarvesterError(
      'UNSUPPORTED_DATABASE',
      `${flavour === 'mariadb' ? 'MariaDB' : 'MySQL'} ${version} is too old: harvester-ts needs ` +
        `MariaDB >= ${MIN_MARIADB.join('.')} or MySQL >= ${MIN_MYSQL.join('.')} (for SKIP LOCKED)`,
      { version },
    );
  }
  return flavour;
}

/**
 * Connects: detects the MySQL-family server when asked to, checks its version, and returns an
 * initialized DataSource. Connection errors name the host and database (never the password).
 */
export async function openDatabase(input: DatabaseConfigInput): Promise<DataSource> {
  const config = databaseConfigSchema.parse(input);
  let ds = createDataSource(config);
  try {
    await ds.initialize();
  } catch (err) {
    throw new HarvesterError(
      'DATABASE_UNAVAILABLE',
      `cannot open the database ${describeDatabase(config)}: ${(err as Error).message}`,
      {
        database: describeDatabase(config),
      },
      { cause: err },
    );
  }
  if (config.type === 'mysql') {
    const [row] = (await ds.query('SELECT VERSION() AS v')) as { v: string }[];
    const flavour = serverFlavour(String(row?.v ?? ''));
    if (config.server === 'auto' && flavour === 'mysql') {
      await ds.destroy();
      ds = createDataSource({ ...config, server: 'mysql' });
      await ds.initialize();
    }
  }
  return ds;
}

/** Where the database is, for messages (no credentials). */
export function describeDatabase(config: DatabaseConfig): string {
  return config.type === 'sqlite'
    ? `sqlite:${config.path}`
    : `mysql://${config.host}:${config.port}/${config.database}`;
}
