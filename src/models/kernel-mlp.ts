/**
 * A model built by `mlp` computed kernel by kernel: the same forward and backward pass as the direct path
 * (direct-mlp.ts), each operation a direct call of the backend's own kernel (`tf.getKernel`), outside
 * TensorFlow.js's engine. The numbers are those of the direct path, operation for operation; what goes is
 * the engine's bookkeeping around every operation (tensor objects, scopes, the gradient tape), which costs
 * several times a small kernel's own work: a training step of a 20-layer network is some 500 operations.
 * `train` (plain SGD) and `trainTogether` step models this way.
 *
 * Forward, layer by layer: a_l = f(a_{l-1} W_l + b_l) as one fused kernel (product, bias and activation;
 * tanh, which has no fused form on wasm, as the product, the bias add and tanh, as the direct path computes
 * it), and the output y = a_L W_out + b_out. Backward, from g = dLoss/dy: dW_out = a_L^T g, db_out = sum
 * over the batch of g, da_L = g W_out^T; then from the top, dz_l = da_l * f'(z_l) (read off a_l; on wasm
 * dz_l and db_l come from one kernel, fused-kernels.ts's denseBackward), dW_l = a_{l-1}^T dz_l,
 * db_l = sum of dz_l, da_{l-1} = dz_l W_l^T.
 *
 * The kernels' outputs are plain records of the backend's memory ({dataId, shape, dtype}); a `KernelScope`
 * records each one and frees them all at once.
 */
import * as tf from '@tensorflow/tfjs';
import { DirectActivation, layerNamed, weightOf } from './direct-ops';
import { DENSE_BACKWARD_ACTIVATIONS, DenseBackwardActivation, denseBackwardOnWasm } from './fused-kernels';
import { kernelBatchNormMlp } from './kernel-batchnorm';
import { modelInfo, positionName } from './info';

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
  /** Its trainable weights: kernel and bias of each hidden layer, then of the output layer. */
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
 * product, a bias add and tf.tanh. Each one's slope can be read off a = f(u).
 */
const FUSED: Partial<Record<DirectActivation, string | null>> = { sigmoid: 'sigmoid', relu: 'relu', elu: 'elu', linear: 'linear', leakyRelu: 'leakyrelu', tanh: null };

/**
 * dz = da * f'(z) from a = f(z), with the kernels direct-ops.ts's activationBackward uses (z read as a,
 * as the fused direct path does): sigmoid a(1 - a); tanh 1 - a^2; relu step(a); leakyRelu da where a > 0, else alpha da;
 * elu da where a > 0, else da (a + 1); linear da.
 */
function slopeTimes(scope: KernelScope, name: DirectActivation, da: tf.TensorInfo, a: tf.TensorInfo, c: KernelConstants): tf.TensorInfo {
  switch (name) {
    case 'sigmoid':
      return scope.run('Multiply', { a: da, b: scope.run('Multiply', { a, b: scope.run('Sub', { a: c.one, b: a }) }) });
    case 'tanh':
      return scope.run('Multiply', { a: da, b: scope.run('Sub', { a: c.one, b: scope.run('Square', { x: a }) }) });
    case 'relu':
      return scope.run('Multiply', { a: da, b: scope.run('Step', { x: a }, { alpha: 0 }) });
    case 'leakyRelu':
      return scope.run('Select', { condition: scope.run('Greater', { a, b: c.zero }), t: da, e: scope.run('Multiply', { a: da, b: c.alpha }) });
    case 'elu':
      return scope.run('Select', { condition: scope.run('Greater', { a, b: c.zero }), t: da, e: scope.run('Multiply', { a: da, b: scope.run('Add', { a, b: c.one }) }) });
    default:
      return da;
  }
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
 * from `mlp`, residual connections, an activation without a written slope, a frozen layer) or the backend
 * is not one of `KERNEL_BACKENDS`.
 */
