import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Communicator,
  DiagSpec,
  type GetJobsRequest,
  instantiatePlugin,
  JobStatus,
  JobSubStatus,
  type PluginContext,
  WorkerStatus,
} from '@harvester-ts/core';
import { makeJobSpec, makePandaJob, makeWorkSpec, testPluginContext } from '@harvester-ts/testkit';
import {
  claimedJobFileName,
  SpoolCommunicator,
  spoolCommandID,
  spoolCommunicatorOptions,
} from '../src/index.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'harvester-spool-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function spool(
  options: Record<string, unknown> = {},
  ctx: PluginContext = testPluginContext(),
): Promise<Communicator> {
  return instantiatePlugin(SpoolCommunicator, 'communicator', { root, ...options }, ctx, {
    queue: undefined,
    section: 'communicator',
    module: '@harvester-ts/communicator-spool',
    exportName: 'SpoolCommunicator',
  });
}

function request(nJobs: number): GetJobsRequest {
  return {
    siteName: 'TEST_SITE',
    nodeName: 'node1',
    prodSourceLabel: 'managed',
    computingElement: 'TEST_QUEUE',
    nJobs,
    additionalCriteria: {},
  };
}

const ls = async (...dir: string[]): Promise<string[]> => (await readdir(join(root, ...dir))).sort();
const readJson = async (...path: string[]): Promise<Record<string, unknown>> =>
  JSON.parse(await readFile(join(root, ...path), 'utf8')) as Record<string, unknown>;

async function drop(name: string, content: unknown): Promise<void> {
  const text = typeof content === 'string' ? content : JSON.stringify(content);
  await writeFile(join(root, 'inbox', name), text);
}

function value<T>(o: { kind: string; value?: T; diag?: string } | undefined): T {
  if (o === undefined) throw new Error('method missing');
  if (o.kind !== 'success') throw new Error(`expected success, got ${o.kind}: ${o.diag}`);
  return o.value as T;
}

describe('setup', () => {
  it('creates the spool layout when missing', async () => {
    root = join(root, 'nested', 'spool');
    await spool();
    expect(await ls()).toEqual(['claimed', 'commands', 'delivered', 'inbox', 'outbox', 'rejected']);
    expect(await ls('commands')).toEqual(['done']);
    expect(await ls('outbox')).toEqual(['.tmp']);
  });

  it('requires root and allows unknown option keys', () => {
    expect(spoolCommunicatorOptions.safeParse({}).success).toBe(false);
    const parsed = spoolCommunicatorOptions.parse({ root: '/x', extraHostKey: 1 });
    expect(parsed).toMatchObject({ root: '/x', fsync: true });
  });
});

