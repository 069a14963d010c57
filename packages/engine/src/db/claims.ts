// Batch claims of rows as leases (owner + time), the only way agents coordinate. A row can be
// claimed when it is free and due (lock NULL, time NULL or older than the check interval) or when
// its lease expired (lock set, time older than the lock interval: its owner died or hung).
//   MariaDB/MySQL: SELECT ... FOR UPDATE SKIP LOCKED LIMIT n, then one UPDATE, in one transaction;
//                  concurrent claimers skip each other's rows instead of waiting or deadlocking.
//   SQLite:        one conditional UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING id;
//                  a single statement is one write transaction, and SQLite has one writer.
import type { EntityManager } from 'typeorm';
import { databaseKind } from './data-source.js';
import { sqlTime } from './sql-time.js';

/**
 * A claimable table: its key, and the lease's time and owner columns. Without an owner column the
 * lease is the time alone: a claim moves the time to now, so the row is not due again before
 * the check interval (used where a single conditional UPDATE is the whole critical section).
 */
export interface LeaseColumns {
  table: string;
  id: string;
  /** The key is a string (e.g. pq_table.uniqueName) rather than a number. */
  textId?: boolean;
  time: string;
  lock?: string;
}

export interface ClaimRequest {
  lease: LeaseColumns;
  /** Extra SQL condition on the rows (column names are trusted; values go in `params`). */
  where: string;
  params?: unknown[];
  /** ORDER BY clause (without the keywords), e.g. `currentPriority DESC, PandaID`. */
  orderBy: string;
  limit: number;
  owner: string;
  now: Date;
  /** A free row is due when its time is older than this (ms; 0: as soon as it is free). */
  checkIntervalMs: number;
  /** A lease older than this is expired and can be taken over (ms). */
  lockIntervalMs: number;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function ident(name: string): string {
  if (!IDENT.test(name)) throw new Error(`invalid SQL identifier '${name}'`);
  return name;
}

function leasePredicate(lease: LeaseColumns): string {
  const time = ident(lease.time);
  // Same two placeholders as the owned form (due-before, expired-before); the second is unused.
  if (!lease.lock) return `((${time} IS NULL OR ${time} <= ?) AND ? IS NOT NULL)`;
  const lock = ident(lease.lock);
  return `((${lock} IS NULL AND (${time} IS NULL OR ${time} <= ?)) OR (${lock} IS NOT NULL AND ${time} <= ?))`;
}

function setLease(lease: LeaseColumns): string {
  return lease.lock ? `${ident(lease.lock)} = ?, ${ident(lease.time)} = ?` : `${ident(lease.time)} = ?`;
}

/**
 * Claims up to `limit` rows, chosen in `orderBy` order, inside the caller's write transaction
 * (`Database.write`). Returns their IDs as a set: SQLite's RETURNING has no defined order, so
 * callers order the rows they load.
 */
export async function claimRows(em: EntityManager, req: ClaimRequest): Promise<number[]> {
  return (await claimKeys(em, req)).map(Number);
}

/** claimRows for any key type (strings for pq_table). */
export async function claimKeys(em: EntityManager, req: ClaimRequest): Promise<(string | number)[]> {
  if (req.limit <= 0) return [];
  const source = em.connection;
  const table = ident(req.lease.table);
  const id = ident(req.lease.id);
  const leaseValues = req.lease.lock ? [req.owner, sqlTime(source, req.now)] : [sqlTime(source, req.now)];
  const key = (v: unknown) => (req.lease.textId ? String(v) : Number(v));
  const dueBefore = sqlTime(source, new Date(req.now.getTime() - req.checkIntervalMs));
  const expiredBefore = sqlTime(source, new Date(req.now.getTime() - req.lockIntervalMs));
  const condition = `${leasePredicate(req.lease)} AND (${req.where || '1=1'})`;
  const params = [dueBefore, expiredBefore, ...(req.params ?? [])];
  const limit = Math.floor(req.limit);

  if (databaseKind(source) === 'sqlite') {
    const rows: Record<string, unknown>[] = await em.query(
      `UPDATE ${table} SET ${setLease(req.lease)} WHERE ${id} IN ` +
        `(SELECT ${id} FROM ${table} WHERE ${condition} ORDER BY ${req.orderBy} LIMIT ${limit}) RETURNING ${id}`,
      [...leaseValues, ...params],
    );
    return rows.map((r) => key(r[id]));
  }

  const rows: Record<string, unknown>[] = await em.query(
    `SELECT ${id} FROM ${table} WHERE ${condition} ORDER BY ${req.orderBy} LIMIT ${limit} FOR UPDATE SKIP LOCKED`,
    params,
  );
  const ids = rows.map((r) => key(r[id]));
  if (ids.length === 0) return ids;
  await em.query(
    `UPDATE ${table} SET ${setLease(req.lease)} WHERE ${id} IN (${ids.map(() => '?').join(',')})`,
    [...leaseValues, ...ids],
  );
  return ids;
}

/**
 * Renews the leases `owner` still holds on `ids` (their time becomes `now`) and returns the IDs
 * it still holds: a lease that expired and was taken over is not renewed, and its row must be
 * left to its new owner. Called right before a side effect that must not happen twice (a report
 * to the WMS), so a long cycle cannot lose its rows to another instance in the middle of it.
 */
export async function renewLeases(
  em: EntityManager,
  lease: LeaseColumns,
  ids: (number | string)[],
  owner: string,
  now: Date,
): Promise<(number | string)[]> {
  if (ids.length === 0) return [];
  if (!lease.lock) throw new Error(`lease on ${lease.table}.${lease.time} has no owner to renew`);
  const source = em.connection;
  const table = ident(lease.table);
  const id = ident(lease.id);
  const lock = ident(lease.lock);
  const key = (v: unknown) => (lease.textId ? String(v) : Number(v));
  const inList = ids.map(() => '?').join(',');
  if (databaseKind(source) === 'sqlite') {
    const rows: Record<string, unknown>[] = await em.query(
      `UPDATE ${table} SET ${ident(lease.time)} = ? WHERE ${id} IN (${inList}) AND ${lock} = ? RETURNING ${id}`,
      [sqlTime(source, now), ...ids, owner],
    );
    return rows.map((r) => key(r[id]));
  }
  const rows: Record<string, unknown>[] = await em.query(
    `SELECT ${id} FROM ${table} WHERE ${id} IN (${inList}) AND ${lock} = ? FOR UPDATE`,
    [...ids, owner],
  );
  const held = rows.map((r) => key(r[id]));
  if (held.length > 0) {
    await em.query(
      `UPDATE ${table} SET ${ident(lease.time)} = ? WHERE ${id} IN (${held.map(() => '?').join(',')}) AND ${lock} = ?`,
      [sqlTime(source, now), ...held, owner],
    );
  }
  return held;
}

/** Releases leases held by `owner` (rows another owner took over are left alone). */
export async function releaseRows(
  em: EntityManager,
  lease: LeaseColumns,
  ids: (number | string)[],
  owner: string,
  set: { time: 'keep' | 'clear' | Date } = { time: 'keep' },
): Promise<number> {
  if (ids.length === 0) return 0;
  if (!lease.lock) throw new Error(`lease on ${lease.table}.${lease.time} has no owner to release`);
  const source = em.connection;
  const time = ident(lease.time);
  const timeSql = set.time === 'keep' ? '' : `, ${time} = ?`;
  const timeParam = set.time === 'keep' ? [] : [set.time === 'clear' ? null : sqlTime(source, set.time)];
  return execute(
    em,
    `UPDATE ${ident(lease.table)} SET ${ident(lease.lock)} = NULL${timeSql} WHERE ${ident(lease.id)} IN (${ids
      .map(() => '?')
      .join(',')}) AND ${ident(lease.lock)} = ?`,
    [...timeParam, ...ids, owner],
  );
}

/**
 * Runs a raw statement in the manager's transaction (if any) and returns the number of rows it
 * changed, the same way on both drivers.
 */
export async function execute(em: EntityManager, sql: string, params: unknown[] = []): Promise<number> {
  const runner = em.queryRunner ?? em.connection.createQueryRunner();
  try {
    const result = await runner.query(sql, params, true);
    return result.affected ?? 0;
  } finally {
    if (!em.queryRunner) await runner.release();
  }
}
