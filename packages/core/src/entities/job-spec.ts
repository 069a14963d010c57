import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { FileStatus, FileType } from '../status/file-status.js';
import { isFinalJobStatus, type JobStatus, type JobSubStatus } from '../status/job-status.js';
import { BigIntColumn, bigintToNumber, IntColumn, JsonColumn, StringColumn, TimeColumn } from './columns.js';
import type { FileSpec } from './file-spec.js';
import type { JsonObject } from './json.js';

/** The job dictionary as the WMS sent it (for PanDA: the getJob/acquire_jobs dictionary). */
export type JobParams = JsonObject;

/** Attributes the worker or a plugin reported for the job, forwarded to the WMS on update. */
export type JobAttributes = JsonObject;

/** What `getInputFileAttributes` gives per LFN (Harvester's get_input_file_attributes). */
export interface InputFileAttributes {
  fsize: number | null;
  guid: string | undefined;
  checksum: string | null;
  scope: string | null;
  dataset: string | undefined;
  attemptNr: number;
  endpoint: string | null;
  /** Set once a preparator resolved it. */
  path: string | null;
}

/** A group of files handled together by a transfer service (e.g. one transfer task). */
export interface FileGroupUpdate {
  lfns: string[];
  groupStatus: string;
}

export interface FileGroupState {
  groupStatus: string | null;
  groupUpdateTime: Date | null;
}

/** A job fetched from the WMS (Harvester's JobSpec, job_table). */
@Entity('job_table')
@Index('idx_job_prep_claim', ['subStatus', 'preparatorTime'])
@Index('idx_job_submit_claim', ['computingSite', 'subStatus', 'submitterTime'])
@Index('idx_job_stage_claim', ['hasOutFile', 'stagerTime'])
@Index('idx_job_propagate_claim', ['propagatorTime', 'propagatorLock'])
@Index('idx_job_status', ['status', 'subStatus'])
export class JobSpec {
  @PrimaryColumn({ type: 'bigint', transformer: bigintToNumber })
  PandaID!: number;

  @Index()
  @BigIntColumn({ nullable: true })
  taskID!: number | null;

  @IntColumn({ default: 0 })
  attemptNr!: number;

  @StringColumn(32)
  status!: JobStatus;

  @StringColumn(32)
  subStatus!: JobSubStatus;

  @Index()
  @IntColumn({ nullable: true })
  currentPriority!: number | null;

  /** The queue (PanDA queue) the job was fetched for. */
  @StringColumn(128)
  computingSite!: string;

  /** The harvester instance that fetched the job. */
  @Index()
  @StringColumn(128, { nullable: true })
  harvesterID!: string | null;

  @TimeColumn()
  creationTime!: Date | null;

  @Index()
  @TimeColumn()
  modificationTime!: Date | null;

  @TimeColumn()
  stateChangeTime!: Date | null;

  @TimeColumn()
  startTime!: Date | null;

  @TimeColumn()
  endTime!: Date | null;

  @IntColumn({ nullable: true })
  nCore!: number | null;

  @JsonColumn()
  jobParams!: JobParams | null;

  @JsonColumn()
  jobAttributes!: JobAttributes | null;

  /** HasOutFile: 0 none, 1 output, 2 zip output, 3 transfer, 4 post-zip. */
  @IntColumn({ nullable: true })
  hasOutFile!: number | null;

  /** The job report (jobReport.json) the worker left. */
  @JsonColumn()
  metaData!: JsonObject | null;

  @JsonColumn()
  outputFilesToReport!: JsonObject | null;

  @StringColumn(255, { nullable: true })
  lockedBy!: string | null;

  @StringColumn(255, { nullable: true })
  propagatorLock!: string | null;

  @TimeColumn()
  propagatorTime!: Date | null;

  @TimeColumn()
  preparatorTime!: Date | null;

  @TimeColumn()
  submitterTime!: Date | null;

  @StringColumn(255, { nullable: true })
  stagerLock!: string | null;

  @TimeColumn()
  stagerTime!: Date | null;

  @IntColumn({ nullable: true })
  zipPerMB!: number | null;

  @IntColumn({ default: 0 })
  nWorkers!: number;

  @IntColumn({ nullable: true })
  nWorkersLimit!: number | null;

  @IntColumn({ default: 0 })
  submissionAttempts!: number;

  @BigIntColumn({ nullable: true })
  jobsetID!: number | null;

  @Column({ type: 'boolean', default: false })
  pilotClosed!: boolean;

  /** The queue configuration (QueueConfigDump) the job is processed with. */
  @Index()
  @IntColumn({ nullable: true })
  configID!: number | null;

  @IntColumn({ nullable: true })
  nRemainingEvents!: number | null;

  @IntColumn({ nullable: true })
  moreWorkers!: number | null;

  @IntColumn({ nullable: true })
  maxWorkersInTotal!: number | null;

