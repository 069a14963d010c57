#!/usr/bin/env node
// bench/engine: pushes N jobs through the whole pipeline (fetch → prepare → submit → monitor →
// stage-out → report) with testkit's in-memory plugins, on SQLite and on MariaDB, and compares
// with a raw-driver bound measured in the same run: the same row writes (inserts and updates the
// engine made, counted from its database afterwards) done directly with better-sqlite3 / mysql2
// in batches of the same size. Prints jobs/s, peak RSS and the ratio.
//   node bench/engine/run.mjs [N]        (needs `pnpm install`; MariaDB from scripts/services.sh)
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const here = new URL('../../packages/engine/', import.meta.url);
const require = createRequire(new URL('package.json', here));
const core = await import(new URL('../core/dist/index.js', here).href);
const engineMod = await import(new URL('dist/index.js', here).href);
const testkit = await import(new URL('../testkit/dist/index.js', here).href);
const { pino } = await import(require.resolve('pino'));
const BetterSqlite3 = require('better-sqlite3');
const mysql = require('mysql2/promise');

const N = Number(process.argv[2] ?? 2000);
const BATCH = 100;

// An in-memory messenger: the workers "report" success and no outputs, so the bench measures the
// engine, not the file system.
const MemoryMessenger = core.defineMessenger({
  name: 'MemoryMessenger',
  compatibility: '*',
  create: () => ({
    getAccessPoint: (w) => `/mem/${w.workerID}`,
    setupAccessPoints: async (ws) => ws.map(() => core.success()),
    feedJobs: async () => core.success(),
    jobRequested: async () => null,
    getWorkAttributes: async (w) =>
      Object.fromEntries(w.jobs.map((j) => [String(j.PandaID), { jobStatus: 'finished', transExitCode: 0 }])),
    getFilesToStageOut: async () => ({}),
    eventsRequested: async () => ({}),
    feedEvents: async () => core.success(),
    eventsToUpdate: async () => ({}),
    acknowledgeEventsFiles: async () => {},
    postProcessing: async () => core.success(),
    getPandaIds: async () => [],
    killRequested: async () => false,
    isAlive: async () => null,
    cleanUp: async () => core.success(),
  }),
});

const modules = { '@harvester-ts/testkit': testkit, bench: { MemoryMessenger } };
const tk = (name, extra = {}) => ({ module: '@harvester-ts/testkit', name, ...extra });

async function runEngine(database) {
  testkit.clearSimulations();
  const wms = new testkit.SimulatedWms();
  const batch = new testkit.SimulatedBatchSystem({ seed: 1 });
  testkit.registerSimulation('default', { batch, wms });
  const queues = core.parseQueueConfigFile({
    BENCH: {
      mapType: 'OneToOne',
      maxWorkers: 1000,
      nQueueLimitWorker: 1000,
      nQueueLimitJob: 1000,
      submitter: tk('TestkitSubmitter'),
      monitor: tk('TestkitMonitor', { unknownGraceSeconds: 0 }),
      sweeper: tk('TestkitSweeper'),
      preparator: tk('TestkitPreparator', { inputRoot: '/mem' }),
      stager: tk('TestkitStager', { destination: '/mem/out' }),
      workerMaker: tk('TestkitWorkerMaker'),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Harvester's access point placeholder
      messenger: { module: 'bench', name: 'MemoryMessenger', accessPoint: '/mem/${workerID}' },
    },
  });
  const fast = { schedule: { enabled: true, busyIntervalMs: 0, idleIntervalMs: 0 } };
  const engine = await engineMod.Engine.create({
    config: {
      harvesterId: 'bench',
      jobFetcher: { ...fast, lookupIntervalMs: 0, maxJobs: 1000 },
      preparator: { ...fast, checkIntervalMs: 0, triggerIntervalMs: 0, maxJobs: 500 },
      submitter: { ...fast, lookupIntervalMs: 0 },
      monitor: { ...fast, checkIntervalMs: 0, maxWorkers: 1000 },
      propagator: { ...fast, maxJobs: 500, maxWorkers: 500 },
      stager: { ...fast, checkIntervalMs: 0, triggerIntervalMs: 0, maxJobs: 500 },
      eventFeeder: fast,
      sweeper: { ...fast, keepFinishedMs: 3_600_000 },
      commandManager: fast,
    },
    queues,
    communicator: tk('TestkitCommunicator'),
    database,
    importer: async (m) => modules[m],
    logger: pino({ level: 'silent' }),
  });
  wms.addJobs(
    ...Array.from({ length: N }, (_, i) =>
      testkit.makePandaJob({ PandaID: 1_000_000 + i, outFiles: [], logFile: null }),
    ),
  );
  const t0 = performance.now();
  await engine.runUntilIdle({ timeoutMs: 600_000 });
  const seconds = (performance.now() - t0) / 1000;
  const done = Array.from({ length: N }, (_, i) => wms.finalStatusOf(1_000_000 + i)).filter(
    (s) => s === 'finished',
  ).length;
  if (done !== N) throw new Error(`only ${done} of ${N} jobs finished`);
  // What the engine wrote, to replay with the raw driver.
  const ds = engine.db.ds;
  const count = async (sql) => Number((await ds.query(sql))[0].n);
  const writes = {
    jobs: await count('SELECT COUNT(*) AS n FROM job_table'),
    files: await count('SELECT COUNT(*) AS n FROM file_table'),
    workers: await count('SELECT COUNT(*) AS n FROM work_table'),
    relations: await count('SELECT COUNT(*) AS n FROM jw_table'),
    events: await count('SELECT COUNT(*) AS n FROM status_event_table'),
    jobEvents: await count("SELECT COUNT(*) AS n FROM status_event_table WHERE entityType = 'job'"),
    workerEvents: await count("SELECT COUNT(*) AS n FROM status_event_table WHERE entityType = 'worker'"),
  };
  await engine.stop();
  return { seconds, jobsPerSecond: N / seconds, writes };
}

