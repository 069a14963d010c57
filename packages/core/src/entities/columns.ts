// Column helpers shared by the entities. Every column has an explicit type, so no build tool
// needs decorator metadata, and the same declaration works on SQLite (better-sqlite3) and on
// MariaDB/MySQL (mysql2).
import { Column, type ColumnOptions, type ValueTransformer } from 'typeorm';

/**
 * BIGINT values (PandaIDs exceed 2^31) come back from mysql2 as strings; hydrate them as numbers.
 * Values stay exact up to 2^53, far above any PanDA or worker ID.
 */
export const bigintToNumber: ValueTransformer = {
  to: (value: unknown) => value,
  from: (value: unknown) => (value === null || value === undefined ? value : Number(value)),
};

type Extra = Pick<ColumnOptions, 'nullable' | 'default' | 'unique' | 'name'>;

/** A BIGINT column hydrated as a JS number. */
export function BigIntColumn(options: Extra = {}): PropertyDecorator {
  return Column({ type: 'bigint', transformer: bigintToNumber, ...options });
}

/** An INT column (32 bit). */
export function IntColumn(options: Extra = {}): PropertyDecorator {
  return Column({ type: 'int', ...options });
}

/** A short string: names, statuses, identifiers. */
export function StringColumn(length = 255, options: Extra = {}): PropertyDecorator {
  return Column({ type: 'varchar', length, ...options });
}

/** Free text (TEXT: up to 64 KiB on MySQL). */
export function TextColumn(options: Extra = {}): PropertyDecorator {
  return Column({ type: 'text', ...options });
}

/** A point in time, stored in UTC with millisecond precision. */
export function TimeColumn(options: Extra = {}): PropertyDecorator {
  return Column({ type: 'datetime', precision: 3, nullable: true, ...options });
}

/**
 * A JSON document: TEXT on SQLite, JSON (LONGTEXT with a validity check on MariaDB) on MySQL.
 * Serialised and parsed by the driver layer.
 */
export function JsonColumn(options: Extra = {}): PropertyDecorator {
  return Column({ type: 'json', nullable: true, ...options });
}
