import { IllegalTransitionError } from '../src/errors.js';
import {
  assertJobStatusTransition,
  assertJobSubStatusTransition,
  assertJobTransition,
  checkJobStatusConsistency,
  checkJobStatusTransition,
  checkJobSubStatusTransition,
  checkJobTransition,
  formatJobStatusPair,
  JOB_STATUSES,
  JOB_SUB_STATUSES,
  type JobStatusPairLike,
  jobStatusesForSubStatus,
  nextJobStatuses,
  nextJobSubStatuses,
} from '../src/status/index.js';

// ---- expected tables, written out pair by pair ----------------------------------------------
//   =  unchanged (allowed, nothing to record)   Y  allowed   .  refused
//   ?  allowed only when the new subStatus is failed_to_stage_out

const STATUS_TABLE = `
  from/to    starting running finished failed cancelled missed
  starting      =        Y       Y       Y       Y        Y
  running       .        =       Y       Y       Y        Y
  finished      .        .       =       ?       .        .
  failed        .        .       .       =       .        .
  cancelled     .        .       .       .       =        .
  missed        .        .       .       .       .        =
`;

// Sub status codes used as column headers below.
const SUB = {
  fe: 'fetched',
  pg: 'preparing',
  pd: 'prepared',
  qu: 'queued',
  su: 'submitted',
  re: 'ready',
  ru: 'running',
  id: 'idle',
  tt: 'to_transfer',
  tr: 'transferring',
  st: 'staged',
  do: 'done',
  fp: 'failed_to_prepare',
  fm: 'failed_to_make',
  fs: 'failed_to_stage_out',
  ki: 'killed',
  mi: 'missed',
} as const;

const SUB_STATUS_TABLE = `
  from/to  fe pg pd qu su re ru id tt tr st do fp fm fs ki mi
  fe       =  Y  Y  .  .  .  .  .  .  .  .  .  Y  .  .  Y  .
  pg       .  =  Y  .  .  .  .  .  .  .  .  .  Y  .  .  Y  .
  pd       .  .  =  Y  Y  .  .  .  .  .  .  .  .  Y  .  Y  Y
  qu       .  .  Y  =  Y  Y  Y  Y  Y  .  .  .  .  .  .  Y  Y
  su       .  .  Y  .  =  Y  Y  Y  Y  .  .  .  .  .  .  Y  Y
  re       .  .  .  .  .  =  Y  Y  Y  .  .  .  .  .  .  Y  Y
  ru       .  .  .  .  .  Y  =  Y  Y  .  .  .  .  .  .  Y  Y
  id       .  .  .  .  .  Y  Y  =  Y  .  .  .  .  .  .  Y  Y
  tt       .  .  .  .  .  .  .  .  =  Y  Y  Y  .  .  Y  .  .
  tr       .  .  .  .  .  .  .  .  .  =  Y  .  .  .  Y  .  .
  st       .  .  .  .  .  .  .  .  .  .  =  Y  .  .  .  .  .
  do       .  .  .  .  .  .  .  .  .  .  .  =  .  .  .  .  .
  fp       .  .  .  .  .  .  .  .  .  .  .  Y  =  .  .  .  .
  fm       .  .  .  .  .  .  .  .  .  .  .  Y  .  =  .  .  .
  fs       .  .  .  .  .  .  .  .  .  .  .  Y  .  .  =  .  .
  ki       .  .  .  .  .  .  .  .  .  .  .  Y  .  .  .  =  .
  mi       .  .  .  .  .  .  .  .  .  .  .  Y  .  .  .  .  =
`;

// Which sub statuses go with which status (Y consistent, . inconsistent).
const CONSISTENCY_TABLE = `
  status/sub fe pg pd qu su re ru id tt tr st do fp fm fs ki mi
  starting   Y  Y  Y  Y  Y  Y  .  .  .  .  .  .  .  .  .  .  .
  running    .  .  .  .  .  Y  Y  Y  .  .  .  .  .  .  .  .  .
  finished   .  .  .  .  .  .  .  .  Y  Y  Y  Y  .  .  .  .  .
  failed     .  .  .  .  .  .  .  .  Y  Y  Y  Y  Y  Y  Y  .  .
  cancelled  .  .  .  .  .  .  .  .  Y  Y  Y  Y  .  .  Y  Y  .
  missed     .  .  .  .  .  .  .  .  .  .  .  Y  .  .  .  .  Y
`;

