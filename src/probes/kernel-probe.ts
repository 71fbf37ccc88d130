/**
 * The probes' forward and backward pass for a model built by `mlp`, kernel by kernel: the operations the
 * layers API runs for `model.apply` and TensorFlow.js's autodiff runs for its gradients, each a direct call
 * of the backend's kernel (as models/kernel-mlp.ts does for training), so the probes read the same numbers,
 * bit for bit, without the engine's bookkeeping around every operation (tensor objects, scopes, the gradient
 * tape, the layers' symbolic graph), which costs several times the arithmetic of a 64-wide layer.
 *
 * Unlike the training pass, which computes f(h W + b) as one fused kernel, this pass follows the layers: each
 * hidden layer l is a Dense layer, then an activation layer of its own,
 *
 *   z_l = h_{l-1} W_l + b_l     on wasm the product then the bias add (dense.ts's Dense); on cpu one fused
 *                               product with its bias (tfjs's Dense)
 *   a_l = f(z_l)                the activation's own kernel (Relu, Sigmoid, Tanh, Elu, Selu, LeakyRelu, Prelu)
 *   h_l = skip(h_{l-1}) + s a_l in residual layers (the skip is h_{l-1}, or h_{l-1} K_l where the widths
 *                               differ), else h_l = a_l
 *
 * so the probes see z_l and a_l as the layers make them. The backward pass, from g = dLoss/dy, runs each
 * layer's gradient as tfjs-core writes it:
 *
 *   dLoss/da_l = s dLoss/dh_l (residual layers) or dLoss/dh_l      what activationGradients reports
 *   dLoss/dz_l = dLoss/da_l f'(z_l):
 *     relu       da * step(z)                     sigmoid  da * (a (1 - a))
 *     tanh       (1 - a^2) * da                   elu      EluGrad(da, a): da where a >= 0, else da (a + 1)
 *     leakyRelu  da where z > 0, else da alpha    selu     da scale where z > 0, else da (scale alpha) e^z
 *     prelu      da where z > 0, else da alpha_l; dLoss/dalpha_l = the sum over the batch of da z where z <= 0
 *   dW_l = h_{l-1}^T dz_l,  db_l = sum over the batch of dz_l,  dK_l = h_{l-1}^T dLoss/dh_l
 *   dLoss/dh_{l-1} = dz_l W_l^T, plus dLoss/dh_l (or dLoss/dh_l K_l^T) through a residual layer's skip.
 *
 * The probes' `training` option changes nothing here: it switches batch normalization between the batch's
 * statistics and the running ones, and these models have none. Batch-normalized models, other activations
 * (gelu, swish, mish, softsign: several operations each), other backends, and models with a frozen or
 * missing weight take the layers API as before (`probePass` is null).
 *
 * The probes read the results in place (host-read.ts's `readInPlace`) and summarise them in float64 on the
 * host, as they summarise the layers API's results.
 */
import * as tf from '@tensorflow/tfjs';
import { KERNEL_BACKENDS, KernelScope, MlpShape, viewAs, weightPlan } from '../models/kernel-mlp';
import { modelInfo } from '../models/info';
import { LossFn, LossName } from '../core/losses';
import { kernelLoss, kernelLossCovers } from '../models/kernel-loss';
import { readInPlace } from './host-read';

/** SELU's scale and scale * alpha, as tfjs-core's selu_util.ts writes them (its gradient uses them as float32 scalars). */
const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU_SCALEALPHA = 1.7580993408473768599402175208123;

/** The activations this pass computes, with the kernel of each one's forward step. */
const FORWARD: Record<string, string | null> = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', elu: 'Elu', selu: 'Selu', leakyRelu: 'LeakyRelu', prelu: 'Prelu', linear: null };

/** What the pass computed for one hidden layer. */
export interface ProbeLayer {
  /** z_l = h_{l-1} W_l + b_l, the activation layer's input. */
  z: tf.TensorInfo;
  /** a_l = f(z_l), the activation layer's output. */
  a: tf.TensorInfo;
}

/** The backward pass's results: dLoss/da_l per hidden layer and, when asked for, every weight's gradient. */
export interface ProbeGradients {
  /** dLoss/da_l, in depth order. */
  activations: tf.TensorInfo[];
  /** The gradients of `ProbeNet.weights`, in that order (null unless asked for). */
  weights: tf.TensorInfo[] | null;
}

/** One forward pass: every hidden layer's z and a, the output y, and the backward pass from dLoss/dy. */
export interface ProbeForward {
  layers: ProbeLayer[];
  y: tf.TensorInfo;
  backward(g: tf.TensorInfo, withWeights: boolean): ProbeGradients;
}

