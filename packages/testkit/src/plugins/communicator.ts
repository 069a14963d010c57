// Talks to the simulated WMS: every Communicator method.
import {
  type DiagSpec,
  defineCommunicator,
  type EventRange,
  type EventRangeRequest,
  type EventRangeUpdateBatch,
  fatal,
  type GetJobsRequest,
  type HeartbeatData,
  type JobCheck,
  type JobParams,
  type JobSpec,
  type JobUpdateAccepted,
  type Outcome,
  retryLater,
  success,
  type WmsCommand,
  type WorkerStats,
  type WorkSpec,
} from '@harvester-ts/core';
import { WmsGarbledResponseError, WmsUnavailableError } from '../errors.js';
import { option, optionsSchema } from '../options-schema.js';
import { DEFAULT_SIMULATION, requireWms } from '../registry.js';
import type { SimulatedWms, WmsJobUpdate, WmsWorkerUpdate } from '../simulated-wms.js';
import { TESTKIT_COMPATIBILITY } from './common.js';

export const testkitCommunicatorOptions = optionsSchema({
  simulation: option.string(DEFAULT_SIMULATION),
});

/** The diag of a failed WMS call, or rethrows what is not a simulated WMS failure. */
function failureDiag(err: unknown): string {
  if (err instanceof WmsUnavailableError) return `WMS unavailable: ${err.message}`;
  if (err instanceof WmsGarbledResponseError) return `malformed response from the WMS: ${err.raw}`;
  throw err;
}

/** Runs one WMS call for one Outcome: its value on success, retry on a simulated failure. */
async function one<T, V>(body: () => Promise<T>, map: (value: T) => V): Promise<Outcome<V>> {
  let value: T;
  try {
    value = await body();
  } catch (err) {
    return retryLater(failureDiag(err));
  }
  return success(map(value));
}

/** Runs one WMS call; a simulated failure becomes `onFailure(diag)`. */
async function call<T, R>(
  body: () => Promise<T>,
  onSuccess: (value: T) => R,
  onFailure: (diag: string) => R,
): Promise<R> {
  let value: T;
  try {
    value = await body();
  } catch (err) {
    return onFailure(failureDiag(err));
  }
  return onSuccess(value);
}

export function jobUpdateOf(job: JobSpec, lockId: string): WmsJobUpdate {
  return {
    PandaID: job.PandaID,
    status: job.status,
    subStatus: job.subStatus,
    attemptNr: job.attemptNr,
    coreCount: job.nCore,
    startTime: job.startTime,
    endTime: job.endTime,
    attributes: job.jobAttributes,
    metaData: job.metaData,
    outputFilesToReport: job.outputFilesToReport,
    lockId,
  };
}

export function workerUpdateOf(w: WorkSpec): WmsWorkerUpdate {
  return {
    workerID: w.workerID,
    harvesterID: w.harvesterID,
    batchID: w.batchID,
    status: w.status,
    computingSite: w.computingSite,
    queueName: w.queueName,
    nCore: w.nCore,
    nodeID: w.nodeID,
    submitTime: w.submitTime,
    startTime: w.startTime,
    endTime: w.endTime,
    jobType: w.jobType,
    resourceType: w.resourceType,
    nativeExitCode: w.nativeExitCode,
    nativeStatus: w.nativeStatus,
    diagMessage: w.diagMessage,
    nJobs: w.nJobs,
    computingElement: w.computingElement,
    submissionHost: w.submissionHost,
    errorCode: w.errorCode,
    errorDiag: w.errorDiag,
    minRamCount: w.minRamCount,
    pandaIDs: w.getPandaIDs(),
    workAttributes: w.workAttributes,
  };
}

