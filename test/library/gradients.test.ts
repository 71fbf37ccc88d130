import * as tf from '@tensorflow/tfjs';
import { ready } from '../../src/core/backend';
import { gradientNorms, mlp, spirals, moons, lossFunction } from '../../src/advanced';

beforeAll(async () => {
  await ready({ quiet: true });
});

/** Sets every dense layer of a width-1 chain: kernels from `weights`, biases 0. */
function setChain(model: tf.LayersModel, weights: number[]): void {
  const dense = model.layers.filter((l) => l.getClassName() === 'Dense');
  dense.forEach((layer, i) => {
    const [k, b] = layer.getWeights();
    // getWeights() returns the layer's own variables: read their shapes, never dispose them.
    tf.tidy(() => layer.setWeights([tf.tensor(Array(k.size).fill(weights[i]), k.shape), tf.zerosLike(b)]));
  });
}

describe('gradientNorms against closed forms', () => {
  test('a linear chain: dL/dw_l = 2 (p - y) x prod_{k != l} w_k', () => {
    const weights = [0.5, 2, -0.25, 1.5, 0.8, 3];
    const model = mlp({ inputs: 1, outputs: 1, depth: 5, width: 1, activation: 'linear', seed: 1 });
    setChain(model, weights);
    const x = 0.7;
    const y = 0.3;
    const p = weights.reduce((a, w) => a * w, x);
    const g = gradientNorms(model, { x: [[x]], y: [[y]] }, { loss: 'meanSquaredError' });
    expect(g.layers.map((l) => l.name)).toEqual(['dense_01', 'dense_02', 'dense_03', 'dense_04', 'dense_05', 'output']);
    g.layers.forEach((layer, l) => {
      const others = weights.reduce((a, w, k) => (k === l ? a : a * w), 1);
      const expected = Math.abs(2 * (p - y) * x * others);
      expect(layer.norm).toBeCloseTo(expected, 5);
      expect(Math.abs(layer.norm - expected) / expected).toBeLessThan(1e-5);
    });
    expect(g.loss).toBeCloseTo((p - y) ** 2, 5);
    model.dispose();
  });

  test('a sigmoid chain: every step back multiplies by sigmoid\'(z) <= 1/4, matching a float64 hand computation', () => {
    const depth = 8;
    const weights = [1, -1, 0.9, 1, -0.8, 1, 1, 0.7, 1];
    const model = mlp({ inputs: 1, outputs: 1, depth, width: 1, activation: 'sigmoid', seed: 2 });
    setChain(model, weights);
    const x = 0.5;
    const y = 1;
    // Forward in float64.
    const a = [x];
    const z: number[] = [];
    for (let l = 0; l < depth; l++) {
      z.push(weights[l] * a[l]);
      a.push(1 / (1 + Math.exp(-z[l])));
    }
    const out = weights[depth] * a[depth];
    // Backward: delta at the output for BCE with logits is sigmoid(out) - y.
    let delta = 1 / (1 + Math.exp(-out)) - y;
    const dW: number[] = [];
    const dB: number[] = [];
    dW[depth] = delta * a[depth];
    dB[depth] = delta;
    for (let l = depth - 1; l >= 0; l--) {
      const s = a[l + 1];
      delta = delta * weights[l + 1] * s * (1 - s);
      dW[l] = delta * a[l];
      dB[l] = delta;
    }
    const g = gradientNorms(model, { x: [[x]], y: [[y]] }, { loss: 'binaryCrossEntropy', parameters: 'all' });
    const kernels = g.layers.filter((l) => l.weight === 'kernel');
    const biases = g.layers.filter((l) => l.weight === 'bias');
    kernels.forEach((layer, l) => expect(Math.abs(layer.norm - Math.abs(dW[l])) / Math.abs(dW[l])).toBeLessThan(1e-4));
    biases.forEach((layer, l) => expect(Math.abs(layer.norm - Math.abs(dB[l])) / Math.abs(dB[l])).toBeLessThan(1e-4));
    // The bound: |dL/db_l| <= 1/4 * |w_{l+1}| * |dL/db_{l+1}|.
    for (let l = 0; l < depth; l++) {
      expect(biases[l].norm).toBeLessThanOrEqual(0.25 * Math.abs(weights[l + 1]) * biases[l + 1].norm * (1 + 1e-5));
    }
    model.dispose();
  });

  test('a deep sigmoid MLP (Glorot) vanishes: the first layer gets < 1e-6 of the last hidden layer', () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 20, width: 64, activation: 'sigmoid', init: 'glorotNormal', seed: 0 });
    const g = gradientNorms(model, spirals({ n: 128, seed: 0 }));
    expect(g.layers).toHaveLength(21);
    expect(g.layers[0].norm / g.layers[19].norm).toBeLessThan(1e-6);
    model.dispose();
  });
});

