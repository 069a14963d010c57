// Appends to the status history (status_event_table): one row per status change, written in
// the same transaction as the change itself.
import type { StatusEventEntity } from '@harvester-ts/core';
import type { EntityManager } from 'typeorm';
import { sqlTime } from '../db/sql-time.js';

export interface StatusChange {
  entityType: StatusEventEntity;
  entityID: number;
  fromStatus: string | null;
  toStatus: string | null;
  fromSubStatus?: string | null;
  toSubStatus?: string | null;
  diag?: string | null;
}

export interface ChangeAuthor {
  agent: string;
  instance: string;
  at: Date;
}

/** Inserts history rows; `ids` come from the statusEventID sequence, one per change. */
export async function appendStatusEvents(
  em: EntityManager,
  ids: number[],
  changes: StatusChange[],
  by: ChangeAuthor,
): Promise<void> {
  if (changes.length === 0) return;
  if (ids.length !== changes.length)
    throw new Error(`${changes.length} status changes but ${ids.length} IDs`);
  const rows = changes.map((c, i) => ({
    eventID: ids[i]!,
    entityType: c.entityType,
    entityID: c.entityID,
    fromStatus: c.fromStatus,
    toStatus: c.toStatus,
    fromSubStatus: c.fromSubStatus ?? null,
    toSubStatus: c.toSubStatus ?? null,
    at: by.at,
    agent: by.agent,
    instance: by.instance,
    diag: c.diag ? c.diag.slice(0, 4000) : null,
  }));
  // A plain multi-row INSERT: the history is the largest write of every cycle, and the query
  // builder's per-parameter bookkeeping costs more than the database does here.
  const at = sqlTime(em.connection, by.at);
  for (let i = 0; i < rows.length; i += 200) {
    const chunk = rows.slice(i, i + 200);
    const params: unknown[] = [];
    for (const r of chunk) {
      params.push(
        r.eventID,
        r.entityType,
        r.entityID,
        r.fromStatus,
        r.toStatus,
        r.fromSubStatus,
        r.toSubStatus,
        at,
        r.agent,
        r.instance,
        r.diag,
      );
    }
    await em.query(
      `INSERT INTO status_event_table (${COLUMNS.join(', ')}) VALUES ${chunk.map(() => ROW).join(', ')}`,
      params,
    );
  }
}

const COLUMNS = [
  'eventID',
  'entityType',
  'entityID',
  'fromStatus',
  'toStatus',
  'fromSubStatus',
  'toSubStatus',
  'at',
  'agent',
  'instance',
  'diag',
];
const ROW = `(${COLUMNS.map(() => '?').join(', ')})`;
