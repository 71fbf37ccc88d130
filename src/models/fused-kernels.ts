/**
 * Three small operations that the training step of a network made of dense layers repeats for every layer,
 * each written as one kernel instead of a chain of TensorFlow.js operations:
 *
 *   - `denseBackward`: from dLoss/da and a = f(u), the layer's dLoss/du = dLoss/da * f'(u) and the bias
 *     gradient dLoss/db = the sum of dLoss/du over the batch (sigmoid f' = a(1 - a), tanh 1 - a^2, relu
 *     1 where u > 0, linear 1);
 *   - `sgdUpdate`: w <- w - lr * g for every weight tensor of the model at once;
 *   - `globalNorm`: sqrt(sum of squares of every entry of a list of tensors).
 *
 * Why: at these sizes (a 128 x 64 activation, a 64 x 64 weight) each operation costs more in bookkeeping than
 * in arithmetic, and a chain of elementwise operations also writes every intermediate out to memory. A
 * kernel here is a plain loop over the wasm backend's own memory, registered with tf.registerKernel so the
 * engine tracks its outputs like any other tensor.
 *
 * The numbers are the same to the last bit as the chains of operations they replace: every step is a
 * float32 operation rounded with Math.fround in the same order (a product or sum of two float32 numbers
 * computed in float64 and rounded once is the correctly rounded float32 result), and sums run in the same
 * sequence as TensorFlow.js's sum on wasm. The other backends run the chains.
 */
import * as tf from '@tensorflow/tfjs';
import { Compute, computeOnWasm, runWasmKernel, wasmKernelsActive } from './wasm-kernel';

const fround = Math.fround;

/** The activations `denseBackward` writes out, and the slope of each read off a = f(u) (or u for relu). */
export const DENSE_BACKWARD_ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'linear'] as const;
export type DenseBackwardActivation = (typeof DENSE_BACKWARD_ACTIVATIONS)[number];
const ACTIVATION_CODE: Record<DenseBackwardActivation, number> = { sigmoid: 0, tanh: 1, relu: 2, linear: 3 };

const DENSE_BACKWARD = 'GradscopeDenseBackward';
/** Inputs [da, u, a] of shape [rows, cols]; outputs [dz, db]. */
const denseBackwardKernel: Compute = ([g, u, a], [dz, db], [shape], attrs) => {
  const code = attrs.activation;
  if (code === 0) sigmoidSlope(g, a, dz);
  else if (code === 1) tanhSlope(g, a, dz);
  else if (code === 2) reluSlope(g, u, dz);
  else dz.set(g);
  columnSums(dz, db, shape[1]);
};

// dz entry by entry; a Float32Array store rounds to float32 as fround does.
/** As tf.mul(da, tf.mul(a, tf.sub(1, a))). */
function sigmoidSlope(g: Float32Array, y: Float32Array, dz: Float32Array): void {
  for (let i = 0; i < dz.length; i++) dz[i] = g[i] * fround(y[i] * fround(1 - y[i]));
}
/** As tf.mul(da, tf.sub(1, tf.square(a))). */
function tanhSlope(g: Float32Array, y: Float32Array, dz: Float32Array): void {
  for (let i = 0; i < dz.length; i++) dz[i] = g[i] * fround(1 - fround(y[i] * y[i]));
}
/** As tf.mul(da, tf.step(u)): step is 1 where u > 0, NaN where u is NaN, else 0. */
function reluSlope(g: Float32Array, u: Float32Array, dz: Float32Array): void {
  for (let i = 0; i < dz.length; i++) dz[i] = g[i] * (u[i] > 0 ? 1 : u[i] !== u[i] ? NaN : 0);
}
/** The sum of each column of a [rows, cols] matrix, each running down the rows in order, as tf.sum(x, 0). */
function columnSums(x: Float32Array, sums: Float32Array, cols: number): void {
  sums.fill(0);
  for (let i = 0; i < x.length; i += cols) {
    for (let j = 0; j < cols; j++) sums[j] += x[i + j];
  }
}

/**
 * dLoss/du = dLoss/da * f'(u) for a [batch, units] layer, and the bias gradient (its sum over the batch).
 * `u` is the activation's input and `a` its output; relu reads its slope off u (a > 0 exactly where u > 0, so
 * a can stand in for u), the others off a.
 *
 * @example
 *   const { dz, db } = denseBackward('sigmoid', da, z, tf.sigmoid(z));   // dz = da * a * (1 - a), db = sum of dz over rows
 */
export function denseBackward(activation: DenseBackwardActivation, da: tf.Tensor, u: tf.Tensor, a: tf.Tensor): { dz: tf.Tensor; db: tf.Tensor } {
  if (wasmKernelsActive() && da.rank === 2 && da.dtype === 'float32') {
    const [rows, cols] = da.shape;
    const [dz, db] = runWasmKernel(DENSE_BACKWARD, [da, u, a], [[rows, cols], [cols]], denseBackwardKernel, { activation: ACTIVATION_CODE[activation] });
    return { dz, db };
  }
  const dz =
    activation === 'sigmoid' ? tf.mul(da, tf.mul(a, tf.sub(1, a)))
      : activation === 'tanh' ? tf.mul(da, tf.sub(1, tf.square(a)))
        : activation === 'relu' ? tf.mul(da, tf.step(u))
          : da;
  return { dz, db: tf.sum(dz, 0) };
}

