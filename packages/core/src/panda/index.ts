// PanDA job dictionary <-> JobSpec/FileSpec mapping and the job update records sent back.
export {
  checksumDigest,
  isPandaChecksum,
  type PandaChecksum,
  type PandaChecksumAlgorithm,
  parsePandaChecksum,
} from './checksum.js';
export { isPandaNull, PANDA_NULL } from './dict-reader.js';
export {
  type PandaInputFile,
  type PandaLogFile,
  type PandaOutputFile,
  pandaInputFiles,
  pandaOutputFiles,
} from './file-lists.js';
export {
  PANDA_NUMERIC_JOB_FIELDS,
  type PandaJobDict,
  type PandaList,
  type PandaNumber,
  type PandaNumericJobField,
} from './job-dict.js';
export {
  type InitialInputFileStatus,
  type JobSpecFromPandaDictOptions,
  jobSpecFromPandaDict,
  type PandaJobConversion,
  PROPAGATION_TRIGGER_OFFSET_MS,
  schedulerIDFor,
} from './job-from-dict.js';
export { type PandaJobResources, pandaJobResources } from './job-resources.js';
export {
  formatPandaTime,
  legacyUpdateJobsInBulkForm,
  PANDA_FORWARDED_JOB_ATTRIBUTES,
  type PandaForwardedJobAttribute,
  type PandaJobUpdateLegacy,
  type PandaJobUpdateOptions,
  type PandaJobUpdateV1,
  type PandaReportedJobStatus,
  pandaJobUpdateLegacy,
  pandaJobUpdateV1,
  pandaUpdateJobsBulkBody,
  pandaUpdateStatus,
  reportedJobStatus,
} from './job-update.js';
export {
  buildPandaOutputFileReport,
  type PandaOutputFileReport,
  type PandaOutputFileReportEntry,
  type PandaOutputFileReportOptions,
  pandaOutputFileReportJson,
} from './output-file-report.js';
export { type PandaPayloadCommand, pandaPayloadCommand } from './payload.js';
