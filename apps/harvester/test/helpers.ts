// Drives the built `harvester` CLI in a temporary directory, as a user would.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function harvester(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, HARVESTER_CONFIG: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `harvester run` in the background (for tests that kill it). */
export function startDaemon(cwd: string, args: string[] = []): ChildProcess {
  return spawn(process.execPath, [CLI, 'run', ...args], {
    cwd,
    env: { ...process.env, HARVESTER_CONFIG: '' },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
}

export async function json<T = unknown>(cwd: string, args: string[]): Promise<T> {
  const r = await harvester(cwd, [...args, '--json']);
  if (r.code !== 0) throw new Error(`harvester ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `harvester-app-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function adler32Hex(buf: Buffer): string {
  let a = 1;
  let b = 0;
  for (const c of buf) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  return (((b << 16) | a) >>> 0).toString(16).padStart(8, '0');
}

/** The outbox records of the spool, parsed. */
export function outboxRecords(spoolRoot: string): Record<string, unknown>[] {
  const dir = join(spoolRoot, 'outbox');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>);
}

/** A PanDA job dictionary running `/bin/sh -c script`, with outputs and optional inputs. */
export function shellJob(
  PandaID: number,
  script: string,
  extra: {
    outFiles?: string[];
    inFiles?: { lfn: string; fsize: number; checksum: string }[];
    scope?: string;
  } & Record<string, unknown> = {},
): Record<string, unknown> {
  const { outFiles = [], inFiles = [], scope = 'test', ...rest } = extra;
  return {
    PandaID,
    taskID: 7,
    jobsetID: 1,
    attemptNr: 1,
    currentPriority: 100,
    coreCount: 1,
    prodSourceLabel: 'managed',
    jobName: `test.${PandaID}`,
    transformation: '/bin/sh',
    jobPars: `-c "${script.replace(/"/g, '\\"')}"`,
    inFiles: inFiles.map((f) => f.lfn).join(','),
    scopeIn: inFiles.map(() => scope).join(','),
    fsize: inFiles.map((f) => String(f.fsize)).join(','),
    checksum: inFiles.map((f) => f.checksum).join(','),
    outFiles: outFiles.join(','),
    scopeOut: outFiles.map(() => scope).join(','),
    ...rest,
  };
}
