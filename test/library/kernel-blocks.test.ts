/**
 * Residual blocks and PReLU on the kernel step (models/kernel-mlp.ts): `train` with SGD, momentum, Adam or
 * RMSProp (with and without clipping by global norm) against the same training through the engine (GRADSCOPE_KERNEL_STEP=0),
 * and `trainTogether` against each model trained alone through the engine: histories (losses, norms, every
 * probe record), PReLU's learned slopes and every final weight equal byte for byte, no tensor left behind,
 * and the kernel step really taken (the engine sees a fraction of the operations).
 */
import * as tf from '@tensorflow/tfjs';
import { History, MlpOptions, mlp, train, trainTogether } from '../../src/index';
import { kernelMlp } from '../../src/models/kernel-mlp';
import type { TrainOptions } from '../../src/training/train';
import { differing } from '../support/bits';
import { EVERY_PROBE, XOR_POINTS, kernelStepHooks, stepVia } from '../support/kernel-runs';

kernelStepHooks();

const data = XOR_POINTS;
const probes = EVERY_PROBE;

const build = (options: Record<string, unknown>, seed = 2) =>
  mlp({ inputs: 2, outputs: 1, depth: 6, width: 24, init: 'glorotNormal', seed, ...options } as MlpOptions);


/** The trained model's weights, each a tensor (the caller disposes them). */
const weightsOf = (model: tf.LayersModel) => model.getWeights().map((w) => w.clone());

