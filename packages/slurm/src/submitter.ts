// Submits workers with sbatch. Per worker: the batch script is rendered from the template, a
// record of the worker and then the script are written atomically into its access point, and
// `sbatch --parsable --job-name=<batchName> …` runs with an argv array (no shell). In array mode
// the workers whose scripts come out the same go into one `sbatch --array`.
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
  CONTROLLER_DOWN,
  isListableJobName,
  latestRecord,
  parseSbatchParsable,
  parseSlurmJobId,
  SBATCH_PERMANENT,
  SLURM_FILE_NAMES,
  SlurmTools,
  type SlurmWorkerRecord,
  sbatchArgv,
  squeueByNames,
  type ToolResult,
  writeAtomic,
  writeWorkerRecord,
} from './commands.js';
import { SLURM_COMPATIBILITY, type SlurmSubmitterOptions, slurmSubmitterOptions } from './options.js';
import {
  arraySetupBlock,
  DEFAULT_TEMPLATE_PATH,
  insertSetupBlock,
  loadTemplate,
  type ParsedTemplate,
  type PlaceholderValues,
  RenderError,
  renderTemplate,
  singleSetupBlock,
  symbolicPerTask,
  type TaskIdentity,
  unsafePathProblem,
  workerPlaceholders,
} from './template.js';

/** A worker ready to submit. */
interface Prepared {
  index: number;
  worker: WorkSpec;
  accessPoint: string;
  values: PlaceholderValues;
  task: TaskIdentity;
}

/** What sbatch gave for one submission. */
type SbatchOutcome = { kind: 'submitted'; jobId: number; cluster?: string; diag?: string } | Outcome;

export class SlurmSubmitterInstance {
  private readonly log: PluginContext['logger'];
  private readonly tools: SlurmTools;

  constructor(
    private readonly options: SlurmSubmitterOptions,
    private readonly ctx: PluginContext,
    private readonly template: ParsedTemplate,
  ) {
    this.log = ctx.logger.child({ plugin: 'SlurmSubmitter' });
    this.tools = new SlurmTools(options, ctx.signal);
  }

  async submitWorkers(workers: WorkSpec[], call?: CallOptions): Promise<Outcome[]> {
    const outcomes = new Array<Outcome>(workers.length);
    const ready: Prepared[] = [];
    const now = new Date();
    workers.forEach((worker, index) => {
      const prepared = this.prepare(worker, index, now);
      if ('kind' in prepared) outcomes[index] = prepared;
      else ready.push(prepared);
    });
    if (this.options.submitMode === 'single') {
      await mapLimit(ready, this.options.submitConcurrency, async (p) => {
        outcomes[p.index] = await this.submitOne(p, call);
      });
      return outcomes;
    }
    // Array mode: group by the script with the per-worker values left to the script itself.
    const groups = new Map<string, { text: string; members: Prepared[] }>();
    for (const p of ready) {
      let text: string;
      try {
        text = renderTemplate(this.template, symbolicPerTask(p.values));
      } catch (err) {
        outcomes[p.index] = fatal(errorText(err));
        continue;
      }
      const group = groups.get(text) ?? { text, members: [] };
      group.members.push(p);
      groups.set(text, group);
    }
    for (const { text, members } of groups.values()) {
      for (let start = 0; start < members.length; start += this.options.maxArraySize) {
        const chunk = members.slice(start, start + this.options.maxArraySize);
        if (chunk.length === 1) {
          const only = chunk[0] as Prepared;
          outcomes[only.index] = await this.submitOne(only, call);
          continue;
        }
        const results = await this.submitArray(chunk, text, call);
        chunk.forEach((p, i) => {
          outcomes[p.index] = results[i] as Outcome;
        });
      }
    }
    return outcomes;
  }

  /** Checks what the worker brings and computes its placeholder values. */
  private prepare(worker: WorkSpec, index: number, now: Date): Prepared | Outcome {
    const accessPoint = worker.accessPoint;
    if (!accessPoint) return fatal(`worker ${worker.workerID} has no access point`);
    const problem = unsafePathProblem(accessPoint);
    if (problem)
      return fatal(
        `the access point ${JSON.stringify(accessPoint)} cannot be used with Slurm: it ${problem}`,
      );
    if (!isListableJobName(worker.batchName) || /[^A-Za-z0-9_.:@+=-]/.test(worker.batchName)) {
      return fatal(`the batch name ${JSON.stringify(worker.batchName)} cannot be a Slurm job name`);
    }
    const { values, task } = workerPlaceholders(worker, this.options, {
      harvesterId: this.ctx.harvesterId,
      queueName: this.ctx.queueName,
      submitMode: this.options.submitMode,
      now,
    });
    return { index, worker, accessPoint, values, task };
  }

