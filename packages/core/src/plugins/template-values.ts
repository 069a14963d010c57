// Template placeholder values: the checks the batch-system plugins (Slurm, HTCondor) share for
// the values they write into a batch script or a submit description. Pure functions: what is
// safe to write is checked here, how it is escaped (sh, the submit language) stays with each
// plugin.
//   integer  a non-negative safe integer, written in decimal
//   path     an absolute path of SAFE_WORD characters without '.' or '..' components
//   word     a string (or number) of SAFE_WORD characters
import { isAbsolute } from 'node:path';

/**
 * Letters, digits and `_./:@+=,-`: one word that means the same bare, quoted, in an sh script,
 * in a ClassAd string and in a submit command's arguments.
 */
export const SAFE_WORD: RegExp = /^[A-Za-z0-9_./:@+=,-]*$/;

/** Why a path cannot go into a template (or be given to a batch system), or undefined. */
export function unsafePathProblem(path: string): string | undefined {
  if (!isAbsolute(path)) return 'is not an absolute path';
  if (!SAFE_WORD.test(path)) return 'has characters other than letters, digits and _./:@+=,-';
  if (path.split('/').some((seg) => seg === '..' || seg === '.')) return "has '.' or '..' components";
  return undefined;
}

/** The kinds of placeholder value every template language writes the same way. */
export type PlainPlaceholderKind = 'integer' | 'path' | 'word';

/**
 * Why `value` cannot be written as a placeholder of `kind`, or undefined when it can (then it is
 * written as `String(value)`). `where` names what the value goes into, for the message of an
 * unsafe word ("a shell script", "a submit description").
 */
export function placeholderValueProblem(
  kind: PlainPlaceholderKind,
  value: unknown,
  where: string,
): string | undefined {
  switch (kind) {
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
        return 'is not a non-negative integer';
      return undefined;
    case 'path':
      if (typeof value !== 'string') return 'is not a path';
      return unsafePathProblem(value);
    case 'word':
      if (typeof value !== 'string' && typeof value !== 'number') return 'is not a string';
      if (!SAFE_WORD.test(String(value)))
        return `has characters other than letters, digits and _./:@+=,- (not safe in ${where})`;
      return undefined;
  }
}
