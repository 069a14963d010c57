// Every container state to its worker status (table-tested).
import { DOCKER_STATE_MAP, mapDockerStatus } from '../src/index.js';

describe('DOCKER_STATE_MAP', () => {
  it('covers every state of the Engine', () => {
    expect(Object.keys(DOCKER_STATE_MAP).sort()).toEqual(
      ['created', 'dead', 'exited', 'paused', 'removing', 'restarting', 'running'].sort(),
    );
  });
});

describe('mapDockerStatus', () => {
  const name = 'h-1';
  it.each([
    ['created', {}, { kind: 'status', status: 'submitted' }, 'created', undefined],
    ['running', {}, { kind: 'status', status: 'running' }, 'running', undefined],
    [
      'paused',
      {},
      { kind: 'status', status: 'running', diag: 'container h-1 is paused' },
      'paused',
      undefined,
    ],
    [
      'restarting',
      {},
      { kind: 'status', status: 'running', diag: 'container h-1 is restarting' },
      'restarting',
      undefined,
    ],
    ['removing', {}, { kind: 'retry', diag: 'container h-1 is removing' }, 'removing', undefined],
    ['exited', { exitCode: 0 }, { kind: 'status', status: 'finished' }, 'exited', 0],
    [
      'exited',
      { exitCode: 3 },
      { kind: 'status', status: 'failed', diag: 'container h-1 exited with code 3' },
      'exited',
      3,
    ],
    [
      'exited',
      { exitCode: 137, oomKilled: true, memoryLimit: 32 * 1024 * 1024 },
      {
        kind: 'status',
        status: 'failed',
        diag: 'container h-1 exited with code 137 (signal 9); OOMKilled: it went over its memory limit of 32 MiB',
      },
      'exited (OOMKilled)',
      137,
    ],
    [
      'exited',
      { exitCode: 0, oomKilled: true },
      {
        kind: 'status',
        status: 'finished',
        diag: 'container h-1 exited with code 0; a process of it was OOMKilled: out of memory',
      },
      'exited (OOMKilled)',
      0,
    ],
    [
      'exited',
      { exitCode: 143, killRequested: true },
      {
        kind: 'status',
        status: 'cancelled',
        diag: 'container h-1 was stopped by the sweeper and exited with code 143 (signal 15)',
      },
      'exited',
      143,
    ],
    ['exited', { exitCode: 0, killRequested: true }, { kind: 'status', status: 'finished' }, 'exited', 0],
    [
      'exited',
      { exitCode: 137, killRequested: true, oomKilled: true, memoryLimit: 6 * 1024 * 1024 },
      {
        kind: 'status',
        status: 'failed',
        diag: 'container h-1 exited with code 137 (signal 9); OOMKilled: it went over its memory limit of 6 MiB',
      },
      'exited (OOMKilled)',
      137,
    ],
    [
      'created',
      { exitCode: 127, error: 'exec: "sh": executable file not found in $PATH' },
      {
        kind: 'status',
        status: 'failed',
        diag: 'container h-1 could not start: exec: "sh": executable file not found in $PATH',
      },
      'created',
      127,
    ],
    [
      'dead',
      { exitCode: 255, error: 'driver failed to remove root filesystem' },
      {
        kind: 'status',
        status: 'failed',
        diag: 'container h-1 is dead (exit code 255): driver failed to remove root filesystem',
      },
      'dead',
      255,
    ],
    [
      'frozen',
      {},
      { kind: 'retry', diag: 'container h-1 is in a state this plugin does not know: "frozen"' },
      'frozen',
      undefined,
    ],
  ] as const)('%s %j', (state, extra, report, nativeStatus, nativeExitCode) => {
    const mapped = mapDockerStatus({ name, state, ...extra });
    expect(mapped.report).toEqual(report);
    expect(mapped.nativeStatus).toBe(nativeStatus);
    expect(mapped.nativeExitCode).toBe(nativeExitCode);
  });
});
