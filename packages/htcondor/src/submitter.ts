// Submits workers with condor_submit: the workers of one call are grouped by their schedd (a pure
// function of the workerID, see schedds.ts) and each group goes into ONE `condor_submit -terse
// -single-cluster` of one description: per worker its rendered template and a block with
// +harvesterID, +harvesterWorkerID, batch_name and `queue 1`, so the cluster's procs 0..N-1 are
// the workers in order. Before condor_submit runs, each access point gets the worker's record and
// its own part (the record is what adoption after a crash and sweepWorker rely on), and the
// hour's log directory `<logDir>/<logSubdir>` exists (as Harvester makes it).
// condor_submit's answer: the -terse range → success; an error that names a line (or an
// initialdir, or a log file) of one worker's part → that worker fatal, the others retried; the
// cluster committed but not spooled (-terse range and an error) → its jobs removed, retried.
import { mkdir } from 'node:fs/promises';
import { isAbsolute, join, normalize } from 'node:path';
import {
  type CallOptions,
  defineSubmitter,
  errorText,
  fatal,
  mapLimit,
  type Outcome,
  type PluginContext,
  retryLater,
  success,
  type WorkSpec,
} from '@harvester-ts/core';
import {
  type CondorJobId,
  condorSubmitArgv,
  formatCondorJobId,
  parseSubmitTerse,
  SCHEDD_UNREACHABLE,
  SUBMIT_PERMANENT,
  submitErrorSite,
} from './commands.js';
import { DEFAULT_HISTORY_SLACK_SECONDS, findByBatchNames } from './lookup.js';
import {
  type CondorSubmitterOptions,
  condorSubmitterOptions,
  HTCONDOR_COMPATIBILITY,
  IGNORED_SUBMITTER_OPTIONS,
  ignoredOptionsIn,
} from './options.js';
import { removeJobs } from './removal.js';
import { CondorTools, type ToolResult } from './runner.js';
import {
  formatSubmissionHost,
  loadTargets,
  pickTarget,
  type ScheddTarget,
  targetKey,
  type WeightedTarget,
} from './schedds.js';
import {
  clusterDescription,
  type DeclaredPaths,
  declaredPathPattern,
  declaredPaths,
  partLineRanges,
  resolveDeclaredPath,
  workerPart,
} from './submit-description.js';
import {
  DEFAULT_TEMPLATE_PATH,
  loadTemplate,
  logSubdirOf,
  logUrlOf,
  type ParsedTemplate,
  RenderError,
  renderTemplate,
  resolveProgram,
  SAFE_WORD,
  unsafePathProblem,
  withoutQueue,
  workerPlaceholders,
} from './template.js';
import {
  CONDOR_FILE_NAMES,
  type CondorWorkerRecord,
  writeAtomic,
  writeWorkerRecord,
} from './worker-record.js';

/** A worker ready to submit. */
interface Prepared {
  index: number;
  worker: WorkSpec;
  accessPoint: string;
  target: ScheddTarget;
  submissionHost: string;
  part: string;
  paths: DeclaredPaths;
  record: CondorWorkerRecord;
}

export class HTCondorSubmitterInstance {
  private readonly log: PluginContext['logger'];
  private readonly tools: CondorTools;

  constructor(
    private readonly options: CondorSubmitterOptions,
    private readonly ctx: PluginContext,
    private readonly template: ParsedTemplate,
    private readonly targets: readonly WeightedTarget[],
    private readonly program: string | undefined,
  ) {
    this.log = ctx.logger.child({ plugin: 'HTCondorSubmitter' });
    this.tools = new CondorTools(options, ctx.signal);
  }

  async submitWorkers(workers: WorkSpec[], call?: CallOptions): Promise<Outcome[]> {
    const outcomes = new Array<Outcome>(workers.length);
    const groups = new Map<string, Prepared[]>();
    const now = new Date();
    workers.forEach((worker, index) => {
      const prepared = this.prepare(worker, index, now);
      if ('kind' in prepared) {
        outcomes[index] = prepared;
        return;
      }
      const key = targetKey(prepared.target);
      groups.set(key, [...(groups.get(key) ?? []), prepared]);
    });
    await mapLimit([...groups.values()], this.options.nProcesses, async (members) => {
      const results = await this.submitGroup(members, now, call);
      members.forEach((p, i) => {
        outcomes[p.index] = results[i] as Outcome;
      });
    });
    return outcomes;
  }