function makeCommunicator(wms: () => SimulatedWms) {
  return {
    getJobs(request: GetJobsRequest): Promise<Outcome<JobParams[]>> {
      return one(
        () =>
          wms().getJobs(request.nJobs, {
            siteName: request.siteName,
            nodeName: request.nodeName,
            prodSourceLabel: request.prodSourceLabel,
            computingElement: request.computingElement,
            additionalCriteria: request.additionalCriteria,
          }),
        (jobs) => jobs,
      );
    },

    updateJobs(jobs: JobSpec[], lockId: string): Promise<Outcome<JobUpdateAccepted>[]> {
      if (jobs.length === 0) return Promise.resolve([]);
      return call(
        () => wms().updateJobs(jobs.map((j) => jobUpdateOf(j, lockId))),
        (replies) =>
          jobs.map((job, i): Outcome<JobUpdateAccepted> => {
            const reply = replies[i];
            if (!reply) return retryLater(`no reply for job ${job.PandaID}`);
            if (!reply.ok) return reply.retryable ? retryLater(reply.error) : fatal(reply.error);
            return success(reply.command === undefined ? {} : { command: reply.command });
          }),
        (diag) => jobs.map(() => retryLater(diag)),
      );
    },

    checkJobs(jobs: JobSpec[]): Promise<Outcome<JobCheck>[]> {
      if (jobs.length === 0) return Promise.resolve([]);
      return call(
        () => wms().checkJobs(jobs.map((j) => j.PandaID)),
        (checks) =>
          jobs.map((job, i): Outcome<JobCheck> => {
            const c = checks[i];
            if (!c) return retryLater(`no answer for job ${job.PandaID}`);
            const check: JobCheck = { active: c.active, status: c.status };
            if (c.command !== undefined) check.command = c.command;
            return success(check);
          }),
        (diag) => jobs.map(() => retryLater(diag)),
      );
    },

    getCommands(nCommands: number): Promise<Outcome<WmsCommand[]>> {
      return one(
        () => wms().getCommands(nCommands),
        (commands) => commands,
      );
    },

    ackCommands(commandIDs: number[]): Promise<Outcome> {
      return one(
        () => wms().ackCommands(commandIDs),
        () => undefined,
      );
    },

    updateWorkers(workers: WorkSpec[]): Promise<Outcome[]> {
      if (workers.length === 0) return Promise.resolve([]);
      return call(
        () => wms().updateWorkers(workers.map(workerUpdateOf)),
        (oks) =>
          workers.map(
            (w, i): Outcome => (oks[i] ? success() : retryLater(`worker ${w.workerID} not updated`)),
          ),
        (diag) => workers.map(() => retryLater(diag)),
      );
    },

    isAlive(data: HeartbeatData): Promise<Outcome> {
      return one(
        () => wms().isAlive({ ...data }),
        () => undefined,
      );
    },

    updateWorkerStats(siteName: string, stats: WorkerStats): Promise<Outcome> {
      return one(
        () => wms().updateWorkerStats(siteName, stats),
        () => undefined,
      );
    },

    getEventRanges(
      requests: EventRangeRequest[],
      _scattered: boolean,
    ): Promise<Outcome<Record<string, EventRange[]>>> {
      return one(
        () => wms().getEventRanges(requests.map((r) => ({ pandaID: r.pandaID, nRanges: r.nRanges }))),
        (ranges) => ranges,
      );
    },

    updateEventRanges(batches: EventRangeUpdateBatch[]): Promise<Outcome[]> {
      if (batches.length === 0) return Promise.resolve([]);
      return call(
        () => wms().updateEventRanges(batches),
        (replies) =>
          batches.map((b, i): Outcome => {
            const reply = replies[i];
            if (!reply) return retryLater(`no reply for the events of job ${b.pandaID}`);
            if (!reply.ok) return reply.retryable ? retryLater(reply.error) : fatal(reply.error);
            return success();
          }),
        (diag) => batches.map(() => retryLater(diag)),
      );
    },

    sendDialogMessages(dialogs: DiagSpec[]): Promise<Outcome> {
      return one(
        () =>
          wms().sendDialogMessages(
            dialogs.map((d) => ({
              diagID: d.diagID,
              moduleName: d.moduleName,
              identifier: d.identifier,
              creationTime: d.creationTime,
              messageLevel: d.messageLevel,
              diagMessage: d.diagMessage,
            })),
          ),
        () => undefined,
      );
    },
  };
}

/**
 * Communicator for the simulated WMS (every method). A WMS that is unavailable or answers garbage
 * gives retry outcomes (for every item of a bulk call); a per-job refusal is retry or fatal as
 * the WMS said; a kill request comes back as `command: 'tobekilled'` on the job's update.
 */
export const TestkitCommunicator = defineCommunicator({
  name: 'TestkitCommunicator',
  compatibility: TESTKIT_COMPATIBILITY,
  description: 'Talks to a SimulatedWms registered with registerSimulation().',
  options: testkitCommunicatorOptions,
  create(options) {
    return makeCommunicator(() => requireWms(options.simulation).wms);
  },
});
