// Watches Slurm jobs: ONE squeue call per checkWorkers for all the workers (every state
// slurmctld still holds), then, for the jobs squeue no longer lists, one sacct call when
// accounting works (found out once and remembered), else `scontrol show job` for each of those
// only. A command that fails leaves the workers it concerned to be retried: never a crash, never
// a final state Slurm did not say.
import {
  type BatchLookupResult,
  type CallOptions,
  defineMonitor,
  errorText,
  mapLimit,
  oneLine,
  type PluginContext,
  retryLater,
  type WorkerCheckResult,
  WorkerStatus,
  type WorkSpec,
  workerStatus,
} from '@harvester-ts/core';
import {
  ACCOUNTING_DISABLED,
  INVALID_JOB_ID,
  isListableJobName,
  latestRecord,
  parseSacctOutput,
  parseScontrolOutput,
  parseSlurmJobId,
  parseSqueueOutput,
  readExitFile,
  readWorkerRecord,
  type SlurmJobRecord,
  SlurmTools,
  type SlurmWorkerRecord,
  sacctJobsArgv,
  sacctNamesArgv,
  scontrolShowJobArgv,
  squeueByNames,
  squeueJobsArgv,
} from './commands.js';
import { SLURM_COMPATIBILITY, type SlurmMonitorOptions, slurmMonitorOptions } from './options.js';
import { mapSlurmStatus } from './status-map.js';

/** What one lookup step learnt about the ids it was asked for. */
interface Lookup {
  /** batchID → record. */
  found: Map<string, SlurmJobRecord>;
  /** batchIDs the step could not tell about (the command failed): batchID → diag. */
  failed: Map<string, string>;
}

/** Whether sacct answers for this cluster: unknown until the first sacct call tells. */
type Accounting = 'unknown' | 'available' | 'unavailable';

export class SlurmMonitorInstance {
  private readonly log: PluginContext['logger'];
  private readonly tools: SlurmTools;
  private accounting: Accounting;
  /** batchID → when it was first found unknown to Slurm (for workers without submitTime). */
  private readonly unknownSince = new Map<string, number>();

  constructor(
    private readonly options: SlurmMonitorOptions,
    ctx: PluginContext,
  ) {
    this.log = ctx.logger.child({ plugin: 'SlurmMonitor' });
    this.tools = new SlurmTools(options, ctx.signal);
    this.accounting =
      options.useSacct === 'always' ? 'available' : options.useSacct === 'never' ? 'unavailable' : 'unknown';
  }

  /** Whether sacct is used (after detection), for tests and diagnostics. */
  get accountingState(): Accounting {
    return this.accounting;
  }

  async checkWorkers(workers: WorkSpec[], call?: CallOptions): Promise<WorkerCheckResult[]> {
    if (workers.length === 0) return [];
    const results = new Array<WorkerCheckResult | undefined>(workers.length);
    const ids: string[] = [];
    workers.forEach((worker, i) => {
      const id = parseSlurmJobId(worker.batchID);
      if (id === undefined) {
        results[i] = workerStatus(
          WorkerStatus.failed,
          `not a Slurm batchID: ${JSON.stringify(worker.batchID)} (expected <jobid> or <jobid>_<index>)`,
        );
      } else ids.push(worker.batchID as string);
    });
    const unique = [...new Set(ids)];

    // 1. squeue, once, for every job.
    const found = new Map<string, SlurmJobRecord>();
    const failed = new Map<string, string>();
    if (unique.length > 0) {
      const q = await this.squeue(unique, call);
      for (const [id, r] of q.found) found.set(id, r);
      for (const [id, d] of q.failed) failed.set(id, d);
    }
    // 2. The jobs squeue does not know: sacct in one call, or scontrol per job.
    const missing = unique.filter((id) => !found.has(id) && !failed.has(id));
    const unknown = new Set<string>();
    if (missing.length > 0) {
      const more = await this.lookUpGone(missing, call);
      for (const [id, r] of more.found) found.set(id, r);
      for (const [id, d] of more.failed) failed.set(id, d);
      for (const id of missing) if (!found.has(id) && !failed.has(id)) unknown.add(id);
    }

    const now = Date.now();
    await Promise.all(
      workers.map(async (worker, i) => {
        if (results[i] !== undefined) return;
        const id = worker.batchID as string;
        const record = found.get(id);
        if (record) {
          this.unknownSince.delete(id);
          results[i] = this.apply(worker, id, record);
          return;
        }
        const diag = failed.get(id);
        if (diag !== undefined) {
          results[i] = retryLater(diag);
          return;
        }
        results[i] = await this.unknownJob(worker, id, now);
      }),
    );
    return results as WorkerCheckResult[];
  }

