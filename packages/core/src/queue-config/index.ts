// Queue configuration: Harvester's panda_queueconfig.json semantics as zod schemas, template
// resolution, validation with dotted issue paths, and the JSON Schema of the file format.

export { closestMatch, didYouMean, editDistance } from './did-you-mean.js';
export {
  JOB_LIMIT_KEYS,
  NO_HEARTBEAT_STATUSES,
  type NoHeartbeatStatus,
  QUEUE_STATUSES,
  type QueueLimitKey,
  type QueueStatus,
  RUN_MODES,
  type RunMode,
  TRUE_PILOT_NO_HEARTBEAT,
  WORKER_LIMIT_KEYS,
} from './fields.js';
export { type QueueConfigFile, queueConfigFileSchema } from './file.js';
export { dottedPath, type FormatIssuesOptions, formatIssues } from './issues.js';
export { queueConfigJsonSchema } from './json-schema.js';
export { type ParseQueueConfigOptions, parseQueueConfigFile, safeParseQueueConfigFile } from './parse.js';
export {
  type CommonOptions,
  commonSectionSchema,
  isPluginSectionName,
  JOB_PLUGIN_SECTIONS,
  type JobPluginSectionName,
  MANDATORY_PLUGIN_SECTIONS,
  type MandatoryPluginSectionName,
  type MessengerSection,
  messengerSectionSchema,
  missingJobSectionMessage,
  OPTIONAL_PLUGIN_SECTIONS,
  type OptionalPluginSectionName,
  PLUGIN_SECTIONS,
  type PluginSection,
  type PluginSectionName,
  pluginSectionSchema,
} from './plugin-section.js';
export {
  applyLimitRules,
  isJobQueue,
  type JobMapType,
  type JobQueueConfig,
  mergeCommonOptions,
  type NoJobQueueConfig,
  type QueueConfig,
  type QueueConfigBase,
  type QueueConfigInput,
  type QueueLimits,
  queueConfigSchema,
} from './queue-config.js';
export {
  describeUnknownQueueKey,
  QUEUE_CONFIG_KEYS,
  type QueueConfigEntry,
  queueConfigEntrySchema,
} from './queue-entry.js';
export {
  isTemplateQueue,
  QUEUE_NAME_PATTERN,
  type QueueNameParts,
  queueNameSchema,
  splitQueueName,
  TEMPLATE_SUFFIX,
} from './queue-names.js';
export type { QueueConfigResult, ResolvedQueueConfigs } from './result.js';
export { mergeQueueEntries, resolveQueueTemplates } from './templates.js';
