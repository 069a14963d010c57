// The JobStatus table of harvester-facts §4.1 / batch-cli-formats.md A5, case by case.
import { type CondorJobAd, effectiveJobStatus, JOB_STATUS_NAMES, mapCondorStatus } from '../src/index.js';

const NOW = 1_700_010_000;
const POLICY = { heldTimeout: 3600, removeHoldReasons: ['Job not found', 'Failed to start GAHP'] };
const ad = (extra: Partial<CondorJobAd>): CondorJobAd => ({ ClusterId: 12, ProcId: 3, raw: {}, ...extra });

describe('mapCondorStatus', () => {
  it.each([
    [{ JobStatus: 1 }, 'submitted', 'idle'],
    [{ JobStatus: 1, JobStartDate: NOW - 50 }, 'idle', 'idle'],
    [{ JobStatus: 7 }, 'submitted', 'suspended'],
    [{ JobStatus: 7, JobStartDate: NOW - 50 }, 'idle', 'suspended'],
    [{ JobStatus: 2 }, 'running', 'running'],
    [{ JobStatus: 6 }, 'running', 'transferring_output'],
    [{ JobStatus: 4, ExitCode: 0 }, 'finished', 'completed'],
    [{ JobStatus: 4, ExitCode: 3 }, 'failed', 'completed'],
    [{ JobStatus: 4 }, 'failed', 'completed'],
    [{ JobStatus: 4, ExitCode: { expr: 'undefined' } }, 'failed', 'completed'],
    [{ JobStatus: 4, ExitBySignal: true, ExitSignal: 9 }, 'failed', 'completed'],
    [{ JobStatus: 3, RemoveReason: 'via condor_rm (by user alice)' }, 'cancelled', 'removed'],
    [{ JobStatus: 5, EnteredCurrentStatus: NOW - 10, HoldReason: 'x' }, 'submitted', 'held'],
    [
      { JobStatus: 5, EnteredCurrentStatus: NOW - 10, HoldReason: 'x', JobStartDate: NOW - 60 },
      'idle',
      'held',
    ],
    [{ JobStatus: 5, EnteredCurrentStatus: NOW - 3601, HoldReason: 'x' }, 'cancelled', 'held'],
    [{ JobStatus: 5, EnteredCurrentStatus: NOW - 3600, HoldReason: 'x' }, 'submitted', 'held'],
    [{ JobStatus: 5, EnteredCurrentStatus: NOW, HoldReason: 'Job not found' }, 'cancelled', 'held'],
    [
      { JobStatus: 5, EnteredCurrentStatus: NOW, HoldReason: 'CE said: Failed to start GAHP (code 3)' },
      'cancelled',
      'held',
    ],
    // LastJobStatus 4 with JobStatus 3: a completed job removed afterwards (spooled jobs).
    [{ JobStatus: 3, LastJobStatus: 4, ExitCode: 0 }, 'finished', 'completed'],
    [{ JobStatus: 1, LastJobStatus: 3 }, 'cancelled', 'removed'],
  ] as Array<[Partial<CondorJobAd>, string, string]>)('%j → %s (%s)', (fields, status, native) => {
    const mapped = mapCondorStatus(ad(fields), NOW, POLICY);
    expect(mapped.report).toMatchObject({ kind: 'status', status });
    expect(mapped.nativeStatus).toBe(native);
  });

  it('exit codes and diagnostics', () => {
    expect(mapCondorStatus(ad({ JobStatus: 4, ExitCode: 0 }), NOW, POLICY)).toEqual({
      report: { kind: 'status', status: 'finished' },
      nativeStatus: 'completed',
      nativeExitCode: 0,
    });
    expect(mapCondorStatus(ad({ JobStatus: 4, ExitCode: 3 }), NOW, POLICY)).toEqual({
      report: { kind: 'status', status: 'failed', diag: 'HTCondor job 12.3 completed with exit code 3' },
      nativeStatus: 'completed',
      nativeExitCode: 3,
    });
    // A multiple of 256 (a wait status passed on as ExitCode): nativeExitCode stays HTCondor's,
    // as Harvester sets it; the diag names it divided by 256, as Harvester reads it for its pilot
    // error code (not mapped here).
    expect(mapCondorStatus(ad({ JobStatus: 4, ExitCode: 512 }), NOW, POLICY)).toEqual({
      report: {
        kind: 'status',
        status: 'failed',
        diag: 'HTCondor job 12.3 completed with exit code 512 (512 / 256 = 2, as Harvester reads it)',
      },
      nativeStatus: 'completed',
      nativeExitCode: 512,
    });
    expect(mapCondorStatus(ad({ JobStatus: 4, ExitCode: 257 }), NOW, POLICY).report).toMatchObject({
      diag: 'HTCondor job 12.3 completed with exit code 257',
    });
    expect(
      mapCondorStatus(ad({ JobStatus: 4, ExitBySignal: true, ExitSignal: 9 }), NOW, POLICY),
    ).toMatchObject({
      report: { diag: 'HTCondor job 12.3 was killed by signal 9' },
      nativeExitCode: 137,
    });
    expect(
      mapCondorStatus(
        ad({ JobStatus: 3, RemoveReason: 'via condor_rm (by user alice)', LastHoldReason: 'Job not found' }),
        NOW,
        POLICY,
      ).report,
    ).toEqual({
      kind: 'status',
      status: 'cancelled',
      diag: 'HTCondor job 12.3 was removed; RemoveReason: via condor_rm (by user alice); LastHoldReason: Job not found',
    });
  });

  it('held: ended (and to be removed) after heldTimeout or for a listed reason, not before', () => {
    const held = ad({
      JobStatus: 5,
      HoldReason: 'disk full',
      HoldReasonCode: 34,
      EnteredCurrentStatus: NOW - 100,
    });
    expect(mapCondorStatus(held, NOW, POLICY)).toEqual({
      report: {
        kind: 'status',
        status: 'submitted',
        diag: 'HTCondor job 12.3 is held: disk full (HoldReasonCode 34)',
      },
      nativeStatus: 'held',
    });
    const late = mapCondorStatus(held, NOW, { ...POLICY, heldTimeout: 60 });
    expect(late.removeHeld).toBe(true);
    expect(late.report).toMatchObject({
      status: 'cancelled',
      diag: expect.stringContaining('held for 100 s (more than heldTimeout 60 s): disk full'),
    });
    const listed = mapCondorStatus(ad({ JobStatus: 5, HoldReason: 'Job not found' }), NOW, POLICY);
    expect(listed.removeHeld).toBe(true);
    expect(
      mapCondorStatus(ad({ JobStatus: 5, HoldReason: 'Job not found' }), NOW, {
        ...POLICY,
        removeHoldReasons: [],
      }).removeHeld,
    ).toBeUndefined();
  });

  it('a status that is not in the table is never guessed', () => {
    expect(mapCondorStatus(ad({ JobStatus: 9 }), NOW, POLICY)).toEqual({
      report: { kind: 'retry', diag: 'HTCondor job 12.3 has a JobStatus this plugin does not know: 9' },
      nativeStatus: 'unknown:9',
    });
    expect(mapCondorStatus(ad({}), NOW, POLICY).report).toEqual({
      kind: 'retry',
      diag: 'HTCondor job 12.3 has no JobStatus',
    });
  });

  it('names and LastJobStatus', () => {
    expect(Object.values(JOB_STATUS_NAMES)).toEqual([
      'idle',
      'running',
      'removed',
      'completed',
      'held',
      'transferring_output',
      'suspended',
    ]);
    expect(effectiveJobStatus({ JobStatus: 3, LastJobStatus: 4 })).toBe(4);
    expect(effectiveJobStatus({ JobStatus: 5, LastJobStatus: 2 })).toBe(5);
    expect(effectiveJobStatus({ JobStatus: 3, LastJobStatus: 5 })).toBe(3);
  });
});
