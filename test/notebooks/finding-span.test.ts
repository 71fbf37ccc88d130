/**
 * The span rule (test/notebooks/finding-span.ts), which notebooks.test.ts applies to every executed notebook:
 * a two-sided finding may span at most two decades unless its statement says why.
 */
import { decades, spanProblems } from './finding-span';

const f = (min: number | undefined, max: number | undefined, statement = 'the ratio is near 1', value = 0.63) => ({
  id: 'ratio',
  statement,
  value,
  expected: { min, max },
  holds: true,
});

test('decades counts the orders of magnitude between the bounds', () => {
  expect(decades(0.01, 1)).toBeCloseTo(2, 10);
  expect(decades(1e-4, 1)).toBeCloseTo(4, 10);
  expect(decades(-100, -1)).toBeCloseTo(2, 10);
  expect(decades(0, 1)).toBeNull();
  expect(decades(-1, 1)).toBeNull();
  expect(decades(undefined, 1)).toBeNull();
});

test('a range of more than two decades fails; two decades or fewer pass', () => {
  expect(spanProblems([f(0.2, 2)])).toEqual([]);
  expect(spanProblems([f(0.01, 1)])).toEqual([]);
  expect(spanProblems([f(1e-4, 1)], '01-sigmoid-saturation.ipynb')).toEqual([
    '01-sigmoid-saturation.ipynb: ratio: [0.0001, 1] spans 4.0 decades for a measured 0.63 ("the ratio is near 1"); narrow it, or say why with "range:" or "wide because"',
  ]);
  expect(spanProblems([f(-1e3, -1)])).toHaveLength(1);
});

test('a wide range passes when its statement says why', () => {
  expect(spanProblems([f(1e-4, 1, 'the first layer gets less (range: 1e-4 to 1 because the 3 seeds spread over 3 decades)')])).toEqual([]);
  expect(spanProblems([f(1e-4, 1, 'it is small; the range is wide because it underflows on some seeds')])).toEqual([]);
});

test('one-sided findings and ranges from 0 are not judged by this rule', () => {
  expect(spanProblems([f(undefined, 1e-6), f(1e3, undefined), f(0, 1e6)])).toEqual([]);
});
