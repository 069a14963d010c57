// What an agent cycle decided, collected in memory and then written in one transaction:
// row updates (checked against core's status machines) and the status history they imply.
import {
  assertFileTransition,
  assertJobTransition,
  assertWorkerTransition,
  type FileSpec,
  type JobSpec,
  SequenceName,
  type WorkSpec,
} from '@harvester-ts/core';
import type { EntityManager, ObjectLiteral } from 'typeorm';
import type { IdAllocator } from '../db/id-allocator.js';
import { appendStatusEvents, type ChangeAuthor, type StatusChange } from './status-history.js';

type Columns<T> = Partial<{ [K in keyof T]: T[K] }>;

interface PendingUpdate {
  table: 'job_table' | 'work_table' | 'file_table';
  idColumn: string;
  id: number;
  values: Record<string, unknown>;
}

export class ChangeSet {
  private readonly updates = new Map<string, PendingUpdate>();
  readonly history: StatusChange[] = [];

  get size(): number {
    return this.updates.size;
  }

  private put(table: PendingUpdate['table'], idColumn: string, id: number, values: Record<string, unknown>) {
    const key = `${table}:${id}`;
    const existing = this.updates.get(key);
    if (existing) Object.assign(existing.values, values);
    else this.updates.set(key, { table, idColumn, id, values: { ...values } });
  }

  /**
   * Sets job columns; a status/subStatus change is checked (IllegalTransitionError names it) and
   * recorded in the history. The in-memory job is updated too.
   */
  job(job: JobSpec, values: Columns<JobSpec>, diag?: string | null): void {
    const to = { status: values.status ?? job.status, subStatus: values.subStatus ?? job.subStatus };
    if (to.status !== job.status || to.subStatus !== job.subStatus) {
      assertJobTransition({ status: job.status, subStatus: job.subStatus }, to, { PandaID: job.PandaID });
      this.history.push({
        entityType: 'job',
        entityID: job.PandaID,
        fromStatus: job.status,
        toStatus: to.status,
        fromSubStatus: job.subStatus,
        toSubStatus: to.subStatus,
        diag: diag ?? null,
      });
    }
    Object.assign(job, values);
    this.put('job_table', 'PandaID', job.PandaID, values);
  }

  worker(worker: WorkSpec, values: Columns<WorkSpec>, diag?: string | null): void {
    if (values.status !== undefined && values.status !== worker.status) {
      assertWorkerTransition(worker.status, values.status, { workerID: worker.workerID });
      this.history.push({
        entityType: 'worker',
        entityID: worker.workerID,
        fromStatus: worker.status,
        toStatus: values.status,
        diag: diag ?? null,
      });
    }
    Object.assign(worker, values);
    this.put('work_table', 'workerID', worker.workerID, values);
  }

  file(file: FileSpec, values: Columns<FileSpec>): void {
    if (values.status !== undefined && values.status !== file.status) {
      assertFileTransition(file.fileType, file.status, values.status, { fileID: file.fileID, lfn: file.lfn });
      this.history.push({
        entityType: 'file',
        entityID: file.fileID,
        fromStatus: file.status,
        toStatus: values.status,
      });
    }
    Object.assign(file, values);
    this.put('file_table', 'fileID', file.fileID, values);
  }

  /** Takes over another change set's updates and history (applied after this one's). */
  merge(other: ChangeSet): void {
    for (const u of other.updates.values()) this.put(u.table, u.idColumn, u.id, u.values);
    this.history.push(...other.history);
  }

  /** Writes every update and the history; IDs for the history must be allocated beforehand. */
  async write(em: EntityManager, historyIds: number[], by: ChangeAuthor): Promise<void> {
    // Group identical value sets so that N rows changed the same way cost one UPDATE.
    const groups = new Map<string, { u: PendingUpdate; ids: number[] }>();
    for (const u of this.updates.values()) {
      const key = `${u.table}|${stableKey(u.values)}`;
      const g = groups.get(key);
      if (g) g.ids.push(u.id);
      else groups.set(key, { u, ids: [u.id] });
    }
    for (const { u, ids } of groups.values()) {
      for (let i = 0; i < ids.length; i += 500) {
        await em
          .createQueryBuilder()
          .update(u.table === 'job_table' ? 'JobSpec' : u.table === 'work_table' ? 'WorkSpec' : 'FileSpec')
          .set(u.values as ObjectLiteral)
          .where(`${u.idColumn} IN (:...ids)`, { ids: ids.slice(i, i + 500) })
          .execute();
      }
    }
    await appendStatusEvents(em, historyIds, this.history, by);
  }

  /** Allocates the history IDs this change set needs. */
  async allocateHistoryIds(ids: IdAllocator): Promise<number[]> {
    return ids.next(SequenceName.statusEventID, this.history.length);
  }
}

function stableKey(values: Record<string, unknown>): string {
  return JSON.stringify(
    Object.keys(values)
      .sort()
      .map((k) => [k, values[k] instanceof Date ? (values[k] as Date).toISOString() : values[k]]),
  );
}
