// The built CLI on the embedded default, in a temporary directory: jobs from the spool inbox to
// done with their outputs in storage; hostile paths; a SIGKILL in the middle of a run.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rucioPath } from '@harvester-ts/stager-posix';
import {
  adler32Hex,
  harvester,
  json,
  outboxRecords,
  removeDir,
  shellJob,
  startDaemon,
  tempDir,
  waitFor,
} from './helpers.js';

interface JobRow {
  PandaID: number;
  status: string;
  subStatus: string;
  workers: number[];
  diag: string | null;
  outputs: { lfn: string; status: string; fsize: number | null; chksum: string | null; url: string | null }[];
}
interface WorkerRow {
  workerID: number;
  status: string;
  batchID: string | null;
  jobs: number[];
}

let root: string;
let work: string;
beforeEach(() => {
  root = tempDir('e2e');
  // The harvester runs in root/work; root itself is where an escape would land.
  work = join(root, 'work');
  mkdirSync(work);
});
afterEach(() => removeDir(root));

function addToInbox(dicts: Record<string, unknown>[]): void {
  const inbox = join(work, 'var', 'spool', 'inbox');
  mkdirSync(inbox, { recursive: true });
  for (const d of dicts) writeFileSync(join(inbox, `${d.PandaID}.json`), JSON.stringify(d));
}

it('takes jobs added to the spool to done, with outputs in storage and reports in the outbox', async () => {
  const input = Buffer.from('some input data\n');
  const inPath = rucioPath(join(work, 'var', 'storage'), 'test', 'in.txt');
  mkdirSync(dirname(inPath), { recursive: true });
  writeFileSync(inPath, input);
  const jobs = [
    shellJob(11, 'tr a-z A-Z < in.txt > out.11.txt', {
      inFiles: [{ lfn: 'in.txt', fsize: input.length, checksum: `ad:${adler32Hex(input)}` }],
      outFiles: ['out.11.txt'],
    }),
    shellJob(12, 'echo twelve > out.12.txt; echo more > more.12.txt', {
      outFiles: ['out.12.txt', 'more.12.txt'],
    }),
    shellJob(13, 'echo no luck >&2; exit 7', { outFiles: ['out.13.txt'] }),
  ];
  writeFileSync(join(work, 'jobs.json'), JSON.stringify(jobs));

  const added = await harvester(work, ['jobs', 'add', 'jobs.json']);
  expect(added.code).toBe(0);
  expect(added.stdout).toContain('added 11');
  const run = await harvester(work, ['run', '--until-idle', '--timeout', '120']);
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  // Not a terminal: the run logged JSON lines.
  const logLines = run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { msg: string });
  expect(logLines.map((l) => l.msg)).toEqual(
    expect.arrayContaining(['harvester started', 'harvester stopped']),
  );

  const rows = await json<JobRow[]>(work, ['jobs']);
  expect(rows.map((j) => [j.PandaID, j.status, j.subStatus])).toEqual([
    [11, 'finished', 'done'],
    [12, 'finished', 'done'],
    [13, 'failed', 'done'],
  ]);
  for (const j of rows.filter((r) => r.status === 'finished')) {
    for (const out of j.outputs) {
      expect(out.status).toBe('finished');
      const path = fileURLToPath(out.url!);
      expect(path.startsWith(join(work, 'var', 'storage', 'test'))).toBe(true);
      const data = readFileSync(path);
      expect(out.chksum).toBe(`ad:${adler32Hex(data)}`);
      expect(out.fsize).toBe(data.length);
    }
  }
  expect(readFileSync(fileURLToPath(rows[0]!.outputs[0]!.url!), 'utf8')).toBe('SOME INPUT DATA\n');

  const records = outboxRecords(join(work, 'var', 'spool'));
  const finalReport = (id: number) =>
    records.filter((r) => r.type === 'jobUpdate' && r.PandaID === id).map((r) => r.status);
  expect(finalReport(11)).toContain('finished');
  expect(finalReport(13)).toContain('failed');

  // The failed job names why.
  const failed = await json<{ job: { exitCode: number }; diagnostics: { diag: string }[] }>(work, [
    'inspect',
    'job',
    '13',
  ]);
  expect(failed.job.exitCode).toBe(7);
  // The workers are final and swept of nothing yet (the default keeps them a day).
  const workers = await json<WorkerRow[]>(work, ['workers']);
  expect(workers.map((w) => w.status).sort()).toEqual(['failed', 'finished', 'finished']);
}, 180_000);

