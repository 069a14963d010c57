import type { LeaseColumns } from '../db/claims.js';

/** The leases on job_table, as in Harvester (one time column per agent, shared owner column). */
export const JOB_LEASES = {
  preparator: { table: 'job_table', id: 'PandaID', time: 'preparatorTime', lock: 'lockedBy' },
  submitter: { table: 'job_table', id: 'PandaID', time: 'submitterTime', lock: 'lockedBy' },
  stager: { table: 'job_table', id: 'PandaID', time: 'stagerTime', lock: 'stagerLock' },
  propagator: { table: 'job_table', id: 'PandaID', time: 'propagatorTime', lock: 'propagatorLock' },
} as const satisfies Record<string, LeaseColumns>;

export const WORKER_LEASES = {
  monitor: { table: 'work_table', id: 'workerID', time: 'modificationTime', lock: 'lockedBy' },
  propagator: { table: 'work_table', id: 'workerID', time: 'lastUpdate' },
  sweeper: { table: 'work_table', id: 'workerID', time: 'killTime' },
  eventFeeder: { table: 'work_table', id: 'workerID', time: 'eventFeedTime', lock: 'eventFeedLock' },
} as const satisfies Record<string, LeaseColumns>;
