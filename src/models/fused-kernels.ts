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

/**
 * The backend that gets these kernels: wasm keeps float32 data in memory JavaScript can read. (The cpu
 * backend does too, but its sums run in float64, so there the chains run to keep its numbers.)
 */
const HOST_BACKENDS = ['wasm'] as const;

interface KernelTensor {
  dataId: object;
  shape: number[];
  dtype: string;
}

/** Memory access for one backend: read an input's values, and allocate an output and write into it. */
interface Memory {
  values(t: KernelTensor): Float32Array;
  /** Allocates every output first (a wasm allocation can move the heap), then returns views on them. */
  outputs(shapes: number[][]): { infos: KernelTensor[]; views: Float32Array[] };
}

/** One Memory per backend object, so the kernels always call the same functions (V8 keeps them optimised). */
const memories = new WeakMap<object, Memory>();

function memoryOf(backend: object): Memory {
  let memory = memories.get(backend);
  if (!memory) {
    memory = wasmMemory(backend);
    memories.set(backend, memory);
  }
  return memory;
}

function wasmMemory(backend: object): Memory {
  const b = backend as { makeOutput(shape: number[], dtype: string): KernelTensor; typedArrayFromHeap(t: KernelTensor): Float32Array };
  return {
    values: (t) => b.typedArrayFromHeap(t),
    outputs: (shapes) => {
      const infos = shapes.map((s) => b.makeOutput(s, 'float32'));
      return { infos, views: infos.map((t) => b.typedArrayFromHeap(t)) };
    },
  };
}

type Compute = (inputs: KernelTensor[], memory: Memory, attrs: Record<string, unknown>) => KernelTensor[];

/** Registers `compute` as kernel `name` on the host backends (once per process). */
function register(name: string, compute: Compute): void {
  for (const backendName of HOST_BACKENDS) {
    if (tf.getKernel(name, backendName)) continue;
    tf.registerKernel({
      kernelName: name,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        // Inputs are named t0, t1, ...: the kernels take lists of any length.
        const list = Array.from({ length: Object.keys(inputs).length }, (_, i) => inputs[`t${i}`] as unknown as KernelTensor);
        return compute(list, memoryOf(backend as object), attrs as Record<string, unknown>) as unknown as tf.TensorInfo[];
      },
    });
  }
}

/** True when the current backend has kernel `name`. */
function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

function run(name: string, tensors: tf.Tensor[], attrs: Record<string, unknown> = {}): tf.Tensor[] {
  const inputs: tf.NamedTensorMap = {};
  tensors.forEach((t, i) => (inputs[`t${i}`] = t));
  const out = tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}

const fround = Math.fround;

/** The activations `denseBackward` writes out, and the slope of each read off a = f(u) (or u for relu). */
export const DENSE_BACKWARD_ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'linear'] as const;
export type DenseBackwardActivation = (typeof DENSE_BACKWARD_ACTIVATIONS)[number];
const ACTIVATION_CODE: Record<DenseBackwardActivation, number> = { sigmoid: 0, tanh: 1, relu: 2, linear: 3 };

const DENSE_BACKWARD = 'GradscopeDenseBackward';
register(DENSE_BACKWARD, ([da, u, a], memory, attrs) => {
  const [rows, cols] = da.shape;
  const { infos, views } = memory.outputs([[rows, cols], [cols]]);
  const [dz, db] = views;
  const g = memory.values(da);
  const code = attrs.activation as number;
  if (code === 0) sigmoidSlope(g, memory.values(a), dz);
  else if (code === 1) tanhSlope(g, memory.values(a), dz);
  else if (code === 2) reluSlope(g, memory.values(u), dz);
  else dz.set(g);
  columnSums(dz, db, cols);
  return infos;
});

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
  if (hasKernel(DENSE_BACKWARD) && da.rank === 2 && da.dtype === 'float32') {
    const [dz, db] = run(DENSE_BACKWARD, [da, u, a], { activation: ACTIVATION_CODE[activation] });
    return { dz, db };
  }
  const dz =
    activation === 'sigmoid' ? tf.mul(da, tf.mul(a, tf.sub(1, a)))
      : activation === 'tanh' ? tf.mul(da, tf.sub(1, tf.square(a)))
        : activation === 'relu' ? tf.mul(da, tf.step(u))
          : da;
  return { dz, db: tf.sum(dz, 0) };
}

const SGD_UPDATE = 'GradscopeSgdUpdate';
register(SGD_UPDATE, (list, memory, attrs) => {
  const half = list.length / 2;
  const { infos, views } = memory.outputs(list.slice(0, half).map((w) => w.shape));
  for (let k = 0; k < half; k++) sgdLoop(fround(attrs.scale as number), memory.values(list[k]), memory.values(list[half + k]), views[k]);
  return infos;
});

/** out = w + c g entry by entry, as tf.add(tf.mul(c, g), w), the update of tf.train.sgd (c = -lr). */
function sgdLoop(c: number, w: Float32Array, g: Float32Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = fround(c * g[i]) + w[i];
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
  if (hasKernel(SGD_UPDATE) && weights.every((w) => w.dtype === 'float32')) return run(SGD_UPDATE, [...weights, ...grads], { scale: -learningRate });
  const c = tf.scalar(-learningRate);
  return weights.map((w, i) => tf.add(tf.mul(c, grads[i]), w));
}

const GLOBAL_NORM = 'GradscopeGlobalNorm';
register(GLOBAL_NORM, (list, memory) => {
  const { infos, views } = memory.outputs([[]]);
  // All entries end to end, squared and summed in order, as tf.sum(tf.square(tf.concat(...))).
  let s = 0;
  for (const t of list) s = addSquares(s, memory.values(t));
  views[0][0] = Math.sqrt(s);
  return infos;
});

/** s + v[0]^2 + v[1]^2 + ..., every square and every partial sum rounded to float32. */
function addSquares(s: number, v: Float32Array): number {
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
  if (hasKernel(GLOBAL_NORM) && tensors.every((t) => t.dtype === 'float32')) return run(GLOBAL_NORM, tensors)[0] as tf.Scalar;
  return tf.tidy(() => {
    const flat = tensors.length === 1 ? tensors[0].reshape([-1]) : tf.concat(tensors.map((g) => g.reshape([-1])));
    return tf.sqrt(tf.sum(tf.square(flat))) as tf.Scalar;
  });
}
