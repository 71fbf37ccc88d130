/**
 * Two operations of the native ('tensorflow') backend done with fewer calls into TensorFlow.
 *
 * On the native backend every TensorFlow.js operation becomes one or more TensorFlow "eager" operations, and
 * each of those costs a fixed 15-40 µs to dispatch whatever its size (an add of two scalars, fastest of five
 * loops of 3000 calls, under load: 31-54 µs through TensorFlow.js, 15-33 µs as one bare TensorFlow call). For the
 * small layers of the lessons that fixed cost, not the arithmetic, is most of a training step, so the
 * number of TensorFlow calls per step is what to cut. tfjs-node spends more calls than needed on two
 * operations the library uses on every layer:
 *
 *   - `Reshape` makes a new one-element-per-dimension shape tensor for every call (a TensorFlow tensor
 *     created and deleted each time). Here each distinct shape's tensor is made once and kept.
 *   - `_FusedMatMul` (f(x W + b) as one operation, which the direct training path uses for every layer) is
 *     three TensorFlow.js operations inside a tidy scope, each with its own bookkeeping. Here it is the same
 *     three TensorFlow operations (BatchMatMulV2, Add, the activation) called back to back, the
 *     intermediate results deleted at once. Same operations in the same order: the same numbers to the
 *     last bit.
 *
 * Measured on this 2-core machine under load (fastest of five loops of 1000 calls, 128 x 64 batch, 64 x 64
 * layer): f(x W + b) with the reshapes around it as tfjs-node does it 420-780 µs; the three bare TensorFlow
 * calls alone 120-300 µs; this kernel alone, its inputs already reshaped, 470 µs in a later run at load 15
 * (the load moved these figures by 2x). In
 * whole training steps the saving was within the load's noise (README, "Native backend"); the operations
 * per step drop (workload A 530 -> 468, `test/bench/profile-step.ts`).
 *
 * Installed when the native backend is registered (src/core/backend.ts); other backends are untouched.
 * `setNativeKernels(false)` puts tfjs-node's own kernels back (to compare the two in one process).
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-node's backend object used here (it is not typed in its public API). */
interface NodeBackend {
  binding: {
    executeOp(name: string, attrs: OpAttr[], inputIds: number[], outputs: number): TensorMetadata[];
    createTensor(shape: number[], dtype: number, values: Int32Array): number;
    deleteTensor(id: number): void;
    TF_ATTR_TYPE: number;
    TF_ATTR_BOOL: number;
    TF_ATTR_FLOAT: number;
    TF_FLOAT: number;
    TF_INT32: number;
  };
  getInputTensorIds(tensors: tf.TensorInfo[]): number[];
  createOutputTensor(metadata: TensorMetadata): tf.TensorInfo;
}
interface OpAttr { name: string; type: number; value: unknown }
interface TensorMetadata { id: number; shape: number[]; dtype: number }

/** TensorFlow's name of each fused activation tfjs can ask for, and its extra attributes. */
function activationOp(activation: string, alpha: number, b: NodeBackend['binding']): { name: string; attrs: OpAttr[] } | null | undefined {
  const t = { name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT };
  switch (activation) {
    case 'linear':
      return null;
    case 'relu':
      return { name: 'Relu', attrs: [t] };
    case 'relu6':
      return { name: 'Relu6', attrs: [t] };
    case 'sigmoid':
      return { name: 'Sigmoid', attrs: [t] };
    case 'elu':
      return { name: 'Elu', attrs: [t] };
    case 'leakyrelu':
      return { name: 'LeakyRelu', attrs: [{ name: 'alpha', type: b.TF_ATTR_FLOAT, value: alpha }, t] };
    default:
      return undefined; // prelu, or anything newer: tfjs-node's own kernel
  }
}

/** tfjs-node's own kernels, kept to fall back on and to put back. */
let originals: { reshape: tf.KernelConfig; fused: tf.KernelConfig } | undefined;
let enabled = false;

/** TensorFlow's number for a tfjs dtype this file handles, or undefined. */
function tfType(dtype: string, b: NodeBackend['binding']): number | undefined {
  return dtype === 'float32' ? b.TF_FLOAT : dtype === 'int32' ? b.TF_INT32 : undefined;
}

