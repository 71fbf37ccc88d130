/**
 * Tile as a row copy on wasm (core/wasm-tile.ts) gives the backend's own kernel's result to the bit, for the
 * shapes the batch-normalization gradient tiles and others; and a BN network's probes read the same numbers
 * with either kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { ready } from '../../src/core/backend';
import { useRowTile } from '../../src/core/wasm-tile';
import { activationGradients, mlp, moons } from '../../src/index';

beforeAll(async () => {
  await ready({ backend: 'wasm', quiet: true });
});

afterAll(() => useRowTile(true));

const cases: [number[], number[], 'float32' | 'int32'][] = [
  [[1, 1, 1, 64], [256, 1, 1, 1], 'float32'],
  [[2, 3], [3, 2], 'float32'],
  [[3], [4], 'int32'],
  [[2, 1, 3], [1, 4, 2], 'float32'],
  [[4, 2], [1, 1], 'float32'],
  [[0, 2], [3, 2], 'float32'],
];

test.each(cases)('tile of %j by %j (%s): the same values as the backend kernel', (shape, reps, dtype) => {
  const size = shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(Array.from({ length: size }, (_, i) => (dtype === 'int32' ? i * 7 - 3 : Math.sin(i) * 1e3)), shape, dtype);
  useRowTile(false);
  const theirs = tf.tile(x, reps);
  useRowTile(true);
  const ours = tf.tile(x, reps);
  expect(ours.shape).toEqual(theirs.shape);
  expect(ours.dtype).toBe(dtype);
  expect(Array.from(ours.dataSync())).toEqual(Array.from(theirs.dataSync()));
  tf.dispose([x, theirs, ours]);
});

test('the check can fail: a different repetition differs', () => {
  const x = tf.tensor([1, 2, 3, 4], [2, 2]);
  useRowTile(true);
  expect(Array.from(tf.tile(x, [1, 2]).dataSync())).not.toEqual(Array.from(tf.tile(x, [2, 1]).dataSync()));
  x.dispose();
});

test("a batch-normalized network's backward signal is the same to the bit with either kernel", () => {
  const data = moons({ n: 128, seed: 1 });
  const model = mlp({ inputs: 2, outputs: 1, depth: 4, width: 16, activation: 'sigmoid', init: 'glorotNormal', batchNorm: 'before', seed: 2 });
  useRowTile(false);
  const theirs = activationGradients(model, data);
  useRowTile(true);
  const ours = activationGradients(model, data);
  expect(ours).toEqual(theirs);
  model.dispose();
});
