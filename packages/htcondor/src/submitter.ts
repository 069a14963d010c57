// Submits workers with condor_submit: the workers of one call are grouped by their schedd (a pure
// function of the workerID, see schedds.ts) and each group goes into ONE `condor_submit -terse
// -single-cluster` of one description: per worker its rendered template and a block with
// +harvesterID, +harvesterWorkerID, batch_name and `queue 1`, so the cluster's procs 0..N-1 are
// the workers in order. Before condor_submit runs, each access point gets the worker's record and
// its own part (the record is what adoption after a crash and sweepWorker rely on).
import { join } from 'node:path';
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
} from './commands.js';
import { findByBatchNames } from './lookup.js';
import {
  type CondorSubmitterOptions,
  condorSubmitterOptions,
  HTCONDOR_COMPATIBILITY,
  IGNORED_SUBMITTER_OPTIONS,
  ignoredOptionsIn,
} from './options.js';
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
  declaredPaths,
  resolveDeclaredPath,
  submitValueProblem,
  workerPart,
} from './submit-description.js';
import {
  DEFAULT_TEMPLATE_PATH,
  loadTemplate,
  logUrlOf,
  type ParsedTemplate,
  RenderError,
  renderTemplate,
  resolveProgram,
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
      const results = await this.submitGroup(members, call);
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
    const nameProblem = submitValueProblem(worker.batchName) ?? submitValueProblem(this.ctx.harvesterId);
    if (nameProblem) return fatal(`the batch name ${JSON.stringify(worker.batchName)} ${nameProblem}`);
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
  private async submitGroup(members: Prepared[], call?: CallOptions): Promise<Outcome[]> {
    const first = members[0] as Prepared;
    const clusterFile = join(first.accessPoint, CONDOR_FILE_NAMES.clusterFile);
    const outcomes = new Array<Outcome | undefined>(members.length);
    // Records and parts first: a worker whose access point cannot be written is not submitted.
    await mapLimit(members, 16, async (p, i) => {
      p.record.submitFile = clusterFile;
      try {
        await writeWorkerRecord(p.accessPoint, p.record);
        await writeAtomic(join(p.accessPoint, CONDOR_FILE_NAMES.submitFile), p.part);
      } catch (err) {
        outcomes[i] = retryLater(`cannot write the worker's files into ${p.accessPoint}: ${errorText(err)}`);
      }
    });
    const ready = members.filter((_, i) => outcomes[i] === undefined);
    if (ready.length === 0) return outcomes as Outcome[];
    const header = `harvester-ts: ${ready.length} worker(s) of ${this.ctx.queueName ?? 'a queue'} for ${first.submissionHost} (generated)`;
    const text = clusterDescription(
      ready.map((p) => p.part),
      header,
    );
    const readyFirst = ready[0] as Prepared;
    const file = join(readyFirst.accessPoint, CONDOR_FILE_NAMES.clusterFile);
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
    const assigned = await this.read(result, ready, call);
    ready.forEach((p, i) => {
      outcomes[members.indexOf(p)] = assigned[i] as Outcome;
    });
    return outcomes as Outcome[];
  }

  /** The outcome per worker from what condor_submit did; an unclear answer is looked up by name. */
  private async read(result: ToolResult, ready: Prepared[], call?: CallOptions): Promise<Outcome[]> {
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
    const text = `${result.stderr}\n${result.stdout}`;
    const permanent =
      result.error === undefined && !SCHEDD_UNREACHABLE.test(text) && SUBMIT_PERMANENT.test(text);
    return ready.map(() => (permanent ? fatal(diag) : retryLater(diag)));
  }

  /** After an unclear condor_submit: the jobs found under the workers' batch names; else retry. */
  private async findSubmitted(ready: Prepared[], why: string, call?: CallOptions): Promise<Outcome[]> {
    const target = (ready[0] as Prepared).target;
    const lookup = await findByBatchNames(
      this.tools,
      target,
      ready.map((p) => p.worker.batchName),
      call?.signal,
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