const JOB_COLS = ['PandaID', 'status', 'subStatus', 'computingSite', 'jobParams', 'modificationTime'];
const EVENT_COLS = ['eventID', 'entityType', 'entityID', 'fromStatus', 'toStatus', 'at', 'agent', 'instance'];

/** The same rows written directly: inserts of jobs, workers, relations, events; one update per status change. */
function rawRows() {
  const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
  const job = (i) => [
    1_000_000 + i,
    'starting',
    'fetched',
    'BENCH',
    JSON.stringify({ PandaID: 1_000_000 + i }),
    now,
  ];
  const event = (i) => [i + 1, i % 2 ? 'job' : 'worker', 1_000_000 + (i % N), 'a', 'b', now, 'raw', 'raw'];
  return { now, job, event };
}

function rawSqlite(w) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-raw-'));
  const db = new BetterSqlite3(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  for (const ddl of `CREATE TABLE job_table (PandaID bigint PRIMARY KEY, status varchar(32), subStatus varchar(32), computingSite varchar(128), jobParams text, modificationTime datetime(3));
           CREATE TABLE work_table (workerID bigint PRIMARY KEY, status varchar(32), modificationTime datetime(3));
           CREATE TABLE jw_table (PandaID bigint, workerID bigint, PRIMARY KEY (PandaID, workerID));
           CREATE TABLE status_event_table (eventID bigint PRIMARY KEY, entityType varchar(16), entityID bigint, fromStatus varchar(32), toStatus varchar(32), at datetime(3), agent varchar(64), instance varchar(255));`
    .split(';')
    .map((x) => x.trim())
    .filter(Boolean))
    db.prepare(ddl).run();
  const { now, job, event } = rawRows();
  const insJob = db.prepare(`INSERT INTO job_table (${JOB_COLS}) VALUES (?,?,?,?,?,?)`);
  const insWorker = db.prepare('INSERT INTO work_table VALUES (?,?,?)');
  const insRel = db.prepare('INSERT INTO jw_table VALUES (?,?)');
  const insEvent = db.prepare(`INSERT INTO status_event_table (${EVENT_COLS}) VALUES (?,?,?,?,?,?,?,?)`);
  const updJob = db.prepare('UPDATE job_table SET subStatus = ?, modificationTime = ? WHERE PandaID = ?');
  const updWorker = db.prepare('UPDATE work_table SET status = ?, modificationTime = ? WHERE workerID = ?');
  const t0 = performance.now();
  const batches = (n, fn) => {
    for (let i = 0; i < n; i += BATCH)
      db.transaction(() => {
        for (let k = i; k < Math.min(n, i + BATCH); k++) fn(k);
      })();
  };
  batches(w.jobs, (i) => insJob.run(...job(i)));
  batches(w.workers, (i) => insWorker.run(i + 1, 'pending', now));
  batches(w.relations, (i) => insRel.run(1_000_000 + i, i + 1));
  batches(w.events, (i) => insEvent.run(...event(i)));
  batches(w.jobEvents, (i) => updJob.run(`s${i}`, now, 1_000_000 + (i % w.jobs)));
  batches(w.workerEvents, (i) => updWorker.run(`s${i}`, now, (i % w.workers) + 1));
  const seconds = (performance.now() - t0) / 1000;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return seconds;
}