it('fails a job whose LFN or scope tries to leave its root, with a diagnostic, and writes nothing outside', async () => {
  addToInbox([
    shellJob(21, 'echo x > out.21.txt', { outFiles: ['../../../../escaped.21.txt'] }),
    shellJob(22, 'echo x > out.22.txt', { outFiles: ['out.22.txt'], scope: '../../..' }),
    shellJob(23, 'true', {
      inFiles: [{ lfn: '../../../../etc/passwd', fsize: 1, checksum: 'ad:00000001' }],
    }),
    shellJob(24, 'echo fine > out.24.txt', { outFiles: ['out.24.txt'] }),
  ]);
  const before = readdirSync(root).sort();
  const run = await harvester(work, ['run', '--until-idle', '--timeout', '120']);
  expect(run.code).toBe(0);
  const rows = await json<JobRow[]>(work, ['jobs']);
  const byId = new Map(rows.map((r) => [r.PandaID, r]));
  for (const id of [21, 22, 23]) {
    const j = byId.get(id);
    expect([id, j?.status]).toEqual([id, 'failed']);
    expect(j?.diag ?? '').toMatch(/\.\.|path|unsafe|outside|escape/i);
  }
  expect(byId.get(24)?.status).toBe('finished');
  // Nothing new next to the working directory, nothing named like the escapees anywhere up.
  expect(readdirSync(root).sort()).toEqual(before);
  for (let d = work, i = 0; i < 6; d = dirname(d), i++)
    expect(existsSync(join(d, 'escaped.21.txt'))).toBe(false);
}, 180_000);

it('finishes every job exactly once after a SIGKILL in the middle, adopting the workers that kept running', async () => {
  const ledger = join(root, 'ran.log');
  const jobs = [31, 32, 33, 34].map((id) =>
    shellJob(id, `echo ${id} >> ${ledger}; sleep 4; echo done ${id} > out.${id}.txt`, {
      outFiles: [`out.${id}.txt`],
    }),
  );
  addToInbox(jobs);
  const daemon = startDaemon(work);
  try {
    // Wait until two workers run (the default runs as many at once as there are cores, at least
    // two), then kill the harvester without warning.
    await waitFor('two workers running', async () => {
      const r = await harvester(work, ['workers', '--json']);
      if (r.code !== 0) return false;
      const ws = JSON.parse(r.stdout) as WorkerRow[];
      return ws.filter((w) => w.status === 'running').length >= 2;
    });
  } finally {
    daemon.kill('SIGKILL');
  }
  await new Promise((r) => daemon.once('exit', r));
  const beforeRestart = (await json<WorkerRow[]>(work, ['workers'])).filter((w) => w.status === 'running');
  expect(beforeRestart.length).toBeGreaterThanOrEqual(2);

  const run = await harvester(work, ['run', '--until-idle', '--timeout', '120']);
  expect(run.code).toBe(0);
  const rows = await json<JobRow[]>(work, ['jobs']);
  expect(rows.map((j) => [j.PandaID, j.status, j.subStatus])).toEqual(
    [31, 32, 33, 34].map((id) => [id, 'finished', 'done']),
  );
  // The running workers were adopted, not resubmitted: same batch ids, finished, and every job's
  // payload ran once — one worker per job, no second attempt.
  const workers = await json<WorkerRow[]>(work, ['workers']);
  for (const before of beforeRestart) {
    const after = workers.find((w) => w.workerID === before.workerID);
    expect([after?.batchID, after?.status]).toEqual([before.batchID, 'finished']);
  }
  expect(workers.map((w) => w.jobs.join()).sort()).toEqual(['31', '32', '33', '34']);
  expect(workers.every((w) => w.status === 'finished')).toBe(true);
  expect(readFileSync(ledger, 'utf8').trim().split('\n').sort()).toEqual(['31', '32', '33', '34']);
  for (const j of rows) expect(j.outputs.map((o) => o.status)).toEqual(['finished']);
  // One final report per job in the outbox.
  const finals = outboxRecords(join(work, 'var', 'spool')).filter(
    (r) => r.type === 'jobUpdate' && r.status === 'finished',
  );
  expect(new Set(finals.map((r) => r.PandaID)).size).toBe(4);
}, 180_000);