export function kernelMlp(model: tf.LayersModel): KernelMlp | null {
  if (process.env.GRADSCOPE_DIRECT === '0' || !KERNEL_BACKENDS.includes(tf.getBackend())) return null;
  const info = modelInfo(model);
  const o = info.options as { depth: number; activation: DirectActivation; batchNorm: unknown; residual: boolean; leakyReluAlpha: number } | undefined;
  if (info.kind !== 'mlp' || !o || o.residual) return null;
  // Batch norm: its own pass (kernel-batchnorm.ts).
  if (o.batchNorm) return kernelBatchNormMlp(model);
  const fused = FUSED[o.activation];
  if (fused === undefined || (o.activation === 'leakyRelu' && !(o.leakyReluAlpha >= 0))) return null;
  const names = [...Array.from({ length: o.depth }, (_, i) => positionName('dense', i + 1, o.depth)), 'output'];
  const handles = names.flatMap((name) => ['kernel', 'bias'].map((field) => weightOf(layerNamed(model, name), field)));
  if (handles.some((h) => !h || !h.trainable) || model.layers.some((l) => l.weights.length > 0 && !l.trainable)) return null;
  const weights = handles.map((h) => h!.read());
  if (model.trainableWeights.length !== weights.length) return null;
  const activation = o.activation;
  const alpha = o.leakyReluAlpha;
  // Activations whose slope and bias gradient one wasm kernel computes (fused-kernels.ts), as the direct path.
  const slopeKernel = (DENSE_BACKWARD_ACTIVATIONS as readonly string[]).includes(activation) ? (activation as DenseBackwardActivation) : undefined;

  return {
    weights,
    forward(scope, x, c) {
      // Each layer's input, then the output's; read the variables now (their memory changes with each update).
      const w = weights.map((v) => ({ dataId: v.dataId, shape: v.shape, dtype: v.dtype }) as tf.TensorInfo);
      const inputs: tf.TensorInfo[] = [x];
      const layer = (h: tf.TensorInfo, k: tf.TensorInfo, b: tf.TensorInfo, act: string | null) => {
        const [a3, b3] = [viewAs(h, [1, ...h.shape]), viewAs(k, [1, ...k.shape])];
        const shape = [h.shape[0], k.shape[1]];
        // tanh: z = h W + b as tf.add(tf.matMul(h, W), b), then tf.tanh(z).
        if (act === null) return scope.run('Tanh', { x: scope.run('Add', { a: viewAs(scope.run('BatchMatMul', { a: a3, b: b3 }, { transposeA: false, transposeB: false }), shape), b }) });
        return viewAs(scope.run('_FusedMatMul', { a: a3, b: b3, bias: b }, { transposeA: false, transposeB: false, activation: act, leakyreluAlpha: alpha }), shape);
      };
      for (let l = 0; l < o.depth; l++) inputs.push(layer(inputs[l], w[2 * l], w[2 * l + 1], fused));
      const y = layer(inputs[o.depth], w[2 * o.depth], w[2 * o.depth + 1], 'linear');
      return {
        y,
        backward(g) {
          const grads: tf.TensorInfo[] = new Array(weights.length);
          grads[2 * o.depth] = scope.matMulAT(inputs[o.depth], g);
          grads[2 * o.depth + 1] = scope.run('Sum', { x: g }, { axis: 0, keepDims: false });
          let da = scope.matMulBT(g, w[2 * o.depth]);
          for (let l = o.depth - 1; l >= 0; l--) {
            let dz: tf.TensorInfo;
            if (slopeKernel && scope.onWasm) {
              [dz, grads[2 * l + 1]] = scope.own(denseBackwardOnWasm(scope.kernelBackend, slopeKernel, da, inputs[l + 1], inputs[l + 1]));
            } else {
              dz = slopeTimes(scope, activation, da, inputs[l + 1], c);
              grads[2 * l + 1] = scope.run('Sum', { x: dz }, { axis: 0, keepDims: false });
            }
            grads[2 * l] = scope.matMulAT(inputs[l], dz);
            if (l > 0) da = scope.matMulBT(dz, w[2 * l]);
          }
          return grads;
        },
      };
    },
  };
}
