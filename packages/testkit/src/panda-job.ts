// Realistic PanDA job dictionaries (the shape pilot/acquire_jobs and getJob return): scalar job
// fields plus comma-separated file lists aligned by position (harvester-facts §2.1, §6).
import type { JobParams } from '@harvester-ts/core';

export interface PandaInputFileSpec {
  lfn: string;
  guid?: string;
  /** Bytes. */
  fsize?: number;
  /** `ad:<adler32>` or `md5:<md5>`. */
  checksum?: string;
  scope?: string;
  dataset?: string;
  /** DDM endpoint the file is read from. */
  endpoint?: string;
}

export interface PandaOutputFileSpec {
  lfn: string;
  scope?: string;
  dataset?: string;
  /** DDM endpoint the file goes to. */
  endpoint?: string;
}

export interface MakePandaJobOptions {
  PandaID: number;
  /** Input files: LFNs or full descriptions. Default: none. */
  inFiles?: readonly (string | PandaInputFileSpec)[];
  /** Output files other than the log: LFNs or full descriptions. Default: none. */
  outFiles?: readonly (string | PandaOutputFileSpec)[];
  /** The log tarball's LFN; `null` for a job without a log. Default `log.<PandaID>.job.log.tgz`. */
  logFile?: string | null;
  taskID?: number;
  jobsetID?: number;
  attemptNr?: number;
  coreCount?: number;
  currentPriority?: number;
  prodSourceLabel?: string;
  /** Default: SCORE for one core, MCORE for more. */
  resourceType?: string;
  /** MB. */
  minRamCount?: number;
  /** MB. */
  maxDiskCount?: number;
  /** Seconds. */
  maxWalltime?: number;
  transformation?: string;
  jobPars?: string;
  /** Scope of inputs/outputs/log when a file does not say (default `mc23_13p6TeV` / `panda` for the log). */
  scope?: string;
  /** The PanDA queue the job is assigned to; leave unset to match any site. */
  computingSite?: string;
  /** Any other field (added last: overrides what was computed). */
  extra?: JobParams;
}

/** Normalised file lists of a job (what makePandaJob renders and makeJobSpec builds FileSpecs from). */
export interface NormalisedPandaFiles {
  inputs: Required<PandaInputFileSpec>[];
  outputs: Required<PandaOutputFileSpec>[];
  log: { lfn: string; guid: string; scope: string; dataset: string; endpoint: string } | null;
}

/** Adler-32 of a string's UTF-8 bytes, as 8 hex digits. */
export function adler32Hex(text: string): string {
  let a = 1;
  let b = 0;
  for (const byte of Buffer.from(text, 'utf8')) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return (((b << 16) | a) >>> 0).toString(16).padStart(8, '0');
}

