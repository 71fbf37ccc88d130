/**
 * Numbers over seeds (or over anything): the median, mean, extremes and quantiles of a list.
 *
 * A training result measured on one seed can be luck. Running the same experiment on several seeds and
 * reporting the median with the spread (min..max, or a quantile band) says how much of it is the method
 * and how much the draw of the initial weights and batches. With 3 seeds the median is the middle run.
 */
import { checkIntegerList, fail } from '../core/check';

/** The arithmetic mean: (x_1 + ... + x_n) / n. */
export function mean(values: readonly number[]): number {
  checkValues('mean', values);
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * The q-quantile with linear interpolation between the two nearest ranks (the method numpy and R use by
 * default): sort the values, go to position q (n - 1), and interpolate. q = 0.5 is the median, 0 the min, 1 the max.
 */
export function quantile(values: readonly number[], q: number): number {
  checkValues('quantile', values);
  if (typeof q !== 'number' || !(q >= 0 && q <= 1)) fail('quantile', 'q', q, 'a number from 0 to 1 (0.5 is the median)');
  const sorted = [...values].sort((a, b) => a - b);
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/** The middle value: half the values are at most this, half at least. For an even count, the mean of the two middle ones. */
export function median(values: readonly number[]): number {
  checkValues('median', values);
  return quantile(values, 0.5);
}

/** What `summarize` says about a list of numbers. */
export interface Summary {
  /** How many numbers (such as seeds). */
  n: number;
  median: number;
  mean: number;
  min: number;
  max: number;
  /** The lower and upper quantile of the band asked for (default 0.25 and 0.75: the middle half). */
  low: number;
  high: number;
  /** The numbers themselves, in the order given. */
  values: number[];
}

/**
 * Median, mean, min, max and a quantile band of a list of numbers: one result per seed in, one summary out.
 *
 * @example
 *   summarize([0.31, 0.29, 0.40]);   // { n: 3, median: 0.31, mean: 0.333, min: 0.29, max: 0.4, low: 0.3, high: 0.355, ... }
 */
export function summarize(values: readonly number[], band: [number, number] = [0.25, 0.75]): Summary {
  checkValues('summarize', values);
  if (!Array.isArray(band) || band.length !== 2 || !(band[0] >= 0 && band[0] <= band[1] && band[1] <= 1)) {
    fail('summarize', 'band', band, 'two quantiles [low, high] with 0 <= low <= high <= 1, such as [0.25, 0.75]');
  }
  return {
    n: values.length,
    median: median(values),
    mean: mean(values),
    min: Math.min(...values),
    max: Math.max(...values),
    low: quantile(values, band[0]),
    high: quantile(values, band[1]),
    values: [...values],
  };
}

/**
 * Runs `experiment` once per seed, one after the other, and returns the results in seed order.
 * Each run gets its own seed, so a result can be reproduced alone; the caller disposes what it builds
 * (or returns plain records, which need no disposing).
 *
 * @example
 *   const ratios = await overSeeds([0, 1, 2], (seed) => {
 *     const model = mlp({ inputs: 2, outputs: 1, depth: 20, width: 64, activation: 'sigmoid', seed });
 *     const snapshot = gradientNorms(model, data);
 *     model.dispose();
 *     return firstToLast(snapshot);
 *   });
 *   summarize(ratios).median;
 */
export async function overSeeds<T>(seeds: readonly number[], experiment: (seed: number) => T | Promise<T>): Promise<T[]> {
  checkIntegerList('overSeeds', 'seeds', seeds, 0, 0xffffffff);
  if (typeof experiment !== 'function') fail('overSeeds', 'experiment', experiment, 'a function (seed) => result');
  const results: T[] = [];
  for (const seed of seeds) results.push(await experiment(seed));
  return results;
}

/** The same summary at every position of several equally long series (one series per seed): the data of a seed band. */
export interface SeriesSummary {
  median: number[];
  min: number[];
  max: number[];
  low: number[];
  high: number[];
}

/**
 * Summarises several series of the same length position by position, such as one loss curve per seed
 * or one per-layer profile per seed: the median line and the band around it.
 *
 * @example
 *   summarizeSeries(histories.map((h) => lossSeries(h).values)).median;   // the median loss curve
 */
export function summarizeSeries(series: readonly (readonly number[])[], band: [number, number] = [0.25, 0.75]): SeriesSummary {
  if (!Array.isArray(series) || series.length === 0) fail('summarizeSeries', 'series', series, 'a non-empty array of number arrays (one per seed)');
  const length = series[0].length;
  series.forEach((s, i) => {
    if (!Array.isArray(s) || s.length !== length) fail('summarizeSeries', `series[${i}]`, s, `an array of ${length} numbers, as long as series[0]`);
  });
  const out: SeriesSummary = { median: [], min: [], max: [], low: [], high: [] };
  for (let j = 0; j < length; j++) {
    const s = summarize(series.map((values) => values[j]), band);
    out.median.push(s.median);
    out.min.push(s.min);
    out.max.push(s.max);
    out.low.push(s.low);
    out.high.push(s.high);
  }
  return out;
}

function checkValues(where: string, values: readonly number[]): void {
  if (!Array.isArray(values) || values.length === 0) fail(where, 'values', values, 'a non-empty array of numbers');
  values.forEach((v, i) => {
    if (typeof v !== 'number' || Number.isNaN(v)) fail(where, `values[${i}]`, v, 'a number (not NaN)');
  });
}
