import { ready } from '../../src/core/backend';
import * as tf from '@tensorflow/tfjs';
import {
  HISTOGRAM_BIN_COUNT,
  activationStats,
  addingProblem,
  gradientNorms,
  gradientOverTime,
  histogramEdgesLog10,
  logHistogram,
  lossFunction,
  magnitude,
  mlp,
  probeCallback,
  recurrent,
  spirals,
  takeExamples,
  train,
  unitInputs,
  weightStats,
} from '../../src/advanced';

beforeAll(async () => {
  await ready({ quiet: true });
});

describe('histograms', () => {
  test('fixed log-magnitude bins count every value once', () => {
    const values = [0, 0, 1e-3, -1e-3, 5e-3, 1, -1, 5e5, 1e-42, NaN, Infinity, 0.05];
    const h = logHistogram(values);
    expect(h.counts).toHaveLength(HISTOGRAM_BIN_COUNT);
    expect(histogramEdgesLog10()).toHaveLength(HISTOGRAM_BIN_COUNT + 1);
    expect(h.zeros).toBe(2);
    expect(h.below).toBe(1);
    expect(h.above).toBe(1);
    expect(h.nonFinite).toBe(2);
    expect(h.total).toBe(values.length);
    expect(h.counts.reduce((a, b) => a + b, 0) + h.zeros + h.below + h.above + h.nonFinite).toBe(values.length);
    const bin = (v: number) => Math.floor((Math.log10(v) + 40) * 2);
    expect(h.counts[bin(1e-3)]).toBe(2); // 1e-3 and -1e-3 share the bin starting at 10^-3
    expect(h.counts[bin(5e-3)]).toBe(1); // the next half-decade, [10^-2.5, 10^-2)
    expect(h.counts[bin(1)]).toBe(2);
    expect(h.counts[bin(0.05)]).toBe(1);
  });

  test('gradient histograms count every entry of the weight tensor', () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 2, width: 5, activation: 'tanh' });
    const g = gradientNorms(model, spirals({ n: 16 }), { histograms: true });
    const h = g.layers[1].histogram!;
    expect(h.total).toBe(25);
    expect(h.counts.reduce((a, b) => a + b, 0) + h.zeros + h.below + h.above + h.nonFinite).toBe(25);
  });

  test('magnitude: exact 0 is an underflow', () => {
    expect(magnitude(0)).toEqual({ value: 0, log10: null, underflow: true });
    expect(magnitude(1e-40).log10).toBeCloseTo(-40, 10);
  });
});

describe('activation statistics', () => {
  test('sigmoid saturation: large weights push units onto the flat tails', () => {
    const calm = mlp({ inputs: 2, outputs: 1, depth: 3, width: 32, activation: 'sigmoid', init: 'naive', initStd: 0.01 });
    const hot = mlp({ inputs: 2, outputs: 1, depth: 3, width: 32, activation: 'sigmoid', init: 'naive', initStd: 5 });
    const data = spirals({ n: 128 });
    const a = activationStats(calm, data);
    const b = activationStats(hot, data);
    expect(a.layers.every((l) => l.saturated === 0)).toBe(true);
    expect(b.layers[1].saturated!).toBeGreaterThan(0.5);
    expect(a.layers[0].dead).toBeNull();
    expect(a.layers[0].mean).toBeCloseTo(0.5, 2);
  });

  test('dead ReLU units: a unit with a large negative bias is zero on the whole batch', () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 1, width: 4, activation: 'relu', init: 'heNormal' });
    tf.tidy(() => model.getLayer('dense_01').setWeights([tf.tensor2d([[1, 1, 1, 1], [1, 1, 1, 1]]), tf.tensor1d([0, 0, -100, -100])]));
    const s = activationStats(model, spirals({ n: 64 }));
    expect(s.layers[0].dead).toBe(0.5);
    expect(s.layers[0].saturated).toBeNull();
    expect(s.layers[0].values.total).toBe(256);
  });
});

