import { Entity, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimeColumn } from './columns.js';
import type { JsonObject } from './json.js';

/** A cached document (Harvester's cache_table), e.g. queue information from an external service. */
@Entity('cache_table')
export class CacheEntry {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  mainKey!: string;

  /** Empty string when the entry has no sub key (a key column cannot be NULL or defaulted). */
  @PrimaryColumn({ type: 'varchar', length: 255 })
  subKey!: string;

  /** The document; one that is not an object is stored as `{ value }`. */
  @JsonColumn()
  data!: JsonObject | null;

  @TimeColumn()
  lastUpdate!: Date | null;
}