  /** Checks what the worker brings and renders its part of the description. */
  private prepare(worker: WorkSpec, index: number, now: Date): Prepared | Outcome {
    const accessPoint = worker.accessPoint;
    if (!accessPoint) return fatal(`worker ${worker.workerID} has no access point`);
    const problem = unsafePathProblem(accessPoint);
    if (problem) {
      return fatal(
        `the access point ${JSON.stringify(accessPoint)} cannot be used with HTCondor: it ${problem}`,
      );
    }
    // condor_submit trims batch_name and strips its quotes: only a safe word comes back as
    // JobBatchName unchanged (what adoption looks the job up by).
    if (!SAFE_WORD.test(worker.batchName) || worker.batchName === '') {
      return fatal(
        `the batch name ${JSON.stringify(worker.batchName)} cannot be used with HTCondor: letters, digits and _./:@+=,- only`,
      );
    }
    const target = pickTarget(this.targets, worker.workerID);
    const submissionHost = formatSubmissionHost(target);
    let part: string;
    try {
      const values = workerPlaceholders(worker, this.options, {
        harvesterId: this.ctx.harvesterId,
        queueName: this.ctx.queueName,
        program: this.program,
        submissionHost,
        now,
      });
      part = workerPart(withoutQueue(renderTemplate(this.template, values)), {
        harvesterId: this.ctx.harvesterId,
        workerID: worker.workerID,
        batchName: worker.batchName,
      });
    } catch (err) {
      return fatal(
        err instanceof RenderError ? err.message : `cannot render the submit description: ${errorText(err)}`,
      );
    }
    const record: CondorWorkerRecord = {
      batchName: worker.batchName,
      workerID: worker.workerID,
      harvesterId: this.ctx.harvesterId,
      submissionHost,
      submitFile: '',
      writtenAt: now.toISOString(),
    };
    return { index, worker, accessPoint, target, submissionHost, part, paths: declaredPaths(part), record };
  }

  /** One condor_submit for the workers of one schedd; one Outcome per member, in order. */
  private async submitGroup(members: Prepared[], now: Date, call?: CallOptions): Promise<Outcome[]> {
    const first = members[0] as Prepared;
    const outcomes = new Array<Outcome | undefined>(members.length);
    // The hour's log directory, as Harvester makes it (not when spooling to a named schedd: the
    // logs are then on the schedd's side).
    if (this.options.logDir !== undefined && !(this.options.useSpool && first.target.schedd)) {
      const dir = join(this.options.logDir, logSubdirOf(now));
      try {
        await mkdir(dir, { recursive: true });
      } catch (err) {
        return members.map(() => retryLater(`cannot create the log directory ${dir}: ${errorText(err)}`));
      }
    }
    // Parts and records first: a worker whose access point cannot be written is not submitted.
    await mapLimit(members, 16, async (p, i) => {
      try {
        await writeAtomic(join(p.accessPoint, CONDOR_FILE_NAMES.submitFile), p.part);
      } catch (err) {
        outcomes[i] = retryLater(`cannot write the worker's files into ${p.accessPoint}: ${errorText(err)}`);
      }
    });
    // Each record names the cluster file where it is really written: the first access point
    // that took its files (again if that one then fails to take its record).
    let ready = members.filter((_, i) => outcomes[i] === undefined);
    for (;;) {
      if (ready.length === 0) return outcomes as Outcome[];
      const clusterFile = join((ready[0] as Prepared).accessPoint, CONDOR_FILE_NAMES.clusterFile);
      let lost = false;
      await mapLimit(ready, 16, async (p) => {
        if (p.record.submitFile === clusterFile) return;
        p.record.submitFile = clusterFile;
        try {
          await writeWorkerRecord(p.accessPoint, p.record);
        } catch (err) {
          outcomes[members.indexOf(p)] = retryLater(
            `cannot write the worker's files into ${p.accessPoint}: ${errorText(err)}`,
          );
          lost = true;
        }
      });
      if (!lost) break;
      ready = ready.filter((p) => outcomes[members.indexOf(p)] === undefined);
    }
    const header = `harvester-ts: ${ready.length} worker(s) of ${this.ctx.queueName ?? 'a queue'} for ${first.submissionHost} (generated)`;
    const parts = ready.map((p) => p.part);
    const text = clusterDescription(parts, header);
    const readyFirst = ready[0] as Prepared;
    const file = readyFirst.record.submitFile;
    try {
      await writeAtomic(file, text);
    } catch (err) {
      const diag = `cannot write the submit description ${file}: ${errorText(err)}`;
      for (const p of ready) outcomes[members.indexOf(p)] = retryLater(diag);
      return outcomes as Outcome[];
    }
    const result = await this.tools.run(
      'condor_submit',
      condorSubmitArgv(first.target, file, this.options.useSpool),
      call?.signal,
      readyFirst.accessPoint,
    );
    const assigned = await this.read(result, ready, partLineRanges(parts), call);
    ready.forEach((p, i) => {
      outcomes[members.indexOf(p)] = assigned[i] as Outcome;
    });
    return outcomes as Outcome[];
  }