describe('getJobs', () => {
  it('hands out valid dictionaries in name order and claims them', async () => {
    const c = await spool();
    await drop('b.json', makePandaJob({ PandaID: 2, inFiles: ['in2.root'] }));
    await drop('a.json', makePandaJob({ PandaID: 1, inFiles: ['in1.root'] }));
    const jobs = value(await c.getJobs(request(10)));
    expect(jobs.map((j) => j.PandaID)).toEqual([1, 2]);
    expect(jobs[0]).toEqual(makePandaJob({ PandaID: 1, inFiles: ['in1.root'] }));
    expect(await ls('inbox')).toEqual([]);
    expect(await ls('claimed')).toEqual([claimedJobFileName(1), claimedJobFileName(2)]);
    expect(value(await c.getJobs(request(10)))).toEqual([]);
  });

  it('respects the n limit and leaves the rest in the inbox', async () => {
    const c = await spool();
    for (let i = 1; i <= 5; i++) await drop(`j${i}.json`, makePandaJob({ PandaID: i }));
    expect(value(await c.getJobs(request(2))).map((j) => j.PandaID)).toEqual([1, 2]);
    expect(await ls('inbox')).toEqual(['j3.json', 'j4.json', 'j5.json']);
    expect(value(await c.getJobs(request(0)))).toEqual([]);
    expect(value(await c.getJobs(request(10))).map((j) => j.PandaID)).toEqual([3, 4, 5]);
  });

  it('ignores hidden and non-JSON files', async () => {
    const c = await spool();
    await drop('.partial.json', makePandaJob({ PandaID: 1 }));
    await drop('notes.txt', 'hello');
    expect(value(await c.getJobs(request(10)))).toEqual([]);
    expect(await ls('inbox')).toEqual(['.partial.json', 'notes.txt']);
  });

  it('claims each job once when two instances race on one inbox', async () => {
    const a = await spool();
    const b = await spool();
    const ids = Array.from({ length: 40 }, (_, i) => 1000 + i);
    for (const id of ids) await drop(`job-${id}.json`, makePandaJob({ PandaID: id }));
    const [ra, rb] = await Promise.all([a.getJobs(request(100)), b.getJobs(request(100))]);
    const got = [...value(ra), ...value(rb)].map((j) => j.PandaID as number);
    expect(new Set(got).size).toBe(got.length);
    expect([...got].sort((x, y) => x - y)).toEqual(ids);
    expect(await ls('inbox')).toEqual([]);
    expect(await ls('rejected')).toEqual([]);
  });

  it('rejects malformed JSON with the reason, and still hands out the good ones', async () => {
    const c = await spool();
    await drop('a.json', '{"PandaID": 1,');
    await drop('b.json', makePandaJob({ PandaID: 2 }));
    const jobs = value(await c.getJobs(request(10)));
    expect(jobs.map((j) => j.PandaID)).toEqual([2]);
    expect(await ls('rejected')).toEqual(['a.json', 'a.json.error']);
    expect(await readFile(join(root, 'rejected', 'a.json'), 'utf8')).toBe('{"PandaID": 1,');
    const error = await readFile(join(root, 'rejected', 'a.json.error'), 'utf8');
    expect(error).toContain('a.json');
    expect(error).toMatch(/reason: invalid JSON: /);
  });

  it('rejects a dictionary that fails core validation (file lists of different lengths)', async () => {
    const c = await spool();
    const dict = makePandaJob({ PandaID: 7, inFiles: ['x.root', 'y.root'] });
    dict.fsize = '100';
    await drop('bad.json', dict);
    expect(value(await c.getJobs(request(10)))).toEqual([]);
    expect(await ls('rejected')).toEqual(['bad.json', 'bad.json.error']);
    const error = await readFile(join(root, 'rejected', 'bad.json.error'), 'utf8');
    expect(error).toMatch(/reason: invalid job dictionary: PanDA job 7: .*fsize/);
    expect(await readJson('rejected', 'bad.json')).toEqual(dict);
  });

  it('rejects a non-object and a dictionary without PandaID', async () => {
    const c = await spool();
    await drop('list.json', [1, 2]);
    await drop('noid.json', { jobName: 'x' });
    await drop('str.json', '"hello"');
    expect(value(await c.getJobs(request(10)))).toEqual([]);
    expect(await ls('rejected')).toEqual([
      'list.json',
      'list.json.error',
      'noid.json',
      'noid.json.error',
      'str.json',
      'str.json.error',
    ]);
    expect(await readFile(join(root, 'rejected', 'list.json.error'), 'utf8')).toMatch(
      /must be an object, got an array/,
    );
    expect(await readFile(join(root, 'rejected', 'str.json.error'), 'utf8')).toMatch(
      /must be an object, got string/,
    );
    expect(await readFile(join(root, 'rejected', 'noid.json.error'), 'utf8')).toMatch(/PandaID/);
    expect(await ls('claimed')).toEqual([]);
  });

  it('does not overwrite an earlier rejected file of the same name', async () => {
    const c = await spool();
    await drop('x.json', 'not json 1');
    await c.getJobs(request(1));
    await drop('x.json', 'not json 2');
    await c.getJobs(request(1));
    expect(await ls('rejected')).toEqual(['x.1.json', 'x.1.json.error', 'x.json', 'x.json.error']);
    expect(await readFile(join(root, 'rejected', 'x.1.json'), 'utf8')).toBe('not json 2');
  });

  it('malformed files do not count against n', async () => {
    const c = await spool();
    await drop('a.json', 'garbage');
    await drop('b.json', makePandaJob({ PandaID: 2 }));
    await drop('c.json', makePandaJob({ PandaID: 3 }));
    expect(value(await c.getJobs(request(1))).map((j) => j.PandaID)).toEqual([2]);
    expect(await ls('inbox')).toEqual(['c.json']);
  });

  it('names the claimed file by the validated PandaID (a decimal string too)', async () => {
    const c = await spool();
    await drop('s.json', { ...makePandaJob({ PandaID: 1 }), PandaID: ' 31 ' });
    await drop('z.json', { ...makePandaJob({ PandaID: 1 }), PandaID: 0 });
    expect(value(await c.getJobs(request(10))).map((j) => j.PandaID)).toEqual([' 31 ']);
    expect(await ls('claimed')).toEqual([claimedJobFileName(31)]);
    expect(await ls('rejected')).toEqual(['z.json', 'z.json.error']);
    expect(await readFile(join(root, 'rejected', 'z.json.error'), 'utf8')).toMatch(/PandaID/);
  });

  it('claims nothing once the call is aborted', async () => {
    const c = await spool();
    await drop('a.json', makePandaJob({ PandaID: 1 }));
    const abort = new AbortController();
    abort.abort();
    expect(value(await c.getJobs(request(10), { signal: abort.signal }))).toEqual([]);
    expect(await ls('inbox')).toEqual(['a.json']);
  });

  it('recoverClaimedAfterSeconds moves old claimed files back to the inbox at startup', async () => {
    const c = await spool();
    await drop('a.json', makePandaJob({ PandaID: 1 }));
    await drop('b.json', makePandaJob({ PandaID: 2 }));
    await c.getJobs(request(10));
    const old = new Date(Date.now() - 3_600_000);
    await utimes(join(root, 'claimed', claimedJobFileName(1)), old, old);
    const again = await spool({ recoverClaimedAfterSeconds: 600 });
    expect(await ls('inbox')).toEqual([claimedJobFileName(1)]);
    expect(await ls('claimed')).toEqual([claimedJobFileName(2)]);
    expect(value(await again.getJobs(request(10))).map((j) => j.PandaID)).toEqual([1]);
  });
});

