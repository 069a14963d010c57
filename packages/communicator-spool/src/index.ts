// @harvester-ts/communicator-spool: a WMS that is a directory.
export {
  describeIssues,
  type SpoolCommandEntry,
  spoolCommandEntry,
  spoolCommandFile,
  spoolCommandID,
} from './commands.js';
export {
  claimedJobFileName,
  createSpoolCommunicator,
  ensureSpool,
  jobUpdateRecord,
  SPOOL_COMPATIBILITY,
  SPOOL_DIRECTORIES,
  SPOOL_FILES,
  SpoolCommunicator,
  type SpoolCommunicatorOptions,
  type SpoolPaths,
  spoolCommunicatorOptions,
  spoolPaths,
  workerUpdateRecord,
} from './communicator.js';
export { isSpoolFileName, listSpoolFiles, writeFileAtomic } from './files.js';
