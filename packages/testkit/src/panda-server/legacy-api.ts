// The legacy API (/server/panda/<method>) of the fake PanDA server, as the real server ran it
// before May 2026: plain Python functions called with the form (or gunzipped JSON) parameters —
// a bad keyword is an HTTP 500 with Python's TypeError text — answering with Protocol.Response
// (urlencoded, or JSON when Accept contains application/json) or JSON texts.
import type { IncomingHttpHeaders } from 'node:http';
import type { WmsJobUpdate } from '../simulated-wms.js';
import type { AuthDecision } from './auth.js';
import { parseForm, parseQuery, pyGunzip, pyJsonLoads } from './body.js';
import { wmsUpdateOfLegacy } from './job-updates.js';
import { bindLegacyArguments, type PyParam, p } from './params.js';
import { PyException, type PyFileStorage, pyIntOfFloat, pyJsonDumps, pyStr, pyTypeName } from './python.js';
import type { ServerState } from './state.js';
import {
  addDialogs,
  checkJobStatus,
  MESSAGE_DATABASE,
  recordServiceMetrics,
  reportWorkerStats,
  storeUpload,
  updateEventRanges,
  updateWorkers,
  workerStatistics,
} from './v1-api.js';

export interface LegacyContext {
  state: ServerState;
  auth: Exclude<AuthDecision, { kind: 'refused' }>;
  requestMethod: string;
  /** The method name from the path. */
  method: string;
  query: string;
  body: Buffer;
  headers: IncomingHttpHeaders;
}

export interface LegacyAnswer {
  status: number;
  contentType: string;
  body: string;
  params: Record<string, unknown>;
}

/** A method's result: text, or Protocol's `{type: 'json', content}` (sent as application/json). */
type LegacyResult = string | { type: 'json'; content: string };

interface Call {
  state: ServerState;
  auth: LegacyContext['auth'];
  acceptJson: boolean;
}

interface LegacyMethod {
  params: PyParam[];
  run(args: Record<string, unknown>, call: Call): Promise<LegacyResult>;
}

const MESSAGE_SSL = 'SSL secure connection is required';
const MESSAGE_JSON = 'failed to load JSON';
const SC_SUCCESS = 0;
const SC_NO_JOBS = 20;
const SC_FAILED = 30;
const SC_ROLE = 60;

