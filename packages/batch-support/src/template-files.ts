// Template files of a batch-system plugin (batch scripts, submit descriptions): the errors of a
// template that cannot be used and of a value that cannot go into one, where a package's default
// template is (from its src/ in tests and its dist/ bundle alike), and loading a template: read,
// parse, check, and refuse it naming every problem.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A template that cannot be used; the message names every problem. */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** A value that cannot go into a rendered template; names the placeholder. */
export class RenderError extends Error {
  constructor(
    readonly placeholder: string,
    message: string,
  ) {
    super(message);
    this.name = 'RenderError';
  }
}

/**
 * The path of a template shipped in a package's `templates/` directory. `anchorUrl` is the
 * `import.meta.url` of a module of that package: from `src/<file>.ts` (tests) and from the
 * `dist/<bundle>.js` alike the package root is one level up (two, for a module one level deeper).
 */
export function packageTemplatePath(anchorUrl: string | URL, fileName: string): string {
  const here = dirname(fileURLToPath(anchorUrl));
  const candidate = join(here, '..', 'templates', fileName);
  return existsSync(candidate) ? candidate : join(here, '..', '..', 'templates', fileName);
}

/** Reads a template file; throws a TemplateError (`cannot read the template …`) when it cannot. */
export async function readTemplateFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new TemplateError(`cannot read the template ${path}: ${(err as Error).message}`, [
      (err as Error).message,
    ]);
  }
}

/**
 * Reads, parses and checks a template: `parse(text, path)` splits it, `problemsOf(parsed)` lists
 * what makes it unusable. Throws a TemplateError naming every problem (`template <path>: …`).
 */
export async function loadTemplateFile<P>(
  path: string,
  parse: (text: string, source: string) => P,
  problemsOf: (parsed: P) => string[],
): Promise<P> {
  const parsed = parse(await readTemplateFile(path), path);
  const problems = problemsOf(parsed);
  if (problems.length > 0) {
    throw new TemplateError(`template ${path}: ${problems.join('; ')}`, problems);
  }
  return parsed;
}
