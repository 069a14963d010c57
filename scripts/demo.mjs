#!/usr/bin/env node
// pnpm demo: puts the example jobs of examples/jobs/ through the harvester on the embedded
// default (SQLite in ./var, local workers, spool WMS, POSIX storage) with the example
// configuration (the built-in local queue plus a ManyToOne queue), until every job is final.
// Prints a summary and exits 0 only if every job ended as examples/expected-outcomes.json says
// and every output is in storage with the checksum recorded for it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'apps/harvester/dist/cli.js');
const config = join(root, 'examples/harvester.config.json');
const expected = JSON.parse(readFileSync(join(root, 'examples/expected-outcomes.json'), 'utf8'));

if (!existsSync(cli)) {
  console.error('demo: apps/harvester is not built; run `pnpm install` (it builds every package) first');
  process.exit(1);
}

function harvester(args, { inherit = false } = {}) {
  const r = spawnSync(process.execPath, [cli, ...args, '--config', config], {
    cwd: root,
    encoding: 'utf8',
    stdio: inherit ? 'inherit' : 'pipe',
  });
  if (r.error) throw r.error;
  return r;
}

function json(args) {
  const r = harvester([...args, '--json']);
  if (r.status !== 0) {
    console.error(`demo: harvester ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}`);
    process.exit(1);
  }
  return JSON.parse(r.stdout);
}

function adler32(buf) {
  let a = 1;
  let b = 0;
  for (const c of buf) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

// 1. The inputs go into storage at their Rucio paths, as a real site's storage would have them.
const shown = json(['config', 'show']);
const storage = shown.queues.local.preparator.storageRoot;
for (const lfn of readdirSync(join(root, 'examples/inputs'))) {
  const h = createHash('md5').update(`demo:${lfn}`).digest('hex');
  const dir = join(storage, 'demo', h.slice(0, 2), h.slice(2, 4));
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(root, 'examples/inputs', lfn), join(dir, lfn));
}

// 2. The jobs, with fresh PandaIDs so that the demo can run again on the same database.
const added = json(['jobs', 'add', 'examples/jobs', '--new-ids']);
console.log(`demo: added ${added.length} jobs (${added.map((a) => `${a.PandaID} ${a.origin}`).join(', ')})`);

// 3. Run until every job is final and reported.
const logFile = join(shown.dataDir, 'logs', 'demo.log');
const run = harvester(
  ['run', '--until-idle', '--timeout', '300', ...(process.stdout.isTTY ? [] : ['--log-file', logFile])],
  {
    inherit: true,
  },
);
if (run.status !== 0) console.error(`demo: harvester run exited with ${run.status} (log: ${logFile})`);

// 4. Compare with what was expected.
const jobs = new Map(json(['jobs']).map((j) => [j.PandaID, j]));
const rows = [];
let ok = run.status === 0;
for (const a of added) {
  const want = expected[a.origin];
  const job = jobs.get(a.PandaID);
  const problems = [];
  if (!want) problems.push('no expected outcome');
  else if (!job) problems.push('not in the database');
  else {
    if (job.status !== want.status) problems.push(`status ${job.status}, expected ${want.status}`);
    for (const lfn of want.outputs ?? []) {
      const out = job.outputs.find((o) => o.lfn === lfn);
      if (out?.status !== 'finished' || !out.url) {
        problems.push(`output ${lfn} not staged`);
        continue;
      }
      const path = fileURLToPath(out.url);
      const sum = existsSync(path)
        ? `ad:${adler32(readFileSync(path)).toString(16).padStart(8, '0')}`
        : 'missing';
      if (sum !== out.chksum) problems.push(`output ${lfn}: storage has ${sum}, recorded ${out.chksum}`);
    }
    if (want.sameWorkerAs) {
      const other = jobs.get(added.find((x) => x.origin === want.sameWorkerAs)?.PandaID);
      if (!other || other.workers.join() !== job.workers.join())
        problems.push(`not in the same worker as ${want.sameWorkerAs}`);
    }
  }
  if (problems.length) ok = false;
  rows.push([
    a.origin,
    String(a.PandaID),
    a.queue,
    want?.status ?? '-',
    job ? `${job.status}/${job.subStatus}` : '-',
    job?.workers.join(',') || '-',
    job ? `${job.outputs.filter((o) => o.status === 'finished').length}/${job.outputs.length}` : '-',
    problems.length ? `FAIL: ${problems.join('; ')}` : 'ok',
  ]);
}
const headers = ['example', 'PandaID', 'queue', 'expected', 'got', 'worker', 'outputs', 'verdict'];
const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r) =>
  r
    .map((c, i) => c.padEnd(widths[i]))
    .join('  ')
    .trimEnd();
console.log(`\n${line(headers)}\n${rows.map(line).join('\n')}\n`);
console.log(ok ? 'demo: every job ended as expected' : 'demo: some jobs did not end as expected');
console.log(
  `      see them with: pnpm harvester jobs   ·   pnpm harvester inspect job ${added[0]?.PandaID ?? '<PandaID>'}`,
);
process.exit(ok ? 0 : 1);
