/**
 * trainTogether on several threads gives, bit for bit, what it gives on one: every history number and every
 * final weight (non-trainable ones included); it falls back to one thread where threads cannot or need not
 * be used; a worker's error reaches the caller; nothing leaks; and the idle pool lets node exit.
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { ready } from '../../src/core/backend';
import { History, MlpOptions, circles, mlp, trainTogether } from '../../src/index';
import { stopTrainingThreads, trainGroupOnWorker, trainingThreadCount } from '../../src/training/threads';

beforeAll(async () => {
  await ready({ quiet: true });
});

afterAll(async () => {
  await stopTrainingThreads();
});

const data = circles({ n: 256, seed: 0 });

/** A history without its timing (the only number that may differ between runs). */
const untimed = (h: History) => ({ ...h, msPerStep: 0 });
/** Every weight of every model, float32 bits as numbers. */
const weightsOf = (models: tf.LayersModel[]) => models.map((m) => m.getWeights().map((w) => Array.from(w.dataSync())));

/** Trains fresh models of `shape` (seeds 0..n-1) with `options` on `threads` threads. */
async function run(shape: Partial<MlpOptions>, options: object, threads: number, n = 3) {
  const models = Array.from({ length: n }, (_, seed) => mlp({ inputs: 2, outputs: 1, depth: 4, width: 16, seed, ...shape } as MlpOptions));
  const before = tf.memory().numTensors;
  const histories = await trainTogether(models, data, { batchSize: 64, quiet: true, ...options, threads });
  const tensors = tf.memory().numTensors - before;
  const weights = weightsOf(models);
  models.forEach((m) => m.dispose());
  return { histories, weights, tensors };
}

test.each([
  ['sigmoid, sgd, every probe each 5 steps', { activation: 'sigmoid', init: 'glorotNormal' }, { steps: 15, probes: { every: 5, batchGradients: true, updates: true } }],
  ['relu, adam, global-norm clipping', { activation: 'relu', init: 'heNormal' }, { steps: 15, optimizer: 'adam', clipGlobalNorm: 0.5 }],
  ['relu residual, momentum', { activation: 'relu', init: 'heNormal', residual: true, residualScale: 0.5 }, { steps: 15, optimizer: 'momentum', learningRate: 0.05 }],
  ['sigmoid with batch norm (running statistics), sgd', { activation: 'sigmoid', init: 'glorotNormal', batchNorm: 'before' }, { steps: 15, learningRate: 0.2, probes: { every: 5 } }],
  ['prelu, sgd, probes on given data', { activation: 'prelu', init: 'heNormal' }, { steps: 15, probes: { every: 5, data: circles({ n: 64, seed: 3 }) } }],
  ['tanh, rmsprop, mean squared error, 4 models', { activation: 'tanh', init: 'glorotNormal' }, { steps: 15, optimizer: 'rmsprop', loss: 'meanSquaredError' }],
] as const)('%s: two threads give the one-thread histories and weights bit for bit', async (_, shape, options) => {
  const n = 'loss' in options ? 4 : 3;
  const one = await run(shape as Partial<MlpOptions>, options, 1, n);
  const two = await run(shape as Partial<MlpOptions>, options, 2, n);
  expect(trainingThreadCount()).toBeGreaterThan(0); // a worker did train a group
  expect(two.histories.map(untimed)).toEqual(one.histories.map(untimed));
  expect(two.weights).toEqual(one.weights);
  expect(one.tensors).toBe(0);
  expect(two.tensors).toBe(0);
  // The models learned something different from each other: a mix-up between models would show.
  expect(new Set(two.histories.map((h) => h.steps[h.steps.length - 1].loss)).size).toBe(n);
});

test('models that differ in their initialization train together, on two threads as on one', async () => {
  const build = () => [mlp({ inputs: 2, outputs: 1, depth: 6, width: 16, activation: 'relu', init: 'heNormal', seed: 0 }), mlp({ inputs: 2, outputs: 1, depth: 6, width: 16, activation: 'relu', init: 'glorotNormal', seed: 0 })];
  const results = [];
  for (const threads of [1, 2]) {
    const models = build();
    results.push({ histories: (await trainTogether(models, data, { steps: 10, batchSize: 64, quiet: true, threads })).map(untimed), weights: weightsOf(models) });
    models.forEach((m) => m.dispose());
  }
  expect(results[1]).toEqual(results[0]);
  expect(results[0].histories[0].model).toMatch(/heNormal/);
  expect(results[0].histories[1].model).toMatch(/glorotNormal/);
});

