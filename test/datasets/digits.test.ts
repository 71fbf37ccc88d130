import * as fs from 'fs';
import { DIGIT_PIXELS, digits } from '../../src/datasets/digits';
import { splitDataset } from '../../src/datasets/types';

describe('digits: real MNIST digits from the mnist package', () => {
  const data = digits({ n: 500, seed: 3 });

  test('is a multiclass dataset of flattened 28 × 28 images in [0, 1] with one-hot targets', () => {
    expect(data).toEqual(expect.objectContaining({ name: 'digits', task: 'multiclass', inputs: 784, outputs: 10, classes: 10, seed: 3 }));
    expect(DIGIT_PIXELS).toBe(28 * 28);
    expect(data.x).toHaveLength(500);
    expect(data.y).toHaveLength(500);
    expect(data.labels).toHaveLength(500);
    for (let i = 0; i < data.x.length; i++) {
      expect(data.x[i]).toHaveLength(784);
      expect(data.y[i]).toHaveLength(10);
      expect(data.y[i].reduce((a, b) => a + b, 0)).toBe(1);
      expect(data.y[i][data.labels![i]]).toBe(1);
    }
    const all = data.x.flat();
    const lowest = all.reduce((a, b) => Math.min(a, b), Infinity);
    const highest = all.reduce((a, b) => Math.max(a, b), -Infinity);
    expect(lowest).toBe(0);
    expect(highest).toBeLessThanOrEqual(1);
    expect(highest).toBeGreaterThan(0.99);
    // Handwriting, not noise: most pixels are background, a minority carry ink.
    const ink = all.filter((v) => v > 0.5).length / all.length;
    expect(ink).toBeGreaterThan(0.05);
    expect(ink).toBeLessThan(0.3);
  });

  test('every class is there, at about its natural frequency', () => {
    const counts = Array.from({ length: 10 }, (_, c) => data.labels!.filter((l) => l === c).length);
    counts.forEach((count) => {
      expect(count).toBeGreaterThan(25);
      expect(count).toBeLessThan(80);
    });
  });

  test('is seeded: the same seed gives the same digits, another seed others', () => {
    const again = digits({ n: 500, seed: 3 });
    expect(again.x).toEqual(data.x);
    expect(again.labels).toEqual(data.labels);
    expect(digits({ n: 500, seed: 4 }).labels).not.toEqual(data.labels);
  });

  test('a larger draw starts with the smaller one, and a split keeps train and test apart', () => {
    const small = digits({ n: 50, seed: 3 });
    expect(data.x.slice(0, 50)).toEqual(small.x);
    const { train, test } = splitDataset(digits({ n: 600, seed: 1 }), 1 / 6);
    expect(train.x).toHaveLength(500);
    expect(test.x).toHaveLength(100);
    const key = (row: number[]) => row.join(',');
    const seen = new Set(train.x.map(key));
    expect(test.x.filter((row) => seen.has(key(row)))).toHaveLength(0);
  });

  test('all 10 000 digits can be drawn, and no more', () => {
    expect(digits({ n: 10_000, seed: 0 }).x).toHaveLength(10_000);
    expect(() => digits({ n: 10_001 })).toThrow('digits: n is 10001; allowed: an integer from 1 to 10000');
  });

  test.each([
    [{ n: 0 }, 'digits: n is 0; allowed: an integer from 1 to 10000'],
    [{ n: 2.5 }, 'digits: n is 2.5; allowed: an integer from 1 to 10000'],
    [{ seed: -1 }, 'digits: seed is -1; allowed: an integer from 0 to 4294967295'],
    [{ size: 14 }, "digits: unknown field 'size' in options; allowed fields: n, seed"],
  ])('bad options are errors naming the field: %j', (options, message) => {
    expect(() => digits(options as never)).toThrow(message);
  });

  test('ships with the package: nothing is downloaded when a lesson runs', () => {
    const source = fs.readFileSync(require.resolve('../../src/datasets/digits'), 'utf8');
    expect(source).not.toMatch(/https?:\/\/|fetch\(|http\.get/);
    const pkg = JSON.parse(fs.readFileSync(require.resolve('../../package.json'), 'utf8'));
    expect(pkg.dependencies.mnist).toBeDefined();
  });
});
