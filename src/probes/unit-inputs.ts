/**
 * The unit-input probe: the input z of one hidden unit, on every example of the probe batch.
 *
 * A sigmoid unit's output is sigmoid(z); where z sits decides its slope sigmoid'(z) = sigmoid(z)(1 - sigmoid(z)),
 * and so how much gradient passes it. Recorded at a cadence during training, the distribution of z shows
 * whether it drifts as the layers below change (Ioffe & Szegedy's "internal covariate shift") or, with
 * batch normalization before the activation, stays put: z = γ (x - batch mean) / sqrt(batch variance + ε) + β.
 *
 * The record holds the raw values, one per example in example order, so any statistic (a median, a
 * percentile band) is computed from the records afterwards. In training mode (the default) batch
 * normalization uses the probe batch's own statistics, as during training; its running averages are left as
 * they were (a probe observes the model, it does not change it).
 */
import * as tf from '@tensorflow/tfjs';
import { checkInt, fail } from '../core/check';
import { DataLike, toTensors } from '../core/data';
import { checkProbeCall, checkShapes } from '../core/model-checks';
import { keepingRunningStatistics } from './parameters';

/** Which unit: the input of layer `layer` (a layer name such as 'activation_03'), column `index` (0-based). */
export interface UnitChoice {
  layer: string;
  index: number;
}

/** The inputs of one unit on the probe batch. */
export interface UnitInputSnapshot {
  probe: 'unitInputs';
  step: number;
  /** The layer whose input was read. */
  layer: string;
  /** The unit's column in that input (0-based). */
  index: number;
  /** Batch normalization in training mode (batch statistics) or not (running averages). */
  training: boolean;
  /** z on each example of the probe batch, in example order. */
  values: number[];
}

/** Options of `unitInputs`: the unit, and those every probe takes. */
export interface UnitInputsOptions extends UnitChoice {
  step?: number;
  /** Batch normalization in training mode, as during training (default true; running averages restored). */
  training?: boolean;
}

/** Checks a unit choice against the model: the layer exists and has an input with column `index`. */
export function checkUnitChoice(where: string, model: tf.LayersModel, unit: unknown, field = 'unit'): UnitChoice {
  if (unit === null || typeof unit !== 'object' || Array.isArray(unit)) fail(where, field, unit, "an object { layer, index }, e.g. { layer: 'activation_03', index: 0 }");
  const { layer, index } = unit as { layer?: unknown; index?: unknown };
  const names = model.layers.map((l) => l.name);
  if (typeof layer !== 'string' || !names.includes(layer)) fail(where, `${field}.layer`, layer, `a layer name of the model: ${names.join(', ')}`);
  const input = model.getLayer(layer).input;
  if (Array.isArray(input)) fail(where, `${field}.layer`, layer, 'a layer with one input (not an addition)');
  const shape = (input as tf.SymbolicTensor).shape;
  if (shape.length !== 2) fail(where, `${field}.layer`, layer, 'a layer whose input is one row of units per example (the layers of an mlp)');
  const columns = shape[1] ?? 1;
  return { layer, index: checkInt(where, `${field}.index`, index, 0, columns - 1) };
}

/** The model from the inputs to `layer`'s input, made once per model and layer. */
const inputModels = new WeakMap<tf.LayersModel, Map<string, tf.LayersModel>>();

function inputModel(model: tf.LayersModel, layer: string): tf.LayersModel {
  let byLayer = inputModels.get(model);
  if (!byLayer) inputModels.set(model, (byLayer = new Map()));
  let probe = byLayer.get(layer);
  if (!probe) {
    probe = tf.model({ inputs: model.inputs, outputs: model.getLayer(layer).input as tf.SymbolicTensor });
    byLayer.set(layer, probe);
  }
  return probe;
}

/**
 * The input z of unit `index` of layer `layer` on every example of `data`.
 *
 * @example
 *   const model = mlp({ inputs: 784, outputs: 10, depth: 3, width: 100, activation: 'sigmoid', batchNorm: 'before' });
 *   const z = unitInputs(model, digits({ n: 500 }), { layer: 'activation_03', index: 0 }).values;
 *   quantile(z, 0.5);   // the median input of that sigmoid
 */
export function unitInputs(model: tf.LayersModel, data: DataLike, options: UnitInputsOptions): UnitInputSnapshot {
  const where = 'unitInputs';
  if (options === null || typeof options !== 'object') fail(where, 'options', options, "an object { layer, index }, e.g. { layer: 'activation_03', index: 0 }");
  const { step, training } = checkProbeCall(where, model, data, options, ['layer', 'index', 'step', 'training']);
  const { layer, index } = checkUnitChoice(where, model as tf.LayersModel, { layer: options.layer, index: options.index }, 'options');
  const batch = toTensors(data, where);
  try {
    checkShapes(where, model, batch);
    const probe = inputModel(model, layer);
    const values = keepingRunningStatistics(model, () =>
      tf.tidy(() => {
        const z = probe.apply(batch.x, { training }) as tf.Tensor;
        return Array.from(z.slice([0, index], [-1, 1]).dataSync());
      }),
    );
    return { probe: 'unitInputs', step, layer, index, training, values };
  } finally {
    batch.dispose();
  }
}
