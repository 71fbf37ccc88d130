/**
 * The records stage: plain functions over probe records and histories. Pure-data tests first (hand-made
 * records with known answers), then the functions that read real probe records of a real model.
 */
import {
  ready, mlp, moons, train, gradientNorms, activationStats, copyWeights,
  mean, median, quantile, summarize, summarizeSeries, overSeeds,
  layerValue, byLayer, firstToLast, factorPerLayer, layerStepGrid, layerOverTraining, lastOf,
  lossSeries, smooth, tailMean, headMean, distanceFromInitial, spreadAcrossExamples, slopeByLayer,
} from '../../src/index';
import type { History } from '../../src/index';
import * as tf from '@tensorflow/tfjs';

const snapshot = (step: number, norms: number[]) => ({
  step,
  layers: norms.map((norm, i) => ({ name: `dense_${String(i + 1).padStart(2, '0')}`, weight: 'kernel', norm, ratio: norm / 10 })),
});

describe('statistics over seeds', () => {
  test('median, mean, quantiles and extremes', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(mean([1, 2, 6])).toBe(3);
    expect(quantile([0, 10], 0.25)).toBe(2.5);
    expect(quantile([5, 1, 9], 0)).toBe(1);
    expect(quantile([5, 1, 9], 1)).toBe(9);
    const s = summarize([0.31, 0.29, 0.4]);
    expect(s).toMatchObject({ n: 3, median: 0.31, min: 0.29, max: 0.4, values: [0.31, 0.29, 0.4] });
    expect(s.low).toBeCloseTo(0.3);
    expect(s.high).toBeCloseTo(0.355);
  });

  test('summarizeSeries summarises position by position', () => {
    const band = summarizeSeries([[1, 10], [3, 30], [2, 20]], [0, 1]);
    expect(band).toEqual({ median: [2, 20], min: [1, 10], max: [3, 30], low: [1, 10], high: [3, 30] });
    expect(() => summarizeSeries([[1, 2], [1]])).toThrow(/^summarizeSeries: series\[1\] is \[1\]; allowed: an array of 2 numbers/);
  });

  test('overSeeds runs the experiment once per seed, in order', async () => {
    const seen: number[] = [];
    const out = await overSeeds([4, 2, 7], async (seed) => {
      seen.push(seed);
      return seed * 10;
    });
    expect(seen).toEqual([4, 2, 7]);
    expect(out).toEqual([40, 20, 70]);
    await expect(overSeeds([1.5], (s) => s)).rejects.toThrow(/^overSeeds: seeds\[0\] is 1.5; allowed: an integer/);
  });

  test('errors name the function, the field, the value and what is allowed', () => {
    expect(() => median([])).toThrow(/^median: values is \[\]; allowed: a non-empty array of numbers$/);
    expect(() => mean([1, NaN])).toThrow(/^mean: values\[1\] is NaN; allowed: a number \(not NaN\)$/);
    expect(() => quantile([1], 2)).toThrow(/^quantile: q is 2; allowed: a number from 0 to 1/);
  });
});

describe('reading snapshots layer by layer', () => {
  const s = snapshot(0, [1e-8, 1e-6, 1e-4, 1e-2]);

  test('a layer by name, and one number per layer', () => {
    expect(layerValue(s, 'dense_02')).toBe(1e-6);
    expect(layerValue(s, 'dense_02', 'ratio')).toBeCloseTo(1e-7);
    expect(byLayer(s)).toEqual({ layers: ['dense_01', 'dense_02', 'dense_03', 'dense_04'], values: [1e-8, 1e-6, 1e-4, 1e-2] });
    expect(byLayer(s, { field: (l) => l.norm * 2 }).values[0]).toBe(2e-8);
    expect(() => layerValue(s, 'dense_09')).toThrow(/^layerValue: name is 'dense_09'; allowed: one of 'dense_01', 'dense_02'/);
  });

  test('biases are left out unless asked for', () => {
    const withBias = { layers: [...s.layers, { name: 'dense_01/bias', weight: 'bias', norm: 5, ratio: 0 }] };
    expect(byLayer(withBias).layers).toHaveLength(4);
    expect(byLayer(withBias, { kernelsOnly: false }).layers).toHaveLength(5);
  });

  test('first/last ratio and the factor per layer behind it', () => {
    expect(firstToLast(s)).toBeCloseTo(1e-6);
    expect(firstToLast(s, { first: 'dense_02', last: 'dense_03' })).toBeCloseTo(1e-2);
    // 1e-6 across 3 layers is a factor 1e-2 per layer
    expect(factorPerLayer(s)).toBeCloseTo(1e-2);
    expect(firstToLast({ layers: ['a', 'b'], values: [0, 1] })).toBe(0);
    expect(() => firstToLast(s, { last: 'output' })).toThrow(/^firstToLast: last is 'output'; allowed: one of/);
  });

  test('a layer x step grid and one layer over training', () => {
    const grid = layerStepGrid([snapshot(0, [1, 2]), snapshot(10, [3, 4])]);
    expect(grid).toEqual({ layers: ['dense_01', 'dense_02'], steps: [0, 10], values: [[1, 3], [2, 4]] });
    expect(layerOverTraining([snapshot(0, [1, 2]), snapshot(10, [3, 4])], 'dense_02', { field: 'ratio' })).toEqual({ steps: [0, 10], values: [0.2, 0.4] });
    expect(lastOf([1, 2, 3])).toBe(3);
    expect(() => lastOf([], 'history.updates')).toThrow(/^lastOf: history.updates is \[\]; allowed: a non-empty array/);
  });
});

