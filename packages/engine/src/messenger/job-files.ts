// What feedJobs writes for one job, computed (and validated) before anything touches the disk:
// the job spec, the POOL file catalog, the input symlinks and the wrapper's env file.
import { isAbsolute } from 'node:path';
import { FileType, type JobSpec, type WorkSpec } from '@harvester-ts/core';
import { assertSafeLfn, UnsafePathError } from './safe-path.js';
import { renderEnvFile, ShellValueError, splitShellWords } from './shell.js';

/** A PanDA comma list (`a,b,c`), without empty and 'NULL' entries. */
function commaList(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== 'NULL');
}

function textParam(job: JobSpec, name: string): string | undefined {
  const v = job.jobParams?.[name];
  if (v === undefined || v === null || v === 'NULL') return undefined;
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  return undefined;
}

export interface JobFileNames {
  inputs: string[];
  /** Outputs other than the log file. */
  outputs: string[];
  log: string | undefined;
}

/**
 * The job's file names: from its FileSpecs where it has them, else from the job dictionary
 * (inFiles; outFiles without logFile; logFile). Not validated.
 */
export function jobFileNames(job: JobSpec): JobFileNames {
  const files = job.files ?? [];
  const inputSpecs = files.filter((f) => f.fileType === FileType.input || f.fileType === FileType.aux_input);
  const outputSpecs = files.filter((f) => f.fileType === FileType.output);
  const logSpec = files.find((f) => f.fileType === FileType.log);
  const log = logSpec?.lfn ?? textParam(job, 'logFile');
  const inputs = inputSpecs.length > 0 ? inputSpecs.map((f) => f.lfn) : commaList(job.jobParams?.inFiles);
  const outputs =
    outputSpecs.length > 0
      ? outputSpecs.map((f) => f.lfn)
      : commaList(job.jobParams?.outFiles).filter((lfn) => lfn !== log);
  return { inputs: [...new Set(inputs)], outputs: [...new Set(outputs)], log };
}

/** An input to symlink into the job directory: `<jobDir>/<lfn>` → `target`. */
export interface InputLink {
  lfn: string;
  target: string;
}

export interface PreparedJob {
  pandaID: number;
  jobSpecJson: string;
  poolFileCatalog: string;
  envFile: string;
  links: InputLink[];
}

