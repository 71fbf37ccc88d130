/**
 * Optimizers: how a gradient g becomes a change of the weights w.
 *
 *   - 'sgd':      w <- w - lr * g
 *   - 'momentum': v <- mu * v + g;  w <- w - lr * v              (mu = `momentum`, default 0.9; as PyTorch's SGD)
 *   - 'rmsprop':  s <- rho * s + (1 - rho) * g^2;  w <- w - lr * g / sqrt(s + eps)
 *                 (rho 0.99 and eps 1e-8, PyTorch's defaults)
 *   - 'adam':     m <- b1 m + (1 - b1) g;  s <- b2 s + (1 - b2) g^2;  w <- w - lr * m_hat / (sqrt(s_hat) + eps)
 *                 (b1 0.9, b2 0.999, eps 1e-8; m_hat, s_hat correct the start-up bias) (Kingma & Ba 2015)
 *
 * rmsprop and adam divide by a running size of the gradient, so a layer with tiny gradients still moves:
 * they hide vanishing gradients from the update size, though not from the direction's noise.
 *
 * A step taken kernel by kernel (kernel-step.ts) applies the same updates without the engine
 * (kernel-optimizers.ts), number for number those of the optimizers made here.
 */
import * as tf from '@tensorflow/tfjs';
import { sgdUpdate } from '../models/fused-kernels';

export const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Adam's settings: the decay of the running mean (b1) and of the running mean square (b2), and epsilon. */
export const ADAM: Readonly<{ beta1: number; beta2: number; epsilon: number }> = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
/** RMSProp's settings: the decay of the running mean square (rho) and epsilon. */
export const RMSPROP: Readonly<{ rho: number; epsilon: number }> = { rho: 0.99, epsilon: 1e-8 };

/** The default learning rate of each optimizer. */
export const DEFAULT_LEARNING_RATE: Record<OptimizerName, number> = { sgd: 0.1, momentum: 0.01, adam: 0.001, rmsprop: 0.001 };

/**
 * A fresh tfjs optimizer (dispose it when done: it holds its running averages as tensors, and
 * `dispose()` frees every one of them).
 */
export function makeOptimizer(name: OptimizerName, learningRate: number, momentum = 0.9): tf.Optimizer {
  switch (name) {
    case 'sgd':
      return new FusedSgd(learningRate);
    case 'momentum':
      return disposingLearningRate(tf.train.momentum(learningRate, momentum));
    case 'adam':
      return tf.train.adam(learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate, RMSPROP.rho, 0, RMSPROP.epsilon);
  }
}

/**
 * tfjs's MomentumOptimizer keeps -learningRate as a scalar tensor (`c`, from its SGD parent) but its
 * `dispose()` frees only the velocities and the momentum scalar, so every momentum run would leave one
 * tensor behind. This makes `dispose()` free that scalar too.
 */
function disposingLearningRate(optimizer: tf.MomentumOptimizer): tf.MomentumOptimizer {
  const own = optimizer.dispose.bind(optimizer);
  optimizer.dispose = () => {
    own();
    const scalar = (optimizer as unknown as { c?: tf.Tensor }).c;
    if (scalar && !scalar.isDisposed) scalar.dispose();
  };
  return optimizer;
}

/**
 * tf.train.sgd with the update of all weights as one operation (`sgdUpdate`) instead of two per weight
 * tensor; the new weights are the same numbers to the last bit.
 */
class FusedSgd extends tf.SGDOptimizer {
  applyGradients(variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    const pairs = Array.isArray(variableGradients) ? variableGradients.map((v) => [v.name, v.tensor] as const) : Object.entries(variableGradients);
    const given = pairs.filter(([, g]) => g != null);
    const variables = given.map(([name]) => tf.engine().registeredVariables[name]);
    tf.tidy(() => {
      const next = sgdUpdate(variables, given.map(([, g]) => g), this.learningRate);
      variables.forEach((v, i) => v.assign(next[i]));
    });
    this.incrementIterations();
  }
}
