// API v1 (/api/v1/<module>/<method>) of the fake PanDA server: each endpoint with the real
// signature (names, annotations, defaults), the real decorator settings (HTTP method, secure,
// production role) and an answer built from the SimulatedWms, shaped like the real server's.
import type { WmsEventUpdateBatch, WmsJobUpdate } from '../simulated-wms.js';
import type { AuthDecision } from './auth.js';
import { jsonObjectOf, parseLooseTime, wmsUpdateOfV1 } from './job-updates.js';
import { checkV1Arguments, type PyParam, p } from './params.js';
import { PyException, type PyFileStorage, pyStr, pyTypeName } from './python.js';
import type { ServerState } from './state.js';
import { inflateUpload } from './uploads.js';

export interface Envelope {
  success: boolean;
  message: string;
  data: unknown;
}

/** `obj[key]`, made an empty object first when missing. */
function child<T extends object>(obj: Record<string, T>, key: string): T {
  const existing = obj[key];
  if (existing !== undefined) return existing;
  const made = {} as T;
  obj[key] = made;
  return made;
}

export function envelope(success: boolean, message = '', data: unknown = null): Envelope {
  return { success, message, data };
}

const MESSAGE_SSL = 'SSL secure connection is required';
const MESSAGE_PROD_ROLE = 'production or pilot role required';
export const MESSAGE_DATABASE = 'database error in the PanDA server';
const VALID_JOB_STATES = ['running', 'failed', 'finished', 'holding', 'starting', 'transferring'];

export interface V1Context {
  state: ServerState;
  auth: Exclude<AuthDecision, { kind: 'refused' }>;
  /** The HTTP method of the request (the decorator compares it with the expected one). */
  requestMethod: string;
}

interface V1Endpoint {
  method: 'GET' | 'POST' | null;
  secure: boolean;
  production: boolean;
  params: PyParam[];
  run(args: Record<string, unknown>, ctx: V1Context, sent: Record<string, unknown>): Promise<Envelope>;
}

/** update_job without the WMS call: an answer now, or an update to apply and how to answer it. */
type PreparedJobUpdate =
  | { answer: Envelope }
  | {
      update: WmsJobUpdate;
      answerFor(reply: { ok: true; command?: string } | { ok: false; error: string }): Envelope;
    };

function prepareJobUpdate(
  args: Record<string, unknown>,
  sent: Record<string, unknown>,
  ctx: V1Context,
): PreparedJobUpdate {
  const jobId = args.job_id as number;
  const status = args.job_status as string;
  if (!VALID_JOB_STATES.includes(status)) {
    return { answer: envelope(false, `Invalid job status: ${status}`, { StatusCode: 50 }) };
  }
  const wms = ctx.state.wms;
  if (!wms.hasJob(jobId)) {
    // The real server looks the job up in its active table: metadata of an unknown job cannot
    // be stored; otherwise the pilot is told to kill it.
    if (args.meta_data !== '' && status !== 'failed') {
      const diag = 'Failed to add meta_data';
      return { answer: envelope(true, diag, { StatusCode: 30, ErrorDiag: diag }) };
    }
    return { answer: envelope(true, '', { StatusCode: 0, command: 'tobekilled' }) };
  }
  if (wms.finalStatusOf(jobId) !== undefined) {
    return { answer: envelope(true, '', { StatusCode: 0, command: 'alreadydone' }) };
  }
  return {
    update: wmsUpdateOfV1({ ...sent, job_id: jobId, job_status: status }),
    answerFor: (reply) =>
      reply.ok
        ? envelope(true, '', { StatusCode: 0, command: reply.command ?? 'NULL' })
        : envelope(true, reply.error, { StatusCode: 30, ErrorDiag: reply.error }),
  };
}

/** Runs prepared updates through one WMS call (in order) and answers each. */
async function applyJobUpdates(prepared: PreparedJobUpdate[], ctx: V1Context): Promise<Envelope[]> {
  const pending = prepared.filter(
    (x): x is Extract<PreparedJobUpdate, { update: WmsJobUpdate }> => 'update' in x,
  );
  const replies = pending.length > 0 ? await ctx.state.wms.updateJobs(pending.map((x) => x.update)) : [];
  return prepared.map((x) => {
    if ('answer' in x) return x.answer;
    const reply = replies[pending.indexOf(x)];
    return x.answerFor(reply ?? { ok: false, error: 'no reply' });
  });
}

