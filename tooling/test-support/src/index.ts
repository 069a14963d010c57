export { type CheckResultLike, isFinal, isFinishedOrFailed, statusOf } from './check-results.js';
export {
  type CommandScript,
  type RecordedCall,
  type RecordingRunner,
  recordingRunner,
  SUCCESSFUL_COMMAND,
  scriptedRunner,
} from './command-runners.js';
export { DOCKER_TEST_IMAGE, probeDocker, restartDockerd, startDockerd, stopDockerd } from './docker.js';
export {
  createTestDatabase,
  DEFAULT_MYSQL_URL,
  type MysqlEndpoint,
  mysqlEndpoint,
  mysqlUrl,
  probeMariaDb,
  type TestDatabase,
} from './mariadb.js';
export { type Instantiate, pluginMaker, type TestPluginLocation } from './plugin-maker.js';
export { checkPoller, sleep, type WorkerChecker, waitFor, waitForCheck } from './polling.js';
export { type PrivateMariaDb, privateMariaDbAvailable, startPrivateMariaDb } from './private-mariadb.js';
export { describeWithService, servicesRequired } from './services.js';
export { writeShellPayload } from './shell-payload.js';
export { shq } from './shell-quote.js';
export { probeSlurm, startSlurmctld, stopSlurmctld } from './slurm.js';
export { makeTempRoot } from './temp-root.js';
export { type TestWorkers, testWorkers, type WorkerLike } from './test-workers.js';
export { type MakeTestPkiOptions, makeTestPki, type TestPki } from './tls.js';
