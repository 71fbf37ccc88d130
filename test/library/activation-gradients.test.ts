import * as tf from '@tensorflow/tfjs';
import { ready } from '../../src/core/backend';
import { activationGradients, gradientNorms, lossFunction, mlp, moons, recurrent, spirals, addingProblem } from '../../src/advanced';

beforeAll(async () => {
  await ready({ quiet: true });
});

/** Sets every dense layer of a width-1 chain: kernels from `weights`, biases 0. */
function setChain(model: tf.LayersModel, weights: number[]): void {
  const dense = model.layers.filter((l) => l.getClassName() === 'Dense');
  expect(dense.length).toBe(weights.length);
  dense.forEach((layer, i) => {
    const [k, b] = layer.getWeights();
    tf.tidy(() => layer.setWeights([tf.tensor(Array(k.size).fill(weights[i]), k.shape), tf.zerosLike(b)]));
  });
}

describe('activationGradients against closed forms', () => {
  test('the doc-comment chain: dL/dh = [9, 18], while dL/dW = [9, 36, 6]', () => {
    const model = mlp({ inputs: 1, outputs: 1, depth: 2, width: 1, activation: 'linear', seed: 1 });
    setChain(model, [2, 0.5, 3]);
    const data = { x: [[1]], y: [[0]] };
    const g = activationGradients(model, data, { loss: 'meanSquaredError' });
    expect(g.probe).toBe('activationGradients');
    expect(g.layers.map((l) => l.name)).toEqual(['activation_01', 'activation_02']);
    expect(g.layers.map((l) => l.depth)).toEqual([1, 2]);
    expect(g.layers[0].shape).toEqual([1, 1]);
    expect(g.layers[0].norm).toBeCloseTo(9, 5);
    expect(g.layers[1].norm).toBeCloseTo(18, 5);
    expect(g.layers[1].log10).toBeCloseTo(Math.log10(18), 6);
    expect(g.loss).toBeCloseTo(9, 5);
    expect(g.examples).toBe(1);
    const w = gradientNorms(model, data, { loss: 'meanSquaredError' });
    expect(w.layers.map((l) => l.norm).map((v) => Math.round(v * 1e4) / 1e4)).toEqual([9, 36, 6]);
    model.dispose();
  });

  test('a linear chain over several examples: dL/dh_l = sum over examples of (2/n)(p - y) prod_{k > l} w_k', () => {
    const weights = [0.5, 2, -0.25, 1.5, 0.8, 3];
    const model = mlp({ inputs: 1, outputs: 1, depth: 5, width: 1, activation: 'linear', seed: 1 });
    setChain(model, weights);
    const xs = [0.7, -0.2, 1.1];
    const ys = [0.3, 0.1, -0.4];
    const g = activationGradients(model, { x: xs.map((v) => [v]), y: ys.map((v) => [v]) }, { loss: 'meanSquaredError' });
    g.layers.forEach((layer, l) => {
      const after = weights.slice(l + 1).reduce((a, w) => a * w, 1);
      const per = xs.map((x, i) => ((2 / xs.length) * (weights.reduce((a, w) => a * w, x) - ys[i]) * after));
      const expected = Math.sqrt(per.reduce((s, v) => s + v * v, 0));
      expect(Math.abs(layer.norm - expected) / expected).toBeLessThan(1e-5);
      expect(layer.rms).toBeCloseTo(expected / Math.sqrt(3), 6);
    });
    model.dispose();
  });

  test('a residual chain: the skip adds 1 to the step back, dL/dh_1 = dL/dh_2 (1 + w_2)', () => {
    const model = mlp({ inputs: 1, outputs: 1, depth: 2, width: 1, activation: 'linear', residual: true, seed: 1 });
    setChain(model, [2, 0.5, 3]);
    // h_1 = 2, a_2 = 1, h_2 = h_1 + a_2 = 3, p = 9, dL/dp = 18; dL/da_2 = 54; dL/dh_1 = 54 (1 + 0.5) = 81.
    const g = activationGradients(model, { x: [[1]], y: [[0]] }, { loss: 'meanSquaredError' });
    expect(g.layers.map((l) => l.name)).toEqual(['activation_01', 'activation_02']);
    expect(g.layers[0].norm).toBeCloseTo(81, 3);
    expect(g.layers[1].norm).toBeCloseTo(54, 3);
    model.dispose();
  });

  test('norms of 1e-26 are exact (summed in float64), where a float32 square would underflow', () => {
    const model = mlp({ inputs: 1, outputs: 1, depth: 3, width: 1, activation: 'linear', seed: 1 });
    setChain(model, [1, 1e-13, 1e-13, 1]);
    const g = activationGradients(model, { x: [[1]], y: [[1]] }, { loss: 'meanSquaredError' });
    // p ~ 1e-26, dL/dp = 2 (p - 1) ~ -2; dL/dh_1 = -2 * 1e-13 * 1e-13.
    const expected = 2e-26;
    expect(Math.abs(g.layers[0].norm - expected) / expected).toBeLessThan(1e-5);
    expect(g.layers[0].underflow).toBe(false);
    expect(g.layers[0].log10).toBeCloseTo(Math.log10(2e-26), 4);
    model.dispose();
  });
});

