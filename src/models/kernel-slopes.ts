/**
 * The backward step through an activation, dLoss/du = dLoss/da * f'(u), kernel by kernel, shared by the
 * kernel-by-kernel passes (kernel-mlp.ts, kernel-batchnorm.ts), with the kernels direct-ops.ts's
 * activationBackward uses:
 *
 *   sigmoid    da * (a (1 - a))
 *   tanh       da * (1 - a^2)
 *   relu       da * step(u)                     (1 where u > 0)
 *   leakyRelu  da where u > 0, else alpha da
 *   elu        da where a > 0, else da (a + 1)  (a + 1 = e^u below 0)
 *   linear     da
 *
 * u is the activation's input and a = f(u) its output. A pass that keeps only a passes it for both: for relu
 * and leakyRelu, a > 0 exactly where u > 0.
 */
import * as tf from '@tensorflow/tfjs';
import type { DirectActivation } from './direct-ops';

/** What runs the kernels: a kernel-by-kernel pass's scope. */
export interface KernelRunner {
  run(name: string, inputs: tf.NamedTensorInfoMap, attrs?: Record<string, unknown>): tf.TensorInfo;
}

/** The scalars the slopes use: 1, 0 and leakyRelu's alpha. */
export interface SlopeConstants {
  one: tf.TensorInfo;
  zero: tf.TensorInfo;
  alpha: tf.TensorInfo;
}

/** dLoss/du from dLoss/da for activation `name`, reading the slope off u and a as the table above says. */
export function slopeTimes(scope: KernelRunner, name: DirectActivation, da: tf.TensorInfo, u: tf.TensorInfo, a: tf.TensorInfo, c: SlopeConstants): tf.TensorInfo {
  switch (name) {
    case 'sigmoid':
      return scope.run('Multiply', { a: da, b: scope.run('Multiply', { a, b: scope.run('Sub', { a: c.one, b: a }) }) });
    case 'tanh':
      return scope.run('Multiply', { a: da, b: scope.run('Sub', { a: c.one, b: scope.run('Square', { x: a }) }) });
    case 'relu':
      return scope.run('Multiply', { a: da, b: scope.run('Step', { x: u }, { alpha: 0 }) });
    case 'leakyRelu':
      return scope.run('Select', { condition: scope.run('Greater', { a: u, b: c.zero }), t: da, e: scope.run('Multiply', { a: da, b: c.alpha }) });
    case 'elu':
      return scope.run('Select', { condition: scope.run('Greater', { a, b: c.zero }), t: da, e: scope.run('Multiply', { a: da, b: scope.run('Add', { a, b: c.one }) }) });
    default:
      return da;
  }
}
