/**
 * Small building blocks shared by the directly computed models (direct-mlp.ts, direct-recurrent.ts): matrix
 * products with one side transposed, activation slopes, and access to a layer's weight variables.
 *
 * Backpropagation through z = x W needs dLoss/dx = dLoss/dz W^T and dLoss/dW = x^T dLoss/dz. On the wasm
 * backend matMul's transpose flags take a slow path (several times slower than transposing first), so there
 * the transpose is made explicit; elsewhere the flags are used.
 */
import * as tf from '@tensorflow/tfjs';

/** a^T b. */
export function matMulAT(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  const [a2, b2] = [a as tf.Tensor2D, b as tf.Tensor2D];
  return tf.getBackend() === 'wasm' ? tf.matMul(tf.transpose(a2), b2) : tf.matMul(a2, b2, true, false);
}

/** a b^T. */
export function matMulBT(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  const [a2, b2] = [a as tf.Tensor2D, b as tf.Tensor2D];
  return tf.getBackend() === 'wasm' ? tf.matMul(a2, tf.transpose(b2)) : tf.matMul(a2, b2, false, true);
}

/** Activations whose slope f'(z) the direct path writes out; others use the layers path. */
export const DIRECT_ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'linear'] as const;
export type DirectActivation = (typeof DIRECT_ACTIVATIONS)[number];

/** a = f(z), with the same TensorFlow.js operation the layers use. */
export function activate(name: DirectActivation, z: tf.Tensor, alpha: number): tf.Tensor {
  switch (name) {
    case 'sigmoid':
      return tf.sigmoid(z);
    case 'tanh':
      return tf.tanh(z);
    case 'relu':
      return tf.relu(z);
    case 'leakyRelu':
      return tf.leakyRelu(z, alpha);
    case 'elu':
      return tf.elu(z);
    case 'linear':
      return z;
  }
}

/**
 * dLoss/dz = dLoss/da * f'(z), from z and a = f(z), as TensorFlow.js's own gradients compute it:
 * sigmoid a(1 - a); tanh 1 - a^2; relu 1 where z > 0, else 0; leakyRelu 1 where z > 0, else alpha;
 * elu 1 where a > 0, else a + 1; linear 1.
 */
export function activationBackward(name: DirectActivation, da: tf.Tensor, z: tf.Tensor, a: tf.Tensor, alpha: number): tf.Tensor {
  switch (name) {
    case 'sigmoid':
      return tf.mul(da, tf.mul(a, tf.sub(1, a)));
    case 'tanh':
      return tf.mul(da, tf.sub(1, tf.square(a)));
    case 'relu':
      return tf.mul(da, tf.step(z));
    case 'leakyRelu':
      return tf.where(tf.greater(z, 0), da, tf.mul(da, alpha));
    case 'elu':
      return tf.where(tf.greater(a, 0), da, tf.mul(da, tf.add(a, 1)));
    case 'linear':
      return da;
  }
}

/** A tfjs-layers weight: `.read()` gives the tf.Variable itself (so gradients reach it). */
export interface WeightHandle {
  read(): tf.Variable;
  write(value: tf.Tensor): void;
  trainable: boolean;
}

/** The named weight of a layer (e.g. 'kernel', 'bias', 'gamma'), or undefined. */
export function weightOf(layer: tf.layers.Layer | undefined, field: string): WeightHandle | undefined {
  return layer ? ((layer as unknown as Record<string, WeightHandle | null | undefined>)[field] ?? undefined) : undefined;
}

/** The layer named `name`, or undefined. */
export function layerNamed(model: tf.LayersModel, name: string): tf.layers.Layer | undefined {
  return model.layers.find((l) => l.name === name);
}
