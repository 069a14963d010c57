// harvester jobs add <file|dir…>: puts PanDA job dictionaries into the spool's inbox.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { HarvesterError, jobSpecFromPandaDict } from '@harvester-ts/core';
import type { Command } from '../cli/command.js';
import { EXIT, UsageError } from '../cli/exit-codes.js';
import { print, printJson } from '../cli/io.js';
import type { ResolvedConfig } from '../config/load-config.js';
import { parseJsonFile } from '../config/read-config-file.js';
import { appImporter } from '../runtime/plugin-importer.js';
import { withStore } from '../store/open-store.js';
import { configFor } from './shared.js';

interface Candidate {
  /** `file` or `file[3]` for the fourth job of an array. */
  origin: string;
  dict: Record<string, unknown>;
  PandaID: number;
}

export class JobInputError extends HarvesterError {
  constructor(problems: string[]) {
    super('INVALID_JOBS', `no job was added:\n${problems.map((p) => `  - ${p}`).join('\n')}`, { problems });
  }
}

/** The *.json files a path names: the file itself, or a directory's (sorted, not recursive). */
function jobFiles(cwd: string, path: string): string[] {
  const full = resolve(cwd, path);
  if (!existsSync(full)) throw new UsageError(`no such file or directory: ${path}`);
  if (!statSync(full).isDirectory()) return [full];
  return readdirSync(full)
    .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
    .sort()
    .map((n) => join(full, n));
}

/** The spool's inbox, from the configured communicator's own module (through the plugin loader). */
async function spoolInbox(config: ResolvedConfig): Promise<string> {
  const section = config.communicator;
  const mod = await appImporter(section.module, config.configDir);
  const paths = mod.spoolPaths;
  if (typeof paths !== 'function' || typeof section.root !== 'string') {
    throw new HarvesterError(
      'UNSUPPORTED',
      `jobs add puts jobs into a spool directory, but the configured communicator is ${section.module} ${section.name}; add jobs through its WMS instead`,
      { module: section.module },
    );
  }
  const inbox = (paths(resolve(config.configDir, section.root)) as { inbox: string }).inbox;
  await mkdir(inbox, { recursive: true });
  return inbox;
}

async function inboxPandaIDs(inbox: string): Promise<Set<number>> {
  const ids = new Set<number>();
  for (const name of await readdir(inbox)) {
    if (!name.endsWith('.json') || name.startsWith('.')) continue;
    try {
      const d = JSON.parse(await readFile(join(inbox, name), 'utf8')) as { PandaID?: unknown };
      const n = Number(d.PandaID);
      if (Number.isSafeInteger(n)) ids.add(n);
    } catch {
      // a malformed file is the spool's to reject
    }
  }
  return ids;
}

