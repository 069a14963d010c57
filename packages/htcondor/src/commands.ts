// The HTCondor tools' argv (batch-cli-formats.md part A) and parsers for what they print. Parsers
// never guess: output they cannot read is reported (ok: false, or garbage) for the caller to turn
// into "retry later", never into a final state.
import type { ScheddTarget } from './schedds.js';

// ---- job ids -------------------------------------------------------------------------------------------

/** A job id `Cluster.Proc`. */
export interface CondorJobId {
  cluster: number;
  proc: number;
}

/** Parses a batchID: `C.P`, or `C` (Harvester appends `.0`); undefined otherwise. */
export function parseCondorJobId(batchID: string | null | undefined): CondorJobId | undefined {
  if (!batchID) return undefined;
  const m = /^([1-9][0-9]{0,9})(?:\.([0-9]{1,9}))?$/.exec(batchID.trim());
  if (!m) return undefined;
  const cluster = Number(m[1]);
  if (!Number.isSafeInteger(cluster)) return undefined;
  return { cluster, proc: m[2] === undefined ? 0 : Number(m[2]) };
}

export function formatCondorJobId(id: CondorJobId): string {
  return `${id.cluster}.${id.proc}`;
}

// ---- ClassAd text --------------------------------------------------------------------------------------

/** A ClassAd string literal (for constraints): `"` and `\` escaped; refuses control characters. */
export function classAdString(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\x00-\x1f\x7f]/.test(value)) {
    throw new Error(`${JSON.stringify(value)} cannot be a ClassAd string here (control characters)`);
  }
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * A constraint selecting exactly the given jobs: per cluster `(ClusterId == C && ProcId == P)`
 * or `(ClusterId == C && member(ProcId, {p, q}))`, joined with ||.
 */
export function jobIdsConstraint(ids: readonly CondorJobId[]): string {
  const byCluster = new Map<number, number[]>();
  for (const id of ids) {
    const procs = byCluster.get(id.cluster) ?? [];
    if (!procs.includes(id.proc)) procs.push(id.proc);
    byCluster.set(id.cluster, procs);
  }
  const terms = [...byCluster.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([cluster, procs]) =>
      procs.length === 1
        ? `(ClusterId == ${cluster} && ProcId == ${procs[0]})`
        : `(ClusterId == ${cluster} && member(ProcId, {${procs.sort((a, b) => a - b).join(', ')}}))`,
    );
  return terms.length === 1 ? (terms[0] as string) : terms.join(' || ');
}

/** A constraint selecting jobs by batch name (JobBatchName, the worker's deterministic name). */
export function batchNamesConstraint(names: readonly string[]): string {
  return `member(JobBatchName, {${names.map(classAdString).join(', ')}})`;
}

// ---- argv ----------------------------------------------------------------------------------------------

/** `-name <schedd>` and `-pool <pool>` of a target (nothing for the local schedd). */
export function targetArgs(target: ScheddTarget): string[] {
  const argv: string[] = [];
  if (target.schedd) argv.push('-name', target.schedd);
  if (target.pool) argv.push('-pool', target.pool);
  return argv;
}

/**
 * `condor_submit -terse -single-cluster [-name S | -remote S | -spool] [-pool P] <file>`.
 * With useSpool and a schedd, `-remote <schedd>` (it takes the name: never `-remote -spool`).
 */
export function condorSubmitArgv(target: ScheddTarget, file: string, spool: boolean): string[] {
  const argv = ['-terse', '-single-cluster'];
  if (target.schedd) argv.push(spool ? '-remote' : '-name', target.schedd);
  else if (spool) argv.push('-spool');
  if (target.pool) argv.push('-pool', target.pool);
  argv.push(file);
  return argv;
}

/** The job attributes the monitor reads. */
export const MONITOR_ATTRIBUTES = [
  'ClusterId',
  'ProcId',
  'JobStatus',
  'LastJobStatus',
  'JobStartDate',
  'EnteredCurrentStatus',
  'CompletionDate',
  'ExitCode',
  'ExitBySignal',
  'ExitSignal',
  'HoldReason',
  'HoldReasonCode',
  'LastHoldReason',
  'RemoveReason',
  'RemoteHost',
  'LastRemoteHost',
  'JobBatchName',
  'harvesterID',
  'harvesterWorkerID',
] as const;

/** `condor_q [-name] [-pool] -allusers -json -attributes … -constraint <expr>`. */
export function condorQArgv(
  target: ScheddTarget,
  constraint: string,
  attributes: readonly string[],
): string[] {
  return [
    ...targetArgs(target),
    '-allusers',
    '-json',
    '-attributes',
    attributes.join(','),
    '-constraint',
    constraint,
  ];
}

