#!/usr/bin/env node
// bench/docker: how fast the Docker submitter starts workers as containers on the real dockerd
// of scripts/services.sh, against the bound of a plain `docker run -d` loop measured in the same
// run. Every container runs the busybox test image; all are removed at the end.
// Prints containers started per second for both and their ratio.
//   node bench/docker/run.mjs [N]     (needs `pnpm install` and `bash scripts/services.sh up docker`)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url);
const core = await import(new URL('packages/core/dist/index.js', root).href);
const engine = await import(new URL('packages/engine/dist/index.js', root).href);
const testkit = await import(new URL('packages/testkit/dist/index.js', root).href);
const docker = await import(new URL('packages/docker/dist/index.js', root).href);

const IMAGE = 'harvester-test/busybox:latest';
const N = Number(process.argv[2] ?? 30);
const dir = mkdtempSync(join(tmpdir(), 'bench-docker-'));
const containers = [];

function dockerRunLoop() {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const ap = join(dir, 'loop', String(i));
    mkdirSync(ap, { recursive: true });
    const id = execFileSync(
      'docker',
      [
        'run',
        '-d',
        '--name',
        `bench-loop-${process.pid}-${i}`,
        '-v',
        `${ap}:${ap}`,
        IMAGE,
        'sh',
        '-c',
        'sleep 30',
      ],
      { encoding: 'utf8' },
    ).trim();
    containers.push(id);
  }
  return (performance.now() - t0) / 1000;
}

async function plugin() {
  const submitter = await core.instantiatePlugin(
    docker.DockerSubmitter,
    'submitter',
    { image: IMAGE, executable: ['sh', engine.WORKER_WRAPPER_PATH] },
    testkit.testPluginContext({ harvesterId: `bench${process.pid}`, queueName: 'BENCH' }),
    { queue: 'BENCH', section: 'submitter', module: '@harvester-ts/docker', exportName: 'DockerSubmitter' },
  );
  const workers = Array.from({ length: N }, (_, i) => {
    const w = new core.WorkSpec();
    Object.assign(w, {
      workerID: i + 1,
      harvesterID: `bench${process.pid}`,
      computingSite: 'BENCH',
      queueName: 'BENCH',
      mapType: 'NoJob',
      status: 'pending',
      nCore: 1,
      minRamCount: 256,
      accessPoint: join(dir, 'plugin', String(i + 1)),
    });
    w.jobs = [];
    mkdirSync(w.accessPoint, { recursive: true });
    return w;
  });
  const t0 = performance.now();
  const results = await submitter.submitWorkers(workers);
  const seconds = (performance.now() - t0) / 1000;
  const failed = results.filter((r) => r.kind !== 'success');
  if (failed.length > 0) throw new Error(`${failed.length} workers not started: ${failed[0].diag}`);
  for (const w of workers) containers.push(w.batchID);
  return seconds;
}

try {
  const loop = dockerRunLoop();
  const started = await plugin();
  const rate = (s) => N / s;
  const row = (name, s) =>
    `${name.padEnd(24)} ${rate(s).toFixed(1).padStart(8)} containers/s   ratio ${(rate(s) / rate(loop)).toFixed(2)}`;
  console.log(`bench/docker: ${N} containers each, image ${IMAGE}`);
  console.log(row('docker run -d loop', loop));
  console.log(row('DockerSubmitter', started));
} finally {
  for (let i = 0; i < containers.length; i += 100) {
    execFileSync('docker', ['rm', '-f', ...containers.slice(i, i + 100)], { stdio: 'ignore' });
  }
  rmSync(dir, { recursive: true, force: true });
}
