// The Slurm tools: how they are run (argv arrays, never a shell), the argv each plugin uses, and
// parsers for what they print (Slurm 22.05 formats, batch-cli-formats.md part B). Parsers never
// guess: a line they cannot read is returned as garbage for the caller to report.
import {
  type CommandTimeoutConfig,
  type ToolResult as CommandToolResult,
  CommandTools,
  type ExitFileRead,
  readExitFile as readExitFileIn,
  toolProgram,
  workerRecordFile,
} from '@harvester-ts/batch-support';

export {
  type CommandResult,
  type CommandRunner,
  type CommandRunOptions,
  describeFailure,
  type ExitFileRead,
  execFileRunner,
  writeAtomic,
} from '@harvester-ts/batch-support';

/** The Slurm commands the plugins run. */
export type SlurmCommand = 'sbatch' | 'squeue' | 'sacct' | 'scontrol' | 'scancel';

/** The program to run for a command: `<slurmBinDir>/<command>`, or the bare name (PATH). */
export function slurmProgram(command: SlurmCommand, slurmBinDir: string | undefined): string {
  return toolProgram(command, slurmBinDir);
}

/** Messages meaning the controller (or its database) could not be reached: retry later. */
export const CONTROLLER_DOWN =
  /Unable to contact slurm controller|Socket timed out|Zero Bytes were transmitted|Connection refused|Communication connection failure|temporarily unable|Resource temporarily unavailable|Transport endpoint|Problem talking to the database|slurmctld.*(down|not responding)/i;

/** The message of an id Slurm does not know (any more). */
export const INVALID_JOB_ID = /Invalid job id specified/i;

// ---- ids and names -------------------------------------------------------------------------------------

/** A Slurm batchID: `<jobid>` or `<arrayjobid>_<index>`. */
export interface SlurmJobId {
  jobId: number;
  arrayIndex?: number;
}

/** Parses `<jobid>` or `<jobid>_<index>`; undefined otherwise. */
export function parseSlurmJobId(batchID: string | null | undefined): SlurmJobId | undefined {
  if (!batchID) return undefined;
  const m = /^([1-9][0-9]{0,9})(?:_([0-9]{1,9}))?$/.exec(batchID);
  if (!m) return undefined;
  const jobId = Number(m[1]);
  if (!Number.isSafeInteger(jobId)) return undefined;
  return m[2] === undefined ? { jobId } : { jobId, arrayIndex: Number(m[2]) };
}

export function formatSlurmJobId(id: SlurmJobId): string {
  return id.arrayIndex === undefined ? String(id.jobId) : `${id.jobId}_${id.arrayIndex}`;
}

/** Whether a job name can be given to `--name=a,b` (no comma, no whitespace, no control character). */
export function isListableJobName(name: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  return name.length > 0 && name.length <= 200 && !/[\s,\x00-\x1f\x7f]/.test(name);
}

// ---- sbatch ----------------------------------------------------------------------------------------------

export interface SbatchRequest {
  jobName: string;
  output: string;
  error: string;
  chdir: string;
  partition?: string | undefined;
  account?: string | undefined;
  qos?: string | undefined;
  /** `--array=0-(arraySize-1)`. */
  arraySize?: number | undefined;
  extraArgs?: readonly string[];
  script: string;
}

/** `sbatch --parsable --job-name=… --output=… --error=… --chdir=… [--array] [options] <script>`. */
export function sbatchArgv(req: SbatchRequest): string[] {
  const argv = [
    '--parsable',
    `--job-name=${req.jobName}`,
    `--output=${req.output}`,
    `--error=${req.error}`,
    `--chdir=${req.chdir}`,
  ];
  if (req.arraySize !== undefined) argv.push(`--array=0-${req.arraySize - 1}`);
  if (req.partition) argv.push(`--partition=${req.partition}`);
  if (req.account) argv.push(`--account=${req.account}`);
  if (req.qos) argv.push(`--qos=${req.qos}`);
  argv.push(...(req.extraArgs ?? []), req.script);
  return argv;
}

/**
 * The job id `sbatch --parsable` printed: `1234` or `1234;<cluster>` on the last non-empty
 * line of stdout; undefined when stdout is anything else.
 */
