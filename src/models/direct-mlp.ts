/**
 * An `mlp` computed directly: the same forward pass as its layers, on the model's own weight variables, as
 * one operation whose backward pass is written out (backpropagation by hand) instead of recorded op by op.
 *
 * Why: a training step of a small network is hundreds of tiny operations, and the layers API adds a fixed
 * cost to every one (symbolic graph walk, per-layer bookkeeping, one gradient-tape entry per operation). Here
 * the whole network is one entry on the tape. The numbers are the same products and sums, so results agree
 * with `model.apply` to float32 rounding.
 *
 * Forward, hidden layer l (h_0 = x):
 *   z_l = h_{l-1} W_l + b_l
 *   u_l = BN(z_l)            when batch norm is 'before' the activation, else u_l = z_l
 *   a_l = f(u_l), then BN(a_l) when batch norm is 'after'
 *   h_l = skip(h_{l-1}) + s a_l  for residual layers after the first, else h_l = a_l
 * output y = h_L W_out + b_out.
 * Backward, from g = dLoss/dy: dW_out = h_L^T g, db_out = sum over the batch of g, dh_L = g W_out^T; then for
 * each layer, from the top: the branch gets s dh (the skip passes dh on unchanged, or through K^T), the
 * activation multiplies by f'(u), batch norm by its own Jacobian, and dW_l = h_{l-1}^T dz_l,
 * db_l = sum of dz_l, dh_{l-1} = dz_l W_l^T.
 *
 * Batch norm in training mode (as the layer): mean m and biased variance v over the batch,
 * x_hat = (z - m) / sqrt(v + eps), out = gamma x_hat + beta, and the running statistics move
 * r <- r - (r - batch value)(1 - momentum). Its backward pass:
 *   dgamma = sum(dout x_hat), dbeta = sum(dout), dx_hat = dout gamma,
 *   dz = (dx_hat - mean(dx_hat) - x_hat mean(dx_hat x_hat)) / sqrt(v + eps).
 */
import * as tf from '@tensorflow/tfjs';
import { modelInfo } from './info';
import { DIRECT_ACTIVATIONS, DirectActivation, WeightHandle, activate, activationBackward, layerNamed, matMulAT, matMulBT, weightOf } from './direct-ops';
import { positionName } from './info';
import { DENSE_BACKWARD_ACTIVATIONS, DenseBackwardActivation, denseBackward } from './fused-kernels';

interface Norm {
  gamma: WeightHandle;
  beta: WeightHandle;
  movingMean: WeightHandle;
  movingVariance: WeightHandle;
  epsilon: number;
  momentum: number;
}

interface Hidden {
  kernel: WeightHandle;
  bias: WeightHandle;
  norm?: Norm;
  /** Residual layers: the skip's projection kernel (undefined for an identity skip). */
  residual: boolean;
  skip?: WeightHandle;
}

/** What the forward pass keeps for the backward pass, per layer. */
interface Saved {
  input: tf.Tensor2D;
  /** Input of the activation, and its output. */
  u: tf.Tensor;
  a: tf.Tensor;
  /** Batch-norm intermediates: x_hat and 1/sqrt(v + eps). */
  xHat?: tf.Tensor;
  rstd?: tf.Tensor;
}

function normOf(layer: tf.layers.Layer | undefined): Norm | undefined {
  if (!layer) return undefined;
  const config = layer.getConfig() as { epsilon: number; momentum: number; center?: boolean; scale?: boolean };
  const parts = ['gamma', 'beta', 'movingMean', 'movingVariance'].map((f) => weightOf(layer, f));
  if (parts.some((p) => !p) || config.center === false || config.scale === false) return undefined;
  const [gamma, beta, movingMean, movingVariance] = parts as WeightHandle[];
  return { gamma, beta, movingMean, movingVariance, epsilon: config.epsilon, momentum: config.momentum };
}

/** Batch norm forward in training mode; updates the running statistics. */
function normForward(n: Norm, z: tf.Tensor): { out: tf.Tensor; xHat: tf.Tensor; rstd: tf.Tensor } {
  const { mean, variance } = tf.moments(z, [0]);
  const out = tf.batchNorm(z, mean, variance, n.beta.read(), n.gamma.read(), n.epsilon);
  const decay = 1 - n.momentum;
  for (const [w, value] of [[n.movingMean, mean], [n.movingVariance, variance]] as const) {
    const old = w.read();
    w.write(tf.sub(old, tf.mul(tf.sub(old, value), decay)));
  }
  const rstd = tf.rsqrt(tf.add(variance, n.epsilon));
  return { out, xHat: tf.mul(tf.sub(z, mean), rstd), rstd };
}

