import { IllegalTransitionError } from '../src/errors.js';
import {
  assertWorkerTransition,
  canWorkerTransition,
  checkWorkerTransition,
  nextWorkerStatuses,
  WORKER_STATUSES,
  WORKER_TRANSITIONS,
  type WorkerStatus,
} from '../src/status/index.js';

// Expected worker machine, written out pair by pair (rows: from, columns: to).
//   =  unchanged (allowed, nothing to record)   Y  allowed   .  refused
const EXPECTED = `
  from/to   pending submitted running idle ready finished failed cancelled missed
  pending      =       Y         Y     .    .      .        .       Y        Y
  submitted    .       =         Y     Y    Y      Y        Y       Y        .
  running      .       .         =     Y    Y      Y        Y       Y        .
  idle         .       .         Y     =    Y      Y        Y       Y        .
  ready        .       .         Y     Y    =      Y        Y       Y        .
  finished     .       .         .     .    .      =        .       .        .
  failed       .       .         .     .    .      .        =       .        .
  cancelled    .       .         .     .    .      .        .       =        .
  missed       .       .         .     .    .      .        .       .        =
`;

interface Matrix {
  rows: string[];
  cols: string[];
  cells: Map<string, Record<string, string>>;
}

function parseMatrix(text: string): Matrix {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const cols = (lines[0] ?? '').split(/\s+/).slice(1);
  const rows: string[] = [];
  const cells = new Map<string, Record<string, string>>();
  for (const line of lines.slice(1)) {
    const [row = '', ...values] = line.split(/\s+/);
    if (values.length !== cols.length) throw new Error(`row ${row} has ${values.length} cells`);
    rows.push(row);
    cells.set(row, Object.fromEntries(cols.map((c, i) => [c, values[i] ?? '?'])));
  }
  return { rows, cols, cells };
}

function cellOf(from: string, to: string): string {
  const check = checkWorkerTransition(from, to);
  if (!check.ok) return '.';
  return check.changed ? 'Y' : '=';
}

const matrix = parseMatrix(EXPECTED);

describe('worker transitions: exhaustive table', () => {
  it('the expected table covers exactly the worker status constants', () => {
    expect(matrix.rows).toEqual([...WORKER_STATUSES]);
    expect(matrix.cols).toEqual([...WORKER_STATUSES]);
  });

  it.each([...WORKER_STATUSES])('from %s: every target as in the table', (from) => {
    const actual = Object.fromEntries(WORKER_STATUSES.map((to) => [to, cellOf(from, to)]));
    expect(actual).toEqual(matrix.cells.get(from));
  });

  it.each([...WORKER_STATUSES])('from %s: canWorkerTransition agrees with the table', (from) => {
    const row = matrix.cells.get(from) ?? {};
    for (const to of WORKER_STATUSES) {
      expect([to, canWorkerTransition(from, to)]).toEqual([to, row[to] !== '.']);
    }
  });

  it.each([...WORKER_STATUSES])('from %s: nextWorkerStatuses lists the Y cells', (from) => {
    const row = matrix.cells.get(from) ?? {};
    const expected = WORKER_STATUSES.filter((to) => row[to] === 'Y');
    expect([...nextWorkerStatuses(from)].sort()).toEqual([...expected].sort());
  });

  it('refusals carry a reason naming both statuses or finality', () => {
    const reverse = checkWorkerTransition('running', 'submitted');
    expect(reverse).toEqual({
      ok: false,
      reason:
        'worker status running cannot change to submitted (allowed: idle, ready, finished, failed, cancelled)',
    });
    expect(checkWorkerTransition('finished', 'running')).toEqual({
      ok: false,
      reason: 'worker status finished is final',
    });
    expect(checkWorkerTransition('missed', 'submitted')).toEqual({
      ok: false,
      reason: 'worker status missed is final',
    });
  });

  it('unchanged is allowed without a change, a real change is flagged', () => {
    expect(checkWorkerTransition('running', 'running')).toEqual({ ok: true, changed: false });
    expect(checkWorkerTransition('cancelled', 'cancelled')).toEqual({ ok: true, changed: false });
    expect(checkWorkerTransition('submitted', 'running')).toEqual({ ok: true, changed: true });
  });
});

