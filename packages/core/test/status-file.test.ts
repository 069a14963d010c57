import { IllegalTransitionError } from '../src/errors.js';
import {
  assertFileTransition,
  checkFileTransition,
  FILE_KINDS,
  FILE_STATUSES,
  FILE_TYPES,
  type FileKind,
  type FileType,
  fileKindOf,
  fileStatusesOf,
  nextFileStatuses,
} from '../src/status/index.js';

// Expected file machines, one per kind, over ALL file statuses (rows: from, columns: to).
//   =  unchanged   Y  allowed   .  refused   -  refused: a status of another kind of file
// Status codes used as headers:
const ST = {
  tp: 'to_prepare',
  tg: 'triggered',
  pg: 'preparing',
  re: 'ready',
  de: 'defined',
  pe: 'pending',
  zg: 'zipping',
  zd: 'zipped',
  pz: 'post_zipping',
  tr: 'transferring',
  fi: 'finished',
  rn: 'renewed',
  do: 'done',
  fa: 'failed',
} as const;

const INPUT = `
  from/to tp tg pg re de pe zg zd pz tr fi rn do fa
  tp      =  Y  Y  Y  -  -  -  -  -  -  -  -  -  Y
  tg      .  =  Y  Y  -  -  -  -  -  -  -  -  -  Y
  pg      .  .  =  Y  -  -  -  -  -  -  -  -  -  Y
  re      .  .  .  =  -  -  -  -  -  -  -  -  -  .
  de      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  pe      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  zg      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  zd      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  pz      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  tr      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  fi      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  rn      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  do      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  fa      .  .  .  .  -  -  -  -  -  -  -  -  -  =
`;

const OUTPUT = `
  from/to tp tg pg re de pe zg zd pz tr fi rn do fa
  tp      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  tg      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  pg      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  re      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  de      -  -  -  -  =  .  Y  Y  .  Y  Y  -  -  Y
  pe      -  -  -  -  Y  =  Y  Y  .  .  .  -  -  Y
  zg      -  -  -  -  .  .  =  .  Y  Y  Y  -  -  Y
  zd      -  -  -  -  .  .  .  =  .  .  Y  -  -  Y
  pz      -  -  -  -  .  .  .  .  =  Y  Y  -  -  Y
  tr      -  -  -  -  .  .  .  .  .  =  Y  -  -  Y
  fi      -  -  -  -  .  .  .  .  .  .  =  -  -  .
  rn      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  do      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  fa      -  -  -  -  .  .  .  .  .  .  .  -  -  =
`;

const CHECKPOINT = `
  from/to tp tg pg re de pe zg zd pz tr fi rn do fa
  tp      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  tg      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  pg      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  re      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  de      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  pe      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  zg      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  zd      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  pz      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  tr      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  fi      -  -  -  -  -  -  -  -  -  -  -  -  -  -
  rn      -  -  -  -  -  -  -  -  -  -  -  =  Y  -
  do      -  -  -  -  -  -  -  -  -  -  -  .  =  -
  fa      -  -  -  -  -  -  -  -  -  -  -  -  -  -
`;

// Which machine each file type follows.
const KIND_OF: Record<FileType, FileKind> = {
  input: 'input',
  aux_input: 'input',
  output: 'output',
  log: 'output',
  es_output: 'output',
  zip_output: 'output',
  checkpoint: 'checkpoint',
};

interface Matrix {
  rows: string[];
  cols: string[];
  cells: Map<string, Record<string, string>>;
}

