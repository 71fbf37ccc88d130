/**
 * Running several probes at a cadence, in the training loop or in a model.fit callback, and collecting
 * their records in one plain object.
 */
import * as tf from '@tensorflow/tfjs';
import { checkBool, checkInt, checkKeys, checkOneOf } from '../core/check';
import { DataLike } from '../core/data';
import { modelInfo } from '../models/info';
import { LossName } from '../core/losses';
import { ActivationSnapshot, activationStats } from './activations';
import { GradientSnapshot, gradientNorms } from './gradients';
import { ParameterSelection } from './parameters';
import { TimeGradientSnapshot, gradientOverTime } from './time';
import { UpdateSnapshot } from './updates';
import { WeightSnapshot, weightStats } from './weights';

/** Which probes run, how often, and on what. */
export interface ProbeOptions {
  /** Run the probes every this many steps (default 10), and before the first step. */
  every?: number;
  /** A fixed probe batch; default: the first 256 training examples. */
  data?: DataLike;
  /** Per-layer gradient norms (default true). */
  gradients?: boolean;
  /** Update-to-weight ratios of the step (default true). */
  updates?: boolean;
  /** Weight sizes (default true). */
  weights?: boolean;
  /** Activation statistics (default true for models with activation layers). */
  activations?: boolean;
  /** ||dLoss/dx_t|| per time step (default true for recurrent models). */
  overTime?: boolean;
  /** Add log-magnitude histograms to gradient and weight records (default false). */
  histograms?: boolean;
  /** 'kernels' (default) or 'all' (also biases and batch-norm parameters). */
  parameters?: ParameterSelection;
  /**
   * In `train`: also record, at every step, the per-layer gradient norms of the training mini-batch itself
   * (no extra pass: the step's own gradients, before clipping) in `history.batchGradients` (default false).
   */
  batchGradients?: boolean;
}

export const PROBE_FIELDS = ['every', 'data', 'gradients', 'updates', 'weights', 'activations', 'overTime', 'histograms', 'parameters', 'batchGradients'];

/** Probe records collected over a run, one list per probe, in step order. */
export interface ProbeLog {
  gradients: GradientSnapshot[];
  /** Per-step gradient norms of the training mini-batches (only with `batchGradients: true`). */
  batchGradients: GradientSnapshot[];
  updates: UpdateSnapshot[];
  weights: WeightSnapshot[];
  activations: ActivationSnapshot[];
  overTime: TimeGradientSnapshot[];
}

export function emptyProbeLog(): ProbeLog {
  return { gradients: [], batchGradients: [], updates: [], weights: [], activations: [], overTime: [] };
}

/** Probe options with every default filled in. */
export interface ResolvedProbes {
  every: number;
  gradients: boolean;
  updates: boolean;
  weights: boolean;
  activations: boolean;
  overTime: boolean;
  histograms: boolean;
  parameters: ParameterSelection;
  batchGradients: boolean;
}

/** Validates probe options and fills in defaults for `model`. */
export function resolveProbes(where: string, model: tf.LayersModel, options: ProbeOptions, field = 'probes'): ResolvedProbes {
  checkKeys(where, options, PROBE_FIELDS, field);
  const info = modelInfo(model);
  const flag = (name: keyof ProbeOptions, fallback: boolean) =>
    options[name] === undefined ? fallback : checkBool(where, `${field}.${name}`, options[name]);
  return {
    every: checkInt(where, `${field}.every`, options.every ?? 10, 1, Number.MAX_SAFE_INTEGER),
    gradients: flag('gradients', true),
    updates: flag('updates', true),
    weights: flag('weights', true),
    activations: flag('activations', info.activationLayers.length > 0),
    overTime: flag('overTime', (info.recurrentLayers?.length ?? 0) > 0),
    histograms: flag('histograms', false),
    batchGradients: flag('batchGradients', false),
    parameters: checkOneOf(where, `${field}.parameters`, options.parameters ?? 'kernels', ['kernels', 'all'] as const),
  };
}

/** Runs the data probes (gradients, weights, activations, gradient over time) once and appends their records. */
export function runProbes(model: tf.LayersModel, data: DataLike, step: number, probes: ResolvedProbes, log: ProbeLog, loss?: LossName): void {
  if (probes.gradients) log.gradients.push(gradientNorms(model, data, { step, loss, parameters: probes.parameters, histograms: probes.histograms }));
  if (probes.weights) log.weights.push(weightStats(model, { step, parameters: probes.parameters, histograms: probes.histograms }));
  if (probes.activations) log.activations.push(activationStats(model, data, { step }));
  if (probes.overTime) log.overTime.push(gradientOverTime(model, data, { step, loss }));
}
