// Opens the configured database for the CLI's read commands (and `kill`): never creates or
// migrates it — that is `harvester run` and `harvester db migrate` — and says so when it is missing.
import { existsSync } from 'node:fs';
import { HarvesterError } from '@harvester-ts/core';
import {
  type DatabaseConfigInput,
  databaseConfigSchema,
  describeDatabase,
  openDatabase,
} from '@harvester-ts/engine';
import type { DataSource } from 'typeorm';

export class DatabaseNotReadyError extends HarvesterError {
  constructor(message: string, database: string) {
    super('DATABASE_NOT_READY', message, { database });
  }
}

export async function openStore(database: DatabaseConfigInput): Promise<DataSource> {
  const config = databaseConfigSchema.parse(database);
  const where = describeDatabase(config);
  if (config.type === 'sqlite' && !existsSync(config.path)) {
    throw new DatabaseNotReadyError(
      `there is no database at ${config.path} yet: start the harvester (harvester run) or create it (harvester db migrate)`,
      where,
    );
  }
  const ds = await openDatabase(config);
  let pending: boolean;
  try {
    pending = await ds.showMigrations();
  } catch (err) {
    await ds.destroy();
    throw err;
  }
  if (pending) {
    await ds.destroy();
    throw new DatabaseNotReadyError(
      `the database ${where} needs migrations this version applies: run harvester db migrate`,
      where,
    );
  }
  return ds;
}

/** Runs `fn` on the opened store and closes it, whatever happens. */
export async function withStore<T>(
  database: DatabaseConfigInput,
  fn: (ds: DataSource) => Promise<T>,
): Promise<T> {
  const ds = await openStore(database);
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
  }
}
