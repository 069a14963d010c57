import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { HarvesterError } from '../errors.js';
import { isFinalWorkerStatus, type MapType, type WorkerStatus } from '../status/worker-status.js';
import { bigintToNumber, IntColumn, JsonColumn, StringColumn, TextColumn, TimeColumn } from './columns.js';
import type { JobSpec } from './job-spec.js';
import type { JsonObject } from './json.js';

/** Kinds of log a submitter can expose for a worker (Harvester's set_log_file). */
export const LogFileType = {
  batch_log: 'batch_log',
  stdout: 'stdout',
  stderr: 'stderr',
  jdl: 'jdl',
} as const;
export type LogFileType = (typeof LogFileType)[keyof typeof LogFileType];
export const LOG_FILE_TYPES: readonly LogFileType[] = Object.values(LogFileType);

/** Worker attributes; the log locations live under their LogFileType keys. */
export type WorkAttributes = JsonObject & Partial<Record<LogFileType, string>>;

/** Local log files to upload, with the offset already uploaded. */
export type LogFilesToUpload = Record<string, number>;

/** A worker: one batch job, container or process (Harvester's WorkSpec, work_table). */
@Entity('work_table')
@Index('idx_work_monitor_claim', ['status', 'modificationTime'])
@Index('idx_work_site_status', ['computingSite', 'status'])
@Index('idx_work_feed_claim', ['eventsRequest', 'eventFeedTime'])
@Index('idx_work_batch', ['harvesterID', 'batchID'])
export class WorkSpec {
  /** From seq_table (SequenceName.workerID). */
  @PrimaryColumn({ type: 'bigint', transformer: bigintToNumber })
  workerID!: number;

  /** The harvester instance that owns the worker; part of its batch name. */
  @StringColumn(128)
  harvesterID!: string;

  /** The batch system's identifier, set by the submitter. */
  @StringColumn(255, { nullable: true })
  batchID!: string | null;

  @StringColumn(32)
  mapType!: MapType;

  /** The batch queue / partition the worker went to. */
  @StringColumn(255, { nullable: true })
  queueName!: string | null;

  @StringColumn(32)
  status!: WorkerStatus;

  /** 0: no job, 1: has job(s). */
  @IntColumn({ default: 0 })
  hasJob!: number;

  @JsonColumn()
  workParams!: JsonObject | null;

  @JsonColumn()
  workAttributes!: WorkAttributes | null;

  @JsonColumn()
  eventsRequestParams!: JsonObject | null;

  /** EventsRequest: 0 none, 1 uses events, 2 requests events. */
  @IntColumn({ default: 0 })
  eventsRequest!: number;

  /** The queue (PanDA queue) the worker serves. */
  @StringColumn(128)
  computingSite!: string;

  @TimeColumn()
  creationTime!: Date | null;

  @Index()
  @TimeColumn()
  submitTime!: Date | null;

  @TimeColumn()
  startTime!: Date | null;

  @TimeColumn()
  endTime!: Date | null;

  @IntColumn({ nullable: true })
  nCore!: number | null;

  @TimeColumn()
  walltime!: Date | null;

  /** The directory the harvester and the worker exchange files through. */
  @TextColumn({ nullable: true })
  accessPoint!: string | null;

  @TimeColumn()
  modificationTime!: Date | null;

  /** Propagator lease: NULL once the final state was reported. */
  @Index()
  @TimeColumn()
  lastUpdate!: Date | null;

  @TimeColumn()
  eventFeedTime!: Date | null;

  @StringColumn(255, { nullable: true })
  lockedBy!: string | null;

  @Column({ type: 'boolean', default: false })
  postProcessed!: boolean;

  @StringColumn(255, { nullable: true })
  nodeID!: string | null;

  /** MB. */
  @IntColumn({ nullable: true })
  minRamCount!: number | null;

  /** MB. */
  @IntColumn({ nullable: true })
  maxDiskCount!: number | null;

  /** Seconds. */
  @IntColumn({ nullable: true })
  maxWalltime!: number | null;

  /** Kill requested at/after this time (NULL: no kill requested). */
  @Index()
  @TimeColumn()
  killTime!: Date | null;

