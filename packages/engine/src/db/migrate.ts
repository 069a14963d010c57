// Schema management: run the committed migrations, and refuse to work on a schema that differs
// from what the entities expect (a drifted schema corrupts data silently otherwise).
import { HarvesterError } from '@harvester-ts/core';
import type { DataSource } from 'typeorm';

export interface MigrationReport {
  /** Names of the migrations applied by this call, in order. */
  applied: string[];
}

/** Applies every pending migration in one transaction per migration. */
export async function migrate(ds: DataSource): Promise<MigrationReport> {
  const done = await ds.runMigrations({ transaction: 'each' });
  return { applied: done.map((m) => m.name) };
}

/** The SQL that would be needed to bring the schema in line with the entities (empty: none). */
export async function schemaDrift(ds: DataSource): Promise<string[]> {
  const log = await ds.driver.createSchemaBuilder().log();
  return log.upQueries.map((q) => q.query);
}

export class SchemaDriftError extends HarvesterError {
  constructor(readonly statements: string[]) {
    super(
      'SCHEMA_DRIFT',
      `the database schema differs from what this version of harvester-ts expects ` +
        `(${statements.length} difference(s)); run the migrations (harvester db migrate) or ` +
        `restore the schema. First difference: ${statements[0]}`,
      { statements },
    );
  }
}

/** Throws SchemaDriftError when the schema differs from the entities. */
export async function assertNoSchemaDrift(ds: DataSource): Promise<void> {
  const statements = await schemaDrift(ds);
  if (statements.length > 0) throw new SchemaDriftError(statements);
}
