import { ready } from '../../src/core/backend';
import * as tf from '@tensorflow/tfjs';
import { ACTIVATIONS, INITIALIZERS, initialValues, initializer, mlp, modelInfo, recurrent } from '../../src/advanced';

beforeAll(async () => {
  await ready({ quiet: true });
});

function stats(values: Float32Array) {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  let maxAbs = 0;
  values.forEach((v) => (maxAbs = Math.max(maxAbs, Math.abs(v))));
  return { mean, std, maxAbs };
}

describe('exact initializers', () => {
  const fanIn = 400;
  const fanOut = 600;
  test.each([
    ['heNormal', Math.sqrt(2 / fanIn)],
    ['heUniform', Math.sqrt(2 / fanIn)],
    ['glorotNormal', Math.sqrt(2 / (fanIn + fanOut))],
    ['glorotUniform', Math.sqrt(2 / (fanIn + fanOut))],
    ['lecunNormal', Math.sqrt(1 / fanIn)],
  ] as const)('%s has the nominal standard deviation (no truncation)', (name, std) => {
    const values = initialValues([fanIn, fanOut], { rule: name, seed: 1 });
    const s = stats(values);
    expect(Math.abs(s.std / std - 1)).toBeLessThan(0.01);
    expect(Math.abs(s.mean)).toBeLessThan(std * 0.01);
    if (name.endsWith('Normal')) expect(s.maxAbs).toBeGreaterThan(3 * std); // a truncated normal stops at 2 std
  });

  test('naive uses the given std', () => {
    expect(Math.abs(stats(initialValues([300, 300], { rule: 'naive', seed: 2, std: 0.5 })).std / 0.5 - 1)).toBeLessThan(0.01);
  });

  test('orthogonal gives orthonormal columns (tall) or rows (wide)', () => {
    for (const [r, c] of [
      [8, 5],
      [5, 8],
      [6, 6],
    ]) {
      const w = initialValues([r, c], { rule: 'orthogonal', seed: 3 });
      const k = Math.min(r, c);
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          let dot = 0;
          for (let t = 0; t < Math.max(r, c); t++) dot += r >= c ? w[t * c + i] * w[t * c + j] : w[i * c + t] * w[j * c + t];
          expect(dot).toBeCloseTo(i === j ? 1 : 0, 5);
        }
      }
    }
  });

  test('an initializer works in a tfjs layer and is seeded', () => {
    const a = tf.layers.dense({ units: 4, inputShape: [3], kernelInitializer: initializer('heNormal', { seed: 9 }) });
    const b = tf.layers.dense({ units: 4, inputShape: [3], kernelInitializer: initializer('heNormal', { seed: 9 }) });
    tf.sequential({ layers: [a] });
    tf.sequential({ layers: [b] });
    expect(Array.from(a.getWeights()[0].dataSync())).toEqual(Array.from(b.getWeights()[0].dataSync()));
  });
});

