import type { DataSource } from 'typeorm';
import { databaseKind } from './data-source.js';

/**
 * A time as a raw-SQL parameter, in the form TypeORM stores it: on SQLite a UTC text
 * `YYYY-MM-DD HH:MM:SS.mmm` (so comparisons with stored values are textual and correct);
 * on MySQL a Date, which mysql2 sends in UTC (the DataSource uses timezone 'Z').
 */
export function sqlTime(ds: DataSource, at: Date): Date | string {
  if (databaseKind(ds) === 'mysql') return at;
  return at.toISOString().replace('T', ' ').replace('Z', '');
}
