// @harvester-ts/engine: the agents, the database layer and the worker side of the harvester.

export {
  type ClaimRequest,
  claimKeys,
  claimRows,
  execute,
  type LeaseColumns,
  releaseRows,
} from './db/claims.js';
export {
  createDataSource,
  type DatabaseKind,
  databaseKind,
  describeDatabase,
  openDatabase,
  serverFlavour,
} from './db/data-source.js';
export { Database, type WriteOptions } from './db/database.js';
export * from './db/database-config.js';
export { IdAllocator } from './db/id-allocator.js';
export {
  assertNoSchemaDrift,
  type MigrationReport,
  migrate,
  SchemaDriftError,
  schemaDrift,
} from './db/migrate.js';
export { MIGRATIONS_BY_DRIVER } from './db/migrations/index.js';
export { sqlTime } from './db/sql-time.js';
