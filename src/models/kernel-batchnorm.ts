/**
 * A model built by `mlp` with batch normalization, computed kernel by kernel (as kernel-mlp.ts computes the
 * plain mlp): the same operations as the direct path (direct-mlp.ts, through TensorFlow.js's engine), each
 * one a direct call of the backend's kernel, so the numbers are the same to the last bit, the running
 * statistics included.
 *
 * Batch normalization in training mode, per unit j, over the B examples of the batch:
 *
 *   m_j = (1/B) sum_i z_ij                              the batch mean
 *   v_j = (1/B) sum_i (z_ij - m_j)^2                    the batch variance (biased, as the layer uses it)
 *   x_hat_ij = (z_ij - m_j) / sqrt(v_j + eps)           every unit centred and scaled to variance 1
 *   out_ij = gamma_j x_hat_ij + beta_j                  a learned scale and shift
 *
 * and the running statistics, used at inference, move towards the batch's: r <- r - (r - batch value)(1 - momentum).
 *
 * Backward, from dout = dLoss/dout. gamma and beta are a per-unit scale and shift, so
 *   dgamma_j = sum_i dout_ij x_hat_ij,   dbeta_j = sum_i dout_ij,   dx_hat = gamma dout.
 * z reaches the loss three ways: through its own x_hat, and through m and v, which every x_hat of the unit
 * shares. Adding the three paths (with dm/dz_ij = 1/B and dv/dz_ij = 2 (z_ij - m_j)/B) gives
 *   dz = (dx_hat - mean_i(dx_hat) - x_hat mean_i(dx_hat x_hat)) / sqrt(v + eps):
 * the incoming gradient with its batch mean removed and its component along x_hat removed, then scaled by
 * 1/sqrt(v + eps). So a layer's gradient does not grow or shrink with the scale of its weights: multiplying
 * W by c multiplies z - m and sqrt(v) by c alike, and x_hat (and so everything after it) is unchanged.
 *
 * Placement (see `mlp`): 'before' computes z = h W + b, u = BN(z), a = f(u); 'after' computes a = f(h W + b)
 * as one fused kernel (as kernel-mlp.ts does) and passes BN(a) on.
 */
import * as tf from '@tensorflow/tfjs';
import { DirectActivation, layerNamed, weightOf } from './direct-ops';
import { DENSE_BACKWARD_ACTIVATIONS, DenseBackwardActivation, denseBackwardOnWasm } from './fused-kernels';
import { modelInfo, positionName } from './info';
import { Compute, computeOnWasm } from './wasm-kernel';
import { slopeTimes } from './kernel-slopes';

