/**
 * trainTogether: N seeds trained as one batched computation give each model the history `train` gives it
 * alone (losses, gradient norms, per-step layer norms, probe records, final weights), to float32 rounding.
 */
import * as tf from '@tensorflow/tfjs';
import { ready } from '../../src/core/backend';
import { History, MlpOptions, blobs, mlp, train, trainTogether, xor } from '../../src/index';

beforeAll(async () => {
  await ready({ quiet: true });
});

/** Every number of a history that `train` measures, flattened in a fixed order. */
function numbers(h: History): number[] {
  const out: number[] = [];
  for (const s of h.steps) out.push(s.loss, s.accuracy ?? -1, s.gradNorm, s.clippedNorm, s.clipped ? 1 : 0);
  for (const g of [...h.batchGradients, ...h.gradients]) for (const l of g.layers) out.push(l.norm, l.maxAbs, l.weightNorm);
  for (const w of h.weights) for (const l of w.layers) out.push(...Object.values(l).filter((v): v is number => typeof v === 'number'));
  for (const u of h.updates) for (const l of u.layers) out.push(...Object.values(l).filter((v): v is number => typeof v === 'number'));
  for (const a of h.activations) for (const l of a.layers) out.push(...Object.values(l).filter((v): v is number => typeof v === 'number'));
  return out;
}

/** Largest |a - b| / max(|a|, |b|, 1e-30) entry by entry; the arrays must have the same length. */
function largestRelative(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i]) / Math.max(Math.abs(v), Math.abs(b[i]), 1e-30)), 0);
}

const points = xor({ n: 256, seed: 1 });
const data = points;

test.each([
  ['sigmoid, sgd, every probe', { depth: 6, width: 16, activation: 'sigmoid', init: 'glorotNormal' }, { steps: 12, batchSize: 32, probes: { every: 4, batchGradients: true } }, 'points'],
  // Plain SGD runs kernel by kernel (models/kernel-mlp.ts); these cover each activation's slope there and
  // both ways of taking the loss (all models' rows at once for a plain mean, one by one for softmax).
  ['relu, mean squared error, sgd', { depth: 4, width: 12, activation: 'relu', init: 'heNormal' }, { steps: 8, batchSize: 32, loss: 'meanSquaredError', probes: { every: 4, batchGradients: true } }, 'points'],
  ['elu, sgd', { depth: 4, width: 12, activation: 'elu', init: 'heNormal' }, { steps: 8, batchSize: 32, learningRate: 0.05, probes: { every: 4 } }, 'points'],
  ['leakyRelu, softmax cross-entropy on three classes, sgd', { depth: 4, width: 12, activation: 'leakyRelu', init: 'heNormal', outputs: 3 }, { steps: 8, batchSize: 32, probes: { every: 4 } }, 'blobs'],
  ['tanh, sgd, global-norm clipping (kernel by kernel on wasm)', { depth: 4, width: 12, activation: 'tanh', init: 'glorotNormal' }, { steps: 10, batchSize: 32, learningRate: 0.5, clipGlobalNorm: 0.3, probes: { every: 5, batchGradients: true } }, 'points'],
  ['relu residual, adam, global-norm clipping', { depth: 5, width: 12, activation: 'relu', init: 'heNormal', residual: true }, { steps: 10, batchSize: 64, optimizer: 'adam', clipGlobalNorm: 0.05, probes: { every: 5 } }, 'points'],
] as const)('%s: each model together equals the model trained alone', async (_, shape, options, dataName) => {
  const data = dataName === 'blobs' ? blobs({ n: 256, classes: 3, seed: 1 }) : points;
  const build = (seed: number) => mlp({ inputs: 2, outputs: 1, seed, ...(shape as object) } as MlpOptions);
  const seeds = [0, 1, 2];
  const alone: History[] = [];
  const aloneWeights: number[][] = [];
  // Alone through the engine (GRADSCOPE_KERNEL_STEP=0): the kernel-by-kernel step together is checked
  // against the other implementation of the same step, not against itself.
  process.env.GRADSCOPE_KERNEL_STEP = '0';
  for (const seed of seeds) {
    const m = build(seed);
    alone.push(await train(m, data, { ...(options as object), quiet: true }));
    aloneWeights.push(m.getWeights().flatMap((w) => Array.from(w.dataSync())));
    m.dispose();
  }
  delete process.env.GRADSCOPE_KERNEL_STEP;
  const models = seeds.map(build);
  const before = tf.memory().numTensors;
  const together = await trainTogether(models, data, { ...(options as object), quiet: true });
  expect(tf.memory().numTensors).toBe(before);
  let worst = 0;
  seeds.forEach((_, k) => {
    expect(together[k].steps.length).toBe(alone[k].steps.length);
    expect(together[k].gradients.length).toBe(alone[k].gradients.length);
    worst = Math.max(worst, largestRelative(numbers(alone[k]), numbers(together[k])));
    worst = Math.max(worst, largestRelative(aloneWeights[k], models[k].getWeights().flatMap((w) => Array.from(w.dataSync()))));
  });
  if (process.env.SHOW_DIFF) console.log(`largest relative difference: ${worst}`);
  // Measured on wasm: 0 (bit for bit) for the sigmoid/sgd case, 4.3e-6 for relu/adam/clipping (float32 sums in
  // a different order); a mix-up between models is order 1.
  expect(worst).toBeLessThan(1e-3);
  if ('clipGlobalNorm' in options && options.clipGlobalNorm) expect(together.some((h) => h.clipping!.firedSteps > 0)).toBe(true);
  models.forEach((m) => m.dispose());
});

test('models of different shapes, unsupported models and options are refused with a clear message', async () => {
  const a = mlp({ inputs: 2, outputs: 1, depth: 2, width: 4, seed: 0 });
  const b = mlp({ inputs: 2, outputs: 1, depth: 3, width: 4, seed: 1 });
  await expect(trainTogether([a, b], data, { steps: 1 })).rejects.toThrow(/trainTogether: models\[1\] is .*allowed: the same mlp options as models\[0\]/);
  await expect(trainTogether([a, a], data, { steps: 1 })).rejects.toThrow(/distinct models/);
  await expect(trainTogether([a], data, { steps: 1, clipValue: 1 } as never)).rejects.toThrow(/trainTogether: clipValue .*left out/);
  [a, b].forEach((m) => m.dispose());
});

test('one model trained "together" gets the history train gives it, and nothing leaks', async () => {
  const options: MlpOptions = { inputs: 2, outputs: 1, depth: 3, width: 8, activation: 'relu', init: 'heNormal', seed: 4 };
  const alone = mlp(options);
  const aloneHistory = await train(alone, data, { steps: 6, batchSize: 32, seed: 2, quiet: true });
  alone.dispose();
  const model = mlp(options);
  const before = tf.memory().numTensors;
  const [together] = await trainTogether([model], data, { steps: 6, batchSize: 32, seed: 2, quiet: true });
  expect(tf.memory().numTensors).toBe(before);
  expect(together.steps.map((s) => s.loss)).toEqual(aloneHistory.steps.map((s) => s.loss));
  model.dispose();
});
