// The engine's handle on its database. Every write goes through `write()`:
// - SQLite has one writer, and better-sqlite3 is synchronous: a second connection in the same
//   process would block the event loop in its busy-wait while the first one waits to commit.
//   So a process uses one connection and runs its write transactions one at a time (other
//   processes on the same file wait through SQLite's busy timeout).
// - MariaDB/MySQL run transactions concurrently on a pool; a deadlock or lock-wait timeout is
//   retried a few times with jitter (InnoDB chose this transaction as the victim: nothing of it
//   was applied).
import type { DataSource, EntityManager } from 'typeorm';
import { type DatabaseKind, databaseKind } from './data-source.js';

const RETRYABLE_MYSQL_ERRORS = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);

export interface WriteOptions {
  /** Attempts on a deadlock (MySQL only). */
  attempts?: number;
}

export class Database {
  readonly kind: DatabaseKind;
  private writeQueue: Promise<unknown> = Promise.resolve();

  constructor(readonly ds: DataSource) {
    this.kind = databaseKind(ds);
  }

  /** Runs `fn` in one write transaction and returns its result. */
  async write<T>(fn: (em: EntityManager) => Promise<T>, { attempts = 5 }: WriteOptions = {}): Promise<T> {
    if (this.kind === 'sqlite') {
      const run = this.writeQueue.catch(() => undefined).then(() => this.ds.transaction(fn));
      this.writeQueue = run;
      return run;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.ds.transaction(fn);
      } catch (err) {
        const code =
          (err as { driverError?: { code?: string }; code?: string }).driverError?.code ??
          (err as { code?: string }).code;
        if (attempt >= attempts || !code || !RETRYABLE_MYSQL_ERRORS.has(code)) throw err;
        await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 20 * attempt));
      }
    }
  }

  /** Plain reads; on SQLite they wait for the write in progress (same connection). */
  async read<T>(fn: (em: EntityManager) => Promise<T>): Promise<T> {
    if (this.kind === 'sqlite') {
      const run = this.writeQueue.catch(() => undefined).then(() => fn(this.ds.manager));
      this.writeQueue = run;
      return run;
    }
    return fn(this.ds.manager);
  }
}