export function parseSbatchParsable(stdout: string): { jobId: number; cluster?: string } | undefined {
  const lines = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const last = lines[lines.length - 1];
  if (last === undefined) return undefined;
  const m = /^([1-9][0-9]{0,9})(?:;([A-Za-z0-9_.-]+))?$/.exec(last);
  if (!m) return undefined;
  const jobId = Number(m[1]);
  return m[2] === undefined ? { jobId } : { jobId, cluster: m[2] };
}

/**
 * sbatch errors that will not go away by retrying (a bad option, partition, account, QOS, time
 * or memory specification, a script sbatch refuses).
 */
export const SBATCH_PERMANENT =
  /unrecognized option|invalid option|Invalid (partition|account|qos|--|job array|generic resource|feature|node name|wckey|time|nodes|directive)|invalid partition specified|Requested node configuration is not available|can not be satisfied|Requested time limit is invalid|does not look like a batch script|Unable to open file|Access\/permission denied|not permitted|Job violates accounting\/QOS policy|Invalid account or account\/partition combination/i;

// ---- records read from squeue, sacct, scontrol --------------------------------------------------------

/** An exit status as Slurm reports it: the exit code and the signal that ended the job. */
export interface SlurmExit {
  code: number;
  signal: number;
}

/** What the plugins read about one job (or one array task). */
export interface SlurmJobRecord {
  /** `1234`, or `12_3` for array task 3 of array job 12. */
  id: string;
  /** The state as printed, e.g. `RUNNING`, `CANCELLED by 0`. */
  state: string;
  reason?: string;
  exit?: SlurmExit;
  nodeList?: string;
  name?: string;
  /** Which tool said so. */
  source: 'squeue' | 'sacct' | 'scontrol';
}

export interface ParsedRecords {
  records: SlurmJobRecord[];
  /** Lines that could not be read (reported, never guessed). */
  garbage: string[];
}

/** The field separator of squeue and sacct output: ASCII unit separator, never in a value. */
export const FIELD_SEPARATOR = '\x1f';

/** squeue `--Format` fields (width 0: never cut), each followed by the separator. */
const SQUEUE_FIELDS = ['jobarrayid', 'state', 'exit_code', 'nodelist', 'reason', 'name'] as const;
const SQUEUE_FORMAT = SQUEUE_FIELDS.map((f) => `${f}:0${FIELD_SEPARATOR}`).join(',');

/** Common squeue options: no header, one line per array task, finished jobs still in memory, all partitions. */
const SQUEUE_BASE = ['--noheader', '--array', '--states=all', '--all'];

/** `squeue` for the given batchIDs: every job slurmctld still has, whatever its state. */
export function squeueJobsArgv(ids: readonly string[]): string[] {
  return [...SQUEUE_BASE, `--jobs=${ids.join(',')}`, `--Format=${SQUEUE_FORMAT}`];
}

/** `squeue` for jobs by name. */
export function squeueNamesArgv(names: readonly string[]): string[] {
  return [...SQUEUE_BASE, `--name=${names.join(',')}`, `--Format=${SQUEUE_FORMAT}`];
}

/** `squeue` for the ids among `ids` that are still active (pending, running, completing, ...). */
export function squeueActiveArgv(ids: readonly string[]): string[] {
  return ['--noheader', '--array', '--all', `--jobs=${ids.join(',')}`, `--Format=${SQUEUE_FORMAT}`];
}

/** A job id as the tools print it: `123`, `12_3`. */
const RECORD_ID = /^[1-9][0-9]{0,9}(?:_[0-9]{1,9})?$/;
/** A state word as the tools print it (`CANCELLED by 0` keeps its suffix). */
const STATE_TEXT = /^[A-Z][A-Z_]*(?:\+| by [0-9]+)?$/;

/** The wait status squeue prints for exit_code (e.g. 768 for exit 3, 9 for SIGKILL). */
export function decodeWaitStatus(raw: string): SlurmExit | undefined {
  if (!/^-?[0-9]+$/.test(raw)) return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0 || n > 0xffff) return undefined; // -2: NO_VAL
  const signal = n & 0x7f;
  return signal !== 0 ? { code: 0, signal } : { code: (n >> 8) & 0xff, signal: 0 };
}

