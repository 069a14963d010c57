// A WMS that is a directory. Job dictionaries (PanDA format) arrive as JSON files in inbox/ and
// are claimed by an atomic rename into claimed/; job and worker updates are written atomically
// (tmp file + rename) to outbox/; commands come from commands/; the heartbeat goes to
// status.json. A malformed file is moved to rejected/ with a `.error` file saying why. A job
// whose dictionary names a computingSite is handed only to that queue.
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CallOptions,
  type Communicator,
  type DiagSpec,
  defineCommunicator,
  fatal,
  type GetJobsRequest,
  type HeartbeatData,
  type JobCheck,
  type JobParams,
  type JobSpec,
  type JobUpdateAccepted,
  jobSpecFromPandaDict,
  type Outcome,
  type PluginContext,
  pandaJobUpdateV1,
  retryLater,
  success,
  type WmsCommand,
  type WorkerStats,
  type WorkSpec,
} from '@harvester-ts/core';
import { z } from 'zod';
import { describeIssues, type SpoolCommandEntry, spoolCommandEntry, spoolCommandID } from './commands.js';
import {
  describeError,
  errorCode,
  exists,
  freeName,
  listSpoolFiles,
  moveNoReplace,
  writeFileAtomic,
} from './files.js';
import { InboxSiteCache, jobDictSite } from './inbox-sites.js';

/** The compatibility range of @harvester-ts/core this package is built for. */
export const SPOOL_COMPATIBILITY = '^0.1.0';

/** Options of the spool communicator (unknown keys are allowed: the host may merge extra keys). */
export const spoolCommunicatorOptions = z.looseObject({
  /** The spool directory; created with its sub-directories if missing. */
  root: z.string().min(1),
  /**
   * At startup, move files that have been in claimed/ for at least this many seconds back to
   * inbox/ (jobs claimed by a process that crashed before the engine stored them). Unset: off.
   */
  recoverClaimedAfterSeconds: z.number().int().min(0).optional(),
  /** Flush written files to disk before renaming them into place (default true). */
  fsync: z.boolean().default(true),
});

export type SpoolCommunicatorOptions = z.infer<typeof spoolCommunicatorOptions>;

/** The directories of a spool, relative to its root. */
export const SPOOL_DIRECTORIES = {
  inbox: 'inbox',
  claimed: 'claimed',
  delivered: 'delivered',
  outbox: 'outbox',
  outboxTmp: join('outbox', '.tmp'),
  rejected: 'rejected',
  commands: 'commands',
  commandsDone: join('commands', 'done'),
} as const;

/** Files at the root of a spool. */
export const SPOOL_FILES = {
  status: 'status.json',
  workerStats: 'worker-stats.json',
  dialogs: 'dialogs.jsonl',
} as const;

/** The absolute paths of a spool rooted at `root`. */
export function spoolPaths(root: string) {
  const dirs = Object.fromEntries(Object.entries(SPOOL_DIRECTORIES).map(([k, v]) => [k, join(root, v)])) as {
    [K in keyof typeof SPOOL_DIRECTORIES]: string;
  };
  return {
    root,
    ...dirs,
    tmp: dirs.outboxTmp,
    status: join(root, SPOOL_FILES.status),
    workerStats: join(root, SPOOL_FILES.workerStats),
    dialogs: join(root, SPOOL_FILES.dialogs),
  };
}

export type SpoolPaths = ReturnType<typeof spoolPaths>;

/** The name of the claimed/ (and delivered/) file of a handed-out job. */
export function claimedJobFileName(pandaID: number): string {
  return `job-${pandaID}.json`;
}

/** A positive safe integer (a PandaID or workerID fit to appear in a file name). */
function isPositiveId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

const iso = (d: Date | null | undefined): string | null => (d instanceof Date ? d.toISOString() : null);

/** The outbox record of one job update. */
export function jobUpdateRecord(job: JobSpec, lockId: string, harvesterID: string, now: Date) {
  return {
    type: 'jobUpdate' as const,
    PandaID: job.PandaID,
    harvesterID,
    lockId,
    writtenAt: now.toISOString(),
    status: job.status,
    subStatus: job.subStatus,
    attemptNr: job.attemptNr,
    computingSite: job.computingSite,
    nCore: job.nCore ?? null,
    startTime: iso(job.startTime),
    endTime: iso(job.endTime),
    attributes: job.jobAttributes ?? null,
    metaData: job.metaData ?? null,
    outputFilesToReport: job.outputFilesToReport ?? null,
    /** The record PanDA's API v1 pilot/update_jobs_bulk takes for this job. */
    panda: pandaJobUpdateV1(job),
  };
}

