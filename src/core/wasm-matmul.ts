/**
 * Matrix products with a transposed operand on the wasm backend, computed by transposing first.
 *
 * Backpropagation through a dense layer z = x W needs two products with a transposed operand:
 *
 *   dLoss/dW = x^T dz        dLoss/dx = dz W^T
 *
 * and TensorFlow.js's automatic gradient asks for them as matMul(x, dz, transposeA = true) and
 * matMul(dz, W, false, transposeB = true). The wasm backend hands a product to XNNPACK's fast matrix kernels
 * only when neither operand is transposed; with a transpose flag it runs a plain loop instead. Measured on
 * this 2-core machine (median of 10 calls): x^T dz for x of 2 500 x 784 and dz of 2 500 x 10 took 31-35 ms
 * with the flag, 3.3 ms as a product of x^T formed first (the transpose itself ~6 ms once).
 *
 * `useTransposeFirst()` replaces the wasm backend's BatchMatMul kernel by one that, for a single product
 * (batch size 1) with a transpose flag, transposes that operand with the backend's own Transpose kernel and
 * then runs the original kernel without flags. Batched products (more than one matrix) are left as they
 * were: XNNPACK takes none of them. The numbers differ from the plain loop's only by the order in which
 * each dot product is summed (float32 rounding).
 */
import * as tf from '@tensorflow/tfjs';
import { swapWasmKernel } from './wasm-kernel-swap';

const KERNEL = 'BatchMatMul';

/** The number of matrices a [..., rows, cols] shape holds (1 for a plain matrix). */
function matrices(shape: number[]): number {
  return shape.slice(0, -2).reduce((n, d) => n * d, 1);
}

/** `info` with its last two axes swapped, by the backend's Transpose kernel (a new tensor the caller disposes). */
function transposed(info: tf.TensorInfo, backend: tf.KernelBackend): tf.TensorInfo {
  const rank = info.shape.length;
  const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
  const transpose = tf.getKernel('Transpose', 'wasm')!;
  return transpose.kernelFunc({ inputs: { x: info }, backend, attrs: { perm } }) as tf.TensorInfo;
}

/**
 * Installs the transpose-first BatchMatMul on the wasm backend (once; call after the backend is registered).
 * `useTransposeFirst(false)` puts the backend's own kernel back (to compare the two in one process).
 */
export function useTransposeFirst(on = true): void {
  swapWasmKernel(KERNEL, on, (base) => (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as tf.KernelBackend;
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if ((!transposeA && !transposeB) || matrices(a.shape) !== 1 || matrices(b.shape) !== 1) return base.kernelFunc(args);
    const a2 = transposeA ? transposed(a, backend) : a;
    const b2 = transposeB ? transposed(b, backend) : b;
    try {
      return base.kernelFunc({ inputs: { a: a2, b: b2 }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    } finally {
      if (a2 !== a) backend.disposeData(a2.dataId);
      if (b2 !== b) backend.disposeData(b2.dataId);
    }
  });
}