/** The decorator of one endpoint, then the endpoint; argument errors come back as envelopes. */
async function callEndpoint(
  name: string,
  endpoint: V1Endpoint,
  kwargs: Record<string, unknown>,
  ctx: V1Context,
): Promise<{ envelope: Envelope; args?: Record<string, unknown> }> {
  const checked = decorate(name, endpoint, kwargs, ctx);
  if ('envelope' in checked) return checked;
  return { envelope: await endpoint.run(checked.args, ctx, kwargs), args: checked.args };
}

function decorate(
  name: string,
  endpoint: V1Endpoint,
  kwargs: Record<string, unknown>,
  ctx: V1Context,
): { envelope: Envelope } | { args: Record<string, unknown> } {
  if (endpoint.secure && !ctx.auth.secure) return { envelope: envelope(false, MESSAGE_SSL) };
  if (endpoint.production && !ctx.auth.secure) return { envelope: envelope(false, MESSAGE_PROD_ROLE) };
  if (endpoint.method !== null && endpoint.method !== ctx.requestMethod) {
    return { envelope: envelope(false, `expecting ${endpoint.method}, received ${ctx.requestMethod}`) };
  }
  const checked = checkV1Arguments(endpoint.params, kwargs, ctx.requestMethod, name.split('/')[1] ?? name);
  if (!checked.ok) return { envelope: envelope(false, checked.message) };
  return { args: checked.args };
}

function pythonIsoformat(date: Date): string {
  // datetime.isoformat() of a naive UTC datetime: microseconds only when not zero.
  const iso = date.toISOString().slice(0, 23);
  return iso.endsWith('.000') ? iso.slice(0, 19) : `${iso}000`;
}

const UPDATE_JOB_PARAMS: PyParam[] = [
  p('job_id', 'int'),
  p('job_status', 'str'),
  p('job_output_report', 'str', ''),
  p('node', 'str', null),
  p('cpu_consumption_time', 'int', null),
  p('cpu_consumption_unit', 'str', null),
  p('scheduler_id', 'str', null),
  p('pilot_id', 'str', null),
  p('site_name', 'str', null),
  p('pilot_log', 'str', ''),
  p('meta_data', 'str', ''),
  p('cpu_conversion_factor', 'float | int', null),
  p('trans_exit_code', 'int', null),
  p('pilot_error_code', 'int', null),
  p('pilot_error_diag', 'str', null),
  p('exe_error_code', 'int', null),
  p('exe_error_diag', 'str', null),
  p('pilot_timing', 'str', null),
  p('start_time', 'str', null),
  p('end_time', 'str', null),
  p('n_events', 'int', null),
  p('n_input_files', 'int', null),
  p('batch_id', 'str', null),
  p('attempt_nr', 'int', null),
  p('job_metrics', 'str', null),
  p('stdout', 'str', ''),
  p('job_sub_status', 'str', null),
  p('core_count', 'int', null),
  ...[
    'max_rss',
    'max_vmem',
    'max_swap',
    'max_pss',
    'avg_rss',
    'avg_vmem',
    'avg_swap',
    'avg_pss',
    'tot_rchar',
    'tot_wchar',
    'tot_rbytes',
    'tot_wbytes',
    'rate_rchar',
    'rate_wchar',
    'rate_rbytes',
    'rate_wbytes',
  ].map((n) => p(n, 'int | float', null)),
  p('corrupted_files', 'str', null),
  p('mean_core_count', 'int', null),
  p('cpu_architecture_level', 'str', null),
  p('grid', 'str', null),
  p('source_site', 'str', null),
  p('destination_site', 'str', null),
  p('timeout', 'int', 60),
];

