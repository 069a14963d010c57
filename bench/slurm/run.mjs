#!/usr/bin/env node
// bench/slurm: how fast the Slurm submitter puts workers into a real Slurm, against the bound of a
// plain `sbatch` loop measured in the same run on the same cluster. Every job is submitted held
// (--hold), so the node's load does not enter the figures, and cancelled at the end.
// Prints workers/s for the loop, the plugin in single mode and in array mode, and the ratios.
//   node bench/slurm/run.mjs [N]     (needs `pnpm install` and `bash scripts/services.sh up slurm`)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url);
const core = await import(new URL('packages/core/dist/index.js', root).href);
const testkit = await import(new URL('packages/testkit/dist/index.js', root).href);
const slurm = await import(new URL('packages/slurm/dist/index.js', root).href);

const N = Number(process.argv[2] ?? 50);
const dir = mkdtempSync(join(tmpdir(), 'bench-slurm-'));
const submitted = [];

function sbatchLoop() {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const id = execFileSync(
      'sbatch',
      ['--parsable', '--hold', `--job-name=bench-loop-${i}`, '--output=/dev/null', '--wrap', 'true'],
      { encoding: 'utf8' },
    ).trim();
    submitted.push(id.split(';')[0]);
  }
  return (performance.now() - t0) / 1000;
}

async function plugin(mode, firstWorkerID) {
  const submitter = await core.instantiatePlugin(
    slurm.SlurmSubmitter,
    'submitter',
    { executable: ['/bin/true'], extraArgs: ['--hold'], submitMode: mode },
    testkit.testPluginContext({ harvesterId: 'bench', queueName: 'BENCH' }),
    { queue: 'BENCH', section: 'submitter', module: '@harvester-ts/slurm', exportName: 'SlurmSubmitter' },
  );
  const workers = Array.from({ length: N }, (_, i) => {
    const w = new core.WorkSpec();
    Object.assign(w, {
      workerID: firstWorkerID + i,
      harvesterID: 'bench',
      computingSite: 'BENCH',
      queueName: 'BENCH',
      mapType: 'NoJob',
      status: 'pending',
      nCore: 1,
      maxWalltime: 600,
      accessPoint: join(dir, mode, String(firstWorkerID + i)),
    });
    w.jobs = [];
    mkdirSync(w.accessPoint, { recursive: true });
    return w;
  });
  const t0 = performance.now();
  const results = await submitter.submitWorkers(workers);
  const seconds = (performance.now() - t0) / 1000;
  const failed = results.filter((r) => r.kind !== 'success');
  if (failed.length > 0)
    throw new Error(`${mode}: ${failed.length} workers not submitted: ${failed[0].diag}`);
  for (const w of workers) submitted.push(String(w.batchID).split('_')[0]);
  return seconds;
}

try {
  const loop = sbatchLoop();
  const single = await plugin('single', 1);
  const array = await plugin('array', 100_001);
  const rate = (s) => N / s;
  const row = (name, s) =>
    `${name.padEnd(24)} ${rate(s).toFixed(1).padStart(8)} workers/s   ratio ${(rate(s) / rate(loop)).toFixed(2)}`;
  console.log(
    `bench/slurm: ${N} workers each, held, on ${execFileSync('hostname', { encoding: 'utf8' }).trim()}`,
  );
  console.log(row('sbatch loop (bound)', loop));
  console.log(row('SlurmSubmitter single', single));
  console.log(row('SlurmSubmitter array', array));
} finally {
  const ids = [...new Set(submitted)];
  for (let i = 0; i < ids.length; i += 200) execFileSync('scancel', ids.slice(i, i + 200));
  rmSync(dir, { recursive: true, force: true });
}
