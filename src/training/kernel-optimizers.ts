/**
 * The updates of 'momentum', 'adam' and 'rmsprop' for the step taken kernel by kernel (kernel-step.ts): the
 * same numbers as TensorFlow.js's MomentumOptimizer, AdamOptimizer and RMSPropOptimizer (what
 * optimizers.ts's `makeOptimizer` makes), operation for operation, without the engine.
 *
 * Per weight tensor w with gradient g (every operation one float32 operation, in this order):
 *
 *   - momentum (mu, lr):  v <- mu v + g;  w <- (-lr) v + w
 *   - adam (b1, b2, eps, lr), with the powers p1 = b1^t, p2 = b2^t kept as float32 numbers that start at b1
 *     and b2 and are multiplied by b1 and b2 after each step (not computed as powers):
 *       m <- b1 m + (1 - b1) g;   s <- b2 s + (1 - b2) g^2
 *       m_hat = m / (1 - p1);     s_hat = s / (1 - p2)
 *       w <- (m_hat / (sqrt(s_hat) + eps)) (-lr) + w
 *   - rmsprop (rho, eps, lr; tfjs's momentum term with coefficient 0):
 *       s <- rho s + (1 - rho) g^2;   u <- 0 u + (g lr) / sqrt(s + eps);   w <- w - u
 *
 * The running averages (v; m and s; s and u) start at zero and belong to the run: made with the update,
 * dropped or disposed with it. On wasm they are host arrays and one pass over each weight computes its new
 * value (each product, quotient, square root and sum rounded to float32 with Math.fround, the correctly
 * rounded float32 result the backend's kernels give) and the float64 sum of squares of the new weight for
 * the next step's probe. Elsewhere they are tensors and every operation is the backend's kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { KernelScope } from '../models/kernel-mlp';
import { computeOnWasm } from '../models/wasm-kernel';
import { ADAM, OptimizerName, RMSPROP } from './optimizers';

const fround = Math.fround;

/** The optimizers `kernelUpdate` covers. */
export const KERNEL_OPTIMIZERS = ['momentum', 'adam', 'rmsprop'] as const;
export type KernelOptimizerName = (typeof KERNEL_OPTIMIZERS)[number];

/** True when `name` has a kernel update here. */
export function hasKernelUpdate(name: OptimizerName): name is KernelOptimizerName {
  return (KERNEL_OPTIMIZERS as readonly string[]).includes(name);
}

/** One optimizer's update of several models' weights, step after step; dispose it after training. */
export interface KernelUpdate {
  /**
   * The new value of every weight of every model (`weights[k]`, `grads[k]`: model k's, in the same order),
   * as outputs of `scope`; advances the optimizer one step. On wasm, `squares[k][i]` receives the float64 sum
   * of squares of model k's new weight i.
   */
  step(scope: KernelScope, weights: tf.TensorInfo[][], grads: tf.TensorInfo[][], squares: Float64Array[]): tf.TensorInfo[][];
  dispose(): void;
}

/** The hyper-parameters of `makeOptimizer` for each optimizer. */
export interface UpdateSettings {
  learningRate: number;
  /** The 'momentum' optimizer's coefficient. */
  momentum: number;
}

/**
 * The update of optimizer `name` for models whose weights have the shapes `shapes[k]` (model k's, in the
 * order the step passes them), with the running averages at zero.
 */
