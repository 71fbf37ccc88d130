/**
 * The loss of a training step, its accuracy and dLoss/dy, kernel by kernel (for training/kernel-step.ts and the probes' kernel pass, probes/kernel-probe.ts):
 * the operations TensorFlow.js's autodiff runs for `lossFunction` (core/losses.ts), each a direct call of
 * the backend's kernel, without the gradient tape and the engine's bookkeeping around some thirty small
 * operations (which cost more than a 64-example loss's arithmetic). The numbers are the engine's, bit for bit.
 *
 * Binary cross-entropy on logits z, targets y, n entries: the terms t = relu(z) - z y + log(1 + e^(-|z|)) and
 * L = mean(t). Backward, from dL/dL = 1, each operation's gradient as tfjs-core's gradient functions write it:
 *
 *   dL/dt = 1/n (every entry);                         mean
 *   dL/de = (1/n) / (e + 1), with e = e^(-|z|);        log1p
 *   dL/d(-|z|) = dL/de * e;  dL/d|z| = -that;          exp, neg
 *   dL/dz = dL/d|z| * sign(z) + (-(1/n)) y + (1/n) step(z)
 *
 * the three paths from z (abs, the product with y, relu) summed in the order the tape meets them going back
 * (abs first, then the product, then relu), which with float32 rounding fixes the last bit. Simplified, it is
 * (sigmoid(z) - y) / n: the gradient never saturates at the output.
 *
 * Mean squared error on predictions p: t = (p - y)^2, L = mean(t), dL/dp = (1/n) * ((p - y) * 2).
 *
 * Softmax cross-entropy on logits Z (one row per example, c classes, b rows), one-hot targets Y: tfjs's
 * logSoftmax, s = Z - max_row(Z), log p = s - log(sum_row(e^s)), then L = -mean_rows(sum_row(Y log p)).
 * Backward: dL/d(log p) = (-(1/b)) Y (neg, mean, sum and product), and logSoftmax's own gradient
 * dL/dZ = dL/d(log p) - sum_row(dL/d(log p)) p, with p = e^(log p). Simplified, (p - Y) / b.
 * Its accuracy is the share of rows whose largest logit is the target's class.
 */
import * as tf from '@tensorflow/tfjs';
import { KernelScope } from './kernel-mlp';
import type { LossName } from '../core/losses';

/** One model's loss, accuracy (a float32 scalar; NaN when the loss has none) and dLoss/dy, as scope outputs. */
export interface KernelLoss {
  loss: tf.TensorInfo;
  accuracy: tf.TensorInfo;
  grad: tf.TensorInfo;
}

/** True when `kernelLoss` computes this loss: binary and softmax cross-entropy on logits, and mean squared error. */
export function kernelLossCovers(name: LossName, probabilities: boolean): boolean {
  return ((name === 'binaryCrossEntropy' || name === 'softmaxCrossEntropy') && !probabilities) || name === 'meanSquaredError';
}

const sizeOf = (t: tf.TensorInfo) => t.shape.reduce((a, b) => a * b, 1);

/** A float32 tensor of `shape` filled with `value` (a scalar for shape []), as tf.scalar / tf.fill make it. */
function filled(scope: KernelScope, shape: number[], value: number): tf.TensorInfo {
  return scope.run('Fill', [], { shape, value, dtype: 'float32' });
}

/**
 * The loss of outputs `y` against targets `target` (the mini-batch's), its accuracy and dLoss/dy, for a loss
 * `kernelLossCovers` accepts.
 */