export const jobsAddCommand: Command = {
  name: 'jobs add',
  summary: 'Add jobs (PanDA job dictionaries as JSON files) to the spool inbox.',
  usage: 'jobs add <file|dir…> [--new-ids] [--queue Q] [--json]',
  description: [
    'Each file holds one job dictionary or an array of them; a directory adds its *.json files.',
    'Every job is checked first (JSON, PandaID, fields, computingSite names a configured queue,',
    'PandaID not already known); if any is wrong, none is added and each problem is listed.',
  ].join('\n'),
  options: { 'new-ids': { type: 'boolean' }, queue: { type: 'string' } },
  optionHelp: [
    '--new-ids    give the jobs fresh PandaIDs (above every PandaID known), e.g. to run examples again',
    '--queue Q    send the jobs to queue Q (sets computingSite)',
  ],
  examples: [
    'harvester jobs add job.json',
    'harvester jobs add examples/jobs --new-ids',
    'harvester jobs add jobs/ --queue local --json',
  ],
  json: true,
  async run(input) {
    if (input.positionals.length === 0) throw new UsageError('give the job files or directories to add');
    const config = await configFor(input);
    const queues = Object.keys(config.queues);
    const forced = typeof input.values.queue === 'string' ? input.values.queue : undefined;
    if (forced !== undefined && !queues.includes(forced)) {
      throw new UsageError(`--queue ${forced}: no such queue (the configuration has ${queues.join(', ')})`);
    }
    const problems: string[] = [];
    const candidates: Candidate[] = [];
    for (const path of input.positionals) {
      const files = jobFiles(input.io.cwd, path);
      if (files.length === 0) problems.push(`${path}: no *.json files`);
      for (const file of files) {
        let content: unknown;
        try {
          content = parseJsonFile(file, 'job file');
        } catch (err) {
          problems.push((err as Error).message.replace(/\n\s*-\s*/g, ' '));
          continue;
        }
        const list = Array.isArray(content) ? content : [content];
        list.forEach((dict, i) => {
          const origin = Array.isArray(content) ? `${basename(file)}[${i}]` : basename(file);
          if (typeof dict !== 'object' || dict === null || Array.isArray(dict)) {
            problems.push(`${origin}: a job must be a JSON object (a PanDA job dictionary)`);
            return;
          }
          const d = { ...(dict as Record<string, unknown>) };
          if (forced !== undefined) d.computingSite = forced;
          const site = d.computingSite;
          if (site === undefined || site === null || site === '') {
            if (queues.length === 1) d.computingSite = queues[0];
            else {
              problems.push(
                `${origin}: no computingSite, and there are several queues (${queues.join(', ')}): set it or use --queue`,
              );
              return;
            }
          } else if (typeof site !== 'string' || !queues.includes(site)) {
            problems.push(
              `${origin}: computingSite '${String(site)}' is not a configured queue (${queues.join(', ')})`,
            );
            return;
          }
          try {
            const { job } = jobSpecFromPandaDict(d, {
              computingSite: d.computingSite as string,
              harvesterID: config.harvesterId,
            });
            candidates.push({ origin, dict: d, PandaID: job.PandaID });
          } catch (err) {
            problems.push(`${origin}: ${(err as Error).message}`);
          }
        });
      }
    }
    if (problems.length > 0) throw new JobInputError(problems);

    const inbox = await spoolInbox(config);
    const waiting = await inboxPandaIDs(inbox);
    const known = new Set<number>(waiting);
    let maxKnown = Math.max(0, ...waiting);
    const hasDb = config.database.type !== 'sqlite' || existsSync(config.database.path);
    if (hasDb) {
      await withStore(config.database, async (ds) => {
        const rows: { PandaID: number | string }[] = await ds.query(
          `SELECT PandaID FROM job_table WHERE PandaID IN (${candidates.map(() => '?').join(',') || 'NULL'})`,
          candidates.map((c) => c.PandaID),
        );
        for (const r of rows) known.add(Number(r.PandaID));
        const [max] = (await ds.query('SELECT MAX(PandaID) AS m FROM job_table')) as {
          m: number | string | null;
        }[];
        maxKnown = Math.max(maxKnown, Number(max?.m ?? 0));
      });
    }
    if (input.values['new-ids'] === true) {
      let next = Math.max(maxKnown, ...candidates.map((c) => c.PandaID)) + 1;
      for (const c of candidates) {
        c.dict.PandaID = next;
        c.PandaID = next++;
      }
    } else {
      const seen = new Set<number>();
      for (const c of candidates) {
        if (known.has(c.PandaID))
          problems.push(`${c.origin}: PandaID ${c.PandaID} is already known (use --new-ids)`);
        if (seen.has(c.PandaID)) problems.push(`${c.origin}: PandaID ${c.PandaID} appears twice`);
        seen.add(c.PandaID);
      }
      if (problems.length > 0) throw new JobInputError(problems);
    }
    const added = [];
    for (const c of candidates) {
      const name = `${c.PandaID}.json`;
      const tmp = join(inbox, `.${name}.${process.pid}.tmp`);
      // tmp + rename: the harvester never claims a half-written file.
      await writeFile(tmp, `${JSON.stringify(c.dict, null, 2)}\n`);
      await rename(tmp, join(inbox, name));
      added.push({
        origin: c.origin,
        PandaID: c.PandaID,
        queue: c.dict.computingSite as string,
        path: join(inbox, name),
      });
    }
    if (input.json) printJson(input.io, added);
    else {
      for (const a of added) print(input.io, `added ${a.PandaID} (${a.origin}) for queue ${a.queue}`);
      print(input.io, `${added.length} job(s) in ${inbox}; 'harvester run' processes them`);
    }
    return EXIT.ok;
  },
};