async function rawMysql(w, cfg) {
  const conn = await mysql.createConnection({
    host: cfg.host,
    port: cfg.port,
    user: cfg.user,
    password: cfg.password,
    database: cfg.database,
    timezone: 'Z',
  });
  await conn.query(
    `CREATE TABLE raw_job (PandaID bigint PRIMARY KEY, status varchar(32), subStatus varchar(32), computingSite varchar(128), jobParams json, modificationTime datetime(3)) ENGINE=InnoDB`,
  );
  await conn.query(
    'CREATE TABLE raw_work (workerID bigint PRIMARY KEY, status varchar(32), modificationTime datetime(3)) ENGINE=InnoDB',
  );
  await conn.query(
    'CREATE TABLE raw_jw (PandaID bigint, workerID bigint, PRIMARY KEY (PandaID, workerID)) ENGINE=InnoDB',
  );
  await conn.query(
    'CREATE TABLE raw_event (eventID bigint PRIMARY KEY, entityType varchar(16), entityID bigint, fromStatus varchar(32), toStatus varchar(32), at datetime(3), agent varchar(64), instance varchar(255)) ENGINE=InnoDB',
  );
  const { now, job, event } = rawRows();
  const t0 = performance.now();
  const batches = async (n, rowsOf, insertSql, perRow) => {
    for (let i = 0; i < n; i += BATCH) {
      const ids = Array.from({ length: Math.min(BATCH, n - i) }, (_, k) => i + k);
      await conn.beginTransaction();
      if (insertSql) await conn.query(insertSql, [ids.map(rowsOf)]);
      else for (const k of ids) await conn.execute(...perRow(k));
      await conn.commit();
    }
  };
  await batches(w.jobs, job, `INSERT INTO raw_job (${JOB_COLS}) VALUES ?`);
  await batches(w.workers, (i) => [i + 1, 'pending', now], 'INSERT INTO raw_work VALUES ?');
  await batches(w.relations, (i) => [1_000_000 + i, i + 1], 'INSERT INTO raw_jw VALUES ?');
  await batches(w.events, event, `INSERT INTO raw_event (${EVENT_COLS}) VALUES ?`);
  await batches(w.jobEvents, null, null, (i) => [
    'UPDATE raw_job SET subStatus = ?, modificationTime = ? WHERE PandaID = ?',
    [`s${i}`, now, 1_000_000 + (i % w.jobs)],
  ]);
  await batches(w.workerEvents, null, null, (i) => [
    'UPDATE raw_work SET status = ?, modificationTime = ? WHERE workerID = ?',
    [`s${i}`, now, (i % w.workers) + 1],
  ]);
  const seconds = (performance.now() - t0) / 1000;
  await conn.end();
  return seconds;
}

function report(name, engine, rawSeconds) {
  const bound = N / rawSeconds;
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(
    `${name.padEnd(8)} engine ${engine.jobsPerSecond.toFixed(1).padStart(8)} jobs/s (${engine.seconds.toFixed(2)} s)   ` +
      `raw bound ${bound.toFixed(1).padStart(9)} jobs/s (${rawSeconds.toFixed(2)} s)   ratio ${(engine.jobsPerSecond / bound).toFixed(3)}   peak RSS ${rss.toFixed(0)} MiB`,
  );
  console.log(`         rows written per run: ${JSON.stringify(engine.writes)}`);
}

console.log(
  `bench/engine: ${N} jobs, OneToOne, testkit plugins, in-memory messenger; raw batches of ${BATCH}`,
);
{
  const dir = mkdtempSync(join(tmpdir(), 'bench-engine-'));
  const e = await runEngine({ type: 'sqlite', path: join(dir, 'h.db') });
  rmSync(dir, { recursive: true, force: true });
  report('sqlite', e, rawSqlite(e.writes));
}
{
  const url = new URL(process.env.HARVESTER_TEST_MYSQL_URL ?? 'mysql://harvester:harvester@127.0.0.1:3306');
  const cfg = {
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
  let admin;
  try {
    admin = await mysql.createConnection(cfg);
  } catch (err) {
    console.log(`mariadb  skipped: ${err.message} (bash scripts/services.sh up mariadb)`);
    process.exit(0);
  }
  const database = `bench_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${database} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  try {
    const e = await runEngine({ type: 'mysql', ...cfg, database });
    report('mariadb', e, await rawMysql(e.writes, { ...cfg, database }));
  } finally {
    await admin.query(`DROP DATABASE ${database}`);
    await admin.end();
  }
}