describe('updateJobs', () => {
  it('writes one update record per job atomically to outbox/', async () => {
    const c = await spool();
    const running = makeJobSpec({ PandaID: 11, status: JobStatus.running, subStatus: JobSubStatus.running });
    running.startTime = new Date('2026-01-02T03:04:05Z');
    running.jobAttributes = { pilotErrorCode: 0, node: 'wn01' };
    const finished = makeJobSpec({
      PandaID: 12,
      status: JobStatus.finished,
      subStatus: JobSubStatus.done,
    });
    finished.endTime = new Date('2026-01-02T05:00:00Z');
    finished.outputFilesToReport = { files: [{ lfn: 'out.root' }] };
    const results = await c.updateJobs([running, finished], 'lock-1');
    expect(results).toEqual([
      { kind: 'success', value: {} },
      { kind: 'success', value: {} },
    ]);
    const files = await ls('outbox');
    expect(files.filter((f) => f !== '.tmp')).toHaveLength(2);
    expect(await ls('outbox', '.tmp')).toEqual([]);
    const f11 = files.find((f) => f.startsWith('job-11-'));
    const f12 = files.find((f) => f.startsWith('job-12-'));
    expect(f11).toMatch(/^job-11-\d+-\d+-\d+\.json$/);
    const r11 = await readJson('outbox', f11 as string);
    expect(r11).toMatchObject({
      type: 'jobUpdate',
      PandaID: 11,
      lockId: 'lock-1',
      status: 'running',
      subStatus: 'running',
      startTime: '2026-01-02T03:04:05.000Z',
      endTime: null,
      attributes: { pilotErrorCode: 0, node: 'wn01' },
      panda: { job_id: 11, job_status: 'running', start_time: '2026-01-02 03:04:05', node: 'wn01' },
    });
    const r12 = await readJson('outbox', f12 as string);
    expect(r12).toMatchObject({
      PandaID: 12,
      status: 'finished',
      endTime: '2026-01-02T05:00:00.000Z',
      outputFilesToReport: { files: [{ lfn: 'out.root' }] },
      panda: { job_id: 12, job_status: 'finished', job_output_report: '{"files":[{"lfn":"out.root"}]}' },
    });
  });

  it('refuses a PandaID unfit for a file name, and retries on a write error', async () => {
    const c = await spool();
    const bad = makeJobSpec({ PandaID: 1 });
    bad.PandaID = '../../etc' as unknown as number;
    const [r] = await c.updateJobs([bad], 'l');
    expect(r?.kind).toBe('fatal');
    await rm(join(root, 'outbox'), { recursive: true });
    await writeFile(join(root, 'outbox'), 'not a directory');
    const [r2] = await c.updateJobs([makeJobSpec({ PandaID: 5 })], 'l');
    expect(r2?.kind).toBe('retry');
  });

  it('moves the claimed file to delivered/ once the job is reported', async () => {
    const c = await spool();
    await drop('a.json', makePandaJob({ PandaID: 21 }));
    await c.getJobs(request(1));
    await c.updateJobs([makeJobSpec({ PandaID: 21 })], 'l');
    expect(await ls('claimed')).toEqual([]);
    expect(await ls('delivered')).toEqual([claimedJobFileName(21)]);
  });
});