  @StringColumn(255, { nullable: true })
  computingElement!: string | null;

  @Index()
  @IntColumn({ nullable: true })
  nJobsToReFill!: number | null;

  @JsonColumn()
  logFilesToUpload!: LogFilesToUpload | null;

  @StringColumn(64, { nullable: true })
  jobType!: string | null;

  @StringColumn(64, { nullable: true })
  resourceType!: string | null;

  @IntColumn({ nullable: true })
  nativeExitCode!: number | null;

  @StringColumn(128, { nullable: true })
  nativeStatus!: string | null;

  @StringColumn(500, { nullable: true })
  diagMessage!: string | null;

  @IntColumn({ nullable: true })
  nJobs!: number | null;

  @StringColumn(255, { nullable: true })
  submissionHost!: string | null;

  @Index()
  @IntColumn({ nullable: true })
  configID!: number | null;

  @IntColumn({ nullable: true })
  syncLevel!: number | null;

  @TimeColumn()
  checkTime!: Date | null;

  @IntColumn({ nullable: true })
  ioIntensity!: number | null;

  @StringColumn(255, { nullable: true })
  harvesterHost!: string | null;

  @StringColumn(32, { nullable: true })
  pilotType!: string | null;

  @StringColumn(255, { nullable: true })
  eventFeedLock!: string | null;

  /** Supplemental error code (Harvester's WorkerErrors table). */
  @IntColumn({ nullable: true })
  errorCode!: number | null;

  @TextColumn({ nullable: true })
  errorDiag!: string | null;

  /** The jobs the worker runs (not persisted; the engine loads them through jw_table). */
  jobs: JobSpec[] = [];

  /**
   * The deterministic name the batch job carries: `<harvesterID>-<workerID>`. It is known before
   * submission, which is what lets a restarted harvester find the batch job of a worker whose
   * submission result it never recorded.
   */
  get batchName(): string {
    return workerBatchName(this.harvesterID, this.workerID);
  }

  getAccessPoint(): string {
    if (!this.accessPoint) {
      throw new HarvesterError('NO_ACCESS_POINT', `worker ${this.workerID} has no access point`, {
        workerID: this.workerID,
      });
    }
    return this.accessPoint;
  }

  isFinal(): boolean {
    return isFinalWorkerStatus(this.status);
  }

  /** The jobs of this worker (Harvester's get_jobspec_list). */
  getJobSpecList(): JobSpec[] {
    return this.jobs;
  }

  getPandaIDs(): number[] {
    return this.jobs.map((j) => j.PandaID);
  }

  /**
   * Exposes a log of the worker. An http(s) URL is recorded as is; a local path is recorded and
   * queued for upload by the propagator (offset 0).
   */
  setLogFile(type: LogFileType, stream: string): void {
    if (!LOG_FILE_TYPES.includes(type)) {
      throw new HarvesterError(
        'INVALID_LOG_FILE_TYPE',
        `unknown log file type '${type}' (expected one of ${LOG_FILE_TYPES.join(', ')})`,
        { workerID: this.workerID, type },
      );
    }
    this.workAttributes = { ...(this.workAttributes ?? {}), [type]: stream };
    if (!/^https?:\/\//.test(stream)) {
      const pending = { ...(this.logFilesToUpload ?? {}) };
      if (!(stream in pending)) pending[stream] = 0;
      this.logFilesToUpload = pending;
    }
  }

  getLogFile(type: LogFileType): string | undefined {
    return this.workAttributes?.[type];
  }

  /** Merges attributes into workAttributes (later values win). */
  setWorkAttributes(attrs: JsonObject): void {
    this.workAttributes = { ...(this.workAttributes ?? {}), ...attrs };
  }

  /** Records the supplemental error (code from Harvester's WorkerErrors table) and its text. */
  setSupplementalError(code: number, diag: string): void {
    this.errorCode = code;
    this.errorDiag = diag;
  }
}

/** The deterministic batch name of a worker: `<harvesterID>-<workerID>`. */
export function workerBatchName(harvesterID: string, workerID: number): string {
  return `${harvesterID}-${workerID}`;
}
