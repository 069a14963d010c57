// The fake PanDA server (issue 8): exported for plugin authors from @harvester-ts/testkit.
export type { AuthDecision, FakePandaAuthOptions } from './auth.js';
export { DEFAULT_GARBAGE_BODY, type FakePandaFault, proxyErrorPage } from './faults.js';
export { pyJsonDumps, pyRepr } from './python.js';
export {
  type FakePandaRequest,
  FakePandaServer,
  type FakePandaServerOptions,
  startFakePandaServer,
} from './server.js';
export {
  DEFAULT_RESOURCE_TYPES,
  type FakePandaCredentials,
  type FakePandaResourceType,
  type RecordedHeartbeat,
  type RecordedServiceMetrics,
  type RecordedUpload,
} from './state.js';
export { V1_ENDPOINTS } from './v1-api.js';
