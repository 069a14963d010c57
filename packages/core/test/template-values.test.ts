import {
  coreFactorOf,
  logSubdirOf,
  logUrlOf,
  placeholderValueProblem,
  renderPlaceholders,
  SAFE_WORD,
  unsafePathProblem,
  workerResourceValues,
} from '../src/index.js';

describe('SAFE_WORD and unsafePathProblem', () => {
  it('accepts letters, digits and _./:@+=,- only', () => {
    expect(SAFE_WORD.test('abc-1_2.3/x:y@z+a=b,c')).toBe(true);
    expect(SAFE_WORD.test('')).toBe(true);
    expect(SAFE_WORD.test('a b')).toBe(false);
    expect(SAFE_WORD.test("it's")).toBe(false);
    expect(SAFE_WORD.test('$HOME')).toBe(false);
  });

  it('names why a path is unsafe', () => {
    expect(unsafePathProblem('/data/hv/00/12')).toBeUndefined();
    expect(unsafePathProblem('data/hv')).toBe('is not an absolute path');
    expect(unsafePathProblem('/data/h v')).toBe('has characters other than letters, digits and _./:@+=,-');
    expect(unsafePathProblem('/data/../etc')).toBe("has '.' or '..' components");
    expect(unsafePathProblem('/data/./x')).toBe("has '.' or '..' components");
  });
});

describe('placeholderValueProblem', () => {
  it('checks integers', () => {
    expect(placeholderValueProblem('integer', 3, 'x')).toBeUndefined();
    expect(placeholderValueProblem('integer', 0, 'x')).toBeUndefined();
    for (const bad of [1.5, -1, '3', Number.NaN, 2 ** 60]) {
      expect(placeholderValueProblem('integer', bad, 'x')).toBe('is not a non-negative integer');
    }
  });

  it('checks paths', () => {
    expect(placeholderValueProblem('path', '/a/b', 'x')).toBeUndefined();
    expect(placeholderValueProblem('path', 3, 'x')).toBe('is not a path');
    expect(placeholderValueProblem('path', 'a/b', 'x')).toBe('is not an absolute path');
  });

  it('checks words, naming where they go', () => {
    expect(placeholderValueProblem('word', 'site-1', 'x')).toBeUndefined();
    expect(placeholderValueProblem('word', 42, 'x')).toBeUndefined();
    expect(placeholderValueProblem('word', '', 'x')).toBeUndefined();
    expect(placeholderValueProblem('word', ['a'], 'x')).toBe('is not a string');
    expect(placeholderValueProblem('word', 'a b', 'a shell script')).toBe(
      'has characters other than letters, digits and _./:@+=,- (not safe in a shell script)',
    );
  });
});

describe('renderPlaceholders', () => {
  const placeholders = { a: { needs: undefined }, b: { needs: 'bOption' } };
  const segments = [{ text: 'x=' }, { name: 'a' }, { text: ' y=' }, { name: 'b' }];
  const fail = (name: string, message: string) => Object.assign(new Error(message), { placeholder: name });
  const format = (seg: { name: string }, _spec: unknown, value: string) => `<${seg.name}:${value}>`;

  it('copies text and formats each placeholder', () => {
    expect(renderPlaceholders(segments, { placeholders, values: { a: '1', b: '2' }, format, fail })).toBe(
      'x=<a:1> y=<b:2>',
    );
  });

  it('fails on an unknown placeholder, suggesting a known one', () => {
    expect(() =>
      renderPlaceholders([{ name: 'aa' }], { placeholders, values: { aa: '1' }, format, fail }),
    ).toThrow(/^unknown placeholder \{aa\}.*\ba\b/);
  });

  it('fails on a placeholder without a value, naming the option it needs', () => {
    expect(() => renderPlaceholders(segments, { placeholders, values: { a: '1' }, format, fail })).toThrow(
      'placeholder {b} has no value (set the option bOption)',
    );
    expect(() => renderPlaceholders(segments, { placeholders, values: { b: '1' }, format, fail })).toThrow(
      /^placeholder \{a\} has no value$/,
    );
  });

  it('passes the error of format through', () => {
    const failing = () => {
      throw new Error('bad value');
    };
    expect(() =>
      renderPlaceholders(segments, { placeholders, values: { a: '1', b: '2' }, format: failing, fail }),
    ).toThrow('bad value');
  });
});

