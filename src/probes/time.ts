/**
 * The gradient over time: for a recurrent model, how much does the loss depend on each input step?
 *
 * A recurrent layer reads x_1, ..., x_T one step at a time and the loss is computed after the last step.
 * By the chain rule the gradient with respect to an early input passes through every later state:
 *
 *   dLoss/dx_t = dLoss/dh_T * (dh_T/dh_{T-1}) * ... * (dh_{t+1}/dh_t) * dh_t/dx_t
 *
 * a product of T - t Jacobians. When they shrink vectors (tanh slopes below 1, small recurrent weights)
 * the gradient vanishes exponentially in T - t (Bengio, Simard & Frasconi 1994; Pascanu et al. 2013),
 * and the model cannot learn that the answer depends on an early step. This probe measures
 * ||dLoss/dx_t|| for every t: the norm over the batch and the features of step t, at the current weights.
 */
import * as tf from '@tensorflow/tfjs';
import { fail } from '../core/check';
import { DataLike, toTensors } from '../core/data';
import { LossName, resolveLoss } from '../core/losses';
import { checkProbeCall, checkShapes } from '../core/model-checks';
import { Magnitude, magnitude } from './magnitude';
import { keepingRunningStatistics } from './parameters';

/** What one gradient-over-time probe measured. */
export interface TimeGradientSnapshot {
  probe: 'overTime';
  step: number;
  loss: number;
  examples: number;
  /** Sequence length T. */
  length: number;
  /** ||dLoss/dx_t|| for t = 1..T (index 0 is the first time step). */
  norms: Magnitude[];
  /** ||dLoss/dx_1|| / ||dLoss/dx_T||: how much of the last step's gradient reaches the first (null if undefined). */
  firstToLast: number | null;
}

/**
 * Measures ||dLoss/dx_t|| for every time step t of a sequence model, at the current weights.
 *
 * @example
 *   const model = recurrent({ cell: 'simple', units: 32, inputs: 2, outputs: 1 });
 *   const g = gradientOverTime(model, addingProblem({ n: 64, length: 100 }));
 *   g.norms.map((m) => m.log10);   // falls from right (t = T) to left (t = 1)
 */
export function gradientOverTime(model: tf.LayersModel, data: DataLike, options: { step?: number; loss?: LossName; training?: boolean } = {}): TimeGradientSnapshot {
  const where = 'gradientOverTime';
  const { step, training } = checkProbeCall(where, model, data, options, ['step', 'loss', 'training']);
  const loss = resolveLoss(where, model, data, options.loss);
  const batch = toTensors(data, where);
  try {
    if (batch.x.rank !== 3) fail(where, 'data.x', `a tensor of shape [${batch.x.shape.join(', ')}]`, 'sequences shaped [examples, time steps, features]');
    checkShapes(where, model, batch);
    const [examples, steps] = batch.x.shape;
    let host: Float32Array = new Float32Array(0);
    keepingRunningStatistics(model, () =>
      tf.tidy(() => {
        const f = (x: tf.Tensor) => loss.fn(batch.y, model.apply(x, { training }) as tf.Tensor);
        const { value, grad } = tf.valueAndGrad(f)(batch.x);
        // The whole gradient goes to the host: squaring a 1e-25 in float32 would underflow to 0.
        host = tf.concat([value.reshape([1]), grad.reshape([-1])]).dataSync() as Float32Array;
      }),
    );
    const features = batch.x.shape[2] as number;
    const sums = new Float64Array(steps);
    for (let b = 0; b < examples; b++) {
      for (let t = 0; t < steps; t++) {
        const base = 1 + (b * steps + t) * features;
        for (let k = 0; k < features; k++) sums[t] += host[base + k] * host[base + k];
      }
    }
    const norms = Array.from(sums, (s) => magnitude(Math.sqrt(s)));
    const first = norms[0].value;
    const last = norms[norms.length - 1].value;
    return { probe: 'overTime', step, loss: host[0], examples, length: steps, norms, firstToLast: last > 0 && Number.isFinite(first) ? first / last : null };
  } finally {
    batch.dispose();
  }
}
