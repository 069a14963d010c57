// Pure parts: /proc parsing, batchIDs, the status map, option schemas.
import { instantiatePlugin, PluginOptionsError } from '@harvester-ts/core';
import { testPluginContext } from '@harvester-ts/testkit';
import {
  formatBatchID,
  LOST_WORKER_DIAG,
  LocalSubmitter,
  LocalSweeper,
  localSubmitterOptions,
  localSweeperOptions,
  mapLocalStatus,
  parseBatchID,
  parseExitCode,
  parseProcStat,
} from '../src/index.js';

describe('parseProcStat', () => {
  it('reads pid, state, ppid, pgrp, session and start time (field 22), whatever the command name', () => {
    // Fields 3..22: state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
    // cutime cstime priority nice num_threads itrealvalue starttime; then vsize rss ...
    const after = [
      'S',
      '77',
      '4242',
      '4242',
      '0',
      '-1',
      '4194560',
      '1',
      '0',
      '0',
      '0',
      '0',
      '0',
      '0',
      '0',
      '20',
      '0',
      '1',
      '0',
      '123456',
      '9000',
      '100',
    ];
    const text = `4242 (my (odd) cmd) ${after.join(' ')}\n`;
    expect(parseProcStat(text)).toEqual({
      pid: 4242,
      state: 'S',
      ppid: 77,
      pgrp: 4242,
      session: 4242,
      startTime: 123456,
    });
  });

  it('parses this very process consistently with its pid', async () => {
    const { readFile } = await import('node:fs/promises');
    const stat = parseProcStat(await readFile(`/proc/${process.pid}/stat`, 'utf8'));
    expect(stat?.pid).toBe(process.pid);
    expect(stat?.ppid).toBe(process.ppid);
    expect(stat!.startTime).toBeGreaterThan(0);
  });

  it('rejects garbage', () => {
    expect(parseProcStat('')).toBeUndefined();
    expect(parseProcStat('12 (x) S 1 2')).toBeUndefined();
  });
});

describe('batchID', () => {
  it('round-trips <pid>:<starttime> and rejects anything else', () => {
    expect(parseBatchID(formatBatchID({ pid: 123, startTime: 456789 }))).toEqual({
      pid: 123,
      startTime: 456789,
    });
    for (const bad of [null, '', '0:1', '-5:1', '12', '12:', 'a:1', '1:2:3', '12.0', ' 1:2']) {
      expect(parseBatchID(bad)).toBeUndefined();
    }
  });

  it('parses exit files', () => {
    expect(parseExitCode('0\n')).toBe(0);
    expect(parseExitCode('143\n')).toBe(143);
    expect(parseExitCode('')).toBeUndefined();
    expect(parseExitCode('ok')).toBeUndefined();
  });
});

describe('mapLocalStatus', () => {
  it('exit 0 → finished, other codes → failed, alive → running, neither → lost', () => {
    expect(mapLocalStatus({ exit: { kind: 'code', code: 0 }, alive: false })).toEqual({
      report: { kind: 'status', status: 'finished' },
      nativeStatus: 'exited',
      nativeExitCode: 0,
    });
    // The exit file decides even if the process has not quite gone.
    expect(mapLocalStatus({ exit: { kind: 'code', code: 2 }, alive: true })).toMatchObject({
      report: { status: 'failed', diag: 'worker wrapper exited with code 2' },
      nativeExitCode: 2,
    });
    expect(mapLocalStatus({ exit: { kind: 'absent' }, alive: true }).report).toEqual({
      kind: 'status',
      status: 'running',
    });
    expect(mapLocalStatus({ exit: { kind: 'absent' }, alive: false }).report).toEqual({
      kind: 'status',
      status: 'failed',
      diag: LOST_WORKER_DIAG,
    });
    expect(mapLocalStatus({ exit: { kind: 'malformed', text: 'x' }, alive: false }).report).toMatchObject({
      status: 'failed',
    });
    expect(mapLocalStatus({ exit: { kind: 'malformed', text: 'x' }, alive: true }).report.status).toBe(
      'running',
    );
  });
});

describe('options', () => {
  it('accept keys of the common section and apply defaults', () => {
    const parsed = localSubmitterOptions.parse({ executable: ['sh', '/x.sh'], nQueueLimitWorker: 3 });
    expect(parsed).toMatchObject({ executable: ['sh', '/x.sh'], env: {}, inheritEnv: true });
    expect(localSweeperOptions.parse({ somethingCommon: 1 }).killGraceSeconds).toBe(30);
  });

  it('the host refuses a submitter without executable, naming the option', async () => {
    const where = {
      queue: 'Q',
      section: 'submitter',
      module: '@harvester-ts/local',
      exportName: 'LocalSubmitter',
    };
    const attempt = instantiatePlugin(LocalSubmitter, 'submitter', {}, testPluginContext(), where);
    await expect(attempt).rejects.toBeInstanceOf(PluginOptionsError);
    await expect(attempt).rejects.toThrow(/executable/);
    await expect(
      instantiatePlugin(LocalSweeper, 'sweeper', { killGraceSeconds: -1 }, testPluginContext(), {
        ...where,
        section: 'sweeper',
      }),
    ).rejects.toBeInstanceOf(PluginOptionsError);
  });

  it('a sweeper instance has all three methods', async () => {
    const sweeper = await instantiatePlugin(LocalSweeper, 'sweeper', {}, testPluginContext(), {
      section: 'sweeper',
      module: '@harvester-ts/local',
      exportName: 'LocalSweeper',
    });
    expect(typeof sweeper.killWorkers).toBe('function');
    expect(typeof sweeper.killWorker).toBe('function');
    expect(typeof sweeper.sweepWorker).toBe('function');
  });
});