interface Matrix {
  rows: string[];
  cols: string[];
  cells: Map<string, Record<string, string>>;
}

/** Parses a table; `names` expands header/row codes to status names. */
function parseMatrix(text: string, names: Record<string, string> = {}): Matrix {
  const expand = (code: string): string => names[code] ?? code;
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const cols = (lines[0] ?? '').split(/\s+/).slice(1).map(expand);
  const rows: string[] = [];
  const cells = new Map<string, Record<string, string>>();
  for (const line of lines.slice(1)) {
    const [code = '', ...values] = line.split(/\s+/);
    if (values.length !== cols.length) throw new Error(`row ${code} has ${values.length} cells`);
    rows.push(expand(code));
    cells.set(expand(code), Object.fromEntries(cols.map((c, i) => [c, values[i] ?? '!'])));
  }
  return { rows, cols, cells };
}

function cell(m: Matrix, row: string, col: string): string {
  const value = m.cells.get(row)?.[col];
  if (value === undefined) throw new Error(`no cell ${row}/${col}`);
  return value;
}

const statusM = parseMatrix(STATUS_TABLE);
const subM = parseMatrix(SUB_STATUS_TABLE, SUB);
const consM = parseMatrix(CONSISTENCY_TABLE, SUB);

function cellOf(check: { ok: boolean; changed?: boolean }): string {
  if (!check.ok) return '.';
  return check.changed ? 'Y' : '=';
}

// ---- status ---------------------------------------------------------------------------------

