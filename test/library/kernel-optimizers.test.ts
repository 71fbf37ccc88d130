/**
 * Momentum, Adam and RMSProp on the step taken kernel by kernel (training/kernel-optimizers.ts), in `train`
 * and in `trainTogether`, with and without clipping by global norm, against the same runs through the engine
 * and tfjs's own optimizers (GRADSCOPE_KERNEL_STEP=0): histories (losses, norms, every probe record, the
 * `updates` probe and the batch gradients included) and final weights equal byte for byte, no tensor left
 * behind, and the kernel step really taken (the engine sees a fraction of the operations).
 */
import * as tf from '@tensorflow/tfjs';
import { ready } from '../../src/core/backend';
import { History, blobs, mlp, train, trainTogether } from '../../src/index';
import type { TrainOptions } from '../../src/training/train';
import type { TogetherOptions } from '../../src/training/together';
import { differing } from '../support/bits';
import { EVERY_PROBE, XOR_POINTS, kernelStepHooks, stepVia } from '../support/kernel-runs';

kernelStepHooks();

const data = XOR_POINTS;
const probes = EVERY_PROBE;


/** A history without its timing, as text: equal texts are equal records, number for number. */
const asText = (h: History) => JSON.stringify({ ...h, msPerStep: 0 });

const build = (options: Record<string, unknown>, seed = 2) =>
  mlp({ inputs: 2, outputs: 1, depth: 6, width: 24, init: 'glorotNormal', seed, ...options } as Parameters<typeof mlp>[0]);

/** `train`'s history and final weights (as tensors, disposed by the caller), and the tensors left behind. */
async function run(options: Record<string, unknown>, training: TrainOptions, engine: boolean) {
  stepVia(engine);
  const model = build(options);
  const before = tf.memory().numTensors;
  const history = await train(model, data, { batchSize: 48, steps: 13, quiet: true, probes, ...training });
  const leaked = tf.memory().numTensors - before;
  const weights = model.getWeights().map((w) => w.clone());
  model.dispose();
  return { history: asText(history), weights, leaked };
}

/** Entries of the final weights that differ as bits, over all weight tensors. */
function differingWeights(a: tf.Tensor[], b: tf.Tensor[]): number {
  expect(a.length).toBe(b.length);
  const n = a.reduce((sum, t, i) => sum + differing(t, b[i]), 0);
  tf.dispose([...a, ...b]);
  return n;
}

const CASES = [
  ['momentum, sigmoid', { activation: 'sigmoid' }, { optimizer: 'momentum', learningRate: 0.1 }],
  ['momentum 0.5, relu', { activation: 'relu', init: 'heNormal' }, { optimizer: 'momentum', momentum: 0.5 }],
  ['adam, sigmoid', { activation: 'sigmoid' }, { optimizer: 'adam', learningRate: 0.01 }],
  ['adam, tanh, in order', { activation: 'tanh' }, { optimizer: 'adam', shuffle: false }],
  ['adam, elu, mean squared error', { activation: 'elu' }, { optimizer: 'adam', loss: 'meanSquaredError' }],
  ['adam, leakyRelu', { activation: 'leakyRelu' }, { optimizer: 'adam', learningRate: 0.02 }],
  ['rmsprop, relu', { activation: 'relu', init: 'heNormal' }, { optimizer: 'rmsprop' }],
  ['momentum, tanh, clipped by global norm at some steps', { activation: 'tanh', depth: 10 }, { optimizer: 'momentum', clipGlobalNorm: 0.9, learningRate: 0.2 }],
  ['adam, sigmoid, clipped by global norm at every step', { activation: 'sigmoid' }, { optimizer: 'adam', clipGlobalNorm: 0.02 }],
  ['adam, relu, clipping that never fires', { activation: 'relu' }, { optimizer: 'adam', clipGlobalNorm: 1e6 }],
] as const;

test.each(CASES)('train, %s: the kernel step equals the engine step byte for byte', async (_name, options, training) => {
  const kernel = await run(options, training as TrainOptions, false);
  const engine = await run(options, training as TrainOptions, true);
  expect(kernel.history).toBe(engine.history);
  expect(JSON.parse(kernel.history).steps).toHaveLength(13);
  expect(differingWeights(kernel.weights, engine.weights)).toBe(0);
  expect(kernel.leaked).toBe(0);
  expect(engine.leaked).toBe(0);
  if ('clipGlobalNorm' in training && training.clipGlobalNorm < 1) expect(JSON.parse(kernel.history).clipping.firedSteps).toBeGreaterThan(0);
});

test('the comparison can fail: Adam with another learning rate differs', async () => {
  const kernel = await run({ activation: 'sigmoid' }, { optimizer: 'adam', learningRate: 0.01 }, false);
  const engine = await run({ activation: 'sigmoid' }, { optimizer: 'adam', learningRate: 0.0100001 }, true);
  expect(kernel.history).not.toBe(engine.history);
  expect(differingWeights(kernel.weights, engine.weights)).toBeGreaterThan(0);
});

test('a step that overflows stops at the same step, before the update, either way (momentum)', async () => {
  const options = { activation: 'relu', init: 'naive', initStd: 3 };
  const kernel = await run(options, { optimizer: 'momentum', learningRate: 10 }, false);
  const engine = await run(options, { optimizer: 'momentum', learningRate: 10 }, true);
  expect(JSON.parse(kernel.history).stopped?.reason).toBe('nonFinite');
  expect(kernel.history).toBe(engine.history);
  expect(differingWeights(kernel.weights, engine.weights)).toBe(0);
});

