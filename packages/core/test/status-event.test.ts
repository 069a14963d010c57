import { IllegalTransitionError } from '../src/errors.js';
import {
  assertEventSubStatusTransition,
  checkEventSubStatusTransition,
  EVENT_SUB_STATUSES,
  nextEventSubStatuses,
} from '../src/status/index.js';

// Expected event subStatus machine (rows: from, columns: to).
//   =  unchanged   Y  allowed   .  refused
const EXPECTED = `
  from/to       running transferring finished failed done
  running          =         Y          Y       Y     .
  transferring     .         =          Y       Y     .
  finished         .         .          =       .     Y
  failed           .         .          .       =     Y
  done             .         .          .       .     =
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
    cells.set(row, Object.fromEntries(cols.map((c, i) => [c, values[i] ?? '!'])));
  }
  return { rows, cols, cells };
}

const matrix = parseMatrix(EXPECTED);

function cellOf(from: string, to: string): string {
  const check = checkEventSubStatusTransition(from, to);
  if (!check.ok) return '.';
  return check.changed ? 'Y' : '=';
}

describe('event subStatus transitions: exhaustive table', () => {
  it('the expected table covers exactly the event subStatus constants', () => {
    expect(matrix.rows).toEqual([...EVENT_SUB_STATUSES]);
    expect(matrix.cols).toEqual([...EVENT_SUB_STATUSES]);
  });

  it.each([...EVENT_SUB_STATUSES])('from %s: every target as in the table', (from) => {
    const actual = Object.fromEntries(EVENT_SUB_STATUSES.map((to) => [to, cellOf(from, to)]));
    expect(actual).toEqual(matrix.cells.get(from));
  });

  it.each([...EVENT_SUB_STATUSES])('from %s: nextEventSubStatuses lists the Y cells', (from) => {
    const row = matrix.cells.get(from) ?? {};
    const expected = EVENT_SUB_STATUSES.filter((to) => row[to] === 'Y');
    expect([...nextEventSubStatuses(from)].sort()).toEqual([...expected].sort());
  });

  it.each([...EVENT_SUB_STATUSES])('from %s: assert throws exactly for refused cells', (from) => {
    const row = matrix.cells.get(from) ?? {};
    for (const to of EVENT_SUB_STATUSES) {
      if (row[to] === '.') {
        expect(() => assertEventSubStatusTransition(from, to)).toThrow(IllegalTransitionError);
      } else {
        expect([to, assertEventSubStatusTransition(from, to)]).toEqual([to, row[to] === 'Y']);
      }
    }
  });
});

describe('event subStatus transitions: reasons', () => {
  it('explains finality and a skipped step', () => {
    expect(checkEventSubStatusTransition('done', 'running')).toEqual({
      ok: false,
      reason: 'event subStatus done is final',
    });
    expect(checkEventSubStatusTransition('running', 'done')).toEqual({
      ok: false,
      reason: 'event subStatus running cannot change to done (allowed: transferring, finished, failed)',
    });
  });

  it('refuses unknown sub statuses (including event statuses that are not sub statuses)', () => {
    expect(checkEventSubStatusTransition('running', 'fatal')).toEqual({
      ok: false,
      reason: 'unknown event subStatus "fatal"',
    });
    expect(checkEventSubStatusTransition('cancelled', 'done')).toEqual({
      ok: false,
      reason: 'unknown event subStatus "cancelled"',
    });
    expect(nextEventSubStatuses('fatal')).toEqual([]);
  });

  it('assertEventSubStatusTransition throws IllegalTransitionError naming from and to', () => {
    expect(assertEventSubStatusTransition('finished', 'done')).toBe(true);
    try {
      assertEventSubStatusTransition('failed', 'finished', { eventRangeID: '1-2-3-4', PandaID: 5 });
      throw new Error('not thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(IllegalTransitionError);
      const err = e as IllegalTransitionError;
      expect(err.message).toBe(
        'illegal event transition failed -> finished: event subStatus failed cannot change to finished (allowed: done)',
      );
      expect([err.entity, err.from, err.to]).toEqual(['event', 'failed', 'finished']);
      expect(err.context).toMatchObject({ eventRangeID: '1-2-3-4', PandaID: 5 });
    }
  });
});
