// Shared set-up of the tests against the fake PanDA server: a communicator with short timeouts
// and retry delays, closed (with the server) after each test.
import type { JobSpec, PluginLogger } from '@harvester-ts/core';
import {
  createRecordingLogger,
  type FakePandaServer,
  makeJobSpec,
  type RecordingLogger,
  testPluginContext,
} from '@harvester-ts/testkit';
import {
  createPandaCommunicator,
  type PandaCommunicatorInstance,
  pandaCommunicatorOptions,
} from '../src/index.js';

const open: { close(): unknown }[] = [];

/** Closes what the test opened (communicators first, then servers). */
export async function closeAll(): Promise<void> {
  const items = open.splice(0);
  for (const item of items) await item.close();
}

export function track<T extends { close(): unknown }>(item: T): T {
  open.push(item);
  return item;
}

export interface Client {
  comm: PandaCommunicatorInstance;
  logger: RecordingLogger;
}

/** A communicator for `server` (options parsed like the host does), harvester ID `h1`. */
export async function clientFor(
  server: FakePandaServer | { url: string },
  extra: Record<string, unknown> = {},
  logger: RecordingLogger = createRecordingLogger(),
): Promise<Client> {
  const options = pandaCommunicatorOptions.parse({
    url: server.url,
    retryBaseDelayMs: 1,
    timeoutSeconds: 10,
    ...extra,
  });
  const comm = await createPandaCommunicator(
    options,
    testPluginContext({ harvesterId: 'h1', logger: logger as PluginLogger }),
  );
  // Close the client before the server (unshift: closed first).
  open.unshift(comm);
  return { comm, logger };
}

/** A running job of SITE_A as the propagator would report it. */
export function runningJob(PandaID: number, attributes: Record<string, unknown> = {}): JobSpec {
  const job = makeJobSpec({ PandaID, computingSite: 'SITE_A', status: 'running', subStatus: 'running' });
  job.nCore = 8;
  job.startTime = new Date('2026-05-01T10:00:00Z');
  job.jobAttributes = { ...(job.jobAttributes ?? {}), ...attributes } as JobSpec['jobAttributes'];
  return job;
}

export const getJobsRequest = (nJobs: number, additionalCriteria: Record<string, string> = {}) => ({
  siteName: 'SITE_A',
  nodeName: 'node-1',
  prodSourceLabel: 'managed',
  computingElement: 'SITE_A',
  nJobs,
  additionalCriteria,
});
