// The shared-file messenger (Harvester's SharedFileMessenger): the harvester and a worker talk
// through files in the worker's access point directory (for ManyToOne, one sub-directory per
// job: `<accessPoint>/<PandaID>`). File names and directions: see SHARED_FILE_DEFAULT_NAMES.
//
// Reading what workers write, the messenger trusts nothing: every path is checked to stay under
// the worker's access point (also through symlinks), worker files are opened without following
// symlinks, and malformed content is logged with the file's path and skipped — the get* methods
// return what can be trusted, never half-parsed data, and throw only for I/O failures (as a
// HarvesterError naming the method, the worker and the cause).
//
// `.read` protocol (event_status.dump.json, worker_updateevents.json): a file is renamed to
// `<name>.read` before it is read, and stays so until acknowledgeEventsFiles renames it to
// `<name>.read.<timestamp>`. A harvester that dies in between reads the same `.read` file again:
// delivery is at least once, so consumers must accept duplicates. A new file the worker writes
// meanwhile waits under its own name until the `.read` file is acknowledged.
import { chmod, lstat, mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  type CallOptions,
  defineMessenger,
  type EventRange,
  type EventRequest,
  type EventUpdate,
  fatal,
  HarvesterError,
  type JobAttributes,
  type JobSpec,
  MapType,
  type Messenger,
  type Outcome,
  type OutputFileReport,
  type PluginContext,
  type PluginLogger,
  retryLater,
  success,
  type WorkSpec,
} from '@harvester-ts/core';
import { ENGINE_PLUGIN_COMPATIBILITY } from '../plugins/compatibility.js';
import { WORKER_WRAPPER_FILE_NAMES } from '../worker/file-names.js';
import { accessPointRoot, expandAccessPoint } from './access-point.js';
import {
  adler32OfFile,
  errorMessage,
  existsNoFollow,
  fileTimestamp,
  isMissing,
  readWorkerFile,
  symlinkAtomic,
  writeFileAtomic,
} from './files.js';
import { assertPandaID, jobFileNames, type PreparedJob, prepareJob } from './job-files.js';
import { collectLogFiles, makeTarball } from './log-tarball.js';
import { type SharedFileMessengerOptions, sharedFileMessengerOptionsSchema } from './options.js';
import {
  acceptReportedPath,
  assertRealpathUnder,
  assertSafeLfn,
  isWithin,
  plainFileNameProblem,
  realpathOfNearest,
  UnsafePathError,
} from './safe-path.js';
import { renderEnvFile, ShellValueError } from './shell.js';

const DIR_MODE = 0o750;
const FILE_MODE = 0o640;
const READ_SUFFIX = '.read';
const OUTPUT_TYPES: ReadonlySet<OutputFileReport['type']> = new Set([
  'output',
  'log',
  'es_output',
  'zip_output',
  'checkpoint',
]);

/** A failure of a messenger method that is not about the worker's data (I/O, permissions, ...). */
export class MessengerError extends HarvesterError {
  constructor(message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('MESSENGER_FAILED', message, context, options);
  }
}

type JsonRead =
  | { kind: 'missing' }
  | { kind: 'ok'; value: unknown; mtimeMs: number }
  | { kind: 'bad'; reason: string; mtimeMs: number | undefined };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const DIGITS = /^[0-9]+$/;

