// The files of a PanDA job, read from the position-aligned comma lists of the job dictionary.
//
// Inputs: inFiles, with GUID, fsize and checksum (one entry per file, exactly) and scopeIn,
// realDatasetsIn, ddmEndPointIn (one entry per file, or a single value for all files).
// Outputs: outFiles, which includes the log file (logFile names it; its GUID is logGUID), with
// realDatasets and ddmEndPointOut aligned with outFiles, and scopeOut aligned with the outputs
// that are *not* the log file; the log's scope is scopeLog (Harvester re-inserts scopeLog into
// the scope list at the log file's position).
//
// Leniency, following Harvester and the way PanDA fills the lists:
// - a whole list that is '' or 'NULL' (or missing) means "no values": every file gets null;
// - an entry that is '' or 'NULL' is null for that file; an inFiles/outFiles entry that is ''
//   or 'NULL' is no file (Harvester drops those LFNs) and its position is skipped;
// - scope, dataset and endpoint lists may hold one value for all files;
// - an input LFN listed twice with identical attributes is one file (Harvester keys inputs by
//   LFN); listed twice with different attributes it is an error. An output LFN listed twice is
//   an error (two outputs would overwrite each other).
import { parsePandaChecksum } from './checksum.js';
import {
  asPandaJobDict,
  describeValue,
  PandaDictReader,
  peekPandaID,
  toPandaInteger,
} from './dict-reader.js';

export interface PandaInputFile {
  lfn: string;
  guid: string | null;
  /** Bytes. */
  fsize: number | null;
  /** As PanDA sent it (`ad:…`, `md5:…`), validated. */
  checksum: string | null;
  scope: string | null;
  dataset: string | null;
  /** The DDM endpoint the file is read from (ddmEndPointIn). */
  endpoint: string | null;
}

export interface PandaOutputFile {
  lfn: string;
  fileType: 'output' | 'log';
  scope: string | null;
  dataset: string | null;
  /** The DDM endpoint the file goes to (ddmEndPointOut). */
  endpoint: string | null;
  /** logGUID for the log file; null for other outputs (their GUIDs come from the payload). */
  guid: string | null;
}

export interface PandaLogFile {
  lfn: string;
  guid: string | null;
  scope: string | null;
}

type Alignment = 'exact' | 'oneForAll';

/**
 * The list `field` with one entry per position of `anchor` (n positions): all null when unset,
 * the single value repeated when `oneForAll` allows it; any other length is an error naming both
 * fields and both lengths.
 */
function aligned(
  reader: PandaDictReader,
  field: string,
  anchor: string,
  n: number,
  alignment: Alignment,
): (string | null)[] {
  const values = reader.list(field);
  if (values === null) return new Array<string | null>(n).fill(null);
  if (values.length === n) return values;
  if (alignment === 'oneForAll' && values.length === 1) {
    return new Array<string | null>(n).fill(values[0] ?? null);
  }
  throw reader.error(`${field} has ${values.length} entries but ${anchor} has ${n}`, {
    field,
    fields: [field, anchor],
    lengths: { [field]: values.length, [anchor]: n },
  });
}

function sameInput(a: PandaInputFile, b: PandaInputFile): boolean {
  return (
    a.guid === b.guid &&
    a.fsize === b.fsize &&
    a.checksum === b.checksum &&
    a.scope === b.scope &&
    a.dataset === b.dataset &&
    a.endpoint === b.endpoint
  );
}

/** The input files of a job dictionary (reader form, for the JobSpec mapping). */
export function readInputFiles(reader: PandaDictReader): PandaInputFile[] {
  const lfns = reader.list('inFiles') ?? [];
  const n = lfns.length;
  const guids = aligned(reader, 'GUID', 'inFiles', n, 'exact');
  const fsizes = aligned(reader, 'fsize', 'inFiles', n, 'exact');
  const checksums = aligned(reader, 'checksum', 'inFiles', n, 'exact');
  const scopes = aligned(reader, 'scopeIn', 'inFiles', n, 'oneForAll');
  const datasets = aligned(reader, 'realDatasetsIn', 'inFiles', n, 'oneForAll');
  const endpoints = aligned(reader, 'ddmEndPointIn', 'inFiles', n, 'oneForAll');

  const files: PandaInputFile[] = [];
  const seen = new Map<string, { file: PandaInputFile; index: number }>();
  for (let i = 0; i < n; i++) {
    const lfn = lfns[i];
    if (lfn === null || lfn === undefined) continue;

    const rawSize = fsizes[i] ?? null;
    let fsize: number | null = null;
    if (rawSize !== null) {
      const size = toPandaInteger(rawSize);
      if (size === undefined || size < 0) {
        throw reader.error(
          `fsize of input file ${lfn} must be a non-negative integer, got ${describeValue(rawSize)}`,
          { field: 'fsize', lfn, index: i, value: rawSize },
        );
      }
      fsize = size;
    }

    const checksum = checksums[i] ?? null;
    if (checksum !== null && parsePandaChecksum(checksum) === undefined) {
      throw reader.error(
        `checksum of input file ${lfn} must be ad:<adler32 hex> or md5:<md5 hex>, got ${describeValue(checksum)}`,
        { field: 'checksum', lfn, index: i, value: checksum },
      );
    }

    const file: PandaInputFile = {
      lfn,
      guid: guids[i] ?? null,
      fsize,
      checksum,
      scope: scopes[i] ?? null,
      dataset: datasets[i] ?? null,
      endpoint: endpoints[i] ?? null,
    };
    const before = seen.get(lfn);
    if (before) {
      if (sameInput(before.file, file)) continue;
      throw reader.error(
        `input file ${lfn} is listed twice in inFiles (positions ${before.index} and ${i}) with different attributes`,
        { field: 'inFiles', lfn, positions: [before.index, i] },
      );
    }
    seen.set(lfn, { file, index: i });
    files.push(file);
  }
  return files;
}

