import type { JobAttributes, JobSpec } from '../../entities/job-spec.js';
import type { WorkSpec } from '../../entities/work-spec.js';
import type { MapType } from '../../status/worker-status.js';
import type { CallOptions } from '../context.js';
import type { Outcome } from '../outcome.js';

/** An output the worker produced and asks to be staged out (event_status.dump.json entry). */
export interface OutputFileReport {
  path: string;
  /** The LFN; derived from the path when the worker gives none. */
  lfn?: string;
  type: 'output' | 'log' | 'es_output' | 'zip_output' | 'checkpoint';
  fsize?: number;
  chksum?: string;
  guid?: string;
  eventRangeID?: string;
  eventStatus?: string;
  isZip?: boolean;
}

/** A worker's request for event ranges of one job (worker_requestevents.json entry). */
export interface EventRequest {
  nRanges: number;
  pandaID: number;
  taskID?: number;
  jobsetID?: number;
}

/** An event range as the WMS hands it out. */
export type EventRange = Record<string, unknown> & { eventRangeID: string };

/** A status update of one event range from the worker. */
export interface EventUpdate {
  eventRangeID: string;
  eventStatus: string;
  [key: string]: unknown;
}

/**
 * The channel between the harvester and its workers (Harvester's BaseMessenger; the default is
 * the shared-file messenger). Maps keyed by PandaID use the number as a string key.
 */
export interface Messenger {
  /** The access point of a worker, or of one of its jobs (ManyToOne: `<accessPoint>/<PandaID>`). */
  getAccessPoint(worker: WorkSpec, pandaID?: number): string;
  /** Creates the access points of new workers; one Outcome per worker. */
  setupAccessPoints(workers: WorkSpec[], call?: CallOptions): Promise<Outcome[]>;
  /** Gives jobs to a worker (job spec file, input file links, file catalog). */
  feedJobs(worker: WorkSpec, jobs: JobSpec[], call?: CallOptions): Promise<Outcome>;
  /** How many jobs the worker asks for (late binding), or null when it asks for none. */
  jobRequested(worker: WorkSpec, call?: CallOptions): Promise<number | null>;
  /** Attributes the worker reported per job (worker_attributes.json, jobReport.json). */
  getWorkAttributes(worker: WorkSpec, call?: CallOptions): Promise<Record<string, JobAttributes>>;
  /** Outputs to stage out per job. */
  getFilesToStageOut(worker: WorkSpec, call?: CallOptions): Promise<Record<string, OutputFileReport[]>>;
  /** Event-range requests per job. */
  eventsRequested(worker: WorkSpec, call?: CallOptions): Promise<Record<string, EventRequest>>;
  /** Gives event ranges to a worker. */
  feedEvents(worker: WorkSpec, ranges: Record<string, EventRange[]>, call?: CallOptions): Promise<Outcome>;
  /** Event updates per job. */
  eventsToUpdate(worker: WorkSpec, call?: CallOptions): Promise<Record<string, EventUpdate[]>>;
  /** Confirms that what eventsToUpdate/getFilesToStageOut returned is stored (the `.read` protocol). */
  acknowledgeEventsFiles(workers: WorkSpec[], call?: CallOptions): Promise<void>;
  /** Work after a worker ended (log tarball, leftover outputs). retry: try again later. */
  postProcessing(worker: WorkSpec, jobs: JobSpec[], mapType: MapType, call?: CallOptions): Promise<Outcome>;
  /** PandaIDs a pull worker says it took. */
  getPandaIds(worker: WorkSpec, call?: CallOptions): Promise<number[]>;
  /** Whether the worker asks to be killed (kill file). */
  killRequested(worker: WorkSpec, call?: CallOptions): Promise<boolean>;
  /**
   * Whether the worker's heartbeat is fresher than `heartbeatMinutes`; null when the worker
   * keeps no heartbeat.
   */
  isAlive(worker: WorkSpec, heartbeatMinutes: number, call?: CallOptions): Promise<boolean | null>;
  /** Removes what the messenger left for the worker. */
  cleanUp(worker: WorkSpec, call?: CallOptions): Promise<Outcome>;
}
