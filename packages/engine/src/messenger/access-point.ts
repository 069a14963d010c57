// The messenger's `accessPoint` template (Harvester's WorkSpec.get_access_point placeholders):
//   ${workerID}        the worker's ID (required: it makes the directory per worker)
//   ${harvesterID}     this harvester instance
//   ${_workerID_3.2}   selected digits of the workerID, counted from the right starting at 0
//                      (digit 3 then digit 2; a missing digit is 0), for XX/YY sharding
// ${batchID} is refused: the access point is set up before submission, when it is not known.
// Any other placeholder is an error (never left in the path or guessed).
import { isAbsolute, normalize } from 'node:path';

const PLACEHOLDER = /\$\{([^}]*)\}/g;
const DIGITS_PLACEHOLDER = /^_workerID_(\d+(?:\.\d+)*)$/;
const KNOWN = ['workerID', 'harvesterID', '_workerID_<d>[.<d>...]'];

/** Every problem of an accessPoint template (empty when it is usable). */
export function accessPointTemplateProblems(template: string): string[] {
  const problems: string[] = [];
  if (template.includes('\0')) problems.push('must not contain a NUL character');
  if (!template.startsWith('/')) problems.push('must be an absolute path');
  const withoutPlaceholders = template.replace(PLACEHOLDER, '');
  if (withoutPlaceholders.includes('${')) problems.push("has an unterminated '${' placeholder");
  let hasWorkerID = false;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (name === 'workerID') hasWorkerID = true;
    else if (name === 'harvesterID' || DIGITS_PLACEHOLDER.test(name)) {
      // known
    } else if (name === 'batchID') {
      problems.push(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a Harvester placeholder
        '${batchID} is not known when the access point is set up (before the worker is submitted); use ${workerID}',
      );
    } else {
      problems.push(`unknown placeholder \${${name}} (known: ${KNOWN.map((k) => `\${${k}}`).join(', ')})`);
    }
  }
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Harvester placeholder
  if (!hasWorkerID) problems.push('must contain ${workerID}, so that every worker has its own directory');
  const segments = template.split('/');
  if (segments.includes('..') || segments.includes('.'))
    problems.push("must not contain '.' or '..' components");
  if (template.startsWith('/') && fixedPrefix(template) === '/') {
    problems.push(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Harvester placeholder
      'needs a fixed parent directory before the first placeholder (e.g. /data/harvester/${workerID})',
    );
  }
  return problems;
}

/** The leading path components that contain no placeholder. */
function fixedPrefix(template: string): string {
  const segments = template.split('/');
  const fixed: string[] = [];
  for (const seg of segments) {
    if (seg.includes('${')) break;
    fixed.push(seg);
  }
  // A template without any placeholder is refused elsewhere; its parent is then the root.
  if (fixed.length === segments.length) fixed.pop();
  const joined = fixed.join('/');
  return joined === '' ? '/' : normalize(joined);
}

/** workerID digits selected by a `_workerID_a.b` placeholder. */
function selectDigits(workerID: number, spec: string): string {
  const s = String(workerID);
  return spec
    .split('.')
    .map((d) => {
      const index = s.length - 1 - Number(d);
      return index >= 0 ? (s[index] ?? '0') : '0';
    })
    .join('');
}

export interface AccessPointValues {
  workerID: number;
  harvesterID: string;
}

/** Replaces the placeholders of an access point string; throws on a placeholder it cannot fill. */
export function expandAccessPoint(template: string, values: AccessPointValues): string {
  const expanded = template.replace(PLACEHOLDER, (whole, name: string) => {
    if (name === 'workerID') return String(values.workerID);
    if (name === 'harvesterID') return values.harvesterID;
    const digits = DIGITS_PLACEHOLDER.exec(name);
    if (digits?.[1] !== undefined) return selectDigits(values.workerID, digits[1]);
    throw new Error(`access point ${template}: cannot fill placeholder ${whole}`);
  });
  if (!isAbsolute(expanded)) throw new Error(`access point ${expanded} is not an absolute path`);
  return normalize(expanded);
}

/**
 * The directory every access point of the template lies under: the template with
 * ${harvesterID} filled in, up to its first component with another placeholder.
 */
export function accessPointRoot(template: string, harvesterID: string): string {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Harvester placeholder
  return fixedPrefix(template.replaceAll('${harvesterID}', harvesterID));
}
