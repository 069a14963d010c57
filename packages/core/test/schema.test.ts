import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestDatabase,
  describeWithService,
  probeMariaDb,
  type TestDatabase,
} from '@harvester-ts/test-support';
import { DataSource } from 'typeorm';
import {
  CacheEntry,
  CommandSpec,
  FileSpec,
  HARVESTER_ENTITIES,
  JobSpec,
  JobWorkerRelation,
  type JsonObject,
  QueueState,
  queueStateKey,
  SequenceName,
  SequenceNumber,
  StatusEvent,
  WorkSpec,
} from '../src/index.js';

const TABLES = [
  'cache_table',
  'command_table',
  'diag_table',
  'event_table',
  'file_table',
  'job_table',
  'jw_table',
  'lock_table',
  'pq_table',
  'qcdump_table',
  'seq_table',
  'status_event_table',
  'work_table',
];

// PandaIDs are well past 2^32 nowadays; they must survive both drivers exactly.
const BIG_PANDA_ID = 6_543_210_987;

function makeJob(): JobSpec {
  const job = new JobSpec();
  Object.assign(job, {
    PandaID: BIG_PANDA_ID,
    taskID: 45_000_001,
    status: 'starting',
    subStatus: 'fetched',
    computingSite: 'CERN-PROD',
    harvesterID: 'h1',
    creationTime: new Date('2026-11-21T10:00:00.123Z'),
    modificationTime: new Date('2026-11-21T10:00:00.123Z'),
    jobParams: { PandaID: BIG_PANDA_ID, jobPars: '--in=x "quoted"', nested: { a: [1, 2, { b: null }] } },
    jobAttributes: { schedulerID: 'harvester-h1' },
    currentPriority: 900,
    nCore: 8,
    configID: 3,
  });
  return job;
}

function makeFile(
  id: number,
  lfn: string,
  fileType: FileSpec['fileType'],
  status: FileSpec['status'],
): FileSpec {
  const f = new FileSpec();
  Object.assign(f, {
    fileID: id,
    PandaID: BIG_PANDA_ID,
    taskID: 45_000_001,
    lfn,
    status,
    fileType,
    fsize: 5_000_000_000,
    chksum: 'ad:0a1b2c3d',
    scope: 'mc23_13p6TeV',
    endpoint: 'CERN-PROD_DATADISK',
    fileAttributes: { guid: `guid-${id}`, dataset: 'mc23.ds' },
  });
  return f;
}

