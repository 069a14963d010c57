// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are full of shell and Harvester ${...} placeholders
// harvester-worker.sh run for real under busybox sh, dash and bash, on access points prepared by
// the shared-file messenger, with small sh payloads from test/fixtures/worker. The scenarios of a
// shell run concurrently in beforeAll; each `it` checks one of them.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type JobSpec, MapType, type WorkSpec } from '@harvester-ts/core';
import { servicesRequired } from '@harvester-ts/test-support';
import { type SharedFileMessengerInstance, splitShellWords } from '../src/messenger/index.js';
import { WORKER_WRAPPER_FILE_NAMES, WORKER_WRAPPER_PATH } from '../src/worker/wrapper.js';
import { makeJob, makeMessenger, makeTempDir, makeWorker } from './fixtures/worker/support.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'worker');
const PAYLOADS = ['print-args.sh', 'exit-code.sh', 'stubborn.sh', 'burn-cpu.sh'];

interface Shell {
  name: string;
  argv: string[];
  /** The Debian package that provides it. */
  pkg: string;
}

const SHELLS: Shell[] = [
  { name: 'busybox sh', argv: ['busybox', 'sh'], pkg: 'busybox-static' },
  { name: 'dash', argv: ['dash'], pkg: 'dash' },
  { name: 'bash', argv: ['bash'], pkg: 'bash' },
];

/**
 * describe when the shell runs; else a visibly skipped block, or under
 * HARVESTER_REQUIRE_SERVICES=1 a failing test that says how to install it.
 */
function describeForShell(shell: Shell): (name: string, fn: () => void) => void {
  const probe = spawnSync(shell.argv[0] as string, [...shell.argv.slice(1), '-c', 'exit 0']);
  if (probe.status === 0) return describe;
  const why = probe.error ? probe.error.message : `exit status ${probe.status}`;
  if (servicesRequired()) {
    return (name: string) =>
      describe(name, () => {
        it(`requires ${shell.name}`, () => {
          throw new Error(
            `${shell.name} is required (HARVESTER_REQUIRE_SERVICES=1) but cannot run: ${why}. ` +
              `Install it with: apt-get install -y ${shell.pkg}`,
          );
        });
      });
  }
  return describe.skip;
}

const KILL_GRACE = '1';
/** A jobPars with everything a shell would want to interpret (CANARY: a path, filled in later). */
const HOSTILE_PARS = [
  'plain',
  "'single quoted'",
  '"double \\"quoted\\""',
  "it\\'s",
  "'; rm -rf / #'",
  '"$(touch CANARY)"',
  "'$(id)'",
  '\\`id\\`',
  "'${HOME}'",
  '"*"',
  '~',
  "'multi\nline'",
  '"tab\there"',
  '"back\\\\slash"',
  `'a"b'`,
  '""',
].join(' ');

interface Run {
  code: number | null;
  stderr: string;
  ap: string;
  messenger: SharedFileMessengerInstance;
  worker: WorkSpec;
  text(rel: string): string;
  json(rel: string): unknown;
  exists(rel: string): boolean;
}

interface ScenarioSpec {
  mapType?: MapType;
  jobs: JobSpec[];
  /** A directory name under the scenario directory (to put odd characters in the access point). */
  rootName?: string;
  prepare?(ap: string): Promise<void>;
  /** Runs while the wrapper runs (e.g. to drop the kill file). */
  whileRunning?(ap: string, wrapper: ChildProcess): Promise<void>;
}