/** The outbox record of one worker update. */
export function workerUpdateRecord(w: WorkSpec, harvesterID: string, now: Date) {
  return {
    type: 'workerUpdate' as const,
    workerID: w.workerID,
    harvesterID: w.harvesterID ?? harvesterID,
    writtenAt: now.toISOString(),
    batchID: w.batchID ?? null,
    status: w.status,
    computingSite: w.computingSite ?? null,
    queueName: w.queueName ?? null,
    computingElement: w.computingElement ?? null,
    nCore: w.nCore ?? null,
    nodeID: w.nodeID ?? null,
    submitTime: iso(w.submitTime),
    startTime: iso(w.startTime),
    endTime: iso(w.endTime),
    jobType: w.jobType ?? null,
    resourceType: w.resourceType ?? null,
    nativeExitCode: w.nativeExitCode ?? null,
    nativeStatus: w.nativeStatus ?? null,
    diagMessage: w.diagMessage ?? null,
    errorCode: w.errorCode ?? null,
    errorDiag: w.errorDiag ?? null,
    nJobs: w.nJobs ?? null,
    submissionHost: w.submissionHost ?? null,
    pandaIDs: typeof w.getPandaIDs === 'function' ? w.getPandaIDs() : [],
    workAttributes: w.workAttributes ?? null,
  };
}

/** Sequence numbers of outbox files, shared by the instances of this process. */
let outboxSeq = 0;

function outboxName(prefix: string, id: number, now: Date): string {
  outboxSeq += 1;
  return `${prefix}-${id}-${now.getTime()}-${process.pid}-${String(outboxSeq).padStart(6, '0')}.json`;
}

/** Creates the spool directories (idempotent). */
export async function ensureSpool(paths: SpoolPaths): Promise<void> {
  for (const dir of Object.keys(SPOOL_DIRECTORIES) as (keyof typeof SPOOL_DIRECTORIES)[]) {
    await mkdir(paths[dir], { recursive: true });
  }
}

/** What a claimed job file turned out to be. */
type ClaimedJobFile =
  | { kind: 'job'; dict: JobParams; pandaID: number }
  /** A job for another site: the inbox file was replaced between its reading and its claim. */
  | { kind: 'elsewhere'; site: string }
  /** Malformed: moved to rejected/. */
  | { kind: 'rejected' };

interface ParsedCommandFile {
  name: string;
  commands: (WmsCommand & { fromFile: string })[];
}

class SpoolSession implements Communicator {
  private readonly paths: SpoolPaths;
  private readonly fsync: boolean;
  /** Acknowledged commandIDs of files not yet fully acknowledged (file name → IDs). */
  private readonly acked = new Map<string, Set<number>>();
  /** Serialises read-modify-write of worker-stats.json within this instance. */
  private statsChain: Promise<unknown> = Promise.resolve();
  /** The computingSite of each inbox file, read before claiming (by name and file identity). */
  private readonly inboxSites: InboxSiteCache;

  constructor(
    options: SpoolCommunicatorOptions,
    private readonly ctx: PluginContext,
  ) {
    this.paths = spoolPaths(options.root);
    this.fsync = options.fsync;
    this.inboxSites = new InboxSiteCache(this.paths.inbox);
  }

