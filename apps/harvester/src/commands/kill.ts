// harvester kill worker <id…>: asks the sweeper to kill workers.
import type { Command } from '../cli/command.js';
import { EXIT } from '../cli/exit-codes.js';
import { print, printJson } from '../cli/io.js';
import { withStore } from '../store/open-store.js';
import { requestWorkerKill } from '../store/queries.js';
import { configFor, parseIds } from './shared.js';

export const killWorkerCommand: Command = {
  name: 'kill worker',
  summary: 'Kill workers: the running harvester’s sweeper stops them and their jobs are failed (killed).',
  usage: 'kill worker <workerID…> [--json]',
  description:
    'Marks the workers to be killed (like a KILL_WORKERS command from the WMS); the sweeper of the\n' +
    'running harvester kills them through the batch system. Workers already final are left alone.\n' +
    'Exit code 5 if an id is unknown (the others are still marked).',
  options: {},
  examples: ['harvester kill worker 17', 'harvester kill worker 17 18 19 --json'],
  json: true,
  async run(input) {
    const ids = parseIds(input.positionals, 'workerID');
    const config = await configFor(input);
    const result = await withStore(config.database, (ds) => requestWorkerKill(ds, ids));
    if (input.json) printJson(input.io, result);
    else {
      if (result.marked.length) print(input.io, `marked to be killed: ${result.marked.join(', ')}`);
      if (result.alreadyFinal.length)
        print(input.io, `already final, left alone: ${result.alreadyFinal.join(', ')}`);
      if (result.unknown.length)
        input.io.stderr.write(`harvester kill worker: no such worker: ${result.unknown.join(', ')}\n`);
    }
    return result.unknown.length > 0 ? EXIT.notFound : EXIT.ok;
  },
};
