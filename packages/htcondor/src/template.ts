// Submit description templates with Harvester's placeholders (htcondor_submitter.py's
// make_a_jdl). The syntax is Python's str.format as Harvester uses it, made strict:
//   {name}       a placeholder: name must be known, else the template is refused (never left as is)
//   {{ and }}    a literal { and }
//   {name:fmt} {name!r} {name.attr} {name[0]} { name }: Python format fields this package does
//                not implement: refused when the template is loaded, naming the form
//   any other brace (a ClassAd list `{1, 2}`) is copied as is; $(Cluster), $(Process) and other
//   condor_submit macros are left for condor_submit.
// An empty value is refused where it would stand bare (not inside a quoted string): condor_submit
// takes an empty value as "not set", and every proc after the first inherits proc 0's value of
// what it does not set, so `+site = {computingSite}` with an empty site would give this worker's
// job the first worker's site. Inside quotes (`+site = "{computingSite}"`, `'…'` in arguments)
// or alone on its line an empty value is harmless.
// A template describes ONE worker's job: it may end with `queue` or `queue 1`, which the submitter
// replaces (it adds the worker's identity and its own `queue 1` after each worker's part).
// Values are checked for the submit language: numbers are decimal integers, paths and words are
// [A-Za-z0-9_./:@+=,-] only (so they mean the same bare, inside a ClassAd string or in arguments),
// `{arguments}` is a complete new-syntax arguments value. A value that is not is an error naming it.
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
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
import type { CondorSubmitterOptions } from './options.js';
import { argumentsValue } from './submit-description.js';
import { CONDOR_FILE_NAMES } from './worker-record.js';

export { RenderError, TemplateError } from '@harvester-ts/batch-support';
export { coreFactorOf, logSubdirOf, logUrlOf, SAFE_WORD, unsafePathProblem } from '@harvester-ts/core';

/** How a placeholder's value is checked and written. */
export type PlaceholderKind = 'integer' | 'path' | 'word' | 'arguments' | 'empty';

export interface PlaceholderSpec {
  kind: PlaceholderKind;
  /** The submitter option the value comes from; a template using the placeholder needs it. */
  needs?: keyof CondorSubmitterOptions;
  description: string;
}

