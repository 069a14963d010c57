// Shared by the tests: plugin instances, scripted command runners (for answers the emulator is
// not made to give), and access points the way the engine's SharedFileMessenger writes them for
// harvester-worker.sh.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  instantiatePlugin,
  type Monitor,
  type PluginContext,
  type Submitter,
  type Sweeper,
  type WorkerCheckResult,
  type WorkSpec,
} from '@harvester-ts/core';
import { WORKER_WRAPPER_PATH } from '@harvester-ts/engine';
import { makeWorkSpec, testPluginContext } from '@harvester-ts/testkit';
import {
  type CommandResult,
  type CommandRunner,
  type CondorCommand,
  HTCondorMonitor,
  HTCondorSubmitter,
  HTCondorSweeper,
} from '../src/index.js';

/** What the app gives a submitter of this package: the engine's worker wrapper. */
export const EXECUTABLE = ['sh', WORKER_WRAPPER_PATH];

export interface RecordedCall {
  command: string;
  args: readonly string[];
}

export type Script = (args: readonly string[]) => Partial<CommandResult> | Promise<Partial<CommandResult>>;

/** A runner answering from scripts per command. */
export function scriptedRunner(scripts: Partial<Record<CondorCommand, Script>>): {
  calls: RecordedCall[];
  runner: CommandRunner;
  count(command: string): number;
} {
  const calls: RecordedCall[] = [];
  const runner: CommandRunner = async (file, args) => {
    const command = basename(file) as CondorCommand;
    calls.push({ command, args });
    const script = scripts[command];
    if (!script) throw new Error(`unexpected ${command} ${args.join(' ')}`);
    const r = await script(args);
    return { code: 0, signal: null, stdout: '', stderr: '', timedOut: false, ...r };
  };
  return { calls, runner, count: (command) => calls.filter((c) => c.command === command).length };
}

export async function makeRoot(prefix = 'harvester-htcondor-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A harvester id of this test run alone. */
export const HID = `condor-test-${process.pid}`;

let nextWorkerID = 1;

function shq(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A worker whose access point runs `/bin/sh -c <script>` as its one job (SharedFileMessenger's files). */
export async function workerWithPayload(
  root: string,
  script: string,
  extra: { nCore?: number; maxWalltime?: number } = {},
): Promise<WorkSpec> {
  const workerID = nextWorkerID++;
  const accessPoint = join(root, `w${workerID}`);
  await mkdir(accessPoint, { recursive: true });
  await writeFile(join(accessPoint, 'harvester-jobs.list'), '.\n');
  const env = [
    `HARVESTER_PANDA_ID=${shq(String(1000 + workerID))}`,
    `HARVESTER_TASK_ID=${shq('1')}`,
    `HARVESTER_TRANSFORMATION=${shq('/bin/sh')}`,
    `HARVESTER_JOB_PARS=${shq(`-c ${script}`)}`,
    `HARVESTER_JOB_ARGC=${shq('2')}`,
    `HARVESTER_JOB_ARG_1=${shq('-c')}`,
    `HARVESTER_JOB_ARG_2=${shq(script)}`,
  ];
  await writeFile(join(accessPoint, 'harvester-job.env'), `${env.join('\n')}\n`);
  const worker = makeWorkSpec({
    workerID,
    harvesterID: HID,
    accessPoint,
    status: 'pending',
    nCore: extra.nCore ?? 1,
    submitTime: new Date(),
  });
  if (extra.maxWalltime !== undefined) worker.maxWalltime = extra.maxWalltime;
  return worker;
}

/** A bare worker with an access point (for the scripted tests). */
export async function bareWorker(root: string, extra: Partial<WorkSpec> = {}): Promise<WorkSpec> {
  const workerID = nextWorkerID++;
  const accessPoint = join(root, `w${workerID}`);
  await mkdir(accessPoint, { recursive: true });
  const worker = makeWorkSpec({
    workerID,
    harvesterID: HID,
    accessPoint,
    status: 'submitted',
    submitTime: new Date(),
  });
  Object.assign(worker, extra);
  return worker;
}

export function ctxFor(overrides: { queueName?: string } = {}): PluginContext {
  return testPluginContext({ harvesterId: HID, ...overrides });
}

const where = (ctx: PluginContext, section: string, exportName: string) => ({
  queue: ctx.queueName,
  section,
  module: '@harvester-ts/htcondor',
  exportName,
});

export async function makeSubmitter(options: Record<string, unknown>, ctx = ctxFor()): Promise<Submitter> {
  return instantiatePlugin(
    HTCondorSubmitter,
    'submitter',
    options,
    ctx,
    where(ctx, 'submitter', 'HTCondorSubmitter'),
  );
}

export async function makeMonitor(options: Record<string, unknown>, ctx = ctxFor()): Promise<Monitor> {
  return instantiatePlugin(
    HTCondorMonitor,
    'monitor',
    options,
    ctx,
    where(ctx, 'monitor', 'HTCondorMonitor'),
  );
}

export async function makeSweeper(options: Record<string, unknown>, ctx = ctxFor()): Promise<Sweeper> {
  return instantiatePlugin(
    HTCondorSweeper,
    'sweeper',
    options,
    ctx,
    where(ctx, 'sweeper', 'HTCondorSweeper'),
  );
}

export const isFinal = (r: WorkerCheckResult | undefined): boolean =>
  r?.kind === 'status' && (r.status === 'finished' || r.status === 'failed' || r.status === 'cancelled');

export const statusOf = (r: WorkerCheckResult | undefined) => (r?.kind === 'status' ? r.status : r?.kind);

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Polls checkWorkers until `done` holds for every result (or the time is up). */
export async function pollUntil(
  monitor: Monitor,
  workers: WorkSpec[],
  done: (r: WorkerCheckResult | undefined) => boolean,
  timeoutMs: number,
  onCycle?: (results: WorkerCheckResult[]) => void,
): Promise<WorkerCheckResult[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const results = await monitor.checkWorkers(workers);
    onCycle?.(results);
    if (results.every(done) || Date.now() > deadline) return results;
    await sleep(300);
  }
}

/** Waits until `cond` holds (polling), failing after `timeoutMs`. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