export function kernelUpdate(name: KernelOptimizerName, settings: UpdateSettings, shapes: number[][][]): KernelUpdate {
  return tf.getBackend() === 'wasm' ? hostUpdate(name, settings, shapes) : tensorUpdate(name, settings, shapes);
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** How many running averages each optimizer keeps per weight tensor. */
const STATE_COUNT: Record<KernelOptimizerName, number> = { momentum: 1, adam: 2, rmsprop: 2 };

/** The constants tfjs's optimizers make from their settings (`makeOptimizer`'s), as float32 numbers. */
function constantsOf(settings: UpdateSettings) {
  const { learningRate: lr, momentum } = settings;
  const { beta1, beta2, epsilon: adamEpsilon } = ADAM;
  const { rho, epsilon: rmsEpsilon } = RMSPROP;
  return {
    minusRate: -lr,
    rate: lr,
    momentum,
    beta1,
    oneMinusBeta1: 1 - beta1,
    beta2,
    oneMinusBeta2: 1 - beta2,
    adamEpsilon,
    rho,
    oneMinusRho: 1 - rho,
    rmsEpsilon,
    zero: 0,
    one: 1,
  };
}

/** On wasm: the state as host arrays, each weight's new value in one pass over its entries. */
function hostUpdate(name: KernelOptimizerName, settings: UpdateSettings, shapes: number[][][]): KernelUpdate {
  const c = Object.fromEntries(Object.entries(constantsOf(settings)).map(([k, v]) => [k, fround(v)])) as Constants;
  const state = shapes.map((model) => model.map((shape) => Array.from({ length: STATE_COUNT[name] }, () => new Float32Array(sizeOf(shape)))));
  // Adam's b1^t and b2^t, as float32 numbers (tfjs keeps them as scalar variables).
  let power1 = c.beta1;
  let power2 = c.beta2;
  return {
    step(scope, weights, grads, squares) {
      // Adam's bias corrections 1 - b1^t and 1 - b2^t of this step.
      const [d1, d2] = [fround(c.one - power1), fround(c.one - power2)];
      const loop = (state: Float32Array[], g: Float32Array, w: Float32Array, out: Float32Array) =>
        name === 'momentum' ? momentumLoop(c, state, g, w, out) : name === 'adam' ? adamLoop(c, d1, d2, state, g, w, out) : rmspropLoop(c, state, g, w, out);
      const next = weights.map((ws, k) => {
        const n = ws.length;
        const outs = computeOnWasm(scope.kernelBackend, (list, out) => {
          for (let j = 0; j < n; j++) squares[k][j] = loop(state[k][j], list[n + j], list[j], out[j]);
        }, [...ws, ...grads[k]], ws.map((w) => w.shape), {});
        return scope.own(outs);
      });
      if (name === 'adam') (power1 = fround(power1 * c.beta1)), (power2 = fround(power2 * c.beta2));
      return next;
    },
    dispose() {
      state.length = 0;
    },
  };
}

type Constants = ReturnType<typeof constantsOf>;

// Each loop writes out[i], the new weight, and the state at i (every value rounded to float32 before it is
// used again), and returns the float64 sum of squares of out, in order.

/** Momentum: v <- mu v + g; w <- (-lr) v + w. */
function momentumLoop(c: Constants, [v]: Float32Array[], g: Float32Array, w: Float32Array, out: Float32Array): number {
  let squares = 0;
  for (let i = 0; i < out.length; i++) {
    const vi = fround(fround(c.momentum * v[i]) + g[i]);
    v[i] = vi;
    const next = fround(fround(c.minusRate * vi) + w[i]);
    out[i] = next;
    squares += next * next;
  }
  return squares;
}

/** Adam, with d1 = 1 - b1^t and d2 = 1 - b2^t. */
function adamLoop(c: Constants, d1: number, d2: number, [m, s]: Float32Array[], g: Float32Array, w: Float32Array, out: Float32Array): number {
  let squares = 0;
  for (let i = 0; i < out.length; i++) {
    const gi = g[i];
    const mi = fround(fround(m[i] * c.beta1) + fround(gi * c.oneMinusBeta1));
    const si = fround(fround(s[i] * c.beta2) + fround(fround(gi * gi) * c.oneMinusBeta2));
    m[i] = mi;
    s[i] = si;
    const mHat = fround(mi / d1);
    const sHat = fround(si / d2);
    const next = fround(fround(fround(mHat / fround(fround(Math.sqrt(sHat)) + c.adamEpsilon)) * c.minusRate) + w[i]);
    out[i] = next;
    squares += next * next;
  }
  return squares;
}

/** RMSProp: s <- rho s + (1 - rho) g^2; u <- 0 u + (g lr) / sqrt(s + eps); w <- w - u. */
function rmspropLoop(c: Constants, [s, u]: Float32Array[], g: Float32Array, w: Float32Array, out: Float32Array): number {
  let squares = 0;
  for (let i = 0; i < out.length; i++) {
    const gi = g[i];
    const si = fround(fround(s[i] * c.rho) + fround(fround(gi * gi) * c.oneMinusRho));
    const ui = fround(fround(u[i] * c.zero) + fround(fround(gi * c.rate) / fround(Math.sqrt(fround(si + c.rmsEpsilon)))));
    s[i] = si;
    u[i] = ui;
    const next = fround(w[i] - ui);
    out[i] = next;
    squares += next * next;
  }
  return squares;
}

/** Elsewhere: the state as tensors, every operation the backend's kernel, as tfjs's optimizers call them. */
function tensorUpdate(name: KernelOptimizerName, settings: UpdateSettings, shapes: number[][][]): KernelUpdate {
  const c = Object.fromEntries(Object.entries(constantsOf(settings)).map(([k, v]) => [k, tf.scalar(v)])) as Record<keyof ReturnType<typeof constantsOf>, tf.Scalar>;
  let state: tf.Tensor[][][] = shapes.map((model) => model.map((shape) => Array.from({ length: STATE_COUNT[name] }, () => tf.zeros(shape))));
  let powers: tf.Tensor[] = name === 'adam' ? [tf.scalar(ADAM.beta1), tf.scalar(ADAM.beta2)] : [];
  /** The tensor replaces `old` from now on (kept out of the step's tf.tidy). */
  const take = (scope: KernelScope, info: tf.TensorInfo, old: tf.Tensor) => {
    const kept = tf.keep(scope.toTensor(info));
    old.dispose();
    return kept;
  };
  return {
    step(scope, weights, grads) {
      const run = scope.run.bind(scope);
      const mul = (a: tf.TensorInfo, b: tf.TensorInfo) => run('Multiply', { a, b });
      const add = (a: tf.TensorInfo, b: tf.TensorInfo) => run('Add', { a, b });
      const div = (a: tf.TensorInfo, b: tf.TensorInfo) => run('RealDiv', { a, b });
      const [d1, d2] = powers.map((p) => run('Sub', { a: c.one, b: p }));
      const next = weights.map((ws, k) =>
        ws.map((w, j) => {
          const g = grads[k][j];
          const own = state[k][j];
          if (name === 'momentum') {
            const v = add(mul(c.momentum, own[0]), g);
            const value = add(mul(c.minusRate, v), w);
            own[0] = take(scope, v, own[0]);
            return value;
          }
          if (name === 'adam') {
            const m = add(mul(own[0], c.beta1), mul(g, c.oneMinusBeta1));
            const s = add(mul(own[1], c.beta2), mul(run('Square', { x: g }), c.oneMinusBeta2));
            const [mHat, sHat] = [div(m, d1), div(s, d2)];
            const value = add(mul(div(mHat, add(run('Sqrt', { x: sHat }), c.adamEpsilon)), c.minusRate), w);
            [own[0], own[1]] = [take(scope, m, own[0]), take(scope, s, own[1])];
            return value;
          }
          const s = add(mul(own[0], c.rho), mul(run('Square', { x: g }), c.oneMinusRho));
          const u = add(mul(own[1], c.zero), div(mul(g, c.rate), run('Sqrt', { x: add(s, c.rmsEpsilon) })));
          const value = run('Sub', { a: w, b: u });
          [own[0], own[1]] = [take(scope, s, own[0]), take(scope, u, own[1])];
          return value;
        }),
      );
      if (name === 'adam') powers = [take(scope, mul(powers[0], c.beta1), powers[0]), take(scope, mul(powers[1], c.beta2), powers[1])];
      return next;
    },
    dispose() {
      tf.dispose([...Object.values(c), ...state.flat(2), ...powers]);
      state = [];
      powers = [];
    },
  };
}
