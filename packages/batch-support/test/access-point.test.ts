// removeWorkerAccessPoint on real directories: what it removes, what it refuses and leaves, what
// it retries.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Outcome, retryLater, success } from '@harvester-ts/core';
import { removeWorkerAccessPoint, workerRecordFile } from '../src/index.js';

interface Rec {
  batchName: string;
  extra?: number;
}
const NAME = 'harvester-test.json';
const RECORD = workerRecordFile<Rec>({
  name: NAME,
  systemName: 'Test',
  isValid: (v) => typeof v.batchName === 'string',
});

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'bs-ap-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function accessPoint(batchName: string | undefined, name = 'ap'): Promise<string> {
  const ap = join(root, name);
  await mkdir(join(ap, 'sub'), { recursive: true });
  await writeFile(join(ap, 'sub', 'payload.log'), 'data');
  if (batchName !== undefined) await RECORD.write(ap, { batchName });
  return ap;
}

const worker = (accessPoint: string | null, batchName = 'h-1') => ({ accessPoint, batchName, workerID: 1 });

describe('removeWorkerAccessPoint', () => {
  it('removes a real directory holding this worker record, with everything in it', async () => {
    const ap = await accessPoint('h-1');
    const logged: unknown[] = [];
    const removed: string[] = [];
    const r = await removeWorkerAccessPoint(worker(ap), RECORD, {
      log: { debug: (...args: unknown[]) => logged.push(args) },
      afterRemove: (rec, dir) => removed.push(`${rec.batchName}@${dir}`),
    });
    expect(r).toEqual(success());
    expect(existsSync(ap)).toBe(false);
    expect(removed).toEqual([`h-1@${ap}`]);
    expect(logged).toEqual([[{ workerID: 1, accessPoint: ap }, 'removed the access point']]);
  });

  it('logs the message it is given', async () => {
    const ap = await accessPoint('h-1');
    const logged: unknown[] = [];
    await removeWorkerAccessPoint(worker(ap), RECORD, {
      log: { debug: (...args: unknown[]) => logged.push(args[1]) },
      removedMessage: 'removed the container and the access point',
    });
    expect(logged).toEqual(['removed the container and the access point']);
  });

  it('is a success when there is no access point or it is gone already', async () => {
    expect(await removeWorkerAccessPoint(worker(null), RECORD)).toEqual(
      success(undefined, 'the worker has no access point'),
    );
    expect(await removeWorkerAccessPoint(worker(join(root, 'missing')), RECORD)).toEqual(
      success(undefined, 'no access point to remove'),
    );
  });

  it('refuses a symlink and keeps it and its target', async () => {
    const target = await accessPoint('h-1', 'target');
    const link = join(root, 'link');
    await symlink(target, link);
    const r = await removeWorkerAccessPoint(worker(link), RECORD);
    expect(r).toEqual({ kind: 'fatal', diag: `refusing to remove ${link}: not a directory` });
    expect(existsSync(link)).toBe(true);
    expect(await readFile(join(target, 'sub', 'payload.log'), 'utf8')).toBe('data');
  });

  it('refuses a file', async () => {
    const file = join(root, 'file');
    await writeFile(file, 'x');
    expect(await removeWorkerAccessPoint(worker(file), RECORD)).toMatchObject({ kind: 'fatal' });
    expect(existsSync(file)).toBe(true);
  });

  it('refuses a directory without the record, naming the file and the system', async () => {
    const ap = await accessPoint(undefined);
    expect(await removeWorkerAccessPoint(worker(ap), RECORD)).toEqual({
      kind: 'fatal',
      diag: `refusing to remove ${ap}: it has no ${NAME}, so it is no Test access point`,
    });
    expect(existsSync(join(ap, 'sub', 'payload.log'))).toBe(true);
  });

  it('refuses a directory whose record is another worker’s', async () => {
    const ap = await accessPoint('h-2');
    expect(await removeWorkerAccessPoint(worker(ap, 'h-1'), RECORD)).toEqual({
      kind: 'fatal',
      diag: `refusing to remove ${ap}: it belongs to h-2, not h-1`,
    });
    expect(existsSync(join(ap, 'sub', 'payload.log'))).toBe(true);
  });

  it('refuses a directory whose record is malformed', async () => {
    const ap = await accessPoint(undefined);
    await writeFile(join(ap, NAME), '{"batchName": 7}');
    expect(await removeWorkerAccessPoint(worker(ap), RECORD)).toEqual({
      kind: 'fatal',
      diag: `refusing to remove ${ap}: malformed ${NAME} in ${ap}`,
    });
    expect(existsSync(ap)).toBe(true);
  });

  it('retries when the access point cannot be inspected', async () => {
    const file = join(root, 'file');
    await writeFile(file, 'x');
    const ap = join(file, 'ap'); // lstat: ENOTDIR
    const r = await removeWorkerAccessPoint(worker(ap), RECORD);
    expect(r.kind).toBe('retry');
    expect((r as { diag: string }).diag).toMatch(new RegExp(`^cannot inspect ${ap}: .*ENOTDIR`));
  });

  it('retries when the directory cannot be removed', async () => {
    // procfs entries cannot be deleted, not even by root: rm fails on the first one.
    const ap = `/proc/${process.pid}/fdinfo`;
    const r = await removeWorkerAccessPoint(worker(ap), {
      ...RECORD,
      read: async () => ({ batchName: 'h-1' }),
    });
    expect(r.kind).toBe('retry');
    expect((r as { diag: string }).diag).toMatch(new RegExp(`^cannot remove ${ap}: `));
  });

  it('stops when beforeRemove says so, and goes on when it does not', async () => {
    const ap = await accessPoint('h-1');
    const seen: string[] = [];
    const stop = await removeWorkerAccessPoint(worker(ap), RECORD, {
      beforeRemove: async (rec, dir): Promise<Outcome | undefined> => {
        seen.push(`${rec.batchName}@${dir}`);
        return retryLater('job still running');
      },
    });
    expect(stop).toEqual(retryLater('job still running'));
    expect(seen).toEqual([`h-1@${ap}`]);
    expect(existsSync(ap)).toBe(true);
    const go = await removeWorkerAccessPoint(worker(ap), RECORD, { beforeRemove: async () => undefined });
    expect(go).toEqual(success());
    expect(existsSync(ap)).toBe(false);
  });
});