describe('mlp', () => {
  test('names layers by position and builds the same weights for the same seed', () => {
    const a = mlp({ inputs: 2, outputs: 1, depth: 3, width: 8, activation: 'tanh', init: 'glorotNormal', seed: 4 });
    const b = mlp({ inputs: 2, outputs: 1, depth: 3, width: 8, activation: 'tanh', init: 'glorotNormal', seed: 4 });
    expect(a.layers.map((l) => l.name)).toEqual(['input', 'dense_01', 'activation_01', 'dense_02', 'activation_02', 'dense_03', 'activation_03', 'output']);
    const wa = a.getWeights().map((w) => Array.from(w.dataSync()));
    expect(b.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(wa);
    expect(modelInfo(a).activationLayers.map((l) => l.layer)).toEqual(['activation_01', 'activation_02', 'activation_03']);
  });

  test('every activation builds and runs', () => {
    for (const activation of ACTIVATIONS) {
      const m = mlp({ inputs: 2, outputs: 1, depth: 2, width: 4, activation });
      const y = tf.tidy(() => Array.from((m.predict(tf.ones([3, 2])) as tf.Tensor).dataSync()));
      expect(y.every(Number.isFinite)).toBe(true);
      m.dispose();
    }
  });

  test('every initializer builds', () => {
    for (const init of INITIALIZERS) mlp({ inputs: 2, outputs: 1, depth: 2, width: 4, init }).dispose();
  });

  test('leakyRelu uses slope 0.01 on the negative side; gelu is the erf form', () => {
    const m = mlp({ inputs: 1, outputs: 1, depth: 1, width: 1, activation: 'leakyRelu' });
    const probe = tf.model({ inputs: m.inputs, outputs: m.getLayer('activation_01').output as tf.SymbolicTensor });
    tf.tidy(() => m.getLayer('dense_01').setWeights([tf.ones([1, 1]), tf.zeros([1])]));
    expect(tf.tidy(() => (probe.predict(tf.tensor2d([[-2]])) as tf.Tensor).dataSync()[0])).toBeCloseTo(-0.02, 6);
    const g = mlp({ inputs: 1, outputs: 1, depth: 1, width: 1, activation: 'gelu' });
    const gp = tf.model({ inputs: g.inputs, outputs: g.getLayer('activation_01').output as tf.SymbolicTensor });
    tf.tidy(() => g.getLayer('dense_01').setWeights([tf.ones([1, 1]), tf.zeros([1])]));
    // gelu(1) = 1 * Phi(1) = 0.841345 (erf form; the tanh approximation gives 0.841192)
    expect(tf.tidy(() => (gp.predict(tf.tensor2d([[1]])) as tf.Tensor).dataSync()[0])).toBeCloseTo(0.841345, 5);
  });

  test('batch norm uses eps 1e-5 and momentum 0.9; residual adds skips, with projections where widths differ', () => {
    const m = mlp({ inputs: 2, outputs: 1, depth: 3, width: [4, 4, 6], batchNorm: 'after', residual: true, residualScale: 0.5 });
    const names = m.layers.map((l) => l.name);
    expect(names).toContain('residual_02');
    expect(names).toContain('skip_03');
    expect(names).not.toContain('skip_02');
    expect(names).toContain('scale_02');
    const bn = m.getLayer('batchnorm_01').getConfig() as { epsilon: number; momentum: number };
    expect(bn.epsilon).toBe(1e-5);
    expect(bn.momentum).toBe(0.9);
    expect(names.indexOf('batchnorm_01')).toBeGreaterThan(names.indexOf('activation_01'));
  });

  test('models can be saved and loaded as ordinary tfjs models', async () => {
    const m = mlp({ inputs: 2, outputs: 1, depth: 2, width: 4, residual: true, residualScale: 0.5, seed: 1 });
    let saved: tf.io.ModelArtifacts | undefined;
    await m.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const x = tf.tensor2d([[0.3, -0.2]]);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((m.predict(x) as tf.Tensor).dataSync()));
  });
});

describe('recurrent', () => {
  test('LSTM uses sigmoid gates and the forget bias; names are stable', () => {
    const m = recurrent({ cell: 'lstm', units: 3, inputs: 2, outputs: 1, forgetBias: 1, seed: 0 });
    expect(m.layers.map((l) => l.name)).toEqual(['input', 'lstm_01', 'output']);
    const config = m.getLayer('lstm_01').getConfig() as { recurrentActivation: string };
    expect(config.recurrentActivation).toBe('sigmoid');
    const bias = Array.from(m.getLayer('lstm_01').getWeights()[2].dataSync());
    expect(bias).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  });

  test('GRU and simple RNN build; same seed, same weights', () => {
    for (const cell of ['simple', 'gru'] as const) {
      const a = recurrent({ cell, units: 4, inputs: 2, outputs: 1, seed: 3 });
      const b = recurrent({ cell, units: 4, inputs: 2, outputs: 1, seed: 3 });
      expect(b.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(a.getWeights().map((w) => Array.from(w.dataSync())));
    }
  });
});
