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
 *   - dead units (ReLU family): a unit is dead when its slope f'(z) is (about) 0 on every example of the
 *     probe batch: then no gradient reaches its incoming weights on any example and, unless something else
 *     moves its inputs, it never recovers. For ReLU that is an output of exactly 0 everywhere (z <= 0). For
 *     leakyRelu, elu, selu, gelu, swish and mish an output <= 0 is not flat (their negative side has a
 *     slope of 0.01 to 1); they count as dead only where f'(z) < DEAD_SLOPE (1e-3) on every example, which
 *     needs z, the activation layer's input (see slopes.ts).
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
import { DEAD_SLOPE, slopeOfInput, slopeOfOutput } from './slopes';
import { KernelScope } from '../models/kernel-mlp';
import { ProbeNet, probePass } from './kernel-probe';
import { readInPlace } from './host-read';

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
  /**
   * Share of units that are dead on the whole probe batch: slope f'(z) below 1e-3 on every example (ReLU:
   * output exactly 0 everywhere). ReLU family only; null for other activations, and for smooth ones whose
   * input z the probe cannot see (an activation inside a Dense layer).
   */
  dead: number | null;
  /** Share of values that are exactly 0. */
  zeros: number;
  /**
   * Spread across examples: for each unit, the standard deviation of its output over the examples of the
   * probe batch; averaged over units. Near 0 means every example gets the same output: the layer no longer
   * tells the examples apart.
   */
  spread: number;
  /**
   * The mean slope f'(z) over examples and units (sigmoid: a (1 - a), at most 1/4; tanh: 1 - a^2; relu: the
   * share of active values; the others from their input z). null when it cannot be measured.
   * The backward pass multiplies the gradient by f'(z) at every layer.
   */
  slope: number | null;
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

/** Layer classes whose input is the activation's input z (the activation is a layer of its own). */
const STANDALONE = ['Activation', 'LeakyReLU', 'ReLU', 'ELU'];

/** Whether the activation layer is a layer of its own (its input is z), and leakyRelu's alpha. */
function layerFacts(model: tf.LayersModel, info: ActivationLayer): { standalone: boolean; alpha: number } {
  const layer = model.getLayer(info.layer);
  const config = layer.getConfig() as { alpha?: number };
  return { standalone: STANDALONE.includes(layer.getClassName()), alpha: typeof config.alpha === 'number' ? config.alpha : 0.3 };
}

/**
 * A model with the same inputs whose outputs are the given layers' outputs, followed by the inputs z of
 * those that are activation layers of their own (cached per model).
 */
function activationModel(model: tf.LayersModel, layers: ActivationLayer[], standalone: boolean[]): tf.LayersModel {
  const key = layers.map((l, i) => `${l.layer}${standalone[i] ? '+z' : ''}`).join(',');
  const cached = probeModels.get(model);
  if (cached && cached.key === key) return cached.model;
  const outputs = layers.map((l) => model.getLayer(l.layer).output as tf.SymbolicTensor);
  const inputs = layers.filter((_, i) => standalone[i]).map((l) => model.getLayer(l.layer).input as tf.SymbolicTensor);
  const probe = tf.model({ inputs: model.inputs, outputs: [...outputs, ...inputs] });
  probeModels.set(model, { key, model: probe });
  return probe;
}

/**
 * Summarises one layer's activations `values`, laid out [examples, units] (row-major), and, for an
 * activation layer of its own, its inputs z (`inputs`, the same layout; else null).
 */