describe('updateWorkers', () => {
  it('writes worker records to outbox/', async () => {
    const c = await spool();
    const w = makeWorkSpec({ workerID: 9, status: WorkerStatus.running, batchID: 'b-9' });
    expect(await c.updateWorkers?.([w])).toEqual([{ kind: 'success', value: undefined }]);
    const files = (await ls('outbox')).filter((f) => f.startsWith('worker-9-'));
    expect(files).toHaveLength(1);
    expect(await readJson('outbox', files[0] as string)).toMatchObject({
      type: 'workerUpdate',
      workerID: 9,
      status: 'running',
      batchID: 'b-9',
    });
    expect(await ls('outbox', '.tmp')).toEqual([]);
  });
});

describe('commands', () => {
  async function command(name: string, content: unknown): Promise<void> {
    await writeFile(join(root, 'commands', name), JSON.stringify(content));
  }

  it('hands out commands with stable IDs and moves acknowledged files to done/', async () => {
    const c = await spool();
    await command('a.json', { command: 'REPORT_WORKER_STATS:SITE1', params: { x: 1 } });
    await command('b.json', [{ command: 'SET_N_WORKERS_JOBTYPE:SITE1', params: [] }, { command: 'KILL' }]);
    const first = value(await c.getCommands?.(10));
    expect(first.map((x) => x.command)).toEqual([
      'REPORT_WORKER_STATS:SITE1',
      'SET_N_WORKERS_JOBTYPE:SITE1',
      'KILL',
    ]);
    expect(first[0]).toMatchObject({ params: { x: 1 }, ackRequested: true });
    expect(first[0]?.creationDate).toBeInstanceOf(Date);
    expect(new Set(first.map((x) => x.commandID)).size).toBe(3);
    for (const x of first) expect(Number.isSafeInteger(x.commandID) && x.commandID > 0).toBe(true);
    // Not acknowledged: handed out again with the same IDs (from another instance too).
    const other = await spool();
    expect(value(await other.getCommands?.(10)).map((x) => x.commandID)).toEqual(
      first.map((x) => x.commandID),
    );
    expect(first[0]?.commandID).toBe(
      spoolCommandID('a.json', 0, { command: 'REPORT_WORKER_STATS:SITE1', params: { x: 1 } }),
    );

    expect(await c.ackCommands?.([first[0]?.commandID as number])).toEqual({
      kind: 'success',
      value: undefined,
    });
    expect(await ls('commands')).toEqual(['b.json', 'done']);
    expect(await ls('commands', 'done')).toEqual(['a.json']);
    // Half of b.json acknowledged: it stays until the rest is.
    await c.ackCommands?.([first[1]?.commandID as number]);
    expect(await ls('commands')).toEqual(['b.json', 'done']);
    expect(value(await c.getCommands?.(10)).map((x) => x.command)).toEqual(['KILL']);
    await c.ackCommands?.([first[2]?.commandID as number]);
    expect(await ls('commands', 'done')).toEqual(['a.json', 'b.json']);
    expect(value(await c.getCommands?.(10))).toEqual([]);
  });

  it('respects the n limit', async () => {
    const c = await spool();
    await command('a.json', [{ command: 'A' }, { command: 'B' }]);
    await command('b.json', { command: 'C' });
    expect(value(await c.getCommands?.(1)).map((x) => x.command)).toEqual(['A']);
    expect(value(await c.getCommands?.(2)).map((x) => x.command)).toEqual(['A', 'B']);
    expect(value(await c.getCommands?.(3)).map((x) => x.command)).toEqual(['A', 'B', 'C']);
  });

  it('moves a file whose commands want no acknowledgement to done/ once handed out', async () => {
    const c = await spool();
    await command('n.json', { command: 'RELOAD', ackRequested: false });
    expect(value(await c.getCommands?.(5)).map((x) => x.ackRequested)).toEqual([false]);
    expect(await ls('commands', 'done')).toEqual(['n.json']);
  });

  it('rejects malformed command files with the reason', async () => {
    const c = await spool();
    await writeFile(join(root, 'commands', 'j.json'), '{oops');
    await command('k.json', [{ command: 'A' }, { params: 1 }]);
    await command('l.json', []);
    await command('m.json', 42);
    await command('ok.json', { command: 'OK' });
    expect(value(await c.getCommands?.(10)).map((x) => x.command)).toEqual(['OK']);
    expect(await ls('rejected')).toEqual([
      'j.json',
      'j.json.error',
      'k.json',
      'k.json.error',
      'l.json',
      'l.json.error',
      'm.json',
      'm.json.error',
    ]);
    expect(await readFile(join(root, 'rejected', 'j.json.error'), 'utf8')).toMatch(/invalid JSON/);
    expect(await readFile(join(root, 'rejected', 'k.json.error'), 'utf8')).toMatch(/entry 1: command: /);
    expect(await readFile(join(root, 'rejected', 'l.json.error'), 'utf8')).toMatch(/empty list/);
    expect(await readFile(join(root, 'rejected', 'm.json.error'), 'utf8')).toMatch(/invalid command file/);
  });
});

