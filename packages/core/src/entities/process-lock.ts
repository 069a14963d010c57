import { Entity, PrimaryColumn } from 'typeorm';
import { StringColumn, TimeColumn } from './columns.js';

/** A named lock for singleton tasks across processes (Harvester's lock_table). */
@Entity('lock_table')
export class ProcessLock {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  processName!: string;

  @StringColumn(255, { nullable: true })
  lockedBy!: string | null;

  @TimeColumn()
  lockTime!: Date | null;
}