  /** The outcome per worker from what condor_submit did; an unclear answer is looked up by name. */
  private async read(
    result: ToolResult,
    ready: Prepared[],
    lines: Array<{ first: number; last: number }>,
    call?: CallOptions,
  ): Promise<Outcome[]> {
    if (result.code === 0) {
      const ids = parseSubmitTerse(result.stdout);
      if (ids && ids.length === ready.length) {
        await mapLimit(ready, 16, (p, i) => this.accept(p, ids[i] as CondorJobId));
        this.log.debug(
          {
            schedd: ready[0]?.submissionHost,
            jobs: ids.length,
            first: formatCondorJobId(ids[0] as CondorJobId),
          },
          'submitted HTCondor cluster',
        );
        return ready.map(() => success());
      }
      const why = `condor_submit exited with code 0 but its output does not give ${ready.length} job id(s): ${JSON.stringify(result.stdout.slice(0, 200))}`;
      this.log.warn({ stdout: result.stdout.slice(0, 500) }, 'unreadable condor_submit output');
      return this.findSubmitted(ready, why, call);
    }
    const diag = this.tools.describe(result);
    if (result.timedOut || (result.signal !== null && result.error === undefined)) {
      return this.findSubmitted(ready, diag, call);
    }
    // -terse prints the range once the cluster is committed: an error after it (spooling the
    // input failed) leaves jobs in the queue that no worker would know.
    const committed = result.error === undefined ? parseSubmitTerse(result.stdout) : undefined;
    if (committed && committed.length > 0) return this.committedButFailed(ready, committed, diag, call);
    const text = `${result.stderr}\n${result.stdout}`;
    const permanent =
      result.error === undefined && !SCHEDD_UNREACHABLE.test(text) && SUBMIT_PERMANENT.test(text);
    if (!permanent) return ready.map(() => retryLater(diag));
    // Nothing was queued (condor_submit commits all or nothing). The worker whose part the error
    // names is fatal; the others were fine (or not read yet) and go again without it.
    const culprits = this.culprits(result.stderr, ready, lines);
    if (culprits.size === 0) return ready.map(() => fatal(diag));
    return ready.map((_, i) =>
      culprits.has(i)
        ? fatal(diag)
        : retryLater(
            `condor_submit refused the part of another worker of the same cluster (${[...culprits].map((c) => (ready[c] as Prepared).worker.workerID).join(', ')}); submitted again without it: ${diag}`,
          ),
    );
  }