/** What the pass needs of a step's kernel scope (kernel-mlp.ts's `KernelScope` has all of it). */
export interface BatchNormKernels {
  run(name: string, inputs: tf.NamedTensorInfoMap | tf.TensorInfo[], attrs?: Record<string, unknown>): tf.TensorInfo;
  own(outputs: tf.TensorInfo[]): tf.TensorInfo[];
  toTensor(info: tf.TensorInfo): tf.Tensor;
  matMulAT(a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo;
  matMulBT(a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo;
  readonly onWasm: boolean;
  readonly kernelBackend: tf.KernelBackend;
}

/** The scalars 1, 0 and the leakyRelu slope (kernel-mlp.ts's `KernelConstants`). */
interface Constants {
  one: tf.TensorInfo;
  zero: tf.TensorInfo;
  alpha: tf.TensorInfo;
}

/** One model's pass: its output, and the backward pass from dLoss/dy to the weights' gradients. */
interface Pass {
  y: tf.TensorInfo;
  backward(g: tf.TensorInfo): tf.TensorInfo[];
}

/** A batch-normalized mlp computed kernel by kernel (kernel-mlp.ts's `KernelMlp`). */
export interface KernelBatchNormMlp {
  /** Trainable weights: kernel, bias, gamma and beta of each hidden layer, then the output's kernel and bias. */
  weights: tf.Variable[];
  forward(scope: BatchNormKernels, x: tf.TensorInfo, constants: Constants): Pass;
}

/** One batch-norm layer's variables and settings. */
interface Norm {
  gamma: tf.Variable;
  beta: tf.Variable;
  movingMean: tf.Variable;
  movingVariance: tf.Variable;
  epsilon: number;
  momentum: number;
}

/** What the forward pass keeps of one hidden layer for the backward pass. */
interface Saved {
  input: tf.TensorInfo;
  /** The activation's input and output. */
  u: tf.TensorInfo;
  a: tf.TensorInfo;
  xHat: tf.TensorInfo;
  rstd: tf.TensorInfo;
}

/** The activations with a fused product-bias-activation kernel, by their name there (tanh has none on wasm). */
const FUSED: Partial<Record<DirectActivation, string | null>> = { sigmoid: 'sigmoid', relu: 'relu', elu: 'elu', linear: 'linear', leakyRelu: 'leakyrelu', tanh: null };

const infoOf = (v: tf.Tensor): tf.TensorInfo => ({ dataId: v.dataId, shape: v.shape, dtype: v.dtype });
const view = (t: tf.TensorInfo, shape: number[]): tf.TensorInfo => ({ dataId: t.dataId, shape, dtype: t.dtype });
const AXIS0 = { axis: 0, keepDims: false };

/** A float32 scalar in the backend's memory, owned by the scope (as tf.add(t, 1e-5) makes one of 1e-5). */
function scalarIn(scope: BatchNormKernels, value: number): tf.TensorInfo {
  const dataId = scope.kernelBackend.write(Float32Array.of(value), [], 'float32');
  return scope.own([{ dataId, shape: [], dtype: 'float32' }])[0];
}

/** The variable takes `next` (an output of the scope) as its value, as LayerVariable.write does. */
function assignNew(scope: BatchNormKernels, v: tf.Variable, next: tf.TensorInfo): void {
  const tensor = scope.toTensor(next);
  v.assign(tensor);
  tensor.dispose();
}

/** a = f(u), with the kernel of direct-ops.ts's activate. */
function activate(scope: BatchNormKernels, name: DirectActivation, u: tf.TensorInfo, alpha: number): tf.TensorInfo {
  if (name === 'linear') return u;
  if (name === 'leakyRelu') return scope.run('LeakyRelu', { x: u }, { alpha });
  const kernel = { sigmoid: 'Sigmoid', tanh: 'Tanh', relu: 'Relu', elu: 'Elu' }[name];
  return scope.run(kernel, { x: u });
}

const fround = Math.fround;

/**
 * On wasm, the batch statistics and what the backward pass keeps, in one pass over z ([rows, units]):
 * outputs [m, v, rstd, x_hat, next running mean, next running variance]. Every operation is the float32
 * one of the kernel it replaces, in the same order: a column's mean is its entries added down the rows,
 * each partial sum rounded to float32, then divided by the row count (as the backend's Mean kernel);
 * v the mean of fround(z - m)^2; rstd = 1 / sqrt(v + eps); x_hat = (z - m) rstd; the running value
 * r - (r - batch value) decay.
 */
const normStatsKernel: Compute = ([z, runningMean, runningVariance], [mean, variance, rstd, xHat, nextMean, nextVariance], [[rows, units]], attrs) => {
  const [eps, decay] = [fround(attrs.epsilon), fround(attrs.decay)];
  mean.fill(0);
  variance.fill(0);
  for (let i = 0; i < z.length; i += units) for (let j = 0; j < units; j++) mean[j] += z[i + j];
  for (let j = 0; j < units; j++) mean[j] = mean[j] / rows;
  for (let i = 0; i < z.length; i += units) {
    for (let j = 0; j < units; j++) {
      const d = fround(z[i + j] - mean[j]);
      variance[j] += fround(d * d);
    }
  }
  for (let j = 0; j < units; j++) {
    variance[j] = variance[j] / rows;
    rstd[j] = 1 / fround(Math.sqrt(fround(variance[j] + eps)));
    nextMean[j] = runningMean[j] - fround(fround(runningMean[j] - mean[j]) * decay);
    nextVariance[j] = runningVariance[j] - fround(fround(runningVariance[j] - variance[j]) * decay);
  }
  for (let i = 0; i < z.length; i += units) for (let j = 0; j < units; j++) xHat[i + j] = fround(z[i + j] - mean[j]) * rstd[j];
};

/**
 * On wasm, batch norm's backward pass in two passes over the batch: outputs [dz, dgamma, dbeta] and, when a
 * fourth output is asked for, the column sums of dz (the bias gradient of a layer normalized before its
 * activation). The same float32 operations in the same order as the kernels of `normBackward`.
 */
const normBackwardKernel: Compute = ([dout, xHat, rstd, gamma], [dz, dGamma, dBeta, dBias], [[rows, units]]) => {
  const [meanDx, meanDxX] = [new Float32Array(units), new Float32Array(units)];
  dGamma.fill(0);
  dBeta.fill(0);
  for (let i = 0; i < dout.length; i += units) {
    for (let j = 0; j < units; j++) {
      const [g, x] = [dout[i + j], xHat[i + j]];
      const dx = fround(g * gamma[j]);
      dGamma[j] += fround(g * x);
      dBeta[j] += g;
      meanDx[j] += dx;
      meanDxX[j] += fround(dx * x);
    }
  }
  for (let j = 0; j < units; j++) (meanDx[j] = meanDx[j] / rows), (meanDxX[j] = meanDxX[j] / rows);
  for (let i = 0; i < dout.length; i += units) {
    for (let j = 0; j < units; j++) {
      const dx = fround(dout[i + j] * gamma[j]);
      dz[i + j] = fround(fround(dx - meanDx[j]) - fround(xHat[i + j] * meanDxX[j])) * rstd[j];
    }
  }
  if (dBias) {
    dBias.fill(0);
    for (let i = 0; i < dz.length; i += units) for (let j = 0; j < units; j++) dBias[j] += dz[i + j];
  }
};

/**
 * Batch norm forward in training mode, as direct-mlp.ts's normForward: tf.moments (mean, then the mean of
 * the squared deviations), tf.batchNorm (one FusedBatchNorm kernel on a [1, 1, B, units] view), the running
 * statistics' update, and x_hat = (z - m) * rsqrt(v + eps) for the backward pass. On wasm all but the
 * FusedBatchNorm kernel are one pass (normStatsKernel).
 */
function normForward(scope: BatchNormKernels, n: Norm, z: tf.TensorInfo, scalar: (v: number) => tf.TensorInfo): { out: tf.TensorInfo; xHat: tf.TensorInfo; rstd: tf.TensorInfo } {
  const [rows, units] = z.shape;
  const normalize = (mean: tf.TensorInfo, variance: tf.TensorInfo) => {
    const inputs = { x: view(z, [1, 1, rows, units]), mean, variance, offset: infoOf(n.beta), scale: infoOf(n.gamma) };
    return view(scope.run('FusedBatchNorm', inputs, { varianceEpsilon: n.epsilon }), [rows, units]);
  };
  if (scope.onWasm) {
    const shapes = [[units], [units], [units], [rows, units], [units], [units]];
    const [mean, variance, rstd, xHat, nextMean, nextVariance] = scope.own(computeOnWasm(scope.kernelBackend, normStatsKernel, [z, infoOf(n.movingMean), infoOf(n.movingVariance)], shapes, { epsilon: n.epsilon, decay: 1 - n.momentum }));
    assignNew(scope, n.movingMean, nextMean);
    assignNew(scope, n.movingVariance, nextVariance);
    return { out: normalize(mean, variance), xHat, rstd };
  }
  const mean = scope.run('Mean', { x: z }, { axis: [0], keepDims: false });
  const deviation = scope.run('Sub', { a: z, b: view(mean, [1, units]) });
  const variance = scope.run('Mean', { x: scope.run('Square', { x: deviation }) }, { axis: [0], keepDims: false });
  const out = normalize(mean, variance);
  const decay = scalar(1 - n.momentum);
  for (const [v, value] of [[n.movingMean, mean], [n.movingVariance, variance]] as const) {
    const old = infoOf(v);
    assignNew(scope, v, scope.run('Sub', { a: old, b: scope.run('Multiply', { a: scope.run('Sub', { a: old, b: value }), b: decay }) }));
  }
  const rstd = scope.run('Rsqrt', { x: scope.run('Add', { a: variance, b: scalar(n.epsilon) }) });
  const xHat = scope.run('Multiply', { a: scope.run('Sub', { a: z, b: mean }), b: rstd });
  return { out, xHat, rstd };
}

/**
 * Batch norm backward, as direct-mlp.ts's normBackward: dgamma = sum(dout x_hat), dbeta = sum(dout),
 * dz = (dx_hat - mean(dx_hat) - x_hat mean(dx_hat x_hat)) * rstd with dx_hat = dout gamma; with `withBias`,
 * also sum(dz) (tf.sum(dz, 0)). On wasm one kernel (normBackwardKernel).
 */
function normBackward(scope: BatchNormKernels, gamma: tf.TensorInfo, dout: tf.TensorInfo, xHat: tf.TensorInfo, rstd: tf.TensorInfo, withBias: boolean): { dz: tf.TensorInfo; dGamma: tf.TensorInfo; dBeta: tf.TensorInfo; dBias?: tf.TensorInfo } {
  if (scope.onWasm) {
    const units = dout.shape[1];
    const shapes = [dout.shape, [units], [units], ...(withBias ? [[units]] : [])];
    const [dz, dGamma, dBeta, dBias] = scope.own(computeOnWasm(scope.kernelBackend, normBackwardKernel, [dout, xHat, rstd, gamma], shapes, {}));
    return { dz, dGamma, dBeta, dBias };
  }
  const dGamma = scope.run('Sum', { x: scope.run('Multiply', { a: dout, b: xHat }) }, AXIS0);
  const dBeta = scope.run('Sum', { x: dout }, AXIS0);
  const dxHat = scope.run('Multiply', { a: dout, b: gamma });
  const centred = scope.run('Sub', { a: dxHat, b: scope.run('Mean', { x: dxHat }, AXIS0) });
  const along = scope.run('Multiply', { a: xHat, b: scope.run('Mean', { x: scope.run('Multiply', { a: dxHat, b: xHat }) }, AXIS0) });
  const dz = scope.run('Multiply', { a: scope.run('Sub', { a: centred, b: along }), b: rstd });
  return { dz, dGamma, dBeta, dBias: withBias ? scope.run('Sum', { x: dz }, AXIS0) : undefined };
}

/** The layer's batch-norm variables, or undefined when it lacks one of them (or has no scale or shift). */
function normOf(layer: tf.layers.Layer | undefined): Norm | undefined {
  if (!layer) return undefined;
  const config = layer.getConfig() as { epsilon: number; momentum: number; center?: boolean; scale?: boolean };
  const parts = ['gamma', 'beta', 'movingMean', 'movingVariance'].map((f) => weightOf(layer, f));
  if (parts.some((p) => !p) || config.center === false || config.scale === false) return undefined;
  const [gamma, beta, movingMean, movingVariance] = parts.map((p) => p!.read());
  return { gamma, beta, movingMean, movingVariance, epsilon: config.epsilon, momentum: config.momentum };
}

/**
 * The kernel-by-kernel pass of a batch-normalized model built by `mlp`, or null when it is not one this
 * covers (no batch norm, residual connections, an activation without a written slope, a frozen layer).
 */
export function kernelBatchNormMlp(model: tf.LayersModel): KernelBatchNormMlp | null {
  const info = modelInfo(model);
  const o = info.options as { depth: number; activation: DirectActivation; batchNorm: 'before' | 'after' | false; residual: boolean; leakyReluAlpha: number } | undefined;
  if (info.kind !== 'mlp' || !o || !o.batchNorm || o.residual) return null;
  const fused = FUSED[o.activation];
  if (fused === undefined || (o.activation === 'leakyRelu' && !(o.leakyReluAlpha >= 0))) return null;
  const { depth, activation, batchNorm: placement, leakyReluAlpha: alpha } = o;
  const dense = [...Array.from({ length: depth }, (_, i) => positionName('dense', i + 1, depth)), 'output'].map((name) => layerNamed(model, name));
  const handles = dense.flatMap((layer) => ['kernel', 'bias'].map((field) => weightOf(layer, field)));
  const norms = Array.from({ length: depth }, (_, i) => normOf(layerNamed(model, positionName('batchnorm', i + 1, depth))));
  if (handles.some((h) => !h || !h.trainable) || norms.some((n) => !n) || model.layers.some((l) => l.weights.length > 0 && !l.trainable)) return null;
  const denseWeights = handles.map((h) => h!.read());
  const layers = norms.map((n, l) => ({ kernel: denseWeights[2 * l], bias: denseWeights[2 * l + 1], norm: n! }));
  const weights = [...layers.flatMap((l) => [l.kernel, l.bias, l.norm.gamma, l.norm.beta]), denseWeights[2 * depth], denseWeights[2 * depth + 1]];
  if (model.trainableWeights.length !== weights.length || layers.some((l) => !l.norm.gamma.trainable || !l.norm.beta.trainable)) return null;
  // Activations whose slope and bias gradient one wasm kernel computes (fused-kernels.ts), as the direct path.
  const slopeKernel = (DENSE_BACKWARD_ACTIVATIONS as readonly string[]).includes(activation) ? (activation as DenseBackwardActivation) : undefined;

  return {
    weights,
    forward(scope, x, c) {
      const scalars = new Map<number, tf.TensorInfo>();
      const scalar = (v: number) => scalars.get(v) ?? (scalars.set(v, scalarIn(scope, v)), scalars.get(v)!);
      // z = h W + b: one kernel with the activation when it has a fused form ('after'), else the product, then the bias.
      const affine = (h: tf.TensorInfo, k: tf.TensorInfo, b: tf.TensorInfo, act: string | null) => {
        const [a3, b3] = [view(h, [1, ...h.shape]), view(k, [1, ...k.shape])];
        const shape = [h.shape[0], k.shape[1]];
        if (act === null) return scope.run('Add', { a: view(scope.run('BatchMatMul', { a: a3, b: b3 }, { transposeA: false, transposeB: false }), shape), b });
        return view(scope.run('_FusedMatMul', { a: a3, b: b3, bias: b }, { transposeA: false, transposeB: false, activation: act, leakyreluAlpha: alpha }), shape);
      };
      const saved: Saved[] = [];
      let h = x;
      for (const layer of layers) {
        const [k, b] = [infoOf(layer.kernel), infoOf(layer.bias)];
        if (placement === 'before') {
          const n = normForward(scope, layer.norm, affine(h, k, b, null), scalar);
          saved.push({ input: h, u: n.out, a: activate(scope, activation, n.out, alpha), xHat: n.xHat, rstd: n.rstd });
          h = saved[saved.length - 1].a;
        } else {
          const z = affine(h, k, b, fused);
          const a = fused === null ? activate(scope, activation, z, alpha) : z;
          const n = normForward(scope, layer.norm, a, scalar);
          saved.push({ input: h, u: z, a, xHat: n.xHat, rstd: n.rstd });
          h = n.out;
        }
      }
      const [outKernel, outBias] = [infoOf(weights[4 * depth]), infoOf(weights[4 * depth + 1])];
      const y = affine(h, outKernel, outBias, 'linear');
      const gammas = layers.map((l) => infoOf(l.norm.gamma));
      const kernels = layers.map((l) => infoOf(l.kernel));
      return {
        y,
        backward(g) {
          const grads: tf.TensorInfo[] = new Array(weights.length);
          grads[4 * depth] = scope.matMulAT(h, g);
          grads[4 * depth + 1] = scope.run('Sum', { x: g }, AXIS0);
          let dh = scope.matMulBT(g, outKernel);
          for (let l = depth - 1; l >= 0; l--) {
            const s = saved[l];
            let dOut = dh;
            let dz: tf.TensorInfo;
            let dBias: tf.TensorInfo | undefined;
            if (placement === 'after') {
              const n = normBackward(scope, gammas[l], dOut, s.xHat, s.rstd, false);
              [dOut, grads[4 * l + 2], grads[4 * l + 3]] = [n.dz, n.dGamma, n.dBeta];
              if (slopeKernel && scope.onWasm) [dz, dBias] = scope.own(denseBackwardOnWasm(scope.kernelBackend, slopeKernel, dOut, s.u, s.a));
              else dz = slopeTimes(scope, activation, dOut, s.u, s.a, c);
            } else {
              // dLoss/du (on wasm one kernel, whose column sums go unused: the bias gradient is that of dz).
              const du = slopeKernel && scope.onWasm ? scope.own(denseBackwardOnWasm(scope.kernelBackend, slopeKernel, dOut, s.u, s.a))[0] : slopeTimes(scope, activation, dOut, s.u, s.a, c);
              const n = normBackward(scope, gammas[l], du, s.xHat, s.rstd, true);
              [dz, grads[4 * l + 2], grads[4 * l + 3], dBias] = [n.dz, n.dGamma, n.dBeta, n.dBias];
            }
            grads[4 * l] = scope.matMulAT(s.input, dz);
            grads[4 * l + 1] = dBias ?? scope.run('Sum', { x: dz }, AXIS0);
            if (l > 0) dh = scope.matMulBT(dz, kernels[l]);
          }
          return grads;
        },
      };
    },
  };
}
