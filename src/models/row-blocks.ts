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

const KERNEL = 'GradscopeRowBlocks';

/** The parts of the wasm backend the kernel uses (typed views of wasm memory, output allocation). */
interface WasmMemory {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

let registered = false;

function registerWasmKernel(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const x = (inputs as { x: tf.TensorInfo }).x;
      const count = (attrs as unknown as { count: number }).count;
      const memory = backend as unknown as WasmMemory;
      const [rows, columns] = x.shape;
      const size = (rows / count) * columns;
      // Allocate every output first: an allocation can grow wasm memory and detach earlier views of it.
      const outs = Array.from({ length: count }, () => memory.makeOutput([rows / count, columns], x.dtype));
      const source = memory.typedArrayFromHeap(x);
      outs.forEach((out, k) => memory.typedArrayFromHeap(out).set(source.subarray(k * size, (k + 1) * size)));
      return outs;
    },
  });
}

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
  if (tf.getBackend() !== 'wasm') return tf.split(x, count, 0) as tf.Tensor2D[];
  registerWasmKernel();
  return tf.engine().runKernel(KERNEL, { x }, { count } as unknown as tf.NamedAttrMap) as unknown as tf.Tensor2D[];
}