/** Every placeholder a template may use. */
export const PLACEHOLDERS: Readonly<Record<string, PlaceholderSpec>> = {
  executable: {
    kind: 'path',
    needs: 'executable',
    description: 'the program of the executable option (absolute; looked up in PATH when given bare)',
  },
  arguments: {
    kind: 'arguments',
    needs: 'executable',
    description: 'the rest of the executable option and the access point, as a quoted new-syntax value',
  },
  executableFile: { kind: 'path', needs: 'executableFile', description: 'the executableFile option' },
  nCorePerNode: { kind: 'integer', description: 'nCorePerNode, else the worker’s cores' },
  nCoreTotal: { kind: 'integer', description: 'the worker’s cores × nCoreFactor' },
  nCoreFactor: { kind: 'integer', description: 'nCoreFactor for the worker’s jobType and resourceType' },
  nNode: { kind: 'integer', description: 'nNode, else ceil(cores / nCorePerNode)' },
  requestRam: { kind: 'integer', description: 'MB: max(minRamCount, cores) × nCoreFactor' },
  requestRamBytes: { kind: 'integer', description: 'requestRam in bytes' },
  requestRamPerCore: { kind: 'integer', description: 'MB per core' },
  requestRamBytesPerCore: { kind: 'integer', description: 'requestRamPerCore in bytes' },
  requestDisk: { kind: 'integer', description: 'KB: maxDiskCount × 1024, else 1' },
  requestWalltime: { kind: 'integer', description: 's: maxWalltime, else 0' },
  requestWalltimeMinute: { kind: 'integer', description: 'ceil(requestWalltime / 60)' },
  requestCputime: { kind: 'integer', description: 's: requestWalltime × cores' },
  requestCputimeMinute: { kind: 'integer', description: 'ceil(requestCputime / 60)' },
  accessPoint: { kind: 'path', description: 'the worker’s access point' },
  workerID: { kind: 'integer', description: 'the worker’s ID' },
  batchName: { kind: 'word', description: 'the batch name: <harvesterID>-<workerID>' },
  harvesterID: { kind: 'word', description: 'this harvester instance' },
  computingSite: { kind: 'word', description: 'the worker’s computingSite' },
  pandaQueueName: { kind: 'word', description: 'the queue (PanDA queue) name' },
  jobType: { kind: 'word', description: 'the worker’s jobType ("" when unset)' },
  resourceType: { kind: 'word', description: 'the worker’s resourceType ("" when unset)' },
  pilotType: { kind: 'word', description: 'the worker’s pilotType ("" when unset)' },
  prodSourceLabel: { kind: 'word', description: 'prodSourceLabel of the worker’s first job ("" without)' },
  ioIntensity: { kind: 'integer', description: 'the worker’s ioIntensity (0 when unset)' },
  gtag: { kind: 'word', description: 'URL of the worker’s stdout under logBaseURL, else "unknown"' },
  logDir: { kind: 'path', needs: 'logDir', description: 'the logDir option' },
  logSubdir: {
    kind: 'word',
    needs: 'logDir',
    description: 'yy-mm-dd_HH of the submission (UTC), a directory the submitter creates under logDir',
  },
  x509UserProxy: { kind: 'path', needs: 'x509UserProxy', description: 'the x509UserProxy option' },
  tokenDir: { kind: 'path', needs: 'tokenDir', description: 'the tokenDir option' },
  tokenFilename: { kind: 'word', needs: 'tokenFilename', description: 'the tokenFilename option' },
  tokenPath: { kind: 'path', needs: 'tokenFilename', description: '<tokenDir>/<tokenFilename>' },
  ceHostname: { kind: 'word', needs: 'ceHostname', description: 'the ceHostname option' },
  ceEndpoint: { kind: 'word', needs: 'ceEndpoint', description: 'the ceEndpoint option' },
  ceQueueName: { kind: 'word', needs: 'ceQueueName', description: 'the ceQueueName option' },
  submissionHost: { kind: 'word', description: 'the worker’s schedd: <schedd>,<pool> or LOCAL' },
  submissionHostShort: { kind: 'word', description: 'the schedd’s name up to its first dot (LOCAL)' },
  customSubmitAttributes: {
    kind: 'empty',
    description: 'always empty: the submitter adds +harvesterID, +harvesterWorkerID and batch_name itself',
  },
};

/** The default submit description shipped with the package (templates/default.sub). */
export const DEFAULT_TEMPLATE_PATH: string = packageTemplatePath(import.meta.url, 'default.sub');

type Segment =
  | { text: string }
  | {
      name: string;
      line: number;
      /** Inside a quoted string on its line (or in a comment, or alone on its line): may be empty. */
      emptyOk: boolean;
    };

/** A template read and checked for syntax. */
export interface ParsedTemplate {
  source: string;
  segments: Segment[];
  /** The placeholders used, with the lines (1-based) they are on. */
  used: Map<string, number[]>;
  /** Python format fields this package does not implement, with where they are. */
  formProblems: string[];
  text: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Python str.format fields other than a plain {name}: what they are called, for the message. */
const FORMAT_FORMS: Array<[RegExp, string]> = [
  [/^\s+[A-Za-z_][A-Za-z0-9_]*\s*$|^[A-Za-z_][A-Za-z0-9_]*\s+$/, 'a name with spaces around it'],
  [/^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*|\[[^\]]*\])*(?:![A-Za-z])?:/, 'a format spec'],
  [/^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*|\[[^\]]*\])*![A-Za-z]?$/, 'a conversion'],
  [/^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*|\[[^\]]*\])*\[[^\]]*\]$/, 'an index'],
  [/^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$/, 'an attribute'],
];

/** Submit commands whose value is a quoted list of words: only '…' inside protects a word. */
const WORD_LIST_COMMANDS = new Set(['arguments', 'args', 'environment', 'env']);

/**
 * Whether an empty value at offset `at` of `text` is harmless: in a comment, alone on its line,
 * or inside a quoted string ("…" of a ClassAd string or a command; '…' in arguments/environment).
 */
