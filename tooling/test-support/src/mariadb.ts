// A real MariaDB for tests: one throwaway database per test file, dropped afterwards.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

export const DEFAULT_MYSQL_URL = 'mysql://harvester:harvester@127.0.0.1:3306';

export function mysqlUrl(): string {
  return process.env.HARVESTER_TEST_MYSQL_URL ?? DEFAULT_MYSQL_URL;
}

export interface MysqlEndpoint {
  host: string;
  port: number;
  username: string;
  password: string;
}

export function mysqlEndpoint(url = mysqlUrl()): MysqlEndpoint {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 3306),
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}

/** Whether the server answers; resolves to the reason when it does not. */
export async function probeMariaDb(): Promise<{ ok: true } | { ok: false; reason: string }> {
  const ep = mysqlEndpoint();
  try {
    const conn = await mysql.createConnection({
      host: ep.host,
      port: ep.port,
      user: ep.username,
      password: ep.password,
      connectTimeout: 3000,
    });
    await conn.query('SELECT 1');
    await conn.end();
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: `${ep.host}:${ep.port}: ${(err as Error).message}` };
  }
}

export interface TestDatabase extends MysqlEndpoint {
  database: string;
  drop(): Promise<void>;
}

/** Creates an empty database with a unique name on the test server. */
export async function createTestDatabase(prefix = 'ht'): Promise<TestDatabase> {
  const ep = mysqlEndpoint();
  const database = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = await mysql.createConnection({
    host: ep.host,
    port: ep.port,
    user: ep.username,
    password: ep.password,
  });
  await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await admin.end();
  return {
    ...ep,
    database,
    async drop() {
      const c = await mysql.createConnection({
        host: ep.host,
        port: ep.port,
        user: ep.username,
        password: ep.password,
      });
      await c.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await c.end();
    },
  };
}