describe('weight statistics', () => {
  test('norm and mean |w| of a known kernel', () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 1, width: 2, activation: 'relu' });
    tf.tidy(() => model.getLayer('dense_01').setWeights([tf.tensor2d([[3, -4], [0, 0]]), tf.zeros([2])]));
    const w = weightStats(model);
    expect(w.layers[0]).toMatchObject({ name: 'dense_01', norm: 5, meanAbs: 1.75, maxAbs: 4 });
  });
});

describe('gradient over time', () => {
  test.each(['simple', 'lstm', 'gru'] as const)('%s: ||dLoss/dx_t|| matches central differences', (cell) => {
    const model = recurrent({ cell, units: 3, inputs: 2, outputs: 1, seed: 1 });
    const data = addingProblem({ n: 4, length: 6, seed: 2 });
    const g = gradientOverTime(model, data);
    expect(g.length).toBe(6);
    const loss = lossFunction('meanSquaredError');
    const y = tf.tensor2d(data.y);
    const at = (x: number[][][]) => tf.tidy(() => loss(y, model.predict(tf.tensor3d(x)) as tf.Tensor).dataSync()[0]);
    const eps = 1e-2;
    for (let t = 0; t < 6; t++) {
      let sq = 0;
      for (let b = 0; b < 4; b++) {
        for (let k = 0; k < 2; k++) {
          const plus = data.x.map((s) => s.map((v) => v.slice()));
          const minus = data.x.map((s) => s.map((v) => v.slice()));
          plus[b][t][k] += eps;
          minus[b][t][k] -= eps;
          sq += ((at(plus) - at(minus)) / (2 * eps)) ** 2;
        }
      }
      expect(Math.abs(g.norms[t].value - Math.sqrt(sq)) / Math.sqrt(sq)).toBeLessThan(2e-2);
    }
    y.dispose();
  });

  test('a simple RNN at init passes less gradient to early steps than to late ones', () => {
    const model = recurrent({ cell: 'simple', units: 16, inputs: 2, outputs: 1, seed: 0 });
    const g = gradientOverTime(model, addingProblem({ n: 32, length: 60 }));
    expect(g.firstToLast!).toBeLessThan(0.1);
  });
});

describe('probes with model.fit', () => {
  test('probeCallback records gradients, updates and activations at its cadence, without leaking', async () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 3, width: 8, activation: 'tanh', seed: 2 });
    const data = spirals({ n: 128 });
    const probe = probeCallback(model, takeExamples(data, 64), { every: 2 });
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const x = tf.tensor2d(data.x);
    const y = tf.tensor2d(data.y);
    await model.fit(x, y, { epochs: 1, batchSize: 32, callbacks: [probe.callback], verbose: 0 });
    const before = tf.memory().numTensors;
    await model.fit(x, y, { epochs: 1, batchSize: 32, callbacks: [probe.callback], verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    expect(probe.steps()).toBe(8);
    expect(probe.records.gradients.map((g) => g.step)).toEqual([0, 2, 4, 6, 8]);
    expect(probe.records.updates.map((u) => u.step)).toEqual([2, 4, 6, 8]);
    expect(probe.records.updates[0].layers[0].ratio!).toBeGreaterThan(0);
    expect(probe.records.activations).toHaveLength(5);
    expect(JSON.parse(JSON.stringify(probe.records))).toEqual(probe.records);
    x.dispose();
    y.dispose();
  });
});

