import * as tf from '@tensorflow/tfjs';
import { assertReady } from './backend';
import { fail } from './check';

/**
 * What a dataset asks the network to do, which also decides the loss:
 *   - 'binary': one output, a logit z; the probability of class 1 is sigmoid(z); loss = binary cross-entropy;
 *   - 'multiclass': one output per class (logits); softmax turns them into probabilities; loss = cross-entropy;
 *   - 'regression': real-valued outputs; loss = mean squared error.
 */
export type Task = 'binary' | 'multiclass' | 'regression';

/**
 * A dataset as plain numbers: easy to print, save as JSON and plot.
 *
 * For point datasets (spirals, moons, ...) `x[i]` is one example's features (`number[]`); for sequence
 * datasets (adding problem, ...) `x[i]` is one example's sequence, `x[i][t]` the features at time step t.
 * `y[i]` is the target row: `[0]` or `[1]` for 'binary', a one-hot row for 'multiclass', real numbers for
 * 'regression'.
 */
export interface Dataset<X = number[][]> {
  /** Which generator made it, e.g. 'spirals'. */
  name: string;
  /** One sentence saying what the task is. */
  description: string;
  task: Task;
  /** Inputs, one entry per example. */
  x: X;
  /** Targets, one row per example. */
  y: number[][];
  /** Class of each example (0, 1, ...) for classification tasks; absent for regression. */
  labels?: number[];
  /** Number of classes for classification tasks. */
  classes?: number;
  /** Features per example (per time step for sequences): the `inputs` of `mlp` or `recurrent`. */
  inputs: number;
  /** Target columns: the `outputs` of `mlp` or `recurrent`. */
  outputs: number;
  /** Sequence length T: time steps per sequence (sequence datasets only). */
  length?: number;
  /** The seed it was generated from. */
  seed: number;
}

/** A dataset of sequences: `x[i][t]` is the feature vector of example i at time step t. */
export type SequenceDataset = Dataset<number[][][]>;

/** Anything a probe or `train` accepts as data: a gradscope dataset, or inputs and targets (arrays or tensors). */
export type DataLike =
  | Dataset<number[][]>
  | Dataset<number[][][]>
  | { x: number[][] | number[][][] | tf.Tensor; y: number[][] | tf.Tensor; task?: Task };

/** Tensors made from a dataset. Dispose them (`dispose()`) when done. */
export interface TensorBatch {
  x: tf.Tensor;
  y: tf.Tensor2D;
  /** Frees both tensors (does nothing for tensors the caller passed in). */
  dispose(): void;
}

/**
 * Makes tensors from a dataset (or takes the tensors the caller passed). Only tensors created here are
 * freed by `dispose()`.
 *
 * @example
 *   const data = spirals({ n: 256, seed: 1 });
 *   const { x, y, dispose } = toTensors(data);   // x: [256, 2], y: [256, 1]
 *   dispose();
 */
export function toTensors(data: DataLike, where = 'toTensors'): TensorBatch {
  assertReady();
  if (data === null || typeof data !== 'object' || !('x' in data) || !('y' in data)) {
    fail(where, 'data', data, 'a gradscope dataset or an object {x, y} of arrays or tensors');
  }
  const created: tf.Tensor[] = [];
  let x: tf.Tensor;
  if (data.x instanceof tf.Tensor) {
    x = data.x;
  } else {
    if (!Array.isArray(data.x) || data.x.length === 0) fail(where, 'data.x', data.x, 'a non-empty array or a tensor');
    x = tf.tensor(data.x as number[][], undefined, 'float32');
    created.push(x);
  }
  let y: tf.Tensor2D;
  if (data.y instanceof tf.Tensor) {
    y = (data.y.rank === 1 ? data.y.reshape([-1, 1]) : data.y) as tf.Tensor2D;
    if (y !== data.y) created.push(y);
  } else {
    if (!Array.isArray(data.y) || data.y.length === 0) fail(where, 'data.y', data.y, 'a non-empty array or a tensor');
    const rows = (data.y as unknown[]).map((row) => (Array.isArray(row) ? row : [row])) as number[][];
    y = tf.tensor2d(rows, undefined, 'float32');
    created.push(y);
  }
  if (x.shape[0] !== y.shape[0]) {
    created.forEach((t) => t.dispose());
    fail(where, 'data.y length', y.shape[0], `the number of examples in data.x (${x.shape[0]})`);
  }
  return {
    x,
    y,
    dispose: () => created.forEach((t) => t.dispose()),
  };
}

/**
 * The first `n` examples of a dataset (plain arrays), e.g. a fixed probe batch.
 *
 * @example
 *   const probeBatch = takeExamples(spirals({ n: 1000 }), 256);
 */
export function takeExamples<D extends Dataset<unknown[]>>(data: D, n: number): D {
  if (data === null || typeof data !== 'object' || !Array.isArray(data.x)) fail('takeExamples', 'data', data, 'a gradscope dataset');
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) fail('takeExamples', 'n', n, 'an integer of at least 1');
  const out = { ...data, x: data.x.slice(0, n), y: data.y.slice(0, n) };
  if (data.labels) out.labels = data.labels.slice(0, n);
  return out;
}

/**
 * Splits a dataset into a training part and a held-out part (the last `testFraction` of the examples;
 * the generators already shuffle, so no reshuffling is needed).
 *
 * @example
 *   const { train, test } = splitDataset(moons({ n: 1000 }), 0.2);   // 800 and 200 examples
 */
export function splitDataset<D extends Dataset<unknown[]>>(data: D, testFraction = 0.2): { train: D; test: D } {
  if (data === null || typeof data !== 'object' || !Array.isArray(data.x) || data.x.length < 2) {
    fail('splitDataset', 'data', data, 'a gradscope dataset with at least 2 examples');
  }
  if (typeof testFraction !== 'number' || !(testFraction > 0 && testFraction < 1)) {
    fail('splitDataset', 'testFraction', testFraction, 'a number between 0 and 1 (exclusive)');
  }
  const nTest = Math.max(1, Math.round(data.x.length * testFraction));
  const cut = data.x.length - nTest;
  const part = (from: number, to: number): D => {
    const out = { ...data, x: data.x.slice(from, to), y: data.y.slice(from, to) };
    if (data.labels) out.labels = data.labels.slice(from, to);
    return out;
  };
  return { train: part(0, cut), test: part(cut, data.x.length) };
}
