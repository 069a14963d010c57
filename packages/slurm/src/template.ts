// Batch scripts from a template with Harvester's placeholders (slurm_submitter.py's
// make_placeholder_map). The syntax is Python's str.format as Harvester uses it, made strict:
//   {name}       a placeholder: name must be known, else the template is refused (never left as is)
//   {{ and }}    a literal { and }
//   ${...}       the shell's parameter expansion: copied as is, nothing inside is substituted
//   any other brace (`{ cmd; }`, `{a,b}`) is copied as is.
// Values are checked for sh: numbers are decimal integers, paths and names are single words of
// [A-Za-z0-9_./:@+=,-] (so they mean the same unquoted, quoted, or in an #SBATCH line), and
// {executable} is the host's argv, single-quoted. A value that is not is an error naming it.
import { join, normalize } from 'node:path';
import { loadTemplateFile, packageTemplatePath, RenderError } from '@harvester-ts/batch-support';
import {
  didYouMean,
  logSubdirOf,
  logUrlOf,
  placeholderValueProblem,
  renderPlaceholders,
  type WorkSpec,
  workerResourceValues,
} from '@harvester-ts/core';
import { SLURM_FILE_NAMES } from './commands.js';
import type { SlurmSubmitterOptions } from './options.js';

export { RenderError, TemplateError } from '@harvester-ts/batch-support';
export { coreFactorOf, unsafePathProblem } from '@harvester-ts/core';

/** How a placeholder's value is checked and written. */
export type PlaceholderKind = 'integer' | 'path' | 'word' | 'argv';

export interface PlaceholderSpec {
  kind: PlaceholderKind;
  /** Different for every worker: in array mode, the shell variable the script sets per task. */
  perTask?: string;
  /** The submitter option the value comes from; a template using the placeholder needs it. */
  needs?: keyof SlurmSubmitterOptions;
  description: string;
}

/** Every placeholder a template may use. */
export const PLACEHOLDERS: Readonly<Record<string, PlaceholderSpec>> = {
  nCorePerNode: { kind: 'integer', description: 'nCorePerNode, else the worker’s cores' },
  nCoreTotal: { kind: 'integer', description: 'the worker’s cores × nCoreFactor' },
  nCoreFactor: { kind: 'integer', description: 'nCoreFactor for the worker’s jobType and resourceType' },
  nNode: { kind: 'integer', description: 'nNode, else ceil(cores / nCorePerNode)' },
  requestRam: { kind: 'integer', description: 'MB: max(minRamCount, cores) × nCoreFactor' },
  requestRamBytes: { kind: 'integer', description: 'requestRam in bytes' },
  requestRamPerCore: { kind: 'integer', description: 'MB per core: ceil(max(minRamCount, cores) / cores)' },
  requestRamBytesPerCore: { kind: 'integer', description: 'requestRamPerCore in bytes' },
  requestDisk: { kind: 'integer', description: 'KB: maxDiskCount × 1024, else 1' },
  requestWalltime: { kind: 'integer', description: 's: maxWalltime, else 0' },
  requestWalltimeMinute: { kind: 'integer', description: 'ceil(requestWalltime / 60)' },
  requestCputime: { kind: 'integer', description: 's: requestWalltime × cores' },
  requestCputimeMinute: { kind: 'integer', description: 'ceil(requestCputime / 60)' },
  accessPoint: {
    kind: 'path',
    perTask: 'HARVESTER_ACCESS_POINT',
    description: 'the worker’s access point',
  },
  workerID: { kind: 'integer', perTask: 'HARVESTER_WORKER_ID', description: 'the worker’s ID' },
  batchName: {
    kind: 'word',
    perTask: 'HARVESTER_BATCH_NAME',
    description: 'the job name: <harvesterID>-<workerID>',
  },
  gtag: {
    kind: 'word',
    perTask: 'HARVESTER_GTAG',
    description: 'URL of the worker’s stdout under logBaseURL, else "unknown"',
  },
  harvesterID: { kind: 'word', description: 'this harvester instance' },
  computingSite: { kind: 'word', description: 'the worker’s computingSite' },
  pandaQueueName: { kind: 'word', description: 'the queue (PanDA queue) name' },
  localQueueName: { kind: 'word', description: 'the localQueueName option ("grid")' },
  jobType: { kind: 'word', description: 'the worker’s jobType ("" when unset)' },
  resourceType: { kind: 'word', description: 'the worker’s resourceType ("" when unset)' },
  pilotType: { kind: 'word', description: 'the worker’s pilotType ("" when unset)' },
  prodSourceLabel: { kind: 'word', description: 'prodSourceLabel of the worker’s first job ("" without)' },
  submitMode: { kind: 'word', description: 'single or array' },
  logDir: { kind: 'path', needs: 'logDir', description: 'the logDir option' },
  logSubDir: { kind: 'path', needs: 'logDir', description: '<logDir>/<yy-mm-dd_HH> (UTC)' },
  tokenDir: { kind: 'path', needs: 'tokenDir', description: 'the tokenDir option' },
  tokenName: { kind: 'word', needs: 'tokenName', description: 'the tokenName option' },
  tokenOrigin: { kind: 'word', needs: 'tokenOrigin', description: 'the tokenOrigin option' },
  executable: { kind: 'argv', description: 'the executable option, single-quoted for sh' },
};

