/**
 * rowBlocks (src/models/row-blocks.ts): a [T*batch, G] tensor cut into its T row blocks, on wasm by its own
 * kernel, equals tf.split's pieces exactly, leaves nothing behind and refuses shapes it cannot cut.
 */
import * as tf from '@tensorflow/tfjs';
import { ready } from '../../src/core/backend';
import { rowBlocks } from '../../src/models/row-blocks';

beforeAll(async () => {
  await ready({ quiet: true });
});

test('on the default backend the blocks equal tf.split, in order, and nothing leaks', () => {
  expect(tf.getBackend()).toBe('wasm');
  const x = tf.tidy(() => tf.randomNormal([5 * 3, 4], 0, 1, 'float32', 7)) as tf.Tensor2D;
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const mine = rowBlocks(x, 5);
    const theirs = tf.split(x, 5, 0);
    expect(mine).toHaveLength(5);
    mine.forEach((block, k) => {
      expect(block.shape).toEqual([3, 4]);
      expect(Array.from(block.dataSync())).toEqual(Array.from(theirs[k].dataSync()));
    });
  });
  expect(tf.memory().numTensors).toBe(before);
  x.dispose();
});

test('a large tensor (wasm memory may grow while the blocks are allocated) is cut exactly', () => {
  const x = tf.tidy(() => tf.reshape(tf.range(0, 400 * 64 * 8), [400 * 64, 8])) as tf.Tensor2D;
  const blocks = rowBlocks(x, 400);
  expect(Array.from(blocks[0].dataSync().slice(0, 3))).toEqual([0, 1, 2]);
  expect(blocks[399].dataSync()[64 * 8 - 1]).toBe(400 * 64 * 8 - 1);
  tf.dispose([x, ...blocks]);
});

test('one block is a copy of the tensor', () => {
  const x = tf.tensor2d([[1, 2], [3, 4]]);
  const [only] = rowBlocks(x, 1);
  x.dispose();
  expect(only.arraySync()).toEqual([[1, 2], [3, 4]]);
  only.dispose();
});

test('a shape it cannot cut is refused with a clear message', () => {
  const x = tf.zeros([5, 2]) as tf.Tensor2D;
  expect(() => rowBlocks(x, 2)).toThrow('rowBlocks: x has shape [5,2]; allowed: 2-D with rows a multiple of count (2)');
  x.dispose();
});