function emptyIsHarmless(text: string, at: number, token: string): boolean {
  const start = text.lastIndexOf('\n', at - 1) + 1;
  const endNl = text.indexOf('\n', at);
  const line = text.slice(start, endNl < 0 ? text.length : endNl);
  if (/^\s*#/.test(line) || line.trim() === token) return true;
  const before = text.slice(start, at);
  const eq = before.indexOf('=');
  const key = (eq < 0 ? '' : before.slice(0, eq)).trim().toLowerCase();
  const value = eq < 0 ? before : before.slice(eq + 1);
  const quote = WORD_LIST_COMMANDS.has(key) ? "'" : '"';
  const count = value.replace(/\\"/g, '').split(quote).length - 1;
  return count % 2 === 1;
}

/** Splits a template into text and placeholders (without checking the names). */
export function parseTemplate(text: string, source = 'template'): ParsedTemplate {
  const segments: Segment[] = [];
  const used = new Map<string, number[]>();
  const formProblems: string[] = [];
  let buf = '';
  let line = 1;
  let i = 0;
  const flush = () => {
    if (buf !== '') segments.push({ text: buf });
    buf = '';
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\n') line++;
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
        segments.push({ name, line, emptyOk: emptyIsHarmless(text, i, `{${name}}`) });
        used.set(name, [...(used.get(name) ?? []), line]);
        i = close + 1;
        continue;
      }
      const form = FORMAT_FORMS.find(([re]) => re.test(name));
      if (form) {
        formProblems.push(
          `line ${line}: {${name}} is a Python format field with ${form[1]}, which is not supported: write a plain {name} placeholder (or {{ and }} for literal braces)`,
        );
      }
    }
    buf += c;
    i++;
  }
  flush();
  return { source, segments, used, formProblems, text };
}

/** A `queue` statement line. */
const QUEUE_LINE = /^\s*queue\b(.*)$/i;

