import { Entity, Index, PrimaryColumn } from 'typeorm';
import type { EventStatus, EventSubStatus } from '../status/event-status.js';
import { BigIntColumn, bigintToNumber, IntColumn, StringColumn } from './columns.js';

/** An event range of a fine-grained (event service) job (Harvester's EventSpec, event_table). */
@Entity('event_table')
@Index('idx_event_job_sub', ['PandaID', 'subStatus'])
export class EventSpec {
  /** From seq_table (SequenceName.eventID). */
  @PrimaryColumn({ type: 'bigint', transformer: bigintToNumber })
  eventID!: number;

  @Index()
  @StringColumn(255)
  eventRangeID!: string;

  @BigIntColumn()
  PandaID!: number;

  /** What the worker reported. */
  @StringColumn(32, { nullable: true })
  eventStatus!: EventStatus | null;

  @IntColumn({ nullable: true })
  coreCount!: number | null;

  @BigIntColumn({ nullable: true })
  cpuConsumptionTime!: number | null;

  @StringColumn(32)
  subStatus!: EventSubStatus;

  /** The output file of the event. */
  @Index()
  @BigIntColumn({ nullable: true })
  fileID!: number | null;

  /** Loss value for hyper-parameter optimisation events. */
  @StringColumn(255, { nullable: true })
  loss!: string | null;
}
