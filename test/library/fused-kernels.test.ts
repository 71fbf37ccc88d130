/**
 * The one-kernel operations of src/models/fused-kernels.ts give the same numbers, to the last bit, as the
 * chains of TensorFlow.js operations they replace, on wasm (the backend that has the kernels), with NaN,
 * infinities, zeros and values far below float32's normal range among the inputs; on cpu the chains run.
 */
import * as tf from '@tensorflow/tfjs';
import { ready } from '../../src/core/backend';
import { differing } from '../support/bits';
import { onBackend } from '../support/kernel-runs';
import { denseBackward, globalNormOf, sgdUpdate } from '../../src/models/fused-kernels';

beforeAll(async () => {
  await ready({ quiet: true });
});


/** A [rows, cols] tensor of varied values, with a few special ones mixed in. */
function varied(rows: number, cols: number, seed: number, scale = 1): tf.Tensor2D {
  return tf.tidy(() => {
    const values = tf.randomNormal([rows, cols], 0, scale, 'float32', seed).dataSync().slice();
    const special = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -3e-39, 1e30];
    special.forEach((v, i) => (values[(i * 37 + seed) % values.length] = v));
    return tf.tensor2d(values, [rows, cols]);
  });
}

const BACKENDS = ['wasm', 'cpu'];

describe.each(BACKENDS)('on %s', (backend) => {
  onBackend(backend);

  test('the kernels run on wasm only (on wasm, else this file tests nothing new)', () => {
    tf.tidy(() => {
      const x = varied(4, 3, 1);
      denseBackward('sigmoid', x, x, x);
      sgdUpdate([x], [x], 0.1);
      globalNormOf([x]);
    });
    for (const name of ['GradscopeDenseBackward', 'GradscopeSgdUpdate', 'GradscopeGlobalNorm']) {
      expect(tf.getKernel(name, backend) !== undefined).toBe(backend === 'wasm');
    }
  });

  test.each(['sigmoid', 'tanh', 'relu', 'linear'] as const)('denseBackward %s equals the chain of operations and its column sum', (activation) => {
    tf.tidy(() => {
      const da = varied(128, 64, 1);
      const u = varied(128, 64, 2, 3);
      const a = activation === 'sigmoid' ? tf.sigmoid(u) : activation === 'tanh' ? tf.tanh(u) : activation === 'relu' ? tf.relu(u) : u;
      const chain =
        activation === 'sigmoid' ? tf.mul(da, tf.mul(a, tf.sub(1, a)))
          : activation === 'tanh' ? tf.mul(da, tf.sub(1, tf.square(a)))
            : activation === 'relu' ? tf.mul(da, tf.step(u))
              : da;
      const { dz, db } = denseBackward(activation, da, u, a);
      expect(differing(dz, chain)).toBe(0);
      expect(differing(db, tf.sum(chain, 0))).toBe(0);
    });
  });

  test('sgdUpdate equals tf.train.sgd\'s w + (-lr) g for every weight', () => {
    tf.tidy(() => {
      const weights = [varied(64, 64, 3), varied(1, 64, 4).reshape([64]), varied(64, 1, 5)];
      const grads = [varied(64, 64, 6, 1e-3), varied(1, 64, 7).reshape([64]), varied(64, 1, 8, 1e3)];
      const fused = sgdUpdate(weights, grads, 0.1);
      const c = tf.scalar(-0.1);
      weights.forEach((w, i) => expect(differing(fused[i], tf.add(tf.mul(c, grads[i]), w))).toBe(0));
    });
  });

  test('globalNormOf equals the norm of all entries laid end to end, over 80 000 entries', () => {
    tf.tidy(() => {
      const tensors = Array.from({ length: 20 }, (_, i) => tf.randomNormal([64, 64], 0, 10 ** -(i % 7), 'float32', 10 + i));
      tensors.push(tf.tensor1d([1e-30, 3e-20, -2]));
      const chain = tf.sqrt(tf.sum(tf.square(tf.concat(tensors.map((t) => t.reshape([-1]))))));
      expect(differing(globalNormOf(tensors), chain)).toBe(0);
      expect(globalNormOf([tf.tensor1d([3]), tf.tensor2d([[4]])]).dataSync()[0]).toBe(5);
      expect(Number.isNaN(globalNormOf([tf.tensor1d([1, NaN])]).dataSync()[0])).toBe(true);
    });
  });

  test('no tensor is left behind', () => {
    const before = tf.memory().numTensors;
    const w = tf.ones([4, 4]);
    const g = tf.ones([4, 4]);
    tf.tidy(() => {
      denseBackward('sigmoid', g, w, w);
      sgdUpdate([w], [g], 0.5);
      globalNormOf([w, g]);
    });
    tf.dispose([w, g]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