  private write(path: string, value: unknown): Promise<void> {
    return writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, this.paths.tmp, {
      fsync: this.fsync,
    });
  }

  /**
   * Moves `dir/name` to rejected/ (under a free name) and writes `<name>.error` beside it with
   * the reason. The error file is written first, so a crash in between loses no file.
   */
  private async reject(dir: string, name: string, reason: string): Promise<void> {
    const target = await freeName(this.paths.rejected, name, '.error');
    const text = `file: ${join(dir, name)}\nrejected at: ${new Date().toISOString()}\nreason: ${reason}\n`;
    await writeFileAtomic(join(this.paths.rejected, `${target}.error`), text, this.paths.tmp, {
      fsync: this.fsync,
    });
    try {
      await rename(join(dir, name), join(this.paths.rejected, target));
    } catch (err) {
      await unlink(join(this.paths.rejected, `${target}.error`)).catch(() => undefined);
      if (errorCode(err) === 'ENOENT') return; // another instance dealt with it
      throw err;
    }
    this.ctx.logger.warn({ file: name, rejectedAs: target, reason }, 'spool file rejected');
  }

  /** Moves claimed/ files older than `seconds` back to inbox/ (skipping names inbox/ has). */
  async recoverClaimed(seconds: number): Promise<string[]> {
    const cutoff = Date.now() - seconds * 1000;
    const recovered: string[] = [];
    for (const name of await listSpoolFiles(this.paths.claimed)) {
      const from = join(this.paths.claimed, name);
      try {
        if ((await stat(from)).mtimeMs > cutoff) continue;
        if (await exists(join(this.paths.inbox, name))) {
          this.ctx.logger.warn({ file: name }, 'claimed file not recovered: inbox has a file of that name');
          continue;
        }
        await rename(from, join(this.paths.inbox, name));
        recovered.push(name);
      } catch (err) {
        if (errorCode(err) !== 'ENOENT') throw err;
      }
    }
    if (recovered.length > 0)
      this.ctx.logger.info({ files: recovered }, 'claimed job files moved back to the inbox');
    return recovered;
  }

  async getJobs(request: GetJobsRequest, call?: CallOptions): Promise<Outcome<JobParams[]>> {
    const jobs: JobParams[] = [];
    if (request.nJobs <= 0) return success(jobs);
    let names: string[];
    try {
      names = await listSpoolFiles(this.paths.inbox);
    } catch (err) {
      return retryLater(`cannot list ${this.paths.inbox}: ${describeError(err)}`);
    }
    this.inboxSites.retain(names);
    for (const name of names) {
      if (jobs.length >= request.nJobs) break;
      // Routing: a job naming a computingSite is only for that queue; the others (and files
      // that cannot be parsed, which the claim rejects) are for whichever queue asks.
      const site = await this.inboxSites.siteOf(name);
      if (site === undefined) continue; // gone: another process claimed it
      if (site !== null && site !== request.siteName) continue; // for another queue: stays
      // Stop claiming once the host gave up on the call: what it does not receive stays claimed.
      if (call?.signal?.aborted || this.ctx.signal.aborted) break;
      const claimed = join(this.paths.claimed, name);
      try {
        await rename(join(this.paths.inbox, name), claimed);
      } catch (err) {
        if (errorCode(err) === 'ENOENT') continue; // another process claimed it
        if (jobs.length > 0) break;
        return retryLater(`cannot claim ${name}: ${describeError(err)}`);
      }
      this.inboxSites.forget(name);
      // The claim time, so that recovery measures how long the file has been claimed.
      const now = new Date();
      await utimes(claimed, now, now).catch(() => undefined);
      let read: ClaimedJobFile;
      try {
        read = await this.readJobFile(name, request);
      } catch (err) {
        // Could not even move it to rejected/: it stays in claimed/ for an operator.
        this.ctx.logger.error({ file: name, err: describeError(err) }, 'claimed job file left in claimed/');
        continue;
      }
      if (read.kind === 'rejected') continue;
      if (read.kind === 'elsewhere') {
        await this.putBack(name, read.site, request.siteName);
        continue;
      }
      const { dict, pandaID } = read;
      // Canonical claimed name: found again by PandaID when the engine reports the job.
      try {
        await rename(claimed, join(this.paths.claimed, claimedJobFileName(pandaID)));
      } catch (err) {
        this.ctx.logger.warn({ file: name, err: describeError(err) }, 'claimed job file not renamed');
      }
      jobs.push(dict);
    }
    if (jobs.length > 0)
      this.ctx.logger.debug({ n: jobs.length, PandaIDs: jobs.map((j) => j.PandaID) }, 'jobs claimed');
    return success(jobs);
  }

  /**
   * Returns claimed/<name>, a job for another site, to inbox/. It is first renamed to a name of
   * its own in claimed/, so that no other process can claim it onto that name meanwhile, then
   * moved into inbox/ without replacing a file there (as <name>, else <name> numbered).
   */
  private async putBack(name: string, site: string, askedFor: string): Promise<void> {
    const dot = name.lastIndexOf('.');
    const stem = dot > 0 ? name.slice(0, dot) : name;
    const parked = join(
      this.paths.claimed,
      `${stem}.return-${process.pid}-${randomBytes(6).toString('hex')}.json`,
    );
    try {
      await rename(join(this.paths.claimed, name), parked);
    } catch (err) {
      this.ctx.logger.error(
        { file: name, computingSite: site, err: describeError(err) },
        'job file for another site left in claimed/',
      );
      return;
    }
    try {
      const returnedAs = await moveNoReplace(parked, this.paths.inbox, name);
      this.ctx.logger.warn(
        { file: name, returnedAs, computingSite: site, siteName: askedFor },
        'claimed job file is for another site (replaced after it was read): put back into the inbox',
      );
    } catch (err) {
      this.ctx.logger.error(
        { file: name, parkedAs: parked, computingSite: site, err: describeError(err) },
        'job file for another site left in claimed/',
      );
    }
  }

  /**
   * Reads and validates claimed/<name>. A malformed file is rejected; a valid dictionary for
   * another site than the request's is reported as such (not validated further).
   */
  private async readJobFile(name: string, request: GetJobsRequest): Promise<ClaimedJobFile> {
    const rejected = { kind: 'rejected' } as const;
    let text: string;
    try {
      text = await readFile(join(this.paths.claimed, name), 'utf8');
    } catch (err) {
      await this.reject(this.paths.claimed, name, `unreadable: ${describeError(err)}`);
      return rejected;
    }
    let dict: unknown;
    let pandaID: number;
    try {
      dict = JSON.parse(text) as unknown;
    } catch (err) {
      await this.reject(this.paths.claimed, name, `invalid JSON: ${describeError(err)}`);
      return rejected;
    }
    // What is claimed decides, not what was read before the claim (the file may have changed).
    const site = jobDictSite(dict);
    if (site !== null && site !== request.siteName) return { kind: 'elsewhere', site };
    const rawSite = (dict as { computingSite?: unknown } | null)?.computingSite;
    if (site === null && rawSite !== undefined && rawSite !== null && typeof rawSite !== 'string') {
      await this.reject(
        this.paths.claimed,
        name,
        `invalid job dictionary: computingSite must be a string, got ${typeof rawSite}`,
      );
      return rejected;
    }
    try {
      // Validation only: the engine does the real mapping once the dictionary is handed out.
      pandaID = jobSpecFromPandaDict(dict, {
        computingSite: request.siteName,
        harvesterID: this.ctx.harvesterId,
        propagatorTime: null,
      }).job.PandaID;
    } catch (err) {
      await this.reject(this.paths.claimed, name, `invalid job dictionary: ${describeError(err)}`);
      return rejected;
    }
    if (!isPositiveId(pandaID)) {
      await this.reject(
        this.paths.claimed,
        name,
        `invalid job dictionary: PandaID ${pandaID} is not positive`,
      );
      return rejected;
    }
    return { kind: 'job', dict: dict as JobParams, pandaID };
  }

  async updateJobs(jobs: JobSpec[], lockId: string): Promise<Outcome<JobUpdateAccepted>[]> {
    const results: Outcome<JobUpdateAccepted>[] = [];
    for (const job of jobs) {
      if (!isPositiveId(job.PandaID)) {
        results.push(fatal(`PandaID ${JSON.stringify(job.PandaID)} is not a positive integer`));
        continue;
      }
      const now = new Date();
      const name = outboxName('job', job.PandaID, now);
      try {
        await this.write(
          join(this.paths.outbox, name),
          jobUpdateRecord(job, lockId, this.ctx.harvesterId, now),
        );
      } catch (err) {
        results.push(retryLater(`cannot write ${name}: ${describeError(err)}`));
        continue;
      }
      await this.markDelivered(job.PandaID);
      results.push(success({}));
    }
    return results;
  }

  /** The engine reports the job, so it stored it: its claimed file is moved to delivered/. */
  private async markDelivered(pandaID: number): Promise<void> {
    const name = claimedJobFileName(pandaID);
    try {
      await rename(join(this.paths.claimed, name), join(this.paths.delivered, name));
    } catch (err) {
      if (errorCode(err) !== 'ENOENT')
        this.ctx.logger.warn({ file: name, err: describeError(err) }, 'claimed job file not moved');
    }
  }

  async updateWorkers(workers: WorkSpec[]): Promise<Outcome[]> {
    const results: Outcome[] = [];
    for (const w of workers) {
      if (!isPositiveId(w.workerID)) {
        results.push(fatal(`workerID ${JSON.stringify(w.workerID)} is not a positive integer`));
        continue;
      }
      const now = new Date();
      const name = outboxName('worker', w.workerID, now);
      try {
        await this.write(join(this.paths.outbox, name), workerUpdateRecord(w, this.ctx.harvesterId, now));
        results.push(success());
      } catch (err) {
        results.push(retryLater(`cannot write ${name}: ${describeError(err)}`));
      }
    }
    return results;
  }

  /** Reads commands/<name>; a malformed file is rejected (undefined). */
  private async readCommandFile(name: string): Promise<ParsedCommandFile | undefined> {
    const path = join(this.paths.commands, name);
    let text: string;
    let mtime: Date;
    try {
      text = await readFile(path, 'utf8');
      mtime = new Date((await stat(path)).mtimeMs);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return undefined; // acknowledged meanwhile
      await this.reject(this.paths.commands, name, `unreadable: ${describeError(err)}`);
      return undefined;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text) as unknown;
    } catch (err) {
      await this.reject(this.paths.commands, name, `invalid JSON: ${describeError(err)}`);
      return undefined;
    }
    const list = Array.isArray(raw) ? raw : [raw];
    if (list.length === 0) {
      await this.reject(this.paths.commands, name, 'invalid command file: empty list');
      return undefined;
    }
    const entries: SpoolCommandEntry[] = [];
    for (const [i, item] of list.entries()) {
      const parsed = spoolCommandEntry.safeParse(item);
      if (!parsed.success) {
        const where = Array.isArray(raw) ? `entry ${i}: ` : '';
        await this.reject(
          this.paths.commands,
          name,
          `invalid command file: ${where}${describeIssues(parsed.error)} (expected {command, params?, ackRequested?} or a list of them)`,
        );
        return undefined;
      }
      entries.push(parsed.data);
    }
    return {
      name,
      commands: entries.map((e, i) => ({
        commandID: spoolCommandID(name, i, list[i]),
        command: e.command,
        params: e.params ?? null,
        ackRequested: e.ackRequested ?? true,
        creationDate: e.creationDate === undefined ? mtime : new Date(e.creationDate),
        fromFile: name,
      })),
    };
  }

  async getCommands(nCommands: number): Promise<Outcome<WmsCommand[]>> {
    const commands: WmsCommand[] = [];
    if (nCommands <= 0) return success(commands);
    let names: string[];
    try {
      names = await listSpoolFiles(this.paths.commands);
    } catch (err) {
      return retryLater(`cannot list ${this.paths.commands}: ${describeError(err)}`);
    }
    for (const name of names) {
      if (commands.length >= nCommands) break;
      try {
        const file = await this.readCommandFile(name);
        if (!file) continue;
        const acked = this.acked.get(name);
        const pending = file.commands.filter((c) => !acked?.has(c.commandID));
        const taken = pending.slice(0, nCommands - commands.length);
        for (const { fromFile: _, ...c } of taken) commands.push(c);
        // Nobody acknowledges commands that ask for no acknowledgement: done once handed out.
        if (taken.length === pending.length && pending.every((c) => !c.ackRequested)) {
          await this.moveCommandFileToDone(name);
        }
      } catch (err) {
        // The file stays in commands/ and is read again next time.
        this.ctx.logger.error({ file: name, err: describeError(err) }, 'command file not processed');
        if (commands.length === 0) return retryLater(`cannot process ${name}: ${describeError(err)}`);
        break;
      }
    }
    return success(commands);
  }

  async ackCommands(commandIDs: number[]): Promise<Outcome> {
    const ids = new Set(commandIDs);
    if (ids.size === 0) return success();
    let names: string[];
    try {
      names = await listSpoolFiles(this.paths.commands);
    } catch (err) {
      return retryLater(`cannot list ${this.paths.commands}: ${describeError(err)}`);
    }
    try {
      for (const name of names) {
        const file = await this.readCommandFile(name);
        if (!file) continue;
        const mine = file.commands.filter((c) => ids.has(c.commandID));
        if (mine.length === 0) continue;
        const acked = this.acked.get(name) ?? new Set<number>();
        for (const c of mine) acked.add(c.commandID);
        if (file.commands.every((c) => !c.ackRequested || acked.has(c.commandID))) {
          await this.moveCommandFileToDone(name);
          this.acked.delete(name);
        } else {
          this.acked.set(name, acked);
        }
      }
    } catch (err) {
      return retryLater(`cannot acknowledge commands: ${describeError(err)}`);
    }
    return success();
  }

  private async moveCommandFileToDone(name: string): Promise<void> {
    const target = await freeName(this.paths.commandsDone, name);
    try {
      await rename(join(this.paths.commands, name), join(this.paths.commandsDone, target));
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err; // ENOENT: another instance moved it
    }
  }

  async isAlive(data: HeartbeatData): Promise<Outcome> {
    const status = {
      harvesterID: this.ctx.harvesterId,
      startTime: iso(data.startTime),
      swVersion: data.swVersion,
      ...(data.commitStamp === undefined ? {} : { commitStamp: data.commitStamp }),
      ...(data.commands === undefined ? {} : { commands: data.commands }),
      lastHeartbeat: new Date().toISOString(),
    };
    try {
      await this.write(this.paths.status, status);
      return success();
    } catch (err) {
      return retryLater(`cannot write ${this.paths.status}: ${describeError(err)}`);
    }
  }

  updateWorkerStats(siteName: string, stats: WorkerStats): Promise<Outcome> {
    const run = async (): Promise<Outcome> => {
      let all: Record<string, unknown> = {};
      try {
        const parsed = JSON.parse(await readFile(this.paths.workerStats, 'utf8')) as unknown;
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
          all = parsed as Record<string, unknown>;
      } catch {
        // Missing or unreadable: start afresh (the file is rewritten whole).
      }
      all[siteName] = { stats, updatedAt: new Date().toISOString() };
      try {
        await this.write(this.paths.workerStats, all);
        return success();
      } catch (err) {
        return retryLater(`cannot write ${this.paths.workerStats}: ${describeError(err)}`);
      }
    };
    const result = this.statsChain.then(run, run);
    this.statsChain = result;
    return result;
  }

  async checkJobs(jobs: JobSpec[]): Promise<Outcome<JobCheck>[]> {
    return jobs.map(() => success<JobCheck>({ active: true }));
  }

  async sendDialogMessages(dialogs: DiagSpec[]): Promise<Outcome> {
    if (dialogs.length === 0) return success();
    const lines = dialogs
      .map((d) =>
        JSON.stringify({
          diagID: d.diagID,
          moduleName: d.moduleName,
          identifier: d.identifier ?? null,
          creationTime: iso(d.creationTime),
          messageLevel: d.messageLevel,
          diagMessage: d.diagMessage,
          harvesterID: this.ctx.harvesterId,
        }),
      )
      .join('\n');
    try {
      await appendFile(this.paths.dialogs, `${lines}\n`, 'utf8');
      return success();
    } catch (err) {
      return retryLater(`cannot append to ${this.paths.dialogs}: ${describeError(err)}`);
    }
  }
}

/** Creates the spool communicator over an existing or new spool directory. */
export async function createSpoolCommunicator(
  options: SpoolCommunicatorOptions,
  ctx: PluginContext,
): Promise<Communicator> {
  const communicator = new SpoolSession(options, ctx);
  await ensureSpool(spoolPaths(options.root));
  if (options.recoverClaimedAfterSeconds !== undefined)
    await communicator.recoverClaimed(options.recoverClaimedAfterSeconds);
  return communicator;
}

/**
 * Communicator whose WMS is a spool directory (see the package README for the layout).
 * Job files are claimed by an atomic rename, so several instances can share one inbox.
 */
export const SpoolCommunicator = defineCommunicator({
  name: 'SpoolCommunicator',
  compatibility: SPOOL_COMPATIBILITY,
  description:
    'A WMS that is a directory: job dictionaries from inbox/, updates to outbox/, commands from commands/.',
  options: spoolCommunicatorOptions,
  create: createSpoolCommunicator,
});
