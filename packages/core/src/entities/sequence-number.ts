import { Entity, PrimaryColumn } from 'typeorm';
import { BigIntColumn } from './columns.js';

/**
 * Named ID sequences (Harvester's seq_table). Every surrogate key of the schema is a BIGINT taken
 * from here — the engine reserves blocks with one UPDATE — so IDs are known before a bulk insert
 * and work the same on SQLite and MySQL (SQLite cannot auto-increment a BIGINT key).
 */
@Entity('seq_table')
export class SequenceNumber {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  numberName!: string;

  /** The last value handed out. */
  @BigIntColumn({ default: 0 })
  curVal!: number;
}

export const SequenceName = {
  workerID: 'SEQ_workerID',
  fileID: 'SEQ_fileID',
  eventID: 'SEQ_eventID',
  diagID: 'SEQ_diagID',
  configID: 'SEQ_configID',
  statusEventID: 'SEQ_statusEventID',
} as const;
export type SequenceName = (typeof SequenceName)[keyof typeof SequenceName];
