/**
 * trainEach gives, bit for bit, what `train` called on each model one after another gives: every history
 * number and every final weight (batch norm's running statistics included), each model with its own seed;
 * it falls back to those plain calls where threads cannot be used; a worker's error reaches the caller;
 * nothing leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { ready } from '../../src/core/backend';
import { History, MlpOptions, TrainOptions, circles, mlp, train, trainEach } from '../../src/index';
import { stopTrainingThreads, trainingThreadCount } from '../../src/training/threads';

// The module's own exports object, which trainEach calls through: a spy on it counts the models sent to a worker
// in each call (and still runs them there).
// eslint-disable-next-line @typescript-eslint/no-var-requires
const threads = require('../../src/training/threads') as typeof import('../../src/training/threads');
const toWorkers = jest.spyOn(threads, 'trainGroupOnWorker');

beforeAll(async () => {
  await ready({ quiet: true });
});

afterAll(async () => {
  await stopTrainingThreads();
});

const data = circles({ n: 256, seed: 0 });
const seeds = [0, 1, 2];

/** A history without its timing (the only number that may differ between runs). */
const untimed = (h: History) => ({ ...h, msPerStep: 0 });
const weightsOf = (models: tf.LayersModel[]) => models.map((m) => m.getWeights().map((w) => Array.from(w.dataSync())));
const build = (shape: Partial<MlpOptions>) => seeds.map((seed) => mlp({ inputs: 2, outputs: 1, depth: 10, width: 64, seed, ...shape } as MlpOptions));

/** Trains fresh models of `shape` with `options(seed)`: plain `train` one after another, or trainEach. */
async function run(shape: Partial<MlpOptions>, options: (seed: number) => TrainOptions, each: boolean) {
  const models = build(shape);
  const before = tf.memory().numTensors;
  const histories = each ? await trainEach(models, data, seeds.map(options)) : await (async () => {
    const hs: History[] = [];
    for (const [k, m] of models.entries()) hs.push(await train(m, data, options(seeds[k])));
    return hs;
  })();
  const tensors = tf.memory().numTensors - before;
  const weights = weightsOf(models);
  models.forEach((m) => m.dispose());
  return { histories: histories.map(untimed), weights, tensors };
}

test.each([
  ['sigmoid, sgd, every probe each 20 steps', { activation: 'sigmoid', init: 'glorotNormal' }, (seed: number) => ({ steps: 40, batchSize: 64, seed, quiet: true, probes: { every: 20, batchGradients: true } })],
  ['relu, adam, held-out data', { activation: 'relu', init: 'heNormal' }, (seed: number) => ({ steps: 40, batchSize: 64, seed, optimizer: 'adam', quiet: true, probes: { every: 20, activations: false }, validation: circles({ n: 64, seed: 9 }) })],
  ['sigmoid with batch norm (running statistics)', { activation: 'sigmoid', init: 'glorotNormal', batchNorm: 'before' }, (seed: number) => ({ steps: 40, batchSize: 64, seed, quiet: true, probes: { every: 30, activations: false, weights: false, gradients: false } })],
  ['prelu, probes on given data', { activation: 'prelu', init: 'heNormal' }, (seed: number) => ({ steps: 40, batchSize: 64, seed, quiet: true, probes: { every: 20, weights: false, data: circles({ n: 64, seed: 3 }) } })],
  ["sigmoid with batch norm, one unit's inputs on given data", { activation: 'sigmoid', init: 'glorotNormal', batchNorm: 'before' }, (seed: number) => ({ steps: 40, batchSize: 64, seed, quiet: true, probes: { every: 20, gradients: false, updates: false, weights: false, activations: false, data: circles({ n: 64, seed: 3 }), unit: { layer: 'activation_04', index: 2 } }, validation: circles({ n: 64, seed: 9 }) })],
] as const)('%s: trainEach gives the plain calls\' histories and weights bit for bit', async (_, shape, options) => {
  const plain = await run(shape as Partial<MlpOptions>, options as (seed: number) => TrainOptions, false);
  toWorkers.mockClear();
  const each = await run(shape as Partial<MlpOptions>, options as (seed: number) => TrainOptions, true);
  // This call sent at least one model to a worker (the worker pool is kept between the cases: no restart each time).
  expect(toWorkers).toHaveBeenCalled();
  expect(each.histories).toEqual(plain.histories);
  expect(each.weights).toEqual(plain.weights);
  expect(plain.tensors).toBe(0);
  expect(each.tensors).toBe(0);
  // Each seed has its own batch order and weights: a mix-up between models would show.
  expect(new Set(each.histories.map((h) => h.steps[h.steps.length - 1].loss)).size).toBe(seeds.length);
});

test('one options object serves every model', async () => {
  const one = build({ activation: 'relu', init: 'heNormal' });
  const histories = await trainEach(one, data, { steps: 60, batchSize: 64, quiet: true, probes: false });
  expect(histories.map((h) => h.seed)).toEqual([0, 0, 0]);
  one.forEach((m) => m.dispose());
  await expect(trainEach(build({}), data, [{}, {}])).rejects.toThrow(/^trainEach: options.length is 2; allowed: one options object, or an array of one per model \(3\)/);
});

test('the plain calls where threads cannot be used: a callback, GRADSCOPE_THREADS=1, a short run', async () => {
  await stopTrainingThreads();
  toWorkers.mockClear();
  // 40 steps of three 10 x 64 models: long enough for threads (the cases above train as long, on a worker).
  const heard: number[] = [];
  const withCallback = await run({ activation: 'relu' }, (seed) => ({ steps: 40, batchSize: 64, seed, quiet: true, probes: { every: 20 }, onProbe: (h) => void heard.push(h.lastStep) }), true);
  expect(heard).toEqual([0, 20, 40, 0, 20, 40, 0, 20, 40]);
  expect(withCallback.tensors).toBe(0);
  await run({ activation: 'relu' }, (seed) => ({ steps: 2, seed, quiet: true }), true);
  process.env.GRADSCOPE_THREADS = '1';
  try {
    await run({ activation: 'relu' }, (seed) => ({ steps: 40, batchSize: 64, seed, quiet: true }), true);
  } finally {
    delete process.env.GRADSCOPE_THREADS;
  }
  expect(toWorkers).not.toHaveBeenCalled();
  expect(trainingThreadCount()).toBe(0);
  // A bad option: the plain call's own error.
  await expect(trainEach(build({}), data, { steps: 60, optimizer: 'newton' as never, quiet: true })).rejects.toThrow(/^train: optimizer is 'newton'/);
});

test("a worker's error reaches the caller", async () => {
  const models = build({ activation: 'relu' });
  // Only the second model's options are bad, in a way found once it is on a worker (this thread takes the first).
  const options: TrainOptions[] = seeds.map((seed) => ({ steps: 40, batchSize: 64, seed, quiet: true, probes: false }));
  options[1] = { ...options[1], probes: { every: 10, parameters: 'nonsense' as never } };
  const before = tf.memory().numTensors;
  await expect(trainEach(models, data, options)).rejects.toThrow(/^train: probes.parameters/);
  expect(tf.memory().numTensors).toBe(before);
  models.forEach((m) => m.dispose());
});
