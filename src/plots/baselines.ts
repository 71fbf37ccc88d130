/**
 * Baselines as reference lines: what a network must beat, drawn on its loss or accuracy chart.
 *
 * `baselines(data)` measures two predictors that need no hidden layer: the constant predictor (the training
 * targets' average, whatever the input) and the linear model (logits z = x W + b). Neither changes during the
 * network's training, so each is a flat line at its score, from the first step to the last. A curve that ends
 * above the constant predictor's loss learned nothing about the input; one that ends above the linear
 * model's learned no more than a network without hidden layers could.
 */
import { checkKeys, checkNumber, checkOneOf, fail } from '../core/check';
import type { LossSeries } from '../records/history';
import type { BaselineScore, Baselines } from '../training/baselines';

export interface BaselineLinesOptions {
  /** 'loss' (default) or 'accuracy' (classification only). */
  metric?: 'loss' | 'accuracy';
  /** 'train' (default): the scores on the data the baselines were fitted to; 'test': on the held-out data given to `baselines` as `test`. */
  split?: 'train' | 'test';
  /** Names of the two lines (defaults: 'constant predictor' and the linear model's name for the task). */
  names?: { constant?: string; linear?: string };
}

/** What the linear model is called for each task. */
const LINEAR_NAMES: Record<string, string> = {
  binary: 'linear model (logistic regression)',
  multiclass: 'linear model (softmax regression)',
  regression: 'linear model (least squares)',
};

/**
 * Two flat reference-line series, the constant predictor's and the linear model's score, from step `first`
 * to step `last`: pass them to `lossCurvesFigure` with the network's curves.
 *
 * @param steps the last training step (lines from 0 to it), or [first, last].
 * @example
 *   const reference = baselines(data);
 *   await show(lossCurvesFigure([{ name: 'relu', histories }, ...baselineLines(reference, 300)]));
 *   // on held-out digits: baselineLines(baselines(train, { test }), 400, { metric: 'accuracy', split: 'test' })
 */
export function baselineLines(measured: Baselines, steps: number | readonly [number, number], options: BaselineLinesOptions = {}): LossSeries[] {
  const where = 'baselineLines';
  if (!measured || typeof measured !== 'object' || !measured.constant || !measured.linear) {
    fail(where, 'baselines', measured, 'the result of baselines(data)');
  }
  checkKeys(where, options, ['metric', 'split', 'names']);
  const metric = checkOneOf(where, 'metric', options.metric ?? 'loss', ['loss', 'accuracy'] as const);
  const split = checkOneOf(where, 'split', options.split ?? 'train', ['train', 'test'] as const);
  const [first, last] = typeof steps === 'number' ? [0, steps] : Array.isArray(steps) && steps.length === 2 ? steps : fail(where, 'steps', steps, 'the last step (a number) or [first, last]');
  checkNumber(where, 'steps (first)', first, 0, Number.MAX_SAFE_INTEGER);
  checkNumber(where, 'steps (last)', last, 0, Number.MAX_SAFE_INTEGER);
  if (!(last > first)) fail(where, 'steps', steps, 'a last step after the first');
  if (options.names !== undefined) checkKeys(where, options.names, ['constant', 'linear'], 'names');
  let scores: { constant: BaselineScore; linear: BaselineScore } = measured;
  if (split === 'test') {
    if (!measured.test) fail(where, 'split', split, "'train' (these baselines were measured without test data; pass { test } to baselines)");
    scores = measured.test;
  }
  const names = {
    constant: options.names?.constant ?? 'constant predictor',
    linear: options.names?.linear ?? LINEAR_NAMES[measured.task] ?? 'linear model',
  };
  return (['constant', 'linear'] as const).map((kind) => {
    const value = scores[kind][metric];
    if (value === null || value === undefined) fail(where, 'metric', metric, `'loss' (a ${measured.task} task has no accuracy)`);
    return { name: names[kind], steps: [first, last], values: [value, value] };
  });
}
