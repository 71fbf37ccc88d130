/**
 * The elementwise part of one recurrent time step, forward and backward, for the direct training path
 * (direct-recurrent.ts).
 *
 * tanh through sigmoid: tanh(x) = 2 sigmoid(2x) - 1 (exactly, in real numbers; in float32 the two differ by
 * at most 2e-7). TensorFlow.js's wasm tanh is about ten times slower than its sigmoid, so the direct path
 * computes every tanh this way: the LSTM's candidate g from the gate pre-activations (their g block scaled
 * by 2, which the weights absorb: exact in floating point), and tanh(c_t) from sigmoid(2 c_t).
 *
 * LSTM, gate order i, f, g, o as in Keras. For a step with pre-activations z = [z_i, z_f, z_g, z_o]
 * ([batch, 4 units]) the caller passes S = sigmoid([z_i, z_f, 2 z_g, z_o]) (one operation), so that
 * i, f, o are read from S and g = 2 S_g - 1 = tanh(z_g):
 *
 *   c_t = f c_{t-1} + i g                        (lstmCellState; also returns 2 c_t)
 *   h_t = o tanh(c_t) = o (2 sigmoid(2 c_t) - 1) (lstmCellOutput, given Sc = sigmoid(2 c_t))
 *
 * Backward, given d = dLoss/dh_t and the carry dLoss/dc_t that came through c_{t+1} = f_{t+1} c_t + ...:
 *
 *   dc   = carry + d o (1 - tanh^2 c_t)
 *   dz_i = dc g i (1 - i),   dz_f = dc c_{t-1} f (1 - f),   dz_g = dc i (1 - g^2),   dz_o = d tanh(c_t) o (1 - o)
 *   carry for step t - 1 = dc f
 *
 * (sigmoid' = s (1 - s) and tanh' = 1 - tanh^2, as TensorFlow.js's own gradients compute them; dz is the
 * gradient of the unscaled z.) On the wasm backend each function is one kernel over the numbers in wasm
 * memory (wasm-kernel.ts), instead of the 2 to 12 TensorFlow.js operations written out below for the other
 * backends.
 */
import * as tf from '@tensorflow/tfjs';
import { Compute, runWasmKernel, wasmKernelsActive } from './wasm-kernel';

/** The four gate blocks of a [batch, 4 units] tensor. */
function gates(t: tf.Tensor2D): tf.Tensor2D[] {
  return tf.split(t, 4, 1) as tf.Tensor2D[];
}

/** tanh from s = sigmoid(2x): 2 s - 1. */
export function tanhFromSigmoid(s: tf.Tensor2D): tf.Tensor2D {
  if (wasmKernelsActive()) return runWasmKernel('GradscopeTanhFromSigmoid', [s], [s.shape], tanhKernel)[0] as tf.Tensor2D;
  return tf.sub(tf.mul(s, 2), 1);
}

const tanhKernel: Compute = ([s], [out]) => {
  for (let k = 0, n = s.length; k < n; k++) out[k] = 2 * s[k] - 1;
};

const stateKernel: Compute = ([S, previous], [c, c2], [shape]) => {
  const units = shape[1] / 4;
  for (let row = 0, n = shape[0]; row < n; row++) {
    const g4 = row * 4 * units;
    const g1 = row * units;
    for (let j = 0; j < units; j++) {
      const value = S[g4 + units + j] * previous[g1 + j] + S[g4 + j] * (2 * S[g4 + 2 * units + j] - 1);
      c[g1 + j] = value;
      c2[g1 + j] = 2 * value;
    }
  }
};

const outputKernel: Compute = ([S, Sc], [h], [shape]) => {
  const units = shape[1] / 4;
  for (let row = 0, n = shape[0]; row < n; row++) {
    const g4 = row * 4 * units + 3 * units;
    const g1 = row * units;
    for (let j = 0; j < units; j++) h[g1 + j] = S[g4 + j] * (2 * Sc[g1 + j] - 1);
  }
};

const backwardKernel: Compute = ([d, carry, S, previous, Sc], [dz, carryOut], [, , shape]) => {
  const units = shape[1] / 4;
  for (let row = 0, n = shape[0]; row < n; row++) {
    const g4 = row * 4 * units;
    const g1 = row * units;
    for (let j = 0; j < units; j++) {
      const k = g1 + j;
      const i = S[g4 + j];
      const f = S[g4 + units + j];
      const g = 2 * S[g4 + 2 * units + j] - 1;
      const o = S[g4 + 3 * units + j];
      const t = 2 * Sc[k] - 1;
      const dc = carry[k] + d[k] * o * (1 - t * t);
      dz[g4 + j] = dc * g * i * (1 - i);
      dz[g4 + units + j] = dc * previous[k] * f * (1 - f);
      dz[g4 + 2 * units + j] = dc * i * (1 - g * g);
      dz[g4 + 3 * units + j] = d[k] * t * o * (1 - o);
      carryOut[k] = dc * f;
    }
  }
};

/** c_t = f c_{t-1} + i g, and 2 c_t (whose sigmoid gives tanh c_t). */
export function lstmCellState(S: tf.Tensor2D, previous: tf.Tensor2D): { c: tf.Tensor2D; c2: tf.Tensor2D } {
  if (wasmKernelsActive()) {
    const [c, c2] = runWasmKernel('GradscopeLstmState', [S, previous], [previous.shape, previous.shape], stateKernel);
    return { c: c as tf.Tensor2D, c2: c2 as tf.Tensor2D };
  }
  const [i, f, sg] = gates(S);
  const c = tf.add(tf.mul(f, previous), tf.mul(i, tanhFromSigmoid(sg))) as tf.Tensor2D;
  return { c, c2: tf.mul(c, 2) };
}

/** h_t = o tanh(c_t), given Sc = sigmoid(2 c_t). */
export function lstmCellOutput(S: tf.Tensor2D, Sc: tf.Tensor2D): tf.Tensor2D {
  if (wasmKernelsActive()) return runWasmKernel('GradscopeLstmOutput', [S, Sc], [Sc.shape], outputKernel)[0] as tf.Tensor2D;
  return tf.mul(gates(S)[3], tanhFromSigmoid(Sc));
}

/** dLoss/dz_t ([batch, 4 units]) and the carry dLoss/dc for step t - 1, from d = dLoss/dh_t and the carry into step t. */
export function lstmCellBackward(d: tf.Tensor2D, carry: tf.Tensor2D, S: tf.Tensor2D, previous: tf.Tensor2D, Sc: tf.Tensor2D): { dz: tf.Tensor2D; carry: tf.Tensor2D } {
  if (wasmKernelsActive()) {
    const [dz, next] = runWasmKernel('GradscopeLstmBackward', [d, carry, S, previous, Sc], [S.shape, d.shape], backwardKernel);
    return { dz: dz as tf.Tensor2D, carry: next as tf.Tensor2D };
  }
  const [i, f, sg, o] = gates(S);
  const g = tanhFromSigmoid(sg);
  const tc = tanhFromSigmoid(Sc);
  const slope = (s: tf.Tensor) => tf.mul(s, tf.sub(1, s));
  const dc = tf.add(carry, tf.mul(d, tf.mul(o, tf.sub(1, tf.square(tc)))));
  const dz = tf.concat(
    [tf.mul(dc, tf.mul(g, slope(i))), tf.mul(dc, tf.mul(previous, slope(f))), tf.mul(dc, tf.mul(i, tf.sub(1, tf.square(g)))), tf.mul(d, tf.mul(tc, slope(o)))],
    1,
  ) as tf.Tensor2D;
  return { dz, carry: tf.mul(dc, f) };
}
