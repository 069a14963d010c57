// The submit language (batch-cli-formats.md A1) as the submitter writes it: values escaped for
// it, the per-worker block that gives every proc its identity, the cluster's description (one
// part per worker, each ending with `queue 1`: one cluster, procs 0..N-1 in this order), and the
// output, error and log paths a worker's part names.
import { isAbsolute, join } from 'node:path';
import type { CondorJobId } from './commands.js';

/** Why a value cannot be written on one submit-description line, or undefined. */
export function submitValueProblem(value: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\x00-\x1f\x7f]/.test(value)) return 'has a newline or another control character';
  return undefined;
}

/**
 * A value as it may follow `key = ` on one line: `$` (macro syntax) becomes `$(DOLLAR)`. Throws
 * for a value the language cannot represent (a newline, a control character).
 */
export function submitValue(value: string): string {
  const problem = submitValueProblem(value);
  if (problem) throw new Error(`${JSON.stringify(value)} ${problem}`);
  return value.replace(/\$/g, '$(DOLLAR)');
}

/** A ClassAd string literal for `+Attr = …`: `\` and `"` escaped, `$` as `$(DOLLAR)`. */
export function submitClassAdString(value: string): string {
  return `"${submitValue(value.replace(/\\/g, '\\\\').replace(/"/g, '\\"'))}"`;
}

/**
 * The new-syntax `arguments` value for an argv: the whole in double quotes, `"` doubled, words
 * with spaces or quotes in single quotes (`'` doubled), `$` as `$(DOLLAR)`.
 */
export function argumentsValue(argv: readonly string[]): string {
  const words = argv.map((arg) => {
    const problem = submitValueProblem(arg);
    if (problem) throw new Error(`the argument ${JSON.stringify(arg)} ${problem}`);
    let w = arg.replace(/"/g, '""');
    if (w === '' || /[\s']/.test(w)) w = `'${w.replace(/'/g, "''")}'`;
    return w;
  });
  return `"${submitValue(words.join(' '))}"`;
}

/** Who a proc is: what the submitter writes before each worker's `queue 1`. */
export interface ProcIdentity {
  harvesterId: string;
  workerID: number;
  batchName: string;
}

/** The block that ends each worker's part: its identity, then `queue 1`. */
export function procBlock(identity: ProcIdentity): string {
  return [
    `# ---- harvester-ts: worker ${identity.workerID} (generated) ----`,
    `+harvesterID = ${submitClassAdString(identity.harvesterId)}`,
    `+harvesterWorkerID = ${identity.workerID}`,
    `batch_name = ${submitValue(identity.batchName)}`,
    'queue 1',
  ].join('\n');
}

/** One worker's part: its rendered template (without queue) and its block. */
export function workerPart(body: string, identity: ProcIdentity): string {
  return `${body.replace(/\s+$/, '')}\n${procBlock(identity)}\n`;
}

/** The cluster's description: the parts one after the other (each part sets every command again). */
export function clusterDescription(parts: readonly string[], header: string): string {
  return `# ${header.replace(/[\r\n]+/g, ' ')}\n\n${parts.join('\n')}`;
}

/**
 * The lines (1-based, first and last) each part occupies in clusterDescription's text, so that
 * condor_submit's `ERROR: on Line N` can be traced to the worker whose part it is.
 */
export function partLineRanges(parts: readonly string[]): Array<{ first: number; last: number }> {
  const ranges: Array<{ first: number; last: number }> = [];
  let line = 3; // the header comment and a blank line come first
  for (const part of parts) {
    const pieces = part.split('\n').length;
    ranges.push({ first: line, last: line + pieces - (part.endsWith('\n') ? 2 : 1) });
    line += pieces; // parts are joined with a newline
  }
  return ranges;
}

/** The output, error and log paths a worker's part sets (the last assignment of each wins). */
export interface DeclaredPaths {
  output?: string;
  error?: string;
  log?: string;
  initialdir?: string;
}

export function declaredPaths(part: string): DeclaredPaths {
  const out: DeclaredPaths = {};
  for (const line of part.split('\n')) {
    const m = /^\s*(output|error|log|initialdir|initial_dir)\s*=\s*(.*?)\s*$/i.exec(line);
    if (!m) continue;
    const key = (m[1] as string).toLowerCase();
    const value = m[2] as string;
    if (key === 'initialdir' || key === 'initial_dir') out.initialdir = value;
    else out[key as 'output' | 'error' | 'log'] = value;
  }
  return out;
}

/**
 * A declared path once the job id is known: $(Cluster)/$(ClusterId)/$(Process)/$(ProcId)
 * replaced, relative output/error resolved against an absolute initialdir. Undefined when it
 * is /dev/null, still has a macro, or is not absolute.
 */
export function resolveDeclaredPath(
  value: string | undefined,
  id: CondorJobId,
  initialdir: string | undefined,
  relativeToIwd: boolean,
): string | undefined {
  if (value === undefined || value === '' || value === '/dev/null') return undefined;
  let v = value
    .replace(/\$\((?:Cluster|ClusterId)\)/gi, String(id.cluster))
    .replace(/\$\((?:Process|ProcId)\)/gi, String(id.proc))
    .replace(/\$\(DOLLAR\)/g, '$');
  if (v.includes('$(')) return undefined;
  if (!isAbsolute(v)) {
    if (!relativeToIwd || !initialdir || !isAbsolute(initialdir) || initialdir.includes('$('))
      return undefined;
    v = join(initialdir, v);
  }
  return v;
}

/**
 * A pattern for the paths a declared path can become: `$(…)` macros (e.g. $(Cluster)) match one
 * path component's worth of text; relative paths are taken against `base` (the job's initialdir,
 * else condor_submit's directory). Undefined when it cannot be told.
 */
export function declaredPathPattern(value: string | undefined, base: string | undefined): RegExp | undefined {
  if (value === undefined || value === '') return undefined;
  let v = value.replace(/\$\(DOLLAR\)/g, '$');
  if (!isAbsolute(v)) {
    if (!base || !isAbsolute(base) || base.includes('$(')) return undefined;
    v = join(base, v);
  }
  const parts = v.split(/\$\([^)]*\)/).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[^/]*')}$`);
}