/**
 * As `denseBackward`, on the wasm backend's memory without the engine (for a step run kernel by kernel,
 * models/kernel-mlp.ts): the outputs [dz, db] are plain records of backend memory that the caller frees.
 */
export function denseBackwardOnWasm(backend: tf.KernelBackend, activation: DenseBackwardActivation, da: tf.TensorInfo, u: tf.TensorInfo, a: tf.TensorInfo): tf.TensorInfo[] {
  const [rows, cols] = da.shape;
  return computeOnWasm(backend, denseBackwardKernel, [da, u, a], [[rows, cols], [cols]], { activation: ACTIVATION_CODE[activation] });
}

const SGD_UPDATE = 'GradscopeSgdUpdate';
/** Inputs [w_1 .. w_n, g_1 .. g_n]; outputs the n new weights. */
const sgdUpdateKernel: Compute = (list, outs, _shapes, attrs) => {
  const c = fround(attrs.scale);
  for (let k = 0; k < outs.length; k++) sgdLoop(c, list[k], list[outs.length + k], outs[k]);
};

/**
 * out = w + c g entry by entry, as tf.add(tf.mul(c, g), w), the update of tf.train.sgd (c = -lr). Returns
 * the sum of squares of the new weights in float64, in order (`sumOfSquares` of out): the weight norm the
 * probes report next step, at the cost of one multiply-add per entry while the entry is at hand.
 */
function sgdLoop(c: number, w: Float32Array, g: Float32Array, out: Float32Array): number {
  let squares = 0;
  for (let i = 0; i < out.length; i++) {
    const next = fround(fround(c * g[i]) + w[i]);
    out[i] = next;
    squares += next * next;
  }
  return squares;
}

/**
 * The new values w - lr * g of every weight (as tf.train.sgd computes them: w + (-lr) * g), as one operation.
 * The caller assigns them to the variables.
 *
 * @example
 *   const next = sgdUpdate([w], [g], 0.1);   // [w - 0.1 g]
 */
export function sgdUpdate(weights: tf.Tensor[], grads: tf.Tensor[], learningRate: number): tf.Tensor[] {
  if (weights.length === 0) return [];
  if (wasmKernelsActive() && weights.every((w) => w.dtype === 'float32') && grads.every((g) => g.dtype === 'float32')) {
    return runWasmKernel(SGD_UPDATE, [...weights, ...grads], weights.map((w) => w.shape), sgdUpdateKernel, { scale: -learningRate });
  }
  const c = tf.scalar(-learningRate);
  return weights.map((w, i) => tf.add(tf.mul(c, grads[i]), w));
}

/**
 * As `sgdUpdate`, on the wasm backend's memory without the engine; the caller frees the new weights.
 * `squares[k]` receives the float64 sum of squares of new weight k.
 */
export function sgdUpdateOnWasm(backend: tf.KernelBackend, weights: tf.TensorInfo[], grads: tf.TensorInfo[], learningRate: number, squares: Float64Array): tf.TensorInfo[] {
  const n = weights.length;
  const compute: Compute = (list, outs) => {
    const c = fround(-learningRate);
    for (let k = 0; k < n; k++) squares[k] = sgdLoop(c, list[k], list[n + k], outs[k]);
  };
  return computeOnWasm(backend, compute, [...weights, ...grads], weights.map((w) => w.shape), {});
}

const GLOBAL_NORM = 'GradscopeGlobalNorm';
/** Inputs: any list; output: a scalar. All entries end to end, squared and summed in order, as tf.sum(tf.square(tf.concat(...))). */
const globalNormKernel: Compute = (list, [norm]) => {
  let s = 0;
  for (const v of list) s = addSquares(s, v);
  norm[0] = Math.sqrt(s);
};

/**
 * s + v[0]^2 + v[1]^2 + ..., every square and every partial sum rounded to float32. Over a list of arrays
 * laid end to end, sqrt of the final s (rounded to float32) is `globalNormOf`'s number.
 */
export function addSquares(s: number, v: Float32Array): number {
  for (let i = 0; i < v.length; i++) s = fround(s + fround(v[i] * v[i]));
  return s;
}

/**
 * sqrt(sum of squares) of a list of tensors, all entries laid end to end as one vector, in float32.
 *
 * @example
 *   globalNormOf([tf.tensor1d([3]), tf.tensor1d([4])]).dataSync()[0];   // 5
 */
export function globalNormOf(tensors: tf.Tensor[]): tf.Scalar {
  if (tensors.length === 0) return tf.scalar(0);
  if (wasmKernelsActive() && tensors.every((t) => t.dtype === 'float32')) return runWasmKernel(GLOBAL_NORM, tensors, [[]], globalNormKernel)[0] as tf.Scalar;
  return tf.tidy(() => {
    const flat = tensors.length === 1 ? tensors[0].reshape([-1]) : tf.concat(tensors.map((g) => g.reshape([-1])));
    return tf.sqrt(tf.sum(tf.square(flat))) as tf.Scalar;
  });
}
