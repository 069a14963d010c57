// Every command of the CLI, in the order `harvester --help` lists them.
import type { Command } from '../cli/command.js';
import { configSchemaCommand, configShowCommand, configValidateCommand } from './config.js';
import { dbMigrateCommand } from './db.js';
import { inspectCommand } from './inspect.js';
import { jobsCommand } from './jobs.js';
import { jobsAddCommand } from './jobs-add.js';
import { killWorkerCommand } from './kill.js';
import { pluginsCommand } from './plugins.js';
import { runCommand } from './run.js';
import { workersCommand } from './workers.js';

export const COMMANDS: Command[] = [
  runCommand,
  jobsCommand,
  jobsAddCommand,
  workersCommand,
  inspectCommand,
  killWorkerCommand,
  configValidateCommand,
  configSchemaCommand,
  configShowCommand,
  dbMigrateCommand,
  pluginsCommand,
];
