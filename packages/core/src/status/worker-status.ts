// Worker statuses (Harvester's WorkSpec.ST_*), plus `pending`: the DB-only state a worker is
// committed in before its submission, so that a crash can never leave an unknown batch job.

export const WorkerStatus = {
  pending: 'pending',
  submitted: 'submitted',
  running: 'running',
  idle: 'idle',
  ready: 'ready',
  finished: 'finished',
  failed: 'failed',
  cancelled: 'cancelled',
  missed: 'missed',
} as const;
export type WorkerStatus = (typeof WorkerStatus)[keyof typeof WorkerStatus];

export const WORKER_STATUSES: readonly WorkerStatus[] = Object.values(WorkerStatus);

/** Final worker statuses are sticky: nothing moves a worker out of them. */
export const FINAL_WORKER_STATUSES: ReadonlySet<WorkerStatus> = new Set<WorkerStatus>([
  WorkerStatus.finished,
  WorkerStatus.failed,
  WorkerStatus.cancelled,
  WorkerStatus.missed,
]);

/** Statuses the monitor polls (Harvester: submitted, running, idle; plus ready for late binding). */
export const ACTIVE_WORKER_STATUSES: ReadonlySet<WorkerStatus> = new Set<WorkerStatus>([
  WorkerStatus.submitted,
  WorkerStatus.running,
  WorkerStatus.idle,
  WorkerStatus.ready,
]);

export function isWorkerStatus(value: unknown): value is WorkerStatus {
  return typeof value === 'string' && (WORKER_STATUSES as readonly string[]).includes(value);
}

export function isFinalWorkerStatus(status: WorkerStatus): boolean {
  return FINAL_WORKER_STATUSES.has(status);
}

/** Harvester's mapType: how jobs are bound to workers. */
export const MapType = {
  NoJob: 'NoJob',
  OneToOne: 'OneToOne',
  ManyToOne: 'ManyToOne',
  OneToMany: 'OneToMany',
} as const;
export type MapType = (typeof MapType)[keyof typeof MapType];
export const MAP_TYPES: readonly MapType[] = Object.values(MapType);

/** WorkSpec.eventsRequest. */
export const EventsRequest = { noEvents: 0, useEvents: 1, requestEvents: 2 } as const;
export type EventsRequest = (typeof EventsRequest)[keyof typeof EventsRequest];