/** The default batch script shipped with the package (templates/default.sh). */
export const DEFAULT_TEMPLATE_PATH: string = packageTemplatePath(import.meta.url, 'default.sh');

type Segment = { text: string } | { name: string; line: number; inDirective: boolean };

/** A template read and checked for syntax. */
export interface ParsedTemplate {
  source: string;
  segments: Segment[];
  /** The placeholders used, with the lines (1-based) they are on. */
  used: Map<string, number[]>;
  /** Lines where a placeholder sits in an `#SBATCH` directive. */
  inDirectives: Map<string, number[]>;
  text: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Splits a template into text and placeholders (without checking the names). */
export function parseTemplate(text: string, source = 'template'): ParsedTemplate {
  const segments: Segment[] = [];
  const used = new Map<string, number[]>();
  const inDirectives = new Map<string, number[]>();
  let buf = '';
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const flush = () => {
    if (buf !== '') segments.push({ text: buf });
    buf = '';
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\n') {
      buf += c;
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === '$' && text[i + 1] === '{') {
      // Shell parameter expansion: copy through the matching brace.
      let depth = 0;
      let j = i + 1;
      for (; j < text.length; j++) {
        const d = text[j];
        if (d === '{') depth++;
        else if (d === '}') {
          depth--;
          if (depth === 0) break;
        } else if (d === '\n') {
          line++;
          lineStart = j + 1;
        }
      }
      buf += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '{' && text[i + 1] === '{') {
      buf += '{';
      i += 2;
      continue;
    }
    if (c === '}' && text[i + 1] === '}') {
      buf += '}';
      i += 2;
      continue;
    }
    if (c === '{') {
      const close = text.indexOf('}', i + 1);
      const name = close < 0 ? '' : text.slice(i + 1, close);
      if (IDENTIFIER.test(name)) {
        flush();
        const inDirective = /^#SBATCH\b/.test(text.slice(lineStart, i));
        segments.push({ name, line, inDirective });
        used.set(name, [...(used.get(name) ?? []), line]);
        if (inDirective) inDirectives.set(name, [...(inDirectives.get(name) ?? []), line]);
        i = close + 1;
        continue;
      }
    }
    buf += c;
    i++;
  }
  flush();
  return { source, segments, used, inDirectives, text };
}

/** sbatch options a template's #SBATCH lines must not set (they change what the submitter relies on). */
const DIRECTIVE_REFUSED =
  /^(-a|--array(=.*)?|-W|--wait|--wrap(=.*)?|-M|--clusters(=.*)?|--parsable|-Q|--quiet)$/;

export interface TemplateCheckOptions {
  submitMode: 'single' | 'array';
  /** The submitter options (for the placeholders that need one). */
  options: Partial<SlurmSubmitterOptions>;
}

/** Every problem of a parsed template (empty when it is usable). */
export function templateProblems(parsed: ParsedTemplate, check: TemplateCheckOptions): string[] {
  const problems: string[] = [];
  if (!parsed.text.startsWith('#!')) {
    problems.push('the first line must start with #! (sbatch refuses scripts without an interpreter line)');
  }
  const known = Object.keys(PLACEHOLDERS);
  for (const [name, lines] of parsed.used) {
    const spec = PLACEHOLDERS[name];
    const at = `line ${lines.join(', ')}`;
    if (spec === undefined) {
      problems.push(`unknown placeholder {${name}} on ${at}${didYouMean(name, known)}`);
      continue;
    }
    if (spec.needs !== undefined && check.options[spec.needs] === undefined) {
      problems.push(`placeholder {${name}} on ${at} needs the option ${spec.needs}`);
    }
  }
  if (check.submitMode === 'array') {
    for (const [name, lines] of parsed.inDirectives) {
      if (PLACEHOLDERS[name]?.perTask !== undefined) {
        problems.push(
          `placeholder {${name}} is in an #SBATCH line (line ${lines.join(', ')}): in array mode one script serves every worker of the array, so #SBATCH lines cannot differ per worker`,
        );
      }
    }
  }
  parsed.text.split('\n').forEach((l, index) => {
    const m = /^#SBATCH\s+(.*)$/.exec(l);
    if (!m?.[1]) return;
    for (const token of m[1].split(/\s+/)) {
      if (DIRECTIVE_REFUSED.test(token)) {
        problems.push(
          `line ${index + 1}: #SBATCH ${token} is not allowed (the submitter decides arrays, waiting and clusters)`,
        );
      }
    }
  });
  return problems;
}

