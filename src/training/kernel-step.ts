/**
 * One training step of one or several models, kernel by kernel (models/kernel-mlp.ts): each model's forward
 * pass, its loss and dLoss/dy (binary and softmax cross-entropy on logits and mean squared error through the
 * kernels TensorFlow.js's autodiff runs, models/kernel-loss.ts; a loss on probabilities through the autodiff itself), its
 * backward pass, the global gradient norm, one transfer of every number to the host, and the update: plain SGD, W <- W - learningRate dLoss/dW, or momentum, Adam or RMSProp (kernel-optimizers.ts). The numbers
 * are those of the engine path's step, operation for operation.
 *
 * On wasm the gradients are read in place, so the norm ||g|| = sqrt(sum of g_i^2) is summed on the host (in
 * float32, as the engine's kernel sums it) and, when the per-layer gradient probe runs every step, each
 * gradient's float64 sums for it come from the same pass; the update, which writes every new weight anyway,
 * sums their squares for the next step's ||W||. The probe then adds almost nothing to the step.
 */
import * as tf from '@tensorflow/tfjs';
import { KernelConstants, KernelMlp, KernelScope, viewAs } from '../models/kernel-mlp';
import { addSquares, sgdUpdateOnWasm } from '../models/fused-kernels';
import type { KernelUpdate } from './kernel-optimizers';
import { LossFn, LossName, accuracyTensor, binaryHits } from '../core/losses';
import { gradientSums, sumOfSquares } from '../probes/magnitude';
import type { KnownSums } from '../probes/gradients';
import { kernelLoss, kernelLossCovers } from '../models/kernel-loss';

/** What the step needs of each model. */
export interface KernelModel {
  net: KernelMlp;
  /** For each trainable variable in `trainableVariables` order, its index in `net.weights`. */
  order: number[];
  /** The weights the gradient probe reports next to their gradients (read before the update). */
  selected: () => tf.Tensor[];
}

/** The learning rate, and -learningRate as a scalar tensor (made once by the caller, who disposes it). */
export interface SgdRate {
  learningRate: number;
  minus: tf.Scalar;
  /** Clip the gradients to this global norm first (wasm only: `kernelClipping` says where it runs). */
  clipGlobalNorm?: number;
  /** Another optimizer's update (kernel-optimizers.ts) in place of plain SGD; its state advances with each applied step. */
  update?: KernelUpdate;
}

/** True when the kernel step can clip by global norm: on wasm, where it reads the gradients in place. */
export function kernelClipping(): boolean {
  return tf.getBackend() === 'wasm';
}

/** A computed step: the host numbers, then `apply` (the update) or not, then `dispose`. */
export interface KernelStep {
  /**
   * N losses, N accuracies (NaN when the loss has none), N gradient norms, N norms after clipping (the same
   * without it), N clipping flags (1 where clipping by global norm fired); then with batchGradients (unless
   * `known`), per model, every gradient then the selected weights, flat.
   */
  host: Float32Array;
  /**
   * With batchGradients on the wasm backend, per model, what the gradient probe needs instead of the arrays:
   * each gradient's `gradientSums` (in `order`), computed in the same pass as the global norm, and each
   * selected weight's sum of squares (computed by the previous step's update); otherwise null.
   */
  known: KnownSums[] | null;
  apply(): void;
  dispose(): void;
}