  private baseRecord(p: Prepared): Omit<SlurmWorkerRecord, 'mode' | 'script'> {
    return {
      batchName: p.worker.batchName,
      workerID: p.worker.workerID,
      harvesterId: this.ctx.harvesterId,
      writtenAt: new Date().toISOString(),
    };
  }

  private async submitOne(p: Prepared, call?: CallOptions): Promise<Outcome> {
    let script: string;
    try {
      script = insertSetupBlock(
        renderTemplate(this.template, p.values),
        singleSetupBlock(this.ctx.harvesterId, p.task),
      );
    } catch (err) {
      return fatal(
        err instanceof RenderError ? err.message : `cannot render the batch script: ${errorText(err)}`,
      );
    }
    const scriptPath = join(p.accessPoint, SLURM_FILE_NAMES.script);
    const record: SlurmWorkerRecord = { ...this.baseRecord(p), mode: 'single', script: scriptPath };
    try {
      await writeWorkerRecord(p.accessPoint, record);
      await writeAtomic(scriptPath, script, 0o755);
    } catch (err) {
      return retryLater(`cannot write the batch script into ${p.accessPoint}: ${errorText(err)}`);
    }
    const stdout = join(p.accessPoint, SLURM_FILE_NAMES.stdout);
    const stderr = join(p.accessPoint, SLURM_FILE_NAMES.stderr);
    const argv = sbatchArgv({
      jobName: p.worker.batchName,
      output: stdout,
      error: stderr,
      chdir: p.accessPoint,
      partition: this.options.partition,
      account: this.options.account,
      qos: this.options.qos,
      extraArgs: this.options.extraArgs,
      script: scriptPath,
    });
    const result = await this.sbatch(argv, p.worker.batchName, call);
    if (result.kind !== 'submitted') return result;
    const batchID = String(result.jobId);
    await this.recordBatchID(p.accessPoint, { ...record, batchID });
    this.accept(p.worker, batchID, result.cluster);
    p.worker.setLogFile('stdout', stdout);
    p.worker.setLogFile('stderr', stderr);
    p.worker.setLogFile('jdl', scriptPath);
    this.log.debug({ workerID: p.worker.workerID, batchID }, 'submitted Slurm job');
    return success(undefined, result.diag);
  }

  private async submitArray(members: Prepared[], text: string, call?: CallOptions): Promise<Outcome[]> {
    const first = members[0] as Prepared;
    const arrayName = first.worker.batchName;
    const scriptPath = join(first.accessPoint, SLURM_FILE_NAMES.script);
    let script: string;
    try {
      script = insertSetupBlock(
        text,
        arraySetupBlock(
          this.ctx.harvesterId,
          members.map((m) => m.task),
        ),
      );
    } catch (err) {
      return members.map(() => fatal(`cannot render the batch script: ${errorText(err)}`));
    }
    const records = members.map(
      (m, i): SlurmWorkerRecord => ({
        ...this.baseRecord(m),
        mode: 'array',
        arrayName,
        arrayIndex: i,
        script: scriptPath,
      }),
    );
    try {
      await mapLimit(members, 16, (m, i) =>
        writeWorkerRecord(m.accessPoint, records[i] as SlurmWorkerRecord),
      );
      await writeAtomic(scriptPath, script, 0o755);
    } catch (err) {
      const diag = `cannot write the array's records and batch script: ${errorText(err)}`;
      return members.map(() => retryLater(diag));
    }
    const logDir = this.options.logDir;
    const argv = sbatchArgv({
      jobName: arrayName,
      output: logDir ? join(logDir, `${arrayName}_%A_%a.out`) : '/dev/null',
      error: logDir ? join(logDir, `${arrayName}_%A_%a.err`) : '/dev/null',
      chdir: logDir ?? '/tmp',
      arraySize: members.length,
      partition: this.options.partition,
      account: this.options.account,
      qos: this.options.qos,
      extraArgs: this.options.extraArgs,
      script: scriptPath,
    });
    const result = await this.sbatch(argv, arrayName, call);
    if (result.kind !== 'submitted') return members.map(() => result);
    await mapLimit(members, 16, async (m, i) => {
      const batchID = `${result.jobId}_${i}`;
      await this.recordBatchID(m.accessPoint, { ...(records[i] as SlurmWorkerRecord), batchID });
      this.accept(m.worker, batchID, result.cluster);
      m.worker.setLogFile('stdout', join(m.accessPoint, SLURM_FILE_NAMES.stdout));
      m.worker.setLogFile('stderr', join(m.accessPoint, SLURM_FILE_NAMES.stderr));
      m.worker.setLogFile('jdl', scriptPath);
      if (logDir) m.worker.setLogFile('batch_log', join(logDir, `${arrayName}_${result.jobId}_${i}.err`));
    });
    this.log.debug({ arrayName, jobId: result.jobId, tasks: members.length }, 'submitted Slurm job array');
    return members.map(() => success(undefined, result.diag));
  }

