import * as tf from '@tensorflow/tfjs';
import { ready } from '../../src/backend';
import { blobs, moons, spirals } from '../../src/datasets/points';
import { splitDataset } from '../../src/datasets/types';
import { baselines } from '../../src/training/baselines';

beforeAll(async () => {
  await ready({ quiet: true });
});

describe('baselines: the constant predictor and a linear model on the same data', () => {
  test('the constant predictor scores the entropy of the class frequencies (ln 2 for balanced classes)', () => {
    const data = { x: [[0], [1], [2], [3]], y: [[0], [1], [1], [1]], task: 'binary' as const };
    const base = baselines(data, { steps: 0 });
    const p = 0.75;
    expect(base.constant.loss).toBeCloseTo(-(p * Math.log(p) + (1 - p) * Math.log(1 - p)), 5);
    expect(base.constant.accuracy).toBeCloseTo(0.75, 6);
    // With no steps the linear model is still the constant predictor: its fit starts there.
    expect(base.linear.loss).toBeCloseTo(base.constant.loss, 5);
  });

  test('the constant predictor of a regression is the mean; its loss the variance', () => {
    const base = baselines({ x: [[0], [1], [2], [3]], y: [[1], [2], [3], [4]], task: 'regression' }, { steps: 200 });
    expect(base.constant.loss).toBeCloseTo(1.25, 5);
    expect(base.constant.accuracy).toBeNull();
    expect(base.linear.loss).toBeLessThan(0.05); // y = x + 1 is linear: least squares nearly reaches 0
  });

  test('on linearly separable data the linear model beats the constant predictor by far', () => {
    const data = blobs({ n: 300, classes: 3, seed: 2, noise: 0.05 });
    const { train, test } = splitDataset(data, 0.2);
    const base = baselines(train, { test });
    expect(base.task).toBe('multiclass');
    expect(base.constant.accuracy!).toBeLessThan(0.45);
    expect(base.linear.accuracy!).toBeGreaterThan(0.97);
    expect(base.linear.loss).toBeLessThan(base.constant.loss / 4);
    expect(base.test!.linear.accuracy!).toBeGreaterThan(0.95);
    expect(base.test!.examples).toBe(60);
  });

  test('on moons and spirals both baselines are reported: the linear model helps on moons, hardly on spirals', () => {
    const m = baselines(moons({ n: 400, seed: 1 }));
    const s = baselines(spirals({ n: 400, seed: 1 }));
    for (const base of [m, s]) {
      expect(base.constant.loss).toBeCloseTo(Math.log(2), 2);
      expect(base.constant.accuracy!).toBeCloseTo(0.5, 1);
      expect(Number.isFinite(base.linear.loss)).toBe(true);
      expect(base.linear.accuracy).not.toBeNull();
    }
    expect(m.linear.accuracy!).toBeGreaterThan(0.8);
    expect(m.linear.loss).toBeLessThan(0.4);
    expect(s.linear.accuracy!).toBeLessThan(0.7);
    expect(s.linear.loss).toBeGreaterThan(0.6);
  });

  test('is deterministic and frees its tensors', () => {
    const data = moons({ n: 200, seed: 4 });
    const before = tf.memory().numTensors;
    const a = baselines(data, { steps: 30 });
    const b = baselines(data, { steps: 30 });
    expect(a).toEqual(b);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('a tensor the caller passes is not freed', () => {
    const x = tf.tensor2d([[0], [1], [2], [3]]);
    const y = tf.tensor2d([[0], [0], [1], [1]]);
    baselines({ x, y, task: 'binary' }, { steps: 5 });
    expect(x.isDisposed).toBe(false);
    expect(y.isDisposed).toBe(false);
    x.dispose();
    y.dispose();
  });

  test.each([
    [{ x: [[1]], y: [[1]] }, {}, "baselines: data.task is undefined; allowed: 'binary', 'multiclass' or 'regression'"],
    [null, {}, 'baselines: data is null; allowed: a gradscope dataset or an object {x, y, task}'],
    [{ x: [[1]], y: [[1]], task: 'binary' }, { steps: -1 }, 'baselines: steps is -1; allowed: an integer from 0 to 100000'],
    [{ x: [[1]], y: [[1]], task: 'binary' }, { lr: 1 }, "baselines: unknown field 'lr' in options"],
    [{ x: [[1, 2]], y: [[1]], task: 'binary' }, { test: { x: [[1]], y: [[1]] } }, 'baselines: options.test features is 1; allowed: 2 (as many as data has)'],
  ])('bad input is an error naming the field: %j %j', (data, options, message) => {
    const before = tf.memory().numTensors;
    expect(() => baselines(data as never, options as never)).toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
  });
});