/** An mlp the probes compute kernel by kernel. */
export interface ProbeNet {
  /** The trainable weights, in kernel-mlp.ts's `KernelMlp.weights` order. */
  weights: tf.Variable[];
  forward(scope: KernelScope, x: tf.TensorInfo): ProbeForward;
}

/**
 * The kernel-by-kernel probe pass of a model built by `mlp`, or null where the probes take the layers API:
 * a backend not in `KERNEL_BACKENDS`, batch norm, an activation not in the table above, a frozen or changed
 * layer, or GRADSCOPE_PROBE_KERNEL=0.
 */
export function probePass(model: tf.LayersModel): ProbeNet | null {
  if (process.env.GRADSCOPE_PROBE_KERNEL === '0' || !KERNEL_BACKENDS.includes(tf.getBackend())) return null;
  const info = modelInfo(model);
  const o = info.options as MlpShape | undefined;
  if (info.kind !== 'mlp' || !o || o.batchNorm || !(o.activation in FORWARD)) return null;
  const plan = weightPlan(model, o);
  if (!plan) return null;
  const { weights, hidden, output } = plan;
  const activation: string = o.activation;
  const kernelName = FORWARD[activation];
  const alpha = o.leakyReluAlpha;
  const scaled = o.residual && o.residualScale !== 1;
  return {
    weights,
    forward(scope, x) {
      const w = weights.map((v) => ({ dataId: v.dataId, shape: v.shape, dtype: v.dtype }) as tf.TensorInfo);
      const scalar = (value: number) => scope.scalar(value);
      const product = (h: tf.TensorInfo, k: tf.TensorInfo) =>
        viewAs(scope.run('BatchMatMul', { a: viewAs(h, [1, ...h.shape]), b: viewAs(k, [1, ...k.shape]) }, { transposeA: false, transposeB: false }), [h.shape[0], k.shape[1]]);
      // z = h W + b as the Dense layer computes it on this backend.
      const dense = (h: tf.TensorInfo, k: tf.TensorInfo, b: tf.TensorInfo) =>
        scope.onWasm
          ? scope.run('Add', { a: product(h, k), b })
          : viewAs(scope.run('_FusedMatMul', { a: viewAs(h, [1, ...h.shape]), b: viewAs(k, [1, ...k.shape]), bias: b }, { transposeA: false, transposeB: false, activation: 'linear' }), [h.shape[0], k.shape[1]]);
      const activate = (z: tf.TensorInfo, alphaWeight?: tf.TensorInfo): tf.TensorInfo => {
        if (kernelName === null) return z;
        if (activation === 'prelu') return scope.run('Prelu', { x: z, alpha: alphaWeight! });
        return scope.run(kernelName, { x: z }, activation === 'leakyRelu' ? { alpha } : {});
      };
      const scale = scaled ? scalar(o.residualScale) : undefined;
      const layers: ProbeLayer[] = [];
      const inputs: tf.TensorInfo[] = [];
      let h = x;
      for (const layer of hidden) {
        const z = dense(h, w[layer.kernel], w[layer.bias]);
        const a = activate(z, layer.alpha === undefined ? undefined : w[layer.alpha]);
        layers.push({ z, a });
        inputs.push(h);
        if (!layer.residual) h = a;
        else {
          const skip = layer.skip === undefined ? h : product(h, w[layer.skip]);
          h = scope.run('Add', { a: skip, b: scale ? scope.run('Multiply', { a, b: scale }) : a });
        }
      }
      const last = h;
      const y = dense(last, w[output.kernel], w[output.bias]);
      const sumRows = (t: tf.TensorInfo) => scope.run('Sum', { x: t }, { axis: [0], keepDims: false });

      /** dLoss/dz from dLoss/da, as tfjs-core's gradient of the activation's kernel (with dalpha for prelu). */
      const slope = (da: tf.TensorInfo, s: ProbeLayer, alphaWeight?: tf.TensorInfo): { dz: tf.TensorInfo; dAlpha?: tf.TensorInfo } => {
        const { z, a } = s;
        switch (activation) {
          case 'relu':
            return { dz: scope.run('Multiply', { a: da, b: scope.run('Step', { x: z }, { alpha: 0 }) }) };
          case 'sigmoid':
            return { dz: scope.run('Multiply', { a: da, b: scope.run('Multiply', { a, b: scope.run('Sub', { a: scalar(1), b: a }) }) }) };
          case 'tanh':
            return { dz: scope.run('Multiply', { a: scope.run('Sub', { a: scalar(1), b: scope.run('Square', { x: a }) }), b: da }) };
          case 'elu':
            return { dz: scope.run('EluGrad', { dy: da, y: a }) };
          case 'selu': {
            const positive = scope.run('Greater', { a: z, b: scalar(0) });
            const above = scope.run('Multiply', { a: da, b: scalar(SELU_SCALE) });
            const below = scope.run('Multiply', { a: scope.run('Multiply', { a: da, b: scalar(SELU_SCALEALPHA) }), b: scope.run('Exp', { x: z }) });
            return { dz: scope.run('Select', { condition: positive, t: above, e: below }) };
          }
          case 'leakyRelu':
            return { dz: scope.run('Select', { condition: scope.run('Greater', { a: z, b: scalar(0) }), t: da, e: scope.run('Multiply', { a: da, b: scalar(alpha) }) }) };
          case 'prelu': {
            const positive = scope.run('Greater', { a: z, b: scalar(0) });
            const dz = scope.run('Select', { condition: positive, t: da, e: scope.run('Multiply', { a: da, b: alphaWeight! }) });
            const terms = scope.run('Select', { condition: positive, t: scope.run('ZerosLike', { x: da }), e: scope.run('Multiply', { a: da, b: z }) });
            return { dz, dAlpha: viewAs(sumRows(terms), alphaWeight!.shape) };
          }
          default:
            return { dz: da };
        }
      };

      return {
        layers,
        y,
        backward(g, withWeights) {
          const grads: tf.TensorInfo[] = new Array(weights.length);
          const activations: tf.TensorInfo[] = new Array(hidden.length);
          if (withWeights) {
            grads[output.kernel] = scope.matMulAT(last, g);
            grads[output.bias] = sumRows(g);
          }
          let dh = scope.matMulBT(g, w[output.kernel]);
          for (let l = hidden.length - 1; l >= 0; l--) {
            const layer = hidden[l];
            const da = layer.residual && scale ? scope.run('Multiply', { a: dh, b: scale }) : dh;
            activations[l] = da;
            if (l === 0 && !withWeights) break;
            const { dz, dAlpha } = slope(da, layers[l], layer.alpha === undefined ? undefined : w[layer.alpha]);
            if (withWeights) {
              grads[layer.kernel] = scope.matMulAT(inputs[l], dz);
              grads[layer.bias] = sumRows(dz);
              if (layer.alpha !== undefined) grads[layer.alpha] = dAlpha!;
              if (layer.skip !== undefined) grads[layer.skip] = scope.matMulAT(inputs[l], dh);
            }
            if (l > 0) {
              const through = scope.matMulBT(dz, w[layer.kernel]);
              if (!layer.residual) dh = through;
              else dh = scope.run('Add', { a: through, b: layer.skip === undefined ? dh : scope.matMulBT(dh, w[layer.skip]) });
            }
          }
          return { activations, weights: withWeights ? grads : null };
        },
      };
    },
  };
}

