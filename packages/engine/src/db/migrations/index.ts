// Committed schema migrations, one list per database engine (generated SQL is engine-specific).
// New migrations: `pnpm --filter @harvester-ts/engine migration:generate <Name>`, then list the
// generated classes here, in order.
import type { MigrationInterface } from 'typeorm';
import { Initial1795245830666 as MysqlInitial } from './mysql/1795245830666-Initial.js';
import { Initial1795245830666 as SqliteInitial } from './sqlite/1795245830666-Initial.js';

type MigrationClass = new () => MigrationInterface;

export const MIGRATIONS_BY_DRIVER: { sqlite: MigrationClass[]; mysql: MigrationClass[] } = {
  sqlite: [SqliteInitial],
  mysql: [MysqlInitial],
};