/** The loss of the step: its name, its function and, when it is a plain mean, the terms it is the mean of. */
export interface StepLoss {
  name: LossName;
  fn: LossFn;
  terms: ((yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor) | null;
  /** The outputs are probabilities already (for the accuracy; default false: logits). */
  probabilities?: boolean;
}

/** Each model's loss and accuracy (as host parts, in model order) and dLoss/dy. */
interface StepLosses {
  losses: tf.TensorInfo[];
  accuracies: (tf.TensorInfo | number)[];
  outputGrads: tf.TensorInfo[];
  /** Tensors kept out of tf.tidy's reach (disposed with the step). */
  kept?: tf.Tensor[];
}

/** Each model's loss through TensorFlow.js's autodiff, one model after the other. */
function lossesOneByOne(scope: KernelScope, ys: tf.TensorInfo[], yb: tf.Tensor, loss: StepLoss): StepLosses {
  const out: StepLosses = { losses: [], accuracies: [], outputGrads: [] };
  for (const info of ys) {
    const y = scope.toTensor(info);
    const { value, grad } = tf.valueAndGrad((z: tf.Tensor) => loss.fn(yb, z))(y);
    out.losses.push(value);
    out.accuracies.push(accuracyTensor(loss.name, yb, y, loss.probabilities) ?? tf.scalar(NaN));
    out.outputGrads.push(grad);
  }
  return out;
}

/**
 * All models' losses at once, for a loss that is the mean of its terms: the outputs as the rows of one
 * matrix Z, each model's loss the mean of its row's terms, differentiated as their sum. Each row's
 * gradient is then that model's own, entry for entry the one `lossesOneByOne` gives (the same operations
 * on the same numbers, and the mean's gradient 1/n either way).
 */
function lossesTogether(scope: KernelScope, ys: tf.TensorInfo[], yb: tf.Tensor, loss: StepLoss): StepLosses {
  const n = sizeOf(yb);
  const z = scope.toTensor(scope.run('Concat', ys.map((y) => viewAs(y, [1, n])), { axis: 0 }));
  const y = yb.reshape([1, n]);
  let perModel: tf.Tensor | undefined;
  const { grad } = tf.valueAndGrad((zz: tf.Tensor) => {
    perModel = tf.keep(tf.mean(loss.terms!(y, zz), 1));
    return tf.sum(perModel) as tf.Scalar;
  })(z);
  const accuracy = loss.name === 'binaryCrossEntropy' ? tf.mean(binaryHits(y, z), 1) : tf.fill([ys.length], NaN);
  const outputGrads = ys.map((info, k) => viewAs(scope.run('Slice', { x: grad }, { begin: [k, 0], size: [1, n] }), info.shape));
  return { losses: [perModel!], accuracies: [accuracy], outputGrads, kept: [perModel!] };
}

/**
 * Each model's loss, accuracy and dLoss/dy: kernel by kernel where models/kernel-loss.ts writes the loss
 * out (binary and softmax cross-entropy on logits, mean squared error), else through TensorFlow.js's autodiff (all the
 * models' terms at once for a loss that is a plain mean). The numbers are the same either way.
 */
function lossesOf(scope: KernelScope, ys: tf.TensorInfo[], yb: tf.Tensor, loss: StepLoss): StepLosses {
  if (process.env.GRADSCOPE_KERNEL_LOSS !== '0' && kernelLossCovers(loss.name, loss.probabilities ?? false)) {
    const each = ys.map((y) => kernelLoss(scope, loss.name, y, yb));
    return { losses: each.map((l) => l.loss), accuracies: each.map((l) => l.accuracy), outputGrads: each.map((l) => l.grad) };
  }
  return (loss.terms ? lossesTogether : lossesOneByOne)(scope, ys, yb, loss);
}

const sizeOf = (t: tf.TensorInfo) => t.shape.reduce((a, b) => a * b, 1);
const flat = (t: tf.TensorInfo) => viewAs(t, [sizeOf(t)]);

/**
 * Every entry of `parts` (tensors, or numbers computed on the host), one after the other, in one host
 * array. On wasm the backend's memory is read in place (no copy inside the backend); elsewhere each tensor
 * is read with readSync.
 */
function readAll(parts: (tf.TensorInfo | number)[], reuse: Float32Array): Float32Array {
  const total = parts.reduce<number>((a, t) => a + (typeof t === 'number' ? 1 : sizeOf(t)), 0);
  const host = reuse.length === total ? reuse : new Float32Array(total);
  let at = 0;
  for (const t of parts) {
    if (typeof t === 'number') {
      host[at++] = t;
    } else {
      host.set(readInPlace(t), at);
      at += sizeOf(t);
    }
  }
  return host;
}

/** The float32 entries of `t`: a view of wasm memory (read it before the next kernel runs), else a copy. */
function readInPlace(t: tf.TensorInfo): Float32Array {
  const backend = tf.backend() as tf.KernelBackend & { typedArrayFromHeap?: (t: tf.TensorInfo) => Float32Array };
  const heap = tf.getBackend() === 'wasm' && typeof backend.typedArrayFromHeap === 'function';
  return heap ? backend.typedArrayFromHeap!(t) : (backend.readSync(t.dataId) as Float32Array);
}

/**
 * ||all gradients|| of one model on the wasm backend, computed on the host from the gradients in place:
 * sqrt(sum of squares) with every square and partial sum rounded to float32 in order, the number
 * `globalNormOf` (and so `train`'s step) gives. With `withSums`, each gradient's float64 `gradientSums`
 * for the batch-gradient probe come from the same pass.
 */
function normOnHost(grads: tf.TensorInfo[], withSums: boolean): { norm: number; sums: ReturnType<typeof gradientSums>[] | null } {
  let s = 0;
  if (!withSums) {
    for (const g of grads) s = addSquares(s, readInPlace(g));
    return { norm: Math.fround(Math.sqrt(s)), sums: null };
  }
  const sums = grads.map((g) => {
    const each = gradientSums(readInPlace(g), s);
    s = each.float32SumSquares;
    return each;
  });
  return { norm: Math.fround(Math.sqrt(s)), sums };
}

/**
 * Clipping by global norm c, as clipping.ts's clipGradients computes it with float32 tensors, from the norm n
 * of the gradients: fired = n > c; scale = min(1, c / max(n, 1e-30)); every gradient g <- g * scale; the
 * norm after clipping is that of the scaled gradients (n itself when the scale is 1, since g * 1 = g). Each
 * is one float32 operation, rounded to float32 as the backend rounds it; the gradients (this step's own, read
 * in place on wasm) are scaled where they are.
 */
function clipOnHost(grads: tf.TensorInfo[], norm: number, clipGlobalNorm: number): { after: number; fired: number } {
  const fround = Math.fround;
  const c = fround(clipGlobalNorm);
  const scale = Math.min(1, fround(c / Math.max(norm, fround(1e-30))));
  const fired = norm > c ? 1 : 0;
  if (scale === 1) return { after: norm, fired };
  let s = 0;
  for (const g of grads) {
    const values = readInPlace(g);
    for (let i = 0; i < values.length; i++) values[i] = values[i] * scale;
    s = addSquares(s, values);
  }
  return { after: fround(Math.sqrt(s)), fired };
}

/**
 * The float64 sum of squares of a weight's entries, as the update that made its value summed them, while the
 * variable still holds that value (its dataId is the one recorded).
 */
const knownSquares = new WeakMap<tf.Tensor, { dataId: object; squares: number }>();

/** `sumOfSquares` of a weight: recorded by the update that made it, else summed now. */
function squaresOf(w: tf.Tensor): number {
  const known = knownSquares.get(w);
  return known && known.dataId === w.dataId ? known.squares : sumOfSquares(readInPlace(w));
}

/**
 * W <- W + (-learningRate) g, as tf.train.sgd computes it, into new memory that the variable then takes.
 * (Not in place: the wasm backend keeps each weight tensor's matrix packed for its products, and would not
 * see a change made behind its back.)
 */
function sgdUpdate(scope: KernelScope, v: tf.Variable, g: tf.TensorInfo, minusRate: tf.Scalar): void {
  assignNew(scope, v, scope.run('Add', { a: scope.run('Multiply', { a: minusRate, b: g }), b: v }));
}

/** The variable takes `next` (an output of the scope) as its value. */
function assignNew(scope: KernelScope, v: tf.Variable, next: tf.TensorInfo): void {
  const tensor = scope.toTensor(next);
  v.assign(tensor);
  tensor.dispose();
}

/** Every model's weights take the values `update` computes from the gradients (and, on wasm, their sums of squares). */
function applyUpdate(scope: KernelScope, models: KernelModel[], grads: tf.TensorInfo[][], update: KernelUpdate): void {
  const squares = models.map((m) => new Float64Array(m.net.weights.length));
  const weights = models.map((m) => m.net.weights.map((v) => ({ dataId: v.dataId, shape: v.shape, dtype: v.dtype }) as tf.TensorInfo));
  const next = update.step(scope, weights, grads, squares);
  models.forEach((m, k) =>
    m.net.weights.forEach((v, i) => {
      assignNew(scope, v, next[k][i]);
      if (scope.onWasm) knownSquares.set(v, { dataId: v.dataId, squares: squares[k][i] });
    }),
  );
}

/**
 * Runs the step up to the host transfer; `apply` then makes each model's update. Call inside tf.tidy (the
 * loss's tensors are ordinary ones). The host numbers go into `reuse` when it has the right length (the
 * previous step's array, read by then).
 */
export function kernelSgdStep(models: KernelModel[], xb: tf.Tensor, yb: tf.Tensor, loss: StepLoss, constants: KernelConstants, rate: SgdRate, batchGradients: boolean, reuse: Float32Array): KernelStep {
  const scope = new KernelScope();
  try {
    const passes = models.map((m) => m.net.forward(scope, xb, constants));
    const { losses, accuracies, outputGrads, kept } = lossesOf(scope, passes.map((p) => p.y), yb, loss);
    if (kept) scope.keepUntilDisposed(kept);
    const norms: (tf.TensorInfo | number)[] = [];
    const after: (tf.TensorInfo | number)[] = [];
    const fired: number[] = [];
    const grads: tf.TensorInfo[][] = [];
    const known: KnownSums[] = [];
    if (rate.clipGlobalNorm !== undefined && !scope.onWasm) throw new Error('kernelSgdStep: clipGlobalNorm is given; allowed only on wasm (see kernelClipping)');
    models.forEach((m, k) => {
      const g = passes[k].backward(outputGrads[k]);
      grads.push(g);
      const inOrder = m.order.map((i) => g[i]);
      if (scope.onWasm) {
        const onHost = normOnHost(inOrder, batchGradients);
        norms.push(onHost.norm);
        if (onHost.sums) known.push({ sums: onHost.sums, weightSquares: m.selected().map(squaresOf) });
        const clipped = rate.clipGlobalNorm === undefined ? { after: onHost.norm, fired: 0 } : clipOnHost(inOrder, onHost.norm, rate.clipGlobalNorm);
        after.push(clipped.after);
        fired.push(clipped.fired);
        return;
      }
      // ||all gradients||, as clipping.ts's globalNorm: sqrt(sum(square(concat of the flat gradients))).
      const all = scope.run('Concat', inOrder.map(flat), { axis: 0 });
      norms.push(scope.run('Sqrt', { x: scope.run('Sum', { x: scope.run('Square', { x: all }) }, { axis: null, keepDims: false }) }));
      after.push(norms[k]);
      fired.push(0);
    });
    const parts = [...losses, ...accuracies, ...norms, ...after, ...fired];
    if (batchGradients && !known.length) models.forEach((m, k) => parts.push(...m.order.map((i) => grads[k][i]), ...m.selected()));
    const host = readAll(parts, reuse);
    return {
      host,
      known: known.length ? known : null,
      apply() {
        if (rate.update) return applyUpdate(scope, models, grads, rate.update);
        models.forEach((m, k) => {
          if (!scope.onWasm) return m.net.weights.forEach((v, i) => sgdUpdate(scope, v, grads[k][i], rate.minus));
          // All weights of the model in one pass (fused-kernels.ts's sgdUpdate, the same numbers), which
          // also sums the squares of the new weights for the next step's probe.
          const squares = new Float64Array(m.net.weights.length);
          const next = scope.own(sgdUpdateOnWasm(scope.kernelBackend, m.net.weights, grads[k], rate.learningRate, squares));
          m.net.weights.forEach((v, i) => {
            assignNew(scope, v, next[i]);
            knownSquares.set(v, { dataId: v.dataId, squares: squares[i] });
          });
        });
      },
      dispose: () => scope.dispose(),
    };
  } catch (error) {
    scope.dispose();
    throw error;
  }
}
