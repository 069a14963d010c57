// Shared by the tests: plugin instances, scripted command runners (for answers the emulator is
// not made to give), and access points the way the engine's SharedFileMessenger writes them for
// harvester-worker.sh. The generic parts are in @harvester-ts/test-support.
import {
  instantiatePlugin,
  type PluginContext,
  type PluginInstanceMap,
  type WorkSpec,
} from '@harvester-ts/core';
import { WORKER_WRAPPER_PATH } from '@harvester-ts/engine';
import {
  type CommandScript,
  checkPoller,
  makeTempRoot,
  pluginMaker,
  type RecordingRunner,
  scriptedRunner as scriptedRunnerOf,
  testWorkers,
} from '@harvester-ts/test-support';
import { makeWorkSpec, testPluginContext } from '@harvester-ts/testkit';
import {
  type CommandResult,
  type CommandRunner,
  type CondorCommand,
  HTCondorMonitor,
  HTCondorSubmitter,
  HTCondorSweeper,
} from '../src/index.js';

export { isFinal, type RecordedCall, sleep, statusOf, waitFor } from '@harvester-ts/test-support';

/** What the app gives a submitter of this package: the engine's worker wrapper. */
export const EXECUTABLE = ['sh', WORKER_WRAPPER_PATH];

export type Script = CommandScript<CommandResult>;

/** A runner answering from scripts per command. */
export function scriptedRunner(
  scripts: Partial<Record<CondorCommand, Script>>,
): RecordingRunner<CommandRunner> {
  return scriptedRunnerOf(scripts);
}

export async function makeRoot(prefix = 'harvester-htcondor-'): Promise<string> {
  return makeTempRoot(prefix);
}

/** A harvester id of this test run alone. */
export const HID = `condor-test-${process.pid}`;

const workers = testWorkers((workerID, accessPoint) =>
  makeWorkSpec({ workerID, harvesterID: HID, accessPoint, status: 'submitted', submitTime: new Date() }),
);

/** A worker whose access point runs `/bin/sh -c <script>` as its one job (SharedFileMessenger's files). */
export async function workerWithPayload(
  root: string,
  script: string,
  extra: { nCore?: number; maxWalltime?: number } = {},
): Promise<WorkSpec> {
  const worker = await workers.withShellPayload(root, script, { status: 'pending', nCore: extra.nCore ?? 1 });
  if (extra.maxWalltime !== undefined) worker.maxWalltime = extra.maxWalltime;
  return worker;
}

/** A bare worker with an access point (for the scripted tests). */
export async function bareWorker(root: string, extra: Partial<WorkSpec> = {}): Promise<WorkSpec> {
  return workers.bare(root, extra);
}

export function ctxFor(overrides: { queueName?: string } = {}): PluginContext {
  return testPluginContext({ harvesterId: HID, ...overrides });
}

const make = pluginMaker<PluginInstanceMap, PluginContext>(
  '@harvester-ts/htcondor',
  instantiatePlugin,
  ctxFor,
);

export const makeSubmitter = make(HTCondorSubmitter, 'submitter', 'HTCondorSubmitter');
export const makeMonitor = make(HTCondorMonitor, 'monitor', 'HTCondorMonitor');
export const makeSweeper = make(HTCondorSweeper, 'sweeper', 'HTCondorSweeper');

/** Polls checkWorkers (every 300 ms) until `done` holds for every result (or the time is up). */
export const pollUntil = checkPoller(300);