/** A deterministic, well-formed GUID derived from a string (same input, same GUID). */
export function deterministicGuid(seed: string): string {
  let hex = '';
  for (let i = 0; hex.length < 32; i++) hex += adler32Hex(`${seed}#${i}`);
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `4${hex.slice(13, 16)}`,
    `8${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ]
    .join('-')
    .toUpperCase();
}

const DEFAULT_SCOPE = 'mc23_13p6TeV';

export function normalisePandaFiles(options: MakePandaJobOptions): NormalisedPandaFiles {
  const id = options.PandaID;
  const scope = options.scope ?? DEFAULT_SCOPE;
  const taskID = options.taskID ?? 1;
  const inputs = (options.inFiles ?? []).map((f, i) => {
    const spec = typeof f === 'string' ? { lfn: f } : f;
    return {
      lfn: spec.lfn,
      guid: spec.guid ?? deterministicGuid(`in:${spec.lfn}`),
      fsize: spec.fsize ?? 1024 * (i + 1),
      checksum: spec.checksum ?? `ad:${adler32Hex(spec.lfn)}`,
      scope: spec.scope ?? scope,
      dataset: spec.dataset ?? `${scope}.${taskID}.input.EVNT`,
      endpoint: spec.endpoint ?? 'SIM-SITE_DATADISK',
    };
  });
  const outputs = (options.outFiles ?? []).map((f) => {
    const spec = typeof f === 'string' ? { lfn: f } : f;
    return {
      lfn: spec.lfn,
      scope: spec.scope ?? scope,
      dataset: spec.dataset ?? `${scope}.${taskID}.output.HITS_tid${taskID}_00`,
      endpoint: spec.endpoint ?? 'SIM-SITE_DATADISK',
    };
  });
  const logLfn = options.logFile === undefined ? `log.${id}.job.log.tgz` : options.logFile;
  const log =
    logLfn === null
      ? null
      : {
          lfn: logLfn,
          guid: deterministicGuid(`log:${logLfn}`),
          scope: options.scope ?? 'panda',
          dataset: `panda.${taskID}.log_tid${taskID}_00`,
          endpoint: 'SIM-SITE_DATADISK',
        };
  return { inputs, outputs, log };
}

const list = (values: readonly (string | number)[]): string => values.join(',');

/**
 * A PanDA job dictionary with realistic, position-aligned file lists: inFiles with GUID, fsize,
 * checksum, scopeIn, realDatasetsIn, ddmEndPointIn; outFiles (the log file last) with
 * realDatasets, ddmEndPointOut, destinationDblock, fileDestinationSE, and scopeOut for the
 * outputs that are not the log (the log's scope is scopeLog).
 */
export function makePandaJob(options: MakePandaJobOptions): JobParams {
  const { inputs, outputs, log } = normalisePandaFiles(options);
  const id = options.PandaID;
  const coreCount = options.coreCount ?? 1;
  const taskID = options.taskID ?? 1;
  const allOut = log ? [...outputs, log] : outputs;
  const dict: JobParams = {
    PandaID: id,
    taskID,
    jobsetID: options.jobsetID ?? taskID,
    attemptNr: options.attemptNr ?? 1,
    maxAttempt: 3,
    currentPriority: options.currentPriority ?? 1000,
    coreCount,
    minRamCount: options.minRamCount ?? 2000 * coreCount,
    maxDiskCount: options.maxDiskCount ?? 5000,
    maxWalltime: options.maxWalltime ?? 3600,
    maxCpuCount: options.maxWalltime ?? 3600,
    resource_type: options.resourceType ?? (coreCount > 1 ? 'MCORE' : 'SCORE'),
    prodSourceLabel: options.prodSourceLabel ?? 'managed',
    processingType: 'simul',
    jobName: `sim.${taskID}._${String(id).padStart(6, '0')}`,
    transformation: options.transformation ?? 'Sim_tf.py',
    jobPars:
      options.jobPars ??
      [
        inputs.length > 0 ? `--inputEVNTFile=${list(inputs.map((f) => f.lfn))}` : '',
        outputs.length > 0 ? `--outputHITSFile=${list(outputs.map((f) => f.lfn))}` : '',
        '--maxEvents=10',
      ]
        .filter((s) => s !== '')
        .join(' '),
    swRelease: 'Atlas-24.0.0',
    homepackage: 'AtlasOffline/24.0.0',
    cmtConfig: 'x86_64-el9-gcc13-opt',
    inFiles: list(inputs.map((f) => f.lfn)),
    GUID: list(inputs.map((f) => f.guid)),
    fsize: list(inputs.map((f) => f.fsize)),
    checksum: list(inputs.map((f) => f.checksum)),
    scopeIn: list(inputs.map((f) => f.scope)),
    realDatasetsIn: list(inputs.map((f) => f.dataset)),
    ddmEndPointIn: list(inputs.map((f) => f.endpoint)),
    prodDBlocks: list(inputs.map((f) => f.dataset)),
    dispatchDblock: list(inputs.map(() => 'NULL')),
    outFiles: list(allOut.map((f) => f.lfn)),
    scopeOut: list(outputs.map((f) => f.scope)),
    realDatasets: list(allOut.map((f) => f.dataset)),
    ddmEndPointOut: list(allOut.map((f) => f.endpoint)),
    destinationDblock: list(allOut.map((f) => `${f.dataset}_sub0`)),
    fileDestinationSE: list(allOut.map(() => 'SIM-SITE')),
    destinationSE: 'SIM-SITE',
    logFile: log ? log.lfn : 'NULL',
    logGUID: log ? log.guid : 'NULL',
    scopeLog: log ? log.scope : 'NULL',
  };
  if (log === null) {
    delete dict.logFile;
    delete dict.logGUID;
    delete dict.scopeLog;
  }
  if (options.computingSite !== undefined) dict.computingSite = options.computingSite;
  return { ...dict, ...(options.extra ?? {}) };
}