function parseMatrix(text: string, names: Record<string, string>): Matrix {
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

const MATRICES: Record<FileKind, Matrix> = {
  input: parseMatrix(INPUT, ST),
  output: parseMatrix(OUTPUT, ST),
  checkpoint: parseMatrix(CHECKPOINT, ST),
};

function cellOf(fileType: string, from: string, to: string): string {
  const check = checkFileTransition(fileType, from, to);
  if (check.ok) return check.changed ? 'Y' : '=';
  return /is not a status of \w+ files/.test(check.reason) ? '-' : '.';
}

/** Statuses of a kind according to the expected table: those whose diagonal is '='. */
function kindStatuses(kind: FileKind): string[] {
  const m = MATRICES[kind];
  return m.rows.filter((s) => m.cells.get(s)?.[s] === '=');
}

describe('file transitions: exhaustive tables', () => {
  it('the expected tables cover exactly the file statuses, kinds and types', () => {
    for (const kind of FILE_KINDS) {
      expect(MATRICES[kind].rows).toEqual([...FILE_STATUSES]);
      expect(MATRICES[kind].cols).toEqual([...FILE_STATUSES]);
    }
    expect(Object.keys(MATRICES).sort()).toEqual([...FILE_KINDS].sort());
    expect(Object.keys(KIND_OF).sort()).toEqual([...FILE_TYPES].sort());
  });

  const cases = FILE_TYPES.flatMap((fileType) => FILE_STATUSES.map((from) => [fileType, from] as const));

  it.each(cases)('%s file from %s: every target as in the table of its kind', (fileType, from) => {
    const expected = MATRICES[KIND_OF[fileType]].cells.get(from);
    const actual = Object.fromEntries(FILE_STATUSES.map((to) => [to, cellOf(fileType, from, to)]));
    expect(actual).toEqual(expected);
  });

  it.each(cases)('%s file from %s: nextFileStatuses lists the Y cells', (fileType, from) => {
    const row = MATRICES[KIND_OF[fileType]].cells.get(from) ?? {};
    const expected = FILE_STATUSES.filter((to) => row[to] === 'Y');
    expect([...nextFileStatuses(fileType, from)].sort()).toEqual([...expected].sort());
  });

  it.each(cases)('%s file from %s: assert throws exactly for refused cells', (fileType, from) => {
    const row = MATRICES[KIND_OF[fileType]].cells.get(from) ?? {};
    for (const to of FILE_STATUSES) {
      if (row[to] === '.' || row[to] === '-') {
        expect(() => assertFileTransition(fileType, from, to)).toThrow(IllegalTransitionError);
      } else {
        expect([to, assertFileTransition(fileType, from, to)]).toEqual([to, row[to] === 'Y']);
      }
    }
  });

  it.each([...FILE_TYPES])('%s: fileKindOf and fileStatusesOf', (fileType) => {
    const kind = KIND_OF[fileType];
    expect(fileKindOf(fileType)).toBe(kind);
    expect([...fileStatusesOf(fileType)]).toEqual(kindStatuses(kind));
  });

  it('the statuses of each kind, spelled out', () => {
    expect(kindStatuses('input')).toEqual(['to_prepare', 'triggered', 'preparing', 'ready', 'failed']);
    expect(kindStatuses('output')).toEqual([
      'defined',
      'pending',
      'zipping',
      'zipped',
      'post_zipping',
      'transferring',
      'finished',
      'failed',
    ]);
    expect(kindStatuses('checkpoint')).toEqual(['renewed', 'done']);
  });
});

describe('file transitions: reasons', () => {
  it('names a status that belongs to another kind of file', () => {
    expect(checkFileTransition('output', 'defined', 'ready')).toEqual({
      ok: false,
      reason:
        'file status ready is not a status of output files (fileType output; ' +
        'output statuses: defined, pending, zipping, zipped, post_zipping, transferring, finished, failed)',
    });
    expect(checkFileTransition('log', 'to_prepare', 'defined').ok).toBe(false);
    expect(checkFileTransition('aux_input', 'renewed', 'done')).toEqual({
      ok: false,
      reason:
        'file status renewed is not a status of input files (fileType aux_input; ' +
        'input statuses: to_prepare, triggered, preparing, ready, failed)',
    });
    expect(checkFileTransition('checkpoint', 'renewed', 'failed')).toEqual({
      ok: false,
      reason:
        'file status failed is not a status of checkpoint files (fileType checkpoint; checkpoint statuses: renewed, done)',
    });
  });

  it('explains finality and a missing edge', () => {
    expect(checkFileTransition('input', 'ready', 'preparing')).toEqual({
      ok: false,
      reason: 'input file status ready is final',
    });
    expect(checkFileTransition('zip_output', 'zipped', 'transferring')).toEqual({
      ok: false,
      reason: 'output file status zipped cannot change to transferring (allowed: finished, failed)',
    });
  });

  it('refuses an unknown file type or status with a reason', () => {
    expect(checkFileTransition('sandbox', 'defined', 'finished')).toEqual({
      ok: false,
      reason: 'unknown file type "sandbox"',
    });
    expect(checkFileTransition('output', 'lost', 'finished')).toEqual({
      ok: false,
      reason: 'unknown file status "lost"',
    });
    expect(checkFileTransition('output', 'defined', 'constructor')).toEqual({
      ok: false,
      reason: 'unknown file status "constructor"',
    });
    expect(fileKindOf('sandbox')).toBeUndefined();
    expect(fileStatusesOf('sandbox')).toEqual([]);
    expect(nextFileStatuses('sandbox', 'defined')).toEqual([]);
    expect(nextFileStatuses('output', 'ready')).toEqual([]);
  });

  it('assertFileTransition throws IllegalTransitionError naming from, to and the file type', () => {
    expect(assertFileTransition('log', 'defined', 'transferring')).toBe(true);
    expect(assertFileTransition('log', 'finished', 'finished')).toBe(false);
    try {
      assertFileTransition('output', 'finished', 'transferring', { fileID: 12, lfn: 'out.root' });
      throw new Error('not thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(IllegalTransitionError);
      const err = e as IllegalTransitionError;
      expect(err.message).toBe(
        'illegal file transition finished -> transferring: output file status finished is final',
      );
      expect([err.entity, err.from, err.to]).toEqual(['file', 'finished', 'transferring']);
      expect(err.context).toEqual({
        entity: 'file',
        from: 'finished',
        to: 'transferring',
        fileType: 'output',
        fileID: 12,
        lfn: 'out.root',
      });
    }
  });
});
