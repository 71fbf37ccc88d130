/**
 * The checks every stage starts with: is the backend ready, is this a model, is this data, does the data's
 * shape fit the model. Each throws "fn: field is X; allowed: Y".
 */
import * as tf from '@tensorflow/tfjs';
import { assertReady } from './backend';
import { checkBool, checkInt, checkKeys, fail } from './check';
import { DataLike, TensorBatch, checkDataValues } from './data';

/**
 * Validates the data argument shared by training, evaluation, diagnosis and the probes: an object {x, y}
 * whose numbers are finite, whose rows are not ragged, and whose targets fit its task (see
 * `checkDataValues`). `field` names the argument in errors, e.g. 'validation'.
 */
export function checkData(where: string, data: unknown, field = 'data'): DataLike {
  if (data === null || typeof data !== 'object' || !('x' in (data as object)) || !('y' in (data as object))) {
    fail(where, field, data, 'a gradscope dataset or an object {x, y} of arrays or tensors');
  }
  checkDataValues(where, data as DataLike, field);
  return data as DataLike;
}

/** Throws when the data's shape does not fit the model's input or output. */
export function checkShapes(where: string, model: tf.LayersModel, batch: TensorBatch): void {
  const input = model.inputs[0].shape;
  const got = batch.x.shape;
  const fits = got.length === input.length && input.every((d, i) => i === 0 || d === null || d === got[i]);
  if (!fits) {
    fail(where, 'data.x shape', `[${got.join(', ')}]`, `[examples, ${input.slice(1).map((d) => (d === null ? 'any' : d)).join(', ')}] to fit the model's input`);
  }
  const outputs = model.outputs[0].shape[model.outputs[0].shape.length - 1];
  if (outputs !== null && batch.y.shape[1] !== outputs) {
    fail(where, 'data.y columns', batch.y.shape[1], `${outputs} (the model's outputs)`);
  }
}

/**
 * The checks every probe starts with (backend ready, a model, data, only known option names), then the two
 * options every probe shares: `step` (default 0, the training step the record is filed under) and `training`
 * (default true: batch normalisation uses the batch's statistics).
 */
export function checkProbeCall(
  where: string,
  model: unknown,
  data: unknown,
  options: { step?: unknown; training?: unknown },
  fields: readonly string[],
): { step: number; training: boolean } {
  assertReady();
  checkModel(where, model);
  checkData(where, data);
  checkKeys(where, options, fields);
  return {
    step: checkInt(where, 'step', options.step ?? 0, 0, Number.MAX_SAFE_INTEGER),
    training: checkBool(where, 'training', options.training ?? true),
  };
}

/** Validates the model argument shared by the probes. */
export function checkModel(where: string, model: unknown): tf.LayersModel {
  if (!(model instanceof tf.LayersModel)) fail(where, 'model', model, 'a tf.LayersModel (for example from mlp() or recurrent())');
  return model;
}
