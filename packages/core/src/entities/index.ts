import { CacheEntry } from './cache-entry.js';
import { CommandSpec } from './command-spec.js';
import { DiagSpec } from './diag-spec.js';
import { EventSpec } from './event-spec.js';
import { FileSpec } from './file-spec.js';
import { JobSpec } from './job-spec.js';
import { JobWorkerRelation } from './job-worker-relation.js';
import { ProcessLock } from './process-lock.js';
import { QueueConfigDump } from './queue-config-dump.js';
import { QueueState } from './queue-state.js';
import { SequenceNumber } from './sequence-number.js';
import { StatusEvent } from './status-event.js';
import { WorkSpec } from './work-spec.js';

export { CacheEntry } from './cache-entry.js';
export { bigintToNumber } from './columns.js';
export { COMMAND_RECEIVERS, CommandName, CommandSpec } from './command-spec.js';
export { DiagSpec } from './diag-spec.js';
export { EventSpec } from './event-spec.js';
export { type FileAttributes, FileSpec } from './file-spec.js';
export {
  type FileGroupState,
  type FileGroupUpdate,
  type InputFileAttributes,
  type JobAttributes,
  type JobParams,
  JobSpec,
} from './job-spec.js';
export { JobWorkerRelation } from './job-worker-relation.js';
export type { JsonObject, JsonPrimitive, JsonValue } from './json.js';
export { ProcessLock } from './process-lock.js';
export { QueueConfigDump } from './queue-config-dump.js';
export { QueueState, queueStateKey } from './queue-state.js';
export { SequenceName, SequenceNumber } from './sequence-number.js';
export { StatusEvent, StatusEventEntity } from './status-event.js';
export {
  LOG_FILE_TYPES,
  type LogFilesToUpload,
  LogFileType,
  type WorkAttributes,
  WorkSpec,
  workerBatchName,
} from './work-spec.js';

/** Every entity of the harvester schema, for a DataSource's `entities`. */
export const HARVESTER_ENTITIES = [
  JobSpec,
  WorkSpec,
  FileSpec,
  EventSpec,
  JobWorkerRelation,
  CommandSpec,
  DiagSpec,
  QueueState,
  ProcessLock,
  CacheEntry,
  QueueConfigDump,
  StatusEvent,
  SequenceNumber,
] as const;
