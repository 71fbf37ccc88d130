/** Comparing tensors to the last bit, for the tests of kernels that must give the same numbers as another path. */
import * as tf from '@tensorflow/tfjs';

/** Entries of two tensors of the same shape that differ as bits (NaN equals NaN; 0 and -0 differ). */
export function differing(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = [a.dataSync(), b.dataSync()];
  let n = 0;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) n++;
  return n;
}
