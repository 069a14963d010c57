// The job dictionary PanDA hands out (pilot/acquire_jobs in API v1, getJob in the legacy API).
// It is the pilot's job description, built by the PanDA job dispatcher: scalar job fields plus
// comma-separated, position-aligned lists describing the input and output files.

/**
 * A number as PanDA sends it: a JSON number, or a decimal string (`"1234"`). `'NULL'` and `''`
 * stand for an unset value.
 */
export type PandaNumber = number | string;

/**
 * A comma-separated list, one entry per file, aligned by position with `inFiles` (input lists)
 * or `outFiles` (output lists). `''` or `'NULL'` for "no files / no values"; an entry `'NULL'`
 * or an empty entry is an unset value for that file.
 */
export type PandaList = string;

/**
 * The PanDA job dictionary. The fields harvester-ts reads are typed; everything else PanDA sends
 * (and a new server may add) is kept through the index signature and stored untouched in
 * `JobSpec.jobParams`.
 */
export interface PandaJobDict {
  /** The job's ID (required, positive integer). */
  PandaID?: PandaNumber;
  /** JEDI task ID, `'NULL'` for jobs without a task. */
  taskID?: PandaNumber | null;
  /** Job set ID (event service jobs of one set share it), `'NULL'` when unset. */
  jobsetID?: PandaNumber | null;
  /** Attempt number of the job (retries of the same PanDA job). */
  attemptNr?: PandaNumber | null;
  maxAttempt?: PandaNumber | null;
  /** Priority; can be negative. */
  currentPriority?: PandaNumber | null;
  /** Cores the payload needs. */
  coreCount?: PandaNumber | null;
  /** Memory the payload needs (MB, for the whole job). */
  minRamCount?: PandaNumber | null;
  /** Scratch disk the payload needs (MB). */
  maxDiskCount?: PandaNumber | null;
  /** Wall time limit (seconds). */
  maxWalltime?: PandaNumber | null;
  maxCpuCount?: PandaNumber | null;
  /** Resource type (SCORE, MCORE, SCORE_HIMEM, ...). */
  resource_type?: string | null;
  /** managed, user, ptest, rc_test2, rc_alrb, ... */
  prodSourceLabel?: string | null;
  processingType?: string | null;
  jobName?: string | null;
  /** The payload executable (a transform name or a URL to a script). */
  transformation?: string | null;
  /** The payload arguments, one shell-quoted string. */
  jobPars?: string | null;
  swRelease?: string | null;
  homepackage?: string | null;
  cmtConfig?: string | null;
  container_name?: string | null;

  // ---- input files (aligned with inFiles)
  inFiles?: PandaList | null;
  GUID?: PandaList | null;
  /** File sizes in bytes. */
  fsize?: PandaList | PandaNumber | null;
  /** `ad:<adler32>` or `md5:<md5>` (also `md:`) per file. */
  checksum?: PandaList | null;
  scopeIn?: PandaList | null;
  realDatasetsIn?: PandaList | null;
  ddmEndPointIn?: PandaList | null;
  prodDBlocks?: PandaList | null;
  dispatchDblock?: PandaList | null;
  dispatchDBlockToken?: PandaList | null;
  prodDBlockToken?: PandaList | null;

  // ---- output files (aligned with outFiles; the log file is one of the outFiles)
  outFiles?: PandaList | null;
  /** Scopes of the outputs that are not the log file (the log's scope is scopeLog). */
  scopeOut?: PandaList | null;
  scopeLog?: string | null;
  /** LFN of the log tarball; also listed in outFiles. */
  logFile?: string | null;
  logGUID?: string | null;
  realDatasets?: PandaList | null;
  ddmEndPointOut?: PandaList | null;
  destinationDblock?: PandaList | null;
  destinationDBlockToken?: PandaList | null;
  fileDestinationSE?: PandaList | null;
  destinationSE?: string | null;

  // ---- misc
  /** Set for event service jobs (`'True'`, or a number for ES merge / jumbo variants). */
  eventService?: string | number | boolean | null;
  /** Zip outputs in chunks of this many MB (event service). */
  zipPerMB?: PandaNumber | null;
  /** Secrets for the payload: a JSON string, decoded into an object in JobSpec.jobParams. */
  secrets?: string | Record<string, unknown> | null;

  [field: string]: unknown;
}

/** The numeric job fields with the smallest value each may take (null: any integer). */
export const PANDA_NUMERIC_JOB_FIELDS = {
  PandaID: 1,
  taskID: 0,
  jobsetID: 0,
  attemptNr: 0,
  currentPriority: null,
  coreCount: 0,
  minRamCount: 0,
  maxDiskCount: 0,
  maxWalltime: 0,
  zipPerMB: 0,
} as const satisfies Record<string, number | null>;

export type PandaNumericJobField = keyof typeof PANDA_NUMERIC_JOB_FIELDS;
