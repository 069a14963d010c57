// What the two server APIs have in common: a call description (endpoint, method, parameters)
// that the communicator sends, and a dialect per API that builds the calls and reads their
// answers into Outcomes. Dialects are pure: no I/O, so they are tested on literal answers.
import {
  type DiagSpec,
  type EventRange,
  type EventRangeRequest,
  type EventRangeUpdateBatch,
  fatal,
  type GetJobsRequest,
  type HeartbeatData,
  type JobCheck,
  type JobSpec,
  type JobUpdateAccepted,
  type Outcome,
  retryLater,
  success,
  type WorkerStats,
  type WorkSpec,
} from '@harvester-ts/core';
import { FINAL_EVENT_STATUSES } from './records.js';
import type { HttpAnswer } from './responses.js';

/** One request to the server, before credentials and transport. */
export interface PandaCall {
  /** `<module>/<method>` (v1) or `<method>` (legacy). */
  endpoint: string;
  method: 'GET' | 'POST';
  /** GET parameters, in order; a list is repeated keys. */
  query?: [string, string][];
  /** POST body sent as JSON (API v1). */
  json?: Record<string, unknown>;
  /** POST body sent form-encoded (legacy API). */
  form?: Record<string, string>;
  /**
   * False for calls that hand something out (jobs, commands, event ranges): a retry after the
   * server may have done so would strand them, so the transport sends it again only when it
   * never reached the server. Default true.
   */
  idempotent?: boolean;
  /** The answer may hold secrets (job dictionaries): diagnostics never quote its body. */
  redactAnswer?: boolean;
}

/** The getJobs call, with the criteria that could not be passed on. */
export interface JobsCall {
  call: PandaCall;
  /** getJobCriteria keys the API has no parameter for (left out). */
  dropped: string[];
}

/** Builds the calls of one server API and reads their answers. */
export interface PandaDialect {
  readonly api: 'v1' | 'legacy';
  /** The path under the base URL the endpoints live in. */
  readonly basePath: string;

  getJobs(request: GetJobsRequest, harvesterId: string): JobsCall;
  /** The job dictionaries as answered (validated by the caller). */
  getJobsResult(answer: HttpAnswer): Outcome<unknown[]>;

  updateJobs(jobs: readonly JobSpec[], harvesterId: string): PandaCall;
  updateJobsResult(answer: HttpAnswer, jobs: readonly JobSpec[]): Outcome<JobUpdateAccepted>[];
  /**
   * Whether an updateJobs answer refuses the whole request for an argument error of some job
   * (the legacy API fails the whole list for one bad job): the jobs are then sent one by one, so
   * that only the bad one is refused.
   */
  updateJobsRefusedAsWhole(answer: HttpAnswer): boolean;

  checkJobs(pandaIDs: readonly number[]): PandaCall;
  checkJobsResult(answer: HttpAnswer, pandaIDs: readonly number[]): Outcome<JobCheck>[];

  /** The call for `nRanges` ranges of one job, or why the request cannot be sent. */
  getEventRanges(request: EventRangeRequest, nRanges: number, scattered: boolean): PandaCall | string;
  getEventRangesResult(answer: HttpAnswer): Outcome<EventRange[]>;

  updateEventRanges(batches: readonly EventRangeUpdateBatch[]): PandaCall;
  updateEventRangesResult(answer: HttpAnswer, batches: readonly EventRangeUpdateBatch[]): Outcome[];

  getCommands(nCommands: number, harvesterId: string): PandaCall;
  /** The command entries as answered (parsed by the caller). */
  getCommandsResult(answer: HttpAnswer): Outcome<unknown[]>;

  ackCommands(commandIDs: readonly number[]): PandaCall;
  ackCommandsResult(answer: HttpAnswer): Outcome;

  updateWorkers(workers: readonly WorkSpec[], harvesterId: string): PandaCall;
  updateWorkersResult(answer: HttpAnswer, workers: readonly WorkSpec[]): Outcome[];

  isAlive(data: HeartbeatData, harvesterId: string): PandaCall;
  isAliveResult(answer: HttpAnswer): Outcome;

  updateWorkerStats(siteName: string, stats: WorkerStats, harvesterId: string): PandaCall;
  updateWorkerStatsResult(answer: HttpAnswer): Outcome;

  sendDialogMessages(dialogs: readonly DiagSpec[], harvesterId: string): PandaCall;
  sendDialogMessagesResult(answer: HttpAnswer): Outcome;
}

/** The same outcome for each of `n` items. */
export function each<T>(n: number, outcome: Outcome<T>): Outcome<T>[] {
  return Array.from({ length: n }, () => outcome);
}

/**
 * Per-batch outcomes of an event update from the server's flat `Returns` list (one entry per
 * range, in order): true applied, false refused for good (Harvester treats both as done), null
 * skipped — expected for a non-final event status, otherwise (over the server's per-call limit)
 * to be sent again. A missing entry is to be sent again.
 */
export function eventReturnsOutcomes(
  returns: readonly unknown[],
  batches: readonly EventRangeUpdateBatch[],
  endpoint: string,
): Outcome[] {
  let k = 0;
  return batches.map((batch) => {
    const again: string[] = [];
    const refused: string[] = [];
    for (const range of batch.eventRanges) {
      const v = returns[k++];
      if (v === true) continue;
      if (v === false) refused.push(range.eventRangeID);
      else if (v === null && !FINAL_EVENT_STATUSES.has(range.eventStatus)) continue;
      else again.push(range.eventRangeID);
    }
    const list = (ids: string[]) => `${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}`;
    if (again.length > 0)
      return retryLater(
        `${endpoint}: ${again.length} event range(s) of job ${batch.pandaID} not applied (no or null answer): ${list(again)}`,
      );
    if (refused.length > 0)
      return fatal(
        `${endpoint}: the server refused ${refused.length} event range(s) of job ${batch.pandaID}: ${list(refused)}`,
      );
    return success();
  });
}