  /** The workers (indices into ready) whose part condor_submit's error names. */
  private culprits(
    stderr: string,
    ready: Prepared[],
    lines: Array<{ first: number; last: number }>,
  ): Set<number> {
    const site = submitErrorSite(stderr);
    const found = new Set<number>();
    if (site.line !== undefined) {
      const at = lines.findIndex(
        (r) => site.line !== undefined && r.first <= site.line && site.line <= r.last,
      );
      if (at >= 0) found.add(at);
    }
    const cwd = (ready[0] as Prepared).accessPoint;
    const iwdOf = (p: Prepared) => {
      const d = p.paths.initialdir;
      if (d === undefined || d === '') return cwd;
      return isAbsolute(d) ? d : join(cwd, d);
    };
    if (site.directory !== undefined) {
      const dir = normalize(site.directory);
      ready.forEach((p, i) => {
        if (declaredPathPattern(iwdOf(p), cwd)?.test(dir)) found.add(i);
      });
    }
    if (site.logFile !== undefined) {
      const log = normalize(site.logFile);
      ready.forEach((p, i) => {
        if (declaredPathPattern(p.paths.log, iwdOf(p))?.test(log)) found.add(i);
      });
    }
    return found;
  }

  /**
   * condor_submit committed the cluster (it printed the -terse range) and then failed (spooling
   * the input files): the jobs exist, held, with no worker knowing them. They are removed and the
   * workers submitted again later; a job whose removal fails is given to its worker instead (the
   * monitor removes it once it has been held for heldTimeout), so none is left behind unknown.
   */
  private async committedButFailed(
    ready: Prepared[],
    ids: CondorJobId[],
    diag: string,
    call?: CallOptions,
  ): Promise<Outcome[]> {
    const target = (ready[0] as Prepared).target;
    const names = ids.map(formatCondorJobId);
    this.log.warn(
      { schedd: (ready[0] as Prepared).submissionHost, jobs: names, diag },
      'condor_submit failed after committing the cluster; removing its jobs',
    );
    const removal = await removeJobs(
      this.tools,
      target,
      names,
      'harvester-ts: condor_submit failed after committing the cluster',
      call?.signal,
    );
    const matches = ids.length === ready.length;
    return Promise.all(
      ready.map(async (p, i) => {
        const id = matches ? (ids[i] as CondorJobId) : undefined;
        const name = id === undefined ? undefined : formatCondorJobId(id);
        const removed =
          removal.ok &&
          (name === undefined
            ? names.every((n) => removal.perJob.get(n)?.kind === 'done')
            : removal.perJob.get(name)?.kind === 'done');
        if (removed) {
          return retryLater(
            `${diag}; the job(s) it had committed (${names.join(' ')}) were removed; submitted again later`,
          );
        }
        const why = removal.ok
          ? name === undefined
            ? 'not every job was removed'
            : (removal.perJob.get(name)?.text ?? 'no answer')
          : removal.diag;
        if (id === undefined) {
          return retryLater(
            `${diag}; its ${ids.length} committed job(s) do not pair with ${ready.length} worker(s) and condor_rm did not remove them all (${why})`,
          );
        }
        await this.accept(p, id);
        return success(
          undefined,
          `${diag}; its job ${name} could not be removed (${why}): the worker keeps it (held until heldTimeout)`,
        );
      }),
    );
  }

  /** After an unclear condor_submit: the jobs found under the workers' batch names; else retry. */
  private async findSubmitted(ready: Prepared[], why: string, call?: CallOptions): Promise<Outcome[]> {
    const target = (ready[0] as Prepared).target;
    // The records were written just before condor_submit ran: no job of theirs completed earlier.
    const written = Math.min(...ready.map((p) => Date.parse(p.record.writtenAt)));
    const lookup = await findByBatchNames(
      this.tools,
      target,
      ready.map((p) => p.worker.batchName),
      call?.signal,
      Number.isFinite(written) ? Math.floor(written / 1000) - DEFAULT_HISTORY_SLACK_SECONDS : undefined,
    );
    if (!lookup.ok)
      return ready.map(() => retryLater(`${why}; looking the jobs up by name failed too: ${lookup.diag}`));
    return Promise.all(
      ready.map(async (p) => {
        const batchID = lookup.byName.get(p.worker.batchName);
        if (batchID === undefined) return retryLater(`${why}; no job named ${p.worker.batchName} was found`);
        const [cluster, proc] = batchID.split('.').map(Number);
        await this.accept(p, { cluster: cluster as number, proc: proc as number });
        return success(undefined, `${why}; found the job by its name: ${batchID}`);
      }),
    );
  }

