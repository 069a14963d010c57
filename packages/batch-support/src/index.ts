// @harvester-ts/batch-support: node-side building blocks for batch-system plugins (processes and
// files, which @harvester-ts/core, declarations and pure functions only, does not hold).
export {
  type AccessPointRecord,
  type RemoveAccessPointOptions,
  removeWorkerAccessPoint,
} from './access-point.js';
export {
  type CommandResult,
  type CommandRunner,
  type CommandRunOptions,
  type CommandTimeoutConfig,
  CommandTools,
  type CommandToolsConfig,
  describeFailure,
  execFileRunner,
  MAX_COMMAND_OUTPUT_BYTES,
  notRunResult,
  type ToolResult,
  toolProgram,
} from './command-runner.js';
export {
  loadTemplateFile,
  packageTemplatePath,
  RenderError,
  readTemplateFile,
  TemplateError,
} from './template-files.js';
export {
  type ExitFileRead,
  type ReadJsonRecordOptions,
  readExitFile,
  readJsonRecord,
  type WorkerRecordFile,
  type WorkerRecordFileSpec,
  workerRecordFile,
  writeAtomic,
  writeJsonRecord,
} from './worker-record.js';
