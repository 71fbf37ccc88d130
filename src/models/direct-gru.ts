/**
 * One GRU layer computed directly (forward, and backpropagation through time written out), for
 * direct-recurrent.ts. The cell's arithmetic and its derivatives are in gru-cell.ts; here the matrix
 * products and the bookkeeping over time.
 *
 * The layer's weights, as TensorFlow.js's GRU holds them: W [in, 3 units], U [units, 3 units], b [3 units],
 * column blocks z, r, h~. Per step: the z and r blocks come from one product and one sigmoid; h~ from a
 * second product (of r h_{t-1}, the reset applied first) and a sigmoid of the doubled pre-activation
 * (h~ = 2 sigmoid(2 a) - 1 = tanh a; doubling W_h, b_h and U_h is exact). The input projections for all T
 * steps are two products before the loop.
 *
 * Weight gradients over all time steps, with dz_r = [dz, dr] and da_h per step (gru-cell.ts):
 *   dW = [x^T dz_r, x^T da_h],  dU = [h_{t-1}^T dz_r, (r h_{t-1})^T da_h],  db = [1^T dz_r, 1^T da_h].
 */
import * as tf from '@tensorflow/tfjs';
import { matMulAT } from './direct-ops';
import type { LayerPath, Recurrent } from './recurrent-path';
import { gruCandidateBackward, gruGateBackward, gruReset, gruState } from './gru-cell';
import { rowBlocks } from './row-blocks';

/** W, U or b cut into its z-and-r columns and its h~ columns. */
function gatesAndCandidate(weight: tf.Tensor, units: number): [tf.Tensor, tf.Tensor] {
  return tf.split(weight, [2 * units, units], weight.rank - 1) as [tf.Tensor, tf.Tensor];
}

/** 1^T a: the sum down the rows, as a product (faster on wasm than a sum, which transposes first). */
function columnSums(a: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(tf.ones([1, a.shape[0]]), a);
}

export const gruPath: LayerPath = {
  // inputs, previous states h_{t-1}, Szr, Sh, r h_{t-1}; all time-major [T*batch, .]
  savedCount: 5,

  forward(w: Recurrent, inputs: tf.Tensor2D, steps: number) {
    const units = w.recurrentKernel.read().shape[0];
    const [Wzr, Wh] = gatesAndCandidate(w.kernel.read(), units);
    const [bzr, bh] = gatesAndCandidate(w.bias.read(), units);
    const [Uzr, Uh] = gatesAndCandidate(w.recurrentKernel.read(), units);
    const Uh2 = tf.mul(Uh, 2);
    const projectedZr = rowBlocks(tf.add(tf.matMul(inputs, Wzr), bzr), steps);
    const projectedH = rowBlocks(tf.mul(tf.add(tf.matMul(inputs, Wh), bh), 2), steps);
    const batch = projectedZr[0].shape[0];
    let h = tf.zeros([batch, units]) as tf.Tensor2D;
    const [states, previous, Szr, Sh, resets]: tf.Tensor2D[][] = [[], [], [], [], []];
    for (let t = 0; t < steps; t++) {
      previous.push(h);
      Szr.push(tf.sigmoid(t > 0 ? tf.add(projectedZr[t], tf.matMul(h, Uzr)) : projectedZr[t]) as tf.Tensor2D);
      resets.push(gruReset(Szr[t], h));
      Sh.push(tf.sigmoid(t > 0 ? tf.add(projectedH[t], tf.matMul(resets[t], Uh2)) : projectedH[t]) as tf.Tensor2D);
      h = gruState(Szr[t], Sh[t], h);
      states.push(h);
    }
    return { states, saved: [inputs, ...[previous, Szr, Sh, resets].map((list) => tf.concat(list, 0))] };
  },

  backward(w: Recurrent, saved: tf.Tensor[], incoming: (tf.Tensor2D | undefined)[], steps: number, wantInputs: boolean) {
    const units = w.recurrentKernel.read().shape[0];
    const [inputs, previousAll, SzrAll, ShAll, resetsAll] = saved as tf.Tensor2D[];
    const [previous, Szr, Sh] = [previousAll, SzrAll, ShAll].map((all) => rowBlocks(all, steps));
    const [UzrT, UhT] = gatesAndCandidate(w.recurrentKernel.read(), units).map((u) => tf.transpose(u)) as tf.Tensor2D[];
    const dzr: tf.Tensor2D[] = new Array(steps);
    const daH: tf.Tensor2D[] = new Array(steps);
    let dh: tf.Tensor2D | undefined;
    for (let t = steps - 1; t >= 0; t--) {
      const from = incoming[t];
      // Every t receives a gradient from the layer above, or (the top layer) at least at t = T - 1.
      const d = (dh && from ? tf.add(dh, from) : (dh ?? from)!) as tf.Tensor2D;
      const candidate = gruCandidateBackward(d, Szr[t], Sh[t], previous[t]);
      daH[t] = candidate.daH;
      const drh = tf.matMul(candidate.daH, UhT) as tf.Tensor2D;
      const gates = gruGateBackward(d, drh, Szr[t], previous[t], candidate.dz);
      dzr[t] = gates.dzr;
      if (t > 0) dh = tf.add(tf.matMul(gates.dzr, UzrT), gates.dh) as tf.Tensor2D;
    }
    const DZR = tf.concat(dzr, 0) as tf.Tensor2D;
    const DAH = tf.concat(daH, 0) as tf.Tensor2D;
    const grads = [
      tf.concat([matMulAT(inputs, DZR), matMulAT(inputs, DAH)], 1),
      tf.concat([matMulAT(previousAll, DZR), matMulAT(resetsAll, DAH)], 1),
      tf.reshape(tf.concat([columnSums(DZR), columnSums(DAH)], 1), [-1]),
    ];
    if (!wantInputs) return { grads };
    const [Wzr, Wh] = gatesAndCandidate(w.kernel.read(), units);
    const dInputs = tf.add(tf.matMul(DZR, tf.transpose(Wzr)), tf.matMul(DAH, tf.transpose(Wh))) as tf.Tensor2D;
    return { grads, dInputs };
  },
};
