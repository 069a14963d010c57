import { Entity, Index, PrimaryColumn } from 'typeorm';
import { BigIntColumn, bigintToNumber, StringColumn, TextColumn, TimeColumn } from './columns.js';

export const StatusEventEntity = {
  job: 'job',
  worker: 'worker',
  file: 'file',
  event: 'event',
} as const;
export type StatusEventEntity = (typeof StatusEventEntity)[keyof typeof StatusEventEntity];

/**
 * Append-only history of every status change of jobs, workers, files and events: who changed
 * what, from which status to which, when, and why.
 */
@Entity('status_event_table')
@Index('idx_status_event_entity', ['entityType', 'entityID', 'eventID'])
export class StatusEvent {
  /** From seq_table (SequenceName.statusEventID); orders the history. */
  @PrimaryColumn({ type: 'bigint', transformer: bigintToNumber })
  eventID!: number;

  @StringColumn(16)
  entityType!: StatusEventEntity;

  /** PandaID, workerID, fileID or eventID. */
  @BigIntColumn()
  entityID!: number;

  @StringColumn(32, { nullable: true })
  fromStatus!: string | null;

  @StringColumn(32, { nullable: true })
  toStatus!: string | null;

  /** Jobs only. */
  @StringColumn(32, { nullable: true })
  fromSubStatus!: string | null;

  @StringColumn(32, { nullable: true })
  toSubStatus!: string | null;

  @Index()
  @TimeColumn({ nullable: false })
  at!: Date;

  /** The agent that made the change (e.g. `monitor`). */
  @StringColumn(64)
  agent!: string;

  /** The process that made it (`<harvesterID>@<host>:<pid>`). */
  @StringColumn(255)
  instance!: string;

  @TextColumn({ nullable: true })
  diag!: string | null;
}