/** Batch norm backward: dz and the gradients of gamma and beta. */
function normBackward(n: Norm, dout: tf.Tensor, xHat: tf.Tensor, rstd: tf.Tensor): { dz: tf.Tensor; dGamma: tf.Tensor; dBeta: tf.Tensor } {
  const dGamma = tf.sum(tf.mul(dout, xHat), 0);
  const dBeta = tf.sum(dout, 0);
  const dxHat = tf.mul(dout, n.gamma.read());
  const dz = tf.mul(tf.sub(tf.sub(dxHat, tf.mean(dxHat, 0)), tf.mul(xHat, tf.mean(tf.mul(dxHat, xHat), 0))), rstd);
  return { dz, dGamma, dBeta };
}

/**
 * The activations computed inside the matrix product (tf.fused.matMul: h W + b and f in one operation) and
 * their name there. Each one's slope can be read off its output a alone, as activationBackward reads it off
 * u: relu and leakyRelu (alpha >= 0) have a > 0 exactly where u > 0, and sigmoid and elu use a. tanh has no
 * fused form on the wasm backend.
 */
function fusedActivation(name: DirectActivation, alpha: number): 'sigmoid' | 'relu' | 'leakyrelu' | 'elu' | 'linear' | undefined {
  if (name === 'leakyRelu') return alpha >= 0 ? 'leakyrelu' : undefined;
  return name === 'tanh' ? undefined : name;
}

/**
 * f(h W + b) as one kernel. tf.fused.matMul would split it back into three operations whenever gradients
 * are being recorded (it cannot differentiate through every fused activation); here the gradient is the
 * hand-written one, so the kernel is called directly.
 */
function fusedLayer(h: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor, activation: string, alpha: number): tf.Tensor {
  // The kernel takes batches of matrices (rank 3), as tf.fused.matMul passes them.
  const [a3, b3] = [h.reshape([1, ...h.shape]), kernel.reshape([1, ...kernel.shape])];
  const out = tf.engine().runKernel('_FusedMatMul', { a: a3, b: b3, bias }, { transposeA: false, transposeB: false, activation, leakyreluAlpha: alpha }) as tf.Tensor;
  return out.reshape([h.shape[0], kernel.shape[1]]);
}

/**
 * The training-mode forward pass of a model built by `mlp`, as one operation with a hand-written backward
 * pass, or null when the model is not one this path covers (not from `mlp`, an activation without a written
 * slope, a frozen layer, or layers changed since it was built).
 *
 * @example
 *   const forward = directMlp(model);        // null -> use model.apply
 *   const { value, grads } = tf.variableGrads(() => lossFn(y, forward!(x)), trainableVariables(model));
 */
