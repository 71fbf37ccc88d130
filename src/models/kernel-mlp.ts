/**
 * A model built by `mlp` computed kernel by kernel: the same forward and backward pass as the engine path,
 * each operation a direct call of the backend's own kernel (`tf.getKernel`), outside TensorFlow.js's engine.
 * The numbers are those of the engine path, operation for operation: of the direct path (direct-mlp.ts) for
 * the models it covers, and of the layers themselves (dense.ts's Dense, tfjs's PReLU and Add) for PReLU
 * networks, which it does not cover. What goes is the engine's bookkeeping around every operation (tensor
 * objects, scopes, the gradient tape), which costs several times a small kernel's own work: a training step
 * of a 20-layer network is some 500 operations. `train` and `trainTogether` step models this way, with any of
 * their optimizers (training/kernel-step.ts); batch-normalized models take kernel-batchnorm.ts's pass.
 *
 * Forward, hidden layer l (h_0 = x):
 *   a_l = f(h_{l-1} W_l + b_l)      one fused kernel (product, bias and activation); tanh, which has no fused
 *                                   form on wasm, as the product, the bias add and tanh, as the direct path
 *                                   computes it; PReLU as its layers do: z_l = h_{l-1} W_l + b_l, then
 *                                   a_l = z_l where z_l > 0, else alpha_l z_l (one learned slope per unit)
 *   h_l = skip(h_{l-1}) + s a_l     residual layers (every one after the first, with `residual`): the skip is
 *                                   h_{l-1} itself, or h_{l-1} K_l where the widths differ; else h_l = a_l
 * and the output y = h_L W_out + b_out.
 *
 * Backward, from g = dLoss/dy: dW_out = h_L^T g, db_out = sum over the batch of g, dh_L = g W_out^T; then
 * from the top:
 *   da_l = s dh_l (residual layers; the skip passes dh_l on unchanged) or dh_l
 *   dz_l = da_l f'(z_l), read off a_l (on wasm dz_l and db_l come from one kernel, fused-kernels.ts's
 *          denseBackward); PReLU, as tfjs's Prelu gradient: dz_l = da_l where z_l > 0, else alpha_l da_l, and
 *          dalpha_l = the sum over the batch of da_l z_l where z_l <= 0 (0 where z_l > 0); on wasm dz_l,
 *          dalpha_l and db_l in one pass (preluBackwardKernel)
 *   dW_l = h_{l-1}^T dz_l, db_l = sum of dz_l, dK_l = h_{l-1}^T dh_l
 *   dh_{l-1} = dz_l W_l^T, plus dh_l (or dh_l K_l^T) through the skip of a residual layer.
 *
 * The kernels' outputs are plain records of the backend's memory ({dataId, shape, dtype}); a `KernelScope`
 * records each one and frees them all at once.
 */
import * as tf from '@tensorflow/tfjs';
import { DirectActivation, WeightHandle, layerNamed, weightOf } from './direct-ops';
import { DENSE_BACKWARD_ACTIVATIONS, DenseBackwardActivation, denseBackwardOnWasm } from './fused-kernels';
import { kernelBatchNormMlp } from './kernel-batchnorm';
import { modelInfo, positionName } from './info';
import { Compute, computeOnWasm } from './wasm-kernel';
import { slopeTimes } from './kernel-slopes';

/** The kernels' outputs of one step, freed together by `dispose`. */
export class KernelScope {
  private readonly backend = tf.backend();
  private readonly wasm = tf.getBackend() === 'wasm';
  private made: tf.TensorInfo[] = [];
  private tensors: tf.Tensor[] = [];
  private readonly kernels = new Map<string, tf.KernelFunc>();