/** `N:S` (sacct, scontrol ExitCode). */
export function parseExitPair(text: string): SlurmExit | undefined {
  const m = /^([0-9]{1,3}):([0-9]{1,3})$/.exec(text);
  if (!m) return undefined;
  return { code: Number(m[1]), signal: Number(m[2]) };
}

/** The exit code the worker gets: the code, or 128 + the signal when one ended the job. */
export function nativeExitCodeOf(exit: SlurmExit): number {
  return exit.signal !== 0 ? 128 + exit.signal : exit.code;
}

function optional(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  return v === '' || v === '(null)' || v === 'N/A' || v === 'None' || v === 'None assigned' ? undefined : v;
}

/** Parses `squeue --Format` output made with squeueJobsArgv/squeueNamesArgv. */
export function parseSqueueOutput(stdout: string): ParsedRecords {
  const records: SlurmJobRecord[] = [];
  const garbage: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.split(FIELD_SEPARATOR);
    // Six fields, each followed by the separator: seven parts, the last empty.
    const [id, state, exitCode, nodeList, reason, name, rest] = fields;
    if (
      fields.length !== 7 ||
      rest !== '' ||
      id === undefined ||
      !RECORD_ID.test(id.trim()) ||
      state === undefined ||
      !STATE_TEXT.test(state.trim())
    ) {
      garbage.push(line);
      continue;
    }
    const record: SlurmJobRecord = { id: id.trim(), state: state.trim(), source: 'squeue' };
    const exit = decodeWaitStatus((exitCode ?? '').trim());
    if (exit) record.exit = exit;
    const nodes = optional(nodeList);
    if (nodes) record.nodeList = nodes;
    const why = optional(reason);
    if (why) record.reason = why;
    if (name !== undefined && name !== '') record.name = name;
    records.push(record);
  }
  return { records, garbage };
}

// ---- sacct ---------------------------------------------------------------------------------------------

const SACCT_FIELDS = 'JobID,State,ExitCode,NodeList,Reason,JobName';
const SACCT_BASE = ['--noheader', '--parsable2', `--delimiter=${FIELD_SEPARATOR}`, '--allocations'];

/** `sacct` for the given batchIDs (allocations only: no .batch/.extern step lines). */
export function sacctJobsArgv(ids: readonly string[]): string[] {
  return [...SACCT_BASE, `--jobs=${ids.join(',')}`, `--format=${SACCT_FIELDS}`];
}

/** `sacct` for jobs by name, submitted since `since` (sacct's default window is today only). */
export function sacctNamesArgv(names: readonly string[], since: Date): string[] {
  return [
    ...SACCT_BASE,
    `--name=${names.join(',')}`,
    `--starttime=${formatSlurmTime(since)}`,
    `--format=${SACCT_FIELDS}`,
  ];
}

/** `YYYY-MM-DDTHH:MM:SS` in local time, as Slurm reads it. */
export function formatSlurmTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The message sacct prints when accounting is not configured. */
export const ACCOUNTING_DISABLED = /accounting storage is disabled/i;

/** Parses `sacct --parsable2` output made with sacctJobsArgv/sacctNamesArgv. */
export function parseSacctOutput(stdout: string): ParsedRecords {
  const records: SlurmJobRecord[] = [];
  const garbage: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.split(FIELD_SEPARATOR);
    const [id, state, exitCode, nodeList, reason, name] = fields;
    if (fields.length !== 6 || id === undefined || state === undefined) {
      garbage.push(line);
      continue;
    }
    // Step lines (`12.batch`) are not expected with --allocations; a pending array's
    // `12_[0-49]` line covers tasks that squeue lists one by one: neither is a job record here.
    if (/^[0-9]+(?:_[0-9]+)?\.[A-Za-z0-9+]+$/.test(id) || /^[0-9]+_\[[0-9,\-%]+\]$/.test(id)) continue;
    if (!RECORD_ID.test(id) || !STATE_TEXT.test(state)) {
      garbage.push(line);
      continue;
    }
    const record: SlurmJobRecord = { id, state, source: 'sacct' };
    const exit = parseExitPair(exitCode ?? '');
    if (exit) record.exit = exit;
    const nodes = optional(nodeList);
    if (nodes) record.nodeList = nodes;
    const why = optional(reason);
    if (why) record.reason = why;
    if (name !== undefined && name !== '') record.name = name;
    records.push(record);
  }
  return { records, garbage };
}

