/**
 * The native backend ('tensorflow', built by `npm run native-backend`) against wasm: the direct training path
 * of MLPs and of the LSTM, simple RNN and GRU (on wasm through gradscope's own kernels, on native through
 * TensorFlow.js operations) gives the same losses and gradients on both to float32 rounding, training agrees
 * over steps, and the leaner native kernels (src/core/native-kernels.ts) give tfjs-node's own numbers bit for bit
 * and leave no tensor behind.
 *
 * The native backend is optional (its library is 1.4 GB and its download is not reachable everywhere). Where
 * it is not installed, this file checks the other branch instead: asking for it fails, naming the fix.
 */
import * as tf from '@tensorflow/tfjs';
import { ready } from '../../src/core/backend';
import { setNativeKernels } from '../../src/core/native-kernels';
import { addingProblem, mlp, recurrent, train, xor } from '../../src/index';
import { directForward } from '../../src/models/direct';
import { trainableVariables } from '../../src/probes/parameters';
import { lossFunction } from '../../src/core/losses';

function nativeInstalled(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

/**
 * The model with every bias and batch-norm shift set to small values that differ per unit (they start at zero,
 * where a kernel that dropped them would go unnoticed); the values come from JavaScript, the same on every backend.
 */
function withBiases(model: tf.LayersModel): tf.LayersModel {
  for (const w of model.weights.filter((v) => /bias|beta/.test(v.name))) {
    const size = w.shape.reduce((a, b) => a! * b!, 1)!;
    const values = Array.from({ length: size }, (_, i) => 0.1 * Math.sin(1 + i));
    tf.tidy(() => w.write(tf.tensor(values, w.shape as number[])));
  }
  return model;
}

/** Loss and every weight gradient, through the direct path, on the backend in use. */
function lossAndGradients(model: tf.LayersModel, x: number[][] | number[][][], y: number[][], loss: 'binaryCrossEntropy' | 'meanSquaredError') {
  const forward = directForward(model);
  expect(forward).not.toBeNull();
  const variables = trainableVariables(model);
  return tf.tidy(() => {
    const xs = tf.tensor(x);
    const ys = tf.tensor(y);
    const { value, grads } = tf.variableGrads(() => lossFunction(loss)(ys, forward!(xs)), variables);
    return { loss: value.dataSync()[0], grads: variables.map((v) => Array.from(grads[v.name].dataSync())) };
  });
}

/**
 * Largest difference over the loss and every gradient, relative to the largest magnitude in that tensor. A
 * gradient that is zero in exact arithmetic (a bias followed by batch norm) is float32 noise on both backends:
 * there both must stay below 1e-5 of the largest gradient of the model (counted as a difference of 1 if not).
 */
function worstDifference(a: ReturnType<typeof lossAndGradients>, b: ReturnType<typeof lossAndGradients>): number {
  let worst = Math.abs(a.loss - b.loss) / Math.abs(a.loss);
  const largest = Math.max(...a.grads.map((g) => Math.max(...g.map(Math.abs))));
  a.grads.forEach((g, i) => {
    const scale = Math.max(...g.map(Math.abs));
    if (scale < 1e-5 * largest) {
      if (Math.max(...b.grads[i].map(Math.abs)) >= 1e-5 * largest) worst = 1;
      return;
    }
    g.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b.grads[i][j]) / scale)));
  });
  return worst;
}

const points = xor({ n: 128, seed: 3 });
const adding = addingProblem({ n: 32, length: 20, seed: 2 });