/** dL/dh for every entry of the activation `name`, by central differences through the layers after it (a plain chain). */
function finiteDifferenceNorm(model: tf.LayersModel, data: { x: number[][]; y: number[][] }, name: string, eps: number): number {
  const layers = model.layers.slice(1);
  const at = layers.findIndex((l) => l.name === name);
  const head = layers.slice(0, at + 1);
  const tail = layers.slice(at + 1);
  return tf.tidy(() => {
    const x = tf.tensor2d(data.x);
    const y = tf.tensor2d(data.y);
    const h = head.reduce((t, l) => l.apply(t, { training: true }) as tf.Tensor, x as tf.Tensor);
    const values = h.arraySync() as number[][];
    const lossAt = (v: number[][]) => {
      const out = tail.reduce((t, l) => l.apply(t, { training: true }) as tf.Tensor, tf.tensor2d(v) as tf.Tensor);
      // binary cross-entropy on logits, mean over examples (the default loss for a binary dataset)
      return lossFunction('binaryCrossEntropy')(y, out).dataSync()[0];
    };
    let sum = 0;
    values.forEach((row, i) =>
      row.forEach((v, j) => {
        const up = values.map((r) => [...r]);
        const down = values.map((r) => [...r]);
        up[i][j] = v + eps;
        down[i][j] = v - eps;
        const d = (lossAt(up) - lossAt(down)) / (2 * eps);
        sum += d * d;
      }),
    );
    return Math.sqrt(sum);
  });
}

describe('activationGradients against finite differences', () => {
  const data = spirals({ n: 6, seed: 3 });
  test.each([
    ['tanh', false],
    // (not relu: a step of 1e-3 can cross relu's kink at z = 0, where a central difference is wrong;
    // the relu chain is checked against autodiff below)
    ['elu', false],
    ['tanh', 'before'],
    ['sigmoid', 'after'],
  ] as const)('%s MLP, batchNorm %s (training mode)', (activation, batchNorm) => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 3, width: 5, activation, batchNorm, init: 'heNormal', seed: 4 });
    const g = activationGradients(model, data);
    expect(g.lossName).toBe('binaryCrossEntropy');
    expect(g.training).toBe(true);
    g.layers.forEach((layer) => {
      const fd = finiteDifferenceNorm(model, data, layer.name, 1e-3);
      expect(Math.abs(layer.norm - fd) / fd).toBeLessThan(2e-3);
    });
    model.dispose();
  });

  test('on the layer chain of mlp it matches adding zeros after each activation and differentiating (lesson 03\'s old inline code)', () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 6, width: 8, activation: 'relu', init: 'naive', initStd: 0.01, seed: 0 });
    const data = moons({ n: 32, seed: 0 });
    const layers = model.layers.slice(1);
    const grads = tf.tidy(() => {
      const x = tf.tensor2d(data.x);
      const y = tf.tensor2d(data.y);
      const zeros = layers.filter((l) => l.name.startsWith('activation_')).map(() => tf.zeros([32, 8]));
      return tf.grads((...e: tf.Tensor[]) => {
        let h: tf.Tensor = x;
        let i = 0;
        for (const layer of layers) {
          h = layer.apply(h) as tf.Tensor;
          if (layer.name.startsWith('activation_')) h = tf.add(h, e[i++]);
        }
        return lossFunction('binaryCrossEntropy')(y, h) as tf.Scalar;
      })(zeros);
    });
    const expected = grads.map((g) => Math.sqrt(Array.from(g.dataSync()).reduce((s, v) => s + v * v, 0)));
    tf.dispose(grads);
    const g = activationGradients(model, data);
    g.layers.forEach((layer, i) => expect(Math.abs(layer.norm - expected[i]) / expected[i]).toBeLessThan(1e-6));
    model.dispose();
  });
});

