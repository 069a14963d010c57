// The shared-file messenger and the helpers it is built from.
export {
  type AccessPointValues,
  accessPointRoot,
  accessPointTemplateProblems,
  expandAccessPoint,
} from './access-point.js';
export { Adler32, adler32OfFile, writeFileAtomic } from './files.js';
export { type JobFileNames, jobFileNames, poolFileCatalog } from './job-files.js';
export {
  SHARED_FILE_DEFAULT_NAMES,
  type SharedFileMessengerOptions,
  type SharedFileMessengerOptionsInput,
  type SharedFileName,
  sharedFileMessengerOptionsSchema,
} from './options.js';
export {
  acceptReportedPath,
  assertSafeLfn,
  isPlainFileName,
  lfnProblem,
  resolveUnder,
  UnsafePathError,
} from './safe-path.js';
export { MessengerError, SharedFileMessenger, SharedFileMessengerInstance } from './shared-file-messenger.js';
export { renderEnvFile, ShellValueError, shellQuote, splitShellWords } from './shell.js';
