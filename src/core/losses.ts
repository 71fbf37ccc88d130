/**
 * Loss functions, written out so the math is visible. All average over the examples in the batch (and
 * over output columns), as PyTorch's and Keras's defaults do.
 *
 *   - 'binaryCrossEntropy' on logits z, targets y in {0, 1}:
 *       L = mean( max(z, 0) - z * y + log(1 + exp(-|z|)) )
 *     which equals -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))] but never takes the log of 0.
 *     Its gradient is dL/dz = (sigmoid(z) - y) / n: it never saturates at the output.
 *   - 'softmaxCrossEntropy' on logits z, one-hot targets y: L = mean over examples of -sum_k y_k log softmax(z)_k.
 *   - 'meanSquaredError': L = mean( (prediction - y)^2 ).
 */
import * as tf from '@tensorflow/tfjs';
import { checkOneOf, fail } from './check';
import { DataLike, Task, checkTargets } from './data';

/** The losses gradscope computes. */
export const LOSSES = ['binaryCrossEntropy', 'softmaxCrossEntropy', 'meanSquaredError'] as const;
export type LossName = (typeof LOSSES)[number];

/** A loss: targets and model outputs in, scalar out. */
export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

/** The loss that fits a task. */
export function lossForTask(task: Task): LossName {
  return task === 'binary' ? 'binaryCrossEntropy' : task === 'multiclass' ? 'softmaxCrossEntropy' : 'meanSquaredError';
}

/** Whether the model's last layer already applies sigmoid or softmax (then losses work on probabilities). */
export function outputActivation(model: tf.LayersModel): string {
  const last = model.layers[model.layers.length - 1];
  const config = last.getConfig() as { activation?: string };
  if (last.getClassName() === 'Softmax') return 'softmax';
  return config.activation ?? 'linear';
}

/**
 * The loss function for `name`. When `probabilities` is true the model's outputs are already
 * sigmoid/softmax probabilities (a user model ending in such an activation) and the loss takes their log,
 * clipped to [1e-7, 1 - 1e-7] as Keras does.
 *
 * @example
 *   const bce = lossFunction('binaryCrossEntropy');
 *   bce(tf.tensor2d([[1]]), tf.tensor2d([[0]])).dataSync()[0];   // log 2 = 0.693
 */
export function lossFunction(name: LossName, probabilities = false): LossFn {
  switch (name) {
    case 'binaryCrossEntropy':
      if (probabilities) {
        return (y, p) =>
          tf.tidy(() => {
            const q = tf.clipByValue(p, 1e-7, 1 - 1e-7);
            return tf.neg(tf.mean(tf.add(tf.mul(y, tf.log(q)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, q)))))) as tf.Scalar;
          });
      }
      return (y, z) => tf.tidy(() => tf.mean(lossTerms(name)!(y, z)) as tf.Scalar);
    case 'softmaxCrossEntropy':
      if (probabilities) {
        return (y, p) => tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.clipByValue(p, 1e-7, 1))), -1))) as tf.Scalar);
      }
      return (y, z) => tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(z)), -1))) as tf.Scalar);
    case 'meanSquaredError':
      return (y, p) => tf.tidy(() => tf.mean(lossTerms(name)!(y, p)) as tf.Scalar);
    default:
      return fail('loss', 'name', name, LOSSES.join(', '));
  }
}

/**
 * The entries whose mean is the loss, for the losses that are one plain mean: binary cross-entropy on
 * logits, relu(z) - z y + log(1 + e^(-|z|)) (= -y log(sigmoid z) - (1 - y) log(1 - sigmoid z), written
 * so that no exponential overflows), and mean squared error, (p - y)^2. Null for the others.
 */
