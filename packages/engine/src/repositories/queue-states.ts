// pq_table: one row per queue (`<queue>:ANY:ANY`) with the fetch lease and the limits in force.
import { type QueueConfig, QueueState, queueStateKey } from '@harvester-ts/core';
import type { Database } from '../db/database.js';

export async function syncQueueStates(db: Database, queues: QueueConfig[]): Promise<void> {
  await db.write(async (em) => {
    for (const q of queues) {
      const uniqueName = queueStateKey(q.queueName);
      const values = {
        queueName: q.queueName,
        siteName: (q as { siteName?: string }).siteName ?? q.queueName,
        nQueueLimitJob: q.nQueueLimitJob ?? null,
        nQueueLimitWorker: q.nQueueLimitWorker ?? null,
        maxWorkers: q.maxWorkers ?? null,
      };
      const existing = await em.getRepository(QueueState).findOneBy({ uniqueName });
      if (existing) await em.getRepository(QueueState).update({ uniqueName }, values);
      // nNewWorkers is the WMS's to change (SET_N_WORKERS_JOBTYPE); the configuration only seeds it.
      else {
        await em.getRepository(QueueState).insert({
          uniqueName,
          jobType: 'ANY',
          resourceType: 'ANY',
          nNewWorkers: (q as { nNewWorkers?: number | null }).nNewWorkers ?? null,
          ...values,
        });
      }
    }
  });
}