export function directMlp(model: tf.LayersModel): ((x: tf.Tensor) => tf.Tensor) | null {
  const info = modelInfo(model);
  if (info.kind !== 'mlp' || !info.options) return null;
  const o = info.options as { depth: number; activation: string; batchNorm: 'before' | 'after' | false; residual: boolean; residualScale: number; leakyReluAlpha: number };
  if (!(DIRECT_ACTIVATIONS as readonly string[]).includes(o.activation)) return null;
  const activation = o.activation as DirectActivation;
  const alpha = o.leakyReluAlpha;
  const depth = o.depth;
  const hidden: Hidden[] = [];
  for (let l = 1; l <= depth; l++) {
    const dense = layerNamed(model, positionName('dense', l, depth));
    const kernel = weightOf(dense, 'kernel');
    const bias = weightOf(dense, 'bias');
    if (!kernel || !bias) return null;
    const norm = o.batchNorm ? normOf(layerNamed(model, positionName('batchnorm', l, depth))) : undefined;
    if (o.batchNorm && !norm) return null;
    const residual = o.residual && l >= 2;
    const skipLayer = residual ? layerNamed(model, positionName('skip', l, depth)) : undefined;
    hidden.push({ kernel, bias, norm, residual, skip: skipLayer ? weightOf(skipLayer, 'kernel') : undefined });
  }
  const outLayer = layerNamed(model, 'output');
  const outKernel = weightOf(outLayer, 'kernel');
  const outBias = weightOf(outLayer, 'bias');
  if (!outKernel || !outBias) return null;
  // Weights in the order the operation takes them (and returns their gradients).
  const handles: WeightHandle[] = [];
  for (const h of hidden) {
    handles.push(h.kernel, h.bias);
    if (h.norm) handles.push(h.norm.gamma, h.norm.beta);
    if (h.skip) handles.push(h.skip);
  }
  handles.push(outKernel, outBias);
  if (handles.some((w) => !w.trainable) || model.layers.some((l) => l.weights.length > 0 && !l.trainable)) return null;
  const scale = o.residualScale;
  const fused = fusedActivation(activation, alpha);
  // Activations whose slope and bias gradient one kernel computes (fused-kernels.ts).
  const slopeKernel = (DENSE_BACKWARD_ACTIVATIONS as readonly string[]).includes(activation) ? (activation as DenseBackwardActivation) : undefined;
  let input: tf.Tensor2D;
  // What the forward pass keeps for the backward pass stays in this closure (tf.customGrad's save would copy
  // every tensor with one operation apiece); it is freed when the backward pass has run, or at the next
  // forward pass if none did.
  let kept: tf.Tensor[] = [];
  const release = () => {
    tf.dispose(kept);
    kept = [];
  };

  const forwardAndBackward = tf.customGrad(((...args: unknown[]) => {
    release();
    let h = input;
    const saved: Saved[] = [];
    for (const layer of hidden) {
      let s: Saved;
      if (fused && !(layer.norm && o.batchNorm === 'before')) {
        // One operation for f(h W + b); the slope is read off a (see FUSED), so u need not be kept apart.
        const a = fusedLayer(h, layer.kernel.read() as tf.Tensor2D, layer.bias.read(), fused, alpha);
        s = { input: h, u: a, a };
      } else {
        const z = tf.add(tf.matMul(h, layer.kernel.read()), layer.bias.read());
        s = { input: h, u: z, a: z };
        if (layer.norm && o.batchNorm === 'before') {
          const n = normForward(layer.norm, z);
          Object.assign(s, { u: n.out, xHat: n.xHat, rstd: n.rstd });
        }
        s.a = activate(activation, s.u, alpha);
      }
      let out = s.a;
      if (layer.norm && o.batchNorm === 'after') {
        const n = normForward(layer.norm, s.a);
        Object.assign(s, { xHat: n.xHat, rstd: n.rstd });
        out = n.out;
      }
      if (layer.residual) {
        const skip = layer.skip ? tf.matMul(h, layer.skip.read()) : h;
        out = tf.add(skip, scale === 1 ? out : tf.mul(out, scale));
      }
      saved.push(s);
      h = out as tf.Tensor2D;
    }
    const y = fusedLayer(h, outKernel.read() as tf.Tensor2D, outBias.read(), 'linear', 0);
    const last = h;
    const records = [...saved.flatMap((r) => [r.input, r.u, r.a, r.xHat, r.rstd]), last].filter((t): t is tf.Tensor => t !== undefined && t !== input);
    records.forEach((t) => tf.keep(t));
    kept = records;
    return {
      value: y,
      gradFunc: (g: tf.Tensor2D) => {
        const grads: tf.Tensor[] = [];
        grads.push(matMulAT(last, g), tf.sum(g, 0));
        let dh = matMulBT(g, outKernel.read());
        for (let l = hidden.length - 1; l >= 0; l--) {
          const layer = hidden[l];
          const s = saved[l];
          const layerGrads: tf.Tensor[] = [];
          let dOut: tf.Tensor = dh;
          let dSkip: tf.Tensor | undefined;
          if (layer.residual) {
            dSkip = dh;
            dOut = scale === 1 ? dh : tf.mul(dh, scale);
          }
          let dNormGamma: tf.Tensor | undefined;
          let dNormBeta: tf.Tensor | undefined;
          if (layer.norm && o.batchNorm === 'after') {
            const b = normBackward(layer.norm, dOut, s.xHat!, s.rstd!);
            [dOut, dNormGamma, dNormBeta] = [b.dz, b.dGamma, b.dBeta];
          }
          let dz: tf.Tensor;
          // The bias gradient comes with dz from one kernel, unless batch norm sits between them.
          let dBias: tf.Tensor | undefined;
          if (slopeKernel && !(layer.norm && o.batchNorm === 'before')) ({ dz, db: dBias } = denseBackward(slopeKernel, dOut, s.u, s.a));
          else dz = activationBackward(activation, dOut, s.u, s.a, alpha);
          if (layer.norm && o.batchNorm === 'before') {
            const b = normBackward(layer.norm, dz, s.xHat!, s.rstd!);
            [dz, dNormGamma, dNormBeta] = [b.dz, b.dGamma, b.dBeta];
          }
          layerGrads.push(matMulAT(s.input, dz as tf.Tensor2D), dBias ?? tf.sum(dz, 0));
          if (layer.norm) layerGrads.push(dNormGamma!, dNormBeta!);
          if (l > 0) {
            dh = matMulBT(dz as tf.Tensor2D, layer.kernel.read());
            if (dSkip) dh = tf.add(dh, layer.skip ? matMulBT(dSkip as tf.Tensor2D, layer.skip.read()) : dSkip);
          }
          if (layer.skip) layerGrads.push(matMulAT(s.input, dSkip as tf.Tensor2D));
          grads.unshift(...layerGrads);
        }
        if (kept === records) release();
        return grads;
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);

  return (x: tf.Tensor) => {
    input = x as tf.Tensor2D;
    return (forwardAndBackward as unknown as (...w: tf.Tensor[]) => tf.Tensor)(...handles.map((w) => w.read()));
  };
}