test.each([
  ['momentum', { optimizer: 'momentum', learningRate: 0.1 }],
  ['adam', { optimizer: 'adam', learningRate: 0.01 }],
  ['adam, clipped by global norm', { optimizer: 'adam', clipGlobalNorm: 0.3 }],
  ['momentum, softmax cross-entropy (losses one by one)', { optimizer: 'momentum' }],
] as const)('trainTogether, %s: each model equals the model trained alone through the engine, byte for byte', async (name, training) => {
  const three = name.includes('softmax');
  const points = three ? blobs({ n: 200, classes: 3, seed: 1 }) : data;
  const shape = { activation: 'tanh', depth: 4, width: 12, ...(three ? { outputs: 3 } : {}) };
  const options = { batchSize: 32, steps: 10, quiet: true, probes: { every: 5, batchGradients: true, updates: true }, ...training } as TogetherOptions;
  const seeds = [0, 1, 2];
  stepVia(true);
  const alone: string[] = [];
  const aloneWeights: tf.Tensor[][] = [];
  for (const seed of seeds) {
    const m = build(shape, seed);
    alone.push(asText(await train(m, points, options as TrainOptions)));
    aloneWeights.push(m.getWeights().map((w) => w.clone()));
    m.dispose();
  }
  stepVia(false);
  const models = seeds.map((seed) => build(shape, seed));
  const before = tf.memory().numTensors;
  const together = await trainTogether(models, points, options);
  expect(tf.memory().numTensors).toBe(before);
  seeds.forEach((_, k) => {
    expect(asText(together[k])).toBe(alone[k]);
    expect(differingWeights(models[k].getWeights().map((w) => w.clone()), aloneWeights[k])).toBe(0);
  });
  models.forEach((m) => m.dispose());
});

test('an autoencoder (real-valued targets, 8 outputs, mean squared error), adam in order: byte for byte', async () => {
  const x = tf.randomUniform([192, 8], 0, 1, 'float32', 3);
  const y = tf.randomNormal([192, 8], 0, 1, 'float32', 4);
  const runs = [];
  for (const engine of [false, true]) {
    stepVia(engine);
    const model = mlp({ inputs: 8, outputs: 8, depth: 1, width: 16, activation: 'sigmoid', init: 'glorotNormal', seed: 5 });
    const before = tf.memory().numTensors;
    const history = await train(model, { x, y }, { optimizer: 'adam', learningRate: 0.01, batchSize: 64, epochs: 5, shuffle: false, loss: 'meanSquaredError', quiet: true, probes });
    expect(tf.memory().numTensors).toBe(before);
    runs.push({ history: asText(history), weights: model.getWeights().map((w) => w.clone()) });
    model.dispose();
  }
  tf.dispose([x, y]);
  expect(runs[0].history).toBe(runs[1].history);
  expect(differingWeights(runs[0].weights, runs[1].weights)).toBe(0);
});

test.each([
  ['momentum', { optimizer: 'momentum' }],
  ['adam', { optimizer: 'adam' }],
  ['adam clipped by global norm', { optimizer: 'adam', clipGlobalNorm: 0.02 }],
] as const)('%s takes the kernel step: the engine runs a fraction of the operations', async (_name, training) => {
  const kernelsOf = async (engine: boolean, together: boolean) => {
    stepVia(engine);
    const models = [0, 1].map((seed) => build({ activation: 'sigmoid' }, seed));
    const options = { batchSize: 48, steps: 5, quiet: true, probes: false as const, ...training };
    const info = await tf.profile(async () => void (together ? await trainTogether(models, data, options) : await train(models[0], data, options as TrainOptions)));
    models.forEach((m) => m.dispose());
    return info.kernels.length;
  };
  for (const together of [false, true]) {
    const kernel = await kernelsOf(false, together);
    const engine = await kernelsOf(true, together);
    expect(kernel).toBeLessThan(engine / 2);
  }
});

test('on the cpu backend (the update as the backend\'s kernels): momentum, adam and rmsprop byte for byte', async () => {
  await ready({ backend: 'cpu', quiet: true });
  expect(tf.getBackend()).toBe('cpu');
  for (const optimizer of ['momentum', 'adam', 'rmsprop'] as const) {
    const training: TrainOptions = { optimizer, loss: optimizer === 'adam' ? 'meanSquaredError' : undefined };
    const kernel = await run({ activation: 'sigmoid', depth: 4, width: 12 }, training, false);
    const engine = await run({ activation: 'sigmoid', depth: 4, width: 12 }, training, true);
    expect(kernel.history).toBe(engine.history);
    expect(differingWeights(kernel.weights, engine.weights)).toBe(0);
    expect(kernel.leaked).toBe(0);
  }
  stepVia(false);
  const models = [0, 1].map((seed) => build({ activation: 'tanh', depth: 3, width: 8 }, seed));
  const before = tf.memory().numTensors;
  const info = await tf.profile(async () => void (await trainTogether(models, data, { optimizer: 'adam', batchSize: 48, steps: 4, quiet: true, probes: false })));
  expect(tf.memory().numTensors).toBe(before);
  // No optimizer's operations through the engine: none of Adam's square roots.
  expect(info.kernels.filter((k) => k.name === 'Sqrt')).toHaveLength(0);
  models.forEach((m) => m.dispose());
});
