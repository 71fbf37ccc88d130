/**
 * The activation probe: what do the hidden units output on a fixed batch?
 *
 * Gradients flow backward through the slope f'(z) of each activation, so the forward values say a lot
 * about the backward pass:
 *
 *   - saturation (sigmoid, tanh, softsign): a unit is saturated on an example when its slope, read off
 *     its output, is below `saturationSlope` (default 0.1, i.e. 10%) of the activation's largest slope:
 *       sigmoid: f' = a (1 - a), peak 1/4  -> saturated when a (1 - a) < 0.025, i.e. a < 0.026 or a > 0.974;
 *       tanh:    f' = 1 - a^2,   peak 1    -> saturated when |a| > 0.949;
 *       softsign: f' = (1 - |a|)^2, peak 1 -> saturated when |a| > 0.684.
 *     A gradient passing a saturated unit shrinks at least 10x.
 *   - dead units (ReLU family): a unit is dead when its output is <= 0 for every example of the probe batch
 *     (for ReLU: exactly 0). A dead ReLU passes no gradient to its weights on any example and, unless
 *     something else moves its inputs, never recovers. For leakyRelu, elu, selu, gelu, swish and mish the
 *     same test finds units stuck on the flat, small-slope side.
 *   - mean and std: Glorot & Bengio (2010) watched the mean of sigmoid layers drift to 0 or 1 (saturation)
 *     and the std shrink or grow with depth (bad initialization).
 */
import * as tf from '@tensorflow/tfjs';
import { checkNumber } from '../core/check';
import { DataLike, toTensors } from '../core/data';
import { ActivationLayer, RELU_FAMILY, SATURATING, modelInfo } from '../models/info';
import { checkProbeCall, checkShapes } from '../core/model-checks';
import { LogHistogram, logHistogram } from './magnitude';
import { keepingRunningStatistics } from './parameters';

/** Fixed linear bins for activation values: [-3, 3) in steps of 0.05 (120 bins). */
export const VALUE_HISTOGRAM_LOW = -3;
export const VALUE_HISTOGRAM_HIGH = 3;
export const VALUE_HISTOGRAM_BIN_WIDTH = 0.05;

/** A histogram of values on the fixed bins [-3, 3) of width 0.05. */
export interface ValueHistogram {
  low: number;
  binWidth: number;
  counts: number[];
  /** Values below -3 and at or above 3. */
  below: number;
  above: number;
  nonFinite: number;
  total: number;
}

/** What one hidden layer's activations look like on the probe batch. */
export interface LayerActivation {
  /** Stable layer name, e.g. 'activation_03'. */
  name: string;
  activation: string;
  /** 1-based position among hidden layers. */
  depth: number;
  /** Number of units (the last dimension of the output). */
  units: number;
  mean: number;
  std: number;
  meanAbs: number;
  /** Share of (example, unit) values in the flat region (saturating activations only; otherwise null). */
  saturated: number | null;
  /** Share of units that are dead on the whole probe batch (ReLU family only; otherwise null). */
  dead: number | null;
  /** Share of values that are exactly 0. */
  zeros: number;
  /** Values on fixed linear bins. */
  values: ValueHistogram;
  /** |values| on the fixed log-magnitude bins. */
  magnitudes: LogHistogram;
}

/** What one activation probe measured. */
export interface ActivationSnapshot {
  probe: 'activations';
  step: number;
  examples: number;
  training: boolean;
  /** The rule used for `saturated`, in words. */
  saturationRule: string;
  /** The rule used for `dead`, in words. */
  deadRule: string;
  layers: LayerActivation[];
}

/** Options of `activationStats`. */
export interface ActivationStatsOptions {
  step?: number;
  /** Slope threshold as a fraction of the activation's peak slope (default 0.1). */
  saturationSlope?: number;
  /** Batch normalization in training mode, as during training (default true; running statistics restored). */
  training?: boolean;
}

/** Slope of a saturating activation relative to its peak, from the output a. */
function relativeSlope(activation: string, a: number): number {
  if (activation === 'sigmoid') return (a * (1 - a)) / 0.25;
  if (activation === 'tanh') return 1 - a * a;
  const r = 1 - Math.abs(a);
  return r * r; // softsign
}

const probeModels = new WeakMap<tf.LayersModel, { key: string; model: tf.LayersModel }>();

/** A model with the same inputs whose outputs are the given layers' outputs (cached per model). */
function activationModel(model: tf.LayersModel, layers: ActivationLayer[]): tf.LayersModel {
  const key = layers.map((l) => l.layer).join(',');
  const cached = probeModels.get(model);
  if (cached && cached.key === key) return cached.model;
  const outputs = layers.map((l) => model.getLayer(l.layer).output as tf.SymbolicTensor);
  const probe = tf.model({ inputs: model.inputs, outputs });
  probeModels.set(model, { key, model: probe });
  return probe;
}

