/**
 * The gradient probe: how large is dLoss/dW for every layer's weights?
 *
 * Backpropagation computes the gradient layer by layer from the output back to the input. For a hidden
 * layer a_l = f(z_l), z_l = W_l a_{l-1} + b_l, the chain rule gives
 *
 *   dLoss/dW_l = delta_l a_{l-1}^T,   delta_l = f'(z_l) * (W_{l+1}^T delta_{l+1})
 *
 * so each step back multiplies by a slope f'(z) and a weight matrix. With sigmoid, f'(z) <= 1/4: unless
 * the weights make up for it, the gradient shrinks by a constant factor per layer, which is the vanishing
 * gradient problem. (Measured: a 20-layer sigmoid network with Glorot init loses about 5x per layer, some
 * 13 orders of magnitude in all. tanh with Glorot init does *not* vanish at initialization: its slope is 1
 * near 0, and the first/last ratio stays near 1; what tanh shows is slower training. For ReLU networks,
 * compare hidden-to-hidden layers: the first layer reads the raw 2-D input, which makes its gradient
 * small for a different reason.) This probe measures, at the current weights and on a fixed batch:
 *
 *   - norm      ||g||_2 = sqrt(sum of g_ij^2), the gradient's length;
 *   - rms       norm / sqrt(number of entries), comparable between layers of different sizes;
 *   - maxAbs    the largest |g_ij|;
 *   - ratio     ||g|| / ||W||, how large a step the gradient suggests relative to the weights;
 *   - zeroShare the share of entries exactly 0: weights gradient descent cannot move (dead ReLU units).
 *
 * All tensors are read to the host in one transfer and summed in float64, so a norm of 1e-30 does not
 * underflow while being squared.
 */
import * as tf from '@tensorflow/tfjs';
import { checkBool, checkOneOf } from '../core/check';
import { DataLike, toTensors } from '../core/data';
import { LOSSES, LossFn, LossName, outputsAreProbabilities, resolveLoss } from '../core/losses';
import { probeBackward, probePass } from './kernel-probe';
import { checkProbeCall, checkShapes } from '../core/model-checks';
import { LogHistogram, Magnitude, TensorSize, gradientSums, logHistogram, magnitude, sizeFromSums, sumOfSquares } from './magnitude';
import { Parameter, ParameterSelection, keepingRunningStatistics, selectParameters, trainableVariables } from './parameters';
import { readEach } from './host-read';

/** The gradient of one weight tensor, summarised. */
export interface LayerGradient extends TensorSize {
  /** Stable name: 'dense_03' for a kernel, 'dense_03/bias', 'lstm_01/recurrent_kernel', ... */
  name: string;
  layer: string;
  weight: string;
  /** 1-based position of the layer among layers with weights (input side first). */
  depth: number;
  shape: number[];
  /** ||W||_2 of the weights themselves. */
  weightNorm: number;
  /** ||g|| / ||W||: the gradient-to-weight ratio (null when ||W|| = 0). */
  ratio: number | null;
  /**
   * Share of the gradient's entries that are exactly 0 ("frozen" weights: plain gradient descent does not
   * move them). For a ReLU layer h = max(0, z), z = W h_prev + b, the gradient of unit j's incoming weights
   * is dL/dW_j = sum over examples of f'(z_j) dL/dh_j h_prev, and f'(z_j) = 0 wherever z_j < 0: a dead
   * unit (z_j < 0 on every example) gets an exactly-zero row, so a layer with 16 of 64 units dead has a
   * zeroShare of at least 16/64 = 0.25. Entries that underflow to 0 in float32 count too.
   */
  zeroShare: number;
  /** |g| on the fixed log-magnitude bins (only when asked for with `histograms: true`). */
  histogram?: LogHistogram;
}

/** What one gradient probe measured. */
export interface GradientSnapshot {
  probe: 'gradients';
  /** Training step the probe ran at (0 = before training). */
  step: number;
  /** Loss on the probe batch at these weights. */
  loss: number;
  lossName: LossName;
  /** Number of examples in the probe batch. */
  examples: number;
  /** True when batch normalization used the batch's own statistics (training mode). */
  training: boolean;
  /** ||all gradients||: the square root of the sum of squares over every trainable tensor. */
  globalNorm: Magnitude;
  /** One entry per reported tensor, in depth order. */
  layers: LayerGradient[];
}

/** Options of `gradientNorms`. */
export interface GradientNormsOptions {
  /** Loss to differentiate; default from the dataset's task (see `resolveLoss`). */
  loss?: LossName;
  /** Step number written into the record (default 0). */
  step?: number;
  /** 'kernels' (default: weight matrices only) or 'all' (also biases, batch-norm gamma/beta). */
  parameters?: ParameterSelection;
  /** Add a log-magnitude histogram of the gradient entries to every layer (default false). */
  histograms?: boolean;
  /**
   * Run batch normalization in training mode, normalising with the probe batch's own statistics, as
   * during training (default true). The running statistics are restored afterwards.
   */
  training?: boolean;
}

const FIELDS = ['loss', 'step', 'parameters', 'histograms', 'training'];

/**
 * Summarises gradients and weights that have been read to the host as one Float32Array laid out as
 * [grads of `all` in order..., weights of `selected` in order...] (the gradients' sums may be `given`, as
 * in `summarizeGradientArrays`).
 */
export function summarizeGradients(
  all: Parameter[],
  selected: Parameter[],
  host: Float32Array,
  offset: number,
  histograms: boolean,
  given?: KnownSums,
): { layers: LayerGradient[]; globalNorm: number } {
  let cursor = offset;
  const next = (size: number) => host.subarray(cursor, (cursor += size));
  const grads = all.map((p) => next(p.size));
  const weights = selected.map((p) => next(p.size));
  return summarizeGradientArrays(all, selected, grads, weights, histograms, given);
}