  /** The worker status from a record; sets nativeStatus, nativeExitCode, diagMessage and nodeID. */
  private apply(worker: WorkSpec, id: string, record: SlurmJobRecord): WorkerCheckResult {
    const mapped = mapSlurmStatus({ id, state: record.state, reason: record.reason, exit: record.exit });
    worker.nativeStatus = mapped.nativeStatus;
    if (mapped.nativeExitCode !== undefined) worker.nativeExitCode = mapped.nativeExitCode;
    if (record.nodeList) worker.nodeID = record.nodeList.slice(0, 255);
    if (mapped.report.diag !== undefined) worker.diagMessage = mapped.report.diag.slice(0, 500);
    return mapped.report;
  }

  /**
   * A job no Slurm tool knows: the wrapper's exit file says how it ended when there is one;
   * otherwise it is retried until unknownGraceSeconds after submitTime, then unknownJobStatus.
   */
  private async unknownJob(worker: WorkSpec, id: string, now: number): Promise<WorkerCheckResult> {
    const where = this.accounting === 'available' ? 'squeue and sacct' : 'squeue and scontrol';
    if (worker.accessPoint) {
      try {
        const exit = await readExitFile(worker.accessPoint);
        if (exit.kind === 'code') {
          this.unknownSince.delete(id);
          worker.nativeStatus = 'UNKNOWN';
          worker.nativeExitCode = exit.code;
          const diag = `Slurm job ${id} is no longer known to ${where}; the worker wrapper exited with code ${exit.code}`;
          worker.diagMessage = diag;
          return exit.code === 0
            ? workerStatus(WorkerStatus.finished, diag)
            : workerStatus(WorkerStatus.failed, diag);
        }
      } catch (err) {
        return retryLater(`Slurm job ${id} is unknown and its exit file is unreadable: ${errorText(err)}`);
      }
    }
    let since = worker.submitTime?.getTime();
    if (since === undefined) {
      since = this.unknownSince.get(id) ?? now;
      this.unknownSince.set(id, since);
    }
    const ageSeconds = Math.max(0, Math.round((now - since) / 1000));
    const diag = `Slurm job ${id} is unknown to ${where} (${ageSeconds} s after ${worker.submitTime ? 'submission' : 'it was first missed'})`;
    if (this.options.unknownJobStatus === 'retry' || ageSeconds < this.options.unknownGraceSeconds) {
      return retryLater(diag);
    }
    this.unknownSince.delete(id);
    worker.nativeStatus = 'UNKNOWN';
    worker.diagMessage = diag;
    return workerStatus(
      this.options.unknownJobStatus === 'cancelled' ? WorkerStatus.cancelled : WorkerStatus.failed,
      diag,
    );
  }

  /** One squeue call for all ids. */
  private async squeue(ids: string[], call?: CallOptions): Promise<Lookup> {
    const found = new Map<string, SlurmJobRecord>();
    const failed = new Map<string, string>();
    const result = await this.tools.run('squeue', squeueJobsArgv(ids), call?.signal);
    if (result.code !== 0) {
      // With exactly one id, squeue reports a job slurmctld has forgotten as an error.
      if (result.code === 1 && INVALID_JOB_ID.test(result.stderr)) return { found, failed };
      const diag = this.tools.describe(result);
      for (const id of ids) failed.set(id, diag);
      return { found, failed };
    }
    const parsed = parseSqueueOutput(result.stdout);
    const wanted = new Set(ids);
    for (const r of parsed.records) if (wanted.has(r.id)) found.set(r.id, r);
    if (parsed.garbage.length > 0) {
      // A line that cannot be read may be about any of the jobs: those not read are not concluded on.
      const diag = `squeue printed ${parsed.garbage.length} line(s) that could not be read: ${oneLine(parsed.garbage.join(' | '), 300)}`;
      this.log.warn({ garbage: parsed.garbage.slice(0, 5) }, 'unreadable squeue output');
      for (const id of ids) if (!found.has(id)) failed.set(id, diag);
    }
    return { found, failed };
  }