/** Summarises one layer's activations laid out [examples, units] (row-major) in host[start..start+size). */
function summarizeLayer(info: ActivationLayer, host: Float32Array, start: number, size: number, units: number, slope: number): LayerActivation {
  let sum = 0;
  let sumAbs = 0;
  let zeros = 0;
  let saturated = 0;
  const alive = new Uint8Array(units);
  const saturating = SATURATING.includes(info.activation as never);
  const reluLike = RELU_FAMILY.includes(info.activation as never);
  const valueCounts = new Array<number>(Math.round((VALUE_HISTOGRAM_HIGH - VALUE_HISTOGRAM_LOW) / VALUE_HISTOGRAM_BIN_WIDTH)).fill(0);
  let below = 0;
  let above = 0;
  let nonFinite = 0;
  for (let i = 0; i < size; i++) {
    const a = host[start + i];
    if (!Number.isFinite(a)) {
      nonFinite++;
      continue;
    }
    sum += a;
    sumAbs += Math.abs(a);
    if (a === 0) zeros++;
    if (saturating && relativeSlope(info.activation, a) < slope) saturated++;
    if (a > 0) alive[i % units] = 1;
    const bin = Math.floor((a - VALUE_HISTOGRAM_LOW) / VALUE_HISTOGRAM_BIN_WIDTH);
    if (bin < 0) below++;
    else if (bin >= valueCounts.length) above++;
    else valueCounts[bin]++;
  }
  const finite = size - nonFinite;
  const mean = finite ? sum / finite : NaN;
  let sq = 0;
  for (let i = 0; i < size; i++) {
    const a = host[start + i];
    if (Number.isFinite(a)) sq += (a - mean) * (a - mean);
  }
  let deadUnits = 0;
  for (let u = 0; u < units; u++) if (!alive[u]) deadUnits++;
  return {
    name: info.layer,
    activation: info.activation,
    depth: info.depth,
    units,
    mean,
    std: finite ? Math.sqrt(sq / finite) : NaN,
    meanAbs: finite ? sumAbs / finite : NaN,
    saturated: saturating ? saturated / size : null,
    dead: reluLike ? deadUnits / units : null,
    zeros: zeros / size,
    values: { low: VALUE_HISTOGRAM_LOW, binWidth: VALUE_HISTOGRAM_BIN_WIDTH, counts: valueCounts, below, above, nonFinite, total: size },
    magnitudes: logHistogram(host, start, start + size),
  };
}

/**
 * Measures every hidden layer's activations on the given examples: mean, std, saturation (sigmoid,
 * tanh, softsign), dead units (ReLU family) and fixed-bin histograms.
 *
 * @example
 *   const model = mlp({ inputs: 2, outputs: 1, depth: 10, width: 32, activation: 'relu', init: 'naive', initStd: 0.5 });
 *   activationStats(model, spirals({ n: 256 })).layers.map((l) => l.dead);   // share of dead units per layer
 */
export function activationStats(model: tf.LayersModel, data: DataLike, options: ActivationStatsOptions = {}): ActivationSnapshot {
  const where = 'activationStats';
  const { step, training } = checkProbeCall(where, model, data, options, ['step', 'saturationSlope', 'training']);
  const slope = checkNumber(where, 'saturationSlope', options.saturationSlope ?? 0.1, 0, 1, { minExclusive: true });
  const layers = modelInfo(model).activationLayers;
  const batch = toTensors(data, where);
  const examples = batch.x.shape[0];
  const snapshot: ActivationSnapshot = {
    probe: 'activations',
    step,
    examples,
    training,
    saturationRule: `slope below ${slope} of the activation's peak slope (sigmoid: a < ${satSigmoid(slope)[0]} or a > ${satSigmoid(slope)[1]}; tanh: |a| > ${round(Math.sqrt(1 - slope))})`,
    deadRule: 'output <= 0 on every example of the probe batch (ReLU: exactly 0)',
    layers: [],
  };
  try {
    checkShapes(where, model, batch);
    if (layers.length === 0) return snapshot;
    const probe = activationModel(model, layers);
    let host: Float32Array = new Float32Array(0);
    const sizes: { size: number; units: number }[] = [];
    keepingRunningStatistics(model, () =>
      tf.tidy(() => {
        const out = probe.apply(batch.x, { training });
        const outs = Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
        outs.forEach((t) => sizes.push({ size: t.size, units: t.shape[t.rank - 1] }));
        host = tf.concat(outs.map((t) => t.reshape([-1]))).dataSync() as Float32Array;
      }),
    );
    let cursor = 0;
    snapshot.layers = layers.map((info, i) => {
      const record = summarizeLayer(info, host, cursor, sizes[i].size, sizes[i].units, slope);
      cursor += sizes[i].size;
      return record;
    });
    return snapshot;
  } finally {
    batch.dispose();
  }
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function satSigmoid(slope: number): [number, number] {
  // a (1 - a) = slope / 4  ->  a = (1 -+ sqrt(1 - slope)) / 2
  const r = Math.sqrt(1 - slope);
  return [round((1 - r) / 2), round((1 + r) / 2)];
}