/**
 * Uses the leaner `Reshape` and `_FusedMatMul` kernels described at the top of this file on the native
 * backend (true), or tfjs-node's own (false). Call after `require('@tensorflow/tfjs-node')`; returns
 * whether the lean kernels are now in use.
 */
export function setNativeKernels(on: boolean): boolean {
  if (!originals) {
    const reshape = tf.getKernel('Reshape', 'tensorflow');
    const fused = tf.getKernel('_FusedMatMul', 'tensorflow');
    if (!reshape || !fused) return false;
    originals = { reshape, fused };
  }
  if (on === enabled) return enabled;
  tf.unregisterKernel('Reshape', 'tensorflow');
  tf.unregisterKernel('_FusedMatMul', 'tensorflow');
  if (on) registerLean(originals.reshape, originals.fused);
  else [originals.reshape, originals.fused].forEach((k) => tf.registerKernel(k));
  enabled = on;
  return enabled;
}

/** Shape tensors by shape ("128,64"): a handful per model, each a few int32s, kept for the process. */
const shapeIds = new Map<string, number>();

function registerLean(originalReshape: tf.KernelConfig, originalFused: tf.KernelConfig): void {
  tf.registerKernel({
    kernelName: 'Reshape',
    backendName: 'tensorflow',
    kernelFunc: (args) => {
      const backend = args.backend as unknown as NodeBackend;
      const x = args.inputs.x as tf.TensorInfo;
      const shape = (args.attrs as { shape: number[] }).shape;
      const b = backend.binding;
      const type = tfType(x.dtype, b);
      // tf.reshape resolves a -1 before the kernel runs; anything else unusual goes to tfjs-node's kernel.
      if (type === undefined || shape.some((d) => d < 0)) return originalReshape.kernelFunc(args);
      const key = shape.join(',');
      let shapeId = shapeIds.get(key);
      if (shapeId === undefined) {
        shapeId = b.createTensor([shape.length], b.TF_INT32, Int32Array.from(shape));
        shapeIds.set(key, shapeId);
      }
      const attrs = [{ name: 'T', type: b.TF_ATTR_TYPE, value: type }, { name: 'Tshape', type: b.TF_ATTR_TYPE, value: b.TF_INT32 }];
      const [out] = b.executeOp('Reshape', attrs, [...backend.getInputTensorIds([x]), shapeId], 1);
      return backend.createOutputTensor(out);
    },
  });
  tf.registerKernel({
    kernelName: '_FusedMatMul',
    backendName: 'tensorflow',
    kernelFunc: (args) => {
      const backend = args.backend as unknown as NodeBackend;
      const b = backend.binding;
      const { a, b: w, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const { transposeA, transposeB, activation, leakyreluAlpha } = args.attrs as { transposeA: boolean; transposeB: boolean; activation: string; leakyreluAlpha?: number };
      const act = activationOp(activation ?? 'linear', leakyreluAlpha ?? 0.2, b);
      if (act === undefined || preluActivationWeights || a!.dtype !== 'float32' || w!.dtype !== 'float32' || (bias && bias.dtype !== 'float32')) {
        return originalFused.kernelFunc(args);
      }
      const t = { name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT };
      const ids = backend.getInputTensorIds(bias ? [a!, w!, bias] : [a!, w!]);
      // The same TensorFlow operations tfjs-node's kernel runs (BatchMatMulV2, Add, the activation).
      let [out] = b.executeOp('BatchMatMulV2', [t, { name: 'adj_x', type: b.TF_ATTR_BOOL, value: transposeA }, { name: 'adj_y', type: b.TF_ATTR_BOOL, value: transposeB }], [ids[0], ids[1]], 1);
      if (bias) {
        const [sum] = b.executeOp('Add', [t], [out.id, ids[2]], 1);
        b.deleteTensor(out.id);
        out = sum;
      }
      if (act) {
        const [activated] = b.executeOp(act.name, act.attrs, [out.id], 1);
        b.deleteTensor(out.id);
        out = activated;
      }
      return backend.createOutputTensor(out);
    },
  });
}