/** How far back condor_history reads (A3: `-match N`, `-completedsince <epoch seconds>`). */
export interface HistoryBounds {
  /** Stop after this many matching ads (each job is in the history once). */
  match?: number;
  /**
   * Stop at the first ad (newest first) whose CompletionDate is at or before this time (epoch
   * seconds): condor_history turns `-completedsince T` into the scan-ending `CompletionDate <= T`.
   */
  completedSince?: number;
}

/**
 * `condor_history [-name] [-pool] -json -attributes … -constraint <expr> [-match N]
 * [-completedsince T]`.
 */
export function condorHistoryArgv(
  target: ScheddTarget,
  constraint: string,
  attributes: readonly string[],
  bounds: HistoryBounds = {},
): string[] {
  const argv = [
    ...targetArgs(target),
    '-json',
    '-attributes',
    attributes.join(','),
    '-constraint',
    constraint,
  ];
  if (bounds.match !== undefined) argv.push('-match', String(Math.max(1, Math.floor(bounds.match))));
  if (bounds.completedSince !== undefined)
    argv.push('-completedsince', String(Math.max(0, Math.floor(bounds.completedSince))));
  return argv;
}

/** `condor_rm [-name] [-pool] [-reason text] C.P …`. */
export function condorRmArgv(target: ScheddTarget, ids: readonly string[], reason?: string): string[] {
  return [...targetArgs(target), ...(reason === undefined ? [] : ['-reason', reason]), ...ids];
}

// ---- condor_submit -------------------------------------------------------------------------------------

/** A cluster's range as `condor_submit -terse` prints it (`1234.0 - 1234.49`). */
export interface SubmittedRange {
  cluster: number;
  first: number;
  last: number;
}

/**
 * The ids `condor_submit -terse` printed, in order: one `C.F - C.L` line per cluster. Other
 * lines (there are none on stdout with -terse) make it unreadable: undefined.
 */
export function parseSubmitTerse(stdout: string): CondorJobId[] | undefined {
  const ids: CondorJobId[] = [];
  let lines = 0;
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    lines++;
    const m = /^([0-9]+)\.([0-9]+) - ([0-9]+)\.([0-9]+)$/.exec(line);
    if (!m || m[1] !== m[3]) return undefined;
    const cluster = Number(m[1]);
    const first = Number(m[2]);
    const last = Number(m[4]);
    if (last < first) return undefined;
    for (let p = first; p <= last; p++) ids.push({ cluster, proc: p });
  }
  return lines === 0 ? undefined : ids;
}

/** `N job(s) submitted to cluster C.` lines of the normal output (what Harvester reads). */
export function parseSubmitNormal(stdout: string): Array<{ count: number; cluster: number }> {
  return [...stdout.matchAll(/^([0-9]+) job\(s\) submitted to cluster ([0-9]+)\.$/gm)].map((m) => ({
    count: Number(m[1]),
    cluster: Number(m[2]),
  }));
}

/**
 * condor_submit errors that retrying will not cure: the description cannot be parsed or names
 * what does not exist. Anything else (the schedd cannot be reached, a commit failed, a name
 * that does not resolve: `unknown host` can be a passing DNS failure) is retried.
 */
export const SUBMIT_PERMANENT =
  /ERROR: on Line [0-9]+|Failed to parse command file|Parse error in expression|doesn't contain any "queue" commands|No 'executable' parameter|Executable file .* does not exist|No such directory|Invalid log file|Illegal Identifier|I don't know about the .* universe|Arguments string is missing|unbalanced|unknown option|requires another argument/;

/** What in condor_submit's stderr names a place in the description: a line, or a path. */
export interface SubmitErrorSite {
  /** `ERROR: on Line N of <file>: …` (1-based, in the submitted file). */
  line?: number;
  /** `No such directory: <path>` (an initialdir). */
  directory?: string;
  /** `Invalid log file: "<path>"`. */
  logFile?: string;
}

/** Where condor_submit's error points, when it says. */
export function submitErrorSite(stderr: string): SubmitErrorSite {
  const site: SubmitErrorSite = {};
  const line = /ERROR: on Line ([0-9]+) of /.exec(stderr);
  if (line) site.line = Number(line[1]);
  const dir = /No such directory: (\S[^\n]*?)\s*$/m.exec(stderr);
  if (dir) site.directory = dir[1] as string;
  const log = /Invalid log file: "([^"\n]*)"/.exec(stderr);
  if (log) site.logFile = log[1] as string;
  return site;
}