  private accept(worker: WorkSpec, batchID: string, cluster: string | undefined): void {
    worker.batchID = batchID;
    if (this.options.partition) worker.queueName = this.options.partition;
    if (cluster) worker.submissionHost = cluster;
  }

  /** Best effort: the record learns the batchID, for adoption once Slurm has forgotten the job. */
  private async recordBatchID(accessPoint: string, record: SlurmWorkerRecord): Promise<void> {
    try {
      await writeWorkerRecord(accessPoint, record);
    } catch (err) {
      this.log.warn({ accessPoint, err: errorText(err) }, 'cannot record the batchID in the access point');
    }
  }

  /**
   * Runs sbatch and reads its answer. When it is unreadable or sbatch was killed, the job may
   * exist all the same: it is then looked up by its name before anything is concluded.
   */
  private async sbatch(argv: string[], jobName: string, call?: CallOptions): Promise<SbatchOutcome> {
    const result = await this.tools.run('sbatch', argv, call?.signal);
    if (result.code === 0) {
      const parsed = parseSbatchParsable(result.stdout);
      if (parsed) return { kind: 'submitted', ...parsed };
      const garbage = `sbatch exited with code 0 but printed no job id: ${JSON.stringify(result.stdout.slice(0, 200))}`;
      this.log.warn({ jobName, stdout: result.stdout.slice(0, 500) }, 'unreadable sbatch output');
      return this.findSubmitted(jobName, garbage, call);
    }
    const diag = this.tools.describe(result);
    if (result.timedOut || (result.signal !== null && result.error === undefined)) {
      return this.findSubmitted(jobName, diag, call);
    }
    return this.classify(result, diag);
  }

  private classify(result: ToolResult, diag: string): Outcome {
    const text = `${result.stderr}\n${result.stdout}`;
    if (result.error === undefined && !CONTROLLER_DOWN.test(text) && SBATCH_PERMANENT.test(text)) {
      return fatal(diag);
    }
    return retryLater(diag);
  }

  /** After an unclear sbatch: the job under `jobName` if slurmctld has one, else retry later. */
  private async findSubmitted(jobName: string, why: string, call?: CallOptions): Promise<SbatchOutcome> {
    const lookup = await squeueByNames(this.tools, [jobName], call?.signal);
    if (!lookup.ok) return retryLater(`${why}; looking the job up by name failed too: ${lookup.diag}`);
    const found = latestRecord(lookup.byName.get(jobName) ?? []);
    const id = found ? parseSlurmJobId(found.id) : undefined;
    if (!id) return retryLater(`${why}; no job named ${jobName} was found`);
    return { kind: 'submitted', jobId: id.jobId, diag: `${why}; found the job by its name: ${id.jobId}` };
  }
}

/**
 * Submits workers as Slurm batch jobs (one per worker, or job arrays). The batch script comes
 * from `templateFile` (default: the package's templates/default.sh), checked when the plugin is
 * created: an unknown placeholder, or one whose option is missing, is an error then.
 */
export const SlurmSubmitter = defineSubmitter({
  name: 'SlurmSubmitter',
  compatibility: SLURM_COMPATIBILITY,
  description: 'Submits workers to Slurm with sbatch (single jobs or job arrays).',
  options: slurmSubmitterOptions,
  async create(options, ctx) {
    const template = await loadTemplate(options.templateFile ?? DEFAULT_TEMPLATE_PATH, {
      submitMode: options.submitMode,
      options,
    });
    return new SlurmSubmitterInstance(options, ctx, template);
  },
});