/** Python's urllib.parse.urlencode of a dict (values through str(), quote_plus). */
function urlencode(data: Record<string, unknown>): string {
  const q = (s: string): string =>
    encodeURIComponent(s)
      .replace(/[!'()*~]/g, (c) => (c === '~' ? c : `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
      .replace(/%20/g, '+');
  return Object.entries(data)
    .map(([k, v]) => `${q(k)}=${q(pyStr(v))}`)
    .join('&');
}

/** Protocol.Response(...).encode(acceptJson). */
function response(data: Record<string, unknown>, acceptJson: boolean): LegacyResult {
  return acceptJson ? { type: 'json', content: pyJsonDumps(data) } : urlencode(data);
}

function statusResponse(code: number, acceptJson: boolean, errorDialog?: string | null): LegacyResult {
  const data: Record<string, unknown> = { StatusCode: code };
  if (errorDialog !== undefined && errorDialog !== null) data.errorDialog = errorDialog;
  return response(data, acceptJson);
}

/** Python's `int(value)` on a str or number. */
function pyInt(value: unknown): number {
  if (typeof value === 'number' || typeof value === 'boolean') return Math.trunc(Number(value));
  if (typeof value === 'string' && /^\s*[+-]?\d+(_\d+)*\s*$/.test(value))
    return Number(value.replaceAll('_', ''));
  if (typeof value === 'string') {
    throw new PyException('ValueError', `invalid literal for int() with base 10: '${value}'`);
  }
  throw new PyException(
    'TypeError',
    `int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(value)}'`,
  );
}

function jsonLoads(text: unknown): unknown {
  if (typeof text !== 'string') {
    throw new PyException(
      'TypeError',
      `the JSON object must be str, bytes or bytearray, not ${pyTypeName(text)}`,
    );
  }
  try {
    return pyJsonLoads(text);
  } catch (e) {
    throw new PyException('JSONDecodeError', (e as Error).message);
  }
}

const VALID_STATES = ['running', 'failed', 'finished', 'holding', 'starting', 'transferring'];

const UPDATE_JOB_PARAMS: PyParam[] = [
  p('jobId', null),
  p('state', null),
  ...['token', 'transExitCode', 'pilotErrorCode', 'pilotErrorDiag', 'timestamp'].map((n) => p(n, null, null)),
  p('timeout', null, 60),
  p('xml', null, ''),
  ...[
    'node',
    'workdir',
    'cpuConsumptionTime',
    'cpuConsumptionUnit',
    'remainingSpace',
    'schedulerID',
    'pilotID',
    'siteName',
    'messageLevel',
  ].map((n) => p(n, null, null)),
  p('pilotLog', null, ''),
  p('metaData', null, ''),
  ...[
    'cpuConversionFactor',
    'exeErrorCode',
    'exeErrorDiag',
    'pilotTiming',
    'computingElement',
    'startTime',
    'endTime',
    'nEvents',
    'nInputFiles',
    'batchID',
    'attemptNr',
    'jobMetrics',
  ].map((n) => p(n, null, null)),
  p('stdout', null, ''),
  ...[
    'jobSubStatus',
    'coreCount',
    'maxRSS',
    'maxVMEM',
    'maxSWAP',
    'maxPSS',
    'avgRSS',
    'avgVMEM',
    'avgSWAP',
    'avgPSS',
    'totRCHAR',
    'totWCHAR',
    'totRBYTES',
    'totWBYTES',
    'rateRCHAR',
    'rateWCHAR',
    'rateRBYTES',
    'rateWBYTES',
    'corruptedFiles',
    'meanCoreCount',
    'cpu_architecture_level',
    'grid',
    'source_site',
    'destination_site',
  ].map((n) => p(n, null, null)),
];

type PreparedUpdate = { result: LegacyResult } | { update: WmsJobUpdate; acceptJson: boolean };

/** The module-level updateJob up to the WMS call. */
function prepareUpdateJob(
  args: Record<string, unknown>,
  sent: Record<string, unknown>,
  call: Call,
): PreparedUpdate {
  const { acceptJson, state } = call;
  if (!call.auth.secure) {
    return {
      result: statusResponse(
        SC_ROLE,
        acceptJson,
        acceptJson ? 'no production/pilot role in VOMS FQANs or non pilot owner' : null,
      ),
    };
  }
  if (args.jobId === 'NULL') return { result: statusResponse(SC_SUCCESS, acceptJson) };
  if (!VALID_STATES.includes(args.state as string)) return { result: statusResponse(SC_SUCCESS, acceptJson) };
  const jobId = pyInt(args.jobId);
  pyInt(args.timeout);
  const status = args.state as string;
  if (!state.wms.hasJob(jobId)) {
    // Metadata of an unknown job cannot be stored (answered with a bare success); otherwise the
    // pilot is told to kill the job.
    if (args.metaData !== '' && status !== 'failed')
      return { result: statusResponse(SC_SUCCESS, acceptJson) };
    return { result: response({ StatusCode: SC_SUCCESS, command: 'tobekilled' }, acceptJson) };
  }
  if (state.wms.finalStatusOf(jobId) !== undefined) {
    return { result: response({ StatusCode: SC_SUCCESS, command: 'alreadydone' }, acceptJson) };
  }
  return { update: wmsUpdateOfLegacy({ ...sent, jobId, state: status }), acceptJson };
}

async function applyUpdates(prepared: PreparedUpdate[], state: ServerState): Promise<LegacyResult[]> {
  const pending = prepared.filter(
    (x): x is Extract<PreparedUpdate, { update: WmsJobUpdate }> => 'update' in x,
  );
  const replies = pending.length > 0 ? await state.wms.updateJobs(pending.map((x) => x.update)) : [];
  return prepared.map((x) => {
    if ('result' in x) return x.result;
    const reply = replies[pending.indexOf(x)];
    if (!reply?.ok) return statusResponse(SC_FAILED, x.acceptJson);
    return response({ StatusCode: SC_SUCCESS, command: reply.command ?? 'NULL' }, x.acceptJson);
  });
}

function pythonIsoformat(date: Date): string {
  const iso = date.toISOString().slice(0, 23);
  return iso.endsWith('.000') ? iso.slice(0, 19) : `${iso}000`;
}

const METHODS: Record<string, LegacyMethod> = {
  isAlive: { params: [], run: async () => 'alive=yes' },

  getJob: {
    params: [
      p('siteName', null),
      ...['token'].map((n) => p(n, null, null)),
      p('timeout', null, 60),
      ...[
        'cpu',
        'mem',
        'diskSpace',
        'prodSourceLabel',
        'node',
        'computingElement',
        'AtlasRelease',
        'prodUserID',
        'getProxyKey',
        'countryGroup',
        'workingGroup',
        'allowOtherCountry',
        'taskID',
        'nJobs',
        'background',
        'resourceType',
        'harvester_id',
        'worker_id',
        'schedulerID',
        'jobType',
        'viaTopic',
        'remaining_time',
      ].map((n) => p(n, null, null)),
    ],
    run: async (args, { state, auth, acceptJson }) => {
      if (!auth.secure && args.prodSourceLabel !== 'user') {
        return statusResponse(
          SC_ROLE,
          acceptJson,
          acceptJson ? 'no production/pilot role in VOMS FQANs or non pilot owner' : null,
        );
      }
      pyInt(args.timeout);
      let n = 1;
      try {
        n = pyInt(args.nJobs);
      } catch {
        n = 1;
      }
      const criteria: Parameters<ServerState['wms']['getJobs']>[1] = { siteName: String(args.siteName) };
      if (args.prodSourceLabel !== null) criteria.prodSourceLabel = String(args.prodSourceLabel);
      if (args.computingElement !== null) criteria.computingElement = String(args.computingElement);
      if (args.node !== null) criteria.nodeName = String(args.node);
      if (args.resourceType !== null)
        criteria.additionalCriteria = { resourceType: String(args.resourceType) };
      const jobs = n > 0 ? await state.wms.getJobs(n, criteria) : [];
      if (jobs.length === 0)
        return statusResponse(SC_NO_JOBS, acceptJson, acceptJson ? 'no jobs in PanDA' : null);
      const list = jobs.map((job) => ({ StatusCode: SC_SUCCESS, ...job, nSent: jobs.length }));
      // Without nJobs the answer is the (only) job's own response.
      if (args.nJobs === null) return response(list.at(-1) as Record<string, unknown>, acceptJson);
      return response({ StatusCode: SC_SUCCESS, jobs: acceptJson ? list : pyJsonDumps(list) }, acceptJson);
    },
  },

  updateJob: {
    params: UPDATE_JOB_PARAMS,
    run: async (args, call) => {
      const sent = Object.fromEntries(Object.entries(args).filter(([k, v]) => v !== null && k !== 'timeout'));
      const [result] = await applyUpdates([prepareUpdateJob(args, sent, call)], call.state);
      return result as LegacyResult;
    },
  },

  updateJobsInBulk: {
    params: [p('jobList', null), p('harvester_id', null, null)],
    run: async (args, call) => {
      const prefix = `updateJobsInBulk ${pyStr(args.harvester_id)}`;
      const prepared: PreparedUpdate[] = [];
      let failure: PyException | undefined;
      try {
        const list = jsonLoads(args.jobList);
        if (!Array.isArray(list))
          throw new PyException('TypeError', `'${pyTypeName(list)}' object is not iterable`);
        for (const entry of list as unknown[]) {
          if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
            throw new PyException('TypeError', `'${pyTypeName(entry)}' object is not subscriptable`);
          }
          const dict = { ...(entry as Record<string, unknown>) };
          if (!('jobId' in dict)) throw new PyException('KeyError', "'jobId'");
          const jobId = dict.jobId;
          delete dict.jobId;
          if (!('state' in dict)) throw new PyException('KeyError', "'state'");
          const st = dict.state;
          delete dict.state;
          if ('metaData' in dict) dict.metaData = pyStr(dict.metaData);
          const kwargs = { jobId, state: st, ...dict };
          const bound = bindLegacyArguments(UPDATE_JOB_PARAMS, kwargs, 'updateJob');
          prepared.push(prepareUpdateJob(bound, kwargs, call));
        }
      } catch (e) {
        if (!(e instanceof PyException)) throw e;
        failure = e;
      }
      const results = await applyUpdates(prepared, call.state);
      if (failure) return pyJsonDumps([false, `${prefix} failed with ${failure.type} ${failure.message}`]);
      return pyJsonDumps([true, results]);
    },
  },

  checkJobStatus: {
    params: [p('ids', null), p('timeout', null, 60)],
    run: async (args, { state }) => {
      pyInt(args.timeout);
      const ids = String(args.ids)
        .split(',')
        .filter((s) => s.trim() !== '')
        .map((s) => Number(s));
      return response({ StatusCode: SC_SUCCESS, data: await checkJobStatus(ids, state) }, true);
    },
  },

  getEventRanges: {
    params: [
      p('pandaID', null),
      p('jobsetID', null),
      p('taskID', null, null),
      p('nRanges', null, 10),
      p('timeout', null, 60),
      p('scattered', null, null),
      p('segment_id', null, null),
    ],
    run: async (args, { state, auth, acceptJson }) => {
      if (!auth.secure) return 'production or pilot role is required';
      if (args.segment_id !== null) pyInt(args.segment_id);
      pyInt(args.timeout);
      const id = pyInt(args.pandaID);
      const ranges = await state.wms.getEventRanges([
        { pandaID: id, nRanges: pyIntOfFloat(String(args.nRanges)) },
      ]);
      const list = ranges[String(id)] ?? [];
      return response(
        { StatusCode: SC_SUCCESS, eventRanges: acceptJson ? list : pyJsonDumps(list) },
        acceptJson,
      );
    },
  },

  updateEventRanges: {
    params: [
      p('eventRanges', null),
      p('timeout', null, 120),
      p('version', null, 0),
      p('pandaID', null, null),
    ],
    run: async (args, { state, auth, acceptJson }) => {
      if (!auth.secure) return 'production or pilot role is required';
      let version = 0;
      try {
        version = pyInt(args.version);
      } catch {
        version = 0;
      }
      pyInt(args.timeout);
      const result = await updateEventRanges(String(args.eventRanges), version, state);
      const returns = result?.returns ?? null;
      const commands = result?.commands ?? {};
      // Version 0 answers carried both as JSON texts.
      return response(
        {
          StatusCode: SC_SUCCESS,
          Returns: version === 0 ? pyJsonDumps(returns) : returns,
          Command: version === 0 ? pyJsonDumps(commands) : commands,
        },
        acceptJson,
      );
    },
  },

  checkEventsAvailability: {
    params: [p('pandaID', null), p('jobsetID', null), p('taskID', null), p('timeout', null, 60)],
    run: async (args, { state }) =>
      response(
        { StatusCode: SC_SUCCESS, nEventRanges: state.wms.eventRangesAvailable(pyInt(args.pandaID)) },
        true,
      ),
  },

  getCommands: {
    params: [p('harvester_id', null), p('n_commands', null), p('timeout', null, 30)],
    run: async (args, { state, acceptJson }) => {
      const commands = await state.wms.getCommands(pyInt(args.n_commands));
      return response(
        {
          StatusCode: SC_SUCCESS,
          Returns: 0,
          Commands: commands.map((c) => ({
            command_id: c.commandID,
            command: c.command,
            params: c.params ?? null,
            ack_requested: c.ackRequested ? 1 : 0,
            creation_date: c.creationDate ? pythonIsoformat(c.creationDate) : null,
          })),
        },
        acceptJson,
      );
    },
  },

  ackCommands: {
    params: [p('command_ids', null), p('timeout', null, 30)],
    run: async (args, { state, acceptJson }) => {
      const ids = jsonLoads(args.command_ids);
      if (!Array.isArray(ids) || ids.length === 0)
        return response({ StatusCode: SC_SUCCESS, Returns: -1 }, acceptJson);
      await state.wms.ackCommands(ids.map(Number));
      return response({ StatusCode: SC_SUCCESS, Returns: 0 }, acceptJson);
    },
  },

  getResourceTypes: {
    params: [p('timeout', null, 30)],
    run: async (_args, { state, acceptJson }) =>
      response(
        { StatusCode: SC_SUCCESS, Returns: 0, ResourceTypes: state.resourceTypes.map((r) => ({ ...r })) },
        acceptJson,
      ),
  },

  getProxy: {
    params: [p('role', null, null), p('dn', null, null)],
    run: async (args, { state, auth, acceptJson }) => {
      const proxy = state.credentials.proxy;
      if (!auth.secure) return statusResponse(70, acceptJson, 'Cannot extract DN from proxy. not HTTPS?');
      if (proxy === undefined) {
        return statusResponse(
          SC_FAILED,
          acceptJson,
          `'proxy' not found for ${pyStr(args.dn ?? auth.dn ?? '')}`,
        );
      }
      return response({ StatusCode: SC_SUCCESS, userProxy: proxy }, acceptJson);
    },
  },

  updateWorkers: {
    params: [p('harvesterID', null), p('workers', null)],
    run: async (args, { state, auth }) => {
      if (!auth.secure) return pyJsonDumps([false, MESSAGE_SSL]);
      let workers: unknown;
      try {
        workers = jsonLoads(args.workers);
      } catch {
        return pyJsonDumps([false, MESSAGE_JSON]);
      }
      const result = Array.isArray(workers)
        ? await updateWorkers(String(args.harvesterID), workers, state)
        : null;
      return pyJsonDumps(result === null ? [false, MESSAGE_DATABASE] : [true, result]);
    },
  },

  harvesterIsAlive: {
    params: [p('harvesterID', null), p('data', null, null)],
    run: async (args, { state, auth }) => {
      if (!auth.secure) return pyJsonDumps([false, MESSAGE_SSL]);
      let data: unknown = {};
      try {
        if (args.data !== null) data = jsonLoads(args.data);
      } catch {
        return pyJsonDumps([false, MESSAGE_JSON]);
      }
      if (typeof data !== 'object' || data === null || Array.isArray(data))
        return pyJsonDumps([false, MESSAGE_DATABASE]);
      const harvesterId = String(args.harvesterID);
      await state.wms.isAlive(data as Record<string, unknown>);
      state.heartbeats.push({
        harvesterId,
        data: data as Record<string, unknown>,
        api: 'legacy',
        at: state.now(),
      });
      const known = state.harvesterInstances.has(harvesterId);
      state.harvesterInstances.add(harvesterId);
      return pyJsonDumps([true, known ? 'succeeded' : 'no instance record']);
    },
  },

  reportWorkerStats_jobtype: {
    params: [p('harvesterID', null), p('siteName', null), p('paramsList', null)],
    run: async (args, { state, auth }) => {
      if (!auth.secure) return pyJsonDumps([false, MESSAGE_SSL]);
      const ok = await reportWorkerStats(
        String(args.harvesterID),
        String(args.siteName),
        String(args.paramsList),
        state,
      );
      return pyJsonDumps(ok ? [true, 'OK'] : [false, 'database error']);
    },
  },

  addHarvesterDialogs: {
    params: [p('harvesterID', null), p('dialogs', null)],
    run: async (args, { state, auth }) => {
      if (!auth.secure) return pyJsonDumps([false, MESSAGE_SSL]);
      let dialogs: unknown;
      try {
        dialogs = jsonLoads(args.dialogs);
      } catch {
        return pyJsonDumps([false, MESSAGE_JSON]);
      }
      const ok = Array.isArray(dialogs) && (await addDialogs(dialogs, state));
      return pyJsonDumps(ok ? [true, ''] : [false, MESSAGE_DATABASE]);
    },
  },

  updateServiceMetrics: {
    params: [p('harvesterID', null), p('metrics', null)],
    run: async (args, { state, auth }) => {
      if (!auth.secure) return pyJsonDumps([false, MESSAGE_SSL]);
      let metrics: unknown;
      try {
        metrics = jsonLoads(args.metrics);
      } catch {
        return pyJsonDumps([false, MESSAGE_JSON]);
      }
      const ok = Array.isArray(metrics) && recordServiceMetrics(String(args.harvesterID), metrics, state);
      return pyJsonDumps(ok ? [true, [true]] : [false, MESSAGE_DATABASE]);
    },
  },

  getWorkerStats: { params: [], run: async (_args, { state }) => pyJsonDumps(workerStatistics(state)) },

  get_max_worker_id: {
    params: [p('harvester_id', null)],
    run: async (args, { state }) => pyJsonDumps(state.maxWorkerIds.get(String(args.harvester_id)) ?? null),
  },

  uploadLog: {
    params: [p('file', null)],
    run: async (args, { state, auth }) => {
      if (!auth.secure) return 'ERROR : no HTTPS';
      return storeUpload(args.file as PyFileStorage, state);
    },
  },

  updateLog: {
    params: [p('file', null)],
    run: async (args, { state }) => {
      storeUpload(args.file as PyFileStorage, state);
      return 'True';
    },
  },
};

/** The legacy methods the fake implements. */
export const LEGACY_METHODS: readonly string[] = Object.keys(METHODS);

/** Answers one legacy request; PyExceptions propagate (HTTP 500 with their text). */
export async function handleLegacy(ctx: LegacyContext): Promise<LegacyAnswer> {
  const def = Object.hasOwn(METHODS, ctx.method) ? METHODS[ctx.method] : undefined;
  if (!def) {
    return {
      status: 403,
      contentType: 'text/plain',
      body: `ERROR : method ${ctx.method} is forbidden`,
      params: {},
    };
  }
  const contentType = ctx.headers['content-type'];
  let params: Record<string, unknown>;
  if (contentType === 'application/json') {
    // The old server gunzipped every JSON body and turned booleans into "True"/"False".
    const parsed = pyJsonLoads(pyGunzip(ctx.body).toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new PyException(
        'TypeError',
        `${ctx.method}() argument after ** must be a mapping, not ${pyTypeName(parsed)}`,
      );
    }
    params = Object.fromEntries(
      Object.entries(parsed).map(([k, v]) => [k, v === true ? 'True' : v === false ? 'False' : v]),
    );
  } else if (ctx.requestMethod === 'GET' || ctx.requestMethod === 'HEAD') {
    params = parseQuery(ctx.query);
  } else {
    params = parseForm(ctx.body, contentType);
  }
  const args = bindLegacyArguments(def.params, params, ctx.method);
  const accept = ctx.headers.accept;
  const acceptJson = typeof accept === 'string' && accept.includes('application/json');
  const result = await def.run(args, { state: ctx.state, auth: ctx.auth, acceptJson });
  if (typeof result === 'string') return { status: 200, contentType: 'text/plain', body: result, params };
  return { status: 200, contentType: 'application/json', body: result.content, params };
}
