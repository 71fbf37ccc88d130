/**
 * Baselines: what a network must beat before a lesson may say it "learns". Both are fitted to the same
 * training data the network sees and scored with the same loss and accuracy as `train` and `evaluate`.
 *
 *   - The constant predictor ignores the input and predicts the training targets' average:
 *       binary:      probability p = mean(y), so its logit is ln(p / (1 - p)); its loss on the training data
 *                    is the entropy H = -[p ln p + (1 - p) ln(1 - p)] (ln 2 = 0.693 for balanced classes)
 *                    and its accuracy the majority class's share max(p, 1 - p);
 *       multiclass:  the class frequencies π_k, logits ln π_k; loss -Σ_k π_k ln π_k (ln 10 = 2.30 for ten
 *                    balanced classes), accuracy max_k π_k;
 *       regression:  the mean target ȳ; loss = mean (y - ȳ)², the targets' variance.
 *     No model with an input can do worse on the training data than this without being broken.
 *   - The linear model: logits z = x W + b, the best a network without a hidden layer can do (logistic
 *     regression for binary, softmax regression for multiclass, least squares for regression). Inputs are
 *     standardised with the training mean and standard deviation (an affine change the model could undo,
 *     so the family is the same, but one learning rate fits every dataset). W starts at 0 and b at the
 *     constant predictor's logits, so the fit starts where the constant predictor is; full-batch Adam then
 *     lowers loss + (λ / 2) Σ W² (a small weight decay, λ = 0.01 by default, so that on data a hyperplane
 *     separates, such as 1000 digits in 784 dimensions, the weights stay finite and the held-out loss
 *     meaningful). That objective is convex in (W, b): no seed is involved and the result is deterministic.
 *     The reported loss is the plain loss, without the decay term, comparable with a network's.
 *     On data whose classes a straight line (a hyperplane) separates it reaches nearly 100% accuracy;
 *     on the two moons it reaches about 85-88%, on spirals about chance: the part a network must add.
 */
import * as tf from '@tensorflow/tfjs';
import { assertReady } from '../core/backend';
import { checkInt, checkKeys, checkNumber, fail } from '../core/check';
import { DataLike, Task, toTensors } from '../core/data';
import { checkData } from '../core/model-checks';
import { LossName, accuracyTensor, lossForTask, lossFunction } from '../core/losses';

/** Loss and accuracy of one baseline on one dataset. */
export interface BaselineScore {
  loss: number;
  /** Share classified correctly (null for regression). */
  accuracy: number | null;
}

/** What `baselines` measured. */
export interface Baselines {
  task: Task;
  lossName: LossName;
  /** Training examples both baselines were fitted to. */
  examples: number;
  /** The constant predictor on the training data. */
  constant: BaselineScore;
  /** The linear model on the training data. */
  linear: BaselineScore & { steps: number };
  /** Both on the held-out data, when `options.test` was given (fitted on the training data only). */
  test?: { constant: BaselineScore; linear: BaselineScore; examples: number };
}

export interface BaselineOptions {
  /** Held-out data to score both baselines on as well. */
  test?: DataLike;
  /** Full-batch Adam steps for the linear model (default 100). */
  steps?: number;
  /** Adam's learning rate for the linear model (default 0.1, on standardised inputs). */
  learningRate?: number;
  /** Weight decay λ of the linear model: it minimises loss + (λ / 2) Σ W² (default 0.01; 0 for none). */
  l2?: number;
}

function taskOf(where: string, data: DataLike): Task {
  const task = (data as { task?: unknown }).task;
  if (task !== 'binary' && task !== 'multiclass' && task !== 'regression') {
    fail(where, 'data.task', task, "'binary', 'multiclass' or 'regression' (a gradscope dataset has it; for {x, y} add task)");
  }
  return task;
}

/** Inputs as a 2-D tensor [examples, features] (sequences are flattened: every time step's features side by side). */
const flat = (x: tf.Tensor) => (x.rank === 2 ? x : x.reshape([x.shape[0], -1])) as tf.Tensor2D;

/** The constant predictor's output row (logits for classification, the mean for regression), from training targets. */
function constantRow(task: Task, y: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const mean = tf.mean(y, 0, true) as tf.Tensor2D;
    if (task === 'regression') return mean;
    const p = tf.clipByValue(mean, 1e-7, 1 - 1e-7);
    return (task === 'binary' ? tf.sub(tf.log(p), tf.log(tf.sub(1, p))) : tf.log(p)) as tf.Tensor2D;
  });
}

/** Loss and accuracy of the outputs `predict()` makes (all tensors made on the way are freed). */
function score(lossName: LossName, y: tf.Tensor2D, predict: () => tf.Tensor2D): BaselineScore {
  let values: ArrayLike<number> = [NaN, NaN];
  tf.tidy(() => {
    const out = predict();
    const acc = accuracyTensor(lossName, y, out);
    values = tf.stack([lossFunction(lossName)(y, out), acc ?? tf.scalar(NaN)]).dataSync();
  });
  return { loss: values[0], accuracy: Number.isNaN(values[1]) ? null : values[1] };
}

