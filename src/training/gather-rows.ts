/**
 * A mini-batch: the rows of a dataset tensor at given indices (what tf.gather(x, indices) along axis 0 does).
 *
 * Every training step starts by taking its examples out of the whole dataset. On the wasm backend
 * tf.gather walks the output entry by entry, computing each one's source position from strides; for 64
 * digits of 784 pixels out of 1 000 that took 3.7 ms of CPU per call on this machine, as much as the rest of
 * a small network's step. A row of a row-major [n, ...] tensor is one contiguous block, so the batch is
 * `indices.length` block copies instead: `gatherRows` runs as one kernel of gradscope's own over the wasm
 * backend's memory (wasm-kernel.ts); other backends and other dtypes use tf.gather. A copy is exact: the
 * batch is the same numbers either way.
 */
import * as tf from '@tensorflow/tfjs';
import { runWasmKernel, wasmKernelsActive } from '../models/wasm-kernel';

const GATHER_ROWS = 'GradscopeGatherRows';

/** Inputs [x of shape [n, ...], rows as float32 (exact below 2^24)]; output the chosen rows, in order. */
function gatherRowsKernel([x, rows]: Float32Array[], [out]: Float32Array[], [shape]: number[][]): void {
  const width = shape.slice(1).reduce((a, b) => a * b, 1);
  for (let k = 0; k < rows.length; k++) {
    const from = rows[k] * width;
    out.set(x.subarray(from, from + width), k * width);
  }
}

/**
 * The rows of `x` (shape [n, ...]) at `indices` (each in 0..n-1), stacked in that order: shape
 * [indices.length, ...]. Same values as tf.gather(x, indices).
 *
 * @example
 *   gatherRows(tf.tensor2d([[1, 2], [3, 4], [5, 6]]), [2, 0]).arraySync();   // [[5, 6], [1, 2]]
 */
export function gatherRows(x: tf.Tensor, indices: ArrayLike<number>): tf.Tensor {
  if (wasmKernelsActive() && x.dtype === 'float32' && x.shape[0] < 2 ** 24) {
    const rows = tf.tensor1d(Float32Array.from(indices), 'float32');
    try {
      return runWasmKernel(GATHER_ROWS, [x, rows], [[indices.length, ...x.shape.slice(1)]], gatherRowsKernel)[0];
    } finally {
      rows.dispose();
    }
  }
  return tf.tidy(() => tf.gather(x, tf.tensor1d(Int32Array.from(indices), 'int32')));
}