export function lossTerms(name: LossName, probabilities = false): ((yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor) | null {
  if (name === 'binaryCrossEntropy' && !probabilities) return (y, z) => tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
  if (name === 'meanSquaredError') return (y, p) => tf.square(tf.sub(p, y));
  return null;
}

/** Whether the loss `name` reads the model's outputs as probabilities (its last layer applies sigmoid or softmax). */
export function outputsAreProbabilities(model: tf.LayersModel, name: LossName): boolean {
  const act = outputActivation(model);
  return (name === 'binaryCrossEntropy' && act === 'sigmoid') || (name === 'softmaxCrossEntropy' && act === 'softmax');
}

/**
 * Which loss to use: the explicit option if given, else the dataset's task, else a guess from the
 * targets (one column of 0/1 -> binary; one-hot rows -> multiclass; otherwise regression).
 */
export function resolveLoss(where: string, model: tf.LayersModel, data: DataLike, option?: LossName): { name: LossName; fn: LossFn } {
  let name: LossName;
  if (option !== undefined) {
    name = checkOneOf(where, 'loss', option, LOSSES);
  } else if ('task' in data && data.task) {
    name = lossForTask(data.task);
  } else {
    name = guessTask(data) === 'binary' ? 'binaryCrossEntropy' : guessTask(data) === 'multiclass' ? 'softmaxCrossEntropy' : 'meanSquaredError';
  }
  checkTargetsFitLoss(where, data, name);
  return { name, fn: lossFunction(name, outputsAreProbabilities(model, name)) };
}

/**
 * Throws when the targets cannot be what the loss expects: binary cross-entropy reads each target as the
 * probability of class 1 (a number from 0 to 1; with 5 or -3 the "loss" goes negative without bound and
 * training only seems to explode), softmax cross-entropy reads each row as class probabilities (a
 * one-hot row). Mean squared error takes any finite target.
 */
export function checkTargetsFitLoss(where: string, data: DataLike, name: LossName): void {
  const task = (data as { task?: Task }).task;
  if (name === 'binaryCrossEntropy' && task !== 'binary') {
    checkTargets(where, 'data.y', data.y, 'probability', "loss 'binaryCrossEntropy': the probability of class 1; for real-valued targets use loss 'meanSquaredError'");
  }
  if (name === 'softmaxCrossEntropy' && task !== 'multiclass') {
    checkTargets(where, 'data.y', data.y, 'oneHot', "loss 'softmaxCrossEntropy': one column per class; for two classes in one column use 'binaryCrossEntropy'");
  }
}

function guessTask(data: DataLike): Task {
  let sample: number[][];
  if (data.y instanceof tf.Tensor) {
    const y = data.y;
    sample = tf.tidy(() => (y.rank === 1 ? y.reshape([-1, 1]) : y).slice(0, Math.min(200, y.shape[0])).arraySync() as number[][]);
  } else {
    sample = (data.y as number[][]).slice(0, 200).map((r) => (Array.isArray(r) ? r : [r]));
  }
  const binaryValues = sample.every((r) => r.every((v) => v === 0 || v === 1));
  if (binaryValues && sample[0].length === 1) return 'binary';
  if (binaryValues && sample.every((r) => r.reduce((a, b) => a + b, 0) === 1)) return 'multiclass';
  return 'regression';
}

/**
 * Accuracy on a batch as a tensor (or null for regression): for binary, the share of examples whose
 * logit has the right sign (probability above 0.5); for multiclass, the share whose largest output is
 * the true class.
 */
export function accuracyTensor(loss: LossName, yTrue: tf.Tensor, yPred: tf.Tensor, probabilities = false): tf.Scalar | null {
  if (loss === 'meanSquaredError') return null;
  return tf.tidy(() => {
    if (loss === 'binaryCrossEntropy') return tf.mean(binaryHits(yTrue, yPred, probabilities)) as tf.Scalar;
    return tf.mean(tf.cast(tf.equal(tf.argMax(yPred, -1), tf.argMax(yTrue, -1)), 'float32')) as tf.Scalar;
  });
}

/** 1 where a binary prediction is right (the logit's sign, or the probability above 0.5), else 0. */
export function binaryHits(yTrue: tf.Tensor, yPred: tf.Tensor, probabilities = false): tf.Tensor {
  return tf.tidy(() => tf.cast(tf.equal(probabilities ? tf.greater(yPred, 0.5) : tf.greater(yPred, 0), tf.greater(yTrue, 0.5)), 'float32'));
}
