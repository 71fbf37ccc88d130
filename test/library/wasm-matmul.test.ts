/**
 * On wasm, a matrix product with a transposed operand (as automatic gradients ask for it) is computed by
 * transposing that operand first and running the fast product (src/core/wasm-matmul.ts): the same numbers,
 * to the last bit, as the product of the explicitly transposed matrices; batched products are left alone;
 * nothing leaks; and switching it off restores the backend's own kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { ready } from '../../src/core/backend';
import { differing } from '../support/bits';
import { useTransposeFirst } from '../../src/core/wasm-matmul';

beforeAll(async () => {
  await ready({ quiet: true });
});

afterAll(() => useTransposeFirst(true));


const onWasm = () => tf.getBackend() === 'wasm';

test('runs on the wasm backend (the default here)', () => {
  expect(tf.getBackend()).toBe('wasm');
});

test.each([
  ['x^T dz (a weight gradient)', [256, 64], [256, 32], true, false],
  ['dz W^T (the gradient passed back)', [128, 32], [64, 32], false, true],
  ['both transposed', [40, 30], [20, 40], true, true],
  ['rank 3 with one matrix', [1, 50, 7], [1, 50, 9], true, false],
] as const)('%s equals the product of the transposed operands bit for bit', (_name, aShape, bShape, ta, tb) => {
  tf.tidy(() => {
    const a = tf.randomNormal([...aShape], 0, 1, 'float32', 1);
    const b = tf.randomNormal([...bShape], 0, 1, 'float32', 2);
    const swap = (t: tf.Tensor) => tf.transpose(t, t.rank === 3 ? [0, 2, 1] : [1, 0]);
    const flagged = tf.matMul(a, b, ta, tb);
    const explicit = tf.matMul(ta ? swap(a) : a, tb ? swap(b) : b);
    expect(differing(flagged, explicit)).toBe(0);
  });
});

test('without it (the backend\'s own loop) the same product is summed in another order', () => {
  if (!onWasm()) return;
  useTransposeFirst(false);
  try {
    tf.tidy(() => {
      const a = tf.randomNormal([2500, 784], 0, 1, 'float32', 3);
      const b = tf.randomNormal([2500, 10], 0, 1, 'float32', 4);
      const own = tf.matMul(a, b, true, false);
      const explicit = tf.matMul(tf.transpose(a), b);
      // Same values to float32 rounding, not to the bit: the test above can tell the two kernels apart.
      expect(differing(own, explicit)).toBeGreaterThan(0);
      const gap = tf.max(tf.abs(tf.sub(own, explicit))).dataSync()[0];
      expect(gap).toBeLessThan(1e-2);
    });
  } finally {
    useTransposeFirst(true);
  }
});

test('batched products (more than one matrix) are the backend\'s own', () => {
  tf.tidy(() => {
    const a = tf.randomNormal([3, 20, 10], 0, 1, 'float32', 5);
    const b = tf.randomNormal([3, 20, 6], 0, 1, 'float32', 6);
    const flagged = tf.matMul(a, b, true, false);
    useTransposeFirst(false);
    const own = tf.matMul(a, b, true, false);
    useTransposeFirst(true);
    expect(differing(flagged, own)).toBe(0);
  });
});

test('leaves no tensor and no backend memory behind', () => {
  const dataIds = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
  const a = tf.randomNormal([64, 32]);
  const b = tf.randomNormal([64, 16]);
  tf.matMul(a, b, true, false).dispose();
  const before = { ...tf.memory(), ids: dataIds() };
  for (let i = 0; i < 5; i++) tf.matMul(a, b, true, false).dispose();
  expect({ ...tf.memory(), ids: dataIds() }).toEqual(before);
  tf.dispose([a, b]);
});

test('gradients through a dense layer match the layers API\'s own numbers to float32 rounding', () => {
  tf.tidy(() => {
    const x = tf.randomNormal([128, 20], 0, 1, 'float32', 7);
    const w = tf.variable(tf.randomNormal([20, 8], 0, 0.3, 'float32', 8));
    const grad = () => tf.grad((v: tf.Tensor) => tf.sum(tf.sigmoid(tf.matMul(x, v))))(w);
    const fast = grad();
    useTransposeFirst(false);
    const own = grad();
    useTransposeFirst(true);
    const gap = tf.max(tf.abs(tf.sub(fast, own))).dataSync()[0];
    expect(gap).toBeLessThan(1e-4 * tf.max(tf.abs(own)).dataSync()[0]);
    w.dispose();
  });
});
