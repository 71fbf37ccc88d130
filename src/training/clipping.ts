/**
 * Gradient clipping: limit the size of the gradient before the optimizer uses it (Pascanu, Mikolov &
 * Bengio 2013). Clipping is a remedy for *exploding* gradients; it cannot make a vanishing gradient
 * larger, and with a threshold far below the usual gradient size it slows training down.
 *
 *   - by value, c:           g_ij <- min(max(g_ij, -c), c)          (changes the direction)
 *   - by norm per tensor, c: g <- g * min(1, c / ||g||)  for each weight tensor separately
 *   - by global norm, c:     N = sqrt(sum over all tensors of ||g||^2);  every g <- g * min(1, c / N)
 *                            (keeps the direction of the whole gradient)
 *
 * Applied in that order when several are set.
 */
import * as tf from '@tensorflow/tfjs';
import { globalNormOf } from '../models/fused-kernels';

/** Clipping thresholds; any combination. */
export interface ClipOptions {
  clipValue?: number;
  clipNorm?: number;
  clipGlobalNorm?: number;
}

/** Tensors describing one step's clipping (scalars; read them with the step's other numbers). */
export interface ClipResult {
  grads: tf.Tensor[];
  /** Global norm before clipping. */
  normBefore: tf.Scalar;
  /** Global norm after clipping. */
  normAfter: tf.Scalar;
  /** 1 when clipping by value changed at least one entry. */
  valueFired: tf.Scalar;
  /** Number of tensors whose norm was clipped. */
  normFired: tf.Scalar;
  /** 1 when clipping by global norm fired. */
  globalFired: tf.Scalar;
}

/**
 * sqrt(sum of squares) of a list of tensors: all entries laid end to end as one vector, in one operation
 * whatever the number of tensors (see models/fused-kernels.ts).
 */
export function globalNorm(tensors: tf.Tensor[]): tf.Scalar {
  return globalNormOf(tensors);
}

/**
 * Clips `grads` as `options` say; call inside tf.tidy.
 *
 * @example
 *   tf.tidy(() => clipGradients([tf.tensor1d([3, 4])], { clipGlobalNorm: 1 }).grads[0].arraySync());   // [0.6, 0.8]
 */
export function clipGradients(grads: tf.Tensor[], options: ClipOptions): ClipResult {
  const zero = tf.scalar(0);
  const normBefore = globalNorm(grads);
  let out = grads;
  let valueFired: tf.Scalar = zero;
  let normFired: tf.Scalar = zero;
  let globalFired: tf.Scalar = zero;
  if (options.clipValue !== undefined) {
    const c = options.clipValue;
    const maxAbs = tf.max(tf.stack(out.map((g) => tf.max(tf.abs(g)))));
    valueFired = tf.cast(tf.greater(maxAbs, c), 'float32') as tf.Scalar;
    out = out.map((g) => tf.clipByValue(g, -c, c));
  }
  if (options.clipNorm !== undefined) {
    const c = options.clipNorm;
    const norms = out.map((g) => tf.sqrt(tf.sum(tf.square(g))));
    normFired = tf.sum(tf.stack(norms.map((n) => tf.cast(tf.greater(n, c), 'float32')))) as tf.Scalar;
    out = out.map((g, i) => tf.mul(g, tf.minimum(1, tf.div(c, tf.maximum(norms[i], 1e-30)))));
  }
  if (options.clipGlobalNorm !== undefined) {
    const c = options.clipGlobalNorm;
    const n = options.clipValue === undefined && options.clipNorm === undefined ? normBefore : globalNorm(out);
    globalFired = tf.cast(tf.greater(n, c), 'float32') as tf.Scalar;
    const scale = tf.minimum(1, tf.div(c, tf.maximum(n, 1e-30)));
    out = out.map((g) => tf.mul(g, scale));
  }
  const normAfter = out === grads ? normBefore : globalNorm(out);
  return { grads: out, normBefore, normAfter, valueFired, normFired, globalFired };
}

/** How often clipping fired over a run. */
export interface ClippingReport {
  clipValue: number | null;
  clipNorm: number | null;
  clipGlobalNorm: number | null;
  /** Steps taken. */
  steps: number;
  /** Steps at which any clipping changed the gradient, and their share. */
  firedSteps: number;
  firedShare: number;
  /** Steps at which value clipping changed at least one entry. */
  valueFired: number;
  /** Steps at which at least one tensor was clipped by its norm, and the total count of clipped tensors. */
  normFired: number;
  tensorsClipped: number;
  /** Steps at which global-norm clipping fired. */
  globalNormFired: number;
}

/** An empty tally for the thresholds of a run. */
export function clippingReport(clip: ClipOptions): ClippingReport {
  return {
    clipValue: clip.clipValue ?? null,
    clipNorm: clip.clipNorm ?? null,
    clipGlobalNorm: clip.clipGlobalNorm ?? null,
    steps: 0,
    firedSteps: 0,
    firedShare: 0,
    valueFired: 0,
    normFired: 0,
    tensorsClipped: 0,
    globalNormFired: 0,
  };
}

/**
 * Adds one step to the tally from the step's numbers (read off ClipResult: 1 or 0 for value and global
 * clipping, the count of norm-clipped tensors). Returns whether any clipping fired.
 */
export function tallyClipping(report: ClippingReport | null, valueFired: number, normFired: number, globalFired: number): boolean {
  const fired = valueFired > 0 || normFired > 0 || globalFired > 0;
  if (!report) return fired;
  report.steps++;
  if (fired) report.firedSteps++;
  if (valueFired > 0) report.valueFired++;
  if (normFired > 0) report.normFired++;
  report.tensorsClipped += normFired;
  if (globalFired > 0) report.globalNormFired++;
  report.firedShare = report.firedSteps / report.steps;
  return fired;
}
