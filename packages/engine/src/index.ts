// @harvester-ts/engine: the agents, the database layer and the worker side of the harvester.

export type { Agent, AgentContext, CycleResult } from './agents/agent-context.js';
export { countWorkers, newWorkerCount, type WorkerCounts } from './agents/worker-adjuster.js';
export * from './config/engine-config.js';
export {
  type ClaimRequest,
  claimKeys,
  claimRows,
  execute,
  type LeaseColumns,
  releaseRows,
  renewLeases,
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
export { type CommunicatorSection, Engine, type EngineOptions, EngineTimeoutError } from './engine.js';
export { type InstanceIdentity, instanceIdentity, leaseOwner } from './identity.js';
export * from './messenger/index.js';
export { importModule, type ModuleImporter, resolveModule } from './plugins/module-importer.js';
export { type CallResult, type CallSite, callPlugin } from './plugins/plugin-call.js';
export { loadQueuePlugins, type QueuePlugins, SECTION_KINDS } from './plugins/queue-plugins.js';
export { QueueRegistry, queueConfigChecksum } from './plugins/queue-registry.js';
export {
  ENGINE_PACKAGE_NAME,
  findPackageRoot,
  resolveWorkerWrapperPath,
  WORKER_WRAPPER_FILE_NAMES,
  WORKER_WRAPPER_PATH,
  type WorkerWrapperFileNames,
  workerWrapperArgv,
} from './worker/wrapper.js';
export * from './worker-maker/index.js';
