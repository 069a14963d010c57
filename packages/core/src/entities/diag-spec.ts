import { Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintToNumber, StringColumn, TimeColumn } from './columns.js';

/** A dialog message for the WMS (Harvester's DiagSpec, diag_table), sent by the propagator. */
@Entity('diag_table')
export class DiagSpec {
  /** From seq_table (SequenceName.diagID). */
  @PrimaryColumn({ type: 'bigint', transformer: bigintToNumber })
  diagID!: number;

  @Index()
  @StringColumn(128)
  moduleName!: string;

  @StringColumn(255, { nullable: true })
  identifier!: string | null;

  @Index()
  @TimeColumn()
  creationTime!: Date | null;

  @Index()
  @TimeColumn()
  lockTime!: Date | null;

  /** DEBUG, INFO, WARNING, ERROR, CRITICAL (Python logging level names, as PanDA expects). */
  @StringColumn(16)
  messageLevel!: string;

  @Index()
  @StringColumn(255, { nullable: true })
  lockedBy!: string | null;

  @StringColumn(500)
  diagMessage!: string;
}
