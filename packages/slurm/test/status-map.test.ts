// Every Slurm state to a worker status, table-tested.
import { baseSlurmState, mapSlurmStatus, SLURM_COMPACT_STATES, SLURM_STATE_MAP } from '../src/index.js';

describe('SLURM_STATE_MAP', () => {
  it.each([
    ['PENDING', 'submitted'],
    ['CONFIGURING', 'submitted'],
    ['REQUEUED', 'submitted'],
    ['REQUEUE_HOLD', 'submitted'],
    ['REQUEUE_FED', 'submitted'],
    ['RESV_DEL_HOLD', 'submitted'],
    ['RUNNING', 'running'],
    ['COMPLETING', 'running'],
    ['SUSPENDED', 'running'],
    ['STOPPED', 'running'],
    ['RESIZING', 'running'],
    ['SIGNALING', 'running'],
    ['STAGE_OUT', 'running'],
    ['COMPLETED', 'finished'],
    ['FAILED', 'failed'],
    ['TIMEOUT', 'failed'],
    ['NODE_FAIL', 'failed'],
    ['BOOT_FAIL', 'failed'],
    ['OUT_OF_MEMORY', 'failed'],
    ['DEADLINE', 'failed'],
    ['PREEMPTED', 'failed'],
    ['SPECIAL_EXIT', 'failed'],
    ['CANCELLED', 'cancelled'],
    ['REVOKED', 'cancelled'],
  ])('%s → %s', (state, status) => {
    expect(SLURM_STATE_MAP[state]).toBe(status);
    expect(mapSlurmStatus({ id: '1', state }).report).toMatchObject({ kind: 'status', status });
  });

  it('covers every state of squeue’s state table (compact codes included)', () => {
    for (const [code, long] of Object.entries(SLURM_COMPACT_STATES)) {
      expect([code, baseSlurmState(code)]).toEqual([code, long]);
      expect(SLURM_STATE_MAP[long]).toBeDefined();
    }
  });
});

describe('baseSlurmState', () => {
  it('reads "CANCELLED by <uid>" and sacct’s cut "CANCELLED+", but guesses no other cut name', () => {
    expect(baseSlurmState('CANCELLED by 1000')).toBe('CANCELLED');
    expect(baseSlurmState('CANCELLED by 0')).toBe('CANCELLED');
    expect(baseSlurmState('CANCELLED+')).toBe('CANCELLED');
    expect(baseSlurmState(' RUNNING ')).toBe('RUNNING');
    expect(baseSlurmState('OUT_OF_ME+')).toBeUndefined();
    expect(baseSlurmState('running')).toBeUndefined();
    expect(baseSlurmState('')).toBeUndefined();
    expect(baseSlurmState('toString')).toBeUndefined();
  });
});

describe('mapSlurmStatus', () => {
  it('finished: exit code 0, no diagnostic', () => {
    expect(
      mapSlurmStatus({ id: '43', state: 'COMPLETED', reason: 'None', exit: { code: 0, signal: 0 } }),
    ).toEqual({
      report: { kind: 'status', status: 'finished' },
      nativeStatus: 'COMPLETED',
      nativeExitCode: 0,
    });
  });

  it('failed with the exit code, Slurm’s reason and the state in the diagnostic', () => {
    expect(
      mapSlurmStatus({ id: '44', state: 'FAILED', reason: 'NonZeroExitCode', exit: { code: 3, signal: 0 } }),
    ).toEqual({
      report: {
        kind: 'status',
        status: 'failed',
        diag: 'Slurm job 44 FAILED (NonZeroExitCode), exit code 3:0',
      },
      nativeStatus: 'FAILED',
      nativeExitCode: 3,
    });
    // Killed by a signal: 128 + the signal.
    expect(
      mapSlurmStatus({ id: '46', state: 'FAILED', reason: 'JobLaunchFailure', exit: { code: 0, signal: 9 } }),
    ).toMatchObject({ nativeExitCode: 137, report: { diag: expect.stringContaining('signal 9') } });
    expect(
      mapSlurmStatus({ id: '7', state: 'TIMEOUT', reason: 'TimeLimit', exit: { code: 0, signal: 15 } }),
    ).toEqual({
      report: {
        kind: 'status',
        status: 'failed',
        diag: 'Slurm job 7 TIMEOUT (TimeLimit), exit code 0:15 (signal 15)',
      },
      nativeStatus: 'TIMEOUT',
      nativeExitCode: 143,
    });
  });

  it('cancelled keeps "by <uid>" in nativeStatus', () => {
    expect(mapSlurmStatus({ id: '13', state: 'CANCELLED by 1000', exit: { code: 0, signal: 15 } })).toEqual({
      report: {
        kind: 'status',
        status: 'cancelled',
        diag: 'Slurm job 13 CANCELLED by 1000, exit code 0:15 (signal 15)',
      },
      nativeStatus: 'CANCELLED by 1000',
      nativeExitCode: 143,
    });
  });

  it('a pending job says why it waits; a running one sets no exit code', () => {
    expect(
      mapSlurmStatus({ id: '8', state: 'PENDING', reason: 'JobHeldUser', exit: { code: 0, signal: 0 } }),
    ).toEqual({
      report: { kind: 'status', status: 'submitted', diag: 'Slurm job 8 PENDING (JobHeldUser)' },
      nativeStatus: 'PENDING',
    });
    expect(
      mapSlurmStatus({ id: '6', state: 'RUNNING', reason: 'None', exit: { code: 0, signal: 0 } }),
    ).toEqual({
      report: { kind: 'status', status: 'running' },
      nativeStatus: 'RUNNING',
    });
  });

  it('an unknown state is never guessed: retry with the state in the diagnostic', () => {
    expect(mapSlurmStatus({ id: '9', state: 'OUT_OF_ME+' })).toEqual({
      report: { kind: 'retry', diag: 'Slurm job 9 is in a state this plugin does not know: "OUT_OF_ME+"' },
      nativeStatus: 'OUT_OF_ME+',
    });
    expect(mapSlurmStatus({ id: '9', state: 'UPDATE_DB' }).report.kind).toBe('retry');
  });
});