function pandaIDKey(key: string): number | undefined {
  if (!DIGITS.test(key)) return undefined;
  const n = Number(key);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function positiveInt(value: unknown): number | undefined {
  const n = typeof value === 'string' && DIGITS.test(value.trim()) ? Number(value.trim()) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** PanDA's job-update time format (UTC `YYYY-MM-DD HH:MM:SS`) of epoch seconds. */
function pandaTimeOfEpoch(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** startTime/endTime given as epoch seconds (as the wrapper writes them) in PanDA's format. */
function normalizeTimes(attrs: Record<string, unknown>): void {
  for (const key of ['startTime', 'endTime']) {
    const v = attrs[key];
    const seconds = typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v;
    if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0) {
      attrs[key] = pandaTimeOfEpoch(seconds);
    }
  }
}

export class SharedFileMessengerInstance implements Messenger {
  readonly options: SharedFileMessengerOptions;
  /** Every access point of this messenger lies strictly under this directory. */
  readonly root: string;
  private readonly harvesterID: string;
  private readonly log: PluginLogger;

  constructor(options: SharedFileMessengerOptions, ctx: Pick<PluginContext, 'harvesterId' | 'logger'>) {
    const problem = plainFileNameProblem(ctx.harvesterId);
    if (problem) {
      throw new UnsafePathError(ctx.harvesterId, `harvesterID is not usable in a path: it ${problem}`);
    }
    this.options = options;
    this.harvesterID = ctx.harvesterId;
    this.root = accessPointRoot(options.accessPoint, ctx.harvesterId);
    this.log = ctx.logger;
  }

  // ---- access points ----------------------------------------------------------------------

  /** The worker's access point (its stored accessPoint, else the template), strictly under root. */
  private workerDir(worker: WorkSpec): string {
    const template = worker.accessPoint ?? this.options.accessPoint;
    let dir: string;
    try {
      dir = expandAccessPoint(template, { workerID: worker.workerID, harvesterID: this.harvesterID });
    } catch (err) {
      throw new UnsafePathError(template, errorMessage(err), { workerID: worker.workerID });
    }
    if (!isWithin(this.root, dir, { strict: true })) {
      throw new UnsafePathError(dir, `access point of worker ${worker.workerID} is not under ${this.root}`, {
        workerID: worker.workerID,
      });
    }
    return dir;
  }

  getAccessPoint(worker: WorkSpec, pandaID?: number): string {
    const dir = this.workerDir(worker);
    if (pandaID === undefined || worker.mapType !== MapType.ManyToOne) return dir;
    return join(dir, String(assertPandaID(pandaID)));
  }

  /** The worker's access point resolved through symlinks; refuses one that leads outside root. */
  private async realWorkerDir(worker: WorkSpec): Promise<string> {
    return assertRealpathUnder(this.root, this.workerDir(worker), { context: { workerID: worker.workerID } });
  }

  /**
   * The job directories of a worker with their PandaIDs: one per job for ManyToOne, else the
   * access point for all of them. The worker directory must lie under root; a job directory
   * that leads out of the worker directory (a symlink a payload planted) is left out, logged.
   */
  private async jobDirs(worker: WorkSpec): Promise<{ dir: string; pandaIDs: number[] }[]> {
    const realWorkerDir = await this.realWorkerDir(worker);
    const pandaIDs = await this.pandaIDsOf(worker);
    const workerDir = this.workerDir(worker);
    if (worker.mapType !== MapType.ManyToOne) return [{ dir: workerDir, pandaIDs }];
    const dirs: { dir: string; pandaIDs: number[] }[] = [];
    for (const id of pandaIDs) {
      const dir = join(workerDir, String(id));
      try {
        await assertRealpathUnder(realWorkerDir, dir, { context: { pandaID: id } });
        dirs.push({ dir, pandaIDs: [id] });
      } catch (err) {
        if (!(err instanceof UnsafePathError)) throw err;
        this.workerLog(worker).error({ path: dir, err }, `skipping job directory ${dir}: ${err.message}`);
      }
    }
    return dirs;
  }

  /** The worker's jobs, else (pull workers) the PandaIDs file. */
  private async pandaIDsOf(worker: WorkSpec): Promise<number[]> {
    const fromJobs = (worker.jobs ?? []).map((j) => j.PandaID).filter((id) => pandaIDKey(String(id)));
    if (fromJobs.length > 0) return [...new Set(fromJobs)];
    return this.readPandaIDsFile(worker);
  }

  // ---- reading worker files ---------------------------------------------------------------

  private async readJson(path: string): Promise<JsonRead> {
    const r = await readWorkerFile(path, this.options.maxJsonFileBytes);
    if (r.kind === 'missing') return r;
    if (r.kind === 'refused') return { kind: 'bad', reason: r.reason, mtimeMs: undefined };
    try {
      return { kind: 'ok', value: JSON.parse(r.text) as unknown, mtimeMs: r.mtimeMs };
    } catch (err) {
      return { kind: 'bad', reason: `malformed JSON: ${errorMessage(err)}`, mtimeMs: r.mtimeMs };
    }
  }

  /** Reads a plain (non-`.read`) worker file; a bad one is logged with its path and ignored. */
  private async readJsonOrWarn(path: string, log: PluginLogger): Promise<unknown> {
    const r = await this.readJson(path);
    if (r.kind === 'missing') return undefined;
    if (r.kind === 'bad') {
      log.warn({ file: path, reason: r.reason }, `ignoring ${path}: ${r.reason}`);
      return undefined;
    }
    return r.value;
  }

  private async setAside(path: string, log: PluginLogger, reason: string): Promise<void> {
    const to = `${path}.bad.${fileTimestamp()}`;
    try {
      await rename(path, to);
      log.error({ file: path, movedTo: to, reason }, `set aside ${path} as ${to}: ${reason}`);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }

  private async acknowledge(path: string): Promise<void> {
    try {
      await rename(path, `${path}.${fileTimestamp()}`);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }

  /**
   * The `.read` protocol, reading side: the pending `<name>.read` if there is one, else
   * `<name>` renamed to `<name>.read`. Returns its parsed content, or undefined when there is
   * nothing (yet) to read. Malformed content is left for another attempt for
   * malformedFileGraceSeconds (a writer may still be completing it), then set aside.
   */
  private async takeReadFile(
    dir: string,
    name: string,
    log: PluginLogger,
  ): Promise<{ path: string; value: unknown } | undefined> {
    const base = join(dir, name);
    const readPath = base + READ_SUFFIX;
    if (!(await existsNoFollow(readPath))) {
      try {
        await rename(base, readPath);
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    }
    const r = await this.readJson(readPath);
    if (r.kind === 'missing') return undefined;
    if (r.kind === 'bad') {
      const age = r.mtimeMs === undefined ? Number.POSITIVE_INFINITY : Date.now() - r.mtimeMs;
      if (age < this.options.malformedFileGraceSeconds * 1000) {
        log.warn(
          { file: readPath, reason: r.reason },
          `cannot use ${readPath} yet (${r.reason}); trying again in a later cycle`,
        );
      } else {
        await this.setAside(readPath, log, r.reason);
      }
      return undefined;
    }
    return { path: readPath, value: r.value };
  }

  private async readPandaIDsFile(worker: WorkSpec): Promise<number[]> {
    const path = join(this.workerDir(worker), this.options.pandaIDsFile);
    const value = await this.readJsonOrWarn(path, this.workerLog(worker));
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.workerLog(worker).warn({ file: path }, `ignoring ${path}: not a JSON list of PandaIDs`);
      return [];
    }
    const ids: number[] = [];
    for (const v of value) {
      const id = positiveInt(v);
      if (id === undefined) {
        this.workerLog(worker).warn(
          { file: path, value: v },
          `ignoring PandaID ${JSON.stringify(v)} in ${path}`,
        );
      } else if (!ids.includes(id)) ids.push(id);
    }
    return ids;
  }

  private workerLog(worker: WorkSpec): PluginLogger {
    return this.log.child({ workerID: worker.workerID });
  }

  /** Runs a read method, turning unexpected failures into a MessengerError that explains them. */
  private async explained<T>(method: string, worker: WorkSpec, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (err) {
      if (err instanceof HarvesterError) throw err;
      throw new MessengerError(
        `${method} of worker ${worker.workerID} failed: ${errorMessage(err)}`,
        { method, workerID: worker.workerID, path: (err as NodeJS.ErrnoException).path },
        { cause: err },
      );
    }
  }

  // ---- Messenger: setup and feeding -------------------------------------------------------

  async setupAccessPoints(workers: WorkSpec[], _call?: CallOptions): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const worker of workers) {
      let current = '';
      try {
        current = this.workerDir(worker);
        const dirs = [current];
        if (worker.mapType === MapType.ManyToOne) {
          for (const job of worker.jobs ?? []) dirs.push(this.getAccessPoint(worker, job.PandaID));
        }
        for (const dir of dirs) {
          current = dir;
          const created = await mkdir(dir, { recursive: true, mode: DIR_MODE });
          if (created !== undefined) await chmod(dir, DIR_MODE);
          await assertRealpathUnder(this.root, dir, { context: { workerID: worker.workerID } });
        }
        outcomes.push(success());
      } catch (err) {
        const diag = `cannot set up access point ${current} of worker ${worker.workerID}: ${errorMessage(err)}`;
        this.workerLog(worker).error({ path: current, err }, diag);
        outcomes.push(fatal(diag));
      }
    }
    return outcomes;
  }

  async feedJobs(worker: WorkSpec, jobs: JobSpec[], _call?: CallOptions): Promise<Outcome> {
    const log = this.workerLog(worker);
    // 1. Validate everything before writing anything.
    let prepared: PreparedJob[];
    let workerDir: string;
    try {
      workerDir = this.workerDir(worker);
      if (worker.mapType !== MapType.ManyToOne && jobs.length > 1) {
        return fatal(
          `worker ${worker.workerID} (${worker.mapType}) takes one job, got ${jobs.length}: ${jobs
            .map((j) => j.PandaID)
            .join(', ')}`,
        );
      }
      prepared = jobs.map((job) => prepareJob(worker, job, this.harvesterID));
    } catch (err) {
      if (err instanceof UnsafePathError || err instanceof ShellValueError) {
        // Name the job: the host fails that one and lets the others of the worker go on.
        const pandaID = (err.context as { pandaID?: unknown }).pandaID;
        const which = typeof pandaID === 'number' ? `job ${pandaID}` : 'jobs';
        const diag = `cannot feed ${which} to worker ${worker.workerID}: ${err.message}`;
        log.error({ err }, diag);
        return fatal(diag);
      }
      throw err;
    }
    // 2. Write: per job directory, then the worker-level files, the job list last.
    let current = workerDir;
    try {
      const realWorkerDir = await assertRealpathUnder(this.root, workerDir, {
        context: { workerID: worker.workerID },
      });
      const listEntries: string[] = [];
      for (const job of prepared) {
        const dir = this.getAccessPoint(worker, job.pandaID);
        current = dir;
        if (dir !== workerDir) {
          const created = await mkdir(dir, { recursive: true, mode: DIR_MODE });
          if (created !== undefined) await chmod(dir, DIR_MODE);
        }
        await assertRealpathUnder(realWorkerDir, dir, {
          allowEqual: true,
          context: { pandaID: job.pandaID },
        });
        current = join(dir, this.options.jobSpecFile);
        await writeFileAtomic(current, job.jobSpecJson, FILE_MODE);
        current = join(dir, this.options.xmlPoolCatalogFile);
        await writeFileAtomic(current, job.poolFileCatalog, FILE_MODE);
        for (const link of job.links) {
          current = join(dir, link.lfn);
          if (link.target !== current) await symlinkAtomic(link.target, current);
        }
        current = join(dir, WORKER_WRAPPER_FILE_NAMES.jobEnv);
        await writeFileAtomic(current, job.envFile, FILE_MODE);
        listEntries.push(dir === workerDir ? '.' : String(job.pandaID));
      }
      current = join(workerDir, this.options.pandaIDsFile);
      await writeFileAtomic(current, JSON.stringify(prepared.map((j) => j.pandaID)), FILE_MODE);
      current = join(workerDir, WORKER_WRAPPER_FILE_NAMES.workerEnv);
      await writeFileAtomic(current, this.workerEnvFile(worker), FILE_MODE);
      current = join(workerDir, WORKER_WRAPPER_FILE_NAMES.jobList);
      await writeFileAtomic(current, listEntries.map((e) => `${e}\n`).join(''), FILE_MODE);
      current = join(workerDir, this.options.jobRequestFile);
      await rm(current, { force: true });
      log.debug({ pandaIDs: prepared.map((j) => j.pandaID) }, 'fed jobs');
      return success();
    } catch (err) {
      const diag = `cannot feed jobs to worker ${worker.workerID} at ${current}: ${errorMessage(err)}`;
      log.error({ path: current, err }, diag);
      return fatal(diag);
    }
  }

  /** `harvester-worker.env`: identity and the file names the wrapper must use. */
  private workerEnvFile(worker: WorkSpec): string {
    const o = this.options;
    const entries: [string, string][] = [
      ['HARVESTER_WORKER_ID', String(worker.workerID)],
      ['HARVESTER_ID', this.harvesterID],
      ['HARVESTER_MAP_TYPE', String(worker.mapType)],
      ['HARVESTER_KILL_FILE', o.killWorkerFile],
      ['HARVESTER_HEARTBEAT_FILE', o.heartbeatFile],
      ['HARVESTER_ATTRIBUTES_FILE', o.workerAttributesFile],
      ['HARVESTER_JOB_REPORT_FILE', o.jobReportFile],
      ['HARVESTER_EVENT_STATUS_FILE', o.eventStatusDumpJsonFile],
    ];
    if (o.worker_heartbeat !== undefined) {
      // Touch the heartbeat at least three times per allowed interval (at most once a minute).
      const seconds = Math.max(1, Math.min(60, Math.floor((o.worker_heartbeat * 60) / 3)));
      entries.push(['HARVESTER_WORKER_HEARTBEAT_INTERVAL', String(seconds)]);
    }
    return renderEnvFile(entries, 'Worker settings for harvester-worker.sh, written by the harvester.');
  }

  async jobRequested(worker: WorkSpec, _call?: CallOptions): Promise<number | null> {
    return this.explained('jobRequested', worker, async () => {
      const path = join(await this.realWorkerDir(worker), this.options.jobRequestFile);
      const r = await this.readJson(path);
      if (r.kind === 'missing') return null;
      const n = r.kind === 'ok' && isPlainObject(r.value) ? positiveInt(r.value.nJobs) : undefined;
      if (n === undefined) {
        // Harvester: a request file that cannot be read asks for one job.
        const reason = r.kind === 'bad' ? r.reason : 'no positive integer nJobs';
        this.workerLog(worker).warn(
          { file: path, reason },
          `job request ${path}: ${reason}; taking it as 1 job`,
        );
        return 1;
      }
      return n;
    });
  }

  // ---- Messenger: what the worker reports -------------------------------------------------

  async getWorkAttributes(worker: WorkSpec, _call?: CallOptions): Promise<Record<string, JobAttributes>> {
    return this.explained('getWorkAttributes', worker, async () => {
      const log = this.workerLog(worker);
      await this.realWorkerDir(worker);
      const result: Record<string, JobAttributes> = {};
      for (const { dir, pandaIDs } of await this.jobDirs(worker)) {
        const attrsFile = join(dir, this.options.workerAttributesFile);
        const reportFile = join(dir, this.options.jobReportFile);
        const postFile = join(dir, this.options.postProcessAttrsFile);
        const attrsValue = await this.readJsonOrWarn(attrsFile, log);
        const report = await this.readJsonOrWarn(reportFile, log);
        const post = await this.readJsonOrWarn(postFile, log);
        for (const pandaID of pandaIDs) {
          const merged: Record<string, unknown> = {};
          const own = this.attributesFor(attrsValue, pandaID, attrsFile, log);
          if (own) Object.assign(merged, own);
          if (report !== undefined) {
            if (isPlainObject(report)) merged.metaData = report;
            else log.warn({ file: reportFile }, `ignoring ${reportFile}: not a JSON object`);
          }
          if (post !== undefined) {
            if (isPlainObject(post)) Object.assign(merged, post);
            else log.warn({ file: postFile }, `ignoring ${postFile}: not a JSON object`);
          }
          normalizeTimes(merged);
          if (Object.keys(merged).length > 0) result[String(pandaID)] = merged as JobAttributes;
        }
      }
      return result;
    });
  }

  /**
   * A job's attributes from worker_attributes.json: Harvester's flat object of the job's
   * attributes; an object keyed by PandaID (`{"123": {...}}`) is accepted too.
   */
  private attributesFor(
    value: unknown,
    pandaID: number,
    file: string,
    log: PluginLogger,
  ): Record<string, unknown> | undefined {
    if (value === undefined) return undefined;
    if (!isPlainObject(value)) {
      log.warn({ file }, `ignoring ${file}: not a JSON object`);
      return undefined;
    }
    const keys = Object.keys(value);
    const keyed =
      keys.length > 0 && keys.every((k) => pandaIDKey(k) !== undefined && isPlainObject(value[k]));
    if (!keyed) return value;
    const own = value[String(pandaID)];
    return isPlainObject(own) ? own : undefined;
  }

  async getFilesToStageOut(
    worker: WorkSpec,
    _call?: CallOptions,
  ): Promise<Record<string, OutputFileReport[]>> {
    return this.explained('getFilesToStageOut', worker, async () => {
      const log = this.workerLog(worker);
      const workerDir = this.workerDir(worker);
      const realWorkerDir = await this.realWorkerDir(worker);
      const dirs = await this.jobDirs(worker);
      const allowed = new Set(dirs.flatMap((d) => d.pandaIDs));
      const result: Record<string, OutputFileReport[]> = {};
      for (const { dir } of dirs) {
        const taken = await this.takeReadFile(dir, this.options.eventStatusDumpJsonFile, log);
        if (!taken) continue;
        if (!isPlainObject(taken.value)) {
          await this.setAside(taken.path, log, 'not a JSON object keyed by PandaID');
          continue;
        }
        let accepted = 0;
        let refused = 0;
        for (const [key, list] of Object.entries(taken.value)) {
          const pandaID = pandaIDKey(key);
          if (pandaID === undefined || (allowed.size > 0 && !allowed.has(pandaID))) {
            log.error(
              { file: taken.path, key },
              `${taken.path}: refused entries for ${key}, not a job of this worker`,
            );
            refused++;
            continue;
          }
          if (!Array.isArray(list)) {
            log.error({ file: taken.path, pandaID }, `${taken.path}: entry of ${pandaID} is not a list`);
            refused++;
            continue;
          }
          for (const entry of list) {
            try {
              const report = await this.outputReport(entry, { workerDir, realWorkerDir, dir });
              const bucket = result[String(pandaID)] ?? [];
              bucket.push(report);
              result[String(pandaID)] = bucket;
              accepted++;
            } catch (err) {
              refused++;
              const path = err instanceof UnsafePathError ? err.path : undefined;
              log.error(
                { file: taken.path, pandaID, path, err },
                `${taken.path}: refused an output of job ${pandaID}: ${errorMessage(err)}`,
              );
            }
          }
        }
        if (accepted === 0) {
          // Nothing to store, so nothing would acknowledge it: close it here.
          if (refused > 0) await this.setAside(taken.path, log, 'no acceptable entry');
          else await this.acknowledge(taken.path);
        }
      }
      return result;
    });
  }

  /** One event_status.dump.json entry as an OutputFileReport, or an error saying why not. */
  private async outputReport(
    entry: unknown,
    where: { workerDir: string; realWorkerDir: string; dir: string },
  ): Promise<OutputFileReport> {
    if (!isPlainObject(entry)) throw new Error('an entry is not a JSON object');
    const reported = entry.path;
    if (typeof reported !== 'string') throw new Error('an entry has no path');
    const type = entry.type;
    if (typeof type !== 'string' || !OUTPUT_TYPES.has(type as OutputFileReport['type'])) {
      throw new Error(
        `entry ${reported} has type ${JSON.stringify(type)} (expected one of ${[...OUTPUT_TYPES].join(', ')})`,
      );
    }
    // Workers may report the path as they see it (possibly the physical path) or relative to
    // the job directory; either way it must stay inside the worker's access point.
    let full: string;
    try {
      full = acceptReportedPath(where.workerDir, where.dir, reported);
    } catch (err) {
      if (!(err instanceof UnsafePathError) || !reported.startsWith('/')) throw err;
      full = acceptReportedPath(where.realWorkerDir, where.dir, reported);
    }
    const real = await assertRealpathUnder(where.realWorkerDir, full);
    const lfnGiven = typeof entry.lfn === 'string' ? entry.lfn : undefined;
    const lfn = lfnGiven ?? basename(full);
    assertSafeLfn(lfn, { path: reported });

    const report: OutputFileReport = { path: full, lfn, type: type as OutputFileReport['type'] };
    let isFile = false;
    try {
      const st = await lstat(real);
      isFile = st.isFile();
      if (!isFile) throw new UnsafePathError(reported, 'is not a regular file');
      const given = entry.fsize;
      report.fsize =
        typeof given === 'number' && Number.isSafeInteger(given) && given >= 0 ? given : Number(st.size);
    } catch (err) {
      if (!isMissing(err)) throw err;
      // Listed but missing: reported as is, so that its stage-out fails visibly.
      this.log.warn({ path: full }, `output ${full} is listed but does not exist`);
    }
    if (typeof entry.chksum === 'string' && entry.chksum !== '') report.chksum = entry.chksum;
    else if (isFile && this.options.computeChecksums) report.chksum = `ad:${await adler32OfFile(real)}`;
    if (typeof entry.guid === 'string' && entry.guid !== '') report.guid = entry.guid;
    if (typeof entry.eventRangeID === 'string') report.eventRangeID = entry.eventRangeID;
    if (typeof entry.eventStatus === 'string') report.eventStatus = entry.eventStatus;
    if (type === 'zip_output') report.isZip = true;
    else if (type === 'output' || type === 'log' || type === 'checkpoint') report.isZip = false;
    else if (entry.isZip === true || entry.isZip === 1) report.isZip = true;
    else if (entry.isZip === false || entry.isZip === 0) report.isZip = false;
    return report;
  }

  async eventsRequested(worker: WorkSpec, _call?: CallOptions): Promise<Record<string, EventRequest>> {
    return this.explained('eventsRequested', worker, async () => {
      const log = this.workerLog(worker);
      const path = join(await this.realWorkerDir(worker), this.options.eventRequestFile);
      const value = await this.readJsonOrWarn(path, log);
      if (value === undefined) return {};
      if (!isPlainObject(value)) {
        log.warn({ file: path }, `ignoring ${path}: not a JSON object keyed by PandaID`);
        return {};
      }
      const known = new Set(await this.pandaIDsOf(worker));
      const result: Record<string, EventRequest> = {};
      for (const [key, req] of Object.entries(value)) {
        const pandaID = pandaIDKey(key);
        const nRanges = isPlainObject(req) ? positiveInt(req.nRanges) : undefined;
        if (pandaID === undefined || nRanges === undefined || !isPlainObject(req)) {
          log.warn(
            { file: path, key },
            `ignoring event request ${key} in ${path}: needs a PandaID and nRanges`,
          );
          continue;
        }
        if (known.size > 0 && !known.has(pandaID)) {
          log.warn({ file: path, pandaID }, `ignoring event request of ${pandaID}: not a job of this worker`);
          continue;
        }
        const request: EventRequest = { nRanges, pandaID };
        const taskID = positiveInt(req.taskID);
        const jobsetID = positiveInt(req.jobsetID);
        if (taskID !== undefined) request.taskID = taskID;
        if (jobsetID !== undefined) request.jobsetID = jobsetID;
        result[String(pandaID)] = request;
      }
      return result;
    });
  }

  async feedEvents(
    worker: WorkSpec,
    ranges: Record<string, EventRange[]>,
    _call?: CallOptions,
  ): Promise<Outcome> {
    const log = this.workerLog(worker);
    let current = '';
    try {
      const workerDir = this.workerDir(worker);
      current = workerDir;
      const realWorkerDir = await this.realWorkerDir(worker);
      for (const key of Object.keys(ranges)) {
        if (pandaIDKey(key) === undefined)
          return fatal(`feedEvents: ${JSON.stringify(key)} is not a PandaID`);
      }
      if (worker.mapType === MapType.ManyToOne) {
        for (const [key, list] of Object.entries(ranges)) {
          const dir = this.getAccessPoint(worker, Number(key));
          await assertRealpathUnder(realWorkerDir, dir);
          current = join(dir, this.options.eventRangesFile);
          await writeFileAtomic(current, JSON.stringify({ [key]: list }), FILE_MODE);
        }
      } else {
        current = join(workerDir, this.options.eventRangesFile);
        await writeFileAtomic(current, JSON.stringify(ranges), FILE_MODE);
      }
      current = join(workerDir, this.options.eventRequestFile);
      await rm(current, { force: true });
      return success();
    } catch (err) {
      const diag = `cannot feed events to worker ${worker.workerID} at ${current}: ${errorMessage(err)}`;
      log.error({ path: current, err }, diag);
      return err instanceof UnsafePathError ? fatal(diag) : retryLater(diag);
    }
  }

  async eventsToUpdate(worker: WorkSpec, _call?: CallOptions): Promise<Record<string, EventUpdate[]>> {
    return this.explained('eventsToUpdate', worker, async () => {
      const log = this.workerLog(worker);
      await this.realWorkerDir(worker);
      const dirs = await this.jobDirs(worker);
      const allowed = new Set(dirs.flatMap((d) => d.pandaIDs));
      const result: Record<string, EventUpdate[]> = {};
      for (const { dir } of dirs) {
        const taken = await this.takeReadFile(dir, this.options.updateEventsFile, log);
        if (!taken) continue;
        if (!isPlainObject(taken.value)) {
          await this.setAside(taken.path, log, 'not a JSON object keyed by PandaID');
          continue;
        }
        let accepted = 0;
        let refused = 0;
        for (const [key, list] of Object.entries(taken.value)) {
          const pandaID = pandaIDKey(key);
          if (pandaID === undefined || (allowed.size > 0 && !allowed.has(pandaID)) || !Array.isArray(list)) {
            log.error({ file: taken.path, key }, `${taken.path}: refused the event updates of ${key}`);
            refused++;
            continue;
          }
          for (const update of list) {
            if (
              !isPlainObject(update) ||
              typeof update.eventRangeID !== 'string' ||
              typeof update.eventStatus !== 'string'
            ) {
              log.error(
                { file: taken.path, pandaID },
                `${taken.path}: refused an event update without eventRangeID/eventStatus`,
              );
              refused++;
              continue;
            }
            const bucket = result[String(pandaID)] ?? [];
            bucket.push(update as EventUpdate);
            result[String(pandaID)] = bucket;
            accepted++;
          }
        }
        if (accepted === 0) {
          if (refused > 0) await this.setAside(taken.path, log, 'no acceptable entry');
          else await this.acknowledge(taken.path);
        }
      }
      return result;
    });
  }

  async acknowledgeEventsFiles(workers: WorkSpec[], _call?: CallOptions): Promise<void> {
    const failures: string[] = [];
    for (const worker of workers) {
      let dirs: { dir: string }[];
      try {
        dirs = await this.jobDirs(worker);
      } catch (err) {
        failures.push(`worker ${worker.workerID}: ${errorMessage(err)}`);
        continue;
      }
      for (const { dir } of dirs) {
        for (const name of [this.options.eventStatusDumpJsonFile, this.options.updateEventsFile]) {
          const path = join(dir, name + READ_SUFFIX);
          try {
            await this.acknowledge(path);
          } catch (err) {
            failures.push(`${path}: ${errorMessage(err)}`);
          }
        }
      }
    }
    if (failures.length > 0) {
      throw new MessengerError(`acknowledgeEventsFiles: cannot acknowledge ${failures.join('; ')}`, {
        failures,
      });
    }
  }

  // ---- Messenger: end of a worker ---------------------------------------------------------

  async postProcessing(
    worker: WorkSpec,
    jobs: JobSpec[],
    mapType: MapType,
    call?: CallOptions,
  ): Promise<Outcome> {
    const log = this.workerLog(worker);
    let current = '';
    try {
      const realWorkerDir = await this.realWorkerDir(worker);
      for (const job of jobs) {
        const lfn = jobFileNames(job).log;
        if (lfn === undefined) continue;
        assertSafeLfn(lfn, { pandaID: job.PandaID });
        const dir = this.getAccessPoint(worker, job.PandaID);
        current = dir;
        const realDir = await assertRealpathUnder(realWorkerDir, dir, { allowEqual: true });
        const name = mapType === MapType.OneToMany ? `${lfn}._${worker.workerID}` : lfn;
        const target = join(dir, name);
        const files = await collectLogFiles(realDir, {
          patterns: this.options.logTarballPatterns,
          exclude: new Set([name, this.options.jobSpecFile, WORKER_WRAPPER_FILE_NAMES.jobEnv]),
        });
        current = target;
        const tar = await makeTarball(
          this.options.tarCommand,
          realDir,
          files,
          join(realDir, name),
          call?.signal,
        );
        if (!tar.ok) {
          const diag = `log tarball ${target} of job ${job.PandaID}: ${tar.diag}`;
          log.warn({ path: target }, diag);
          return retryLater(diag);
        }
        const size = (await stat(join(realDir, name))).size;
        const chksum = `ad:${await adler32OfFile(join(realDir, name))}`;
        const logGuid = job.jobParams?.logGUID;
        const entry: Record<string, unknown> = {
          path: target,
          type: 'log',
          fsize: size,
          chksum,
          isZip: 0,
          eventStatus: 'finished',
        };
        if (typeof logGuid === 'string' && logGuid !== '' && logGuid !== 'NULL') entry.guid = logGuid;
        current = join(dir, this.options.eventStatusDumpJsonFile);
        await this.addToStageOutList(current, String(job.PandaID), entry, log);
        log.debug({ path: target, files: files.length }, `made log tarball of job ${job.PandaID}`);
      }
      return success();
    } catch (err) {
      const diag = `post-processing of worker ${worker.workerID} at ${current}: ${errorMessage(err)}`;
      log.error({ path: current, err }, diag);
      return err instanceof UnsafePathError ? fatal(diag) : retryLater(diag);
    }
  }

  /**
   * Adds (or replaces, by path) an entry in a job's event_status.dump.json, keeping what the
   * worker wrote there and has not been read yet. An unreadable one is set aside first.
   */
  private async addToStageOutList(
    file: string,
    pandaID: string,
    entry: Record<string, unknown>,
    log: PluginLogger,
  ): Promise<void> {
    let content: Record<string, unknown> = {};
    const existing = await this.readJson(file);
    if (existing.kind === 'ok' && isPlainObject(existing.value)) content = existing.value;
    else if (existing.kind !== 'missing') {
      await this.setAside(file, log, existing.kind === 'bad' ? existing.reason : 'not a JSON object');
    }
    const list = Array.isArray(content[pandaID]) ? (content[pandaID] as unknown[]) : [];
    const kept = list.filter((e) => !(isPlainObject(e) && e.path === entry.path));
    content[pandaID] = [...kept, entry];
    await writeFileAtomic(file, JSON.stringify(content), FILE_MODE);
  }

  async getPandaIds(worker: WorkSpec, _call?: CallOptions): Promise<number[]> {
    return this.explained('getPandaIds', worker, async () => {
      await this.realWorkerDir(worker);
      return this.readPandaIDsFile(worker);
    });
  }

  async killRequested(worker: WorkSpec, _call?: CallOptions): Promise<boolean> {
    return this.explained('killRequested', worker, async () =>
      existsNoFollow(join(this.workerDir(worker), this.options.killWorkerFile)),
    );
  }

  async isAlive(worker: WorkSpec, heartbeatMinutes: number, _call?: CallOptions): Promise<boolean | null> {
    const configured = this.options.worker_heartbeat;
    if (configured === undefined) return null;
    const minutes = Number.isFinite(heartbeatMinutes) && heartbeatMinutes > 0 ? heartbeatMinutes : configured;
    const limitMs = minutes * 60_000;
    return this.explained('isAlive', worker, async () => {
      const path = join(this.workerDir(worker), this.options.heartbeatFile);
      let mtimeMs: number;
      try {
        mtimeMs = (await lstat(path)).mtimeMs;
      } catch (err) {
        if (!isMissing(err)) throw err;
        // No heartbeat yet: alive while the worker is younger than the limit (Harvester).
        const started = worker.startTime?.getTime();
        if (started === undefined || Date.now() - started < limitMs) return true;
        return null;
      }
      return Date.now() - mtimeMs <= limitMs;
    });
  }

  async cleanUp(worker: WorkSpec, _call?: CallOptions): Promise<Outcome> {
    let dir = worker.accessPoint ?? '';
    try {
      dir = this.workerDir(worker);
      let st: Awaited<ReturnType<typeof lstat>>;
      try {
        st = await lstat(dir);
      } catch (err) {
        if (isMissing(err)) return success(undefined, `access point ${dir} is already gone`);
        throw err;
      }
      if (st.isSymbolicLink()) throw new UnsafePathError(dir, 'is a symlink; not removing it or its target');
      if (!st.isDirectory()) throw new UnsafePathError(dir, 'is not a directory');
      const realRoot = await realpathOfNearest(this.root);
      await assertRealpathUnder(realRoot, dir, { context: { workerID: worker.workerID } });
      await rm(dir, { recursive: true, force: true });
      return success();
    } catch (err) {
      const diag = `clean-up of worker ${worker.workerID}: ${errorMessage(err)}`;
      this.workerLog(worker).error({ path: dir, err }, diag);
      return err instanceof UnsafePathError ? fatal(diag) : retryLater(diag);
    }
  }
}

/**
 * The shared-file messenger plugin (queue config: `"messenger": {"module": "@harvester-ts/engine",
 * "name": "SharedFileMessenger", "accessPoint": "/data/hv/${harvesterID}/${_workerID_3.2}/${workerID}"}`).
 */
export const SharedFileMessenger = defineMessenger({
  name: 'SharedFileMessenger',
  compatibility: ENGINE_PLUGIN_COMPATIBILITY,
  description:
    "Exchanges files with workers through their access point directory (Harvester's shared-file messenger).",
  options: sharedFileMessengerOptionsSchema,
  create(options, ctx) {
    return new SharedFileMessengerInstance(options, ctx);
  },
});