/** condor_submit errors that say the schedd did not answer (never permanent). */
export const SCHEDD_UNREACHABLE =
  /Failed to connect|Can't find address|Failed to fetch ads|CEDAR:[0-9]+|Connection refused|timed out|Collector has no record/i;

// ---- condor_q / condor_history -json ---------------------------------------------------------------

/** A stored ClassAd value: a literal, or the text of an expression (`"\/Expr(...)\/"` in JSON). */
export type ClassAdValue =
  | string
  | number
  | boolean
  | null
  | { expr: string }
  | ClassAdValue[]
  | ClassAdObject;
export interface ClassAdObject {
  [attr: string]: ClassAdValue;
}

/** What the plugins read of one job ad. */
export interface CondorJobAd {
  ClusterId: number;
  ProcId: number;
  JobStatus?: number;
  LastJobStatus?: number;
  JobStartDate?: number;
  EnteredCurrentStatus?: number;
  CompletionDate?: number;
  ExitCode?: ClassAdValue;
  ExitBySignal?: boolean;
  ExitSignal?: number;
  HoldReason?: string;
  HoldReasonCode?: number;
  LastHoldReason?: string;
  RemoveReason?: string;
  RemoteHost?: string;
  LastRemoteHost?: string;
  JobBatchName?: string;
  harvesterID?: string;
  harvesterWorkerID?: ClassAdValue;
  /** Every attribute as printed (expressions as { expr }). */
  raw: ClassAdObject;
}

export type ParsedAds = { ok: true; ads: CondorJobAd[]; garbage: string[] } | { ok: false; diag: string };

const EXPR = /^\/Expr\(([\s\S]*)\)\/$/;

function decodeValue(v: unknown): ClassAdValue {
  if (typeof v === 'string') {
    const m = EXPR.exec(v);
    return m ? { expr: m[1] as string } : v;
  }
  if (Array.isArray(v)) return v.map(decodeValue);
  if (v !== null && typeof v === 'object') {
    const out: ClassAdObject = {};
    for (const [k, x] of Object.entries(v)) out[k] = decodeValue(x);
    return out;
  }
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
  return null;
}

/** The attribute, looked up case-insensitively (ClassAd names are). */
export function attributeOf(ad: ClassAdObject, name: string): ClassAdValue | undefined {
  if (Object.hasOwn(ad, name)) return ad[name];
  const lower = name.toLowerCase();
  const key = Object.keys(ad).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : ad[key];
}

const int = (v: ClassAdValue | undefined) => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);
const str = (v: ClassAdValue | undefined) => (typeof v === 'string' ? v : undefined);

/** The typed view of one ad; undefined when it has no integer ClusterId and ProcId. */
export function toJobAd(raw: ClassAdObject): CondorJobAd | undefined {
  const cluster = int(attributeOf(raw, 'ClusterId'));
  const proc = int(attributeOf(raw, 'ProcId'));
  if (cluster === undefined || proc === undefined) return undefined;
  const ad: CondorJobAd = { ClusterId: cluster, ProcId: proc, raw };
  const set = <K extends keyof CondorJobAd>(key: K, value: CondorJobAd[K] | undefined) => {
    if (value !== undefined) ad[key] = value;
  };
  set('JobStatus', int(attributeOf(raw, 'JobStatus')));
  set('LastJobStatus', int(attributeOf(raw, 'LastJobStatus')));
  set('JobStartDate', int(attributeOf(raw, 'JobStartDate')));
  set('EnteredCurrentStatus', int(attributeOf(raw, 'EnteredCurrentStatus')));
  set('CompletionDate', int(attributeOf(raw, 'CompletionDate')));
  set('ExitCode', attributeOf(raw, 'ExitCode'));
  const bySignal = attributeOf(raw, 'ExitBySignal');
  if (typeof bySignal === 'boolean') ad.ExitBySignal = bySignal;
  set('ExitSignal', int(attributeOf(raw, 'ExitSignal')));
  set('HoldReason', str(attributeOf(raw, 'HoldReason')));
  set('HoldReasonCode', int(attributeOf(raw, 'HoldReasonCode')));
  set('LastHoldReason', str(attributeOf(raw, 'LastHoldReason')));
  set('RemoveReason', str(attributeOf(raw, 'RemoveReason')));
  set('RemoteHost', str(attributeOf(raw, 'RemoteHost')));
  set('LastRemoteHost', str(attributeOf(raw, 'LastRemoteHost')));
  set('JobBatchName', str(attributeOf(raw, 'JobBatchName')));
  set('harvesterID', str(attributeOf(raw, 'harvesterID')));
  set('harvesterWorkerID', attributeOf(raw, 'harvesterWorkerID'));
  return ad;
}

