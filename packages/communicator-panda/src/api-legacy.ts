// The legacy API (/server/panda/<method>) of servers older than May 2026: form-encoded POSTs
// whose list and object parameters are JSON strings; answers are JSON protocol objects
// ({StatusCode, ...}) or `[bool, value]` pairs. A Python TypeError about the arguments (HTTP 500)
// is turned into a 'refused' request error by the transport; in a `[false, "... TypeError ..."]`
// answer of updateJobsInBulk it concerns one job of the list, so the jobs are sent again one by one.
import {
  fatal,
  type JobUpdateAccepted,
  legacyUpdateJobsInBulkForm,
  type Outcome,
  pandaJobUpdateLegacy,
  retryLater,
  schedulerIDFor,
  success,
} from '@harvester-ts/core';
import { each, eventReturnsOutcomes, type PandaCall, type PandaDialect } from './api.js';
import { eventRangesOf, jobCheckOf, workerOutcomes } from './api-v1.js';
import {
  LEGACY_GETJOB_CRITERIA,
  pandaDialogRecord,
  pandaEventUpdateList,
  pandaHeartbeatData,
  pandaWorkerRecord,
  requestFields,
} from './records.js';
import {
  answerDiag,
  type HttpAnswer,
  isRecord,
  maybeJsonString,
  PandaStatusCode,
  type Parsed,
  parseLegacyObject,
  parseLegacyPair,
  REFUSED_JOB_STATUS_CODES,
  snippet,
  statusCodeOf,
} from './responses.js';

/** v1-style getJobCriteria names → the legacy getJob parameter. */
const LEGACY_CRITERIA_ALIASES: Readonly<Record<string, string>> = {
  resource_type: 'resourceType',
  job_type: 'jobType',
  task_id: 'taskID',
  prod_user_id: 'prodUserID',
  get_proxy_key: 'getProxyKey',
  disk_space: 'diskSpace',
  memory: 'mem',
  via_topic: 'viaTopic',
  workerID: 'worker_id',
  remainingTime: 'remaining_time',
};

function form(endpoint: string, params: Record<string, unknown>): PandaCall {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    out[k] = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return { endpoint, method: 'POST', form: out };
}

type Read<T> = { ok: true; value: T } | { ok: false; outcome: Outcome<never> };

function readWith<T>(parsed: Parsed<T>): Read<T> {
  return parsed.ok ? parsed : { ok: false, outcome: retryLater(parsed.diag) };
}

/** A protocol object whose StatusCode must be 0. */
function protocol(answer: HttpAnswer): Read<Record<string, unknown>> {
  const r = readWith(parseLegacyObject(answer));
  if (!r.ok) return r;
  const code = statusCodeOf(r.value);
  if (code === PandaStatusCode.success) return r;
  const dialog = typeof r.value.errorDialog === 'string' ? ` ${r.value.errorDialog}` : '';
  return {
    ok: false,
    outcome: retryLater(
      code === undefined
        ? answerDiag(answer, 'no StatusCode')
        : `${answer.endpoint}: StatusCode=${code}${dialog}`,
    ),
  };
}

/** A `[bool, value]` answer whose flag must be true. */
function pair(answer: HttpAnswer): Read<unknown> {
  const r = readWith(parseLegacyPair(answer));
  if (!r.ok) return r;
  const [ok, value] = r.value;
  if (ok) return { ok: true, value };
  const message = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  const diag = `${answer.endpoint}: ${snippet(message)}`;
  // An exception about the arguments (bad key or JSON) fails the same way every time.
  return {
    ok: false,
    outcome: /TypeError|failed to load JSON/.test(message) ? fatal(diag) : retryLater(diag),
  };
}

function pairPlain(answer: HttpAnswer): Outcome {
  const r = pair(answer);
  return r.ok ? success() : r.outcome;
}

