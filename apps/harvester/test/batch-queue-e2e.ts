// The scenario both batch-system end-to-end tests run through the built CLI: a queue made from
// LOCAL_TEMPLATE with another batch system's plugins, three jobs (one with stage-in and
// stage-out, one whose payload records where it ran, one that exits 5), run until idle.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rucioPath } from '@harvester-ts/stager-posix';
import { adler32Hex, harvester, json, outboxRecords, shellJob } from './helpers.js';

export interface WorkerRow {
  workerID: number;
  status: string;
  batchID: string | null;
  jobs: number[];
}

interface JobRow {
  PandaID: number;
  status: string;
  subStatus: string;
  outputs: { lfn: string; status: string; fsize: number | null; chksum: string | null; url: string | null }[];
}

/**
 * Runs the scenario in `dir` with `sections` (submitter, monitor, sweeper) for queue `queue`;
 * `wherePayload` is the shell command whose output job 82 stores; `env` is added to the
 * environment of every harvester command. Asserts what is common and returns what job 82 stored
 * and the worker that ran it, for the caller's own check.
 */
export async function runBatchQueueScenario(
  dir: string,
  queue: string,
  sections: Record<string, Record<string, unknown>>,
  wherePayload: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ seen: string; worker: WorkerRow }> {
  writeFileSync(
    join(dir, 'harvester.config.json'),
    JSON.stringify({
      profile: 'local',
      queues: { [queue]: { templateQueueName: 'LOCAL_TEMPLATE', ...sections } },
    }),
  );
  const input = Buffer.from('input for the batch queue\n');
  const inPath = rucioPath(join(dir, 'var', 'storage'), 'test', 'batch.in.txt');
  mkdirSync(dirname(inPath), { recursive: true });
  writeFileSync(inPath, input);
  const jobs = [
    shellJob(81, 'tr a-z A-Z < batch.in.txt > batch.out.81.txt', {
      inFiles: [{ lfn: 'batch.in.txt', fsize: input.length, checksum: `ad:${adler32Hex(input)}` }],
      outFiles: ['batch.out.81.txt'],
    }),
    shellJob(82, `${wherePayload} > batch.out.82.txt`, { outFiles: ['batch.out.82.txt'] }),
    shellJob(83, 'exit 5', { outFiles: ['batch.out.83.txt'] }),
  ];
  writeFileSync(join(dir, 'jobs.json'), JSON.stringify(jobs));
  expect((await harvester(dir, ['config', 'validate'], env)).code).toBe(0);
  expect((await harvester(dir, ['jobs', 'add', 'jobs.json'], env)).code).toBe(0);

  const run = await harvester(dir, ['run', '--until-idle', '--timeout', '240'], env);
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });

  const rows = await json<JobRow[]>(dir, ['jobs']);
  expect(rows.map((j) => [j.PandaID, j.status, j.subStatus])).toEqual([
    [81, 'finished', 'done'],
    [82, 'finished', 'done'],
    [83, 'failed', 'done'],
  ]);
  const out81 = rows[0]!.outputs[0]!;
  const data81 = readFileSync(fileURLToPath(out81.url!));
  expect(data81.toString()).toBe('INPUT FOR THE BATCH QUEUE\n');
  expect(out81.chksum).toBe(`ad:${adler32Hex(data81)}`);
  const workers = await json<WorkerRow[]>(dir, ['workers']);
  expect(workers.map((w) => w.status).sort()).toEqual(['failed', 'finished', 'finished']);
  const finals = outboxRecords(join(dir, 'var', 'spool')).filter(
    (r) => r.type === 'jobUpdate' && (r.status === 'finished' || r.status === 'failed'),
  );
  expect(new Set(finals.map((r) => r.PandaID))).toEqual(new Set([81, 82, 83]));
  return {
    seen: readFileSync(fileURLToPath(rows[1]!.outputs[0]!.url!), 'utf8').trim(),
    worker: workers.find((w) => w.jobs.includes(82))!,
  };
}
