// Workers for the tests: access points the way the shared-file messenger writes them for
// harvester-worker.sh (see @harvester-ts/test-support's writeShellPayload).
import type { Monitor, WorkerCheckResult, WorkSpec } from '@harvester-ts/core';
import { isFinishedOrFailed, makeTempRoot, testWorkers, waitForCheck } from '@harvester-ts/test-support';
import { makeWorkSpec } from '@harvester-ts/testkit';

export { sleep } from '@harvester-ts/test-support';

export async function makeRoot(): Promise<string> {
  return makeTempRoot('harvester-local-');
}

/** A harvester id of this test run alone: concurrent runs do not see each other's workers. */
export const HID = `local-test-${process.pid}`;

const workers = testWorkers((workerID, accessPoint) =>
  makeWorkSpec({ workerID, harvesterID: HID, accessPoint, status: 'pending' }),
);

/** A worker whose access point runs `/bin/sh -c <script>` as its one job. */
export async function workerWithPayload(
  root: string,
  script: string,
  extra: { nCore?: number; minRamCount?: number } = {},
): Promise<WorkSpec> {
  const worker = await workers.withShellPayload(root, script, { nCore: extra.nCore ?? 1 });
  if (extra.minRamCount !== undefined) worker.minRamCount = extra.minRamCount;
  return worker;
}

/** Polls checkWorkers until the worker's status is `until` (or a final one); returns the last result. */
export const waitForStatus: (
  monitor: Monitor,
  worker: WorkSpec,
  until: (r: WorkerCheckResult) => boolean,
  timeoutMs?: number,
) => Promise<WorkerCheckResult> = waitForCheck;

export const isFinal: (r: WorkerCheckResult) => boolean = isFinishedOrFailed;