/**
 * Fits the constant predictor and a linear model to `data` and returns their loss and accuracy (and on
 * `options.test`, if given). A network "learns" a task when it beats both on the same data.
 *
 * @example
 *   const { train, test } = splitDataset(moons({ n: 1000, seed: 0 }));
 *   const base = baselines(train, { test });
 *   base.constant.loss;   // 0.693 (ln 2: balanced classes)
 *   base.linear.accuracy; // about 0.87: a straight line separates most of the moons
 *
 *   // Drawn as reference lines on a loss chart: two-point flat series next to the network's curve.
 *   const flat = (name: string, loss: number) => ({ name, steps: [0, lastStep], values: [loss, loss] });
 *   await show(lossCurvesFigure([network, flat('linear model', base.linear.loss), flat('constant predictor', base.constant.loss)]));
 */
export function baselines(data: DataLike, options: BaselineOptions = {}): Baselines {
  const where = 'baselines';
  assertReady();
  if (data === null || typeof data !== 'object' || !('x' in data) || !('y' in data)) {
    fail(where, 'data', data, 'a gradscope dataset or an object {x, y, task}');
  }
  checkData(where, data);
  checkKeys(where, options, ['test', 'steps', 'learningRate', 'l2']);
  const task = taskOf(where, data);
  const steps = checkInt(where, 'steps', options.steps ?? 100, 0, 100_000);
  const l2 = checkNumber(where, 'l2', options.l2 ?? 0.01, 0, 100);
  const learningRate = checkNumber(where, 'learningRate', options.learningRate ?? 0.1, 0, 10, { minExclusive: true });
  if (options.test !== undefined) checkData(where, options.test, 'options.test');
  const lossName = lossForTask(task);
  const lossFn = lossFunction(lossName);
  const train = toTensors(data, where);
  const held = options.test ? toTensors(options.test, `${where} (options.test)`) : undefined;
  const kept: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T) => (kept.push(t), t);
  const optimizer = tf.train.adam(learningRate);
  try {
    const flatKept = (t: tf.Tensor) => {
      const out = flat(t);
      return out === t ? out : keep(out);
    };
    const x = flatKept(train.x);
    const heldX = held ? flatKept(held.x) : undefined;
    if (heldX && heldX.shape[1] !== x.shape[1]) fail(where, 'options.test features', heldX.shape[1], `${x.shape[1]} (as many as data has)`);
    if (held && held.y.shape[1] !== train.y.shape[1]) fail(where, 'options.test.y columns', held.y.shape[1], `${train.y.shape[1]} (as data.y)`);
    const { mean, variance } = tf.moments(x, 0);
    const mu = keep(mean);
    const sigma = keep(tf.tidy(() => tf.where(tf.greater(variance, 1e-12), tf.sqrt(variance), tf.onesLike(variance))));
    variance.dispose();
    const standardise = (input: tf.Tensor2D) => tf.div(tf.sub(input, mu), sigma) as tf.Tensor2D;
    const xs = keep(tf.tidy(() => standardise(x)));
    const row = keep(constantRow(task, train.y));
    const w = keep(tf.tidy(() => tf.variable(tf.zeros([x.shape[1], train.y.shape[1]]), true)));
    const b = keep(tf.tidy(() => tf.variable(row.reshape([-1]), true)));
    const linearOut = (input: tf.Tensor2D) => tf.add(tf.matMul(input, w), b) as tf.Tensor2D;
    // The gradient of loss(y, xs W + b) + (l2 / 2) ||W||^2, written out: with dz = dLoss/dlogits,
    //   dW = xs^T dz + l2 W,   db = the sum of dz over the examples.
    // xs^T is formed once: TensorFlow.js's automatic gradient of a product takes it with a transposed-operand
    // product, which the wasm backend computes outside its fast matrix kernels (about 60 ms per step on
    // 2 500 digits, 98% of the whole fit).
    const xsT = keep(tf.transpose(xs));
    const logitGradient = tf.grad((logits: tf.Tensor) => lossFn(train.y, logits as tf.Tensor2D));
    for (let step = 0; step < steps; step++) {
      tf.tidy(() => {
        const dz = logitGradient(linearOut(xs));
        optimizer.applyGradients([
          { name: w.name, tensor: tf.add(tf.matMul(xsT, dz), tf.mul(l2, w)) },
          { name: b.name, tensor: tf.sum(dz, 0) },
        ]);
      });
    }
    const constantOn = (y: tf.Tensor2D) => score(lossName, y, () => tf.tile(row, [y.shape[0], 1]) as tf.Tensor2D);
    const linearOn = (input: tf.Tensor2D, y: tf.Tensor2D) => score(lossName, y, () => linearOut(input));
    const result: Baselines = {
      task,
      lossName,
      examples: x.shape[0],
      constant: constantOn(train.y),
      linear: { ...linearOn(xs, train.y), steps },
    };
    if (held && heldX) {
      const hx = keep(tf.tidy(() => standardise(heldX)));
      result.test = { constant: constantOn(held.y), linear: linearOn(hx, held.y), examples: hx.shape[0] };
    }
    return result;
  } finally {
    optimizer.dispose();
    tf.dispose(kept);
    train.dispose();
    held?.dispose();
  }
}