/** The log file of a job dictionary (reader form); null when the job has none. */
export function readLogFile(reader: PandaDictReader): PandaLogFile | null {
  const lfn = reader.text('logFile');
  if (lfn === null) return null;
  return { lfn, guid: reader.text('logGUID'), scope: reader.text('scopeLog') };
}

/** The output files of a job dictionary, the log file among them (reader form). */
export function readOutputFiles(reader: PandaDictReader): PandaOutputFile[] {
  const lfns = reader.list('outFiles') ?? [];
  const n = lfns.length;
  const log = readLogFile(reader);

  let logIndex = -1;
  if (log !== null) {
    logIndex = lfns.indexOf(log.lfn);
    if (logIndex === -1) {
      throw reader.error(`logFile ${log.lfn} is not listed in outFiles`, {
        field: 'logFile',
        fields: ['logFile', 'outFiles'],
        logFile: log.lfn,
      });
    }
  }

  const datasets = aligned(reader, 'realDatasets', 'outFiles', n, 'oneForAll');
  const endpoints = aligned(reader, 'ddmEndPointOut', 'outFiles', n, 'oneForAll');

  // scopeOut: one entry per non-log output, in outFiles order.
  const nonLog = logIndex === -1 ? n : n - 1;
  const scopeOut = reader.list('scopeOut');
  let nonLogScopes: (string | null)[];
  if (scopeOut === null) nonLogScopes = new Array<string | null>(nonLog).fill(null);
  else if (scopeOut.length === nonLog) nonLogScopes = scopeOut;
  else if (scopeOut.length === 1) nonLogScopes = new Array<string | null>(nonLog).fill(scopeOut[0] ?? null);
  else {
    const logNote =
      logIndex === -1 ? '' : ` (${nonLog} besides the log file ${log?.lfn}, whose scope is scopeLog)`;
    throw reader.error(`scopeOut has ${scopeOut.length} entries but outFiles has ${n}${logNote}`, {
      field: 'scopeOut',
      fields: ['scopeOut', 'outFiles'],
      lengths: { scopeOut: scopeOut.length, outFiles: n },
      expected: nonLog,
    });
  }
  const scopes = [...nonLogScopes];
  if (logIndex !== -1) scopes.splice(logIndex, 0, log?.scope ?? null);

  const files: PandaOutputFile[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const lfn = lfns[i];
    if (lfn === null || lfn === undefined) continue;
    const before = seen.get(lfn);
    if (before !== undefined) {
      throw reader.error(`output file ${lfn} is listed twice in outFiles (positions ${before} and ${i})`, {
        field: 'outFiles',
        lfn,
        positions: [before, i],
      });
    }
    seen.set(lfn, i);
    const isLog = i === logIndex;
    files.push({
      lfn,
      fileType: isLog ? 'log' : 'output',
      scope: scopes[i] ?? null,
      dataset: datasets[i] ?? null,
      endpoint: endpoints[i] ?? null,
      guid: isLog ? (log?.guid ?? null) : null,
    });
  }
  return files;
}

/** The input files of a PanDA job dictionary; throws JobDictError when the lists are malformed. */
export function pandaInputFiles(dict: unknown): PandaInputFile[] {
  const d = asPandaJobDict(dict);
  return readInputFiles(new PandaDictReader(d, peekPandaID(d)));
}

/**
 * The output files of a PanDA job dictionary, the log file (fileType `log`) among them, in
 * outFiles order; throws JobDictError when the lists are malformed.
 */
export function pandaOutputFiles(dict: unknown): PandaOutputFile[] {
  const d = asPandaJobDict(dict);
  return readOutputFiles(new PandaDictReader(d, peekPandaID(d)));
}
