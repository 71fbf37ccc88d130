/**
 * What every kind of recurrent layer on the direct training path shares: its weights, and the forward and
 * backward pass it provides (direct-recurrent.ts for the simple RNN and LSTM, direct-gru.ts for the GRU).
 */
import * as tf from '@tensorflow/tfjs';
import type { WeightHandle } from './direct-ops';

/** A recurrent layer's weights: input kernel W, recurrent kernel U, bias b. */
export interface Recurrent {
  kernel: WeightHandle;
  recurrentKernel: WeightHandle;
  bias: WeightHandle;
}

/**
 * One kind of recurrent layer computed directly: its forward pass (the states h_t, time-major, and the
 * tensors its backward pass needs, as a list of `savedCount` for customGrad's save) and its backward pass
 * (given dLoss/dh_t per step, undefined where none arrives from outside the layer: the weight gradients
 * [dW, dU, db] and, when asked, the flat dLoss/dx [T*batch, in]).
 */
export interface LayerPath {
  savedCount: number;
  forward(w: Recurrent, inputs: tf.Tensor2D, steps: number): { states: tf.Tensor2D[]; saved: tf.Tensor[] };
  backward(w: Recurrent, saved: tf.Tensor[], incoming: (tf.Tensor2D | undefined)[], steps: number, wantInputs: boolean): { grads: tf.Tensor[]; dInputs?: tf.Tensor2D };
}
