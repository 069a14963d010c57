// @harvester-ts/app: the harvester's configuration loading and composition, for the `harvester`
// CLI and for programs that embed the same setup.
export {
  type AppConfig,
  type AppConfigInput,
  appConfigSchema,
  defineConfig,
  type SecretRef,
  secretRefSchema,
  type WithSecrets,
} from './config/app-config.js';
export {
  DEFAULT_QUEUE_NAME,
  dataLayout,
  defaultCommunicator,
  defaultHarvesterId,
  LOCAL_TEMPLATE_NAME,
  localProfileEngineSettings,
  localQueueTemplate,
} from './config/embedded-default.js';
export { looksLikeHarvesterQueueConfig, mapHarvesterQueueConfig } from './config/harvester-modules.js';
export { appConfigJsonSchema } from './config/json-schema.js';
export {
  describeConfig,
  type LoadConfigOptions,
  loadConfig,
  type ResolvedConfig,
} from './config/load-config.js';
export { CONFIG_FILE_NAMES, findConfigFile } from './config/read-config-file.js';
export { redactSecrets, resolveSecrets } from './config/secrets.js';
export { type HttpServer, startHttpServer } from './http/server.js';
export { createEngine } from './runtime/create-engine.js';
export { appImporter } from './runtime/plugin-importer.js';
export { type RunMode, type RunOutcome, runLoop } from './runtime/run-loop.js';