describe('gradientNorms against finite differences', () => {
  test.each(['tanh', 'gelu', 'softsign', 'elu'] as const)('%s MLP: every kernel gradient entry matches central differences', (activation) => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 3, width: 3, activation, init: 'glorotNormal', seed: 5 });
    const data = moons({ n: 16, seed: 3 });
    const g = gradientNorms(model, data);
    const loss = lossFunction('binaryCrossEntropy');
    const x = tf.tensor2d(data.x);
    const y = tf.tensor2d(data.y);
    const lossAt = () => tf.tidy(() => loss(y, model.apply(x) as tf.Tensor).dataSync()[0]);
    const eps = 1e-2;
    for (const record of g.layers) {
      const layer = model.getLayer(record.layer);
      const [k, b] = layer.getWeights();
      const values = Array.from(k.dataSync());
      let sq = 0;
      for (let i = 0; i < values.length; i++) {
        const plus = values.slice();
        plus[i] += eps;
        tf.tidy(() => layer.setWeights([tf.tensor(plus, k.shape), b]));
        const lp = lossAt();
        const minus = values.slice();
        minus[i] -= eps;
        tf.tidy(() => layer.setWeights([tf.tensor(minus, k.shape), b]));
        const lm = lossAt();
        sq += ((lp - lm) / (2 * eps)) ** 2;
      }
      tf.tidy(() => layer.setWeights([tf.tensor(values, k.shape), b]));
      const fd = Math.sqrt(sq);
      expect(Math.abs(record.norm - fd) / fd).toBeLessThan(2e-2);
    }
    x.dispose();
    y.dispose();
    model.dispose();
  });
});

describe('gradient records', () => {
  test('are plain JSON, keyed by stable names, and do not leak tensors', () => {
    const first = mlp({ inputs: 2, outputs: 1, depth: 3, width: 4, activation: 'relu', batchNorm: 'before', seed: 0 });
    const second = mlp({ inputs: 2, outputs: 1, depth: 3, width: 4, activation: 'relu', batchNorm: 'before', seed: 0 });
    const data = spirals({ n: 32 });
    const before = tf.memory().numTensors;
    const a = gradientNorms(first, data, { histograms: true });
    const b = gradientNorms(second, data, { histograms: true });
    expect(tf.memory().numTensors).toBe(before);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    expect(b).toEqual(a);
    expect(a.layers.map((l) => l.name)).toEqual(['dense_01', 'dense_02', 'dense_03', 'output']);
    first.dispose();
    second.dispose();
  });

  test('batch-norm running statistics are left as they were', () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 2, width: 4, activation: 'relu', batchNorm: 'before', seed: 0 });
    const before = model.getLayer('batchnorm_01').getWeights().map((w) => Array.from(w.dataSync()));
    gradientNorms(model, spirals({ n: 32 }));
    const after = model.getLayer('batchnorm_01').getWeights().map((w) => Array.from(w.dataSync()));
    expect(after).toEqual(before);
    model.dispose();
  });

  test('an exact zero gradient is an underflow, not -Infinity', () => {
    const model = mlp({ inputs: 1, outputs: 1, depth: 2, width: 1, activation: 'relu', seed: 0 });
    setChain(model, [-1, 1, 1]);
    const g = gradientNorms(model, { x: [[1]], y: [[1]] }, { loss: 'meanSquaredError' });
    expect(g.layers[0]).toMatchObject({ norm: 0, log10: null, underflow: true });
    expect(JSON.stringify(g)).not.toContain('Infinity');
    model.dispose();
  });
});

describe('gradientNorms zeroShare (frozen weights)', () => {
  test('a ReLU layer with 2 of 4 units forced dead by their bias: half of its kernel, bias and the output kernel get exactly 0', () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 1, width: 4, activation: 'relu', init: 'heNormal', seed: 3 });
    const dense = model.getLayer('dense_01');
    const [k] = dense.getWeights();
    // Units 0 and 1: z = W x - 100 < 0 for every point in [-1, 1]^2 (dead); units 2 and 3: z = W x + 100 > 0 (alive).
    tf.tidy(() => dense.setWeights([k.clone(), tf.tensor1d([-100, -100, 100, 100])]));
    const g = gradientNorms(model, spirals({ n: 64, seed: 1 }), { parameters: 'all' });
    const share = (name: string) => g.layers.find((l) => l.name === name)!.zeroShare;
    expect(share('dense_01')).toBe(0.5);
    expect(share('dense_01/bias')).toBe(0.5);
    expect(share('output')).toBe(0.5);
    expect(share('output/bias')).toBe(0);
    // It is the histogram's count of exact zeros, without needing the histogram.
    const h = gradientNorms(model, spirals({ n: 64, seed: 1 }), { histograms: true });
    h.layers.forEach((l) => expect(l.zeroShare).toBe(l.histogram!.zeros / l.histogram!.total));
    model.dispose();
  });

  test('a healthy sigmoid network has no frozen weights', () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 3, width: 8, activation: 'sigmoid', seed: 0 });
    gradientNorms(model, spirals({ n: 32 })).layers.forEach((l) => expect(l.zeroShare).toBe(0));
    model.dispose();
  });
});