function schemaSuite(label: string, open: () => Promise<{ ds: DataSource; close: () => Promise<void> }>) {
  let ds: DataSource;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ ds, close } = await open());
  });
  afterAll(async () => {
    await close?.();
  });

  it(`${label}: round-trips a job with big IDs, JSON and millisecond times`, async () => {
    await ds.getRepository(JobSpec).insert(makeJob());
    const back = await ds.getRepository(JobSpec).findOneByOrFail({ PandaID: BIG_PANDA_ID });
    expect(back).toBeInstanceOf(JobSpec);
    expect(back.PandaID).toBe(BIG_PANDA_ID);
    expect(typeof back.taskID).toBe('number');
    expect(back.jobParams).toEqual(makeJob().jobParams);
    expect(back.creationTime?.toISOString()).toBe('2026-11-21T10:00:00.123Z');
    expect(back.stagerTime).toBeNull();
    expect(back.nWorkers).toBe(0);
    expect(back.pilotClosed).toBe(false);
    expect(back.files).toEqual([]);
  });

  it(`${label}: round-trips files with 64-bit sizes and JSON attributes`, async () => {
    await ds
      .getRepository(FileSpec)
      .insert([
        makeFile(1, 'EVNT.01._000001.pool.root.1', 'input', 'to_prepare'),
        makeFile(2, 'HITS.01._000001.pool.root.1', 'output', 'defined'),
      ]);
    const files = await ds
      .getRepository(FileSpec)
      .find({ where: { PandaID: BIG_PANDA_ID }, order: { fileID: 'ASC' } });
    expect(files.map((f) => [f.fileID, f.fsize, f.guid, f.isZip, f.todelete, f.attemptNr])).toEqual([
      [1, 5_000_000_000, 'guid-1', false, false, 0],
      [2, 5_000_000_000, 'guid-2', false, false, 0],
    ]);
    expect(files[0]?.isInput()).toBe(true);
    expect(files[1]?.isOutput()).toBe(true);
  });

  it(`${label}: round-trips a worker with its log files, relations and history`, async () => {
    const w = new WorkSpec();
    Object.assign(w, {
      workerID: 1_000_001,
      harvesterID: 'h1',
      mapType: 'OneToOne',
      status: 'pending',
      computingSite: 'CERN-PROD',
      accessPoint: '/var/harvester/workdir/00/01/1000001',
    });
    w.setLogFile('stdout', '/var/harvester/workdir/00/01/1000001/out.txt');
    w.setLogFile('batch_log', 'https://logs.example.org/1000001.log');
    await ds.getRepository(WorkSpec).insert(w);
    await ds
      .getRepository(JobWorkerRelation)
      .insert({ PandaID: BIG_PANDA_ID, workerID: 1_000_001, relationType: null });
    const back = await ds.getRepository(WorkSpec).findOneByOrFail({ workerID: 1_000_001 });
    expect(back.batchName).toBe('h1-1000001');
    expect(back.getLogFile('stdout')).toBe('/var/harvester/workdir/00/01/1000001/out.txt');
    expect(back.logFilesToUpload).toEqual({ '/var/harvester/workdir/00/01/1000001/out.txt': 0 });
    expect(back.eventsRequest).toBe(0);
    const rel = await ds.getRepository(JobWorkerRelation).findBy({ workerID: 1_000_001 });
    expect(rel.map((r) => r.PandaID)).toEqual([BIG_PANDA_ID]);

    await ds.getRepository(StatusEvent).insert({
      eventID: 1,
      entityType: 'worker',
      entityID: 1_000_001,
      fromStatus: 'pending',
      toStatus: 'submitted',
      fromSubStatus: null,
      toSubStatus: null,
      at: new Date('2026-11-21T10:00:01.500Z'),
      agent: 'submitter',
      instance: 'h1@host:123',
      diag: null,
    });
    const [ev] = await ds.getRepository(StatusEvent).findBy({ entityType: 'worker', entityID: 1_000_001 });
    expect(ev?.at.toISOString()).toBe('2026-11-21T10:00:01.500Z');
  });

  it(`${label}: keeps sequences, queue state, commands and cache entries`, async () => {
    await ds.getRepository(SequenceNumber).insert({ numberName: SequenceName.workerID, curVal: 2 ** 40 });
    await ds
      .createQueryBuilder()
      .update(SequenceNumber)
      .set({ curVal: () => 'curVal + 1000' })
      .where('numberName = :n', { n: SequenceName.workerID })
      .execute();
    const seq = await ds.getRepository(SequenceNumber).findOneByOrFail({ numberName: SequenceName.workerID });
    expect(seq.curVal).toBe(2 ** 40 + 1000);

    await ds
      .getRepository(QueueState)
      .insert({ uniqueName: queueStateKey('CERN-PROD'), queueName: 'CERN-PROD' });
    const qs = await ds.getRepository(QueueState).findOneByOrFail({ uniqueName: 'CERN-PROD:ANY:ANY' });
    expect([qs.jobType, qs.resourceType, qs.jobFetchTime]).toEqual(['ANY', 'ANY', null]);

    await ds.getRepository(CommandSpec).insert({
      commandID: 77,
      command: 'KILL_WORKERS:CERN-PROD',
      receiver: 'sweeper',
      params: { workerIDs: [1, 2] },
      ackRequested: true,
    });
    const cmd = await ds.getRepository(CommandSpec).findOneByOrFail({ commandID: 77 });
    expect([cmd.params, cmd.ackRequested, cmd.processed]).toEqual([{ workerIDs: [1, 2] }, true, false]);

    await ds
      .getRepository(CacheEntry)
      .insert({ mainKey: 'panda_queues.json', subKey: '', data: { Q: { maxtime: 3600 } } as JsonObject });
    const entry = await ds
      .getRepository(CacheEntry)
      .findOneByOrFail({ mainKey: 'panda_queues.json', subKey: '' });
    expect(entry.data).toEqual({ Q: { maxtime: 3600 } });
  });
}

describe('schema on SQLite', () => {
  schemaSuite('sqlite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'core-schema-'));
    const ds = new DataSource({
      type: 'better-sqlite3',
      database: join(dir, 'h.db'),
      entities: [...HARVESTER_ENTITIES],
      synchronize: true,
    });
    await ds.initialize();
    const rows: { name: string }[] = await ds.query("SELECT name FROM sqlite_master WHERE type='table'");
    expect(rows.map((r) => r.name).sort()).toEqual(TABLES);
    return {
      ds,
      close: async () => {
        await ds.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});

const maria = await probeMariaDb();
describeWithService(
  'mariadb',
  maria.ok,
  maria.ok ? '' : maria.reason,
)('schema on MariaDB', () => {
  schemaSuite('mariadb', async () => {
    const db: TestDatabase = await createTestDatabase('core');
    const ds = new DataSource({
      type: 'mysql',
      host: db.host,
      port: db.port,
      username: db.username,
      password: db.password,
      database: db.database,
      timezone: 'Z',
      entities: [...HARVESTER_ENTITIES],
      synchronize: true,
    });
    await ds.initialize();
    const rows: { t: string }[] = await ds.query(
      'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? ORDER BY t',
      [db.database],
    );
    expect(rows.map((r) => r.t)).toEqual(TABLES);
    return {
      ds,
      close: async () => {
        await ds.destroy();
        await db.drop();
      },
    };
  });
});
