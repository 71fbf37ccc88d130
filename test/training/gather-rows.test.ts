/**
 * A mini-batch taken by gatherRows (src/training/gather-rows.ts: block copies of rows over the wasm
 * backend's memory) is the same, value for value, as tf.gather's, for matrices and sequences, in any order
 * and with repeated rows; other dtypes go through tf.gather; nothing leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { ready } from '../../src/core/backend';
import { gatherRows } from '../../src/training/gather-rows';

beforeAll(async () => {
  await ready({ quiet: true });
});

const cases: [string, number[], number[]][] = [
  ['digits-like [1000, 784]', [1000, 784], [999, 0, 17, 17, 512, 3]],
  ['sequences [50, 12, 2]', [50, 12, 2], [49, 1, 0, 25]],
  ['one column [7, 1]', [7, 1], [6, 5, 4, 3, 2, 1, 0]],
  ['no rows', [5, 3], []],
];

test.each(cases)('%s: the same rows as tf.gather', (_name, shape, indices) => {
  tf.tidy(() => {
    const x = tf.randomNormal(shape, 0, 1, 'float32', 11);
    const ours = gatherRows(x, indices);
    const theirs = tf.gather(x, tf.tensor1d(indices, 'int32'));
    expect(ours.shape).toEqual(theirs.shape);
    expect(Array.from(ours.dataSync())).toEqual(Array.from(theirs.dataSync()));
  });
});

test('int32 data goes through tf.gather', () => {
  tf.tidy(() => {
    const x = tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], 'int32');
    const rows = gatherRows(x, [2, 0]);
    expect(rows.dtype).toBe('int32');
    expect(rows.arraySync()).toEqual([[5, 6], [1, 2]]);
  });
});

test('runs as its own kernel on wasm and leaves nothing behind', async () => {
  expect(tf.getBackend()).toBe('wasm');
  const x = tf.randomNormal([100, 10]);
  gatherRows(x, [1, 2]).dispose();
  const before = tf.memory().numTensors;
  const profile = await tf.profile(() => gatherRows(x, [5, 6, 7]));
  expect(profile.kernelNames).toContain('GradscopeGatherRows');
  expect(profile.kernelNames).not.toContain('GatherV2');
  tf.dispose(profile.result as tf.Tensor);
  expect(tf.memory().numTensors).toBe(before);
  x.dispose();
});