/**
 * Sums a training step already computed on its way (training/kernel-step.ts): each gradient's
 * `gradientSums` in the order of `all`, and the float64 sum of squares of each weight of `selected`
 * (`sumOfSquares`'s number).
 */
export interface KnownSums {
  sums: ReturnType<typeof gradientSums>[];
  weightSquares: number[];
}

/**
 * As `summarizeGradients`, from one array per tensor: `grads` in the order of `all`, `weights` in the order
 * of `selected`. Each gradient is summed once (the global norm and the selected layers share the sums), or
 * not at all when its sums are `given` (then `grads` and `weights` may be empty, unless `histograms`).
 */
export function summarizeGradientArrays(
  all: Parameter[],
  selected: Parameter[],
  grads: Float32Array[],
  weights: Float32Array[],
  histograms: boolean,
  given?: KnownSums,
): { layers: LayerGradient[]; globalNorm: number } {
  const byIndex = new Map<number, { values: Float32Array; sums: ReturnType<typeof gradientSums> }>();
  let globalSq = 0;
  all.forEach((p, i) => {
    const sums = given ? given.sums[i] : gradientSums(grads[i]);
    byIndex.set(p.index, { values: grads[i], sums });
    globalSq += sums.sumSquares;
  });
  const layers = selected.map((p, k) => {
    const { values, sums } = byIndex.get(p.index)!;
    const { sums: g, ...measured } = sizeFromSums(sums, p.size);
    const weightNorm = Math.sqrt(given ? given.weightSquares[k] : sumOfSquares(weights[k]));
    const record: LayerGradient = {
      name: p.name,
      layer: p.layer,
      weight: p.weight,
      depth: p.depth,
      shape: p.shape,
      ...measured,
      weightNorm,
      ratio: weightNorm > 0 ? measured.norm / weightNorm : null,
      zeroShare: p.size > 0 ? g.zeros / p.size : 0,
    };
    if (histograms) record.histogram = logHistogram(values);
    return record;
  });
  return { layers, globalNorm: Math.sqrt(globalSq) };
}

/**
 * Loss and the gradient of every trainable weight (in model.trainableWeights order), computed in one
 * forward and backward pass. The caller owns (and disposes) the returned tensors.
 */
export function lossAndGradients(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, lossFn: LossFn, training: boolean): { loss: tf.Scalar; grads: tf.Tensor[] } {
  const variables = trainableVariables(model);
  const { value, grads } = tf.variableGrads(() => lossFn(y, model.apply(x, { training }) as tf.Tensor), variables);
  return { loss: value, grads: variables.map((v) => grads[v.name]) };
}

/**
 * Measures the gradient of the loss with respect to every layer's weights, at the current weights, on
 * the given examples (all of them, as one batch).
 *
 * @example
 *   const model = mlp({ inputs: 2, outputs: 1, depth: 20, width: 64, activation: 'sigmoid', init: 'glorotNormal' });
 *   const g = gradientNorms(model, spirals({ n: 128 }));
 *   g.layers.map((l) => l.log10);   // e.g. [-13.2, -12.5, ..., -1.1]: the first layers learn 1e12x slower
 */
export function gradientNorms(model: tf.LayersModel, data: DataLike, options: GradientNormsOptions = {}): GradientSnapshot {
  const where = 'gradientNorms';
  const { step, training } = checkProbeCall(where, model, data, options, FIELDS);
  const selection = checkOneOf(where, 'parameters', options.parameters ?? 'kernels', ['kernels', 'all'] as const);
  const histograms = checkBool(where, 'histograms', options.histograms ?? false);
  if (options.loss !== undefined) checkOneOf(where, 'loss', options.loss, LOSSES);
  const loss = resolveLoss(where, model, data, options.loss);
  const all = selectParameters(model, 'all');
  const selected = selectParameters(model, selection);
  const batch = toTensors(data, where);
  try {
    checkShapes(where, model, batch);
    // The tensors are read in place where the backend allows it (see host-read.ts) and summarised before
    // the next operation. (The summary is assigned, not returned from tf.tidy: tidy would walk every
    // element of a returned array looking for tensors.)
    let lossValue = NaN;
    let summary: ReturnType<typeof summarizeGradientArrays> = { layers: [], globalNorm: NaN };
    const net = probePass(model);
    const order = net ? trainableVariables(model).map((v) => net.weights.indexOf(v)) : [];
    if (net && !order.includes(-1)) {
      // Kernel by kernel (kernel-probe.ts): the same numbers, read in place.
      const probabilities = outputsAreProbabilities(model, loss.name);
      probeBackward(net, batch.x, batch.y, { ...loss, probabilities }, true, (views) => {
        lossValue = views.loss;
        const weights = readEach(selected.map((p) => p.variable.read()));
        summary = summarizeGradientArrays(all, selected, order.map((i) => views.weights[i]), weights, histograms);
      });
    } else keepingRunningStatistics(model, () =>
      tf.tidy(() => {
        const { loss: value, grads } = lossAndGradients(model, batch.x, batch.y, loss.fn, training);
        const host = readEach([value, ...grads, ...selected.map((p) => p.variable.read())]);
        lossValue = host[0][0];
        summary = summarizeGradientArrays(all, selected, host.slice(1, 1 + grads.length), host.slice(1 + grads.length), histograms);
      }),
    );
    const { layers, globalNorm } = summary;
    return {
      probe: 'gradients',
      step,
      loss: lossValue,
      lossName: loss.name,
      examples: batch.x.shape[0],
      training,
      globalNorm: magnitude(globalNorm),
      layers,
    };
  } finally {
    batch.dispose();
  }
}
