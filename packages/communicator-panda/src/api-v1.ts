// API v1 (/api/v1/<module>/<method>): GET with query parameters (lists as repeated keys), POST
// with a JSON body, answers in a {success, message, data} envelope. Argument errors come back
// as HTTP 200 with success=false and are fatal; any other success=false is retried later.
import {
  type EventRange,
  fatal,
  type JobCheck,
  type JobUpdateAccepted,
  type Outcome,
  pandaJobUpdateV1,
  pandaUpdateJobsBulkBody,
  retryLater,
  schedulerIDFor,
  success,
} from '@harvester-ts/core';
import { each, eventReturnsOutcomes, type PandaCall, type PandaDialect } from './api.js';
import {
  INACTIVE_JOB_STATUSES,
  pandaDialogRecord,
  pandaEventUpdateList,
  pandaHeartbeatData,
  pandaWorkerRecord,
  requestFields,
  V1_ACQUIRE_CRITERIA,
  v1CriterionValue,
} from './records.js';
import {
  answerDiag,
  type Envelope,
  type HttpAnswer,
  isArgumentErrorMessage,
  isRecord,
  maybeJsonString,
  PandaStatusCode,
  parseEnvelope,
  REFUSED_JOB_STATUS_CODES,
  snippet,
  statusCodeOf,
} from './responses.js';

type Read = { ok: true; envelope: Envelope } | { ok: false; outcome: Outcome<never> };

/** The envelope of an answer; what is not one is a failure to retry (the items are not at fault). */
function read(answer: HttpAnswer): Read {
  const parsed = parseEnvelope(answer);
  return parsed.ok ? { ok: true, envelope: parsed.value } : { ok: false, outcome: retryLater(parsed.diag) };
}

/** A success=false envelope: fatal for an argument error, else to retry. */
function refusal(answer: HttpAnswer, envelope: Envelope): Outcome<never> {
  const diag = `${answer.endpoint}: ${envelope.message || 'success=false without a message'}`;
  return isArgumentErrorMessage(envelope.message) ? fatal(diag) : retryLater(diag);
}

/** Success when the envelope says so (calls whose data carries nothing). */
function plain(answer: HttpAnswer): Outcome {
  const r = read(answer);
  if (!r.ok) return r.outcome;
  return r.envelope.success ? success() : refusal(answer, r.envelope);
}

function post(endpoint: string, json: Record<string, unknown>): PandaCall {
  return { endpoint, method: 'POST', json };
}

/** One item of pilot/update_jobs_bulk's answer list. */
function jobUpdateItem(
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
  if (!isRecord(item) || typeof item.success !== 'boolean')
    return retryLater(`${where}: malformed answer item: ${snippet(JSON.stringify(item) ?? String(item))}`);
  const data = isRecord(item.data) ? item.data : undefined;
  const code = data ? statusCodeOf(data) : undefined;
  const message = typeof item.message === 'string' ? item.message : '';
  const errorDiag = data && typeof data.ErrorDiag === 'string' ? data.ErrorDiag : '';
  const detail = [code !== undefined ? `StatusCode=${code}` : '', errorDiag || message]
    .filter(Boolean)
    .join(' ');
  if (item.success && (code === undefined || code === PandaStatusCode.success)) {
    const command = data?.command;
    return success(typeof command === 'string' && command !== '' && command !== 'NULL' ? { command } : {});
  }
  // StatusCode 30 is not among them: the server may just have failed to apply it (retried).
  if (code !== undefined && REFUSED_JOB_STATUS_CODES.has(code)) return fatal(`${where} refused: ${detail}`);
  if (isArgumentErrorMessage(message)) return fatal(`${where} refused: ${detail}`);
  return retryLater(`${where} not updated: ${detail || 'success=false'}`);
}

/** One item of job/get_status's answer list. */
function jobCheckItem(
  answer: HttpAnswer,
  item: unknown,
  pandaID: number,
  index: number,
  total: number,
  received: number,
): Outcome<JobCheck> {
  const where = `${answer.endpoint}: job ${pandaID}`;
  if (index >= received)
    return retryLater(`${where}: no answer (the server answered ${received} of ${total} jobs)`);
  if (!isRecord(item) || typeof item.status !== 'string')
    return retryLater(`${where}: malformed answer item: ${snippet(JSON.stringify(item) ?? String(item))}`);
  return success(jobCheckOf(item.status, item.command));
}

export function jobCheckOf(status: string, command: unknown): JobCheck {
  const check: JobCheck = { active: !INACTIVE_JOB_STATUSES.has(status), status };
  if (typeof command === 'string' && command !== '' && command !== 'NULL') check.command = command;
  return check;
}

