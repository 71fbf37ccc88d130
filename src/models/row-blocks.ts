/**
 * A time-major [T*batch, G] tensor cut into its T row blocks [batch, G] (the values at each time step), as
 * one operation that copies every number once.
 *
 * Why not `tf.split`: on the wasm backend every piece of a split is a Slice, and Slice first reads its whole
 * input out of wasm memory, so cutting a [T*batch, G] tensor into T pieces copies it T times (for the LSTM of
 * the reference workload, T = 100 copies of 3.2 MB in every training step). This kernel views wasm memory
 * in place and copies each block once. Other backends keep `tf.split`, which is cheap there.
 */
import * as tf from '@tensorflow/tfjs';
import { Compute, runWasmKernel, wasmKernelsActive } from './wasm-kernel';

/** Copies consecutive pieces of the input into the outputs (all of one size). */
const copyBlocks: Compute = ([all], blocks) => {
  const size = blocks[0].length;
  blocks.forEach((block, k) => block.set(all.subarray(k * size, (k + 1) * size)));
};

/**
 * The `count` equal row blocks of a 2-D tensor, in order (like `tf.split(x, count, 0)`).
 *
 * @example
 *   const perStep = rowBlocks(allSteps, T);   // [T*batch, G] -> T tensors [batch, G]
 */
export function rowBlocks(x: tf.Tensor2D, count: number): tf.Tensor2D[] {
  if (x.rank !== 2 || x.shape[0] % count !== 0) {
    throw new Error(`rowBlocks: x has shape [${x.shape}]; allowed: 2-D with rows a multiple of count (${count})`);
  }
  if (count === 1) return [x.clone()];
  if (!wasmKernelsActive() || x.dtype !== 'float32') return tf.split(x, count, 0) as tf.Tensor2D[];
  const [rows, columns] = x.shape;
  const shapes = Array.from({ length: count }, () => [rows / count, columns]);
  return runWasmKernel('GradscopeRowBlocks', [x], shapes, copyBlocks) as tf.Tensor2D[];
}
