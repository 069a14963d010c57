import { errorText, mapLimit, oneLine } from '../src/index.js';

describe('mapLimit', () => {
  it('keeps input order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const delays = [30, 5, 20, 1, 10, 2, 15];
    const out = await mapLimit(delays, 3, async (ms, i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return `${i}:${ms}`;
    });
    expect(out).toEqual(delays.map((ms, i) => `${i}:${ms}`));
    expect(peak).toBe(3);
  });

  it('returns [] for no items and rejects a limit that is not a positive integer', async () => {
    await expect(mapLimit([], 4, async () => 1)).resolves.toEqual([]);
    await expect(mapLimit([1], 0, async () => 1)).rejects.toThrow('limit must be a positive integer, got 0');
  });

  it('rejects with the first error of fn', async () => {
    await expect(
      mapLimit([1, 2, 3], 2, async (n) => {
        if (n === 2) throw new Error('boom on 2');
        return n;
      }),
    ).rejects.toThrow('boom on 2');
  });
});

describe('text helpers', () => {
  it('errorText takes the message of an Error and stringifies anything else', () => {
    expect(errorText(new TypeError('bad type'))).toBe('bad type');
    expect(errorText('plain')).toBe('plain');
    expect(errorText(42)).toBe('42');
  });

  it('oneLine collapses whitespace and cuts long text with an ellipsis', () => {
    expect(oneLine('  a\n\tb   c \n')).toBe('a b c');
    expect(oneLine('x'.repeat(10), 5)).toBe('xxxx…');
    expect(oneLine('short', 5)).toBe('short');
  });
});