describe('job status transitions: exhaustive table', () => {
  it('the expected table covers exactly the job status constants', () => {
    expect(statusM.rows).toEqual([...JOB_STATUSES]);
    expect(statusM.cols).toEqual([...JOB_STATUSES]);
  });

  it.each([...JOB_STATUSES])('from %s, for every new subStatus (and none): as in the table', (from) => {
    for (const newSub of [undefined, ...JOB_SUB_STATUSES]) {
      const actual = Object.fromEntries(
        JOB_STATUSES.map((to) => [to, cellOf(checkJobStatusTransition(from, to, newSub))]),
      );
      const expected = Object.fromEntries(
        JOB_STATUSES.map((to) => {
          const c = cell(statusM, from, to);
          return [to, c === '?' ? (newSub === 'failed_to_stage_out' ? 'Y' : '.') : c];
        }),
      );
      expect({ newSub, row: actual }).toEqual({ newSub, row: expected });
    }
  });

  it.each([...JOB_STATUSES])('from %s: nextJobStatuses lists the allowed targets', (from) => {
    const row = statusM.cells.get(from) ?? {};
    const plain = JOB_STATUSES.filter((to) => row[to] === 'Y');
    const withStageOutFailure = JOB_STATUSES.filter((to) => row[to] === 'Y' || row[to] === '?');
    expect([...nextJobStatuses(from)].sort()).toEqual([...plain].sort());
    expect([...nextJobStatuses(from, 'failed_to_stage_out')].sort()).toEqual([...withStageOutFailure].sort());
  });

  it('finished -> failed: explained refusal without failed_to_stage_out', () => {
    expect(checkJobStatusTransition('finished', 'failed')).toEqual({
      ok: false,
      reason: 'job status finished may become failed only with subStatus failed_to_stage_out (got undefined)',
    });
    expect(checkJobStatusTransition('finished', 'failed', 'to_transfer')).toEqual({
      ok: false,
      reason:
        'job status finished may become failed only with subStatus failed_to_stage_out (got "to_transfer")',
    });
    expect(checkJobStatusTransition('finished', 'failed', 'failed_to_stage_out')).toEqual({
      ok: true,
      changed: true,
    });
    expect(checkJobStatusTransition('finished', 'cancelled', 'failed_to_stage_out')).toEqual({
      ok: false,
      reason: 'job status finished is final (it may only become failed, with subStatus failed_to_stage_out)',
    });
  });

  it('reverse and out-of-final changes carry reasons', () => {
    expect(checkJobStatusTransition('running', 'starting')).toEqual({
      ok: false,
      reason: 'job status running cannot change to starting (allowed: finished, failed, cancelled, missed)',
    });
    expect(checkJobStatusTransition('failed', 'finished')).toEqual({
      ok: false,
      reason: 'job status failed is final',
    });
  });

  it('refuses unknown statuses with a reason', () => {
    expect(checkJobStatusTransition('transferring', 'finished')).toEqual({
      ok: false,
      reason: 'unknown job status "transferring"',
    });
    expect(checkJobStatusTransition('finished', 'closed')).toEqual({
      ok: false,
      reason: 'unknown job status "closed"',
    });
    expect(nextJobStatuses('closed')).toEqual([]);
  });

  it('assertJobStatusTransition throws IllegalTransitionError naming from and to', () => {
    expect(assertJobStatusTransition('starting', 'running')).toBe(true);
    expect(assertJobStatusTransition('running', 'running')).toBe(false);
    expect(assertJobStatusTransition('finished', 'failed', 'failed_to_stage_out')).toBe(true);
    let caught: unknown;
    try {
      assertJobStatusTransition('cancelled', 'running', undefined, { PandaID: 7 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(IllegalTransitionError);
    const err = caught as IllegalTransitionError;
    expect(err.message).toBe('illegal job transition cancelled -> running: job status cancelled is final');
    expect([err.entity, err.from, err.to]).toEqual(['job', 'cancelled', 'running']);
    expect(err.context).toMatchObject({ PandaID: 7 });
  });
});

// ---- subStatus ------------------------------------------------------------------------------

describe('job subStatus transitions: exhaustive table', () => {
  it('the expected table covers exactly the job subStatus constants', () => {
    expect(subM.rows).toEqual([...JOB_SUB_STATUSES]);
    expect(subM.cols).toEqual([...JOB_SUB_STATUSES]);
  });

  it.each([...JOB_SUB_STATUSES])('from %s: every target as in the table', (from) => {
    const actual = Object.fromEntries(
      JOB_SUB_STATUSES.map((to) => [to, cellOf(checkJobSubStatusTransition(from, to))]),
    );
    expect(actual).toEqual(subM.cells.get(from));
  });

  it.each([...JOB_SUB_STATUSES])('from %s: nextJobSubStatuses lists the Y cells', (from) => {
    const row = subM.cells.get(from) ?? {};
    const expected = JOB_SUB_STATUSES.filter((to) => row[to] === 'Y');
    expect([...nextJobSubStatuses(from)].sort()).toEqual([...expected].sort());
  });

  it.each([...JOB_SUB_STATUSES])('from %s: assert throws exactly for the refused cells', (from) => {
    const row = subM.cells.get(from) ?? {};
    for (const to of JOB_SUB_STATUSES) {
      if (row[to] === '.') {
        expect(() => assertJobSubStatusTransition(from, to)).toThrow(IllegalTransitionError);
      } else {
        expect([to, assertJobSubStatusTransition(from, to)]).toEqual([to, row[to] === 'Y']);
      }
    }
  });

  it('no worker-mirrored sub status returns to submitted', () => {
    for (const from of ['ready', 'running', 'idle']) {
      const check = checkJobSubStatusTransition(from, 'submitted');
      expect(check.ok).toBe(false);
    }
  });

  it('refusals carry reasons; unknown sub statuses are refused', () => {
    expect(checkJobSubStatusTransition('done', 'to_transfer')).toEqual({
      ok: false,
      reason: 'job subStatus done is final',
    });
    expect(checkJobSubStatusTransition('running', 'prepared')).toEqual({
      ok: false,
      reason:
        'job subStatus running cannot change to prepared (allowed: ready, idle, to_transfer, killed, missed)',
    });
    expect(checkJobSubStatusTransition('pilot_closed', 'done')).toEqual({
      ok: false,
      reason: 'unknown job subStatus "pilot_closed"',
    });
    expect(checkJobSubStatusTransition('staged', 'finished')).toEqual({
      ok: false,
      reason: 'unknown job subStatus "finished"',
    });
    expect(nextJobSubStatuses('pilot_closed')).toEqual([]);
  });

  it('assertJobSubStatusTransition throws with entity jobSubStatus naming from and to', () => {
    expect(() => assertJobSubStatusTransition('staged', 'transferring', { PandaID: 1 })).toThrow(
      'illegal jobSubStatus transition staged -> transferring: ' +
        'job subStatus staged cannot change to transferring (allowed: done)',
    );
    try {
      assertJobSubStatusTransition('killed', 'running', { PandaID: 9 });
      throw new Error('not thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(IllegalTransitionError);
      const err = e as IllegalTransitionError;
      expect([err.entity, err.from, err.to, err.context.PandaID]).toEqual([
        'jobSubStatus',
        'killed',
        'running',
        9,
      ]);
    }
  });
});

// ---- (status, subStatus) --------------------------------------------------------------------

describe('job (status, subStatus) consistency', () => {
  it('the expected table covers every status and sub status', () => {
    expect(consM.rows).toEqual([...JOB_STATUSES]);
    expect(consM.cols).toEqual([...JOB_SUB_STATUSES]);
  });

  it.each([...JOB_STATUSES])('status %s: consistent exactly with the Y sub statuses', (status) => {
    const actual = Object.fromEntries(
      JOB_SUB_STATUSES.map((sub) => [sub, checkJobStatusConsistency(status, sub).ok ? 'Y' : '.']),
    );
    expect(actual).toEqual(consM.cells.get(status));
  });

  it.each([...JOB_SUB_STATUSES])('jobStatusesForSubStatus(%s) lists the Y rows', (sub) => {
    const expected = JOB_STATUSES.filter((s) => cell(consM, s, sub) === 'Y');
    expect(jobStatusesForSubStatus(sub)).toEqual(expected);
  });

  it('explains an inconsistent pair', () => {
    expect(checkJobStatusConsistency('failed', 'killed')).toEqual({
      ok: false,
      reason:
        'job status failed does not go with subStatus killed (subStatus killed goes with status cancelled)',
    });
    expect(checkJobStatusConsistency('starting', 'done')).toEqual({
      ok: false,
      reason:
        'job status starting does not go with subStatus done ' +
        '(subStatus done goes with status finished or failed or cancelled or missed)',
    });
    expect(checkJobStatusConsistency('running', 'missed')).toEqual({
      ok: false,
      reason:
        'job status running does not go with subStatus missed (subStatus missed goes with status missed)',
    });
  });

  it('refuses unknown parts', () => {
    expect(checkJobStatusConsistency('closed', 'done')).toEqual({
      ok: false,
      reason: 'unknown job status "closed"',
    });
    expect(checkJobStatusConsistency('failed', 'lost')).toEqual({
      ok: false,
      reason: 'unknown job subStatus "lost"',
    });
    expect(jobStatusesForSubStatus('lost')).toEqual([]);
  });

  it('documented rules', () => {
    // pre-run sub statuses only with starting
    for (const sub of ['fetched', 'preparing', 'prepared', 'queued', 'submitted']) {
      expect(jobStatusesForSubStatus(sub)).toEqual(['starting']);
    }
    // failure sub statuses pin the status
    expect(jobStatusesForSubStatus('failed_to_prepare')).toEqual(['failed']);
    expect(jobStatusesForSubStatus('failed_to_make')).toEqual(['failed']);
    expect(jobStatusesForSubStatus('failed_to_stage_out')).toEqual(['failed', 'cancelled']);
    expect(jobStatusesForSubStatus('killed')).toEqual(['cancelled']);
    expect(jobStatusesForSubStatus('missed')).toEqual(['missed']);
    // a missed job has nothing to transfer
    expect(checkJobStatusConsistency('missed', 'to_transfer').ok).toBe(false);
    // a final status only with a post-run sub status
    expect(jobStatusesForSubStatus('to_transfer')).toEqual(['finished', 'failed', 'cancelled']);
    expect(jobStatusesForSubStatus('done')).toEqual(['finished', 'failed', 'cancelled', 'missed']);
    // running never with a pre-run sub status, but with ready (worker idle -> ready after it ran)
    expect(jobStatusesForSubStatus('ready')).toEqual(['starting', 'running']);
    expect(jobStatusesForSubStatus('running')).toEqual(['running']);
    expect(jobStatusesForSubStatus('idle')).toEqual(['running']);
  });
});

describe('job pair transitions: exhaustive over every (status, subStatus) x (status, subStatus)', () => {
  const pairs: JobStatusPairLike[] = JOB_STATUSES.flatMap((status) =>
    JOB_SUB_STATUSES.map((subStatus) => ({ status, subStatus })),
  );

  /** The rule, written from the three expected tables above. */
  function expectedCell(from: JobStatusPairLike, to: JobStatusPairLike): string {
    const s = cell(statusM, from.status, to.status);
    const statusOk = s === '=' || s === 'Y' || (s === '?' && to.subStatus === 'failed_to_stage_out');
    const u = cell(subM, from.subStatus, to.subStatus);
    const subOk = u === '=' || u === 'Y';
    const consistent = cell(consM, to.status, to.subStatus) === 'Y';
    if (!(statusOk && subOk && consistent)) return '.';
    return s === '=' && u === '=' ? '=' : 'Y';
  }

  it('the check agrees with the tables for all pairs of pairs', () => {
    expect(pairs).toHaveLength(JOB_STATUSES.length * JOB_SUB_STATUSES.length);
    const mismatches: string[] = [];
    let allowed = 0;
    for (const from of pairs) {
      for (const to of pairs) {
        const expected = expectedCell(from, to);
        const actual = cellOf(checkJobTransition(from, to));
        if (actual !== expected) {
          mismatches.push(
            `${formatJobStatusPair(from)} -> ${formatJobStatusPair(to)}: ${actual} != ${expected}`,
          );
        }
        if (expected !== '.') allowed += 1;
      }
    }
    expect(mismatches).toEqual([]);
    // guards against the tables being emptied by mistake: some, but not most, changes are allowed
    expect(allowed).toBeGreaterThan(100);
    expect(allowed).toBeLessThan(pairs.length * pairs.length);
  });

  it('the assert variant throws exactly where the check refuses', () => {
    for (const from of pairs) {
      for (const to of pairs) {
        const check = checkJobTransition(from, to);
        if (check.ok) {
          expect(assertJobTransition(from, to)).toBe(check.changed);
        } else {
          expect(() => assertJobTransition(from, to)).toThrow(IllegalTransitionError);
        }
      }
    }
  });
});

describe('job pair transitions: lifecycles and documented rules', () => {
  const walk = (steps: [string, string][]): boolean[] =>
    steps.slice(1).map((to, i) => {
      const from = steps[i] as [string, string];
      return assertJobTransition(
        { status: from[0], subStatus: from[1] },
        { status: to[0], subStatus: to[1] },
        { PandaID: 1 },
      );
    });

  it('happy path: fetched ... done', () => {
    expect(
      walk([
        ['starting', 'fetched'],
        ['starting', 'preparing'],
        ['starting', 'prepared'],
        ['starting', 'submitted'],
        ['starting', 'ready'],
        ['running', 'running'],
        ['running', 'idle'],
        ['running', 'ready'],
        ['running', 'running'],
        ['finished', 'to_transfer'],
        ['finished', 'transferring'],
        ['finished', 'staged'],
        ['finished', 'done'],
      ]),
    ).toEqual(Array(12).fill(true));
  });

  it('late binding through queued, and a retry after a failed submission', () => {
    expect(
      walk([
        ['starting', 'prepared'],
        ['starting', 'queued'],
        ['starting', 'prepared'],
        ['starting', 'submitted'],
        ['starting', 'prepared'],
        ['starting', 'submitted'],
        ['missed', 'missed'],
        ['missed', 'done'],
      ]),
    ).toEqual(Array(7).fill(true));
  });

  it('stage-out failure after the payload finished turns finished into failed', () => {
    expect(
      walk([
        ['finished', 'to_transfer'],
        ['finished', 'transferring'],
        ['failed', 'failed_to_stage_out'],
        ['failed', 'done'],
      ]),
    ).toEqual([true, true, true]);
  });

  it('unchanged pair is allowed without a change', () => {
    expect(
      checkJobTransition(
        { status: 'running', subStatus: 'running' },
        { status: 'running', subStatus: 'running' },
      ),
    ).toEqual({ ok: true, changed: false });
    expect(
      checkJobTransition(
        { status: 'running', subStatus: 'running' },
        { status: 'running', subStatus: 'idle' },
      ),
    ).toEqual({ ok: true, changed: true });
  });

  it('refuses finished -> failed with any subStatus but failed_to_stage_out', () => {
    expect(
      checkJobTransition(
        { status: 'finished', subStatus: 'to_transfer' },
        { status: 'failed', subStatus: 'to_transfer' },
      ),
    ).toEqual({
      ok: false,
      reason:
        'status: job status finished may become failed only with subStatus failed_to_stage_out (got "to_transfer")',
    });
  });

  it('refuses an illegal subStatus change with a subStatus reason', () => {
    expect(
      checkJobTransition(
        { status: 'running', subStatus: 'running' },
        { status: 'running', subStatus: 'prepared' },
      ),
    ).toEqual({
      ok: false,
      reason:
        'subStatus: job subStatus running cannot change to prepared (allowed: ready, idle, to_transfer, killed, missed)',
    });
  });

  it('refuses legal parts that make an inconsistent pair', () => {
    // killed goes with cancelled, not failed
    expect(
      checkJobTransition(
        { status: 'running', subStatus: 'running' },
        { status: 'failed', subStatus: 'killed' },
      ),
    ).toEqual({
      ok: false,
      reason:
        'inconsistent target: job status failed does not go with subStatus killed ' +
        '(subStatus killed goes with status cancelled)',
    });
    // missed status goes with missed subStatus
    expect(
      checkJobTransition(
        { status: 'starting', subStatus: 'submitted' },
        { status: 'missed', subStatus: 'to_transfer' },
      ).ok,
    ).toBe(false);
    // a final status needs a post-run sub status
    expect(
      checkJobTransition(
        { status: 'running', subStatus: 'running' },
        { status: 'finished', subStatus: 'idle' },
      ).ok,
    ).toBe(false);
    // starting -> running must come with a running-side sub status
    expect(
      checkJobTransition(
        { status: 'starting', subStatus: 'submitted' },
        { status: 'running', subStatus: 'submitted' },
      ).ok,
    ).toBe(false);
    // cancelled with killed is fine from any pre-run or running state
    expect(
      checkJobTransition(
        { status: 'starting', subStatus: 'fetched' },
        { status: 'cancelled', subStatus: 'killed' },
      ),
    ).toEqual({ ok: true, changed: true });
  });

  it('moves a row that is inconsistent today to a consistent pair (only the target is checked)', () => {
    expect(
      checkJobTransition(
        { status: 'running', subStatus: 'submitted' },
        { status: 'running', subStatus: 'running' },
      ),
    ).toEqual({ ok: true, changed: true });
  });

  it('refuses unknown statuses in a pair with a reason', () => {
    expect(
      checkJobTransition(
        { status: 'running', subStatus: 'running' },
        { status: 'transferring', subStatus: 'done' },
      ),
    ).toEqual({ ok: false, reason: 'status: unknown job status "transferring"' });
    expect(
      checkJobTransition(
        { status: 'running', subStatus: 'bogus' },
        { status: 'running', subStatus: 'running' },
      ),
    ).toEqual({ ok: false, reason: 'subStatus: unknown job subStatus "bogus"' });
  });

  it('assertJobTransition names both pairs as status/subStatus', () => {
    try {
      assertJobTransition(
        { status: 'failed', subStatus: 'done' },
        { status: 'running', subStatus: 'running' },
        { PandaID: 4242 },
      );
      throw new Error('not thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(IllegalTransitionError);
      const err = e as IllegalTransitionError;
      expect(err.message).toBe(
        'illegal job transition failed/done -> running/running: status: job status failed is final',
      );
      expect([err.entity, err.from, err.to]).toEqual(['job', 'failed/done', 'running/running']);
      expect(err.context).toMatchObject({ PandaID: 4242, from: 'failed/done', to: 'running/running' });
    }
  });
});