  /** Runs the backend's kernel `name` on `inputs`; the output belongs to this scope. */
  run(name: string, inputs: tf.NamedTensorInfoMap | tf.TensorInfo[], attrs: Record<string, unknown> = {}): tf.TensorInfo {
    let kernel = this.kernels.get(name);
    if (!kernel) {
      kernel = tf.getKernel(name, tf.getBackend()).kernelFunc;
      this.kernels.set(name, kernel);
    }
    const out = kernel({ inputs: inputs as tf.NamedTensorInfoMap, backend: this.backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
    this.made.push(out);
    return out;
  }

  /** A float32 scalar holding `value` (as tf.scalar makes it), owned by this scope. */
  scalar(value: number): tf.TensorInfo {
    const out: tf.TensorInfo = { dataId: this.backend.write(Float32Array.of(value), [], 'float32'), shape: [], dtype: 'float32' };
    this.made.push(out);
    return out;
  }

  /** Records outputs made outside `run` (by the wasm kernels of fused-kernels.ts) as this scope's. */
  own(outputs: tf.TensorInfo[]): tf.TensorInfo[] {
    this.made.push(...outputs);
    return outputs;
  }

  /** The backend the scope runs on. */
  get kernelBackend(): tf.KernelBackend {
    return this.backend;
  }

  /** True on the wasm backend, where fused-kernels.ts's kernels run. */
  get onWasm(): boolean {
    return this.wasm;
  }

  /** a^T b, as direct-ops.ts's matMulAT computes it on this backend. */
  matMulAT(a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
    return this.wasm
      ? this.run('BatchMatMul', { a: this.run('Transpose', { x: a }, { perm: [1, 0] }), b }, { transposeA: false, transposeB: false })
      : this.run('BatchMatMul', { a, b }, { transposeA: true, transposeB: false });
  }

  /** a b^T, as direct-ops.ts's matMulBT computes it on this backend. */
  matMulBT(a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
    return this.wasm
      ? this.run('BatchMatMul', { a, b: this.run('Transpose', { x: b }, { perm: [1, 0] }) }, { transposeA: false, transposeB: false })
      : this.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: true });
  }

  /**
   * Hands `info` over to the engine as an ordinary tensor (freed by tf.tidy or dispose from then on).
   * `info` must be an output of this scope (or a view of one).
   */
  toTensor(info: tf.TensorInfo): tf.Tensor {
    const at = this.made.findIndex((m) => m.dataId === info.dataId);
    if (at < 0) throw new Error('KernelScope.toTensor: info is not an output of this scope');
    this.made.splice(at, 1);
    return tf.engine().makeTensorFromTensorInfo(info);
  }

  /** Engine tensors to dispose with this scope (ones kept out of tf.tidy's reach). */
  keepUntilDisposed(tensors: tf.Tensor[]): void {
    this.tensors.push(...tensors);
  }

  /** Frees every output not handed over. */
  dispose(): void {
    for (const info of this.made) this.backend.disposeData(info.dataId);
    this.made = [];
    tf.dispose(this.tensors);
    this.tensors = [];
  }
}

