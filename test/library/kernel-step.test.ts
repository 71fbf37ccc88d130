/**
 * `train`'s plain-SGD step kernel by kernel (training/kernel-step.ts), with and without clipping by global
 * norm, against the same step through the engine (GRADSCOPE_KERNEL_STEP=0): histories (losses, norms, every probe record) and final weights equal
 * byte for byte, no tensor left behind, and the kernel step really taken (the engine sees a fraction of the
 * operations).
 */
import * as tf from '@tensorflow/tfjs';
import { mlp, spirals, train } from '../../src/index';
import type { TrainOptions } from '../../src/training/train';
import { EVERY_PROBE, XOR_POINTS, engineOperations, kernelStepHooks } from '../support/kernel-runs';

kernelStepHooks();

const data = XOR_POINTS;
const probes = EVERY_PROBE;

/** The history without its timing, and every final weight's bytes. */
async function run(options: Record<string, unknown>, training: TrainOptions, points = data, viaEngine = false) {
  if (viaEngine) process.env.GRADSCOPE_KERNEL_STEP = '0';
  else delete process.env.GRADSCOPE_KERNEL_STEP;
  const model = mlp({ inputs: 2, outputs: 1, depth: 6, width: 24, init: 'glorotNormal', seed: 2, ...options } as Parameters<typeof mlp>[0]);
  const before = tf.memory().numTensors;
  const h = await train(model, points, { batchSize: 48, steps: 13, quiet: true, probes, ...training });
  const leaked = tf.memory().numTensors - before;
  const weights = model.getWeights().map((w) => Buffer.from(w.dataSync().buffer).toString('base64'));
  model.dispose();
  return { history: JSON.stringify({ ...h, msPerStep: 0 }), weights, leaked };
}

test.each([
  ['sigmoid', { activation: 'sigmoid' }, {}],
  ['tanh', { activation: 'tanh' }, { learningRate: 0.3 }],
  ['relu', { activation: 'relu', init: 'heNormal' }, {}],
  ['elu', { activation: 'elu' }, { shuffle: false }],
  ['leakyRelu, mean squared error', { activation: 'leakyRelu' }, { loss: 'meanSquaredError' }],
  ['linear', { activation: 'linear' }, {}],
  ['sigmoid, clipped by global norm at every step', { activation: 'sigmoid' }, { clipGlobalNorm: 0.02 }],
  ['tanh, clipped by global norm at some steps', { activation: 'tanh', depth: 10 }, { clipGlobalNorm: 0.9, learningRate: 0.5 }],
  ['relu, clipping that never fires', { activation: 'relu' }, { clipGlobalNorm: 1e6 }],
])('%s: the kernel step equals the engine step byte for byte', async (_name, options, training) => {
  const kernel = await run(options, training as TrainOptions);
  const engine = await run(options, training as TrainOptions, data, true);
  expect(kernel.history).toBe(engine.history);
  expect(kernel.weights).toEqual(engine.weights);
  expect(kernel.leaked).toBe(0);
  expect(engine.leaked).toBe(0);
});

test('softmax outputs: the kernel step equals the engine step byte for byte', async () => {
  const three = spirals({ n: 150, classes: 3, seed: 1 });
  const kernel = await run({ activation: 'relu', outputs: 3 }, {}, three);
  const engine = await run({ activation: 'relu', outputs: 3 }, {}, three, true);
  expect(kernel.history).toBe(engine.history);
  expect(kernel.weights).toEqual(engine.weights);
});

test('a step that overflows stops at the same step, before the update, either way', async () => {
  const options = { activation: 'relu', init: 'naive', initStd: 3 };
  const kernel = await run(options, { learningRate: 10 });
  const engine = await run(options, { learningRate: 10 }, data, true);
  expect(JSON.parse(kernel.history).stopped?.reason).toBe('nonFinite');
  expect(kernel.history).toBe(engine.history);
  expect(kernel.weights).toEqual(engine.weights);
});

test.each([
  ['plain SGD', {}],
  ['SGD clipped by global norm', { clipGlobalNorm: 0.02 }],
])('%s takes the kernel step: the engine runs a fraction of the operations', async (_name, training) => {
  const { kernel, engine } = await engineOperations(() => mlp({ inputs: 2, outputs: 1, depth: 6, width: 24, activation: 'sigmoid', init: 'glorotNormal' }), training);
  expect(kernel).toBeLessThan(engine / 2);
});
