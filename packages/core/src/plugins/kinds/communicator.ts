import type { DiagSpec } from '../../entities/diag-spec.js';
import type { JobParams, JobSpec } from '../../entities/job-spec.js';
import type { WorkSpec } from '../../entities/work-spec.js';
import type { CallOptions } from '../context.js';
import type { Outcome } from '../outcome.js';
import type { EventRange, EventUpdate } from './messenger.js';

export interface GetJobsRequest {
  siteName: string;
  nodeName: string;
  prodSourceLabel: string;
  computingElement: string;
  nJobs: number;
  /** Extra matchmaking criteria (the queue's getJobCriteria). */
  additionalCriteria: Record<string, string>;
}

/** The WMS's answer to one job update. */
export interface JobUpdateAccepted {
  /** A command the WMS attached, e.g. `tobekilled`. */
  command?: string;
}

/** Parameters of an event-range request for one job. */
export interface EventRangeRequest {
  pandaID: number;
  taskID?: number;
  jobsetID?: number;
  nRanges: number;
}

/** Event updates of one job, with the zip file that carries their outputs, if any. */
export interface EventRangeUpdateBatch {
  pandaID: number;
  eventRanges: EventUpdate[];
  zipFile?: { lfn: string; objstoreID?: number; fsize?: number; checksum?: string };
}

/** A command from the WMS (Harvester's get_commands dictionary). */
export interface WmsCommand {
  commandID: number;
  command: string;
  params: unknown;
  ackRequested: boolean;
  creationDate: Date | null;
}

export interface HeartbeatData {
  startTime: Date;
  swVersion: string;
  commitStamp?: string;
  /** Commands this instance expects to receive. */
  commands?: string[];
}

export interface JobCheck {
  /** Whether the job is still active in the WMS. */
  active: boolean;
  status?: string;
  command?: string;
}

/** Worker statistics: jobType → resourceType → status → count. */
export type WorkerStats = Record<string, Record<string, Record<string, number>>>;

/**
 * Talks to the workload management system. `getJobs` and `updateJobs` are required; for each
 * optional method a WMS lacks, the engine skips the work that needs it (no commands fetched,
 * no heartbeats, no worker reports, ...).
 */
export interface Communicator {
  /** Job dictionaries in the PanDA format (mapped to JobSpecs by core's job-dict mapping). */
  getJobs(request: GetJobsRequest, call?: CallOptions): Promise<Outcome<JobParams[]>>;
  /** One Outcome per job, in order; `lockId` identifies the updating process. */
  updateJobs(jobs: JobSpec[], lockId: string, call?: CallOptions): Promise<Outcome<JobUpdateAccepted>[]>;
  /** Event ranges per PandaID (string key). `scattered` asks for ranges spread over files. */
  getEventRanges?(
    requests: EventRangeRequest[],
    scattered: boolean,
    call?: CallOptions,
  ): Promise<Outcome<Record<string, EventRange[]>>>;
  /** One Outcome per batch, in order. */
  updateEventRanges?(batches: EventRangeUpdateBatch[], call?: CallOptions): Promise<Outcome[]>;
  getCommands?(nCommands: number, call?: CallOptions): Promise<Outcome<WmsCommand[]>>;
  ackCommands?(commandIDs: number[], call?: CallOptions): Promise<Outcome>;
  /** One Outcome per worker, in order. */
  updateWorkers?(workers: WorkSpec[], call?: CallOptions): Promise<Outcome[]>;
  isAlive?(data: HeartbeatData, call?: CallOptions): Promise<Outcome>;
  updateWorkerStats?(siteName: string, stats: WorkerStats, call?: CallOptions): Promise<Outcome>;
  /** One Outcome per job, in order. */
  checkJobs?(jobs: JobSpec[], call?: CallOptions): Promise<Outcome<JobCheck>[]>;
  sendDialogMessages?(dialogs: DiagSpec[], call?: CallOptions): Promise<Outcome>;
}

/** The methods every communicator must have. */
export const REQUIRED_COMMUNICATOR_METHODS = ['getJobs', 'updateJobs'] as const;