export function kernelLoss(scope: KernelScope, name: LossName, y: tf.TensorInfo, target: tf.TensorInfo): KernelLoss {
  const n = sizeOf(y);
  // d mean / d t: tfjs's mean gradient, div(mul(reshape(1), ones), n), is 1/n rounded to float32.
  const perTerm = filled(scope, y.shape, Math.fround(1 / n));
  const mean = (t: tf.TensorInfo) => scope.run('Mean', { x: t }, { axis: null, keepDims: false });
  if (name === 'meanSquaredError') {
    const d = scope.run('Sub', { a: y, b: target });
    const loss = mean(scope.run('Square', { x: d }));
    const grad = scope.run('Multiply', { a: perTerm, b: scope.run('Multiply', { a: d, b: filled(scope, [], 2) }) });
    return { loss, accuracy: filled(scope, [], NaN), grad };
  }
  if (name === 'softmaxCrossEntropy') return softmaxCrossEntropy(scope, y, target);
  const z = y;
  const relu = scope.run('Relu', { x: z });
  const zy = scope.run('Multiply', { a: z, b: target });
  const e = scope.run('Exp', { x: scope.run('Neg', { x: scope.run('Abs', { x: z }) }) });
  const t = scope.run('Add', { a: scope.run('Sub', { a: relu, b: zy }), b: scope.run('Log1p', { x: e }) });
  const loss = mean(t);
  // Backward, in the tape's order: log1p, exp, neg, abs; then the difference's two sides; then relu.
  const de = scope.run('RealDiv', { a: perTerm, b: scope.run('Add', { a: e, b: filled(scope, [], 1) }) });
  const dAbs = scope.run('Neg', { x: scope.run('Multiply', { a: de, b: e }) });
  const viaAbs = scope.run('Multiply', { a: dAbs, b: scope.run('Step', { x: z }, { alpha: -1 }) });
  const viaProduct = scope.run('Multiply', { a: scope.run('Neg', { x: perTerm }), b: target });
  const viaRelu = scope.run('Multiply', { a: perTerm, b: scope.run('Step', { x: z }, { alpha: 0 }) });
  const grad = scope.run('Add', { a: scope.run('Add', { a: viaAbs, b: viaProduct }), b: viaRelu });
  // The share of right signs: mean(cast(equal(z > 0, y > 0.5))), as losses.ts's binaryHits.
  const hits = scope.run('Equal', { a: scope.run('Greater', { a: z, b: filled(scope, [], 0) }), b: scope.run('Greater', { a: target, b: filled(scope, [], 0.5) }) });
  const accuracy = mean(scope.run('Cast', { x: hits }, { dtype: 'float32' }));
  return { loss, accuracy, grad };
}

/**
 * Softmax cross-entropy on logits `z` ([b, c]) against one-hot `target`, as losses.ts's lossFunction and
 * tfjs's logSoftmax (a custom gradient) compute it, operation for operation, with the same reductions.
 */
function softmaxCrossEntropy(scope: KernelScope, z: tf.TensorInfo, target: tf.TensorInfo): KernelLoss {
  const [b, c] = z.shape;
  const last = z.shape.length - 1;
  // logSoftmax, forward: s = z - max(z), log p = s - log(sum(e^s)), along the last axis.
  const shifted = scope.run('Sub', { a: z, b: scope.run('Max', { x: z }, { reductionIndices: last, keepDims: true }) });
  const logP = scope.run('Sub', { a: shifted, b: scope.run('Log', { x: scope.run('Sum', { x: scope.run('Exp', { x: shifted }) }, { axis: last, keepDims: true }) }) });
  const perExample = scope.run('Sum', { x: scope.run('Multiply', { a: target, b: logP }) }, { axis: -1, keepDims: false });
  const loss = scope.run('Neg', { x: scope.run('Mean', { x: perExample }, { axis: null, keepDims: false }) });
  // Backward: neg gives -1, the mean -1 / b (rounded to float32) per example, the sum copies it along the row,
  // the product multiplies it by the target; then logSoftmax's gradient dy - sum(dy) e^(log p).
  const dLogP = scope.run('Multiply', { a: filled(scope, [b, c], Math.fround(-1 / b)), b: target });
  const grad = scope.run('Sub', { a: dLogP, b: scope.run('Multiply', { a: scope.run('Sum', { x: dLogP }, { axis: last, keepDims: true }), b: scope.run('Exp', { x: logP }) }) });
  // The share of rows whose largest logit is the target's class, as losses.ts's accuracyTensor.
  const hits = scope.run('Equal', { a: scope.run('ArgMax', { x: z }, { axis: -1 }), b: scope.run('ArgMax', { x: target }, { axis: -1 }) });
  const accuracy = scope.run('Mean', { x: scope.run('Cast', { x: hits }, { dtype: 'float32' }) }, { axis: null, keepDims: false });
  return { loss, accuracy, grad };
}