async function waitForFile(path: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${path}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function runScenario(
  shell: Shell,
  base: string,
  binDir: string,
  name: string,
  spec: ScenarioSpec,
): Promise<Run> {
  const root = join(base, name, spec.rootName ?? 'wdirs');
  const messenger = await makeMessenger({ accessPoint: `${root}/\${workerID}` });
  const worker = makeWorker(7, spec.mapType ?? MapType.OneToOne, spec.jobs);
  const [setup] = await messenger.setupAccessPoints([worker]);
  if (setup?.kind !== 'success') throw new Error(`setup failed: ${JSON.stringify(setup)}`);
  const fed = await messenger.feedJobs(worker, spec.jobs);
  if (fed.kind !== 'success') throw new Error(`feed failed: ${JSON.stringify(fed)}`);
  const ap = messenger.getAccessPoint(worker);
  await spec.prepare?.(ap);

  const child = spawn(shell.argv[0] as string, [...shell.argv.slice(1), WORKER_WRAPPER_PATH, ap], {
    env: {
      ...process.env,
      PATH: `${binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HARVESTER_KILL_GRACE: KILL_GRACE,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  await spec.whileRunning?.(ap, child);
  const code = await exited;
  return {
    code,
    stderr,
    ap,
    messenger,
    worker,
    text: (rel) => readFileSync(join(ap, rel), 'utf8'),
    json: (rel) => JSON.parse(readFileSync(join(ap, rel), 'utf8')) as unknown,
    exists: (rel) => existsSync(join(ap, rel)),
  };
}

/** Whether a process is gone (a zombie nobody reaped counts as gone). */
function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

type Attrs = Record<string, unknown>;

for (const shell of SHELLS) {
  describeForShell(shell)(`harvester-worker.sh under ${shell.name}`, () => {
    let tmp: { dir: string; remove(): Promise<void> };
    const runs: Record<string, Run> = {};

    beforeAll(async () => {
      tmp = await makeTempDir(`harvester-wrapper-${shell.argv[0]}-`);
      const binDir = join(tmp.dir, 'bin');
      await mkdir(binDir);
      for (const p of PAYLOADS) {
        await copyFile(join(FIXTURES, p), join(binDir, p));
        await chmod(join(binDir, p), 0o755);
      }
      const bin = (p: string) => join(binDir, p);
      const weird = "we\"ird \\ 'dir' $x\ttab\nnewline é";
      const scenarios: Record<string, ScenarioSpec> = {
        success: {
          jobs: [
            makeJob(101, {
              transformation: 'print-args.sh', // found in PATH
              jobPars: '--make=out.101.root hello',
              outFiles: 'out.101.root,missing.101.root,log.101.tgz',
              logFile: 'log.101.tgz',
            }),
          ],
        },
        failure: {
          jobs: [
            makeJob(102, {
              transformation: bin('exit-code.sh'),
              jobPars: '3 partial.root',
              outFiles: 'partial.root',
            }),
          ],
        },
        notFound: { jobs: [makeJob(103, { transformation: 'no-such-transformation-xyz' })] },
        notExecutable: {
          jobs: [makeJob(104, { transformation: 'not-executable.sh' })],
          prepare: (ap) => writeFile(join(ap, 'not-executable.sh'), '#!/bin/sh\nexit 0\n', { mode: 0o644 }),
        },
        inJobDir: {
          jobs: [makeJob(105, { transformation: 'local-trf.sh', jobPars: 'from-job-dir' })],
          prepare: async (ap) => {
            await copyFile(bin('print-args.sh'), join(ap, 'local-trf.sh'));
            await chmod(join(ap, 'local-trf.sh'), 0o755);
          },
        },
        hostile: {
          jobs: [
            makeJob(106, {
              transformation: 'print-args.sh',
              jobPars: HOSTILE_PARS.replace('CANARY', join(tmp.dir, 'canary')),
            }),
          ],
        },
        manyToOne: {
          mapType: MapType.ManyToOne,
          jobs: [
            makeJob(801, {
              transformation: 'print-args.sh',
              jobPars: '--make=out.801.root',
              outFiles: 'out.801.root',
            }),
            makeJob(802, { transformation: 'exit-code.sh', jobPars: '5' }),
          ],
        },
        cpu: { jobs: [makeJob(107, { transformation: 'burn-cpu.sh', jobPars: '1' })] },
        kill: {
          jobs: [makeJob(108, { transformation: 'stubborn.sh', jobPars: 'handle' })],
          whileRunning: async (ap) => {
            await waitForFile(join(ap, 'started'));
            await writeFile(join(ap, 'kill_worker.json'), '{}');
          },
        },
        signalled: {
          jobs: [makeJob(111, { transformation: 'stubborn.sh', jobPars: 'handle' })],
          whileRunning: async (ap, wrapper) => {
            await waitForFile(join(ap, 'started'));
            wrapper.kill('SIGTERM');
          },
        },
        killEscalated: {
          mapType: MapType.ManyToOne,
          jobs: [
            makeJob(901, { transformation: 'stubborn.sh', jobPars: 'ignore' }),
            makeJob(902, { transformation: 'print-args.sh', jobPars: 'never' }),
          ],
          whileRunning: async (ap) => {
            await waitForFile(join(ap, '901', 'started'));
            await writeFile(join(ap, 'kill_worker.json'), '{}');
          },
        },
        weirdPaths: {
          rootName: weird,
          jobs: [
            makeJob(109, {
              transformation: 'print-args.sh',
              jobPars: '--make=out.109.root',
              outFiles: 'out.109.root',
            }),
            makeJob(110, { transformation: 'nope "q" \\ \u0001 x' }),
          ],
          mapType: MapType.ManyToOne,
        },
      };
      const entries = await Promise.all(
        Object.entries(scenarios).map(
          async ([name, spec]) => [name, await runScenario(shell, tmp.dir, binDir, name, spec)] as const,
        ),
      );
      for (const [name, run] of entries) runs[name] = run;
    }, 60_000);

    afterAll(async () => {
      await tmp?.remove();
    });

    const run = (name: string): Run => {
      const r = runs[name];
      if (!r) throw new Error(`scenario ${name} did not run`);
      return r;
    };

    it('runs a payload found in PATH, lists its existing outputs and reports through the messenger', async () => {
      const r = run('success');
      expect(r.code).toBe(0);
      expect(r.text(WORKER_WRAPPER_FILE_NAMES.exitCode)).toBe('0\n');
      expect(r.text('payload.stdout')).toBe('[--make=out.101.root]\n[hello]\n');
      expect(r.text('payload.stderr')).toBe('PandaID=101\n');
      const attrs = r.json('worker_attributes.json') as Attrs;
      expect(attrs).toMatchObject({ jobStatus: 'finished', transExitCode: 0, cpuConsumptionUnit: 's' });
      expect(Number.isInteger(attrs.startTime)).toBe(true);
      expect(attrs.endTime as number).toBeGreaterThanOrEqual(attrs.startTime as number);
      expect(Number.isInteger(attrs.cpuConsumptionTime)).toBe(true);
      expect(attrs).not.toHaveProperty('pilotErrorCode');
      expect(r.json('jobReport.json')).toEqual({ exitCode: 0, exitMsg: 'OK' });
      expect(r.json('event_status.dump.json')).toEqual({
        '101': [
          {
            path: join(r.ap, 'out.101.root'),
            type: 'output',
            fsize: 'data of out.101.root\n'.length,
            eventStatus: 'finished',
          },
        ],
      });
      expect(r.json('worker_heartbeat.json')).toHaveProperty('timestamp');

      const reported = await r.messenger.getWorkAttributes(r.worker);
      expect(reported['101']).toMatchObject({
        jobStatus: 'finished',
        metaData: { exitCode: 0, exitMsg: 'OK' },
      });
      expect(reported['101']?.startTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      const files = await r.messenger.getFilesToStageOut(r.worker);
      expect(files['101']?.map((f) => [f.lfn, f.type, f.fsize])).toEqual([['out.101.root', 'output', 21]]);
    });

    it('records a non-zero exit as failed with its exit code, without staging partial outputs', () => {
      const r = run('failure');
      expect(r.code).toBe(3);
      expect(r.text(WORKER_WRAPPER_FILE_NAMES.exitCode)).toBe('3\n');
      expect(r.json('worker_attributes.json')).toMatchObject({ jobStatus: 'failed', transExitCode: 3 });
      expect(r.json('worker_attributes.json')).not.toHaveProperty('pilotErrorCode');
      expect(r.json('jobReport.json')).toEqual({ exitCode: 3, exitMsg: 'payload exited with code 3' });
      expect(r.exists('partial.root')).toBe(true);
      expect(r.exists('event_status.dump.json')).toBe(false);
      expect(r.text('payload.stderr')).toBe('failing with 3\n');
    });

    it('reports a transformation that cannot be found (127) or run (126) with a pilot error', () => {
      const missing = run('notFound');
      expect(missing.code).toBe(127);
      expect(missing.json('worker_attributes.json')).toMatchObject({
        jobStatus: 'failed',
        transExitCode: 127,
        pilotErrorCode: 1346,
        pilotErrorDiag: 'transformation not found: no-such-transformation-xyz',
      });
      expect(missing.exists('payload.stdout')).toBe(false);
      const notExec = run('notExecutable');
      expect(notExec.code).toBe(126);
      expect(notExec.json('worker_attributes.json')).toMatchObject({
        transExitCode: 126,
        pilotErrorCode: 1305,
      });
    });

    it('looks a relative transformation up in the job directory when PATH does not have it', () => {
      const r = run('inJobDir');
      expect(r.code).toBe(0);
      expect(r.text('payload.stdout')).toBe('[from-job-dir]\n');
    });

    it('gives the payload exactly the words of a hostile jobPars, expanding nothing', () => {
      const r = run('hostile');
      expect(r.code).toBe(0);
      const expected = [
        'plain',
        'single quoted',
        'double "quoted"',
        "it's",
        '; rm -rf / #',
        `$(touch ${join(tmp.dir, 'canary')})`,
        '$(id)',
        '`id`',
        '${HOME}',
        '*',
        '~',
        'multi\nline',
        'tab\there',
        'back\\slash',
        'a"b',
        '',
      ];
      expect(splitShellWords(HOSTILE_PARS.replace('CANARY', join(tmp.dir, 'canary')))).toEqual(expected);
      expect(r.text('payload.stdout')).toBe(expected.map((a) => `[${a}]\n`).join(''));
      expect(existsSync(join(tmp.dir, 'canary'))).toBe(false);
    });

    it('runs ManyToOne jobs in order, each in its own directory; exits with the first failure', async () => {
      const r = run('manyToOne');
      expect(r.code).toBe(5);
      expect(r.json('801/worker_attributes.json')).toMatchObject({ jobStatus: 'finished', transExitCode: 0 });
      expect(r.json('802/worker_attributes.json')).toMatchObject({ jobStatus: 'failed', transExitCode: 5 });
      expect(r.exists('801/out.801.root')).toBe(true);
      expect(r.exists('out.801.root')).toBe(false);
      expect(r.json('801/event_status.dump.json')).toEqual({
        '801': [
          { path: join(r.ap, '801', 'out.801.root'), type: 'output', fsize: 21, eventStatus: 'finished' },
        ],
      });
      const attrs = await r.messenger.getWorkAttributes(r.worker);
      expect(Object.keys(attrs).sort()).toEqual(['801', '802']);
      expect(r.text(WORKER_WRAPPER_FILE_NAMES.exitCode)).toBe('5\n');
    });

    it('measures the CPU time of the payload with times', () => {
      const r = run('cpu');
      expect(r.code).toBe(0);
      const attrs = r.json('worker_attributes.json') as Attrs;
      expect(attrs.cpuConsumptionTime as number).toBeGreaterThanOrEqual(1);
    });

    it('stops the payload and its children with TERM when the kill file appears, recording it as killed', () => {
      const r = run('kill');
      expect(r.code).toBe(143);
      expect(r.text(WORKER_WRAPPER_FILE_NAMES.exitCode)).toBe('143\n');
      const attrs = r.json('worker_attributes.json') as Attrs;
      expect(attrs).toMatchObject({ jobStatus: 'failed', transExitCode: 143, pilotErrorCode: 1201 });
      expect(attrs.pilotErrorDiag).toMatch(/kill file kill_worker\.json appeared; stopped by SIGTERM/);
      expect(r.text('got-term')).toBe('TERM\n');
      expect(processGone(Number(r.text('child.pid').trim()))).toBe(true);
    });

    it('stops the payload the same way when the wrapper itself gets SIGTERM', () => {
      const r = run('signalled');
      expect(r.code).toBe(143);
      const attrs = r.json('worker_attributes.json') as Attrs;
      expect(attrs).toMatchObject({ jobStatus: 'failed', transExitCode: 143, pilotErrorCode: 1201 });
      expect(attrs.pilotErrorDiag).toMatch(/the worker received SIGTERM/);
      expect(r.text('got-term')).toBe('TERM\n');
      expect(processGone(Number(r.text('child.pid').trim()))).toBe(true);
      expect(r.text(WORKER_WRAPPER_FILE_NAMES.exitCode)).toBe('143\n');
    });

    it('escalates to KILL after the grace period, and starts no further job', () => {
      const r = run('killEscalated');
      expect(r.code).toBe(137);
      const first = r.json('901/worker_attributes.json') as Attrs;
      expect(first).toMatchObject({ jobStatus: 'failed', transExitCode: 137, pilotErrorCode: 1200 });
      expect(first.pilotErrorDiag).toMatch(new RegExp(`then SIGKILL after ${KILL_GRACE}s`));
      expect(r.exists('901/got-term')).toBe(false);
      expect(processGone(Number(r.text('901/child.pid').trim()))).toBe(true);
      const second = r.json('902/worker_attributes.json') as Attrs;
      expect(second).toMatchObject({ jobStatus: 'failed', pilotErrorCode: 1201 });
      expect(second.pilotErrorDiag).toMatch(/^not started: kill file kill_worker\.json appeared/);
      expect(r.exists('902/payload.stdout')).toBe(false);
    });

    it('writes valid JSON for paths and messages full of quotes, backslashes and control characters', async () => {
      const r = run('weirdPaths');
      expect(r.ap).toContain('\n');
      expect(r.code).toBe(127);
      const dump = r.json('109/event_status.dump.json') as Record<string, { path: string }[]>;
      expect(dump['109']?.[0]?.path).toBe(join(r.ap, '109', 'out.109.root'));
      const attrs = r.json('110/worker_attributes.json') as Attrs;
      expect(attrs.pilotErrorDiag).toBe('transformation not found: nope "q" \\ \u0001 x');
      expect((r.json('110/jobReport.json') as Attrs).exitMsg).toBe(
        'transformation not found: nope "q" \\ \u0001 x',
      );
      const files = await r.messenger.getFilesToStageOut(r.worker);
      expect(files['109']?.[0]?.path).toBe(join(r.ap, '109', 'out.109.root'));
      for (const name of await readdir(join(r.ap, '109'))) {
        if (name.endsWith('.json') || name.endsWith('.read')) {
          expect(() => JSON.parse(readFileSync(join(r.ap, '109', name), 'utf8'))).not.toThrow();
        }
      }
    });
  });
}
