// Surrogate keys come from named sequences in seq_table. A process reserves a block of IDs with
// one UPDATE and hands them out locally, so inserting N rows costs no extra round trip per row
// and the IDs are known before the insert. IDs lost to a crash leave gaps, which is harmless.
import { HarvesterError, type SequenceName, SequenceNumber } from '@harvester-ts/core';
import { execute } from './claims.js';
import type { Database } from './database.js';

interface Block {
  next: number;
  last: number;
}

export class IdAllocator {
  private readonly blocks = new Map<string, Block>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly db: Database,
    /** How many IDs to reserve at a time (more when a caller asks for more). */
    private readonly blockSize = 500,
  ) {}

  /** `count` new, unique, increasing IDs of a sequence. */
  async next(name: SequenceName, count = 1): Promise<number[]> {
    if (!Number.isInteger(count) || count < 0) {
      throw new HarvesterError('INVALID_ARGUMENT', `cannot allocate ${count} IDs of ${name}`, {
        name,
        count,
      });
    }
    if (count === 0) return [];
    // Serialise per sequence so that concurrent callers never share a block.
    const previous = this.queues.get(name) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.take(name, count));
    this.queues.set(name, run);
    return run;
  }

  private async take(name: SequenceName, count: number): Promise<number[]> {
    const out: number[] = [];
    let block = this.blocks.get(name);
    while (out.length < count) {
      if (!block || block.next > block.last) {
        block = await this.reserve(name, Math.max(this.blockSize, count - out.length));
        this.blocks.set(name, block);
      }
      while (out.length < count && block.next <= block.last) out.push(block.next++);
    }
    return out;
  }

  /** Reserves `n` IDs in the database: the range (curVal, curVal + n]. */
  private async reserve(name: SequenceName, n: number): Promise<Block> {
    return this.db.write(async (em) => {
      // UPDATE first: it takes the row's exclusive lock at once (an INSERT IGNORE first would take
      // a shared lock that two concurrent reservations then both try to upgrade: a deadlock).
      const bump = () =>
        execute(em, 'UPDATE seq_table SET curVal = curVal + ? WHERE numberName = ?', [n, name]);
      if ((await bump()) === 0) {
        await em
          .createQueryBuilder()
          .insert()
          .into(SequenceNumber)
          .values({ numberName: name, curVal: 0 })
          .orIgnore()
          .execute();
        await bump();
      }
      const row = await em.getRepository(SequenceNumber).findOneByOrFail({ numberName: name });
      return { next: row.curVal - n + 1, last: row.curVal };
    });
  }
}
