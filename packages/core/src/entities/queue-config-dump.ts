import { Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintToNumber, JsonColumn, StringColumn, TimeColumn } from './columns.js';
import type { JsonObject } from './json.js';

/**
 * A snapshot of one queue's resolved configuration (Harvester's qcdump_table). Jobs and workers
 * keep the configID they were created with, so in-flight work keeps its plugin configuration
 * when the configuration changes.
 */
@Entity('qcdump_table')
export class QueueConfigDump {
  /** From seq_table (SequenceName.configID). */
  @PrimaryColumn({ type: 'bigint', transformer: bigintToNumber })
  configID!: number;

  @Index()
  @StringColumn(128)
  queueName!: string;

  /** Digest of the configuration document. */
  @StringColumn(64)
  checksum!: string;

  /** `<queueName>_<checksum>`. */
  @StringColumn(255, { unique: true })
  dumpUniqueName!: string;

  @Index()
  @TimeColumn()
  creationTime!: Date | null;

  @JsonColumn()
  data!: JsonObject | null;
}
