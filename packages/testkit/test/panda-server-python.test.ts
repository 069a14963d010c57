// The Python renderings the fake PanDA server answers with (checked against CPython 3's output).
import { pyJsonDumps, pyRepr } from '../src/index.js';

it('renders str() of a dict like Python', () => {
  expect(
    pyRepr({
      success: true,
      message: "it's",
      data: [1, 2.5, null, 'a"b', 'x\ny', 'é\u0001', { k: false }, `both'"`],
    }),
  ).toBe(
    `{'success': True, 'message': "it's", 'data': [1, 2.5, None, 'a"b', 'x\\ny', 'é\\x01', {'k': False}, 'both\\'"']}`,
  );
  // Integral numbers are Python ints (JSON from a JS client cannot say 1.0), the rest floats.
  expect(pyRepr([2.5e-5, 1.5e-7, 0.1, 123.25, 1e20])).toBe(
    '[2.5e-05, 1.5e-07, 0.1, 123.25, 100000000000000000000]',
  );
});

it('renders json.dumps like Python (separators, ASCII escapes)', () => {
  expect(pyJsonDumps({ a: [1, 'é'], b: null, c: true })).toBe('{"a": [1, "\\u00e9"], "b": null, "c": true}');
});
