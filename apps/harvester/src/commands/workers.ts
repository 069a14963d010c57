// harvester workers: the workers in the database.
import type { Command } from '../cli/command.js';
import { EXIT } from '../cli/exit-codes.js';
import { withStore } from '../store/open-store.js';
import { listWorkers } from '../store/queries.js';
import { configFor, listFilter, noPositionals, printRows } from './shared.js';

export const workersCommand: Command = {
  name: 'workers',
  summary: 'List workers with their status, batch id, jobs, exit code and diagnostic.',
  usage: 'workers [--status S] [--queue Q] [--limit N] [--json]',
  options: { status: { type: 'string' }, queue: { type: 'string' }, limit: { type: 'string' } },
  optionHelp: [
    '--status S   only workers in status S (submitted, running, finished, failed, cancelled, missed, ...)',
    '--queue Q    only workers of queue Q',
    '--limit N    at most N workers (lowest workerIDs first)',
  ],
  examples: ['harvester workers', 'harvester workers --status running', 'harvester workers --json'],
  json: true,
  async run(input) {
    noPositionals(input);
    const filter = listFilter(input);
    const config = await configFor(input);
    const rows = await withStore(config.database, (ds) => listWorkers(ds, filter));
    printRows(
      input,
      rows,
      'no workers',
      ['workerID', 'queue', 'status', 'batchID', 'cores', 'jobs', 'exit', 'kill', 'diag'],
      (w) => [
        w.workerID,
        w.queue,
        w.status,
        w.batchID,
        w.nCore,
        w.jobs.join(','),
        w.nativeExitCode,
        w.killRequested ? 'requested' : '',
        w.diag,
      ],
    );
    return EXIT.ok;
  },
};