  /** Jobs squeue no longer lists: sacct when accounting works, else scontrol per job. */
  private async lookUpGone(ids: string[], call?: CallOptions): Promise<Lookup> {
    if (this.accounting !== 'unavailable') {
      const viaSacct = await this.sacct(ids, call);
      if (viaSacct !== undefined) {
        // sacct answered but knew none of them: slurmctld may (detection, below).
        if (viaSacct.found.size > 0 || viaSacct.failed.size > 0 || this.accounting === 'available')
          return viaSacct;
        const viaScontrol = await this.scontrol(ids, call);
        if (viaScontrol.found.size > 0) {
          this.accounting = 'unavailable';
          this.log.info('sacct returns nothing for jobs slurmctld knows: using scontrol from now on');
        }
        return viaScontrol;
      }
    }
    return this.scontrol(ids, call);
  }

  /**
   * One sacct call; undefined when sacct cannot be used now (then scontrol is asked instead),
   * which is remembered when sacct says accounting is disabled.
   */
  private async sacct(ids: string[], call?: CallOptions): Promise<Lookup | undefined> {
    const found = new Map<string, SlurmJobRecord>();
    const failed = new Map<string, string>();
    const result = await this.tools.run('sacct', sacctJobsArgv(ids), call?.signal);
    if (result.code !== 0) {
      const diag = this.tools.describe(result);
      if (ACCOUNTING_DISABLED.test(result.stderr) && this.options.useSacct === 'auto') {
        this.accounting = 'unavailable';
        this.log.info(
          { diag },
          'Slurm accounting is disabled: using scontrol for jobs squeue no longer lists',
        );
        return undefined;
      }
      if (this.options.useSacct === 'always') {
        for (const id of ids) failed.set(id, diag);
        return { found, failed };
      }
      this.log.warn({ diag }, 'sacct failed; asking scontrol this time');
      return undefined;
    }
    const parsed = parseSacctOutput(result.stdout);
    const wanted = new Set(ids);
    for (const r of parsed.records) if (wanted.has(r.id)) found.set(r.id, r);
    if (found.size > 0 && this.accounting === 'unknown') {
      this.accounting = 'available';
      this.log.info('Slurm accounting works: using sacct for jobs squeue no longer lists');
    }
    if (parsed.garbage.length > 0) {
      const diag = `sacct printed ${parsed.garbage.length} line(s) that could not be read: ${oneLine(parsed.garbage.join(' | '), 300)}`;
      this.log.warn({ garbage: parsed.garbage.slice(0, 5) }, 'unreadable sacct output');
      for (const id of ids) if (!found.has(id)) failed.set(id, diag);
    }
    return { found, failed };
  }

  /** `scontrol show job` for each id (only the jobs squeue did not list). */
  private async scontrol(ids: string[], call?: CallOptions): Promise<Lookup> {
    const found = new Map<string, SlurmJobRecord>();
    const failed = new Map<string, string>();
    await mapLimit(ids, this.options.scontrolConcurrency, async (id) => {
      const result = await this.tools.run('scontrol', scontrolShowJobArgv(id), call?.signal);
      if (result.code !== 0) {
        if (INVALID_JOB_ID.test(result.stderr)) return; // unknown
        failed.set(id, this.tools.describe(result));
        return;
      }
      const parsed = parseScontrolOutput(result.stdout);
      const record = parsed.records.find((r) => r.id === id);
      if (record) found.set(id, record);
      else if (parsed.garbage.length > 0) {
        failed.set(
          id,
          `scontrol printed a line that could not be read: ${oneLine(parsed.garbage.join(' | '), 300)}`,
        );
      }
    });
    return { found, failed };
  }