describe('heartbeat, stats, checks, dialogs', () => {
  it('writes the status file', async () => {
    const c = await spool();
    const startTime = new Date('2026-03-01T00:00:00Z');
    expect((await c.isAlive?.({ startTime, swVersion: '1.2.3' }))?.kind).toBe('success');
    const status = await readJson('status.json');
    expect(status).toMatchObject({
      startTime: '2026-03-01T00:00:00.000Z',
      swVersion: '1.2.3',
      harvesterID: 'testkit',
    });
    expect(Date.parse(status.lastHeartbeat as string)).toBeGreaterThan(Date.now() - 60_000);
    const before = status.lastHeartbeat as string;
    await new Promise((r) => setTimeout(r, 5));
    await c.isAlive?.({ startTime, swVersion: '1.2.3' });
    expect((await readJson('status.json')).lastHeartbeat).not.toBe(before);
    expect(await ls('outbox', '.tmp')).toEqual([]);
  });

  it('writes worker stats per site', async () => {
    const c = await spool();
    const stats = { managed: { SCORE: { running: 3 } } };
    await Promise.all([c.updateWorkerStats?.('S1', stats), c.updateWorkerStats?.('S2', {})]);
    const all = await readJson('worker-stats.json');
    expect(all).toMatchObject({ S1: { stats }, S2: { stats: {} } });
  });

  it('reports every job active', async () => {
    const c = await spool();
    expect(await c.checkJobs?.([makeJobSpec({ PandaID: 1 }), makeJobSpec({ PandaID: 2 })])).toEqual([
      { kind: 'success', value: { active: true } },
      { kind: 'success', value: { active: true } },
    ]);
    expect(c.getEventRanges).toBeUndefined();
    expect(c.updateEventRanges).toBeUndefined();
  });

  it('appends dialogs to dialogs.jsonl', async () => {
    const c = await spool();
    const d = Object.assign(new DiagSpec(), {
      diagID: 1,
      moduleName: 'submitter',
      identifier: 'w1',
      creationTime: new Date('2026-01-01T00:00:00Z'),
      messageLevel: 'ERROR',
      diagMessage: 'boom',
    });
    await c.sendDialogMessages?.([d]);
    await c.sendDialogMessages?.([{ ...d, diagID: 2 } as DiagSpec]);
    const lines = (await readFile(join(root, 'dialogs.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { diagID: number }).diagID)).toEqual([1, 2]);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ diagMessage: 'boom', messageLevel: 'ERROR' });
  });
});

describe('outbox', () => {
  it('leaves no temporary files after many writes', async () => {
    const c = await spool();
    await mkdir(join(root, 'outbox'), { recursive: true });
    await c.updateJobs(
      Array.from({ length: 20 }, (_, i) => makeJobSpec({ PandaID: 100 + i })),
      'l',
    );
    expect((await ls('outbox')).filter((f) => f.endsWith('.json'))).toHaveLength(20);
    expect(await ls('outbox', '.tmp')).toEqual([]);
    expect((await stat(join(root, 'outbox'))).isDirectory()).toBe(true);
  });
});