describe('activationGradients on models not built by mlp', () => {
  test('tf.sequential with activations inside Dense layers: the last hidden layer gets dL/dh = (sigmoid(p) - y) / n * w_out', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [2], units: 4, activation: 'tanh', name: 'a' }),
        tf.layers.dense({ units: 3, activation: 'relu', name: 'b' }),
        tf.layers.dense({ units: 1, name: 'out' }),
      ],
    });
    const data = spirals({ n: 16, seed: 2 });
    const g = activationGradients(model, data);
    expect(g.layers.map((l) => [l.name, l.activation, l.shape])).toEqual([['a', 'tanh', [16, 4]], ['b', 'relu', [16, 3]]]);
    const p = tf.tidy(() => Array.from((model.predict(tf.tensor2d(data.x)) as tf.Tensor).dataSync()));
    const w = Array.from(model.getLayer('out').getWeights()[0].dataSync());
    let sum = 0;
    p.forEach((logit, i) => {
      const delta = (1 / (1 + Math.exp(-logit)) - data.y[i][0]) / 16;
      w.forEach((wj) => (sum += (delta * wj) ** 2));
    });
    expect(Math.abs(g.layers[1].norm - Math.sqrt(sum)) / Math.sqrt(sum)).toBeLessThan(1e-5);
    model.dispose();
  });
});

describe('activationGradients records', () => {
  test('an exact zero is reported as an underflow: {norm 0, log10 null, underflow true}', () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 3, width: 4, activation: 'relu', seed: 0 });
    const out = model.getLayer('output');
    const [k, b] = out.getWeights();
    tf.tidy(() => out.setWeights([tf.zerosLike(k), tf.zerosLike(b)]));
    const g = activationGradients(model, spirals({ n: 16 }));
    g.layers.forEach((layer) => {
      expect(layer.norm).toBe(0);
      expect(layer.log10).toBeNull();
      expect(layer.underflow).toBe(true);
      expect(layer.nonFinite).toBe(0);
    });
    expect(JSON.parse(JSON.stringify(g))).toEqual(g);
    model.dispose();
  });

  test('batch-norm running statistics are left as they were; training: false uses them', () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 3, width: 8, activation: 'tanh', batchNorm: true, seed: 2 });
    const before = model.nonTrainableWeights.map((w) => Array.from(w.read().dataSync()));
    const train = activationGradients(model, spirals({ n: 32 }));
    const infer = activationGradients(model, spirals({ n: 32 }), { training: false });
    const after = model.nonTrainableWeights.map((w) => Array.from(w.read().dataSync()));
    expect(after).toEqual(before);
    expect(train.training).toBe(true);
    expect(infer.training).toBe(false);
    expect(infer.layers[0].norm).not.toBeCloseTo(train.layers[0].norm, 6);
    model.dispose();
  });

  test('no tensor leaks (plain, batch norm, residual)', () => {
    const data = spirals({ n: 32 });
    for (const options of [{}, { batchNorm: true }, { residual: true, residualScale: 0.5 }]) {
      const model = mlp({ inputs: 2, outputs: 1, depth: 4, width: 8, ...options });
      activationGradients(model, data);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) activationGradients(model, data, { step: i });
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    }
  });

  test('errors name the field, the value and what is allowed', () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 2, width: 4 });
    const data = spirals({ n: 8 });
    expect(() => activationGradients(model, data, { stepp: 1 } as never)).toThrow(/^activationGradients: unknown field 'stepp' in options; allowed fields: loss, step, training \(did you mean 'step'\?\)$/);
    expect(() => activationGradients(model, data, { step: -1 })).toThrow(/^activationGradients: step is -1; allowed: an integer from 0 to/);
    expect(() => activationGradients(model, data, { training: 'yes' as never })).toThrow(/^activationGradients: training is 'yes'; allowed: true or false$/);
    expect(() => activationGradients(model, data, { loss: 'hinge' as never })).toThrow(/^activationGradients: loss is 'hinge'; allowed: one of /);
    expect(() => activationGradients(model, null as never)).toThrow(/^activationGradients: data is null; allowed: /);
    expect(() => activationGradients({} as never, data)).toThrow(/^activationGradients: model is .*; allowed: a tf.LayersModel/);
    expect(() => activationGradients(model, spirals({ n: 8, classes: 3 }))).toThrow(/^activationGradients: data.y columns is 3; allowed: 1/);
    const rnn = recurrent({ cell: 'lstm', units: 4, inputs: 2, outputs: 1, length: 5 });
    expect(() => activationGradients(rnn, addingProblem({ n: 8, length: 5 }))).toThrow(
      /^activationGradients: model is 'a recurrent model \(lstm_01\)'; allowed: a feed-forward model such as mlp\(\); for recurrent models use gradientOverTime$/,
    );
    rnn.dispose();
    model.dispose();
  });
});