/** Every problem of a parsed template (empty when it is usable). */
export function templateProblems(parsed: ParsedTemplate, options: Partial<CondorSubmitterOptions>): string[] {
  const problems: string[] = [...parsed.formProblems];
  const known = Object.keys(PLACEHOLDERS);
  for (const [name, lines] of parsed.used) {
    const spec = PLACEHOLDERS[name];
    const at = `line ${lines.join(', ')}`;
    if (spec === undefined) {
      problems.push(`unknown placeholder {${name}} on ${at}${didYouMean(name, known)}`);
      continue;
    }
    if (spec.needs !== undefined && options[spec.needs] === undefined) {
      problems.push(`placeholder {${name}} on ${at} needs the option ${spec.needs}`);
    }
  }
  const lines = parsed.text.split('\n');
  const queues: number[] = [];
  lines.forEach((l, index) => {
    if (/^\s*#/.test(l)) return;
    const q = QUEUE_LINE.exec(l);
    if (q) {
      queues.push(index + 1);
      if (!/^\s*(1)?\s*$/.test(q[1] ?? '')) {
        problems.push(
          `line ${index + 1}: "${l.trim()}": a template describes one worker's job; it may end with "queue" or "queue 1" only`,
        );
      }
    }
    if (l.includes('{arguments}') && !/^\s*arguments\s*=\s*\{arguments\}\s*$/i.test(l)) {
      problems.push(
        `line ${index + 1}: {arguments} must be the whole value of an "arguments = {arguments}" line`,
      );
    }
  });
  if (queues.length > 1) problems.push(`more than one queue statement (lines ${queues.join(', ')})`);
  if (queues.length === 1) {
    const after = lines.slice((queues[0] as number) + 0).filter((l) => l.trim() !== '' && !/^\s*#/.test(l));
    if (after.length > 0)
      problems.push(`line ${queues[0]}: the queue statement must be the template's last command`);
  }
  return problems;
}

/** Reads and checks a template; throws a TemplateError naming every problem. */
export async function loadTemplate(
  path: string,
  options: Partial<CondorSubmitterOptions>,
): Promise<ParsedTemplate> {
  return loadTemplateFile(path, parseTemplate, (parsed) => templateProblems(parsed, options));
}

// ---- values ------------------------------------------------------------------------------------------

/** A value for a placeholder. */
export type PlaceholderValue = string | number | readonly string[];
export type PlaceholderValues = Record<string, PlaceholderValue>;

/** Checks and writes one value. */
export function formatValue(name: string, kind: PlaceholderKind, value: PlaceholderValue): string {
  const bad = (why: string) =>
    new RenderError(name, `placeholder {${name}}: the value ${JSON.stringify(value)} ${why}`);
  switch (kind) {
    case 'integer':
    case 'path':
    case 'word': {
      const problem = placeholderValueProblem(kind, value, 'a submit description');
      if (problem) throw bad(problem);
      return String(value);
    }
    case 'arguments':
      if (!Array.isArray(value)) throw bad('is not a list of words');
      try {
        return argumentsValue(value as string[]);
      } catch (err) {
        throw bad((err as Error).message);
      }
    case 'empty':
      return '';
  }
}

/** Fills in a parsed template; throws a RenderError naming the first value that cannot be used. */
export function renderTemplate(parsed: ParsedTemplate, values: PlaceholderValues): string {
  return renderPlaceholders(parsed.segments, {
    placeholders: PLACEHOLDERS,
    values,
    format: (seg, spec, value) => {
      const text = formatValue(seg.name, spec.kind, value);
      if (text === '' && !seg.emptyOk) {
        throw new RenderError(
          seg.name,
          `placeholder {${seg.name}} on line ${seg.line} of the template is empty where it stands bare: condor_submit takes an empty value as "not set", and this worker's job would get the first worker's value; put it inside quotes, or give the worker a value`,
        );
      }
      return text;
    },
    fail: (name, message) => new RenderError(name, message),
  });
}

/** A rendered template without its (final) queue statement. */
export function withoutQueue(rendered: string): string {
  return rendered
    .split('\n')
    .filter((l) => /^\s*#/.test(l) || !QUEUE_LINE.test(l))
    .join('\n')
    .replace(/\s+$/, '');
}

// ---- the executable ------------------------------------------------------------------------------------

/** The absolute path of a program: as given when absolute, else the first executable match in PATH. */
export function resolveProgram(program: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  if (isAbsolute(program)) return program;
  if (program.includes('/')) return undefined;
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

// ---- the placeholder map of a worker -------------------------------------------------------------------

export interface WorkerPlaceholderContext {
  harvesterId: string;
  queueName: string | undefined;
  /** The resolved program of the executable option. */
  program: string | undefined;
  submissionHost: string;
  now?: Date;
}

/** The placeholder values of one worker (Harvester's make_a_jdl map, checked on render). */
export function workerPlaceholders(
  worker: WorkSpec,
  options: CondorSubmitterOptions,
  c: WorkerPlaceholderContext,
): PlaceholderValues {
  const now = c.now ?? new Date();
  const accessPoint = worker.accessPoint ?? '';
  const label = worker.jobs?.[0]?.jobParams?.prodSourceLabel;
  const schedd = c.submissionHost.split(',')[0] ?? '';
  const values: PlaceholderValues = {
    ...workerResourceValues(worker, options),
    accessPoint,
    workerID: worker.workerID,
    batchName: worker.batchName,
    harvesterID: c.harvesterId,
    computingSite: worker.computingSite ?? '',
    pandaQueueName: c.queueName ?? worker.computingSite ?? '',
    jobType: worker.jobType ?? '',
    resourceType: worker.resourceType ?? '',
    pilotType: worker.pilotType ?? '',
    prodSourceLabel: typeof label === 'string' ? label : '',
    ioIntensity: worker.ioIntensity && worker.ioIntensity > 0 ? worker.ioIntensity : 0,
    gtag: logUrlOf(options, join(accessPoint, CONDOR_FILE_NAMES.stdout)) ?? 'unknown',
    submissionHost: c.submissionHost,
    submissionHostShort: schedd === '' ? c.submissionHost : (schedd.split('.')[0] ?? schedd),
    customSubmitAttributes: '',
  };
  if (options.executable && c.program) {
    values.executable = c.program;
    values.arguments = [...options.executable.slice(1), accessPoint];
  }
  if (options.executableFile) values.executableFile = options.executableFile;
  if (options.logDir) {
    values.logDir = options.logDir;
    values.logSubdir = logSubdirOf(now);
  }
  if (options.x509UserProxy) values.x509UserProxy = options.x509UserProxy;
  if (options.tokenDir) values.tokenDir = options.tokenDir;
  if (options.tokenFilename !== undefined && options.tokenDir) {
    values.tokenFilename = options.tokenFilename;
    values.tokenPath = join(options.tokenDir, options.tokenFilename);
  }
  if (options.ceHostname !== undefined) values.ceHostname = options.ceHostname;
  if (options.ceEndpoint !== undefined) values.ceEndpoint = options.ceEndpoint;
  if (options.ceQueueName !== undefined) values.ceQueueName = options.ceQueueName;
  return values;
}
