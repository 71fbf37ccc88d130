/**
 * trainGroups gives, bit for bit, what `trainTogether` called on each group one after another gives: every
 * history number and every final weight, the groups side by side on the cores (a worker trains at least one
 * group, the longest first); it falls back to those plain calls where threads cannot be used; a worker's
 * error reaches the caller; nothing leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { ready } from '../../src/core/backend';
import { History, MlpOptions, TogetherOptions, moons, mlp, trainGroups, trainTogether } from '../../src/index';
import { longestFirst } from '../../src/training/each';
import { stopTrainingThreads, trainingThreadCount } from '../../src/training/threads';

beforeAll(async () => {
  await ready({ quiet: true });
});

afterAll(async () => {
  await stopTrainingThreads();
});

const data = moons({ n: 256, seed: 0 });
const seeds = [0, 1, 2];
const untimed = (h: History) => ({ ...h, msPerStep: 0 });

/** Three experiments of three seeds each: two depths, and the deeper one at a second learning rate. */
const experiments: { shape: Partial<MlpOptions>; options: TogetherOptions }[] = [
  { shape: { depth: 3 }, options: { learningRate: 0.1, batchSize: 64, steps: 60, seed: 0, probes: { every: 30 }, quiet: true } },
  { shape: { depth: 8 }, options: { learningRate: 0.1, batchSize: 64, steps: 60, seed: 0, probes: false, quiet: true } },
  { shape: { depth: 8, batchNorm: 'before' }, options: { optimizer: 'momentum', learningRate: 0.03, batchSize: 64, steps: 60, seed: 5, probes: false, quiet: true } },
];
const build = (shape: Partial<MlpOptions>) => seeds.map((seed) => mlp({ inputs: 2, outputs: 1, width: 32, activation: 'relu', init: 'heNormal', seed, ...shape } as MlpOptions));

async function run(grouped: boolean) {
  const groups = experiments.map((e) => ({ models: build(e.shape), options: e.options }));
  const before = tf.memory().numTensors;
  const results: History[][] = grouped ? await trainGroups(groups, data) : [];
  if (!grouped) for (const g of groups) results.push(await trainTogether(g.models, data, g.options));
  const tensors = tf.memory().numTensors - before;
  const weights = groups.map((g) => g.models.map((m) => m.getWeights().map((w) => Array.from(w.dataSync()))));
  groups.forEach((g) => g.models.forEach((m) => m.dispose()));
  return { histories: results.map((hs) => hs.map(untimed)), weights, tensors };
}

test("trainGroups gives the plain trainTogether calls' histories and weights bit for bit", async () => {
  await stopTrainingThreads();
  const plain = await run(false);
  await stopTrainingThreads();
  const grouped = await run(true);
  expect(trainingThreadCount()).toBeGreaterThan(0); // a worker did train a group
  expect(grouped.histories).toEqual(plain.histories);
  expect(grouped.weights).toEqual(plain.weights);
  expect(grouped.tensors).toBe(0);
  expect(plain.tensors).toBe(0);
  // Every group and seed trained its own way: a mix-up between groups or models would show.
  expect(new Set(grouped.histories.flat().map((h) => h.steps[h.steps.length - 1].loss)).size).toBe(9);
  expect(grouped.histories[0][0].gradients).toHaveLength(3);
});

test('the longest group goes first, ties in group order', () => {
  expect(longestFirst([1, 3, 1, 3])).toEqual([1, 3, 0, 2]);
});

test('one group, or threads asked for, is a plain trainTogether call; bad groups are refused by name', async () => {
  const models = build({ depth: 2 });
  const [histories] = await trainGroups([{ models, options: { steps: 5, batchSize: 64, quiet: true, probes: false, threads: 1 } }], data);
  expect(histories).toHaveLength(3);
  await expect(trainGroups([], data)).rejects.toThrow(/^trainGroups: groups is \[\]; allowed: an array of one or more \{ models, options \}/);
  await expect(trainGroups([{ models: 'x' } as never], data)).rejects.toThrow(/^trainGroups: groups\[0\] is /);
  models.forEach((m) => m.dispose());
});

test("a worker's error reaches the caller", async () => {
  const groups = [0, 1].map(() => ({ models: build({ depth: 6 }), options: { steps: 200, batchSize: 64, quiet: true, probes: { every: 50, parameters: 'some' as never } } }));
  await expect(trainGroups(groups, data)).rejects.toThrow(/^trainTogether: probes.parameters/);
  groups.forEach((g) => g.models.forEach((m) => m.dispose()));
});