  @IntColumn({ default: 0 })
  nWorkersInTotal!: number;

  @JsonColumn()
  jobParamsExtForOutput!: JsonObject | null;

  @JsonColumn()
  jobParamsExtForLog!: JsonObject | null;

  @IntColumn({ nullable: true })
  auxInput!: number | null;

  @StringColumn(64, { nullable: true })
  resourceType!: string | null;

  /** The job's files (not persisted with the job; the engine loads them from file_table). */
  files: FileSpec[] = [];

  isFinal(): boolean {
    return isFinalJobStatus(this.status);
  }

  addFile(file: FileSpec): void {
    this.files.push(file);
  }

  inputFileSpecs({ skipReady = true }: { skipReady?: boolean } = {}): FileSpec[] {
    return this.files.filter((f) => f.isInput() && !(skipReady && f.status === FileStatus.ready));
  }

  /**
   * Attributes of the input files keyed by LFN; files already `ready` are left out unless
   * `skipReady` is false.
   */
  getInputFileAttributes({
    skipReady = true,
  }: {
    skipReady?: boolean;
  } = {}): Record<string, InputFileAttributes> {
    const out: Record<string, InputFileAttributes> = {};
    for (const f of this.inputFileSpecs({ skipReady })) {
      out[f.lfn] = {
        fsize: f.fsize,
        guid: f.guid,
        checksum: f.chksum,
        scope: f.scope,
        dataset: f.dataset,
        attemptNr: f.attemptNr,
        endpoint: f.endpoint,
        path: f.path,
      };
    }
    return out;
  }

  /** Sets the resolved local path of input files, keyed by LFN (`{lfn: {path}}`). */
  setInputFilePaths(paths: Record<string, { path: string }>): void {
    for (const f of this.files) {
      if (!f.isInput()) continue;
      const entry = paths[f.lfn];
      if (entry) f.path = entry.path;
    }
  }

  /** Assigns files (by LFN) to transfer groups: `{groupID: {lfns, groupStatus}}`. */
  setGroupsToFiles(idMap: Record<string, FileGroupUpdate>, now: Date = new Date()): void {
    for (const [groupID, { lfns, groupStatus }] of Object.entries(idMap)) {
      const wanted = new Set(lfns);
      for (const f of this.files) {
        if (!wanted.has(f.lfn)) continue;
        f.groupID = groupID;
        f.groupStatus = groupStatus;
        f.groupUpdateTime = now;
      }
    }
  }

  /** Sets the status of every file of one transfer group. */
  updateGroupStatusInFiles(groupID: string, groupStatus: string, now: Date = new Date()): void {
    for (const f of this.files) {
      if (f.groupID !== groupID) continue;
      f.groupStatus = groupStatus;
      f.groupUpdateTime = now;
    }
  }

  /** Transfer groups of the input files with their current status. */
  getGroupsOfInputFiles(): Record<string, FileGroupState> {
    return groupsOf(this.files.filter((f) => f.isInput()));
  }

  /** Transfer groups of the output files with their current status. */
  getGroupsOfOutputFiles(): Record<string, FileGroupState> {
    return groupsOf(this.files.filter((f) => f.isOutput()));
  }

  /** Output and log files; with `skipDone`, those already finished or failed are left out. */
  getOutputFileSpecs({ skipDone = true }: { skipDone?: boolean } = {}): FileSpec[] {
    return this.files.filter(
      (f) =>
        f.isOutput() && !(skipDone && (f.status === FileStatus.finished || f.status === FileStatus.failed)),
    );
  }

  /** The log file of the job, if the WMS asked for one. */
  getLogFileSpec(): FileSpec | undefined {
    return this.files.find((f) => f.fileType === FileType.log);
  }

  /** Files no active job uses any more, which a sweeper may delete (`todelete`). */
  getFilesToDelete(): FileSpec[] {
    return this.files.filter((f) => f.todelete);
  }

  /** Merges attributes into jobAttributes (later values win). */
  setAttributes(attrs: JobAttributes): void {
    this.jobAttributes = { ...(this.jobAttributes ?? {}), ...attrs };
  }

  /** Records a pilot error code and diagnostic, as PanDA expects them in the job update. */
  setPilotError(code: number, diag: string): void {
    this.setAttributes({ pilotErrorCode: code, pilotErrorDiag: diag });
  }

  /** The job dictionary field as a string, or undefined. */
  param(name: string): string | undefined {
    const v = this.jobParams?.[name];
    return v === undefined || v === null ? undefined : String(v);
  }
}

function groupsOf(files: FileSpec[]): Record<string, FileGroupState> {
  const out: Record<string, FileGroupState> = {};
  for (const f of files) {
    if (f.groupID === null || f.groupID === undefined) continue;
    out[f.groupID] = { groupStatus: f.groupStatus, groupUpdateTime: f.groupUpdateTime };
  }
  return out;
}