/** One item of updateJobsInBulk: `{type: "json", content: "<updateJob answer as JSON>"}`. */
function legacyJobUpdateItem(
  answer: HttpAnswer,
  item: unknown,
  pandaID: number,
  index: number,
  total: number,
  received: number,
): Outcome<JobUpdateAccepted> {
  const where = `${answer.endpoint}: job ${pandaID}`;
  if (index >= received)
    return retryLater(`${where}: no answer (the server answered ${received} of ${total} jobs)`);
  const content = isRecord(item) ? maybeJsonString(item.content) : undefined;
  const code = isRecord(content) ? statusCodeOf(content) : undefined;
  if (!isRecord(content) || code === undefined)
    return retryLater(`${where}: malformed answer item: ${snippet(JSON.stringify(item) ?? String(item))}`);
  if (code === PandaStatusCode.success) {
    const command = content.command;
    return success(typeof command === 'string' && command !== '' && command !== 'NULL' ? { command } : {});
  }
  const why = typeof content.ErrorDiag === 'string' ? ` ${content.ErrorDiag}` : '';
  // StatusCode 30 is not among them: the server may just have failed to apply it (retried).
  if (REFUSED_JOB_STATUS_CODES.has(code)) return fatal(`${where} refused: StatusCode=${code}${why}`);
  return retryLater(`${where} not updated: StatusCode=${code}${why}`);
}

