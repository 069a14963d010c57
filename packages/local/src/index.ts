// @harvester-ts/local: workers as local process groups (submitter, monitor, sweeper).
export {
  BATCH_NAME_ENV,
  buildWorkerArgv,
  buildWorkerEnv,
  type ExitFileRead,
  findTaggedWorkers,
  formatBatchID,
  isLive,
  isOurs,
  type KillRecord,
  LOCAL_FILE_NAMES,
  type LocalWorkerRecord,
  NCORE_ENV,
  OWNER_ENV,
  ownerTag,
  type ProcessIdentity,
  type ProcessTable,
  type ProcStat,
  parseBatchID,
  parseExitCode,
  parseProcStat,
  RAM_ENV,
  readExitFile,
  readProcStatSync,
  readWorkerRecord,
  scanProcesses,
  sessionMembers,
  type TaggedWorker,
} from './commands.js';
export { LocalMonitor, LocalMonitorInstance } from './monitor.js';
export {
  LOCAL_COMPATIBILITY,
  type LocalMonitorOptions,
  type LocalSubmitterOptions,
  type LocalSweeperOptions,
  localMonitorOptions,
  localSubmitterOptions,
  localSweeperOptions,
} from './options.js';
export {
  LOST_WORKER_DIAG,
  LocalNativeStatus,
  type LocalObservation,
  type MappedStatus,
  mapLocalStatus,
} from './status-map.js';
export { LocalSubmitter, LocalSubmitterInstance } from './submitter.js';
export { LocalSweeper, LocalSweeperInstance, workerGroupAlive } from './sweeper.js';
