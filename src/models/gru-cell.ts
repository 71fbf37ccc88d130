/**
 * The elementwise part of one GRU time step, forward and backward, for the direct training path
 * (direct-gru.ts). TensorFlow.js's GRU (GRUCell.call): gate order z, r, h~; the reset applied before the
 * recurrent matrix; h_t = z h_{t-1} + (1 - z) h~.
 *
 *   [z, r] = sigmoid(x_t W_zr + b_zr + h_{t-1} U_zr)             (the caller: Szr, [batch, 2 units])
 *   rh     = r h_{t-1}                                           (gruReset)
 *   h~     = tanh(x_t W_h + b_h + rh U_h) = 2 Sh - 1,  Sh = sigmoid(2 (...))   (the caller: Sh)
 *   h_t    = z h_{t-1} + (1 - z) h~                              (gruState)
 *
 * (tanh x = 2 sigmoid(2x) - 1: TensorFlow.js's wasm tanh is about ten times slower than its sigmoid; see
 * lstm-cell.ts.) Backward, given d = dLoss/dh_t:
 *
 *   da_h  = d (1 - z) (1 - h~^2)                 dLoss/d(pre-activation of h~)
 *   dz    = d (h_{t-1} - h~) z (1 - z)           dLoss/d(pre-activation of z)
 *   drh   = da_h U_h^T                           (the caller: one product)
 *   dr    = drh h_{t-1} r (1 - r)                dLoss/d(pre-activation of r)
 *   dLoss/dh_{t-1} = d z + drh r + [dz, dr] U_zr^T
 *
 * (gruCandidateBackward gives da_h and dz; gruGateBackward gives [dz, dr] and d z + drh r.) On the wasm
 * backend each function is one kernel over the numbers in wasm memory (wasm-kernel.ts); elsewhere the
 * same arithmetic in TensorFlow.js operations.
 */
import * as tf from '@tensorflow/tfjs';
import { tanhFromSigmoid } from './lstm-cell';
import { Compute, runWasmKernel, wasmKernelsActive } from './wasm-kernel';

const resetKernel: Compute = ([Szr, previous], [rh], [, shape]) => {
  const units = shape[1];
  for (let row = 0, n = shape[0]; row < n; row++) {
    for (let j = 0; j < units; j++) rh[row * units + j] = Szr[row * 2 * units + units + j] * previous[row * units + j];
  }
};

const stateKernel: Compute = ([Szr, Sh, previous], [h], [, shape]) => {
  const units = shape[1];
  for (let row = 0, n = shape[0]; row < n; row++) {
    for (let j = 0; j < units; j++) {
      const k = row * units + j;
      const z = Szr[row * 2 * units + j];
      h[k] = z * previous[k] + (1 - z) * (2 * Sh[k] - 1);
    }
  }
};

const candidateBackwardKernel: Compute = ([d, Szr, Sh, previous], [daH, dz], [shape]) => {
  const units = shape[1];
  for (let row = 0, n = shape[0]; row < n; row++) {
    for (let j = 0; j < units; j++) {
      const k = row * units + j;
      const z = Szr[row * 2 * units + j];
      const hh = 2 * Sh[k] - 1;
      daH[k] = d[k] * (1 - z) * (1 - hh * hh);
      dz[k] = d[k] * (previous[k] - hh) * z * (1 - z);
    }
  }
};

const gateBackwardKernel: Compute = ([d, drh, Szr, previous, dz], [dzr, dh], [shape]) => {
  const units = shape[1];
  for (let row = 0, n = shape[0]; row < n; row++) {
    for (let j = 0; j < units; j++) {
      const k = row * units + j;
      const z = Szr[row * 2 * units + j];
      const r = Szr[row * 2 * units + units + j];
      dzr[row * 2 * units + j] = dz[k];
      dzr[row * 2 * units + units + j] = drh[k] * previous[k] * r * (1 - r);
      dh[k] = d[k] * z + drh[k] * r;
    }
  }
};

/** The z and r blocks of Szr. */
function zr(Szr: tf.Tensor2D): tf.Tensor2D[] {
  return tf.split(Szr, 2, 1) as tf.Tensor2D[];
}

/** rh = r h_{t-1}. */
export function gruReset(Szr: tf.Tensor2D, previous: tf.Tensor2D): tf.Tensor2D {
  if (wasmKernelsActive()) return runWasmKernel('GradscopeGruReset', [Szr, previous], [previous.shape], resetKernel)[0] as tf.Tensor2D;
  return tf.mul(zr(Szr)[1], previous);
}

/** h_t = z h_{t-1} + (1 - z) h~, given Sh (h~ = 2 Sh - 1). */
export function gruState(Szr: tf.Tensor2D, Sh: tf.Tensor2D, previous: tf.Tensor2D): tf.Tensor2D {
  if (wasmKernelsActive()) return runWasmKernel('GradscopeGruState', [Szr, Sh, previous], [previous.shape], stateKernel)[0] as tf.Tensor2D;
  const z = zr(Szr)[0];
  return tf.add(tf.mul(z, previous), tf.mul(tf.sub(1, z), tanhFromSigmoid(Sh)));
}

/** da_h = d (1 - z) (1 - h~^2) and dz = d (h_{t-1} - h~) z (1 - z). */
export function gruCandidateBackward(d: tf.Tensor2D, Szr: tf.Tensor2D, Sh: tf.Tensor2D, previous: tf.Tensor2D): { daH: tf.Tensor2D; dz: tf.Tensor2D } {
  if (wasmKernelsActive()) {
    const [daH, dz] = runWasmKernel('GradscopeGruCandidateBackward', [d, Szr, Sh, previous], [d.shape, d.shape], candidateBackwardKernel);
    return { daH: daH as tf.Tensor2D, dz: dz as tf.Tensor2D };
  }
  const z = zr(Szr)[0];
  const hh = tanhFromSigmoid(Sh);
  return {
    daH: tf.mul(d, tf.mul(tf.sub(1, z), tf.sub(1, tf.square(hh)))),
    dz: tf.mul(d, tf.mul(tf.sub(previous, hh), tf.mul(z, tf.sub(1, z)))),
  };
}

/** [dz, dr] ([batch, 2 units]) and d z + drh r (the part of dLoss/dh_{t-1} that skips U_zr). */
export function gruGateBackward(d: tf.Tensor2D, drh: tf.Tensor2D, Szr: tf.Tensor2D, previous: tf.Tensor2D, dz: tf.Tensor2D): { dzr: tf.Tensor2D; dh: tf.Tensor2D } {
  if (wasmKernelsActive()) {
    const [dzr, dh] = runWasmKernel('GradscopeGruGateBackward', [d, drh, Szr, previous, dz], [Szr.shape, d.shape], gateBackwardKernel);
    return { dzr: dzr as tf.Tensor2D, dh: dh as tf.Tensor2D };
  }
  const [z, r] = zr(Szr);
  const dr = tf.mul(drh, tf.mul(previous, tf.mul(r, tf.sub(1, r))));
  return { dzr: tf.concat([dz, dr], 1) as tf.Tensor2D, dh: tf.add(tf.mul(d, z), tf.mul(drh, r)) };
}
