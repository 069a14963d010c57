// harvester db migrate
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  assertNoSchemaDrift,
  databaseConfigSchema,
  describeDatabase,
  migrate,
  openDatabase,
} from '@harvester-ts/engine';
import type { Command } from '../cli/command.js';
import { EXIT } from '../cli/exit-codes.js';
import { print, printJson } from '../cli/io.js';
import { configFor, noPositionals } from './shared.js';

export const dbMigrateCommand: Command = {
  name: 'db migrate',
  summary: 'Create the database schema, or bring it to this version (harvester run does it too).',
  usage: 'db migrate [--json]',
  options: {},
  examples: ['harvester db migrate', 'harvester db migrate --config site.config.json --json'],
  json: true,
  async run(input) {
    noPositionals(input);
    const config = await configFor(input);
    const db = databaseConfigSchema.parse(config.database);
    if (db.type === 'sqlite') mkdirSync(dirname(db.path), { recursive: true });
    const ds = await openDatabase(db);
    try {
      const report = await migrate(ds);
      await assertNoSchemaDrift(ds);
      const where = describeDatabase(db);
      if (input.json) printJson(input.io, { database: where, applied: report.applied });
      else if (report.applied.length === 0) print(input.io, `${where}: up to date`);
      else print(input.io, `${where}: applied ${report.applied.join(', ')}`);
    } finally {
      await ds.destroy();
    }
    return EXIT.ok;
  },
};