/** `obj[key]` in Python on a decoded JSON value: KeyError / TypeError like the real loop raises. */
function pySubscript(obj: unknown, key: string): unknown {
  if (typeof obj === 'string') {
    throw new PyException('TypeError', "string indices must be integers, not 'str'");
  }
  if (Array.isArray(obj)) {
    throw new PyException('TypeError', 'list indices must be integers or slices, not str');
  }
  if (typeof obj !== 'object' || obj === null) {
    throw new PyException('TypeError', `'${pyTypeName(obj)}' object is not subscriptable`);
  }
  if (!Object.hasOwn(obj, key)) throw new PyException('KeyError', `'${key}'`);
  return (obj as Record<string, unknown>)[key];
}

const ENDPOINTS: Record<string, V1Endpoint> = {
  'system/is_alive': {
    method: 'GET',
    secure: false,
    production: false,
    params: [],
    run: async () => envelope(true),
  },

  'harvester/heartbeat': {
    method: 'POST',
    secure: true,
    production: false,
    params: [p('harvester_id', 'str'), p('data', 'dict', null)],
    run: async (args, ctx) => {
      const harvesterId = args.harvester_id as string;
      const data = args.data as Record<string, unknown> | null;
      const { state } = ctx;
      // The real server iterates over `data` (None fails) and reports the first heartbeat of an
      // instance, which creates its record, as a database error.
      if (data === null) return envelope(false, MESSAGE_DATABASE);
      await state.wms.isAlive(data);
      state.heartbeats.push({ harvesterId, data, api: 'v1', at: state.now() });
      const known = state.harvesterInstances.has(harvesterId);
      state.harvesterInstances.add(harvesterId);
      return known ? envelope(true) : envelope(false, MESSAGE_DATABASE);
    },
  },

  'pilot/acquire_jobs': {
    method: 'POST',
    secure: true,
    production: false,
    params: [
      p('site_name', 'str'),
      p('timeout', 'int', 60),
      p('memory', 'int', null),
      p('disk_space', 'int', null),
      p('prod_source_label', 'str', null),
      p('node', 'str', null),
      p('computing_element', 'str', null),
      p('prod_user_id', 'str', null),
      p('get_proxy_key', 'str', null),
      p('task_id', 'int', null),
      p('n_jobs', 'int', 1),
      p('background', 'bool', null),
      p('resource_type', 'str', null),
      p('harvester_id', 'str', null),
      p('worker_id', 'int', null),
      p('scheduler_id', 'str', null),
      p('job_type', 'str', null),
      p('via_topic', 'bool', null),
      p('remaining_time', null, null),
    ],
    run: async (args, ctx) => {
      const criteria: Parameters<ServerState['wms']['getJobs']>[1] = { siteName: args.site_name as string };
      if (args.prod_source_label !== null) criteria.prodSourceLabel = args.prod_source_label as string;
      if (args.computing_element !== null) criteria.computingElement = args.computing_element as string;
      if (args.node !== null) criteria.nodeName = args.node as string;
      if (args.resource_type !== null)
        criteria.additionalCriteria = { resourceType: args.resource_type as string };
      const n = args.n_jobs as number;
      const jobs = n > 0 ? await ctx.state.wms.getJobs(n, criteria) : [];
      if (jobs.length === 0) return envelope(false, 'No jobs in PanDA');
      return envelope(true, '', {
        StatusCode: 0,
        jobs: jobs.map((job) => ({ StatusCode: 0, ...job, nSent: jobs.length })),
      });
    },
  },

  'pilot/get_job_status': {
    method: 'GET',
    secure: true,
    production: false,
    params: [p('job_ids', 'List[int]'), p('timeout', 'int', 60)],
    run: async (args, ctx) => {
      const { state } = ctx;
      const ids = args.job_ids as number[];
      const checks = await state.wms.checkJobs(ids);
      return envelope(
        true,
        '',
        checks.map(({ PandaID: id, status }) => {
          if (status === 'unknown' || status === 'queued') {
            return { job_id: id, status: 'not found', attempt_number: 0 };
          }
          const last = state.wms.updatesOf(id).at(-1);
          const attemptNr = last?.attemptNr ?? Number(state.wms.jobDict(id)?.attemptNr ?? 0);
          return { job_id: id, status, attempt_number: attemptNr };
        }),
      );
    },
  },

  'pilot/update_job': {
    method: 'POST',
    secure: true,
    production: true,
    params: UPDATE_JOB_PARAMS,
    run: async (args, ctx, sent) => {
      const [answer] = await applyJobUpdates([prepareJobUpdate(args, sent, ctx)], ctx);
      return answer as Envelope;
    },
  },

  'pilot/update_jobs_bulk': {
    method: 'POST',
    secure: true,
    production: true,
    params: [p('job_list', 'List'), p('harvester_id', 'str', null)],
    run: async (args, ctx) => {
      const updateJob = ENDPOINTS['pilot/update_job'] as V1Endpoint;
      const prepared: PreparedJobUpdate[] = [];
      let failure: PyException | undefined;
      try {
        for (const entry of args.job_list as unknown[]) {
          const jobId = pySubscript(entry, 'job_id');
          const status = pySubscript(entry, 'job_status');
          const rest = { ...(entry as Record<string, unknown>) };
          delete rest.job_id;
          delete rest.job_status;
          if ('meta_data' in rest) rest.meta_data = pyStr(rest.meta_data);
          // update_job(req, job_id, status, **job_dict): positional job_id and status.
          const kwargs = { job_id: jobId, job_status: status, ...rest };
          const checked = decorate('pilot/update_job', updateJob, kwargs, ctx);
          if ('envelope' in checked) prepared.push({ answer: checked.envelope });
          else prepared.push(prepareJobUpdate(checked.args, kwargs, ctx));
        }
      } catch (e) {
        if (!(e instanceof PyException)) throw e;
        failure = e;
      }
      // Jobs before a failing entry were already updated by the real server's loop.
      const answers = await applyJobUpdates(prepared, ctx);
      if (failure) return envelope(false, `failed with ${failure.type} ${failure.message}`, []);
      return envelope(true, '', answers);
    },
  },

  'event/acquire_event_ranges': {
    method: 'POST',
    secure: true,
    production: true,
    params: [
      p('job_id', 'int'),
      p('jobset_id', 'int'),
      p('task_id', 'int', null),
      p('n_ranges', 'int', 10),
      p('timeout', 'int', 60),
      p('scattered', 'bool', false),
      p('segment_id', 'int', null),
    ],
    run: async (args, ctx) => {
      const id = args.job_id as number;
      const ranges = await ctx.state.wms.getEventRanges([{ pandaID: id, nRanges: args.n_ranges as number }]);
      // The real server returns the list itself as data (Harvester's client expects a dict).
      return envelope(true, '', ranges[String(id)] ?? []);
    },
  },

  'event/update_event_ranges': {
    method: 'POST',
    secure: true,
    production: true,
    params: [p('event_ranges', 'str'), p('timeout', 'int', 120), p('version', 'int', 0)],
    run: async (args, ctx) => {
      const result = await updateEventRanges(args.event_ranges as string, args.version as number, ctx.state);
      if (result === null) return envelope(false, MESSAGE_DATABASE);
      // The real server builds a Python set here, which cannot be serialised (see README); the
      // fake answers with the dict Harvester reads.
      return envelope(true, '', { StatusCode: 0, Returns: result.returns, Commands: result.commands });
    },
  },

  'event/get_available_event_range_count': {
    method: 'GET',
    secure: true,
    production: true,
    params: [p('job_id', 'int'), p('jobset_id', 'int'), p('task_id', 'int'), p('timeout', null, 60)],
    run: async (args, ctx) => envelope(true, '', ctx.state.wms.eventRangesAvailable(args.job_id as number)),
  },

  'harvester/acquire_commands': {
    method: 'POST',
    secure: true,
    production: true,
    params: [p('harvester_id', 'str'), p('n_commands', 'int'), p('timeout', 'int', 30)],
    run: async (args, ctx) => {
      const commands = await ctx.state.wms.getCommands(args.n_commands as number);
      return envelope(
        true,
        '',
        commands.map((c) => ({
          command_id: c.commandID,
          command: c.command,
          params: c.params ?? null,
          ack_requested: c.ackRequested ? 1 : 0,
          creation_date: c.creationDate ? pythonIsoformat(c.creationDate) : null,
        })),
      );
    },
  },

  'harvester/acknowledge_commands': {
    method: 'POST',
    secure: true,
    production: true,
    params: [p('command_ids', 'List'), p('timeout', 'int', 30)],
    run: async (args, ctx) => {
      const ids = args.command_ids as unknown[];
      // An empty list makes the real server's SQL `IN ()` fail.
      if (ids.length === 0) return envelope(false, MESSAGE_DATABASE);
      await ctx.state.wms.ackCommands(ids.map(Number));
      return envelope(true);
    },
  },

  'harvester/update_workers': {
    method: 'POST',
    secure: true,
    production: false,
    params: [p('harvester_id', 'str'), p('workers', 'List')],
    run: async (args, ctx) => {
      const result = await updateWorkers(args.harvester_id as string, args.workers as unknown[], ctx.state);
      return result === null || result.length === 0
        ? envelope(false, MESSAGE_DATABASE)
        : envelope(true, '', result);
    },
  },

  'harvester/report_worker_statistics': {
    method: 'POST',
    secure: true,
    production: false,
    params: [p('harvester_id', 'str'), p('panda_queue', 'str'), p('statistics', 'str')],
    run: async (args, ctx) => {
      const ok = await reportWorkerStats(
        args.harvester_id as string,
        args.panda_queue as string,
        args.statistics as string,
        ctx.state,
      );
      return ok ? envelope(true, 'OK') : envelope(false, 'database error');
    },
  },

  'harvester/add_dialogs': {
    method: 'POST',
    secure: true,
    production: false,
    params: [p('harvester_id', 'str'), p('dialogs', 'list')],
    run: async (args, ctx) =>
      (await addDialogs(args.dialogs as unknown[], ctx.state))
        ? envelope(true)
        : envelope(false, MESSAGE_DATABASE),
  },

  'harvester/update_service_metrics': {
    method: 'POST',
    secure: true,
    production: false,
    params: [p('harvester_id', 'str'), p('metrics', 'list')],
    run: async (args, ctx) =>
      recordServiceMetrics(args.harvester_id as string, args.metrics as unknown[], ctx.state)
        ? envelope(true, '', [true])
        : envelope(false, MESSAGE_DATABASE),
  },

  'harvester/get_current_worker_id': {
    method: 'GET',
    secure: true,
    production: false,
    params: [p('harvester_id', 'str')],
    run: async (args, ctx) => {
      const max = ctx.state.maxWorkerIds.get(args.harvester_id as string);
      return max === undefined ? envelope(false, MESSAGE_DATABASE) : envelope(true, '', max);
    },
  },

  'harvester/get_worker_statistics': {
    method: 'GET',
    secure: true,
    production: false,
    params: [],
    run: async (_args, ctx) => envelope(true, '', workerStatistics(ctx.state)),
  },

  'job/get_status': {
    method: 'GET',
    secure: true,
    production: false,
    params: [p('job_ids', 'List[int]'), p('timeout', 'int', 60)],
    run: async (args, ctx) => envelope(true, '', await checkJobStatus(args.job_ids as number[], ctx.state)),
  },

  'metaconfig/get_resource_types': {
    method: 'GET',
    secure: true,
    production: false,
    params: [],
    run: async (_args, ctx) =>
      ctx.state.resourceTypes.length === 0
        ? envelope(false, MESSAGE_DATABASE)
        : envelope(
            true,
            '',
            ctx.state.resourceTypes.map((r) => ({ ...r })),
          ),
  },

  'statistics/active_job_stats_by_site': {
    method: 'GET',
    secure: false,
    production: false,
    params: [],
    run: async (_args, ctx) => {
      const data: Record<string, Record<string, number>> = {};
      for (const j of ctx.state.jobStatistics()) {
        const site = child(data, j.site);
        site[j.status] = (site[j.status] ?? 0) + 1;
      }
      const ok = Object.keys(data).length > 0;
      return envelope(ok, ok ? '' : 'Database failure getting the job statistics', data);
    },
  },

  'statistics/active_job_detailed_stats_by_site': {
    method: 'GET',
    secure: false,
    production: false,
    params: [],
    run: async (_args, ctx) => {
      const data: Record<string, Record<string, Record<string, Record<string, number>>>> = {};
      for (const j of ctx.state.jobStatistics()) {
        const byResource = child(data, j.site);
        const byLabel = child(byResource, j.resourceType);
        const label = child(byLabel, j.label);
        label[j.status] = (label[j.status] ?? 0) + 1;
      }
      const ok = Object.keys(data).length > 0;
      return envelope(
        ok,
        ok ? '' : 'Database failure getting the job statistics with resource_type and prodsourcelabel',
        data,
      );
    },
  },

  'creds/get_proxy': {
    method: 'GET',
    secure: true,
    production: false,
    params: [p('role', 'str', null), p('dn', 'str', null)],
    run: async (args, ctx) => {
      const proxy = ctx.state.credentials.proxy;
      const dn = (args.dn as string | null) || ctx.auth.dn || '';
      return proxy === undefined
        ? envelope(false, `'proxy' not found for ${dn}`)
        : envelope(true, '', { user_proxy: proxy });
    },
  },

  'creds/get_token_key': {
    method: 'GET',
    secure: true,
    production: false,
    params: [p('client_name', 'str')],
    run: async (args, ctx) => {
      const key = ctx.state.credentials.tokenKeys?.[args.client_name as string];
      return key === undefined
        ? envelope(false, `token key is missing for ${args.client_name as string}`)
        : envelope(true, '', { tokenKey: key });
    },
  },

  'creds/get_key_pair': {
    method: 'GET',
    secure: true,
    production: false,
    params: [p('public_key_name', 'str'), p('private_key_name', 'str')],
    run: async (args, ctx) => {
      const keys = ctx.state.credentials.keys ?? {};
      const dn = ctx.auth.dn ?? '';
      for (const name of [args.public_key_name as string, args.private_key_name as string]) {
        if (!Object.hasOwn(keys, name))
          return envelope(false, `Failed for '${dn}' since ${name} is missing on localhost`);
      }
      return envelope(true, '', {
        public_key: keys[args.public_key_name as string],
        private_key: keys[args.private_key_name as string],
      });
    },
  },

  'file_server/upload_jedi_log': {
    method: 'POST',
    secure: true,
    production: true,
    params: [p('file', 'FileStorage')],
    run: async (args, ctx) => envelope(true, '', storeUpload(args.file as PyFileStorage, ctx.state)),
  },
};