/** A backward pass's numbers read in place: the loss, then dLoss/da_l per hidden layer, then (if asked) the weights' gradients. */
export interface ProbeBackwardViews {
  loss: number;
  activations: Float32Array[];
  /** Gradients in `ProbeNet.weights` order; empty unless asked for. */
  weights: Float32Array[];
}

/**
 * One forward and backward pass of `net` on the batch (x, y) for the loss `loss` (its name, its function, and
 * whether the model's outputs are probabilities already): dLoss/dy kernel by kernel where
 * models/kernel-loss.ts writes the loss out (binary and softmax cross-entropy on logits, mean squared error), else
 * through TensorFlow.js's autodiff of the loss alone (the same operations the whole model's autodiff runs
 * for it). `read` gets the numbers as views on the backend's memory; every tensor is freed afterwards.
 */
export function probeBackward<T>(
  net: ProbeNet,
  x: tf.Tensor,
  y: tf.Tensor,
  loss: { name: LossName; fn: LossFn; probabilities: boolean },
  withWeights: boolean,
  read: (views: ProbeBackwardViews) => T,
): T {
  const scope = new KernelScope();
  let result: T | undefined;
  try {
    // (The result is assigned, not returned from tf.tidy, which would walk it looking for tensors.)
    tf.tidy(() => {
      const pass = net.forward(scope, x);
      let value: tf.TensorInfo;
      let g: tf.TensorInfo;
      if (kernelLossCovers(loss.name, loss.probabilities)) {
        ({ loss: value, grad: g } = kernelLoss(scope, loss.name, pass.y, y));
      } else {
        const out = tf.valueAndGrad((p: tf.Tensor) => loss.fn(y, p))(scope.toTensor(pass.y));
        [value, g] = [out.value, out.grad];
      }
      const grads = pass.backward(g, withWeights);
      const parts = [value, ...grads.activations, ...(grads.weights ?? [])];
      // Views on the backend's memory: every kernel has run, and none runs while they are read.
      const views = readInPlace(parts)!;
      const n = grads.activations.length;
      result = read({ loss: views[0][0], activations: views.slice(1, 1 + n), weights: views.slice(1 + n) });
    });
    return result!;
  } finally {
    scope.dispose();
  }
}
