import * as tf from '@tensorflow/tfjs';
import { assertReady } from './backend';
import { checkOneOf, describeValue, fail } from './check';

/**
 * What a dataset asks the network to do, which also decides the loss:
 *   - 'binary': one output, a logit z; the probability of class 1 is sigmoid(z); loss = binary cross-entropy;
 *   - 'multiclass': one output per class (logits); softmax turns them into probabilities; loss = cross-entropy;
 *   - 'regression': real-valued outputs; loss = mean squared error.
 */
export type Task = 'binary' | 'multiclass' | 'regression';

/** The tasks a dataset can have. */
export const TASKS: readonly Task[] = ['binary', 'multiclass', 'regression'];

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
  checkDataValues(where, data);
  const created: tf.Tensor[] = [];
  let x: tf.Tensor;
  if (data.x instanceof tf.Tensor) {
    x = data.x;
  } else {
    x = tf.tensor(data.x as number[][], undefined, 'float32');
    created.push(x);
  }
  let y: tf.Tensor2D;
  if (data.y instanceof tf.Tensor) {
    y = (data.y.rank === 1 ? data.y.reshape([-1, 1]) : data.y) as tf.Tensor2D;
    if (y !== data.y) created.push(y);
  } else {
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

/**
 * What the targets of a task or loss must look like:
 *   - 'classLabel': 0 or 1 (task 'binary': the class of each example);
 *   - 'probability': a number from 0 to 1 (loss 'binaryCrossEntropy': the probability of class 1);
 *   - 'oneHot': a row of at least 2 numbers from 0 to 1 that sum to 1 (task 'multiclass' and loss
 *     'softmaxCrossEntropy': one column per class, a single 1 for a hard label).
 */
export type TargetKind = 'classLabel' | 'probability' | 'oneHot';

const TARGET_RULE: Record<TargetKind, string> = {
  classLabel: '0 or 1',
  probability: 'a number from 0 to 1',
  oneHot: 'a one-hot row (a single 1, the rest 0; or class probabilities that sum to 1) with at least 2 columns',
};

/** Data checked in the current synchronous call (an entry point and the toTensors it calls check once). */
let recentlyChecked: Map<object, { x: unknown; y: unknown; task: unknown }> | undefined;

function rememberChecked(data: DataLike): void {
  if (!recentlyChecked) {
    recentlyChecked = new Map();
    queueMicrotask(() => (recentlyChecked = undefined));
  }
  recentlyChecked.set(data, { x: data.x, y: data.y, task: (data as { task?: unknown }).task });
}

function isRow(value: unknown): value is number[] {
  return Array.isArray(value);
}

/**
 * Walks a nested array of numbers and returns its shape: every entry must be a finite number, and every
 * row at the same depth as long as the first (no ragged rows). Names the first bad entry, e.g.
 *   train: data.x[3][1] is NaN; allowed: a finite number
 */
function nestedShape(where: string, field: string, value: unknown): number[] {
  if (!isRow(value) || value.length === 0) {
    fail(where, field, value, field.includes('[') ? 'a non-empty array of finite numbers' : 'a non-empty array or a tensor');
  }
  const shape: number[] = [];
  let probe: unknown = value;
  while (isRow(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const walk = (node: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number' || !Number.isFinite(node)) fail(where, path, node, 'a finite number');
      return;
    }
    if (!isRow(node) || node.length !== shape[depth]) {
      fail(where, path, node, `an array of ${shape[depth]} entries, like ${field}${'[0]'.repeat(depth)} (every row the same length)`);
    }
    if (depth === shape.length - 1) {
      for (let i = 0; i < node.length; i++) {
        const v = node[i];
        if (typeof v !== 'number' || !Number.isFinite(v)) fail(where, `${path}[${i}]`, v, 'a finite number');
      }
      return;
    }
    for (let i = 0; i < node.length; i++) walk(node[i], depth + 1, `${path}[${i}]`);
  };
  walk(value, 0, field);
  return shape;
}

/** Checks a tensor the caller passed: a number tensor with examples along the first axis, no NaN or infinity. */
function checkTensorValues(where: string, field: string, t: tf.Tensor, minRank: number, maxRank: number): number {
  if (t.isDisposed) fail(where, field, 'a disposed tensor', 'a tensor that has not been disposed');
  if (t.dtype !== 'float32' && t.dtype !== 'int32') fail(where, `${field} dtype`, t.dtype, "'float32' or 'int32'");
  if (t.rank < minRank || t.rank > maxRank) fail(where, `${field} shape`, `[${t.shape.join(', ')}]`, `a tensor of rank ${minRank}${maxRank > minRank ? ` to ${maxRank}` : ''}, examples first`);
  if (t.shape[0] === 0) fail(where, `${field} shape`, `[${t.shape.join(', ')}]`, 'at least one example');
  const bad = tf.tidy(() => {
    const flat = t.reshape([-1]);
    const notFinite = tf.logicalNot(tf.isFinite(flat));
    if (!tf.any(notFinite).dataSync()[0]) return undefined;
    const index = tf.argMax(tf.cast(notFinite, 'int32')).dataSync()[0];
    return { index, value: flat.dataSync()[index] };
  });
  if (bad) fail(where, `${field} (flat entry ${bad.index})`, bad.value, 'finite numbers only (no NaN or Infinity)');
  return t.shape[0];
}

/**
 * Checks that targets fit what a task or a loss needs (see `TargetKind`); `why` says who needs it, e.g.
 * "task 'binary'". Works on plain rows and on tensors.
 *
 * @example
 *   checkTargets('train', 'data.y', [[0], [5]], 'classLabel', "task 'binary'");
 *   // train: data.y[1][0] is 5; allowed: 0 or 1 (task 'binary')
 */
export function checkTargets(where: string, field: string, y: number[][] | number[] | tf.Tensor, kind: TargetKind, why: string): void {
  const rule = `${TARGET_RULE[kind]} (${why})`;
  if (y instanceof tf.Tensor) {
    const columns = y.rank === 1 ? 1 : (y.shape[1] as number);
    if (kind === 'oneHot' && columns < 2) fail(where, `${field} columns`, columns, rule);
    const bad = tf.tidy(() => {
      const m = (y.rank === 1 ? y.reshape([-1, 1]) : y).toFloat();
      let badEntry = tf.logicalOr(tf.less(m, 0), tf.greater(m, 1));
      if (kind === 'classLabel') badEntry = tf.logicalAnd(tf.notEqual(m, 0), tf.notEqual(m, 1));
      let badRow = tf.any(badEntry, 1);
      if (kind === 'oneHot') badRow = tf.logicalOr(badRow, tf.greater(tf.abs(tf.sub(tf.sum(m, 1), 1)), 1e-4));
      if (!tf.any(badRow).dataSync()[0]) return undefined;
      const row = tf.argMax(tf.cast(badRow, 'int32')).dataSync()[0];
      return { row, values: Array.from(m.slice([row, 0], [1, columns]).dataSync()) };
    });
    if (bad) fail(where, `${field} row ${bad.row}`, bad.values, rule);
    return;
  }
  (y as unknown[]).forEach((raw, i) => {
    const row = (isRow(raw) ? Array.from(raw) : [raw]) as number[];
    if (kind === 'oneHot') {
      const sum = row.reduce((a, b) => a + b, 0);
      if (row.length < 2 || row.some((v) => !(v >= 0 && v <= 1)) || Math.abs(sum - 1) > 1e-4) fail(where, `${field}[${i}]`, row, rule);
      return;
    }
    row.forEach((v, j) => {
      const ok = kind === 'classLabel' ? v === 0 || v === 1 : v >= 0 && v <= 1;
      if (!ok) fail(where, isRow(raw) ? `${field}[${i}][${j}]` : `${field}[${i}]`, v, rule);
    });
  });
}

/**
 * Checks a dataset's numbers before anything is built from them, so that bad data fails here, by name,
 * instead of training to nonsense:
 *   - `x` and `y`: non-empty arrays (or tensors) of finite numbers, no ragged rows, as many targets as examples;
 *   - `task` (if given): 'binary' (targets 0 or 1), 'multiclass' (one-hot rows) or 'regression';
 *   - `labels` and `classes` (if given): whole numbers from 0 to classes - 1 that agree with `y` (labels
 *     longer than the data, left over from a larger dataset a part was sliced from, are not checked).
 *
 * @example
 *   checkDataValues('train', { x: [[0, 1]], y: [[5]], task: 'binary' });
 *   // train: data.y[0][0] is 5; allowed: 0 or 1 (task 'binary': the class of each example)
 */
export function checkDataValues(where: string, data: DataLike, field = 'data'): void {
  const seen = recentlyChecked?.get(data);
  if (seen && seen.x === data.x && seen.y === data.y && seen.task === (data as { task?: unknown }).task) return;
  const examples =
    data.x instanceof tf.Tensor ? checkTensorValues(where, `${field}.x`, data.x, 2, 4) : nestedShape(where, `${field}.x`, data.x)[0];
  let targets: number;
  if (data.y instanceof tf.Tensor) {
    targets = checkTensorValues(where, `${field}.y`, data.y, 1, 2);
  } else {
    const shape = nestedShape(where, `${field}.y`, data.y);
    if (shape.length > 2) fail(where, `${field}.y[0]`, (data.y as unknown[])[0], 'a row of numbers (one target row per example)');
    targets = shape[0];
  }
  if (targets !== examples) fail(where, `${field}.y length`, targets, `the number of examples in ${field}.x (${examples})`);
  const task = (data as { task?: unknown }).task;
  if (task !== undefined) {
    checkOneOf(where, `${field}.task`, task, TASKS);
    if (task === 'binary') checkTargets(where, `${field}.y`, data.y, 'classLabel', "task 'binary': the class of each example");
    if (task === 'multiclass') checkTargets(where, `${field}.y`, data.y, 'oneHot', "task 'multiclass': one column per class");
  }
  checkLabels(where, field, data as Partial<Dataset<unknown>>, examples);
  rememberChecked(data);
}

/** `labels` and `classes` of a classification dataset: whole numbers in range, agreeing with the targets. */
function checkLabels(where: string, field: string, data: Partial<Dataset<unknown>>, examples: number): void {
  const { labels, classes, task } = data;
  if (classes !== undefined && (typeof classes !== 'number' || !Number.isInteger(classes) || classes < 2)) {
    fail(where, `${field}.classes`, classes, 'a whole number of at least 2 (or leave it out)');
  }
  if (labels === undefined) return;
  if (!Array.isArray(labels) || labels.length < examples) {
    fail(where, `${field}.labels`, labels, `an array of ${examples} class numbers, one per example (or leave it out)`);
  }
  // More labels than examples: a slice of x and y that kept the whole dataset's labels (`{...data, x: part}`);
  // nothing reads them, so they are not checked against this part.
  if (labels.length > examples) return;
  const yRows = Array.isArray(data.y) ? (data.y as unknown[]) : undefined;
  const count = classes ?? (yRows && task === 'multiclass' ? (yRows[0] as number[]).length : 2);
  labels.forEach((label, i) => {
    if (typeof label !== 'number' || !Number.isInteger(label) || label < 0 || label >= count) {
      fail(where, `${field}.labels[${i}]`, label, `a class number from 0 to ${count - 1}`);
    }
    if (!yRows) return;
    const row = yRows[i] as number[];
    const encoded = task === 'binary' ? row[0] : task === 'multiclass' ? row.indexOf(Math.max(...row)) : label;
    if (encoded !== label) fail(where, `${field}.labels[${i}]`, label, `${describeValue(encoded)}, the class ${field}.y[${i}] encodes`);
  });
}
