/**
 * The weight probe: how large are the weights themselves?
 *
 * When gradients vanish, the early layers' weights barely move; with weight decay or a shrinking
 * objective they can drift towards 0 ("the weights converge to zero"). This probe needs no data: it
 * reads the weights as they are.
 *
 *   - norm     ||W||_2 (Frobenius norm: the square root of the sum of squares);
 *   - meanAbs  mean |w_ij|, the typical size of one weight;
 *   - mean, std and maxAbs.
 */
import * as tf from '@tensorflow/tfjs';
import { assertReady } from '../core/backend';
import { checkInt, checkKeys, checkOneOf } from '../core/check';
import { checkModel } from '../core/model-checks';
import { LogHistogram, logHistogram, magnitude, sumsOf } from './magnitude';
import { ParameterSelection, selectParameters } from './parameters';

/** One weight tensor, summarised. */
export interface LayerWeights {
  name: string;
  layer: string;
  weight: string;
  depth: number;
  shape: number[];
  norm: number;
  /** log10 of the norm (null when it is exactly 0). */
  log10: number | null;
  underflow: boolean;
  meanAbs: number;
  mean: number;
  std: number;
  maxAbs: number;
  histogram?: LogHistogram;
}

/** What one weight probe measured. */
export interface WeightSnapshot {
  probe: 'weights';
  step: number;
  layers: LayerWeights[];
}

/** Summarises weights read to the host (tensors of `selected` laid out one after another from `offset`). */
export function summarizeWeights(selected: ReturnType<typeof selectParameters>, host: Float32Array, offset: number, histograms: boolean): LayerWeights[] {
  let cursor = offset;
  return selected.map((p) => {
    const s = sumsOf(host, cursor, cursor + p.size);
    const mean = s.sum / p.size;
    const norm = Math.sqrt(s.sumSquares);
    const m = magnitude(norm);
    const record: LayerWeights = {
      name: p.name,
      layer: p.layer,
      weight: p.weight,
      depth: p.depth,
      shape: p.shape,
      norm,
      log10: m.log10,
      underflow: m.underflow,
      meanAbs: s.sumAbs / p.size,
      mean,
      std: Math.sqrt(Math.max(0, s.sumSquares / p.size - mean * mean)),
      maxAbs: s.maxAbs,
    };
    if (histograms) record.histogram = logHistogram(host, cursor, cursor + p.size);
    cursor += p.size;
    return record;
  });
}

/**
 * Measures the size of every layer's weights.
 *
 * @example
 *   weightStats(model).layers.map((l) => [l.name, l.meanAbs]);
 */
export function weightStats(model: tf.LayersModel, options: { step?: number; parameters?: ParameterSelection; histograms?: boolean } = {}): WeightSnapshot {
  const where = 'weightStats';
  assertReady();
  checkModel(where, model);
  checkKeys(where, options, ['step', 'parameters', 'histograms']);
  const step = checkInt(where, 'step', options.step ?? 0, 0, Number.MAX_SAFE_INTEGER);
  const selection = checkOneOf(where, 'parameters', options.parameters ?? 'kernels', ['kernels', 'all'] as const);
  const selected = selectParameters(model, selection);
  let host: Float32Array = new Float32Array(0);
  tf.tidy(() => {
    host = tf.concat(selected.map((p) => p.variable.read().reshape([-1]))).dataSync() as Float32Array;
  });
  return { probe: 'weights', step, layers: summarizeWeights(selected, host, 0, options.histograms ?? false) };
}

/** A copy of weight tensors as plain numbers, to compare with later (see `distanceFromInitial`). */
export interface WeightCopy {
  probe: 'weightCopy';
  step: number;
  layers: { name: string; values: number[] }[];
}

/**
 * Copies the weights as plain numbers (by default the weight matrices), so that they can be compared
 * with the weights after training: `distanceFromInitial(start, copyWeights(model))`.
 *
 * @example
 *   const start = copyWeights(model);
 *   await train(model, data, { steps: 300 });
 *   distanceFromInitial(start, copyWeights(model));   // how far each layer moved, relative to its size
 */
export function copyWeights(model: tf.LayersModel, options: { step?: number; parameters?: ParameterSelection } = {}): WeightCopy {
  const where = 'copyWeights';
  assertReady();
  checkModel(where, model);
  checkKeys(where, options, ['step', 'parameters']);
  const step = checkInt(where, 'step', options.step ?? 0, 0, Number.MAX_SAFE_INTEGER);
  const selection = checkOneOf(where, 'parameters', options.parameters ?? 'kernels', ['kernels', 'all'] as const);
  return { probe: 'weightCopy', step, layers: selectParameters(model, selection).map((p) => ({ name: p.name, values: Array.from(p.variable.read().dataSync()) })) };
}