describe('probes on a model built without gradscope', () => {
  test('a tf.sequential model with relu Dense layers: gradients by layer name, activations from Dense activations', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 8, activation: 'relu', inputShape: [2], name: 'hidden_a' }),
        tf.layers.dense({ units: 8, activation: 'relu', name: 'hidden_b' }),
        tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'prob' }),
      ],
    });
    const x = tf.tensor2d(spirals({ n: 32 }).x);
    const y = tf.tensor2d(spirals({ n: 32 }).y);
    const g = gradientNorms(model, { x, y });
    expect(g.lossName).toBe('binaryCrossEntropy');
    expect(g.layers.map((l) => l.name)).toEqual(['hidden_a', 'hidden_b', 'prob']);
    const a = activationStats(model, { x, y });
    expect(a.layers.map((l) => [l.name, l.activation])).toEqual([
      ['hidden_a', 'relu'],
      ['hidden_b', 'relu'],
    ]);
    x.dispose();
    y.dispose();
  });

  test('a shape mismatch is reported before tfjs fails', () => {
    const model = mlp({ inputs: 3, outputs: 1, depth: 1, width: 2 });
    expect(() => gradientNorms(model, spirals({ n: 8 }))).toThrow(/^gradientNorms: data.x shape is '\[8, 2\]'; allowed: \[examples, 3\]/);
  });
});

describe("one unit's inputs", () => {
  const data = spirals({ n: 96, seed: 2 });

  test('unitInputs records z of the chosen unit on every example, in training mode, and leaves the running statistics alone', () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 3, width: 8, activation: 'sigmoid', init: 'glorotNormal', batchNorm: 'before', seed: 4 });
    const running = () => model.nonTrainableWeights.map((w) => Array.from(w.read().dataSync()));
    const before = running();
    const tensors = tf.memory().numTensors;
    const record = unitInputs(model, data, { layer: 'activation_03', index: 5, step: 7 });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(running()).toEqual(before);
    expect(record).toMatchObject({ probe: 'unitInputs', step: 7, layer: 'activation_03', index: 5, training: true });
    // The same numbers as the layers API's own pass to that layer's input, column 5.
    const probe = tf.model({ inputs: model.inputs, outputs: model.getLayer('activation_03').input as tf.SymbolicTensor });
    const z = tf.tidy(() => Array.from((probe.apply(tf.tensor2d(data.x), { training: true }) as tf.Tensor).slice([0, 5], [-1, 1]).dataSync()));
    expect(record.values).toEqual(z);
    expect(record.values).toHaveLength(96);
    // Training mode normalises with the batch's own statistics: mean about beta (0), unlike inference mode.
    expect(Math.abs(record.values.reduce((a, b) => a + b, 0) / 96)).toBeLessThan(1e-5);
    const inference = unitInputs(model, data, { layer: 'activation_03', index: 5, training: false });
    expect(inference.values).not.toEqual(record.values);
    model.dispose();
  });

  test('train records it at the probe cadence when probes.unit is given; a bad unit is refused by name', async () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 2, width: 8, activation: 'relu', init: 'heNormal', seed: 1 });
    const history = await train(model, data, { steps: 20, batchSize: 32, quiet: true, probes: { every: 10, gradients: false, weights: false, activations: false, unit: { layer: 'activation_02', index: 0 } } });
    expect(history.unitInputs.map((r) => r.step)).toEqual([0, 10, 20]);
    expect(history.unitInputs[0].values).toHaveLength(96);
    const withoutUnit = await train(model, data, { steps: 2, batchSize: 32, quiet: true, probes: { every: 1 } });
    expect(withoutUnit.unitInputs).toEqual([]);
    await expect(train(model, data, { steps: 2, quiet: true, probes: { unitInputs: true } })).rejects.toThrow(/^train: probes.unit is undefined; allowed: the unit whose inputs unitInputs records/);
    await expect(train(model, data, { steps: 2, quiet: true, probes: { unit: { layer: 'activation_09', index: 0 } } })).rejects.toThrow(/^train: probes.unit.layer is 'activation_09'; allowed: a layer name of the model: /);
    expect(() => unitInputs(model, data, { layer: 'activation_01', index: 8 })).toThrow(/^unitInputs: options.index is 8; allowed: /);
    model.dispose();
  });
});
