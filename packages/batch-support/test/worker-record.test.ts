// Worker record files on disk: atomic writes, reads with validation, the wrapper's exit file.
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  readExitFile,
  readJsonRecord,
  workerRecordFile,
  writeAtomic,
  writeJsonRecord,
} from '../src/index.js';

interface Rec {
  batchName: string;
  n: number;
}
const isRec = (v: Partial<Rec>) => typeof v.batchName === 'string' && Number.isInteger(v.n);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bs-rec-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeAtomic and writeJsonRecord', () => {
  it('writes one line of JSON, mode 0644, and leaves no temporary file', async () => {
    await writeJsonRecord(dir, 'r.json', { batchName: 'h-1', n: 1 });
    expect(await readFile(join(dir, 'r.json'), 'utf8')).toBe('{"batchName":"h-1","n":1}\n');
    expect((await stat(join(dir, 'r.json'))).mode & 0o777).toBe(0o644);
    expect(await readdir(dir)).toEqual(['r.json']);
  });

  it('writes bytes with the mode asked for, replacing what was there', async () => {
    const path = join(dir, 'script.sh');
    await writeFile(path, 'old');
    await writeAtomic(path, Buffer.from('#!/bin/sh\n'), 0o755);
    expect(await readFile(path, 'utf8')).toBe('#!/bin/sh\n');
    expect((await stat(path)).mode & 0o777).toBe(0o755);
  });

  it('lets a reader see the old record or a new one, never a part of one', async () => {
    const big = 'x'.repeat(200_000);
    await writeJsonRecord(dir, 'r.json', { batchName: 'h-1', n: 0, big });
    const writes = Array.from({ length: 40 }, (_, n) =>
      writeJsonRecord(dir, 'r.json', { batchName: 'h-1', n, big }),
    );
    const reads: Array<Promise<Rec | undefined>> = [];
    for (let i = 0; i < 40; i++) reads.push(readJsonRecord<Rec>(dir, 'r.json', isRec));
    await Promise.all(writes);
    for (const r of await Promise.all(reads)) expect(r).toMatchObject({ batchName: 'h-1' });
    expect(await readdir(dir)).toEqual(['r.json']);
  });

  it('throws when the directory is missing', async () => {
    await expect(writeJsonRecord(join(dir, 'missing'), 'r.json', {})).rejects.toThrow(/ENOENT/);
  });
});

describe('readJsonRecord', () => {
  it('reads back what was written', async () => {
    await writeJsonRecord(dir, 'r.json', { batchName: 'h-1', n: 2 });
    expect(await readJsonRecord<Rec>(dir, 'r.json', isRec)).toEqual({ batchName: 'h-1', n: 2 });
  });

  it('is undefined for a missing file or a missing directory', async () => {
    expect(await readJsonRecord<Rec>(dir, 'r.json', isRec)).toBeUndefined();
    await writeFile(join(dir, 'file'), 'x');
    expect(await readJsonRecord<Rec>(join(dir, 'file'), 'r.json', isRec)).toBeUndefined();
  });

  it('throws for the codes not given as absent', async () => {
    await writeFile(join(dir, 'file'), 'x');
    await expect(
      readJsonRecord<Rec>(join(dir, 'file'), 'r.json', isRec, { absentCodes: ['ENOENT'] }),
    ).rejects.toThrow(/ENOTDIR/);
    expect(await readJsonRecord<Rec>(dir, 'r.json', isRec, { absentCodes: ['ENOENT'] })).toBeUndefined();
  });

  it('throws for a record that cannot be read', async () => {
    await mkdir(join(dir, 'r.json'));
    await expect(readJsonRecord<Rec>(dir, 'r.json', isRec)).rejects.toThrow(/EISDIR/);
  });

  it('throws "malformed … not JSON" for a file that is not JSON, or JSON.parse’s error if asked', async () => {
    await writeFile(join(dir, 'r.json'), '{"batchName": ');
    await expect(readJsonRecord<Rec>(dir, 'r.json', isRec)).rejects.toThrow(
      `malformed r.json in ${dir}: not JSON`,
    );
    await expect(readJsonRecord<Rec>(dir, 'r.json', isRec, { notJson: 'rethrow' })).rejects.toThrow(
      SyntaxError,
    );
  });

  it('throws "malformed" for JSON that is not an object or fails the validator', async () => {
    for (const text of ['null', '3', '"s"', '{"batchName":"h-1"}', '{"batchName":1,"n":1}']) {
      await writeFile(join(dir, 'r.json'), text);
      await expect(readJsonRecord<Rec>(dir, 'r.json', isRec)).rejects.toThrow(`malformed r.json in ${dir}`);
    }
  });

  it('throws EACCES for a record it may not read (root may read it)', async () => {
    await writeJsonRecord(dir, 'r.json', { batchName: 'h-1', n: 1 });
    await chmod(join(dir, 'r.json'), 0o000);
    if (process.getuid?.() === 0) {
      expect(await readJsonRecord<Rec>(dir, 'r.json', isRec)).toEqual({ batchName: 'h-1', n: 1 });
    } else {
      await expect(readJsonRecord<Rec>(dir, 'r.json', isRec)).rejects.toThrow(/EACCES/);
    }
  });
});

describe('readExitFile', () => {
  it('reads absent, a code, or malformed', async () => {
    expect(await readExitFile(dir, 'exit')).toEqual({ kind: 'absent' });
    expect(await readExitFile(join(dir, 'missing'), 'exit')).toEqual({ kind: 'absent' });
    await writeFile(join(dir, 'exit'), '3\n');
    expect(await readExitFile(dir, 'exit')).toEqual({ kind: 'code', code: 3 });
    await writeFile(join(dir, 'exit'), '0');
    expect(await readExitFile(dir, 'exit')).toEqual({ kind: 'code', code: 0 });
    for (const bad of ['', 'x\n', '-1', '1000', '1 2']) {
      await writeFile(join(dir, 'exit'), bad);
      expect(await readExitFile(dir, 'exit')).toEqual({ kind: 'malformed' });
    }
  });
});

describe('workerRecordFile', () => {
  it('writes and reads its file, with the read options it was given', async () => {
    const file = workerRecordFile<Rec>({
      name: 'w.json',
      systemName: 'Test',
      isValid: isRec,
      absentCodes: ['ENOENT'],
    });
    expect(file).toMatchObject({ name: 'w.json', systemName: 'Test' });
    expect(await file.read(dir)).toBeUndefined();
    await file.write(dir, { batchName: 'h-3', n: 3 });
    expect(await readFile(join(dir, 'w.json'), 'utf8')).toBe('{"batchName":"h-3","n":3}\n');
    expect(await file.read(dir)).toEqual({ batchName: 'h-3', n: 3 });
    await expect(file.read(join(dir, 'w.json'))).rejects.toThrow(/ENOTDIR/);
  });
});