describe('coreFactorOf', () => {
  it('is the number, else the entry of jobType and resourceType, else 1', () => {
    const worker = { jobType: 'managed', resourceType: 'MCORE' };
    expect(coreFactorOf(3, worker)).toBe(3);
    expect(coreFactorOf({ managed: { MCORE: 8 } }, worker)).toBe(8);
    expect(coreFactorOf({ managed: { SCORE: 8 } }, worker)).toBe(1);
    expect(coreFactorOf({ '': { '': 2 } }, { jobType: null, resourceType: null })).toBe(2);
  });
});

describe('workerResourceValues', () => {
  const sized = (over: Partial<Parameters<typeof workerResourceValues>[0]> = {}) => ({
    nCore: null,
    minRamCount: null,
    maxDiskCount: null,
    maxWalltime: null,
    jobType: null,
    resourceType: null,
    ...over,
  });

  it('computes every resource placeholder', () => {
    const v = workerResourceValues(
      sized({ nCore: 4, minRamCount: 3000, maxDiskCount: 10, maxWalltime: 3601 }),
      { nCoreFactor: 2 },
    );
    expect(v).toEqual({
      nCorePerNode: 4,
      nCoreTotal: 8,
      nCoreFactor: 2,
      nNode: 1,
      requestRam: 6000,
      requestRamBytes: 3000 * 2 ** 20 * 2,
      requestRamPerCore: 750,
      requestRamBytesPerCore: 750 * 2 ** 20,
      requestDisk: 10_240,
      requestWalltime: 3601,
      requestWalltimeMinute: 61,
      requestCputime: 3601 * 4,
      requestCputimeMinute: Math.ceil((3601 * 4) / 60),
    });
  });

  it('falls back for a worker without sizes', () => {
    const v = workerResourceValues(sized(), { nCoreFactor: 1, nCorePerNode: 8 });
    expect(v).toMatchObject({
      nCorePerNode: 8,
      nCoreTotal: 8,
      nNode: 1,
      requestRam: 8,
      requestDisk: 1,
      requestWalltime: 0,
      requestCputimeMinute: 0,
    });
    expect(workerResourceValues(sized(), { nCoreFactor: 1 })).toMatchObject({
      nCorePerNode: 1,
      nCoreTotal: 1,
    });
  });

  it('takes nNode as given, else spreads the cores over nodes', () => {
    expect(workerResourceValues(sized({ nCore: 10 }), { nCoreFactor: 1, nCorePerNode: 4 }).nNode).toBe(3);
    expect(
      workerResourceValues(sized({ nCore: 10 }), { nCoreFactor: 1, nCorePerNode: 4, nNode: 7 }).nNode,
    ).toBe(7);
  });
});

describe('logSubdirOf and logUrlOf', () => {
  it('names the hour in UTC as yy-mm-dd_HH', () => {
    expect(logSubdirOf(new Date(Date.UTC(2009, 11, 31, 0, 5)))).toBe('09-12-31_00');
    expect(logSubdirOf(new Date(Date.UTC(2026, 0, 2, 23, 59)))).toBe('26-01-02_23');
  });

  it('maps a path under logDir to logBaseURL', () => {
    const options = { logDir: '/var/log/hv', logBaseURL: 'https://h.example/logs/' };
    expect(logUrlOf(options, '/var/log/hv/26-01-02_23/w.out')).toBe(
      'https://h.example/logs/26-01-02_23/w.out',
    );
    expect(logUrlOf(options, '/elsewhere/w.out')).toBeUndefined();
    expect(logUrlOf(options, '/var/log/hv')).toBeUndefined();
    expect(logUrlOf({ logDir: '/var/log/hv' }, '/var/log/hv/w.out')).toBeUndefined();
  });
});