  /**
   * Finds the batch jobs of workers left pending by a crash, by their deterministic names:
   * the batchID recorded in the access point after sbatch answered; else one squeue call for
   * all the names (array members: the array's name and their index from the record); else,
   * with accounting, one sacct call. Found → adopted; notFound → the worker is missed.
   */
  async findWorkersByBatchName(workers: WorkSpec[], call?: CallOptions): Promise<BatchLookupResult[]> {
    const results = new Array<BatchLookupResult | undefined>(workers.length);
    type Wanted = { i: number; name: string; arrayIndex?: number };
    const asked = await Promise.all(
      workers.map(async (worker, i): Promise<Wanted | undefined> => {
        let record: SlurmWorkerRecord | undefined;
        if (worker.accessPoint) {
          try {
            record = await readWorkerRecord(worker.accessPoint);
          } catch (err) {
            this.log.warn({ workerID: worker.workerID, err: errorText(err) }, 'unreadable worker record');
          }
        }
        if (record && record.batchName !== worker.batchName) record = undefined;
        if (record?.batchID !== undefined) {
          results[i] = { kind: 'found', batchID: record.batchID };
          return undefined;
        }
        if (record?.mode === 'array' && record.arrayName !== undefined && record.arrayIndex !== undefined) {
          return { i, name: record.arrayName, arrayIndex: record.arrayIndex };
        }
        // The submitter never submits under a name squeue --name could not take.
        if (!isListableJobName(worker.batchName)) {
          results[i] = { kind: 'notFound' };
          return undefined;
        }
        return { i, name: worker.batchName };
      }),
    );
    const wanted = asked.filter((w): w is Wanted => w !== undefined);
    if (wanted.length === 0) return results as BatchLookupResult[];

    const names = [...new Set(wanted.map((w) => w.name))];
    const lookup = await squeueByNames(this.tools, names, call?.signal);
    if (!lookup.ok) {
      for (const w of wanted) results[w.i] = retryLater(lookup.diag);
      return results as BatchLookupResult[];
    }
    if (lookup.garbage.length > 0) {
      const diag = `squeue printed ${lookup.garbage.length} line(s) that could not be read: ${oneLine(lookup.garbage.join(' | '), 300)}`;
      for (const w of wanted) results[w.i] = retryLater(diag);
      return results as BatchLookupResult[];
    }
    const byName = lookup.byName;
    const pick = (w: (typeof wanted)[number], records: SlurmJobRecord[]): string | undefined => {
      if (w.arrayIndex === undefined) {
        const single = records.filter((r) => parseSlurmJobId(r.id)?.arrayIndex === undefined);
        // Without its record, the first worker of an array is task 0 of the array named after it.
        return (
          latestRecord(single)?.id ??
          latestRecord(records.filter((r) => parseSlurmJobId(r.id)?.arrayIndex === 0))?.id
        );
      }
      const tasks = records.filter((r) => parseSlurmJobId(r.id)?.arrayIndex === w.arrayIndex);
      return latestRecord(tasks)?.id;
    };
    let notInSqueue = wanted.filter((w) => pick(w, byName.get(w.name) ?? []) === undefined);
    for (const w of wanted) {
      const id = pick(w, byName.get(w.name) ?? []);
      if (id !== undefined) results[w.i] = { kind: 'found', batchID: id };
    }
    if (notInSqueue.length > 0 && this.accounting !== 'unavailable') {
      const since = Math.min(
        ...notInSqueue.map(
          (w) => (workers[w.i]?.creationTime ?? workers[w.i]?.submitTime)?.getTime() ?? Date.now(),
        ),
      );
      const sacctNames = [...new Set(notInSqueue.map((w) => w.name))];
      const result = await this.tools.run(
        'sacct',
        sacctNamesArgv(sacctNames, new Date(since - 86_400_000)),
        call?.signal,
      );
      if (result.code === 0) {
        const parsed = parseSacctOutput(result.stdout);
        const sacctByName = new Map<string, SlurmJobRecord[]>();
        for (const r of parsed.records) {
          if (r.name !== undefined) sacctByName.set(r.name, [...(sacctByName.get(r.name) ?? []), r]);
        }
        for (const w of notInSqueue) {
          const id = pick(w, sacctByName.get(w.name) ?? []);
          if (id !== undefined) results[w.i] = { kind: 'found', batchID: id };
        }
        notInSqueue = notInSqueue.filter((w) => results[w.i] === undefined);
      } else if (ACCOUNTING_DISABLED.test(result.stderr) && this.options.useSacct === 'auto') {
        this.accounting = 'unavailable';
      } else if (this.accounting === 'available') {
        // Accounting is known to work and cannot be asked now: not found is not concluded.
        const diag = this.tools.describe(result);
        for (const w of notInSqueue) results[w.i] = retryLater(diag);
        notInSqueue = [];
      }
    }
    for (const w of notInSqueue) results[w.i] ??= { kind: 'notFound' };
    return results as BatchLookupResult[];
  }
}

/** Monitors SlurmSubmitter's jobs (any Slurm job named by batchID `<jobid>` or `<jobid>_<index>`). */
export const SlurmMonitor = defineMonitor({
  name: 'SlurmMonitor',
  compatibility: SLURM_COMPATIBILITY,
  description: 'Monitors Slurm jobs: one squeue per cycle, then sacct or scontrol for finished jobs.',
  options: slurmMonitorOptions,
  create(options, ctx) {
    return new SlurmMonitorInstance(options, ctx);
  },
});
