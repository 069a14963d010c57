// harvester jobs: the jobs in the database.
import type { Command } from '../cli/command.js';
import { EXIT } from '../cli/exit-codes.js';
import { withStore } from '../store/open-store.js';
import { listJobs } from '../store/queries.js';
import { configFor, listFilter, noPositionals, printRows } from './shared.js';

export const jobsCommand: Command = {
  name: 'jobs',
  summary: 'List jobs with their status, sub-status, workers, exit code and last diagnostic.',
  usage: 'jobs [--status S] [--queue Q] [--limit N] [--json]',
  options: { status: { type: 'string' }, queue: { type: 'string' }, limit: { type: 'string' } },
  optionHelp: [
    '--status S   only jobs whose status or sub-status is S (running, finished, failed, to_transfer, ...)',
    '--queue Q    only jobs of queue Q',
    '--limit N    at most N jobs (lowest PandaIDs first)',
  ],
  examples: [
    'harvester jobs',
    'harvester jobs --status failed',
    "harvester jobs --json | jq '.[] | .status'",
  ],
  json: true,
  async run(input) {
    noPositionals(input);
    const filter = listFilter(input);
    const config = await configFor(input);
    const rows = await withStore(config.database, (ds) => listJobs(ds, filter));
    printRows(
      input,
      rows,
      'no jobs',
      ['PandaID', 'queue', 'status', 'subStatus', 'exit', 'workers', 'outputs', 'diag'],
      (j) => [
        j.PandaID,
        j.queue,
        j.status,
        j.subStatus,
        j.exitCode,
        j.workers.join(','),
        j.outputs.length
          ? `${j.outputs.filter((o) => o.status === 'finished').length}/${j.outputs.length}`
          : '',
        j.diag,
      ],
    );
    return EXIT.ok;
  },
};
