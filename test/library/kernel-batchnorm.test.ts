/**
 * Batch-normalized models (`mlp` with batchNorm 'before' or 'after') trained with plain SGD step kernel by
 * kernel (models/kernel-batchnorm.ts through training/kernel-step.ts), against the same step through the
 * engine (GRADSCOPE_KERNEL_STEP=0: direct-mlp.ts's forward and tf.variableGrads): histories (losses, norms,
 * every probe record), the running mean and variance and the final weights equal byte for byte, no tensor
 * left behind, and the kernel step really taken (the engine sees a fraction of the operations).
 */
import * as tf from '@tensorflow/tfjs';
import { History, mlp, spirals, train, trainTogether } from '../../src/index';
import type { TrainOptions } from '../../src/training/train';
import { differing } from '../support/bits';
import { EVERY_PROBE, XOR_POINTS, engineOperations, kernelStepHooks, stepVia } from '../support/kernel-runs';

kernelStepHooks();

const data = XOR_POINTS;
const probes = EVERY_PROBE;
const shape = { inputs: 2, outputs: 1, depth: 5, width: 24, init: 'glorotNormal', seed: 2 };

const build = (options: Record<string, unknown>) => mlp({ ...shape, ...options } as Parameters<typeof mlp>[0]);
const withoutTime = (h: History) => JSON.stringify({ ...h, msPerStep: 0 });

/** The running mean and variance of every batch-norm layer, and every other weight, as tensors (copies). */
function weightsOf(model: tf.LayersModel): { moving: tf.Tensor[]; all: tf.Tensor[] } {
  const moving = model.layers.filter((l) => l.name.startsWith('batchnorm')).flatMap((l) => l.getWeights().slice(2).map((w) => w.clone()));
  return { moving, all: model.getWeights().map((w) => w.clone()) };
}

/** Entries that differ as bits, over two lists of tensors. */
const differingAll = (a: tf.Tensor[], b: tf.Tensor[]) => (expect(a.length).toBe(b.length), a.reduce((n, t, i) => n + differing(t, b[i]), 0));

async function run(options: Record<string, unknown>, training: TrainOptions, engine: boolean, points = data) {
  stepVia(engine);
  const model = build(options);
  const before = tf.memory().numTensors;
  const h = await train(model, points, { batchSize: 48, steps: 13, quiet: true, probes, ...training });
  const leaked = tf.memory().numTensors - before;
  const weights = weightsOf(model);
  model.dispose();
  return { history: withoutTime(h), weights, leaked };
}

test.each([
  ['before, sigmoid', { activation: 'sigmoid', batchNorm: 'before' }, {}],
  ['after, sigmoid', { activation: 'sigmoid', batchNorm: 'after' }, {}],
  ['before, relu', { activation: 'relu', init: 'heNormal', batchNorm: 'before' }, {}],
  ['after, relu', { activation: 'relu', init: 'heNormal', batchNorm: 'after' }, { shuffle: false }],
  ['before, tanh', { activation: 'tanh', batchNorm: 'before' }, { learningRate: 0.3 }],
  ['after, tanh', { activation: 'tanh', batchNorm: 'after' }, { learningRate: 0.3 }],
  ['batchNorm true (before), leakyRelu, mean squared error', { activation: 'leakyRelu', batchNorm: true }, { loss: 'meanSquaredError' }],
  ['after, elu', { activation: 'elu', batchNorm: 'after' }, {}],
  ['before, sigmoid, clipped by global norm at every step', { activation: 'sigmoid', batchNorm: 'before' }, { clipGlobalNorm: 0.02 }],
  ['after, relu, clipped by global norm at some steps', { activation: 'relu', init: 'heNormal', batchNorm: 'after', depth: 10 }, { clipGlobalNorm: 1.5, learningRate: 0.5 }],
])('%s: the kernel step equals the engine step byte for byte', async (_name, options, training) => {
  const kernel = await run(options, training as TrainOptions, false);
  const engine = await run(options, training as TrainOptions, true);
  expect(kernel.history).toBe(engine.history);
  expect(differingAll(kernel.weights.all, engine.weights.all)).toBe(0);
  expect(differingAll(kernel.weights.moving, engine.weights.moving)).toBe(0);
  // The running statistics moved (mean from 0, variance from 1): the comparison above compares updates.
  const [mean, variance] = kernel.weights.moving;
  expect(mean.abs().max().dataSync()[0]).toBeGreaterThan(0);
  expect(variance.sub(1).abs().max().dataSync()[0]).toBeGreaterThan(0);
  if ('clipGlobalNorm' in training) expect(JSON.parse(kernel.history).clipping.firedSteps).toBeGreaterThan(0);
  tf.dispose([...kernel.weights.all, ...kernel.weights.moving, ...engine.weights.all, ...engine.weights.moving]);
  expect(kernel.leaked).toBe(0);
  expect(engine.leaked).toBe(0);
});

test('softmax outputs: the kernel step equals the engine step byte for byte', async () => {
  const three = spirals({ n: 150, classes: 3, seed: 1 });
  const kernel = await run({ activation: 'relu', outputs: 3, batchNorm: 'before' }, {}, false, three);
  const engine = await run({ activation: 'relu', outputs: 3, batchNorm: 'before' }, {}, true, three);
  expect(kernel.history).toBe(engine.history);
  expect(differingAll(kernel.weights.all, engine.weights.all)).toBe(0);
  tf.dispose([...kernel.weights.all, ...kernel.weights.moving, ...engine.weights.all, ...engine.weights.moving]);
});

test.each([
  ['before, sigmoid', { activation: 'sigmoid', batchNorm: 'before' }, {}],
  ['after, relu, clipped by global norm', { activation: 'relu', init: 'heNormal', batchNorm: 'after' }, { clipGlobalNorm: 0.5 }],
])('trainTogether, %s: each model equals the model trained alone through the engine, byte for byte', async (_name, options, training) => {
  const seeds = [0, 1];
  const together = seeds.map((seed) => build({ ...options, seed }));
  const before = tf.memory().numTensors;
  const histories = await trainTogether(together, data, { batchSize: 48, steps: 13, quiet: true, probes, ...training });
  expect(tf.memory().numTensors).toBe(before);
  for (const [k, seed] of seeds.entries()) {
    stepVia(true);
    const alone = build({ ...options, seed });
    const history = await train(alone, data, { batchSize: 48, steps: 13, quiet: true, probes, ...training });
    expect(withoutTime(histories[k])).toBe(withoutTime(history));
    const [a, b] = [weightsOf(together[k]), weightsOf(alone)];
    expect(differingAll(a.all, b.all)).toBe(0);
    expect(differingAll(a.moving, b.moving)).toBe(0);
    tf.dispose([...a.all, ...a.moving, ...b.all, ...b.moving]);
    alone.dispose();
  }
  together.forEach((m) => m.dispose());
});

test.each([
  ['plain SGD', {}],
  ['SGD clipped by global norm', { clipGlobalNorm: 0.02 }],
])('%s on a batch-normalized model takes the kernel step: the engine runs a fraction of the operations', async (_name, training) => {
  const { kernel, engine } = await engineOperations(() => build({ activation: 'sigmoid', batchNorm: 'before' }), training);
  expect(kernel).toBeLessThan(engine / 2);
});
