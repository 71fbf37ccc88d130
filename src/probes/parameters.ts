/**
 * The trainable tensors of a model, named by layer so records line up across re-runs.
 *
 * TensorFlow.js names a variable 'dense_01/kernel' the first time a cell runs and 'dense_01/kernel_1'
 * the next; gradscope uses the name the layer gave it ('originalName') instead. A layer's main weight
 * matrix (its kernel) is named after the layer alone ('dense_01'); every other tensor as
 * 'layer/weight' ('dense_01/bias', 'lstm_01/recurrent_kernel', 'batchnorm_02/gamma').
 */
import * as tf from '@tensorflow/tfjs';

export type LayerVariable = tf.LayersModel['trainableWeights'][number];

/** Which trainable tensors a probe reports: weight matrices only ('kernels'), or also biases and batch-norm scales ('all'). */
export type ParameterSelection = 'kernels' | 'all';

/** One trainable tensor of a model. */
export interface Parameter {
  /** Stable record name: 'dense_03', 'dense_03/bias', 'lstm_01/recurrent_kernel'. */
  name: string;
  /** The layer's name. */
  layer: string;
  /** Which tensor of the layer: 'kernel', 'recurrent_kernel', 'bias', 'gamma', 'beta', ... */
  weight: string;
  /** True for weight matrices (kernel, recurrent_kernel, embeddings): what 'kernels' selects. */
  isMatrix: boolean;
  /** 1-based position of its layer among the layers with trainable weights. */
  depth: number;
  shape: number[];
  /** Number of entries. */
  size: number;
  /** Index into model.trainableWeights. */
  index: number;
  variable: LayerVariable;
}

const MATRIX_WEIGHTS = ['kernel', 'recurrent_kernel', 'depthwise_kernel', 'pointwise_kernel', 'embeddings'];

/**
 * All trainable tensors of `model`, in the order of its layers.
 *
 * @example
 *   parametersOf(mlp({ inputs: 2, outputs: 1, depth: 1, width: 4 })).map((p) => p.name);
 *   // ['dense_01', 'dense_01/bias', 'output', 'output/bias']
 */
export function parametersOf(model: tf.LayersModel): Parameter[] {
  const out: Parameter[] = [];
  const layerDepth = new Map<string, number>();
  model.trainableWeights.forEach((variable, index) => {
    const original = variable.originalName ?? variable.name;
    const slash = original.lastIndexOf('/');
    const layer = slash >= 0 ? original.slice(0, slash) : original;
    const weight = slash >= 0 ? original.slice(slash + 1) : 'weight';
    if (!layerDepth.has(layer)) layerDepth.set(layer, layerDepth.size + 1);
    const isMatrix = MATRIX_WEIGHTS.includes(weight);
    const shape = variable.shape.map((d) => d as number);
    out.push({
      name: weight === 'kernel' ? layer : `${layer}/${weight}`,
      layer,
      weight,
      isMatrix,
      depth: layerDepth.get(layer)!,
      shape,
      size: shape.reduce((a, b) => a * b, 1),
      index,
      variable,
    });
  });
  return out;
}

/** The parameters a probe reports for `selection`. */
export function selectParameters(model: tf.LayersModel, selection: ParameterSelection = 'kernels'): Parameter[] {
  const all = parametersOf(model);
  return selection === 'all' ? all : all.filter((p) => p.isMatrix);
}

/** The tf.Variable behind every trainable weight, in model.trainableWeights order. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/**
 * Runs `fn` and then puts back the model's non-trainable weights (batch-norm running mean and variance).
 * A forward pass in training mode updates those running statistics; a probe should observe the model,
 * not change it.
 */
export function keepingRunningStatistics<T>(model: tf.LayersModel, fn: () => T): T {
  const frozen = model.nonTrainableWeights;
  if (frozen.length === 0) return fn();
  const saved = frozen.map((w) => tf.clone(w.read()));
  try {
    return fn();
  } finally {
    frozen.forEach((w, i) => {
      w.write(saved[i]);
    });
    saved.forEach((t) => t.dispose());
  }
}