  /** Records the job of a worker: batchID, submissionHost, CE, logs; the record learns the batchID. */
  private async accept(p: Prepared, id: CondorJobId): Promise<void> {
    const batchID = formatCondorJobId(id);
    const worker = p.worker;
    worker.batchID = batchID;
    worker.submissionHost = p.submissionHost;
    worker.computingElement = this.options.ceHostname ?? p.target.schedd ?? worker.computingElement ?? null;
    if (this.options.ceQueueName) worker.queueName = this.options.ceQueueName;
    const logs: Array<['stdout' | 'stderr' | 'batch_log', string | undefined]> = [
      ['stdout', resolveDeclaredPath(p.paths.output, id, p.paths.initialdir, true)],
      ['stderr', resolveDeclaredPath(p.paths.error, id, p.paths.initialdir, true)],
      ['batch_log', resolveDeclaredPath(p.paths.log, id, p.paths.initialdir, false)],
    ];
    for (const [type, path] of logs) {
      if (path !== undefined) worker.setLogFile(type, logUrlOf(this.options, path) ?? path);
    }
    worker.setLogFile('jdl', join(p.accessPoint, CONDOR_FILE_NAMES.submitFile));
    try {
      await writeWorkerRecord(p.accessPoint, { ...p.record, batchID });
    } catch (err) {
      this.log.warn(
        { accessPoint: p.accessPoint, err: errorText(err) },
        'cannot record the batchID in the access point',
      );
    }
  }
}

/**
 * Submits workers as HTCondor jobs: one condor_submit per schedd per call, one cluster, one proc
 * per worker. The submit description comes from `templateFile` (default: templates/default.sub),
 * checked when the plugin is created: an unknown placeholder, or one whose option is missing, is
 * an error then.
 */
export const HTCondorSubmitter = defineSubmitter({
  name: 'HTCondorSubmitter',
  compatibility: HTCONDOR_COMPATIBILITY,
  description: 'Submits workers to HTCondor with condor_submit (one cluster per schedd and cycle).',
  options: condorSubmitterOptions,
  async create(options, ctx) {
    // The harvester id is in every job (+harvesterID, batch_name): condor_submit trims values and
    // strips batch_name's quotes, so anything but a safe word could come back as another name.
    if (ctx.harvesterId === '' || !SAFE_WORD.test(ctx.harvesterId)) {
      throw new Error(
        `harvester id ${JSON.stringify(ctx.harvesterId)} cannot be used with HTCondor: letters, digits and _./:@+=,- only (it names every job: +harvesterID, batch_name)`,
      );
    }
    const template = await loadTemplate(options.templateFile ?? DEFAULT_TEMPLATE_PATH, options);
    let program: string | undefined;
    if (options.executable) {
      const first = options.executable[0] as string;
      program = resolveProgram(first);
      if (program === undefined) {
        throw new Error(
          `executable: cannot find ${JSON.stringify(first)} (not absolute, not an executable in PATH)`,
        );
      }
      const problem = unsafePathProblem(program);
      if (problem) throw new Error(`executable: ${JSON.stringify(program)} ${problem}`);
    }
    const targets = await loadTargets(options);
    const log = ctx.logger.child({ plugin: 'HTCondorSubmitter' });
    for (const { option, reason } of ignoredOptionsIn(
      options as Record<string, unknown>,
      IGNORED_SUBMITTER_OPTIONS,
    )) {
      log.info({ option, reason }, 'Harvester option accepted and ignored');
    }
    return new HTCondorSubmitterInstance(options, ctx, template, targets, program);
  },
});