export const legacyDialect: PandaDialect = {
  api: 'legacy',
  basePath: '/server/panda',

  getJobs(request, harvesterId) {
    const f = requestFields(request);
    const params: Record<string, unknown> = {
      siteName: f.siteName,
      node: f.node,
      prodSourceLabel: f.prodSourceLabel,
      computingElement: f.computingElement,
      nJobs: request.nJobs,
      schedulerID: schedulerIDFor(harvesterId),
      harvester_id: harvesterId,
    };
    const dropped: string[] = [];
    for (const [key, value] of Object.entries(request.additionalCriteria ?? {})) {
      const name = LEGACY_GETJOB_CRITERIA.has(key) ? key : LEGACY_CRITERIA_ALIASES[key];
      if (name === undefined) dropped.push(key);
      else params[name] = value;
    }
    return { call: { ...form('getJob', params), idempotent: false, redactAnswer: true }, dropped };
  },

  getJobsResult(received) {
    // Job dictionaries carry secrets (user proxies, tokens): no body in any diagnostic.
    const answer: HttpAnswer = { ...received, redact: true };
    const r = readWith(parseLegacyObject(answer));
    if (!r.ok) return r.outcome;
    const code = statusCodeOf(r.value);
    if (code === PandaStatusCode.noJobs) return success([]);
    if (code !== PandaStatusCode.success) {
      const dialog = typeof r.value.errorDialog === 'string' ? ` ${r.value.errorDialog}` : '';
      return retryLater(
        code === undefined
          ? answerDiag(answer, 'no StatusCode')
          : `${answer.endpoint}: StatusCode=${code}${dialog}`,
      );
    }
    // With nJobs the server answers {jobs: [...]}; a server that ignores it, one job dictionary.
    if (r.value.jobs === undefined) return success('PandaID' in r.value ? [r.value] : []);
    const jobs = maybeJsonString(r.value.jobs);
    if (!Array.isArray(jobs)) return retryLater(answerDiag(answer, 'jobs is not a list'));
    return success(jobs);
  },

  updateJobs(jobs, harvesterId) {
    const body = legacyUpdateJobsInBulkForm(
      jobs.map((j) => pandaJobUpdateLegacy(j)),
      harvesterId,
    );
    return { endpoint: 'updateJobsInBulk', method: 'POST', form: body };
  },

  updateJobsResult(answer, jobs) {
    const r = pair(answer);
    if (!r.ok) {
      // One bad job fails the whole list: only a list of one says which job the server refuses.
      if (r.outcome.kind === 'fatal' && jobs.length > 1)
        return each(
          jobs.length,
          retryLater(`${r.outcome.diag} (for one of the ${jobs.length} jobs sent together)`),
        );
      return each(jobs.length, r.outcome);
    }
    const list = r.value;
    if (!Array.isArray(list))
      return each(jobs.length, retryLater(answerDiag(answer, 'the results are not a list')));
    return jobs.map((job, i) =>
      legacyJobUpdateItem(answer, list[i], job.PandaID, i, jobs.length, list.length),
    );
  },

  updateJobsRefusedAsWhole(answer) {
    const r = pair(answer);
    return !r.ok && r.outcome.kind === 'fatal';
  },

  checkJobs(pandaIDs) {
    return form('checkJobStatus', { ids: pandaIDs.join(',') });
  },

  checkJobsResult(answer, pandaIDs) {
    const r = protocol(answer);
    if (!r.ok) return each(pandaIDs.length, r.outcome);
    const data = maybeJsonString(r.value.data);
    if (!Array.isArray(data))
      return each(pandaIDs.length, retryLater(answerDiag(answer, 'data is not a list')));
    return pandaIDs.map((id, i) => {
      const where = `${answer.endpoint}: job ${id}`;
      if (i >= data.length)
        return retryLater(
          `${where}: no answer (the server answered ${data.length} of ${pandaIDs.length} jobs)`,
        );
      const item = data[i];
      if (!isRecord(item) || typeof item.status !== 'string')
        return retryLater(
          `${where}: malformed answer item: ${snippet(JSON.stringify(item) ?? String(item))}`,
        );
      return success(jobCheckOf(item.status, item.command));
    });
  },

  getEventRanges(request, nRanges, scattered) {
    if (request.jobsetID === undefined)
      return `event ranges of job ${request.pandaID}: no jobsetID in the request (getEventRanges requires it)`;
    return {
      ...form('getEventRanges', {
        pandaID: request.pandaID,
        jobsetID: request.jobsetID,
        taskID: request.taskID,
        nRanges,
        // The server tests the string "True".
        scattered: scattered ? 'True' : undefined,
      }),
      idempotent: false,
    };
  },

  getEventRangesResult(answer) {
    const r = protocol(answer);
    if (!r.ok) return r.outcome;
    return eventRangesOf(answer, { ...r.value, StatusCode: 0 });
  },

  updateEventRanges(batches) {
    return form('updateEventRanges', {
      eventRanges: JSON.stringify(pandaEventUpdateList(batches)),
      version: 1,
    });
  },

  updateEventRangesResult(answer, batches) {
    const r = protocol(answer);
    if (!r.ok) return each(batches.length, r.outcome);
    const returns = maybeJsonString(r.value.Returns);
    if (!Array.isArray(returns))
      return each(batches.length, retryLater(answerDiag(answer, 'no Returns list')));
    return eventReturnsOutcomes(returns, batches, answer.endpoint);
  },

  getCommands(nCommands, harvesterId) {
    return {
      ...form('getCommands', { harvester_id: harvesterId, n_commands: nCommands }),
      idempotent: false,
    };
  },

  getCommandsResult(answer) {
    const r = protocol(answer);
    if (!r.ok) return r.outcome;
    if (typeof r.value.Returns === 'number' && r.value.Returns !== 0)
      return retryLater(`${answer.endpoint}: Returns=${r.value.Returns}`);
    const commands = maybeJsonString(r.value.Commands ?? []);
    if (!Array.isArray(commands)) return retryLater(answerDiag(answer, 'Commands is not a list'));
    return success(commands);
  },

  ackCommands(commandIDs) {
    return form('ackCommands', { command_ids: JSON.stringify(commandIDs) });
  },

  ackCommandsResult(answer) {
    const r = protocol(answer);
    if (!r.ok) return r.outcome;
    if (typeof r.value.Returns === 'number' && r.value.Returns !== 0)
      return retryLater(`${answer.endpoint}: Returns=${r.value.Returns}`);
    return success();
  },

  updateWorkers(workers, harvesterId) {
    return form('updateWorkers', {
      harvesterID: harvesterId,
      workers: JSON.stringify(workers.map(pandaWorkerRecord)),
    });
  },

  updateWorkersResult(answer, workers) {
    const r = pair(answer);
    if (!r.ok) return each(workers.length, r.outcome);
    return workerOutcomes(answer, r.value, workers);
  },

  isAlive(data, harvesterId) {
    return form('harvesterIsAlive', {
      harvesterID: harvesterId,
      data: JSON.stringify(pandaHeartbeatData(data)),
    });
  },

  isAliveResult: pairPlain,

  updateWorkerStats(siteName, stats, harvesterId) {
    return form('reportWorkerStats_jobtype', {
      harvesterID: harvesterId,
      siteName,
      paramsList: JSON.stringify(stats),
    });
  },

  updateWorkerStatsResult: pairPlain,

  sendDialogMessages(dialogs, harvesterId) {
    return form('addHarvesterDialogs', {
      harvesterID: harvesterId,
      dialogs: JSON.stringify(dialogs.map(pandaDialogRecord)),
    });
  },

  sendDialogMessagesResult: pairPlain,
};
