export { describeWithService, servicesRequired } from './services.js';
export {
  createTestDatabase,
  DEFAULT_MYSQL_URL,
  mysqlEndpoint,
  mysqlUrl,
  probeMariaDb,
  type MysqlEndpoint,
  type TestDatabase,
} from './mariadb.js';
