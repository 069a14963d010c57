// Which database the engine uses: an embedded SQLite file (the default) or a MariaDB/MySQL
// server shared by several harvester processes or hosts.
import { z } from 'zod';

export const sqliteConfigSchema = z.strictObject({
  type: z.literal('sqlite'),
  /** Path of the database file (created if missing). */
  path: z.string().min(1),
  /** How long a writer waits for another one before failing (ms). */
  busyTimeoutMs: z.number().int().min(0).default(10_000),
});

export const mysqlConfigSchema = z.strictObject({
  type: z.literal('mysql'),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(1).max(65535).default(3306),
  user: z.string().min(1),
  /** Prefer `passwordFile` or an env reference resolved by the app; never logged. */
  password: z.string().default(''),
  database: z.string().regex(/^[A-Za-z0-9_$-]+$/, 'letters, digits, _, $ and - only'),
  /**
   * The server: MariaDB (>= 10.6) or MySQL (>= 8.0). `auto` asks the server when connecting; the
   * difference matters for how the schema is read back (MariaDB stores JSON as LONGTEXT).
   */
  server: z.enum(['auto', 'mariadb', 'mysql']).default('auto'),
  poolSize: z.number().int().min(1).max(1000).default(10),
  connectTimeoutMs: z.number().int().min(100).default(10_000),
});

export const databaseConfigSchema = z.discriminatedUnion('type', [sqliteConfigSchema, mysqlConfigSchema]);

export type SqliteConfig = z.infer<typeof sqliteConfigSchema>;
export type MysqlConfig = z.infer<typeof mysqlConfigSchema>;
export type DatabaseConfig = z.infer<typeof databaseConfigSchema>;
export type DatabaseConfigInput = z.input<typeof databaseConfigSchema>;