function summarizeLayer(info: ActivationLayer, values: Float32Array, inputs: Float32Array | null, units: number, slope: number, alpha: number): LayerActivation {
  // Written as plain loops over typed arrays because a probe reads every value of every layer (491 520
  // values for 30 layers of 64 units on 256 examples): one pass gathers every sum, count and mark (the sums
  // run in index order, as the definitions above read), a second the squared distances from the mean.
  const size = values.length;
  const activation = info.activation;
  const saturating = SATURATING.includes(activation as never);
  const reluLike = RELU_FAMILY.includes(activation as never);
  // How a unit's slope is read: ReLU by its output (> 0 is alive), the smooth relatives by f'(z) from the
  // input z when the probe sees it, else from the output where f is invertible; null: not measurable.
  const ofInput = inputs ? slopeOfInput(activation, alpha) : null;
  const ofOutput = slopeOfOutput(activation, alpha);
  // Dead units: ReLU reads "alive" off the output (> 0); its smooth relatives off the slope, from z when
  // the probe sees it, else from the output where f is invertible.
  const deadByOutput = activation === 'relu';
  const flatSlope = reluLike && !deadByOutput ? ofInput ?? ofOutput : null;
  const flatSource = ofInput ? inputs! : values;
  const deadMeasurable = deadByOutput || flatSlope !== null;
  const alive = new Uint8Array(units);
  // The mean slope: sigmoid, tanh, softsign and relu read it off the output; the others need z.
  const fromOutput = ['sigmoid', 'tanh', 'softsign', 'relu'].includes(activation);
  const derivative = fromOutput ? ofOutput : ofInput ?? ofOutput;
  const derivativeSource = fromOutput || !ofInput ? values : inputs!;
  const binCount = Math.round((VALUE_HISTOGRAM_HIGH - VALUE_HISTOGRAM_LOW) / VALUE_HISTOGRAM_BIN_WIDTH);
  const valueCounts = new Array<number>(binCount).fill(0);
  const low = VALUE_HISTOGRAM_LOW;
  const width = VALUE_HISTOGRAM_BIN_WIDTH;
  // Spread across examples: per-unit sums in 64-bit floats.
  const unitSum = new Float64Array(units);
  const unitSq = new Float64Array(units);
  const unitCount = new Float64Array(units);
  let sum = 0;
  let sumAbs = 0;
  let zeros = 0;
  let below = 0;
  let above = 0;
  let nonFinite = 0;
  let saturated = 0;
  let slopeSum = 0;
  for (let i = 0, u = 0; i < size; i++, u = u + 1 === units ? 0 : u + 1) {
    const a = values[i];
    // A smooth relative's slope is read from z, which may be finite where a is not.
    if (flatSlope !== null && !(Math.abs(flatSlope(flatSource[i])) < DEAD_SLOPE)) alive[u] = 1;
    if (!Number.isFinite(a)) {
      nonFinite++;
      continue;
    }
    sum += a;
    sumAbs += Math.abs(a);
    if (a === 0) zeros++;
    const bin = Math.floor((a - low) / width);
    if (bin < 0) below++;
    else if (bin >= binCount) above++;
    else valueCounts[bin]++;
    unitSum[u] += a;
    unitSq[u] += a * a;
    unitCount[u]++;
    if (deadByOutput && a > 0) alive[u] = 1;
    if (saturating && relativeSlope(activation, a) < slope) saturated++;
    if (derivative) slopeSum += derivative(derivativeSource[i]);
  }
  const finite = size - nonFinite;
  const mean = finite ? sum / finite : NaN;
  let sq = 0;
  for (let i = 0; i < size; i++) {
    const a = values[i];
    if (Number.isFinite(a)) sq += (a - mean) * (a - mean);
  }
  let deadUnits = 0;
  if (deadMeasurable) for (let k = 0; k < units; k++) if (!alive[k]) deadUnits++;
  let spreadSum = 0;
  for (let u = 0; u < units; u++) {
    const m = unitCount[u] ? unitSum[u] / unitCount[u] : 0;
    spreadSum += unitCount[u] ? Math.sqrt(Math.max(0, unitSq[u] / unitCount[u] - m * m)) : 0;
  }
  return {
    name: info.layer,
    activation: info.activation,
    depth: info.depth,
    units,
    mean,
    std: finite ? Math.sqrt(sq / finite) : NaN,
    meanAbs: finite ? sumAbs / finite : NaN,
    saturated: saturating ? saturated / size : null,
    dead: deadMeasurable ? deadUnits / units : null,
    zeros: zeros / size,
    spread: units ? spreadSum / units : NaN,
    slope: derivative && finite ? slopeSum / finite : null,
    values: { low: VALUE_HISTOGRAM_LOW, binWidth: VALUE_HISTOGRAM_BIN_WIDTH, counts: valueCounts, below, above, nonFinite, total: size },
    magnitudes: logHistogram(values),
  };
}

/**
 * Runs the kernel-by-kernel forward pass (kernel-probe.ts) on `x` and hands each hidden layer's outputs a_l
 * and inputs z_l, read in place, to `summarize`; every kernel output is freed afterwards.
 */
function summarizeOnKernels<T>(net: ProbeNet, x: tf.Tensor, summarize: (layer: number, values: Float32Array, inputs: Float32Array, units: number) => T): T[] {
  const scope = new KernelScope();
  try {
    const { layers } = net.forward(scope, x);
    // Views on the backend's memory: every kernel has run, and none runs while they are read.
    const views = readInPlace(layers.flatMap((l) => [l.a, l.z]))!;
    return layers.map((l, i) => summarize(i, views[2 * i], views[2 * i + 1], l.a.shape[l.a.shape.length - 1]));
  } finally {
    scope.dispose();
  }
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
    deadRule: `slope f'(z) below ${DEAD_SLOPE} on every example of the probe batch (ReLU: output exactly 0 on every example)`,
    layers: [],
  };
  try {
    checkShapes(where, model, batch);
    if (layers.length === 0) return snapshot;
    const facts = layers.map((info) => layerFacts(model, info));
    const net = probePass(model);
    if (net) {
      snapshot.layers = summarizeOnKernels(net, batch.x, (i, values, inputs, units) => summarizeLayer(layers[i], values, facts[i].standalone ? inputs : null, units, slope, facts[i].alpha));
      return snapshot;
    }
    const probe = activationModel(model, layers, facts.map((f) => f.standalone));
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
    // Where each layer's output, and (for activation layers of their own) its input z, starts in `host`.
    const outputStart: number[] = [];
    let cursor = 0;
    layers.forEach((_, i) => {
      outputStart.push(cursor);
      cursor += sizes[i].size;
    });
    let zCursor = cursor;
    snapshot.layers = layers.map((info, i) => {
      const { size, units } = sizes[i];
      const values = host.subarray(outputStart[i], outputStart[i] + size);
      const inputs = facts[i].standalone ? host.subarray(zCursor, (zCursor += size)) : null;
      return summarizeLayer(info, values, inputs, units, slope, facts[i].alpha);
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