// ---- scontrol ------------------------------------------------------------------------------------------

/** `scontrol --oneliner show job <id>`. */
export function scontrolShowJobArgv(id: string): string[] {
  return ['--oneliner', 'show', 'job', id];
}

const SCONTROL_KEYS = [
  'JobId',
  'ArrayJobId',
  'ArrayTaskId',
  'JobName',
  'JobState',
  'Reason',
  'ExitCode',
  'NodeList',
] as const;
type ScontrolKey = (typeof SCONTROL_KEYS)[number];

/** The keys the plugins read from one `scontrol -o show job` line (first occurrence of each). */
export function scontrolFields(line: string): Partial<Record<ScontrolKey, string>> {
  const out: Partial<Record<ScontrolKey, string>> = {};
  for (const key of SCONTROL_KEYS) {
    const m = new RegExp(`(?:^| )${key}=(\\S*)`).exec(line);
    if (m?.[1] !== undefined) out[key] = m[1];
  }
  return out;
}

/** Parses `scontrol -o show job` output: one record per line. */
export function parseScontrolOutput(stdout: string): ParsedRecords {
  const records: SlurmJobRecord[] = [];
  const garbage: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const f = scontrolFields(line);
    let id = f.JobId;
    // An array task is known by `<ArrayJobId>_<ArrayTaskId>`; a pending array's task range
    // (`ArrayTaskId=1-49`) is no single task.
    if (f.ArrayJobId !== undefined && f.ArrayTaskId !== undefined) {
      id = /^[0-9]+$/.test(f.ArrayTaskId) ? `${f.ArrayJobId}_${f.ArrayTaskId}` : undefined;
      if (id === undefined) continue;
    }
    if (id === undefined || !RECORD_ID.test(id) || f.JobState === undefined || !STATE_TEXT.test(f.JobState)) {
      garbage.push(line);
      continue;
    }
    const record: SlurmJobRecord = { id, state: f.JobState, source: 'scontrol' };
    const exit = f.ExitCode === undefined ? undefined : parseExitPair(f.ExitCode);
    if (exit) record.exit = exit;
    const nodes = optional(f.NodeList);
    if (nodes) record.nodeList = nodes;
    const why = optional(f.Reason);
    if (why) record.reason = why;
    if (f.JobName !== undefined && f.JobName !== '') record.name = f.JobName;
    records.push(record);
  }
  return { records, garbage };
}

// ---- scancel -------------------------------------------------------------------------------------------

/** `scancel <id> ...`: plain, so ids already gone are silently ignored (exit status 0). */
export function scancelArgv(ids: readonly string[]): string[] {
  return [...ids];
}

/** Per-id errors scancel printed: `scancel: error: Kill job error on job id N: <message>`. */
export function parseScancelErrors(stderr: string): Map<string, string> {
  const errors = new Map<string, string>();
  for (const m of stderr.matchAll(/Kill job error on job id ([0-9_]+): ([^\n]*)/g)) {
    if (m[1] !== undefined) errors.set(m[1], (m[2] ?? '').trim());
  }
  return errors;
}

/** scancel messages meaning the job is gone already: success for a kill. */
export const ALREADY_GONE =
  /Invalid job id specified|already completing or completed|Job\/step already completing/i;

// ---- access-point files --------------------------------------------------------------------------------

/** Files of the Slurm backend in a worker's access point. */
export const SLURM_FILE_NAMES = {
  /** Written by the submitter before sbatch: what the worker is (marks a Slurm access point). */
  record: 'harvester-slurm.json',
  /** The batch script (in array mode, in the access point of the array's first worker). */
  script: 'harvester-slurm.sh',
  /** The batch job's stdout and stderr. */
  stdout: 'harvester-slurm.out',
  stderr: 'harvester-slurm.err',
  /** Written by the worker wrapper: its exit code and a newline. */
  exitCode: 'harvester-worker.exit',
} as const;