/** The endpoints the fake implements (`module/method`). */
export const V1_ENDPOINTS: readonly string[] = Object.keys(ENDPOINTS);

/** Whether `module/method` exists in the fake's API v1. */
export function hasV1Endpoint(endpoint: string): boolean {
  return Object.hasOwn(ENDPOINTS, endpoint);
}

/** Runs one v1 call; PyException and WMS errors propagate (the server answers them with HTTP 500). */
export async function callV1(
  endpoint: string,
  kwargs: Record<string, unknown>,
  ctx: V1Context,
): Promise<{ envelope: Envelope; args?: Record<string, unknown> }> {
  const def = ENDPOINTS[endpoint];
  if (!def) throw new Error(`unknown endpoint ${endpoint}`);
  return callEndpoint(endpoint, def, kwargs, ctx);
}

// ------------------------------------------------------------ shared with the legacy API

/** job/get_status's answer (checkJobStatus of the real DB layer): command first, like its dict. */
export async function checkJobStatus(
  ids: readonly number[],
  state: ServerState,
): Promise<{ command: string | null; status: string }[]> {
  const checks = await state.wms.checkJobs(ids);
  return checks.map((c) =>
    c.status === 'unknown'
      ? { command: 'tobekilled', status: 'unknown' }
      : { command: c.command ?? null, status: c.status === 'queued' ? 'activated' : c.status },
  );
}

