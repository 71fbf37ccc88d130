import { ready } from '../../src/core/backend';
import * as tf from '@tensorflow/tfjs';
import { Random, addingProblem, blobs, circles, deriveSeed, fromPairs, latch, moons, spirals, splitDataset, temporalOrder, toTensors, xor } from '../../src/advanced';

beforeAll(async () => {
  await ready({ quiet: true });
});

describe('Random', () => {
  test('is deterministic and seed-dependent', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const xa = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(xa);
    expect(Array.from({ length: 5 }, () => c.uniform())).not.toEqual(xa);
    expect(deriveSeed(1, 2, 3)).toBe(deriveSeed(1, 2, 3));
    expect(deriveSeed(1, 2, 3)).not.toBe(deriveSeed(1, 3, 2));
  });

  test('normal numbers have mean 0 and std 1', () => {
    const rng = new Random(7);
    const xs = Array.from({ length: 100000 }, () => rng.normal());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(std - 1)).toBeLessThan(0.01);
  });

  test('permutation holds every index once', () => {
    expect(new Random(3).permutation(50).slice().sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe('point datasets', () => {
  test.each([
    ['spirals', spirals],
    ['moons', moons],
    ['circles', circles],
    ['xor', xor],
    ['blobs', blobs],
  ] as const)('%s: seeded, balanced, shaped for mlp', (_, make) => {
    const a = make({ n: 200, seed: 5 });
    const b = make({ n: 200, seed: 5 });
    const c = make({ n: 200, seed: 6 });
    expect(b).toEqual(a);
    expect(c.x).not.toEqual(a.x);
    expect(a.x).toHaveLength(200);
    expect(a.x[0]).toHaveLength(2);
    expect(a.task).toBe('binary');
    expect(a.outputs).toBe(1);
    expect(a.y.every((row, i) => row[0] === a.labels![i])).toBe(true);
    const ones = a.labels!.filter((l) => l === 1).length;
    if (a.name !== 'xor') expect(ones).toBe(100);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
  });

  test('multiclass spirals and blobs are one-hot', () => {
    const s = spirals({ n: 90, classes: 3 });
    expect(s.task).toBe('multiclass');
    expect(s.outputs).toBe(3);
    expect(s.y.every((row, i) => row.length === 3 && row[s.labels![i]] === 1 && row.reduce((p, q) => p + q) === 1)).toBe(true);
    expect(blobs({ classes: 4 }).outputs).toBe(4);
  });

  test('xor labels follow the sign of x1 * x2 when there is no noise', () => {
    const d = xor({ n: 100 });
    d.x.forEach((p, i) => expect(d.labels![i]).toBe(p[0] * p[1] > 0 ? 1 : 0));
  });

  test('toTensors and splitDataset', () => {
    const d = moons({ n: 100 });
    const before = tf.memory().numTensors;
    const t = toTensors(d);
    expect(t.x.shape).toEqual([100, 2]);
    expect(t.y.shape).toEqual([100, 1]);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const { train, test } = splitDataset(d, 0.25);
    expect(train.x).toHaveLength(75);
    expect(test.x).toHaveLength(25);
    expect(test.labels).toHaveLength(25);
  });
});

describe('sequence datasets', () => {
  test('adding problem: the target is the sum of the two marked values, one mark in each half', () => {
    const d = addingProblem({ n: 50, length: 20, seed: 1 });
    expect(d.x[0]).toHaveLength(20);
    expect(d.x[0][0]).toHaveLength(2);
    d.x.forEach((seq, i) => {
      const marked = seq.map((s, t) => (s[1] === 1 ? t : -1)).filter((t) => t >= 0);
      expect(marked).toHaveLength(2);
      expect(marked[0]).toBeLessThan(10);
      expect(marked[1]).toBeGreaterThanOrEqual(10);
      expect(d.y[i][0]).toBeCloseTo(seq[marked[0]][0] + seq[marked[1]][0], 5);
    });
    expect(addingProblem({ n: 50, length: 20, seed: 1 })).toEqual(d);
  });

  test('temporal order: exactly two relevant symbols, in the two windows, and the class encodes their order', () => {
    const d = temporalOrder({ n: 100, length: 50, seed: 2 });
    d.x.forEach((seq, i) => {
      const symbols = seq.map((onehot) => onehot.indexOf(1));
      const relevant = symbols.map((s, t) => (s >= 4 ? t : -1)).filter((t) => t >= 0);
      expect(relevant).toHaveLength(2);
      expect(relevant[0]).toBeGreaterThanOrEqual(5);
      expect(relevant[0]).toBeLessThan(10);
      expect(relevant[1]).toBeGreaterThanOrEqual(25);
      expect(relevant[1]).toBeLessThan(30);
      const label = (symbols[relevant[0]] === 5 ? 2 : 0) + (symbols[relevant[1]] === 5 ? 1 : 0);
      expect(d.labels![i]).toBe(label);
    });
  });

  test('latch: the target is the sign of the first step', () => {
    const d = latch({ n: 40, length: 10 });
    d.x.forEach((seq, i) => expect(d.y[i][0]).toBe(seq[0][0] > 0 ? 1 : 0));
  });
});

describe('fromPairs', () => {
  test('turns {input, output} pairs (the form image packages ship) into a multiclass dataset', () => {
    const pairs = [
      { input: [0, 1, 0.5], output: [0, 1, 0] },
      { input: [1, 0, 0.5], output: [1, 0, 0] },
      { input: [1, 1, 0.5], output: [0, 0, 1] },
    ];
    const d = fromPairs(pairs, { name: 'tiny' });
    expect(d).toMatchObject({ name: 'tiny', task: 'multiclass', inputs: 3, outputs: 3, classes: 3, labels: [1, 0, 2] });
    expect(() => fromPairs([{ input: [1], output: [1] }, { input: [1, 2], output: [0] }])).toThrow(/^fromPairs: pairs\[1\]\.input is \[1,2\]; allowed: a non-empty array of 1 numbers, as long as pairs\[0\]\.input$/);
  });
});