/** What the submitter records in `<accessPoint>/harvester-slurm.json`. */
export interface SlurmWorkerRecord {
  batchName: string;
  workerID: number;
  harvesterId: string;
  mode: 'single' | 'array';
  /** The job name of the array the worker is a task of. */
  arrayName?: string;
  arrayIndex?: number;
  /** Set once sbatch has answered. */
  batchID?: string;
  /** The batch script submitted. */
  script: string;
  writtenAt: string;
}

/** The worker record file; sweepWorker removes only access points holding this worker's. */
export const SLURM_RECORD_FILE = workerRecordFile<SlurmWorkerRecord>({
  name: SLURM_FILE_NAMES.record,
  systemName: 'Slurm',
  isValid: (value) =>
    typeof value.batchName === 'string' &&
    (value.mode === 'single' || value.mode === 'array') &&
    !(
      value.mode === 'array' &&
      (typeof value.arrayName !== 'string' || !Number.isInteger(value.arrayIndex))
    ) &&
    !(value.batchID !== undefined && parseSlurmJobId(value.batchID) === undefined),
  absentCodes: ['ENOENT'],
});

export async function writeWorkerRecord(accessPoint: string, record: SlurmWorkerRecord): Promise<void> {
  await SLURM_RECORD_FILE.write(accessPoint, record);
}

/** The record, undefined when absent; throws on a record that is present but malformed. */
export async function readWorkerRecord(accessPoint: string): Promise<SlurmWorkerRecord | undefined> {
  return SLURM_RECORD_FILE.read(accessPoint);
}

/** The wrapper's exit code from its exit file: absent, a code, or malformed. */
export async function readExitFile(accessPoint: string): Promise<ExitFileRead> {
  return readExitFileIn(accessPoint, SLURM_FILE_NAMES.exitCode);
}

// ---- the tools, configured -----------------------------------------------------------------------------

/** How a plugin instance runs the Slurm tools: where they are, their timeouts, the runner. */
export interface SlurmToolsConfig extends CommandTimeoutConfig<SlurmCommand> {
  slurmBinDir?: string | undefined;
}

/** A command's result with the timeout it ran under. */
export type ToolResult = CommandToolResult<SlurmCommand>;

/** Runs the Slurm tools for one plugin instance; aborted with the harvester's shutdown signal. */
export class SlurmTools extends CommandTools<SlurmCommand> {
  constructor(config: SlurmToolsConfig, shutdown?: AbortSignal) {
    super({ ...config, binDir: config.slurmBinDir }, shutdown);
  }
}

/** What looking jobs up by name gave: the records per name, or why it could not be done. */
export type NameLookup =
  | { ok: true; byName: Map<string, SlurmJobRecord[]>; garbage: string[] }
  | { ok: false; diag: string };

/** One `squeue --name=…` for all the names (every state slurmctld still has). */
export async function squeueByNames(
  tools: SlurmTools,
  names: readonly string[],
  signal?: AbortSignal,
): Promise<NameLookup> {
  const byName = new Map<string, SlurmJobRecord[]>();
  if (names.length === 0) return { ok: true, byName, garbage: [] };
  const result = await tools.run('squeue', squeueNamesArgv(names), signal);
  if (result.code !== 0) return { ok: false, diag: tools.describe(result) };
  const parsed = parseSqueueOutput(result.stdout);
  const wanted = new Set(names);
  for (const record of parsed.records) {
    if (record.name === undefined || !wanted.has(record.name)) continue;
    byName.set(record.name, [...(byName.get(record.name) ?? []), record]);
  }
  return { ok: true, byName, garbage: parsed.garbage };
}

/** The record with the highest job id (the latest submission) among `records`. */
export function latestRecord(records: readonly SlurmJobRecord[]): SlurmJobRecord | undefined {
  let best: SlurmJobRecord | undefined;
  let bestId = -1;
  for (const r of records) {
    const id = parseSlurmJobId(r.id);
    if (id && id.jobId > bestId) {
      best = r;
      bestId = id.jobId;
    }
  }
  return best;
}