const MODELS = [
  ['20 x 64 sigmoid (workload A, fused layers)', () => mlp({ inputs: 2, outputs: 1, depth: 20, width: 64, activation: 'sigmoid', init: 'glorotNormal', seed: 1 }), 'points'],
  ['tanh (not fused)', () => mlp({ inputs: 2, outputs: 1, depth: 4, width: 16, activation: 'tanh', seed: 1 }), 'points'],
  ['relu residual (workload C shape)', () => mlp({ inputs: 2, outputs: 1, depth: 10, width: 32, activation: 'relu', init: 'heNormal', residual: true, seed: 1 }), 'points'],
  ['leakyRelu residual with projections', () => mlp({ inputs: 2, outputs: 1, depth: 4, width: [8, 16, 16, 4], activation: 'leakyRelu', residual: true, residualScale: 0.5, seed: 1 }), 'points'],
  ['elu', () => mlp({ inputs: 2, outputs: 1, depth: 3, width: 8, activation: 'elu', seed: 1 }), 'points'],
  ['sigmoid, batch norm (workload E shape)', () => mlp({ inputs: 2, outputs: 1, depth: 6, width: 16, activation: 'sigmoid', batchNorm: true, seed: 1 }), 'points'],
  ['lstm', () => recurrent({ cell: 'lstm', units: 8, inputs: 2, outputs: 1, seed: 4 }), 'adding'],
  ['simple rnn', () => recurrent({ cell: 'simple', units: 8, inputs: 2, outputs: 1, seed: 4 }), 'adding'],
  ['gru, 2 layers', () => recurrent({ cell: 'gru', units: 5, layers: 2, inputs: 2, outputs: 1, seed: 4 }), 'adding'],
  ['lstm, 2 layers, no forget bias', () => recurrent({ cell: 'lstm', units: 5, layers: 2, forgetBias: 0, inputs: 2, outputs: 1, seed: 4 }), 'adding'],
] as const;

const dataOf = (kind: 'points' | 'adding') =>
  kind === 'points'
    ? { x: points.x as number[][], y: points.y as number[][], loss: 'binaryCrossEntropy' as const }
    : { x: adding.x as number[][][], y: adding.y as number[][], loss: 'meanSquaredError' as const };

if (nativeInstalled()) {
  beforeAll(async () => {
    await ready({ backend: 'wasm', quiet: true });
    await ready({ backend: 'tensorflow', quiet: true });
  });

  test.each(MODELS)('%s: loss and gradients on tensorflow equal wasm to float32 rounding', async (_, build, kind) => {
    const { x, y, loss } = dataOf(kind);
    const on = async (backend: 'wasm' | 'tensorflow') => {
      await tf.setBackend(backend);
      const model = withBiases(build());
      const result = lossAndGradients(model, x, y, loss);
      model.dispose();
      return result;
    };
    const wasm = await on('wasm');
    const native = await on('tensorflow');
    // float32 carries ~7 digits; 20 layers of rounding in a different order stay well inside 1e-4 of the
    // largest entry, while a wrong kernel (another activation, a dropped bias) is off by 1e-2 or more.
    expect(worstDifference(wasm, native)).toBeLessThan(1e-4);
  });

  test('20 SGD steps of workload A: the loss history on tensorflow follows wasm to float32 rounding', async () => {
    const run = async (backend: 'wasm' | 'tensorflow') => {
      await tf.setBackend(backend);
      const model = MODELS[0][1]();
      const history = await train(model, points, { steps: 20, batchSize: 64, learningRate: 0.1, quiet: true, probes: false });
      model.dispose();
      return history.steps.map((s) => s.loss);
    };
    const wasm = await run('wasm');
    const native = await run('tensorflow');
    expect(native).toHaveLength(20);
    native.forEach((value, i) => expect(Math.abs(value - wasm[i]) / wasm[i]).toBeLessThan(1e-5));
  });

  test("the lean native kernels give tfjs-node's own numbers bit for bit and leave no tensor behind", async () => {
    await tf.setBackend('tensorflow');
    const results = [];
    for (const lean of [false, true]) {
      setNativeKernels(lean);
      const model = withBiases(MODELS[0][1]());
      const before = tf.memory().numTensors;
      results.push(lossAndGradients(model, points.x as number[][], points.y as number[][], 'binaryCrossEntropy'));
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    }
    expect(setNativeKernels(true)).toBe(true);
    expect(results[1].loss).toBe(results[0].loss);
    results[1].grads.forEach((g, i) => expect(g).toEqual(results[0].grads[i]));
  });

  test('a reshape on the native backend keeps values and shape, for float32 and int32', async () => {
    await tf.setBackend('tensorflow');
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      expect(tf.reshape(tf.range(0, 6), [2, 3]).arraySync()).toEqual([[0, 1, 2], [3, 4, 5]]);
      expect(tf.reshape(tf.range(0, 6, 1, 'int32'), [3, -1]).arraySync()).toEqual([[0, 1], [2, 3], [4, 5]]);
    });
    expect(tf.memory().numTensors).toBe(before);
  });
} else {
  test('without the native backend installed, asking for it fails and names the fix', async () => {
    await expect(ready({ backend: 'tensorflow', quiet: true })).rejects.toThrow(/npm run native-backend/);
  });
}
