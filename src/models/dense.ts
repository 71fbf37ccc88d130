/**
 * A fully connected layer, z = x W + b: tfjs's own Dense layer with a faster backward pass on wasm.
 *
 * Backpropagation through z = x W needs two more matrix products:
 *   dLoss/dx = dLoss/dz W^T     and     dLoss/dW = x^T dLoss/dz.
 * TensorFlow.js computes them with matMul's transpose flags, which take a slow path on the wasm backend
 * (several times slower than transposing first). This layer transposes explicitly instead. The numbers
 * are the same products; only the order of the work differs. On other backends, or for inputs that are
 * not plain [batch, features] matrices, it is exactly tfjs's Dense.
 *
 * It reports itself as 'Dense', so a saved model loads anywhere as an ordinary tfjs Dense layer.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dense } from '@tensorflow/tfjs-layers/dist/layers/core';

type DenseArgs = Parameters<typeof tf.layers.dense>[0];
const DenseBase = tf.layers.dense({ units: 1 }).constructor as typeof Dense;

/** x W with the backward products written as plain matMuls of explicit transposes. */
const matMulExplicit = tf.customGrad(((...args: unknown[]) => {
  const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dz: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as tf.Tensor2D[];
      return [tf.matMul(dz, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dz)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

export class DenseLayer extends DenseBase {
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const self = this as unknown as { kernel: { read(): tf.Tensor }; bias?: { read(): tf.Tensor } | null; activation: { getClassName(): string } };
    if (input.rank !== 2 || tf.getBackend() !== 'wasm' || self.activation.getClassName() !== 'linear') {
      return super.call(inputs, kwargs);
    }
    return tf.tidy(() => {
      const z = matMulExplicit(input, self.kernel.read()) as tf.Tensor;
      return self.bias ? tf.add(z, self.bias.read()) : z;
    });
  }
}

/**
 * A Dense layer (tfjs's, with the faster wasm backward pass); takes the same options as tf.layers.dense.
 *
 * @example
 *   const hidden = denseLayer({ units: 64, name: 'hidden' }).apply(input);
 */
export function denseLayer(args: DenseArgs): tf.layers.Layer {
  return new DenseLayer(args);
}
