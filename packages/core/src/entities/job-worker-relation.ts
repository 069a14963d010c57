import { Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintToNumber, StringColumn } from './columns.js';

/** Which jobs run in which workers (Harvester's jw_table); many-to-many by mapType. */
@Entity('jw_table')
@Index('idx_jw_worker', ['workerID'])
export class JobWorkerRelation {
  @PrimaryColumn({ type: 'bigint', transformer: bigintToNumber })
  PandaID!: number;

  @PrimaryColumn({ type: 'bigint', transformer: bigintToNumber })
  workerID!: number;

  @StringColumn(32, { nullable: true })
  relationType!: string | null;
}