/** Reads and checks a template; throws a TemplateError naming every problem. */
export async function loadTemplate(path: string, check: TemplateCheckOptions): Promise<ParsedTemplate> {
  return loadTemplateFile(path, parseTemplate, (parsed) => templateProblems(parsed, check));
}

// ---- values ------------------------------------------------------------------------------------------

/** A value for a placeholder; a `{ symbolic }` value is a shell variable written as is. */
export type PlaceholderValue = string | number | readonly string[] | { symbolic: string };

export type PlaceholderValues = Record<string, PlaceholderValue>;

/** Single-quotes a string for POSIX sh. */
export function shQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Checks and writes one value. */
export function formatValue(name: string, kind: PlaceholderKind, value: PlaceholderValue): string {
  if (typeof value === 'object' && value !== null && 'symbolic' in value) return value.symbolic;
  const bad = (why: string) =>
    new RenderError(name, `placeholder {${name}}: the value ${JSON.stringify(value)} ${why}`);
  switch (kind) {
    case 'integer':
    case 'path':
    case 'word': {
      const problem = placeholderValueProblem(kind, value, 'a shell script');
      if (problem) throw bad(problem);
      return String(value);
    }
    case 'argv':
      if (!Array.isArray(value) || value.length === 0) throw bad('is not a list of words');
      return (value as string[]).map(shQuote).join(' ');
  }
}

/** Fills in a parsed template; throws a RenderError naming the first value that cannot be used. */
export function renderTemplate(parsed: ParsedTemplate, values: PlaceholderValues): string {
  return renderPlaceholders(parsed.segments, {
    placeholders: PLACEHOLDERS,
    values,
    format: (seg, spec, value) => formatValue(seg.name, spec.kind, value),
    fail: (name, message) => new RenderError(name, message),
  });
}

/**
 * Inserts `block` before the first line that is neither blank nor a comment: after the
 * interpreter line and the #SBATCH directives (sbatch reads directives only up to that line).
 */