/** updateEventRanges of the real DB layer: a result per event range, commands per PandaID; null on bad input. */
export async function updateEventRanges(
  text: string,
  version: number,
  state: ServerState,
): Promise<{ returns: (boolean | null)[]; commands: Record<string, string> } | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  // version 0: a flat list of event updates; otherwise chunks with eventRanges and a zipFile.
  const flat: { event: Record<string, unknown>; zipFile: Record<string, unknown> | null }[] = [];
  for (const chunk of parsed as unknown[]) {
    if (typeof chunk !== 'object' || chunk === null) return null;
    const c = chunk as Record<string, unknown>;
    if (version !== 0 && Array.isArray(c.eventRanges)) {
      const zip = (c.zipFile as Record<string, unknown> | undefined) ?? null;
      for (const e of c.eventRanges as unknown[])
        flat.push({ event: e as Record<string, unknown>, zipFile: zip });
    } else flat.push({ event: c, zipFile: null });
  }
  const returns: (boolean | null)[] = [];
  const batches: { batch: WmsEventUpdateBatch; indexes: number[] }[] = [];
  const commands: Record<string, string> = {};
  for (const { event, zipFile } of flat) {
    const id = event.eventRangeID;
    if (typeof id !== 'string' || typeof event.eventStatus !== 'string') {
      returns.push(null);
      continue;
    }
    const owner = state.wms.eventRangeOwner(id);
    if (owner === undefined) {
      returns.push(false);
      continue;
    }
    const command = state.wms.commandOf(owner);
    if (command !== undefined) commands[String(owner)] = command;
    const zip = zipFile ? zipOf(zipFile) : undefined;
    let entry = batches.find((b) => b.batch.pandaID === owner && b.batch.zipFile?.lfn === zip?.lfn);
    if (!entry) {
      entry = { batch: { pandaID: owner, eventRanges: [] }, indexes: [] };
      if (zip) entry.batch.zipFile = zip;
      batches.push(entry);
    }
    const { zipFile: _z, ...update } = event;
    entry.batch.eventRanges.push(update as WmsEventUpdateBatch['eventRanges'][number]);
    entry.indexes.push(returns.length);
    returns.push(true);
  }
  if (batches.length > 0) {
    const replies = await state.wms.updateEventRanges(batches.map((b) => b.batch));
    batches.forEach((b, i) => {
      if (replies[i]?.ok === false) for (const k of b.indexes) returns[k] = false;
    });
  }
  return { returns, commands };
}

