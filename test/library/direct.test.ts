/**
 * The directly computed models (src/models/direct-*.ts) against the layers path: the same loss, the same
 * gradient for every weight and the same running statistics, to float32 rounding, on every model shape the
 * direct path covers; and models it does not cover are left to the layers path.
 */
import * as tf from '@tensorflow/tfjs';
import { ready } from '../../src/core/backend';
import { addingProblem, mlp, recurrent, xor } from '../../src/index';
import { directForward } from '../../src/models/direct';
import { trainableVariables } from '../../src/probes/parameters';
import { lossFunction } from '../../src/core/losses';

beforeAll(async () => {
  await ready({ quiet: true });
});

/**
 * Largest |a - b| relative to the size of the tensor it is in, over the loss, every gradient and the running
 * statistics. A gradient that is zero in exact arithmetic (a bias followed by batch norm) is float32 noise in
 * both paths: there both must stay below 1e-5 of the largest gradient.
 */
function compare(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, loss: 'binaryCrossEntropy' | 'meanSquaredError') {
  const fn = lossFunction(loss);
  const variables = trainableVariables(model);
  const forward = directForward(model);
  expect(forward).not.toBeNull();
  const statistics = () => model.weights.filter((w) => /moving/.test(w.name)).map((w) => w.read().arraySync() as number[]);
  const before = model.getWeights().map((w) => w.clone());
  const viaLayers = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => fn(y, model.apply(x, { training: true }) as tf.Tensor), variables);
    return { loss: value.dataSync()[0], grads: variables.map((v) => grads[v.name].dataSync()) };
  });
  const statsLayers = statistics();
  model.setWeights(before);
  const viaDirect = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => fn(y, forward!(x)), variables);
    return { loss: value.dataSync()[0], grads: variables.map((v) => grads[v.name].dataSync()) };
  });
  const statsDirect = statistics();
  before.forEach((t) => t.dispose());
  let worst = Math.abs(viaLayers.loss - viaDirect.loss) / (Math.abs(viaLayers.loss) + 1e-6);
  const largest = Math.max(...viaLayers.grads.map((g) => Math.max(...Array.from(g, Math.abs))));
  viaLayers.grads.forEach((g, i) => {
    const size = Math.max(...Array.from(g, Math.abs));
    if (size < 1e-5 * largest) {
      worst = Math.max(worst, Math.max(...Array.from(viaDirect.grads[i], Math.abs)) / (1e-5 * largest) > 1 ? 1 : 0);
      return;
    }
    const scale = size;    g.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - viaDirect.grads[i][j]) / scale)));
  });
  statsLayers.forEach((s, i) => s.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - statsDirect[i][j]) / (Math.abs(v) + 1e-6)))));
  return worst;
}

const points = xor({ n: 64, seed: 3 });
const x = tf.tensor2d(points.x as number[][]);
const y = tf.tensor2d(points.y as number[][]);

test.each([
  ['20 x 16 sigmoid', { depth: 20, width: 16, activation: 'sigmoid', init: 'glorotNormal' }],
  ['tanh, widths differ', { depth: 3, width: [8, 16, 4], activation: 'tanh' }],
  ['relu residual', { depth: 6, width: 16, activation: 'relu', init: 'heNormal', residual: true }],
  ['leakyRelu residual with projections and scale', { depth: 4, width: [8, 16, 16, 4], activation: 'leakyRelu', residual: true, residualScale: 0.5 }],
  ['elu', { depth: 3, width: 8, activation: 'elu' }],
  ['sigmoid, batch norm before', { depth: 5, width: 16, activation: 'sigmoid', batchNorm: true }],
  ['relu, batch norm after', { depth: 5, width: 16, activation: 'relu', batchNorm: 'after' }],
] as const)('mlp %s: direct loss and gradients equal the layers path to float32 rounding', (_, options) => {
  const model = mlp({ inputs: 2, outputs: 1, seed: 1, ...(options as object) } as Parameters<typeof mlp>[0]);
  expect(compare(model, x, y, 'binaryCrossEntropy')).toBeLessThan(2e-4);
  model.dispose();
});

const adding = addingProblem({ n: 16, length: 12, seed: 2 });
const ax = tf.tensor3d(adding.x as number[][][]);
const ay = tf.tensor2d(adding.y as number[][]);