/** Entries that differ as bits, over two lists of tensors of the same shapes. */
function differingAll(a: tf.Tensor[], b: tf.Tensor[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((n, t, i) => n + differing(t, b[i]), 0);
}

/** `train`'s history without its timing, and the final weights. */
async function trainOnce(options: Record<string, unknown>, training: TrainOptions, engine: boolean) {
  stepVia(engine);
  const model = build(options);
  const before = tf.memory().numTensors;
  const h = await train(model, data, { batchSize: 48, steps: 13, quiet: true, probes, ...training });
  const leaked = tf.memory().numTensors - before;
  const weights = weightsOf(model);
  model.dispose();
  return { history: JSON.stringify({ ...h, msPerStep: 0 }), weights, leaked };
}

const RESIDUAL_CASES = [
  ['residual relu, scale 1', { activation: 'relu', init: 'heNormal', residual: true }, {}],
  ['residual relu, scale 1/sqrt(6)', { activation: 'relu', init: 'heNormal', residual: true, residualScale: 1 / Math.sqrt(6) }, {}],
  ['residual sigmoid, scale 0.3', { activation: 'sigmoid', residual: true, residualScale: 0.3 }, { learningRate: 0.5 }],
  ['residual tanh, scale 2, widths that change (projected skips)', { activation: 'tanh', residual: true, residualScale: 2, width: [24, 24, 16, 16, 32, 8] }, {}],
  ['residual elu, scale 0.5, mean squared error', { activation: 'elu', residual: true, residualScale: 0.5 }, { loss: 'meanSquaredError' }],
  ['residual sigmoid, clipped by global norm at some steps', { activation: 'sigmoid', residual: true, residualScale: 0.5 }, { clipGlobalNorm: 0.3, learningRate: 0.5 }],
] as const;

const PRELU_CASES = [
  ['prelu', { activation: 'prelu', init: 'heNormal' }, { learningRate: 0.3 }],
  ['prelu, clipped by global norm at every step', { activation: 'prelu', init: 'heNormal' }, { clipGlobalNorm: 0.05 }],
  ['prelu residual, scale 0.4, widths that change', { activation: 'prelu', init: 'heNormal', residual: true, residualScale: 0.4, width: [24, 16, 16, 16, 24, 24] }, {}],
] as const;

// The optimizers of training/kernel-optimizers.ts on these models: the update does not depend on the model.
const OPTIMIZER_CASES = [
  ['residual sigmoid, scale 1/sqrt(6), momentum', { activation: 'sigmoid', residual: true, residualScale: 1 / Math.sqrt(6) }, { optimizer: 'momentum', learningRate: 0.03 }],
  ['prelu, adam', { activation: 'prelu', init: 'heNormal' }, { optimizer: 'adam', learningRate: 0.01 }],
  ['prelu residual, rmsprop, clipped by global norm', { activation: 'prelu', init: 'heNormal', residual: true, residualScale: 0.5 }, { optimizer: 'rmsprop', learningRate: 0.003, clipGlobalNorm: 0.05 }],
] as const;

test.each([...RESIDUAL_CASES, ...PRELU_CASES, ...OPTIMIZER_CASES])('train, %s: the kernel step equals the engine step byte for byte', async (_name, options, training) => {
  const kernel = await trainOnce(options, training as TrainOptions, false);
  const engine = await trainOnce(options, training as TrainOptions, true);
  expect(kernel.history).toBe(engine.history);
  expect(differingAll(kernel.weights, engine.weights)).toBe(0);
  expect(kernel.leaked).toBe(0);
  expect(engine.leaked).toBe(0);
  if ('clipGlobalNorm' in training) expect(JSON.parse(kernel.history).clipping.firedSteps).toBeGreaterThan(0);
  tf.dispose([...kernel.weights, ...engine.weights]);
});

test('PReLU: the slopes are weights the step trains, listed where the engine path lists them', async () => {
  const model = build({ activation: 'prelu', init: 'heNormal' });
  const net = kernelMlp(model)!;
  expect(net).not.toBeNull();
  const slopes = model.layers.filter((l) => l.name.startsWith('activation_')).map((l) => l.getWeights()[0]);
  expect(slopes).toHaveLength(6);
  // Every trainable weight the engine path differentiates is one the kernel step updates.
  expect(new Set(net.weights)).toEqual(new Set(model.trainableWeights.map((w) => (w as unknown as { read(): tf.Variable }).read())));
  const start = slopes.map((s) => s.clone());
  stepVia(false);
  const h = await train(model, data, { batchSize: 48, steps: 13, quiet: true, learningRate: 0.3, probes: { every: 13, batchGradients: true, parameters: 'all' } });
  const after = model.layers.filter((l) => l.name.startsWith('activation_')).map((l) => l.getWeights()[0]);
  // The slopes moved, and the gradient probe reports one row per slope vector ('activation_01/alpha', ...).
  expect(differingAll(start, after)).toBeGreaterThan(0);
  expect(h.batchGradients[0].layers.filter((l) => /alpha/.test(l.name))).toHaveLength(6);
  tf.dispose(start);
  model.dispose();
});

/** Each history's numbers (steps and probe records) and final weights, trained together or alone. */
async function histories(options: Record<string, unknown>, training: Record<string, unknown>, together: boolean) {
  const seeds = [0, 1, 2];
  const runs: { history: string; weights: tf.Tensor[] }[] = [];
  const record = (h: History, model: tf.LayersModel) =>
    runs.push({ history: JSON.stringify([h.steps, h.batchGradients, h.gradients, h.weights, h.updates, h.activations]), weights: weightsOf(model) });
  const common = { batchSize: 32, steps: 10, seed: 3, quiet: true, probes: { every: 5, batchGradients: true, updates: true, gradients: true, weights: true, activations: true }, ...training };
  if (together) {
    stepVia(false);
    const models = seeds.map((seed) => build(options, seed));
    const before = tf.memory().numTensors;
    const hs = await trainTogether(models, data, common);
    expect(tf.memory().numTensors).toBe(before);
    hs.forEach((h, k) => record(h, models[k]));
    models.forEach((m) => m.dispose());
  } else {
    stepVia(true);
    for (const seed of seeds) {
      const model = build(options, seed);
      record(await train(model, data, common), model);
      model.dispose();
    }
  }
  return runs;
}

test.each([
  ['residual relu, scale 1', { activation: 'relu', init: 'heNormal', residual: true }, {}],
  ['residual sigmoid, scale 1/sqrt(6)', { activation: 'sigmoid', residual: true, residualScale: 1 / Math.sqrt(6) }, { learningRate: 0.5 }],
  ['residual relu, scale 0.5, widths that change, clipped by global norm', { activation: 'relu', init: 'heNormal', residual: true, residualScale: 0.5, width: [24, 16, 16, 8, 8, 8] }, { clipGlobalNorm: 0.1 }],
  ['residual sigmoid, scale 1/sqrt(6), momentum', { activation: 'sigmoid', residual: true, residualScale: 1 / Math.sqrt(6) }, { optimizer: 'momentum', learningRate: 0.03 }],
  ['residual relu, adam, clipped by global norm', { activation: 'relu', init: 'heNormal', residual: true, residualScale: 0.5 }, { optimizer: 'adam', learningRate: 0.01, clipGlobalNorm: 0.1 }],
])('trainTogether, %s: each model equals the model trained alone through the engine, byte for byte', async (_name, options, training) => {
  const together = await histories(options, training, true);
  const alone = await histories(options, training, false);
  together.forEach((run, k) => {
    expect(run.history).toBe(alone[k].history);
    expect(differingAll(run.weights, alone[k].weights)).toBe(0);
  });
  tf.dispose([...together, ...alone].flatMap((r) => r.weights));
});

test.each([
  ['train, residual relu', { activation: 'relu', init: 'heNormal', residual: true, residualScale: 0.5 }, false, {}],
  ['train, prelu', { activation: 'prelu', init: 'heNormal' }, false, {}],
  ['trainTogether, residual sigmoid', { activation: 'sigmoid', residual: true, residualScale: 0.5 }, true, {}],
  ['trainTogether, residual sigmoid, momentum', { activation: 'sigmoid', residual: true, residualScale: 0.5 }, true, { optimizer: 'momentum' }],
  ['train, prelu, adam', { activation: 'prelu', init: 'heNormal' }, false, { optimizer: 'adam', learningRate: 0.01 }],
] as const)('%s takes the kernel step: the engine runs a fraction of the operations', async (_name, options, together, training) => {
  const kernelsOf = async (engine: boolean) => {
    stepVia(engine);
    const models = [0, 1].map((seed) => build(options, seed));
    const run = async () => {
      const common = { batchSize: 48, steps: 5, quiet: true, probes: false as const, ...training };
      if (together && !engine) await trainTogether(models, data, common);
      else for (const m of models) await train(m, data, common);
    };
    const info = await tf.profile(run);
    models.forEach((m) => m.dispose());
    return info.kernels.length;
  };
  const kernel = await kernelsOf(false);
  const engine = await kernelsOf(true);
  expect(kernel).toBeLessThan(engine / 2);
});