function zipOf(zip: Record<string, unknown>): NonNullable<WmsEventUpdateBatch['zipFile']> {
  const out: NonNullable<WmsEventUpdateBatch['zipFile']> = { lfn: String(zip.lfn) };
  if (zip.objstoreID !== undefined) out.objstoreID = Number(zip.objstoreID);
  if (zip.fsize !== undefined) out.fsize = Number(zip.fsize);
  if (zip.adler32 !== undefined) out.checksum = `ad:${String(zip.adler32)}`;
  else if (zip.md5 !== undefined) out.checksum = `md5:${String(zip.md5)}`;
  return out;
}

const nullableNumber = (v: unknown): number | null => {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};
const nullableString = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** updateWorkers of the real DB layer: `true` per worker, or null (a database error) for a bad record. */
export async function updateWorkers(
  harvesterId: string,
  workers: readonly unknown[],
  state: ServerState,
): Promise<boolean[] | null> {
  const updates = [];
  for (const w of workers) {
    if (typeof w !== 'object' || w === null || Array.isArray(w)) return null;
    const r = w as Record<string, unknown>;
    const workerID = nullableNumber(r.workerID);
    if (workerID === null) return null;
    updates.push({
      workerID,
      harvesterID: harvesterId,
      batchID: nullableString(r.batchID),
      status: String(r.status ?? ''),
      computingSite: String(r.computingSite ?? ''),
      queueName: nullableString(r.queueName),
      nCore: nullableNumber(r.nCore),
      nodeID: nullableString(r.nodeID),
      submitTime: parseLooseTime(r.submitTime),
      startTime: parseLooseTime(r.startTime),
      endTime: parseLooseTime(r.endTime),
      jobType: nullableString(r.jobType),
      resourceType: nullableString(r.resourceType),
      nativeExitCode: nullableNumber(r.nativeExitCode),
      nativeStatus: nullableString(r.nativeStatus),
      diagMessage: nullableString(r.diagMessage),
      nJobs: nullableNumber(r.nJobs),
      computingElement: nullableString(r.computingElement),
      submissionHost: nullableString(r.submissionHost),
      errorCode: nullableNumber(r.errorCode),
      minRamCount: nullableNumber(r.minRamCount),
      pandaIDs: Array.isArray(r.pandaid_list) ? (r.pandaid_list as unknown[]).map(Number) : [],
      workAttributes: jsonObjectOf(r.workAttributes ?? null),
    });
  }
  const result = await state.wms.updateWorkers(updates);
  for (const u of updates) {
    state.maxWorkerIds.set(harvesterId, Math.max(state.maxWorkerIds.get(harvesterId) ?? 0, u.workerID));
  }
  return result;
}