/** The same memory seen with another shape (as a reshape, without a kernel). */
export function viewAs(info: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/** One model's pass: its output, and the backward pass from dLoss/dy to the weights' gradients. */
export interface KernelPass {
  y: tf.TensorInfo;
  /** The gradients of `KernelMlp.weights`, in that order. */
  backward(g: tf.TensorInfo): tf.TensorInfo[];
}

/** A model computed kernel by kernel. */
export interface KernelMlp {
  /**
   * Its trainable weights: per hidden layer its kernel and bias, then PReLU's slopes and the skip's
   * projection where the layer has them; then the output layer's kernel and bias.
   */
  weights: tf.Variable[];
  forward(scope: KernelScope, x: tf.TensorInfo, constants: KernelConstants): KernelPass;
}

/** Scalars the backward pass uses, made once (engine tensors, disposed by their maker). */
export interface KernelConstants {
  one: tf.Tensor;
  zero: tf.Tensor;
  alpha: tf.Tensor;
}

/** The constants of `kernelMlp`'s backward pass; dispose them after training. */
export function kernelConstants(model: tf.LayersModel): KernelConstants {
  const alpha = (modelInfo(model).options as { leakyReluAlpha?: number } | undefined)?.leakyReluAlpha ?? 0.3;
  return { one: tf.scalar(1), zero: tf.scalar(0), alpha: tf.scalar(alpha) };
}

/**
 * The activations this path covers, with their name in the fused kernel (product, bias and activation in
 * one) when it has them; tanh has no fused form on wasm and is computed, as the direct path does, as a
 * product, a bias add and tf.tanh. Each one's slope can be read off a = f(u). PReLU, whose slopes are
 * weights, has its own forward and backward pass (`preluBackward`).
 */
const FUSED: Partial<Record<DirectActivation, string | null>> = { sigmoid: 'sigmoid', relu: 'relu', elu: 'elu', linear: 'linear', leakyRelu: 'leakyrelu', tanh: null };

/**
 * PReLU's backward pass, with the kernels of tfjs's Prelu gradient: positive = z > 0;
 * dz = where(positive, da, da alpha); dalpha = the sum over the batch of where(positive, 0, da z).
 */
function preluBackward(scope: KernelScope, da: tf.TensorInfo, z: tf.TensorInfo, alpha: tf.TensorInfo, c: KernelConstants): { dz: tf.TensorInfo; dAlpha: tf.TensorInfo } {
  const positive = scope.run('Greater', { a: z, b: c.zero });
  const dz = scope.run('Select', { condition: positive, t: da, e: scope.run('Multiply', { a: da, b: alpha }) });
  const terms = scope.run('Select', { condition: positive, t: scope.run('ZerosLike', { x: da }), e: scope.run('Multiply', { a: da, b: z }) });
  return { dz, dAlpha: viewAs(scope.run('Sum', { x: terms }, { axis: [0], keepDims: false }), alpha.shape) };
}

/**
 * `preluBackward` and the bias gradient (the sum of dz over the batch) in one pass over a [batch, units]
 * layer on wasm: inputs [da, z, alpha], outputs [dz, dalpha, db]. The same numbers: each product rounded to
 * float32 (as Multiply), each sum running down the rows in order from 0 (as Sum over axis 0 on wasm, see
 * fused-kernels.ts's columnSums), a Float32Array store rounding every partial sum.
 */
const preluBackwardKernel: Compute = ([da, z, alpha], [dz, dAlpha, db], [shape]) => {
  const cols = shape[1];
  dAlpha.fill(0);
  db.fill(0);
  for (let row = 0; row < da.length; row += cols) {
    for (let j = 0; j < cols; j++) {
      const i = row + j;
      const positive = z[i] > 0;
      dz[i] = positive ? da[i] : Math.fround(da[i] * alpha[j]);
      dAlpha[j] += positive ? 0 : Math.fround(da[i] * z[i]);
      db[j] += dz[i];
    }
  }
};

/** The `mlp` options the pass reads. */
export interface MlpShape {
  depth: number;
  activation: DirectActivation | 'prelu';
  batchNorm: unknown;
  residual: boolean;
  residualScale: number;
  leakyReluAlpha: number;
}

/** Where one hidden layer's weights sit in `KernelMlp.weights`. */
interface HiddenWeights {
  kernel: number;
  bias: number;
  /** PReLU's slopes. */
  alpha?: number;
  /** A residual layer: h_l = skip(h_{l-1}) + s a_l. */
  residual: boolean;
  /** The skip's projection K_l (a residual layer whose width differs from the previous one's). */
  skip?: number;
}

/** The model's weight variables in `KernelMlp.weights` order, and where each layer's sit; null if one is missing or frozen. */
export function weightPlan(model: tf.LayersModel, o: MlpShape): { weights: tf.Variable[]; hidden: HiddenWeights[]; output: { kernel: number; bias: number } } | null {
  const handles: (WeightHandle | undefined)[] = [];
  const at = (handle: WeightHandle | undefined) => handles.push(handle) - 1;
  const hidden: HiddenWeights[] = [];
  for (let l = 1; l <= o.depth; l++) {
    const named = (prefix: string) => layerNamed(model, positionName(prefix, l, o.depth));
    const dense = named('dense');
    const layer: HiddenWeights = { kernel: at(weightOf(dense, 'kernel')), bias: at(weightOf(dense, 'bias')), residual: o.residual && l >= 2 };
    if (o.activation === 'prelu') layer.alpha = at(weightOf(named('activation'), 'alpha'));
    const skip = layer.residual ? named('skip') : undefined;
    if (skip) layer.skip = at(weightOf(skip, 'kernel'));
    hidden.push(layer);
  }
  const out = layerNamed(model, 'output');
  const output = { kernel: at(weightOf(out, 'kernel')), bias: at(weightOf(out, 'bias')) };
  if (handles.some((h) => !h || !h.trainable) || model.layers.some((l) => l.weights.length > 0 && !l.trainable)) return null;
  const weights = handles.map((h) => h!.read());
  if (model.trainableWeights.length !== weights.length) return null;
  return { weights, hidden, output };
}

/** What the forward pass keeps of hidden layer l for the backward pass. */
interface KeptLayer {
  /** h_{l-1}. */
  input: tf.TensorInfo;
  /** PReLU's input z_l (the other activations' slopes are read off a_l). */
  z?: tf.TensorInfo;
  a: tf.TensorInfo;
}

/**
 * The backends the kernel-by-kernel pass runs on: wasm and cpu, whose tensors are plain arrays of numbers that
 * a kernel's output can be seen through with another shape (`viewAs`). The native 'tensorflow' backend keeps
 * each tensor's shape in its own handle, and some of its kernels call TensorFlow.js operations, which take
 * engine tensors only: there every step goes through the engine.
 */
export const KERNEL_BACKENDS: readonly string[] = ['wasm', 'cpu'];

/**
 * The kernel-by-kernel pass of a model built by `mlp`, or null when the model is not one it covers (not
 * from `mlp`, an activation without a written slope, a frozen layer) or the backend is not one of
 * `KERNEL_BACKENDS`; batch-normalized models take kernel-batchnorm.ts's pass.
 */
export function kernelMlp(model: tf.LayersModel): KernelMlp | null {
  if (process.env.GRADSCOPE_DIRECT === '0' || !KERNEL_BACKENDS.includes(tf.getBackend())) return null;
  const info = modelInfo(model);
  const o = info.options as MlpShape | undefined;
  if (info.kind !== 'mlp' || !o) return null;
  // Batch norm: its own pass (kernel-batchnorm.ts), which refuses residual and PReLU models itself.
  if (o.batchNorm) return kernelBatchNormMlp(model);
  const prelu = o.activation === 'prelu';
  const activation = o.activation as DirectActivation;
  const fused = FUSED[activation];
  if (!prelu && fused === undefined) return null;
  if (activation === 'leakyRelu' && !(o.leakyReluAlpha >= 0)) return null;
  const plan = weightPlan(model, o);
  if (!plan) return null;
  const { weights, hidden, output } = plan;
  const alpha = o.leakyReluAlpha;
  const scaled = o.residual && o.residualScale !== 1;
  // Activations whose slope and bias gradient one wasm kernel computes (fused-kernels.ts), as the direct path.
  const slopeKernel = (DENSE_BACKWARD_ACTIVATIONS as readonly string[]).includes(activation) ? (activation as DenseBackwardActivation) : undefined;

  return {
    weights,
    forward(scope, x, c) {
      // Read the variables now (their memory changes with each update).
      const w = weights.map((v) => ({ dataId: v.dataId, shape: v.shape, dtype: v.dtype }) as tf.TensorInfo);
      const product = (h: tf.TensorInfo, k: tf.TensorInfo) =>
        viewAs(scope.run('BatchMatMul', { a: viewAs(h, [1, ...h.shape]), b: viewAs(k, [1, ...k.shape]) }, { transposeA: false, transposeB: false }), [h.shape[0], k.shape[1]]);
      const fusedDense = (h: tf.TensorInfo, k: tf.TensorInfo, b: tf.TensorInfo, act: string) =>
        viewAs(scope.run('_FusedMatMul', { a: viewAs(h, [1, ...h.shape]), b: viewAs(k, [1, ...k.shape]), bias: b }, { transposeA: false, transposeB: false, activation: act, leakyreluAlpha: alpha }), [h.shape[0], k.shape[1]]);
      // h W + b as the engine path computes it: one fused kernel; in a PReLU network on wasm, as dense.ts's Dense layer, the product then the bias add.
      const dense = (h: tf.TensorInfo, k: tf.TensorInfo, b: tf.TensorInfo) => (prelu && scope.onWasm ? scope.run('Add', { a: product(h, k), b }) : fusedDense(h, k, b, 'linear'));
      // a = f(h W + b); tanh as tf.add(tf.matMul(h, W), b), then tf.tanh.
      const activate = (h: tf.TensorInfo, layer: HiddenWeights): KeptLayer => {
        const [k, b] = [w[layer.kernel], w[layer.bias]];
        if (layer.alpha !== undefined) {
          const z = dense(h, k, b);
          return { input: h, z, a: scope.run('Prelu', { x: z, alpha: w[layer.alpha] }) };
        }
        if (fused === null) return { input: h, a: scope.run('Tanh', { x: scope.run('Add', { a: product(h, k), b }) }) };
        return { input: h, a: fusedDense(h, k, b, fused!) };
      };
      const scale = scaled ? scope.scalar(o.residualScale) : undefined;
      const kept: KeptLayer[] = [];
      let h = x;
      for (const layer of hidden) {
        const s = activate(h, layer);
        kept.push(s);
        if (!layer.residual) h = s.a;
        else {
          const skip = layer.skip === undefined ? h : product(h, w[layer.skip]);
          h = scope.run('Add', { a: skip, b: scale ? scope.run('Multiply', { a: s.a, b: scale }) : s.a });
        }
      }
      const last = h;
      const y = dense(last, w[output.kernel], w[output.bias]);
      return {
        y,
        backward(g) {
          const grads: tf.TensorInfo[] = new Array(weights.length);
          grads[output.kernel] = scope.matMulAT(last, g);
          grads[output.bias] = scope.run('Sum', { x: g }, { axis: 0, keepDims: false });
          let dh = scope.matMulBT(g, w[output.kernel]);
          for (let l = hidden.length - 1; l >= 0; l--) {
            const [layer, s] = [hidden[l], kept[l]];
            const da = layer.residual && scale ? scope.run('Multiply', { a: dh, b: scale }) : dh;
            let dz: tf.TensorInfo;
            if (layer.alpha !== undefined && scope.onWasm) {
              const cols = da.shape[1];
              [dz, grads[layer.alpha], grads[layer.bias]] = scope.own(computeOnWasm(scope.kernelBackend, preluBackwardKernel, [da, s.z!, w[layer.alpha]], [da.shape, [cols], [cols]], {}));
            } else if (layer.alpha !== undefined) {
              const p = preluBackward(scope, da, s.z!, w[layer.alpha], c);
              [dz, grads[layer.alpha]] = [p.dz, p.dAlpha];
              grads[layer.bias] = scope.run('Sum', { x: dz }, { axis: 0, keepDims: false });
            } else if (slopeKernel && scope.onWasm) {
              [dz, grads[layer.bias]] = scope.own(denseBackwardOnWasm(scope.kernelBackend, slopeKernel, da, s.a, s.a));
            } else {
              dz = slopeTimes(scope, activation, da, s.a, s.a, c);
              grads[layer.bias] = scope.run('Sum', { x: dz }, { axis: 0, keepDims: false });
            }
            grads[layer.kernel] = scope.matMulAT(s.input, dz);
            if (layer.skip !== undefined) grads[layer.skip] = scope.matMulAT(s.input, dh);
            if (l > 0) {
              const through = scope.matMulBT(dz, w[layer.kernel]);
              if (!layer.residual) dh = through;
              else dh = scope.run('Add', { a: through, b: layer.skip === undefined ? dh : scope.matMulBT(dh, w[layer.skip]) });
            }
          }
          return grads;
        },
      };
    },
  };
}