/**
 * Parses `condor_q -json` / `condor_history -json` stdout: empty (condor_q with no match), `[ ]`
 * or `[\n]` (condor_history with no match), or an array of ads. Expressions (`"\/Expr(…)\/"`)
 * become { expr }. An ad without integer ClusterId/ProcId is garbage (reported); output that is
 * no JSON array is not ok.
 */
export function parseJobAdsJson(stdout: string): ParsedAds {
  const text = stdout.trim();
  if (text === '') return { ok: true, ads: [], garbage: [] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, diag: `not JSON (${(err as Error).message}): ${text.slice(0, 200)}` };
  }
  if (!Array.isArray(value)) return { ok: false, diag: `not a JSON array: ${text.slice(0, 200)}` };
  const ads: CondorJobAd[] = [];
  const garbage: string[] = [];
  for (const item of value) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      garbage.push(JSON.stringify(item).slice(0, 200));
      continue;
    }
    const ad = toJobAd(decodeValue(item) as ClassAdObject);
    if (ad) ads.push(ad);
    else garbage.push(JSON.stringify(item).slice(0, 200));
  }
  return { ok: true, ads, garbage };
}

// ---- condor_rm / condor_hold / condor_release ----------------------------------------------------------

/** What the tool said about one job id. */
export type JobActionResult =
  | { kind: 'done'; text: string }
  | { kind: 'notFound'; text: string }
  | { kind: 'alreadyDone'; text: string }
  | { kind: 'denied'; text: string }
  | { kind: 'other'; text: string };

export interface ParsedAction {
  /** Per job id (`C.P`). */
  perJob: Map<string, JobActionResult>;
  /** `condor_rm:0:There are no jobs in the queue`: nothing to act on at all. */
  queueEmpty: boolean;
}

/**
 * The per-id lines of condor_rm / condor_hold / condor_release (stdout and stderr): `Job C.P
 * marked for removal` (held, released, … after file transfer, removed locally), `Job C.P not
 * found`, `Job C.P already marked for removal` (already held), `Permission denied to remove job
 * C.P`, `Job C.P not held to be released`.
 */
export function parseJobActionOutput(stdout: string, stderr: string): ParsedAction {
  const perJob = new Map<string, JobActionResult>();
  let queueEmpty = false;
  for (const raw of `${stdout}\n${stderr}`.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (/^condor_(rm|hold|release):0:There are no jobs in the queue$/.test(line)) {
      queueEmpty = true;
      continue;
    }
    let m = /^Job ([0-9]+\.[0-9]+) (marked for removal|held|released|removed locally)/.exec(line);
    if (m) {
      perJob.set(m[1] as string, { kind: 'done', text: line });
      continue;
    }
    m = /^Job ([0-9]+\.[0-9]+) not found$/.exec(line);
    if (m) {
      perJob.set(m[1] as string, { kind: 'notFound', text: line });
      continue;
    }
    m = /^Job ([0-9]+\.[0-9]+) already (marked for removal|held)$/.exec(line);
    if (m) {
      perJob.set(m[1] as string, { kind: 'alreadyDone', text: line });
      continue;
    }
    m = /^Permission denied to (?:remove|hold|release) job ([0-9]+\.[0-9]+)$/.exec(line);
    if (m) {
      perJob.set(m[1] as string, { kind: 'denied', text: line });
      continue;
    }
    m = /^Job ([0-9]+\.[0-9]+) (.*)$/.exec(line);
    if (m) perJob.set(m[1] as string, { kind: 'other', text: line });
  }
  return { perJob, queueEmpty };
}

// ---- whose job -----------------------------------------------------------------------------------------

/** Whether a job ad is the given worker's, from the attributes the submitter gives every job. */
export type JobOwnership = 'mine' | 'foreign' | 'unproven';

/**
 * `mine` when harvesterID is this harvester's and harvesterWorkerID the worker's (a number, or
 * a string as Harvester's templates write it); `foreign` when either names someone else;
 * `unproven` when either is missing (a job this harvester did not submit: it sets both).
 */
export function jobOwnership(
  ad: Pick<CondorJobAd, 'harvesterID' | 'harvesterWorkerID'>,
  workerID: number,
  harvesterId: string,
): JobOwnership {
  const w = ad.harvesterWorkerID;
  const workerKnown = typeof w === 'number' || typeof w === 'string';
  if (workerKnown && String(w).trim() !== String(workerID)) return 'foreign';
  if (ad.harvesterID !== undefined && ad.harvesterID !== harvesterId) return 'foreign';
  return workerKnown && ad.harvesterID !== undefined ? 'mine' : 'unproven';
}
