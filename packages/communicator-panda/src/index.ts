// @harvester-ts/communicator-panda: the PanDA server API client as a Communicator plugin.
export { eventReturnsOutcomes, type PandaCall, type PandaDialect } from './api.js';
export { legacyDialect } from './api-legacy.js';
export { v1Dialect } from './api-v1.js';
export {
  AuthResolver,
  type CredentialSource,
  type Credentials,
  hostPortOf,
  PandaCredentialError,
} from './auth.js';
export { chunkBy, chunkByWeight } from './chunks.js';
export {
  createPandaCommunicator,
  PandaCommunicator,
  type PandaCommunicatorInstance,
} from './communicator.js';
export {
  type OidcAuthOptions,
  PANDA_COMPATIBILITY,
  type PandaAuthOptions,
  type PandaCommunicatorOptions,
  pandaAuthOptions,
  pandaCommunicatorOptions,
  type X509AuthOptions,
} from './options.js';
export {
  formatPandaMicroTime,
  INACTIVE_JOB_STATUSES,
  pandaDatetimeValue,
  pandaDialogRecord,
  pandaEventUpdateList,
  pandaHeartbeatData,
  pandaWorkerRecord,
  parseCommand,
  parsePandaTime,
  usableJobDicts,
} from './records.js';
export {
  type Envelope,
  type HttpAnswer,
  isArgumentErrorMessage,
  PandaStatusCode,
  parseEnvelope,
} from './responses.js';
export { backoffDelay, PandaRequestError, type PandaRequestFailure } from './transport.js';