test('when one model overflows, every model stops at that step, on two threads as on one', async () => {
  // A learning rate of 1e4 makes the sigmoid network's weights overflow within a few steps.
  const options = { steps: 30, learningRate: 1e4, loss: 'meanSquaredError' };
  const one = await run({ activation: 'relu', init: 'heNormal', depth: 8 }, options, 1);
  const two = await run({ activation: 'relu', init: 'heNormal', depth: 8 }, options, 2);
  expect(one.histories[0].stopped?.reason).toBe('nonFinite');
  expect(two.histories.map(untimed)).toEqual(one.histories.map(untimed));
  expect(two.weights).toEqual(one.weights);
  expect(two.tensors).toBe(0);
});

test("a worker's error reaches the caller as the same clear error, and the worker stays usable", async () => {
  const job = {
    backend: tf.getBackend() as 'wasm',
    env: {},
    models: [{ options: { inputs: 2, outputs: 1, depth: -3, width: 4 }, weights: [] }],
    data: { x: { values: new Float32Array(4), shape: [2, 2], dtype: 'float32' as const }, y: { values: new Float32Array(2), shape: [2, 1], dtype: 'float32' as const } },
    options: { steps: 1, quiet: true, threads: 1 },
  };
  await expect(trainGroupOnWorker(job, () => undefined)).rejects.toThrow(/^mlp: depth is -3; allowed: /);
  // The same worker then trains, and leaves as many tensors alive after each job: nothing leaks there.
  const good = { ...job, models: [{ options: { inputs: 2, outputs: 1, depth: 2, width: 4, seed: 0 }, weights: mlp({ inputs: 2, outputs: 1, depth: 2, width: 4, seed: 0 }).getWeights().map((w) => ({ values: w.dataSync() as Float32Array, shape: w.shape, dtype: 'float32' as const })) }] };
  const first = await trainGroupOnWorker(good, () => undefined);
  const second = await trainGroupOnWorker(good, () => undefined);
  expect(first.histories).toHaveLength(1);
  expect(second.tensors).toBe(first.tensors);
});

test('progress is shown while the threads train', async () => {
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  const isTTY = process.stderr.isTTY;
  (process.stderr as { isTTY?: boolean }).isTTY = true;
  process.stderr.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const models = [0, 1].map((seed) => mlp({ inputs: 2, outputs: 1, depth: 10, width: 32, activation: 'relu', init: 'heNormal', seed }));
    await trainTogether(models, data, { steps: 60, batchSize: 64, threads: 2 });
    models.forEach((m) => m.dispose());
  } finally {
    process.stderr.write = write;
    (process.stderr as { isTTY?: boolean }).isTTY = isTTY;
  }
  expect(lines.join('')).toMatch(/trained 2 models together on 2 threads, 60 steps/);
});

// Last of the tests that use the pool: it stops the pool, which the ones above keep.
test('one thread where threads would not pay or are turned off', async () => {
  await stopTrainingThreads();
  // A short run: half a second or less of work stays on this thread.
  await run({ activation: 'relu' }, { steps: 3 }, undefined as unknown as number);
  expect(trainingThreadCount()).toBe(0);
  // GRADSCOPE_THREADS=1 turns threads off even when asked for two.
  process.env.GRADSCOPE_THREADS = '1';
  try {
    await run({ activation: 'relu' }, { steps: 3 }, 2);
    expect(trainingThreadCount()).toBe(0);
    process.env.GRADSCOPE_THREADS = 'two';
    await expect(run({ activation: 'relu' }, { steps: 3 }, 2)).rejects.toThrow(/trainTogether: the environment variable GRADSCOPE_THREADS is 'two'; allowed: a whole number of at least 1/);
  } finally {
    delete process.env.GRADSCOPE_THREADS;
  }
  await expect(run({ activation: 'relu' }, { steps: 3 }, 0)).rejects.toThrow(/trainTogether: threads is 0; allowed/);
});

test('the idle pool does not keep node running', () => {
  // The compiled library (dist/, built from src/ by `npm install` and `npm run build`), as a learner's node
  // runs it: no TypeScript compiler to load in the child or in its worker.
  const dist = path.join(__dirname, '../../dist');
  const script = `
    const g = require(${JSON.stringify(path.join(dist, 'index.js'))});
    g.ready({ quiet: true }).then(async () => {
      const models = [0, 1].map((seed) => g.mlp({ inputs: 2, outputs: 1, depth: 3, width: 8, seed }));
      const h = await g.trainTogether(models, g.circles({ n: 64, seed: 0 }), { steps: 5, quiet: true, threads: 2 });
      console.log('trained', h.length, require(${JSON.stringify(path.join(dist, 'training', 'threads.js'))}).trainingThreadCount());
    });`;
  const started = Date.now();
  const child = spawnSync(process.execPath, ['-e', script], { cwd: path.join(__dirname, '../..'), encoding: 'utf8', timeout: 90_000 });
  expect(child.stderr).toBe('');
  expect(child.stdout.trim()).toBe('trained 2 1');
  expect(child.status).toBe(0); // exited by itself (a live worker would have held it until the timeout)
  expect(Date.now() - started).toBeLessThan(90_000);
});
