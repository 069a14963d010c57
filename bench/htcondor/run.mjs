#!/usr/bin/env node
// bench/htcondor: how fast the HTCondor submitter puts workers into a schedd, against the bound of
// a plain `condor_submit` loop (one call per worker, as a naive submitter does) measured in the same
// run on the same schedd. HTCondor cannot be installed here, so the schedd is @harvester-ts/htcondor's
// CLI emulator; what the ratio shows is the cost per condor_submit process (each one a schedd round
// trip on a real pool) saved by submitting a cycle's workers as one cluster. Every job is submitted
// held (`hold = True`), so nothing runs, and the emulator is stopped at the end.
//   node bench/htcondor/run.mjs [N]     (needs `pnpm install`; no service)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = new URL('../../', import.meta.url);
const core = await import(new URL('packages/core/dist/index.js', root).href);
const testkit = await import(new URL('packages/testkit/dist/index.js', root).href);
const htcondor = await import(new URL('packages/htcondor/dist/index.js', root).href);

const N = Number(process.argv[2] ?? 50);
const bin = fileURLToPath(new URL('packages/htcondor/test/emulator/bin', root));
const dir = mkdtempSync(join(tmpdir(), 'bench-htcondor-'));
const state = join(dir, 'schedd');
mkdirSync(state);
const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, HTCONDOR_EMULATOR_DIR: state };

// The default template, held: the same submit description for the loop and the plugin.
const template = join(dir, 'held.sub');
writeFileSync(
  template,
  readFileSync(htcondor.DEFAULT_TEMPLATE_PATH, 'utf8').replace(/^queue 1$/m, 'hold = True\nqueue 1'),
);

function submitLoop() {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const ap = join(dir, 'loop', String(i));
    mkdirSync(ap, { recursive: true });
    const sub = join(ap, 'job.sub');
    writeFileSync(
      sub,
      [
        'universe = vanilla',
        'executable = /bin/true',
        `initialdir = ${ap}`,
        `output = ${ap}/out`,
        `error = ${ap}/err`,
        `log = ${ap}/log`,
        '+harvesterID = "bench-loop"',
        `+harvesterWorkerID = ${i}`,
        `batch_name = bench-loop-${i}`,
        'hold = True',
        'queue 1',
        '',
      ].join('\n'),
    );
    execFileSync('condor_submit', ['-terse', sub], { env, encoding: 'utf8' });
  }
  return (performance.now() - t0) / 1000;
}

async function plugin() {
  const ctx = testkit.testPluginContext({ harvesterId: 'bench', queueName: 'BENCH' });
  const submitter = await core.instantiatePlugin(
    htcondor.HTCondorSubmitter,
    'submitter',
    {
      executable: ['/bin/true'],
      templateFile: template,
      condorEnv: { PATH: env.PATH, HTCONDOR_EMULATOR_DIR: state },
    },
    ctx,
    {
      queue: 'BENCH',
      section: 'submitter',
      module: '@harvester-ts/htcondor',
      exportName: 'HTCondorSubmitter',
    },
  );
  const workers = Array.from({ length: N }, (_, i) => {
    const accessPoint = join(dir, 'plugin', String(i + 1));
    mkdirSync(accessPoint, { recursive: true });
    return testkit.makeWorkSpec({
      workerID: i + 1,
      harvesterID: 'bench',
      accessPoint,
      status: 'pending',
      nCore: 1,
      submitTime: new Date(),
    });
  });
  const t0 = performance.now();
  const results = await submitter.submitWorkers(workers);
  const seconds = (performance.now() - t0) / 1000;
  const failed = results.filter((r) => r.kind !== 'success');
  if (failed.length > 0) throw new Error(`${failed.length} workers not submitted: ${failed[0].diag}`);
  return seconds;
}

try {
  const loop = submitLoop();
  const bulk = await plugin();
  // Both ran the same held jobs: 2N in the queue, none started.
  const statuses = execFileSync('condor_q', ['-af', 'JobStatus'], { env, encoding: 'utf8' })
    .trim()
    .split('\n');
  if (statuses.length !== 2 * N || statuses.some((s) => s !== '5')) {
    throw new Error(`expected ${2 * N} held jobs, condor_q says: ${statuses.join(' ')}`);
  }
  const rate = (s) => N / s;
  const row = (name, s) =>
    `${name.padEnd(28)} ${rate(s).toFixed(1).padStart(8)} workers/s   ratio ${(rate(s) / rate(loop)).toFixed(2)}`;
  console.log(`bench/htcondor: ${N} workers each, held, on the CLI emulator`);
  console.log(row('condor_submit loop (bound)', loop));
  console.log(row('HTCondorSubmitter (1 call)', bulk));
} finally {
  execFileSync(join(bin, 'condor_emulator'), ['stop'], { env });
  rmSync(dir, { recursive: true, force: true });
}