test.each([
  ['lstm', { cell: 'lstm', units: 8 }],
  ['lstm, two layers, forget bias 0', { cell: 'lstm', units: 6, layers: 2, forgetBias: 0 }],
  ['simple', { cell: 'simple', units: 8 }],
  ['simple, two layers', { cell: 'simple', units: 5, layers: 2 }],
  ['gru', { cell: 'gru', units: 8 }],
  ['gru, two layers', { cell: 'gru', units: 6, layers: 2 }],
] as const)('recurrent %s: direct loss and gradients equal the layers path to float32 rounding', (_, options) => {
  const model = recurrent({ inputs: 2, outputs: 1, seed: 4, ...(options as object) } as Parameters<typeof recurrent>[0]);
  expect(compare(model, ax, ay, 'meanSquaredError')).toBeLessThan(2e-4);
  model.dispose();
});

test('models the direct path does not cover are left to the layers path', () => {
  const gelu = mlp({ inputs: 2, outputs: 1, depth: 2, width: 4, activation: 'gelu' });
  const frozen = mlp({ inputs: 2, outputs: 1, depth: 2, width: 4 });
  frozen.layers[1].trainable = false;
  const input = tf.input({ shape: [2] });
  const plain = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 1 }).apply(input) as tf.SymbolicTensor });
  for (const m of [gelu, frozen, plain]) {
    expect(directForward(m)).toBeNull();
    m.dispose();
  }
});

test('the direct forward pass leaves no tensor behind', () => {
  const model = mlp({ inputs: 2, outputs: 1, depth: 4, width: 8, batchNorm: true });
  const forward = directForward(model)!;
  const variables = trainableVariables(model);
  const before = tf.memory().numTensors;
  tf.tidy(() => void tf.variableGrads(() => lossFunction('binaryCrossEntropy')(y, forward(x)), variables));
  expect(tf.memory().numTensors).toBe(before);
  model.dispose();
});

test('the recurrent direct forward pass leaves no tensor behind, with and without a gradient', () => {
  for (const cell of ['lstm', 'simple', 'gru'] as const) {
    const model = recurrent({ cell, units: 6, inputs: 2, outputs: 1, layers: 2, seed: 1 });
    const forward = directForward(model)!;
    const variables = trainableVariables(model);
    const before = tf.memory().numTensors;
    tf.tidy(() => void tf.variableGrads(() => lossFunction('meanSquaredError')(ay, forward(ax)), variables));
    tf.tidy(() => void forward(ax));
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  }
});

test('recurrent at the reference size (T = 100, 32 units, batch 64; LSTM, simple RNN, GRU): direct equals the layers path', () => {
  const long = addingProblem({ n: 64, length: 100, seed: 5 });
  const lx = tf.tensor3d(long.x as number[][][]);
  const ly = tf.tensor2d(long.y as number[][]);
  for (const cell of ['lstm', 'simple', 'gru'] as const) {
    const model = recurrent({ cell, units: 32, inputs: 2, outputs: 1, seed: 6 });
    expect(compare(model, lx, ly, 'meanSquaredError')).toBeLessThan(2e-4);
    model.dispose();
  }
  tf.dispose([lx, ly]);
});

test('recurrent on the cpu backend (TensorFlow.js operations where wasm runs its own kernels): direct equals the layers path', async () => {
  const previous = tf.getBackend();
  await tf.setBackend('cpu');
  try {
    const cx = tf.tensor3d(adding.x as number[][][]);
    const cy = tf.tensor2d(adding.y as number[][]);
    for (const options of [{ cell: 'lstm', units: 8 }, { cell: 'lstm', units: 5, layers: 2, forgetBias: 0 }, { cell: 'simple', units: 8 }, { cell: 'gru', units: 5, layers: 2 }] as const) {
      const model = recurrent({ inputs: 2, outputs: 1, seed: 4, ...options });
      expect(compare(model, cx, cy, 'meanSquaredError')).toBeLessThan(2e-4);
      model.dispose();
    }
    tf.dispose([cx, cy]);
  } finally {
    await tf.setBackend(previous);
  }
});

test('recurrent on short sequences (T = 2, 3; where the first step weighs most): direct equals the layers path', () => {
  for (const length of [2, 3]) {
    const short = addingProblem({ n: 8, length, seed: 1 });
    const sx = tf.tensor3d(short.x as number[][][]);
    const sy = tf.tensor2d(short.y as number[][]);
    for (const cell of ['lstm', 'simple', 'gru'] as const) {
      for (const layers of [1, 2]) {
        const model = recurrent({ cell, units: 4, inputs: 2, outputs: 1, layers, seed: 3 });
        expect(compare(model, sx, sy, 'meanSquaredError')).toBeLessThan(2e-4);
        model.dispose();
      }
    }
    tf.dispose([sx, sy]);
  }
});