export function insertSetupBlock(script: string, block: string): string {
  const lines = script.split('\n');
  let at = lines.length;
  for (let i = 1; i < lines.length; i++) {
    if (!/^\s*(#.*)?$/.test(lines[i] as string)) {
      at = i;
      break;
    }
  }
  // A script ending with a newline has an empty last element: insert before it.
  if (at === lines.length && lines[lines.length - 1] === '') at = lines.length - 1;
  const blockLines = block.replace(/\n$/, '').split('\n');
  lines.splice(at, 0, ...blockLines);
  return lines.join('\n');
}

const BLOCK_START = '# ---- harvester-ts: the worker of this job (generated) ----';
const BLOCK_END = '# ---- end of harvester-ts ----';

/** What the script's setup block needs of one worker. */
export interface TaskIdentity {
  workerID: number;
  accessPoint: string;
  batchName: string;
  nCore: number;
  gtag: string;
}

function taskAssignments(t: TaskIdentity): string {
  return [
    `HARVESTER_WORKER_ID=${t.workerID}`,
    `HARVESTER_ACCESS_POINT=${shQuote(t.accessPoint)}`,
    `HARVESTER_BATCH_NAME=${shQuote(t.batchName)}`,
    `HARVESTER_NCORE=${t.nCore}`,
    `HARVESTER_GTAG=${shQuote(t.gtag)}`,
  ].join('; ');
}

const EXPORTS =
  'export HARVESTER_ID HARVESTER_WORKER_ID HARVESTER_ACCESS_POINT HARVESTER_BATCH_NAME HARVESTER_NCORE HARVESTER_GTAG';

/** The setup block of a one-worker script: who the worker is, then into its access point. */
export function singleSetupBlock(harvesterId: string, task: TaskIdentity): string {
  return [
    BLOCK_START,
    `HARVESTER_ID=${shQuote(harvesterId)}`,
    taskAssignments(task),
    EXPORTS,
    'cd "$HARVESTER_ACCESS_POINT" || exit 2',
    BLOCK_END,
    '',
  ].join('\n');
}

/**
 * The setup block of an array script: the task's worker from ${SLURM_ARRAY_TASK_ID} (the map
 * is in the script itself, which Slurm keeps, so it does not depend on any access point
 * staying), its output into the worker's access point, then into it.
 */
export function arraySetupBlock(harvesterId: string, tasks: readonly TaskIdentity[]): string {
  return [
    BLOCK_START,
    `HARVESTER_ID=${shQuote(harvesterId)}`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: sh, not JavaScript
    'case "${SLURM_ARRAY_TASK_ID-}" in',
    ...tasks.map((t, i) => `  ${i}) ${taskAssignments(t)} ;;`),
    `  *) printf 'harvester-ts: no worker for array task %s\\n' "\${SLURM_ARRAY_TASK_ID-}" >&2; exit 2 ;;`,
    'esac',
    EXPORTS,
    `exec >>"$HARVESTER_ACCESS_POINT/${SLURM_FILE_NAMES.stdout}" 2>>"$HARVESTER_ACCESS_POINT/${SLURM_FILE_NAMES.stderr}"`,
    'cd "$HARVESTER_ACCESS_POINT" || exit 2',
    BLOCK_END,
    '',
  ].join('\n');
}

// ---- the placeholder map of a worker -------------------------------------------------------------------

/** `{gtag}`: the URL of the worker's stdout under logBaseURL when it lies under logDir, else "unknown". */
export function gtagOf(
  options: Pick<SlurmSubmitterOptions, 'logDir' | 'logBaseURL'>,
  stdoutPath: string,
): string {
  return logUrlOf(options, stdoutPath) ?? 'unknown';
}

export interface WorkerPlaceholderContext {
  harvesterId: string;
  queueName: string | undefined;
  submitMode: 'single' | 'array';
  now?: Date;
}

/** The placeholder values of one worker (Harvester's make_placeholder_map, checked on render). */
export function workerPlaceholders(
  worker: WorkSpec,
  options: SlurmSubmitterOptions,
  c: WorkerPlaceholderContext,
): { values: PlaceholderValues; task: TaskIdentity } {
  const resources = workerResourceValues(worker, options);
  const now = c.now ?? new Date();
  const accessPoint = worker.accessPoint ?? '';
  const stdoutPath = join(accessPoint, SLURM_FILE_NAMES.stdout);
  const firstJob = worker.jobs?.[0];
  const label = firstJob?.jobParams?.prodSourceLabel;
  const task: TaskIdentity = {
    workerID: worker.workerID,
    accessPoint,
    batchName: worker.batchName,
    nCore: resources.nCoreTotal,
    gtag: gtagOf(options, stdoutPath),
  };
  const values: PlaceholderValues = {
    ...resources,
    accessPoint,
    workerID: worker.workerID,
    batchName: worker.batchName,
    gtag: task.gtag,
    harvesterID: c.harvesterId,
    computingSite: worker.computingSite ?? '',
    pandaQueueName: c.queueName ?? worker.computingSite ?? '',
    localQueueName: options.localQueueName,
    jobType: worker.jobType ?? '',
    resourceType: worker.resourceType ?? '',
    pilotType: worker.pilotType ?? '',
    prodSourceLabel: typeof label === 'string' ? label : '',
    submitMode: c.submitMode,
    executable: options.executable,
  };
  if (options.logDir) {
    values.logDir = options.logDir;
    values.logSubDir = normalize(join(options.logDir, logSubdirOf(now)));
  }
  if (options.tokenDir) values.tokenDir = options.tokenDir;
  if (options.tokenName !== undefined) values.tokenName = options.tokenName;
  if (options.tokenOrigin !== undefined) values.tokenOrigin = options.tokenOrigin;
  return { values, task };
}

/** The values of an array script: the per-task placeholders become the variables the script sets. */
export function symbolicPerTask(values: PlaceholderValues): PlaceholderValues {
  const out: PlaceholderValues = { ...values };
  for (const [name, spec] of Object.entries(PLACEHOLDERS)) {
    if (spec.perTask !== undefined) out[name] = { symbolic: `\${${spec.perTask}}` };
  }
  return out;
}
