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
export { type PrivateMariaDb, privateMariaDbAvailable, startPrivateMariaDb } from './private-mariadb.js';
export { describeWithService, servicesRequired } from './services.js';
export { probeSlurm, startSlurmctld, stopSlurmctld } from './slurm.js';
export { type MakeTestPkiOptions, makeTestPki, type TestPki } from './tls.js';