describe('reading a history', () => {
  const history = {
    steps: [1, 2, 3, 4].map((step) => ({ step, epoch: 1, loss: [4, 2, 6, 4][step - 1], accuracy: step / 4, gradNorm: 1, clippedNorm: 1, clipped: false })),
    validation: [{ step: 0, loss: 0.7, accuracy: 0.5 }, { step: 4, loss: 0.3, accuracy: 0.9 }],
  } as unknown as History;

  test('loss and metric series, smoothed or not', () => {
    expect(lossSeries(history, { name: 'run' })).toEqual({ name: 'run', steps: [1, 2, 3, 4], values: [4, 2, 6, 4] });
    expect(lossSeries(history, { smooth: 2 }).values).toEqual([4, 3, 4, 5]);
    expect(lossSeries(history, { metric: 'accuracy' }).values).toEqual([0.25, 0.5, 0.75, 1]);
    expect(lossSeries(history, { split: 'validation' })).toEqual({ name: 'loss', steps: [0, 4], values: [0.7, 0.3], split: 'test' });
    expect(smooth([1, 2, 3], 1)).toEqual([1, 2, 3]);
    expect(() => lossSeries(history, { metric: 'speed' as never })).toThrow(/^lossSeries: metric is 'speed'; allowed: 'loss'/);
  });

  test('tail and head means', () => {
    expect(tailMean(history, 2)).toBe(5);
    expect(headMean(history, 2)).toBe(3);
    expect(tailMean(history, 4, 'accuracy')).toBe(0.625);
    expect(() => tailMean(history, 5)).toThrow(/^tailMean: count is 5; allowed: an integer from 1 to 4/);
  });
});

describe('records of a real model', () => {
  beforeAll(async () => {
    await ready({ quiet: true });
  });

  test('distance from the initial weights is 0 before training and > 0 after', async () => {
    const data = moons({ n: 64, seed: 0 });
    const model = mlp({ inputs: 2, outputs: 1, depth: 3, width: 8, activation: 'relu', init: 'heNormal', seed: 1 });
    try {
      const start = copyWeights(model);
      expect(distanceFromInitial(start, copyWeights(model)).values).toEqual([0, 0, 0, 0]);
      await train(model, data, { steps: 5, learningRate: 0.1, probes: false, quiet: true });
      const moved = distanceFromInitial(start, copyWeights(model));
      expect(moved.layers).toEqual(['dense_01', 'dense_02', 'dense_03', 'output']);
      moved.values.forEach((v) => expect(v).toBeGreaterThan(0));
    } finally {
      model.dispose();
    }
  });

  test('the first/last ratio of a deep sigmoid network is tiny, and its mean slope at most 1/4', () => {
    const data = moons({ n: 128, seed: 0 });
    const model = mlp({ inputs: 2, outputs: 1, depth: 10, width: 16, activation: 'sigmoid', init: 'glorotNormal', seed: 0 });
    try {
      const g = gradientNorms(model, data);
      expect(firstToLast(g, { first: 'dense_02', last: 'dense_10' })).toBeLessThan(1e-3);
      const a = activationStats(model, data);
      const slopes = slopeByLayer(a);
      expect(slopes.layers).toHaveLength(10);
      slopes.values.forEach((v) => {
        expect(v).toBeGreaterThan(0);
        expect(v).toBeLessThanOrEqual(0.25);
      });
      // By hand for layer 3: the std over examples of each unit, averaged over units, and the mean of a (1 - a).
      const probe = tf.model({ inputs: model.inputs, outputs: model.getLayer('activation_03').output as tf.SymbolicTensor });
      const h = tf.tidy(() => probe.apply(tf.tensor2d(data.x), { training: true }) as tf.Tensor);
      const rows = h.arraySync() as number[][];
      h.dispose();
      const units = rows[0].length;
      let spreadByHand = 0;
      let slopeByHand = 0;
      for (let u = 0; u < units; u++) {
        const column = rows.map((r) => r[u]);
        const m = column.reduce((x, y) => x + y, 0) / column.length;
        spreadByHand += Math.sqrt(column.reduce((x, y) => x + (y - m) ** 2, 0) / column.length) / units;
        slopeByHand += column.reduce((x, y) => x + y * (1 - y), 0) / (column.length * units);
      }
      const spread = spreadAcrossExamples(a);
      expect(spread.values).toHaveLength(10);
      expect(spread.values[2]).toBeCloseTo(spreadByHand, 6);
      expect(slopes.values[2]).toBeCloseTo(slopeByHand, 6);
    } finally {
      model.dispose();
    }
  });
});
