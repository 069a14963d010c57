// The output file report sent with a job's final update (v1 job_output_report, legacy xml):
// a JSON object keyed by LFN with the GUID, size and checksum digest of every output and log
// file that was staged out (status finished). Harvester's core_utils.get_output_file_report.
import { randomUUID } from 'node:crypto';
import type { JobSpec } from '../entities/job-spec.js';
import { FileStatus, FileType } from '../status/file-status.js';
import { checksumDigest } from './checksum.js';

export interface PandaOutputFileReportEntry {
  guid: string;
  fsize: number | null;
  /** The checksum digest without its prefix (named adler32 whatever the algorithm, as Harvester does). */
  adler32: string | null;
}

export type PandaOutputFileReport = Record<string, PandaOutputFileReportEntry>;

export interface PandaOutputFileReportOptions {
  /**
   * Makes a GUID for an output whose FileSpec has none (Harvester: a random UUID). Default
   * `crypto.randomUUID`; pass a function for reproducible results.
   */
  newGuid?: () => string;
}

function logGuidOf(job: JobSpec): string | undefined {
  const fromExt = job.jobParamsExtForLog?.guid;
  if (typeof fromExt === 'string' && fromExt !== '') return fromExt;
  const fromParams = job.jobParams?.logGUID;
  return typeof fromParams === 'string' && fromParams !== '' && fromParams !== 'NULL'
    ? fromParams
    : undefined;
}

/**
 * The report of the job's finished output and log files (`job.files`). GUIDs come from
 * fileAttributes.guid, for the log file from the job's logGUID, else from `newGuid`.
 */
export function buildPandaOutputFileReport(
  job: JobSpec,
  options: PandaOutputFileReportOptions = {},
): PandaOutputFileReport {
  const newGuid = options.newGuid ?? randomUUID;
  const report: PandaOutputFileReport = {};
  for (const f of job.files) {
    if (f.fileType !== FileType.output && f.fileType !== FileType.log) continue;
    if (f.status !== FileStatus.finished) continue;
    const guid =
      f.fileAttributes?.guid ?? (f.fileType === FileType.log ? logGuidOf(job) : undefined) ?? newGuid();
    report[f.lfn] = {
      guid,
      fsize: f.fsize ?? null,
      adler32: f.chksum === null || f.chksum === undefined ? null : checksumDigest(f.chksum),
    };
  }
  return report;
}

/**
 * The report as PanDA takes it (a JSON string): the job's outputFilesToReport when already set
 * (JSON of the stored object; a string, as older rows may hold, as is), else the JSON of
 * `buildPandaOutputFileReport`. The stager stores `buildPandaOutputFileReport(job)` in
 * outputFilesToReport once the outputs are staged, as Harvester does.
 */
export function pandaOutputFileReportJson(job: JobSpec, options: PandaOutputFileReportOptions = {}): string {
  const stored = job.outputFilesToReport;
  if (stored !== null && stored !== undefined) {
    return typeof stored === 'string' ? stored : JSON.stringify(stored);
  }
  return JSON.stringify(buildPandaOutputFileReport(job, options));
}
