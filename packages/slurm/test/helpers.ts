// Shared by the tests: plugin instances, command runners that record (and, for the logic tests,
// script) what the plugins run, and access points the way the engine's SharedFileMessenger writes
// them for harvester-worker.sh. The generic parts are in @harvester-ts/test-support.
import {
  instantiatePlugin,
  type PluginContext,
  type PluginInstanceMap,
  type WorkSpec,
} from '@harvester-ts/core';
import {
  type CommandScript,
  checkPoller,
  makeTempRoot,
  pluginMaker,
  type RecordingRunner,
  recordingRunner as recordingRunnerOf,
  scriptedRunner as scriptedRunnerOf,
  testWorkers,
} from '@harvester-ts/test-support';
import { makeWorkSpec, testPluginContext } from '@harvester-ts/testkit';
import {
  type CommandResult,
  type CommandRunner,
  execFileRunner,
  type SlurmCommand,
  SlurmMonitor,
  SlurmSubmitter,
  SlurmSweeper,
} from '../src/index.js';

export { isFinal, type RecordedCall, sleep } from '@harvester-ts/test-support';

/** A runner that records every call and then runs the real command. */
export function recordingRunner(): RecordingRunner<CommandRunner> {
  return recordingRunnerOf(execFileRunner);
}

export type Script = CommandScript<CommandResult>;

/** A runner answering from scripts per command (for decisions Slurm cannot be made to show here). */
export function scriptedRunner(
  scripts: Partial<Record<SlurmCommand, Script>>,
): RecordingRunner<CommandRunner> {
  return scriptedRunnerOf(scripts);
}

export async function makeRoot(prefix = 'harvester-slurm-'): Promise<string> {
  return makeTempRoot(prefix);
}

/** A harvester id of this test run alone. */
export const HID = `slurm-test-${process.pid}`;

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

const make = pluginMaker<PluginInstanceMap, PluginContext>('@harvester-ts/slurm', instantiatePlugin, ctxFor);

export const makeSubmitter = make(SlurmSubmitter, 'submitter', 'SlurmSubmitter');
export const makeMonitor = make(SlurmMonitor, 'monitor', 'SlurmMonitor');
export const makeSweeper = make(SlurmSweeper, 'sweeper', 'SlurmSweeper');

/** Polls checkWorkers for all workers (every second) until `done` holds for every result (or the time is up). */
export const pollUntil = checkPoller(1000);