/** reportWorkerStats_jobtype of the real DB layer; false for statistics that are not JSON. */
export async function reportWorkerStats(
  harvesterId: string,
  site: string,
  statistics: string,
  state: ServerState,
): Promise<boolean> {
  let stats: unknown;
  try {
    stats = JSON.parse(statistics);
  } catch {
    return false;
  }
  if (typeof stats !== 'object' || stats === null || Array.isArray(stats)) return false;
  const typed = stats as Record<string, Record<string, Record<string, number>>>;
  await state.wms.updateWorkerStats(site, typed);
  state.workerStats.set(`${harvesterId}\u0000${site}`, { harvesterId, site, stats: typed });
  return true;
}

/** getWorkerStats: site -> harvester -> jobType -> resourceType -> status -> n ("Undefined" resource types skipped). */
export function workerStatistics(state: ServerState): Record<string, unknown> {
  const out: Record<string, Record<string, Record<string, Record<string, Record<string, number>>>>> = {};
  for (const { harvesterId, site, stats } of state.workerStats.values()) {
    const perHarvester = child(child(out, site), harvesterId);
    for (const [jobType, byResource] of Object.entries(stats)) {
      for (const [resourceType, byStatus] of Object.entries(byResource ?? {})) {
        if (resourceType === 'Undefined') continue;
        const target = child(child(perHarvester, jobType), resourceType);
        for (const [status, n] of Object.entries(byStatus ?? {}))
          target[status] = (target[status] ?? 0) + Number(n);
      }
    }
  }
  return out;
}