function xmlAttr(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Harvester's PoolFileCatalog (core_utils.make_pool_file_catalog) for the given inputs. */
export function poolFileCatalog(inputs: ReadonlyArray<{ lfn: string; guid: string | undefined }>): string {
  let xml = '<?xml version="1.0" ?>\n<!DOCTYPE POOLFILECATALOG  SYSTEM "InMemory">\n<POOLFILECATALOG>\n';
  const seen = new Set<string>();
  for (const { lfn, guid } of inputs) {
    if (seen.has(lfn)) continue;
    seen.add(lfn);
    xml += `  <File ID="${xmlAttr(guid ?? '')}">\n    <physical>\n      <pfn filetype="ROOT_All" name="${xmlAttr(lfn)}"/>\n    </physical>\n    <logical/>\n  </File>\n`;
  }
  return `${xml}</POOLFILECATALOG>\n`;
}

function inputGuids(job: JobSpec, lfns: string[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  const specs = (job.files ?? []).filter((f) => f.isInput());
  if (specs.length > 0) {
    for (const f of specs) out.set(f.lfn, f.fileAttributes?.guid ?? undefined);
    return out;
  }
  // From the job dictionary: GUID is aligned with inFiles.
  const all = typeof job.jobParams?.inFiles === 'string' ? (job.jobParams.inFiles as string).split(',') : [];
  const guids = typeof job.jobParams?.GUID === 'string' ? (job.jobParams.GUID as string).split(',') : [];
  all.forEach((lfn, i) => {
    const g = guids[i]?.trim();
    out.set(lfn.trim(), g && g !== 'NULL' ? g : undefined);
  });
  for (const lfn of lfns) if (!out.has(lfn)) out.set(lfn, undefined);
  return out;
}

function noNewline(value: string, what: string, pandaID: number): string {
  if (value.includes('\0') || value.includes('\n') || value.includes('\r')) {
    throw new ShellValueError(`job ${pandaID}: ${what} contains a NUL or newline character`, {
      pandaID,
      field: what,
    });
  }
  return value;
}

/** Checks a PandaID used as a directory name and map key. */
export function assertPandaID(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new UnsafePathError(String(value), 'a PandaID must be a positive integer');
  }
  return value;
}

/**
 * Everything feedJobs writes for `job`; throws UnsafePathError or ShellValueError (naming the
 * job and the offending value) when the job cannot be written safely.
 */
export function prepareJob(worker: WorkSpec, job: JobSpec, harvesterID: string): PreparedJob {
  const pandaID = assertPandaID(job.PandaID);
  const context = { pandaID };
  const names = jobFileNames(job);
  for (const lfn of [...names.inputs, ...names.outputs]) assertSafeLfn(lfn, context);
  if (names.log !== undefined) assertSafeLfn(names.log, context);

  const transformation = noNewline(textParam(job, 'transformation') ?? '', 'transformation', pandaID);
  const rawPars = job.jobParams?.jobPars;
  const jobPars = typeof rawPars === 'string' && rawPars !== 'NULL' ? rawPars : '';
  let args: string[];
  try {
    args = splitShellWords(jobPars);
  } catch (err) {
    throw new ShellValueError(`job ${pandaID}: ${(err as Error).message}`, { pandaID, field: 'jobPars' });
  }

  const links: InputLink[] = [];
  for (const f of job.files ?? []) {
    if (!f.isInput() || f.path === null || f.path === undefined || f.path === '') continue;
    assertSafeLfn(f.lfn, context);
    if (f.path.includes('\0') || f.path.includes('\n')) {
      throw new UnsafePathError(f.path, 'input path contains a NUL or newline character', context);
    }
    if (!isAbsolute(f.path)) {
      throw new UnsafePathError(f.path, `input path of ${f.lfn} is not absolute`, context);
    }
    links.push({ lfn: f.lfn, target: f.path });
  }

  const guids = inputGuids(job, names.inputs);
  const catalog = poolFileCatalog(names.inputs.map((lfn) => ({ lfn, guid: guids.get(lfn) })));

  const optional = (name: string) => noNewline(textParam(job, name) ?? '', name, pandaID);
  const entries: [string, string][] = [
    ['HARVESTER_PANDA_ID', String(pandaID)],
    ['HARVESTER_TASK_ID', job.taskID === null || job.taskID === undefined ? '' : String(job.taskID)],
    ['HARVESTER_ATTEMPT_NR', String(job.attemptNr ?? '')],
    ['HARVESTER_WORKER_ID', String(worker.workerID)],
    ['HARVESTER_ID', harvesterID],
    ['HARVESTER_CORE_COUNT', optional('coreCount')],
    ['HARVESTER_TRANSFORMATION', transformation],
    ['HARVESTER_JOB_PARS', jobPars],
    ['HARVESTER_JOB_ARGC', String(args.length)],
    ...args.map((a, i): [string, string] => [`HARVESTER_JOB_ARG_${i + 1}`, a]),
    ['HARVESTER_INPUT_FILES', names.inputs.join(' ')],
    ['HARVESTER_OUTPUT_FILES', names.outputs.join(' ')],
    ['HARVESTER_LOG_FILE', names.log ?? ''],
  ];
  const envFile = renderEnvFile(
    entries,
    `Job ${pandaID} for harvester-worker.sh, written by the harvester's shared-file messenger.\n` +
      'Only variable assignments; HARVESTER_JOB_ARG_1..N are jobPars split into words (nothing expanded).',
  );
  return {
    pandaID,
    jobSpecJson: JSON.stringify({ [String(pandaID)]: job.jobParams ?? {} }),
    poolFileCatalog: catalog,
    envFile,
    links,
  };
}
