// Access points the way the shared-file messenger writes them for harvester-worker.sh:
// harvester-jobs.list ("." = the job runs in the access point) and harvester-job.env (single-quoted
// POSIX sh assignments, jobPars already split into HARVESTER_JOB_ARG_<i>).
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Monitor, WorkerCheckResult, WorkSpec } from '@harvester-ts/core';
import { makeWorkSpec } from '@harvester-ts/testkit';

function shq(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export async function makeRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'harvester-local-'));
}

/** A harvester id of this test run alone: concurrent runs do not see each other's workers. */
export const HID = `local-test-${process.pid}`;

let nextWorkerID = 1;

/** A worker whose access point runs `/bin/sh -c <script>` as its one job. */
export async function workerWithPayload(
  root: string,
  script: string,
  extra: { nCore?: number; minRamCount?: number } = {},
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
  });
  if (extra.minRamCount !== undefined) worker.minRamCount = extra.minRamCount;
  return worker;
}

/** Polls checkWorkers until the worker's status is `until` (or a final one); returns the last result. */
export async function waitForStatus(
  monitor: Monitor,
  worker: WorkSpec,
  until: (r: WorkerCheckResult) => boolean,
  timeoutMs = 15_000,
): Promise<WorkerCheckResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [result] = await monitor.checkWorkers([worker]);
    if (!result) throw new Error('no result');
    if (until(result) || Date.now() > deadline) return result;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const isFinal = (r: WorkerCheckResult): boolean =>
  r.kind === 'status' && (r.status === 'finished' || r.status === 'failed');

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}
