#!/usr/bin/env node
// bench/panda: how fast the PanDA communicator reports jobs (pilot/update_jobs_bulk, chunks of 100,
// 5 connections) to testkit's fake PanDA server, against the bound of raw node:http POSTs of the
// very same request bodies with the same concurrency, measured in the same run against the same
// server. The ratio is what the communicator costs on top of the wire: building each job's record
// from its JobSpec, the envelope and per-job parsing, the outcome mapping.
//   node bench/panda/run.mjs [N] [ROUNDS]     (needs `pnpm install`; no service)
import { request } from 'node:http';

const root = new URL('../../', import.meta.url);
const core = await import(new URL('packages/core/dist/index.js', root).href);
const testkit = await import(new URL('packages/testkit/dist/index.js', root).href);
const panda = await import(new URL('packages/communicator-panda/dist/index.js', root).href);

const N = Number(process.argv[2] ?? 2000);
const ROUNDS = Number(process.argv[3] ?? 5);
const CHUNK = 100;
const CONNECTIONS = 5;
const HARVESTER = 'bench';

const wms = new testkit.SimulatedWms();
const server = await testkit.startFakePandaServer({ wms });
const ids = Array.from({ length: N }, (_, i) => 1_000_001 + i);
wms.addJobs(...ids.map((PandaID) => testkit.makePandaJob({ PandaID, computingSite: 'BENCH' })));
await wms.getJobs(N, { siteName: 'BENCH' });
const jobs = ids.map((PandaID) => {
  const job = testkit.makeJobSpec({
    PandaID,
    computingSite: 'BENCH',
    status: 'running',
    subStatus: 'running',
  });
  job.startTime = new Date();
  job.jobAttributes = { node: 'wn-001', cpuConsumptionTime: 42, maxRSS: 1_500_000, coreCount: 1 };
  return job;
});

const ctx = testkit.testPluginContext({ harvesterId: HARVESTER, queueName: 'BENCH' });
const communicator = await core.instantiatePlugin(
  panda.PandaCommunicator,
  'communicator',
  { url: server.url, updateJobsChunkSize: CHUNK, nConnections: CONNECTIONS },
  ctx,
  {
    queue: '',
    section: 'communicator',
    module: '@harvester-ts/communicator-panda',
    exportName: 'PandaCommunicator',
  },
);

// The bound's bodies: exactly what the communicator sends (core's records), serialised up front.
const bodies = [];
for (let i = 0; i < N; i += CHUNK) {
  const records = jobs.slice(i, i + CHUNK).map((job) => core.pandaJobUpdateV1(job));
  bodies.push(JSON.stringify(core.pandaUpdateJobsBulkBody(records, HARVESTER)));
}
const url = new URL('/api/v1/pilot/update_jobs_bulk', server.url);
function post(body) {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'Content-Length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const parts = [];
        res.on('data', (d) => parts.push(d));
        res.on('end', () => {
          const answer = JSON.parse(Buffer.concat(parts).toString('utf8'));
          if (!answer.success) reject(new Error(`raw POST refused: ${answer.message}`));
          else resolve(answer.data.length);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function rawLoop() {
  const t0 = performance.now();
  await core.mapLimit(bodies, CONNECTIONS, post);
  return (performance.now() - t0) / 1000;
}

async function viaCommunicator() {
  const t0 = performance.now();
  const outcomes = await communicator.updateJobs(jobs, 'bench-lock');
  const seconds = (performance.now() - t0) / 1000;
  const bad = outcomes.filter((o) => o.kind !== 'success');
  if (bad.length > 0) throw new Error(`${bad.length} updates not accepted: ${bad[0].diag}`);
  return seconds;
}

try {
  // One warm-up round of each (connections, JIT), then the best of ROUNDS.
  await rawLoop();
  await viaCommunicator();
  let raw = Number.POSITIVE_INFINITY;
  let plugin = Number.POSITIVE_INFINITY;
  for (let r = 0; r < ROUNDS; r++) {
    raw = Math.min(raw, await rawLoop());
    plugin = Math.min(plugin, await viaCommunicator());
  }
  const rate = (s) => N / s;
  const row = (name, s) =>
    `${name.padEnd(30)} ${rate(s).toFixed(0).padStart(8)} jobs/s   ratio ${(rate(s) / rate(raw)).toFixed(2)}`;
  console.log(
    `bench/panda: ${N} job updates per round, chunks of ${CHUNK}, ${CONNECTIONS} connections, best of ${ROUNDS}`,
  );
  console.log(row('raw http POSTs (bound)', raw));
  console.log(row('PandaCommunicator.updateJobs', plugin));
} finally {
  await communicator.close?.();
  await server.close();
}
