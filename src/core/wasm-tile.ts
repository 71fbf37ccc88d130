/**
 * Tile on the wasm backend as a plain copy loop over the backend's memory.
 *
 * tile(x, reps) repeats x reps[a] times along each axis a: out[i_0, ..., i_k] = x[i_0 mod d_0, ..., i_k mod d_k],
 * with d the shape of x. The backend's own Tile kernel computes every output position's source position
 * with heap-allocated index vectors, one pair per element: measured about 5 ms for a 256 x 64 result, the
 * size TensorFlow.js's batch-normalization gradient tiles 1/sqrt(variance + epsilon) to on every
 * batch-normalized layer of the lessons' networks, so most of a probe's time on such a network went there.
 * This kernel copies whole rows instead. It only moves numbers, so the result is the same to the bit.
 *
 * `useRowTile()` installs it for float32 and int32 tensors (other types keep the backend's own kernel).
 */
import * as tf from '@tensorflow/tfjs';
import { swapWasmKernel } from './wasm-kernel-swap';

const KERNEL = 'Tile';

/** The parts of the wasm backend the kernel uses: output allocation and typed views of its memory. */
interface WasmMemory {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array;
}

/** out (of shape `outShape`) = x (of shape `xShape`) repeated along every axis: one row of the last axis at a time. */
export function tileRows(x: ArrayLike<number>, xShape: number[], out: { [i: number]: number; length: number }, outShape: number[]): void {
  const rank = outShape.length;
  if (rank === 0) {
    if (out.length > 0) out[0] = x[0];
    return;
  }
  const inner = xShape[rank - 1];
  const outInner = outShape[rank - 1];
  if (outInner === 0) return;
  // Where each of x's leading axes steps in x's memory.
  const strides = new Array(rank - 1);
  for (let a = rank - 2, s = inner; a >= 0; a--) {
    strides[a] = s;
    s *= xShape[a];
  }
  const index = new Array(rank - 1).fill(0);
  const rows = out.length / outInner;
  for (let r = 0; r < rows; r++) {
    let from = 0;
    for (let a = 0; a < rank - 1; a++) from += (index[a] % xShape[a]) * strides[a];
    const to = r * outInner;
    for (let j = 0, k = 0; j < outInner; j++, k = k + 1 === inner ? 0 : k + 1) out[to + j] = x[from + k];
    for (let a = rank - 2; a >= 0; a--) {
      if (++index[a] < outShape[a]) break;
      index[a] = 0;
    }
  }
}

/**
 * Installs the row-copying Tile on the wasm backend (once; call after the backend is registered).
 * `useRowTile(false)` puts the backend's own kernel back (to compare the two in one process).
 */
export function useRowTile(on = true): void {
  swapWasmKernel(KERNEL, on, (base) => (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const { reps } = args.attrs as unknown as { reps: number[] };
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || reps.length !== x.shape.length) return base.kernelFunc(args);
    const memory = args.backend as unknown as WasmMemory;
    const shape = x.shape.map((d, a) => d * reps[a]);
    // Allocate first: an allocation can grow wasm memory and detach earlier views of it.
    const out = memory.makeOutput(shape, x.dtype);
    tileRows(memory.typedArrayFromHeap(x), x.shape, memory.typedArrayFromHeap(out), shape);
    return out;
  });
}
