/**
 * Loss and accuracy of a model on a whole dataset, without training (batch normalization uses its
 * running statistics, as at test time).
 */
import * as tf from '@tensorflow/tfjs';
import { assertReady } from '../core/backend';
import { checkKeys, checkOneOf } from '../core/check';
import { DataLike, toTensors } from '../core/data';
import { checkData, checkModel, checkShapes } from '../core/model-checks';
import { LOSSES, LossName, accuracyTensor, outputActivation, resolveLoss } from '../core/losses';

/** What `evaluate` measured. */
export interface Evaluation {
  loss: number;
  lossName: LossName;
  /** Share of examples classified correctly (null for regression). */
  accuracy: number | null;
  examples: number;
}

/**
 * Loss and accuracy of `model` on all of `data`.
 *
 * @example
 *   const { test } = splitDataset(moons({ n: 1000 }));
 *   evaluate(model, test);   // { loss: 0.21, lossName: 'binaryCrossEntropy', accuracy: 0.93, examples: 200 }
 */
export function evaluate(model: tf.LayersModel, data: DataLike, options: { loss?: LossName } = {}): Evaluation {
  const where = 'evaluate';
  assertReady();
  checkModel(where, model);
  checkData(where, data);
  checkKeys(where, options, ['loss']);
  if (options.loss !== undefined) checkOneOf(where, 'loss', options.loss, LOSSES);
  const loss = resolveLoss(where, model, data, options.loss);
  const probabilities = ['sigmoid', 'softmax'].includes(outputActivation(model));
  const batch = toTensors(data, where);
  try {
    checkShapes(where, model, batch);
    let host: Float32Array = new Float32Array(0);
    tf.tidy(() => {
      const out = model.apply(batch.x, { training: false }) as tf.Tensor;
      const acc = accuracyTensor(loss.name, batch.y, out, probabilities);
      host = tf.stack([loss.fn(batch.y, out), acc ?? tf.scalar(NaN)]).dataSync() as Float32Array;
    });
    return { loss: host[0], lossName: loss.name, accuracy: Number.isNaN(host[1]) ? null : host[1], examples: batch.x.shape[0] };
  } finally {
    batch.dispose();
  }
}
