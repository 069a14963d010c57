// A harvester process is killed with SIGKILL at random moments and started again, several times;
// then it runs to the end. The WMS and the batch system live in files (they survive the kills).
// Every job must end exactly once, and no batch job may be submitted twice.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makePandaJob } from '@harvester-ts/testkit';
import { openDatabase } from '../src/index.js';

const CHILD = fileURLToPath(new URL('./fixtures/crash/child.mjs', import.meta.url));
const N = 60;
const KILLS = 8;

function runChild(
  root: string,
  extraEnv: Record<string, string> = {},
): {
  proc: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
} {
  const proc = spawn(process.execPath, [CHILD], {
    env: { ...process.env, CRASH_ROOT: root, RUN_MS: '150', NODE_OPTIONS: '', ...extraEnv },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => proc.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { proc, done };
}

function lines<T>(file: string): T[] {
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as T)
    : [];
}

describe('crash safety', () => {
  let root: string;
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it(`jobs end exactly once and nothing is submitted twice across ${KILLS} SIGKILLs`, async () => {
    root = mkdtempSync(join(tmpdir(), 'crash-'));
    const inbox = join(root, 'wms', 'inbox');
    mkdirSync(inbox, { recursive: true });
    for (let i = 0; i < N; i++) {
      const id = 700_000 + i;
      writeFileSync(
        join(inbox, `${id}.json`),
        JSON.stringify(makePandaJob({ PandaID: id, outFiles: [], logFile: null, transformation: 'true' })),
      );
    }
    // Deterministic "random" kill moments (a fixed LCG), spread over start-up and work.
    // First the two dangerous windows of a submission, on purpose.
    for (const flag of ['CRASH_BEFORE_SUBMIT', 'CRASH_AFTER_SUBMIT']) {
      const r = await runChild(root, { [flag]: '1' }).done;
      expect({ signal: r.signal, code: r.code, stderr: r.stderr.slice(0, 2000) }).toEqual({
        signal: 'SIGKILL',
        code: null,
        stderr: '',
      });
      expect(existsSync(join(root, `${flag}.done`))).toBe(true);
    }
    let seed = 12345;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const kills: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      const { proc, done } = runChild(root);
      const at = 400 + Math.floor(next() * 1600);
      kills.push(at);
      const timer = setTimeout(() => proc.kill('SIGKILL'), at);
      const r = await done;
      clearTimeout(timer);
      if (r.signal !== 'SIGKILL' && r.code !== 0)
        throw new Error(`child failed (code ${r.code}): ${r.stderr}`);
    }
    const last = await runChild(root).done;
    expect({ code: last.code, stderr: last.stderr }).toEqual({ code: 0, stderr: '' });

    // Reconciliation did both of its jobs: the worker the batch system never saw is missed (its
    // job went to another worker); the one it accepted was adopted.
    const ds = await openDatabase({ type: 'sqlite', path: join(root, 'harvester.db') });
    const reconciled: { toStatus: string; diag: string }[] = await ds.query(
      "SELECT toStatus, diag FROM status_event_table WHERE entityType = 'worker' AND diag LIKE '%interrupted%' ORDER BY eventID",
    );
    await ds.destroy();
    expect(reconciled.map((r) => r.toStatus).sort()).toEqual(expect.arrayContaining(['missed', 'submitted']));

    // Every job concluded, with one final status.
    const updates = lines<{ PandaID: number; status: string; subStatus: string }>(
      join(root, 'wms', 'updates.jsonl'),
    );
    const finals = new Map<number, Set<string>>();
    for (const u of updates) {
      if (['finished', 'failed', 'cancelled', 'missed'].includes(u.status)) {
        finals.set(u.PandaID, (finals.get(u.PandaID) ?? new Set()).add(u.status));
      }
    }
    const ids = Array.from({ length: N }, (_, i) => 700_000 + i);
    expect(ids.filter((id) => !finals.has(id))).toEqual([]);
    expect(ids.filter((id) => finals.get(id)!.size !== 1)).toEqual([]);
    expect(ids.filter((id) => !finals.get(id)!.has('finished'))).toEqual([]);

    // No batch job submitted twice: names are unique and each job ran in one batch job.
    // The batch system's record: one file per accepted batch job.
    const jobsDir = join(root, 'batch', 'jobs');
    const subs = readdirSync(jobsDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(jobsDir, f), 'utf8')) as { name: string; pandaIDs: number[] });
    expect(subs.length).toBe(new Set(subs.map((s) => s.name)).size);
    const perJob = new Map<number, number>();
    for (const s of subs) for (const id of s.pandaIDs) perJob.set(id, (perJob.get(id) ?? 0) + 1);
    expect(ids.filter((id) => perJob.get(id) !== 1)).toEqual([]);
  }, 240_000);
});