describe('worker transitions: unknown statuses', () => {
  it('refuses an unknown source status with a reason', () => {
    expect(checkWorkerTransition('queued', 'running')).toEqual({
      ok: false,
      reason: 'unknown worker status "queued"',
    });
  });

  it('refuses an unknown target status with a reason', () => {
    expect(checkWorkerTransition('running', 'RUNNING')).toEqual({
      ok: false,
      reason: 'unknown worker status "RUNNING"',
    });
  });

  it('refuses equal unknown statuses instead of calling them unchanged', () => {
    expect(checkWorkerTransition('bogus', 'bogus')).toEqual({
      ok: false,
      reason: 'unknown worker status "bogus"',
    });
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', ''])(
    'refuses the object-prototype-like name %j',
    (name) => {
      expect(checkWorkerTransition(name, 'running')).toEqual({
        ok: false,
        reason: `unknown worker status ${JSON.stringify(name)}`,
      });
      expect(checkWorkerTransition('submitted', name)).toEqual({
        ok: false,
        reason: `unknown worker status ${JSON.stringify(name)}`,
      });
      expect(nextWorkerStatuses(name)).toEqual([]);
    },
  );

  it('refuses non-string values read from outside instead of crashing', () => {
    const nothing = undefined as unknown as string;
    const number = 3 as unknown as string;
    expect(checkWorkerTransition(nothing, 'running')).toEqual({
      ok: false,
      reason: 'unknown worker status undefined',
    });
    expect(checkWorkerTransition('running', number)).toEqual({
      ok: false,
      reason: 'unknown worker status 3',
    });
    expect(nextWorkerStatuses(nothing)).toEqual([]);
  });
});

describe('assertWorkerTransition', () => {
  it('returns true for a change and false for unchanged', () => {
    expect(assertWorkerTransition('pending', 'submitted')).toBe(true);
    expect(assertWorkerTransition('idle', 'idle')).toBe(false);
  });

  it('throws IllegalTransitionError naming entity, from, to, reason and context', () => {
    let caught: unknown;
    try {
      assertWorkerTransition('running', 'submitted', { workerID: 42, queue: 'CERN' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(IllegalTransitionError);
    const err = caught as IllegalTransitionError;
    expect(err.message).toBe(
      'illegal worker transition running -> submitted: worker status running cannot change to submitted ' +
        '(allowed: idle, ready, finished, failed, cancelled)',
    );
    expect(err.code).toBe('ILLEGAL_TRANSITION');
    expect(err.entity).toBe('worker');
    expect(err.from).toBe('running');
    expect(err.to).toBe('submitted');
    expect(err.context).toEqual({
      entity: 'worker',
      from: 'running',
      to: 'submitted',
      workerID: 42,
      queue: 'CERN',
    });
  });

  it('throws for a final status and for an unknown status', () => {
    expect(() => assertWorkerTransition('failed', 'running')).toThrow(
      'illegal worker transition failed -> running: worker status failed is final',
    );
    expect(() => assertWorkerTransition('running', 'lost')).toThrow(
      'illegal worker transition running -> lost: unknown worker status "lost"',
    );
  });

  it.each([...WORKER_STATUSES])('from %s: throws exactly for the refused cells', (from) => {
    const row = matrix.cells.get(from) ?? {};
    for (const to of WORKER_STATUSES) {
      const cell = row[to];
      if (cell === '.') {
        expect(() => assertWorkerTransition(from, to)).toThrow(IllegalTransitionError);
      } else {
        expect([to, assertWorkerTransition(from, to)]).toEqual([to, cell === 'Y']);
      }
    }
  });
});

describe('worker transition table', () => {
  it('is frozen', () => {
    expect(Object.isFrozen(WORKER_TRANSITIONS)).toBe(true);
    expect(() => (WORKER_TRANSITIONS.finished as WorkerStatus[]).push('running')).toThrow(TypeError);
    expect(checkWorkerTransition('finished', 'running').ok).toBe(false);
  });
});