/** Event ranges of an answer: the bare list (the server) or {StatusCode, eventRanges} (Harvester's reading). */
export function eventRangesOf(answer: HttpAnswer, data: unknown): Outcome<EventRange[]> {
  let list: unknown = data;
  if (isRecord(data)) {
    const code = statusCodeOf(data);
    if (code !== undefined && code !== PandaStatusCode.success)
      return retryLater(answerDiag(answer, `StatusCode=${code}`));
    list = maybeJsonString(data.eventRanges ?? []);
  }
  if (list === null || list === undefined) return success([]);
  if (!Array.isArray(list)) return retryLater(answerDiag(answer, 'the event ranges are not a list'));
  const ranges = list.filter(
    (r): r is EventRange => isRecord(r) && typeof r.eventRangeID === 'string' && r.eventRangeID !== '',
  );
  const bad = list.length - ranges.length;
  return bad > 0
    ? success(ranges, `${answer.endpoint}: ${bad} event range(s) without an eventRangeID ignored`)
    : success(ranges);
}

export const v1Dialect: PandaDialect = {
  api: 'v1',
  basePath: '/api/v1',

  getJobs(request, harvesterId) {
    const f = requestFields(request);
    const json: Record<string, unknown> = { site_name: f.siteName };
    if (f.node !== undefined) json.node = f.node;
    if (f.prodSourceLabel !== undefined) json.prod_source_label = f.prodSourceLabel;
    if (f.computingElement !== undefined) json.computing_element = f.computingElement;
    json.n_jobs = request.nJobs;
    json.scheduler_id = schedulerIDFor(harvesterId);
    json.harvester_id = harvesterId;
    // getJobCriteria keys go under their v1 names (resourceType → resource_type); a key v1 has
    // no parameter for would make the server refuse the whole call, so it is left out.
    const dropped: string[] = [];
    for (const [key, value] of Object.entries(request.additionalCriteria ?? {})) {
      const name = V1_ACQUIRE_CRITERIA[key];
      if (name === undefined) dropped.push(key);
      else json[name] = v1CriterionValue(name, value);
    }
    return { call: { ...post('pilot/acquire_jobs', json), idempotent: false, redactAnswer: true }, dropped };
  },

  getJobsResult(received) {
    // Job dictionaries carry secrets (user proxies, tokens): no body in any diagnostic.
    const answer: HttpAnswer = { ...received, redact: true };
    const r = read(answer);
    if (!r.ok) return r.outcome;
    const { envelope } = r;
    if (!envelope.success) {
      if (/no jobs/i.test(envelope.message)) return success([]);
      return refusal(answer, envelope);
    }
    const data = envelope.data;
    if (Array.isArray(data)) return success(data);
    if (!isRecord(data)) return retryLater(answerDiag(answer, 'data is not {StatusCode, jobs}'));
    const code = statusCodeOf(data);
    if (code === PandaStatusCode.noJobs) return success([]);
    if (code !== undefined && code !== PandaStatusCode.success) {
      const why = typeof data.errorDialog === 'string' ? ` ${data.errorDialog}` : '';
      return retryLater(`${answer.endpoint}: StatusCode=${code}${why}`);
    }
    const jobs = data.jobs ?? [];
    if (!Array.isArray(jobs)) return retryLater(answerDiag(answer, 'data.jobs is not a list'));
    return success(jobs);
  },

  updateJobs(jobs, harvesterId) {
    return post(
      'pilot/update_jobs_bulk',
      pandaUpdateJobsBulkBody(
        jobs.map((j) => pandaJobUpdateV1(j)),
        harvesterId,
      ),
    );
  },

  updateJobsResult(answer, jobs) {
    const r = read(answer);
    if (!r.ok) return each(jobs.length, r.outcome);
    if (!r.envelope.success) return each(jobs.length, refusal(answer, r.envelope));
    const data = r.envelope.data;
    if (!Array.isArray(data)) return each(jobs.length, retryLater(answerDiag(answer, 'data is not a list')));
    return jobs.map((job, i) => jobUpdateItem(answer, data[i], job.PandaID, i, jobs.length, data.length));
  },

  // The answer is per job (success=false per item), never a refusal of the whole list.
  updateJobsRefusedAsWhole: () => false,

  checkJobs(pandaIDs) {
    return {
      endpoint: 'job/get_status',
      method: 'GET',
      query: pandaIDs.map((id) => ['job_ids', String(id)]),
    };
  },

  checkJobsResult(answer, pandaIDs) {
    const r = read(answer);
    if (!r.ok) return each(pandaIDs.length, r.outcome);
    if (!r.envelope.success) return each(pandaIDs.length, refusal(answer, r.envelope));
    const data = r.envelope.data;
    if (!Array.isArray(data))
      return each(pandaIDs.length, retryLater(answerDiag(answer, 'data is not a list')));
    return pandaIDs.map((id, i) => jobCheckItem(answer, data[i], id, i, pandaIDs.length, data.length));
  },

  getEventRanges(request, nRanges, scattered) {
    if (request.jobsetID === undefined)
      return `event ranges of job ${request.pandaID}: no jobsetID in the request (event/acquire_event_ranges requires jobset_id)`;
    const json: Record<string, unknown> = {
      job_id: request.pandaID,
      jobset_id: request.jobsetID,
      n_ranges: nRanges,
      scattered,
    };
    if (request.taskID !== undefined) json.task_id = request.taskID;
    return { ...post('event/acquire_event_ranges', json), idempotent: false };
  },

  getEventRangesResult(answer) {
    const r = read(answer);
    if (!r.ok) return r.outcome;
    if (!r.envelope.success) return refusal(answer, r.envelope);
    return eventRangesOf(answer, r.envelope.data);
  },

  updateEventRanges(batches) {
    return post('event/update_event_ranges', {
      event_ranges: JSON.stringify(pandaEventUpdateList(batches)),
      version: 1,
    });
  },

  updateEventRangesResult(answer, batches) {
    const r = read(answer);
    if (!r.ok) return each(batches.length, r.outcome);
    if (!r.envelope.success) return each(batches.length, refusal(answer, r.envelope));
    let returns: unknown = r.envelope.data;
    if (isRecord(returns)) {
      const code = statusCodeOf(returns);
      if (code !== undefined && code !== PandaStatusCode.success)
        return each(batches.length, retryLater(answerDiag(answer, `StatusCode=${code}`)));
      returns = maybeJsonString(returns.Returns);
    }
    if (!Array.isArray(returns))
      return each(batches.length, retryLater(answerDiag(answer, 'no Returns list')));
    return eventReturnsOutcomes(returns, batches, answer.endpoint);
  },

  getCommands(nCommands, harvesterId) {
    return {
      ...post('harvester/acquire_commands', { harvester_id: harvesterId, n_commands: nCommands }),
      idempotent: false,
    };
  },

  getCommandsResult(answer) {
    const r = read(answer);
    if (!r.ok) return r.outcome;
    if (!r.envelope.success) return refusal(answer, r.envelope);
    const data = r.envelope.data;
    if (data === null) return success([]);
    if (!Array.isArray(data)) return retryLater(answerDiag(answer, 'data is not a list'));
    return success(data);
  },

  ackCommands(commandIDs) {
    return post('harvester/acknowledge_commands', { command_ids: [...commandIDs] });
  },

  ackCommandsResult: plain,

  updateWorkers(workers, harvesterId) {
    return post('harvester/update_workers', {
      harvester_id: harvesterId,
      workers: workers.map(pandaWorkerRecord),
    });
  },

  updateWorkersResult(answer, workers) {
    const r = read(answer);
    if (!r.ok) return each(workers.length, r.outcome);
    if (!r.envelope.success) return each(workers.length, refusal(answer, r.envelope));
    return workerOutcomes(answer, r.envelope.data, workers);
  },

  isAlive(data, harvesterId) {
    return post('harvester/heartbeat', { harvester_id: harvesterId, data: pandaHeartbeatData(data) });
  },

  isAliveResult: plain,

  updateWorkerStats(siteName, stats, harvesterId) {
    return post('harvester/report_worker_statistics', {
      harvester_id: harvesterId,
      panda_queue: siteName,
      statistics: JSON.stringify(stats),
    });
  },

  updateWorkerStatsResult: plain,

  sendDialogMessages(dialogs, harvesterId) {
    return post('harvester/add_dialogs', {
      harvester_id: harvesterId,
      dialogs: dialogs.map(pandaDialogRecord),
    });
  },

  sendDialogMessagesResult: plain,
};

/** Per-worker outcomes from a list of booleans, one per worker. */
export function workerOutcomes(
  answer: HttpAnswer,
  data: unknown,
  workers: readonly { workerID: number }[],
): Outcome[] {
  if (!Array.isArray(data))
    return each(workers.length, retryLater(answerDiag(answer, 'not a list of results')));
  return workers.map((w, i) => {
    if (i >= data.length)
      return retryLater(
        `${answer.endpoint}: worker ${w.workerID}: no answer (the server answered ${data.length} of ${workers.length} workers)`,
      );
    return data[i] === true ? success() : retryLater(`${answer.endpoint}: worker ${w.workerID} not updated`);
  });
}
