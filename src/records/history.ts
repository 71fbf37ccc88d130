/**
 * Reading a training history: the loss and metric curves, their smoothed versions, and the level a run
 * ends at.
 *
 * A history (from `train`) holds one record per step, `history.steps[k] = { step, loss, accuracy, gradNorm, ... }`,
 * and one record per probe of the held-out data in `history.validation`.
 */
import { fail } from '../core/check';
import type { History, StepRecord } from '../training/train';

/** A numeric field of a step record that can be drawn over training. */
export type StepMetric = 'loss' | 'accuracy' | 'gradNorm' | 'clippedNorm';

const METRICS: readonly StepMetric[] = ['loss', 'accuracy', 'gradNorm', 'clippedNorm'];

/** One curve over training: values at steps. What `lossCurvesFigure` draws. */
export interface LossSeries {
  /** Configuration name; it picks the colour. */
  name: string;
  /** Training steps (or epochs), same length as `values`. */
  steps: readonly number[];
  /** The value at each step. NaN or Infinity mean training diverged; the curve stops there. */
  values: readonly number[];
  /** 'train' (solid line, default) or 'test' (dashed, same colour). */
  split?: 'train' | 'test';
}

/** Options of `lossSeries`. */
export interface LossSeriesOptions {
  /** The curve's name (default: the metric). */
  name?: string;
  /** 'loss' (default), 'accuracy', 'gradNorm' or 'clippedNorm'. */
  metric?: StepMetric;
  /** Average over a trailing window of this many steps (default 1: no smoothing). */
  smooth?: number;
  /** 'train' (default): every training step's mini-batch; 'validation': the held-out data at each probe. */
  split?: 'train' | 'validation';
}

function checkHistory(where: string, history: unknown): History {
  if (history === null || typeof history !== 'object' || !Array.isArray((history as History).steps)) {
    fail(where, 'history', history, 'a History returned by train()');
  }
  return history as History;
}

function metricOf(where: string, metric: unknown): StepMetric {
  if (!METRICS.includes(metric as StepMetric)) fail(where, 'metric', metric, METRICS.map((m) => `'${m}'`).join(', '));
  return metric as StepMetric;
}

/**
 * Trailing moving average: value k becomes the mean of values k - window + 1 .. k (fewer at the start).
 * Mini-batch losses jump from batch to batch; the average shows the trend.
 *
 * @example
 *   smooth([4, 2, 6, 4], 2);   // [4, 3, 4, 5]
 */
export function smooth(values: readonly number[], window: number): number[] {
  if (!Array.isArray(values)) fail('smooth', 'values', values, 'an array of numbers');
  if (!Number.isInteger(window) || window < 1) fail('smooth', 'window', window, 'an integer of at least 1 (1 = no smoothing)');
  const out: number[] = [];
  let sum = 0;
  for (let k = 0; k < values.length; k++) {
    sum += values[k];
    if (k >= window) sum -= values[k - window];
    out.push(window === 1 ? values[k] : sum / Math.min(k + 1, window));
  }
  return out;
}

/**
 * A history's loss (or accuracy, or gradient norm) against the training step, ready for `lossCurvesFigure`.
 *
 * @example
 *   lossCurvesFigure([lossSeries(sigmoidHistory, { name: 'sigmoid' }), lossSeries(reluHistory, { name: 'relu', smooth: 10 })]);
 */
export function lossSeries(history: History, options: LossSeriesOptions = {}): LossSeries {
  const h = checkHistory('lossSeries', history);
  const metric = metricOf('lossSeries', options.metric ?? 'loss');
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'validation') fail('lossSeries', 'split', split, "'train', 'validation'");
  const window = options.smooth ?? 1;
  let steps: number[];
  let raw: number[];
  if (split === 'validation') {
    if (metric !== 'loss' && metric !== 'accuracy') fail('lossSeries', 'metric', metric, "'loss' or 'accuracy' with split 'validation'");
    steps = h.validation.map((v) => v.step);
    raw = h.validation.map((v) => (metric === 'loss' ? v.loss : v.accuracy ?? NaN));
  } else {
    steps = h.steps.map((s) => s.step);
    raw = h.steps.map((s) => (s[metric] as number | null) ?? NaN);
  }
  const series: LossSeries = { name: options.name ?? metric, steps, values: smooth(raw, window) };
  if (split === 'validation') series.split = 'test';
  return series;
}

/**
 * The mean of a metric over the last `count` training steps: the level a run ends at, with the batch-to-batch
 * noise averaged out.
 *
 * @example
 *   tailMean(history, 50);               // mean loss of the last 50 steps
 *   tailMean(history, 25, 'accuracy');
 */
export function tailMean(history: History, count: number, metric: StepMetric = 'loss'): number {
  return stepsMean('tailMean', history, count, metric, 'last');
}

/**
 * The mean of a metric over the first `count` training steps: where a run starts.
 *
 * @example
 *   headMean(history, 10);   // mean loss of the first 10 steps
 */
export function headMean(history: History, count: number, metric: StepMetric = 'loss'): number {
  return stepsMean('headMean', history, count, metric, 'first');
}

function stepsMean(where: string, history: History, count: number, metric: StepMetric, end: 'first' | 'last'): number {
  const h = checkHistory(where, history);
  const m = metricOf(where, metric);
  if (!Number.isInteger(count) || count < 1 || count > h.steps.length) {
    fail(where, 'count', count, `an integer from 1 to ${h.steps.length} (the steps in the history)`);
  }
  const records: StepRecord[] = end === 'last' ? h.steps.slice(-count) : h.steps.slice(0, count);
  let sum = 0;
  for (const r of records) sum += (r[m] as number | null) ?? NaN;
  return sum / records.length;
}
