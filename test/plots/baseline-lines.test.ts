/**
 * baselineLines: the baselines' scores as flat reference lines for lossCurvesFigure.
 */
import { baselineLines, baselines, lossCurvesFigure, moons, digits, splitDataset, ready } from '../../src/index';

beforeAll(async () => {
  await ready({ quiet: true });
});

describe('baselineLines', () => {
  const data = moons({ n: 128, seed: 0 });
  let measured: ReturnType<typeof baselines>;
  beforeAll(() => {
    measured = baselines(data);
  });

  test('two flat lines at the constant predictor and linear model losses, from 0 to the last step', () => {
    const [constant, linear] = baselineLines(measured, 300);
    expect(constant).toEqual({ name: 'constant predictor', steps: [0, 300], values: [measured.constant.loss, measured.constant.loss] });
    expect(linear).toEqual({ name: 'linear model (logistic regression)', steps: [0, 300], values: [measured.linear.loss, measured.linear.loss] });
    // the constant predictor of balanced moons is a coin toss; the linear model does better
    expect(constant.values[0]).toBeCloseTo(Math.LN2, 2);
    expect(linear.values[0]).toBeLessThan(constant.values[0]);
  });

  test('accuracy, a [first, last] range and names; drawn by lossCurvesFigure', () => {
    const lines = baselineLines(measured, [10, 50], { metric: 'accuracy', names: { constant: 'coin toss' } });
    expect(lines.map((l) => l.name)).toEqual(['coin toss', 'linear model (logistic regression)']);
    expect(lines[1]).toMatchObject({ steps: [10, 50], values: [measured.linear.accuracy, measured.linear.accuracy] });
    const figure = lossCurvesFigure([{ name: 'net', steps: [10, 30, 50], values: [0.5, 0.7, 0.9] }, ...lines], { logY: false });
    const names = (figure.data as { name?: string }[]).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['net', 'coin toss', 'linear model (logistic regression)']));
  });

  test('held-out scores with split: test (softmax regression on digits)', () => {
    const { train, test } = splitDataset(digits({ n: 300, seed: 0 }), 1 / 3);
    const scored = baselines(train, { test, steps: 50 });
    const [constant, linear] = baselineLines(scored, 100, { metric: 'accuracy', split: 'test' });
    expect(constant.values).toEqual([scored.test!.constant.accuracy, scored.test!.constant.accuracy]);
    expect(linear.name).toBe('linear model (softmax regression)');
    expect(linear.values[0]).toBe(scored.test!.linear.accuracy);
    expect(linear.values[0]).not.toBe(scored.linear.accuracy);
  });

  test('bad input: the error names the function, the field, the value and what is allowed', () => {
    expect(() => baselineLines(measured, 300, { split: 'test' })).toThrow(/^baselineLines: split is 'test'; allowed: 'train'/);
    expect(() => baselineLines(measured, 0)).toThrow(/^baselineLines: steps is 0; allowed: a last step after the first/);
    expect(() => baselineLines(measured, [5] as unknown as [number, number])).toThrow(/^baselineLines: steps is .*; allowed: the last step/);
    expect(() => baselineLines(measured, 300, { metric: 'gradNorm' as 'loss' })).toThrow(/^baselineLines: metric is 'gradNorm'; allowed: one of 'loss', 'accuracy'/);
    expect(() => baselineLines(measured, 300, { colour: 'red' } as object)).toThrow(/^baselineLines: .*colour/);
    expect(() => baselineLines({} as typeof measured, 300)).toThrow(/^baselineLines: baselines is .*; allowed: the result of baselines\(data\)/);
    const regression = baselines({ x: [[0], [1], [2], [3]], y: [[0], [1], [2], [3]], task: 'regression' } as never);
    expect(() => baselineLines(regression, 10, { metric: 'accuracy' })).toThrow(/^baselineLines: metric is 'accuracy'; allowed: 'loss' \(a regression task has no accuracy\)/);
  });
});
