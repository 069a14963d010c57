// The job's log tarball, made by postProcessing: the regular files of the job directory whose
// names match the patterns, packed by `tar` run with an argv array (never a shell), the file
// list passed NUL-separated on stdin. Symlinks (inputs, or anything a payload planted) are not
// followed and not packed.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** A glob of `*` and `?` over a file's base name. */
export function globToRegExp(pattern: string): RegExp {
  let re = '^';
  for (const c of pattern) {
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 's');
}

export interface CollectOptions {
  patterns: readonly string[];
  /** Base names never packed (the job spec, which may hold secrets; the tarball itself). */
  exclude: ReadonlySet<string>;
  maxDepth?: number;
}

/** Relative paths of the regular files under `dir` to pack, sorted. */
export async function collectLogFiles(dir: string, options: CollectOptions): Promise<string[]> {
  const regexps = options.patterns.map(globToRegExp);
  const maxDepth = options.maxDepth ?? 8;
  const found: string[] = [];
  async function walk(rel: string, depth: number): Promise<void> {
    const entries = await readdir(rel === '' ? dir : join(dir, rel), { withFileTypes: true });
    for (const entry of entries) {
      const name = entry.name;
      const relPath = rel === '' ? name : `${rel}/${name}`;
      if (entry.isDirectory()) {
        if (depth < maxDepth) await walk(relPath, depth + 1);
        continue;
      }
      if (!entry.isFile()) continue; // symlinks, fifos, sockets
      if (options.exclude.has(name) || name.includes('.tmp-')) continue;
      if (regexps.some((re) => re.test(name))) found.push(relPath);
    }
  }
  await walk('', 0);
  return found.sort();
}

export interface TarResult {
  ok: boolean;
  diag: string;
}

/**
 * Writes a gzip tarball of `files` (relative to `dir`) to `target`, atomically (a temporary
 * name in the same directory, then rename).
 */
export async function makeTarball(
  tarCommand: string,
  dir: string,
  files: readonly string[],
  target: string,
  signal?: AbortSignal,
): Promise<TarResult> {
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  const argv = ['--create', '--gzip', `--file=${tmp}`, '--no-recursion', '--null', '-C', dir, '-T', '-'];
  const result = await new Promise<TarResult>((resolvePromise) => {
    let stderr = '';
    let settled = false;
    const done = (r: TarResult) => {
      if (!settled) {
        settled = true;
        resolvePromise(r);
      }
    };
    const child = spawn(tarCommand, argv, { shell: false, stdio: ['pipe', 'ignore', 'pipe'], signal });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 4000) stderr += chunk;
    });
    child.on('error', (err) => done({ ok: false, diag: `cannot run ${tarCommand}: ${err.message}` }));
    child.on('close', (code, sig) => {
      if (code === 0) done({ ok: true, diag: '' });
      else {
        const how = sig ? `was killed by ${sig}` : `exited with ${code}`;
        done({ ok: false, diag: `${tarCommand} ${how}: ${stderr.trim()}` });
      }
    });
    child.stdin.on('error', () => {});
    // NUL-separated names; './' keeps a name that starts with '-' from being read as an option.
    child.stdin.end(files.map((f) => `./${f}\0`).join(''));
  });
  if (!result.ok) {
    await rm(tmp, { force: true });
    return result;
  }
  try {
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    return { ok: false, diag: `cannot move the tarball to ${target}: ${(err as Error).message}` };
  }
  return result;
}

/** Whether `p` is a regular file (not following a symlink). */
export async function isRegularFile(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).isFile();
  } catch {
    return false;
  }
}