/** addHarvesterDialogs of the real DB layer; false for a record that is not a dict. */
export async function addDialogs(dialogs: readonly unknown[], state: ServerState): Promise<boolean> {
  const records = [];
  for (const d of dialogs) {
    if (typeof d !== 'object' || d === null || Array.isArray(d)) return false;
    const r = d as Record<string, unknown>;
    records.push({
      diagID: Number(r.diagID),
      moduleName: String(r.moduleName ?? ''),
      identifier: nullableString(r.identifier),
      creationTime: parseLooseTime(r.creationTime),
      messageLevel: String(r.messageLevel ?? ''),
      diagMessage: String(r.diagMessage ?? ''),
    });
  }
  await state.wms.sendDialogMessages(records);
  return true;
}

/** updateServiceMetrics of the real DB layer: each entry `[time "%Y-%m-%d %H:%M:%S.%f", host, json]`. */
export function recordServiceMetrics(
  harvesterId: string,
  metrics: readonly unknown[],
  state: ServerState,
): boolean {
  for (const m of metrics) {
    if (!Array.isArray(m) || m.length < 3) return false;
    if (typeof m[0] !== 'string' || !/^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{1,2}:\d{1,2}\.\d{1,6}$/.test(m[0]))
      return false;
  }
  const at = state.now();
  for (const m of metrics) state.serviceMetrics.push({ harvesterId, metrics: [...(m as unknown[])], at });
  return true;
}

/** Stores an uploaded log; returns its URL (`<server>/cache/jedilog/<base name>`). */
export function storeUpload(file: PyFileStorage, state: ServerState): string {
  const base = file.filename.split('/').at(-1) ?? file.filename;
  const url = `${state.baseUrl}/cache/jedilog/${base}`;
  state.uploads.push({
    filename: file.filename,
    content: file.content,
    decompressed: inflateUpload(file.content),
    url,
    at: state.now(),
  });
  return url;
}
