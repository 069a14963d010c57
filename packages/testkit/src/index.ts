// @harvester-ts/testkit: in-memory plugins and fakes for harvester-ts and its plugin authors.
export { type Clock, type ClockLike, ManualClock, toClock } from './clock.js';
export {
  createRecordingLogger,
  instantiateTestPlugin,
  type LogRecord,
  MemoryCacheService,
  MemoryLockService,
  type RecordedDialogMessage,
  RecordingDialogService,
  type RecordingLogger,
  type TestPluginContext,
  type TestPluginContextOverrides,
  type TestServices,
  testPluginContext,
} from './context.js';
export {
  BatchSystemUnavailableError,
  SimulationNotFoundError,
  WmsGarbledResponseError,
  WmsUnavailableError,
} from './errors.js';
export { type MakeJobSpecOptions, type MakeWorkSpecOptions, makeJobSpec, makeWorkSpec } from './fixtures.js';
export {
  type OptionField,
  type OptionsOfShape,
  type OptionsShape,
  option,
  optionsSchema,
} from './options-schema.js';
export {
  adler32Hex,
  deterministicGuid,
  type MakePandaJobOptions,
  makePandaJob,
  type PandaInputFileSpec,
  type PandaOutputFileSpec,
} from './panda-job.js';
export {
  type AuthDecision,
  DEFAULT_GARBAGE_BODY,
  DEFAULT_RESOURCE_TYPES,
  type FakePandaAuthOptions,
  type FakePandaCredentials,
  type FakePandaFault,
  type FakePandaRequest,
  type FakePandaResourceType,
  FakePandaServer,
  type FakePandaServerOptions,
  proxyErrorPage,
  pyJsonDumps,
  pyRepr,
  type RecordedHeartbeat,
  type RecordedServiceMetrics,
  type RecordedUpload,
  startFakePandaServer,
  V1_ENDPOINTS,
} from './panda-server/index.js';
export { TESTKIT_COMPATIBILITY } from './plugins/common.js';
export {
  jobUpdateOf,
  TestkitCommunicator,
  testkitCommunicatorOptions,
  workerUpdateOf,
} from './plugins/communicator.js';
export { TestkitMonitor, testkitMonitorOptions, workerStatusOfBatchJob } from './plugins/monitor.js';
export {
  DummyPreparator,
  TestkitPreparator,
  type TestkitPreparatorOptions,
  testkitPreparatorOptions,
} from './plugins/preparator.js';
export {
  DummyStager,
  TestkitStager,
  type TestkitStagerOptions,
  testkitStagerOptions,
} from './plugins/stager.js';
export { TestkitSubmitter, testkitSubmitterOptions } from './plugins/submitter.js';
export { TestkitSweeper, testkitSweeperOptions } from './plugins/sweeper.js';
export { TestkitWorkerMaker, testkitWorkerMakerOptions } from './plugins/worker-maker.js';
export { type NumberOrRange, SeededRandom } from './random.js';
export {
  clearSimulations,
  DEFAULT_SIMULATION,
  getSimulation,
  type PluginActionRecord,
  registerSimulation,
  type Simulation,
  type SimulationParts,
  SimulationRecords,
  simulationNames,
  type TestkitPluginName,
} from './registry.js';
export {
  BATCH_METHODS,
  type BatchJobInfo,
  type BatchJobState,
  type BatchKillResult,
  type BatchMethod,
  type BatchPayloadHook,
  type BatchPayloadJob,
  type BatchQueryResult,
  type BatchSubmitRequest,
  type BatchSubmitResult,
  FINAL_BATCH_JOB_STATES,
  type ReconfigurableBatchOptions,
  type SimulatedBatchJob,
  SimulatedBatchSystem,
  type SimulatedBatchSystemOptions,
  type UnknownBatchJob,
} from './simulated-batch-system.js';
export {
  type JobHandOut,
  KILL_COMMAND,
  type RecordedDialog,
  type RecordedEventUpdate,
  type RecordedJobUpdate,
  type RecordedWorkerUpdate,
  SimulatedWms,
  type SimulatedWmsOptions,
  WMS_FINAL_JOB_STATUSES,
  WMS_METHODS,
  type WmsDialog,
  type WmsEventRequest,
  type WmsEventUpdateBatch,
  type WmsEventUpdateReply,
  type WmsFault,
  type WmsFaultKind,
  type WmsHeartbeat,
  type WmsJobCheck,
  type WmsJobCriteria,
  type WmsJobUpdate,
  type WmsJobUpdateReply,
  type WmsMethod,
  type WmsWorkerStatsReport,
  type WmsWorkerUpdate,
} from './simulated-wms.js';
