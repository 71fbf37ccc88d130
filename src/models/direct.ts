/**
 * The forward pass the training loop uses: the model computed directly (one operation with a hand-written
 * backward pass, direct-mlp.ts and direct-recurrent.ts) when the model is one of gradscope's `mlp` or
 * `recurrent` shapes that path covers, otherwise the layers API's own `model.apply`. Both give the same
 * numbers to float32 rounding; the direct one takes far fewer operations per step.
 *
 * Set the environment variable GRADSCOPE_DIRECT=0 to always use the layers path (for comparison).
 */
import * as tf from '@tensorflow/tfjs';
import { directMlp } from './direct-mlp';
import { directRecurrent } from './direct-recurrent';

/** The training-mode forward pass computed directly, or null when only the layers path covers the model. */
export function directForward(model: tf.LayersModel): ((x: tf.Tensor) => tf.Tensor) | null {
  if (process.env.GRADSCOPE_DIRECT === '0') return null;
  return directMlp(model) ?? directRecurrent(model);
}

/**
 * The training-mode forward pass of `model`: direct when covered, else `model.apply(x, { training: true })`.
 *
 * @example
 *   const forward = trainingForward(model);
 *   const { value, grads } = tf.variableGrads(() => lossFn(y, forward(x)), trainableVariables(model));
 */
export function trainingForward(model: tf.LayersModel): (x: tf.Tensor) => tf.Tensor {
  return directForward(model) ?? ((x: tf.Tensor) => model.apply(x, { training: true }) as tf.Tensor);
}
