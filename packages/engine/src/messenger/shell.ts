// Shell-facing text the messenger writes for the worker wrapper: POSIX single-quoted values in
// an env file the wrapper sources, and jobPars split into argv words without any expansion.
import { HarvesterError } from '@harvester-ts/core';

/** A value that cannot be written for the wrapper (NUL, a newline where one is not allowed, ...). */
export class ShellValueError extends HarvesterError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('UNSAFE_SHELL_VALUE', message, context);
  }
}

/** `value` as one POSIX sh word: single-quoted, each `'` written as `'\''`. Refuses NUL. */
export function shellQuote(value: string): string {
  if (value.includes('\0')) {
    throw new ShellValueError('a shell value cannot contain a NUL character', { value });
  }
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * An env file: one `NAME='value'` line per entry, in order, after optional `#` comment lines.
 * Values are single-quoted (a newline inside a value stays inside its quotes).
 */
export function renderEnvFile(entries: ReadonlyArray<readonly [string, string]>, comment?: string): string {
  const lines: string[] = [];
  if (comment) for (const line of comment.split('\n')) lines.push(`# ${line}`);
  for (const [name, value] of entries) {
    if (!VARIABLE_NAME.test(name)) throw new ShellValueError(`invalid variable name ${JSON.stringify(name)}`);
    lines.push(`${name}=${shellQuote(value)}`);
  }
  return `${lines.join('\n')}\n`;
}

const BLANK = new Set([' ', '\t', '\n']);
/** Characters a backslash escapes inside double quotes (POSIX sh). */
const DQ_ESCAPABLE = new Set(['$', '`', '"', '\\', '\n']);

/**
 * Splits a PanDA jobPars string into argv words the way POSIX sh splits a command line —
 * blanks separate words; single quotes, double quotes and backslashes quote and are removed —
 * but nothing is expanded or interpreted: `$x`, `$(…)`, backticks, globs, `~`, `;`, `|`, `&`,
 * redirections and `#` are ordinary characters of a word. Throws ShellValueError on an
 * unterminated quote or a NUL character.
 */
export function splitShellWords(input: string): string[] {
  if (input.includes('\0')) throw new ShellValueError('jobPars contains a NUL character');
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const n = input.length;
  while (i < n) {
    const c = input[i] as string;
    if (BLANK.has(c)) {
      if (inWord) {
        words.push(word);
        word = '';
        inWord = false;
      }
      i++;
      continue;
    }
    if (c === "'") {
      const end = input.indexOf("'", i + 1);
      if (end === -1) throw new ShellValueError(`unterminated single quote at offset ${i} of jobPars`);
      word += input.slice(i + 1, end);
      inWord = true;
      i = end + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let closed = false;
      while (j < n) {
        const d = input[j] as string;
        if (d === '"') {
          closed = true;
          break;
        }
        if (d === '\\' && j + 1 < n && DQ_ESCAPABLE.has(input[j + 1] as string)) {
          const e = input[j + 1] as string;
          if (e !== '\n') word += e; // backslash-newline is a line continuation
          j += 2;
          continue;
        }
        word += d;
        j++;
      }
      if (!closed) throw new ShellValueError(`unterminated double quote at offset ${i} of jobPars`);
      inWord = true;
      i = j + 1;
      continue;
    }
    if (c === '\\') {
      if (i + 1 >= n) {
        // A trailing backslash has nothing to quote: keep it.
        word += c;
        inWord = true;
        i++;
        continue;
      }
      const e = input[i + 1] as string;
      if (e === '\n') {
        i += 2; // line continuation
        continue;
      }
      word += e;
      inWord = true;
      i += 2;
      continue;
    }
    word += c;
    inWord = true;
    i++;
  }
  if (inWord) words.push(word);
  return words;
}
