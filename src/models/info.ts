/**
 * What gradscope knows about a model: which layers hold weights and which compute activations, in the
 * order the signal flows. Models built by `mlp` and `recurrent` carry this from birth; for any other
 * tf.LayersModel it is read from the layers.
 */
import * as tf from '@tensorflow/tfjs';

/** Activation functions gradscope can build and probe. */
export const ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'leakyRelu', 'prelu', 'elu', 'selu', 'gelu', 'swish', 'mish', 'softsign', 'linear'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/**
 * Activations that squash their input into a bounded range and go flat at both ends: their slope
 * tends to 0 for large |z|, the "saturation" that starves gradients.
 */
export const SATURATING: readonly ActivationName[] = ['sigmoid', 'tanh', 'softsign'];

/**
 * The ReLU family: identity (or close) for positive inputs, flat or nearly flat for negative ones. A
 * unit whose input is negative for every example passes no gradient (ReLU) or very little: a "dead" unit.
 */
export const RELU_FAMILY: readonly ActivationName[] = ['relu', 'leakyRelu', 'prelu', 'elu', 'selu', 'gelu', 'swish', 'mish'];

/** One layer whose output is an activation a probe can look at. */
export interface ActivationLayer {
  /** Stable name of the layer producing the activation, e.g. 'activation_03'. */
  layer: string;
  /** Its activation function. */
  activation: ActivationName | string;
  /** 1-based position among the hidden layers. */
  depth: number;
}

/** The description gradscope keeps for a model. */
export interface ModelInfo {
  kind: 'mlp' | 'recurrent' | 'other';
  /** One line, e.g. 'mlp 2 -> 20 x 64 sigmoid -> 1, glorotUniform init'. */
  summary: string;
  /** The options the model was built with (for `mlp` and `recurrent`). */
  options?: Record<string, unknown>;
  /** Hidden activation function (mlp only). */
  activation?: ActivationName;
  /** Activation outputs in depth order. */
  activationLayers: ActivationLayer[];
  /** Recurrent layers (recurrent models only). */
  recurrentLayers?: string[];
}

const registry = new WeakMap<tf.LayersModel, ModelInfo>();

/** Records what a gradscope builder knows about a model (used by `mlp` and `recurrent`). */
export function registerModel(model: tf.LayersModel, info: ModelInfo): void {
  registry.set(model, info);
}

function activationOfLayer(layer: tf.layers.Layer): string | undefined {
  const className = layer.getClassName();
  if (className === 'LeakyReLU') return 'leakyRelu';
  if (className === 'ReLU') return 'relu';
  if (className === 'ELU') return 'elu';
  if (className === 'Softmax') return undefined;
  if (className === 'Activation' || className === 'Dense' || className === 'Conv2D' || className === 'Conv1D') {
    const config = layer.getConfig() as { activation?: string };
    const name = config.activation;
    if (!name || name === 'linear' || name === 'softmax') return undefined;
    return name === 'leaky_relu' ? 'leakyRelu' : name;
  }
  return undefined;
}

/**
 * What gradscope knows about `model`: for `mlp` and `recurrent` models the record made at build time;
 * for other models, every layer with a non-linear activation except the last layer.
 *
 * @example
 *   modelInfo(mlp({ inputs: 2, outputs: 1, depth: 3, width: 8 })).summary;
 */
export function modelInfo(model: tf.LayersModel): ModelInfo {
  if (!(model instanceof tf.LayersModel)) {
    throw new Error(`modelInfo: model is ${model === null ? 'null' : typeof model}; allowed: a tf.LayersModel (for example from mlp() or recurrent())`);
  }
  const known = registry.get(model);
  if (known) return known;
  const layers = model.layers;
  const activationLayers: ActivationLayer[] = [];
  layers.forEach((layer, i) => {
    if (i === layers.length - 1) return;
    const activation = activationOfLayer(layer);
    if (activation) activationLayers.push({ layer: layer.name, activation, depth: activationLayers.length + 1 });
  });
  const recurrentLayers = layers.filter((l) => ['SimpleRNN', 'LSTM', 'GRU'].includes(l.getClassName())).map((l) => l.name);
  const info: ModelInfo = {
    kind: 'other',
    summary: `tf.LayersModel '${model.name}' with ${layers.length} layers`,
    activationLayers,
    recurrentLayers: recurrentLayers.length ? recurrentLayers : undefined,
  };
  return info;
}

/** Layer-name width: 2 digits (dense_01) up to 99 layers, more beyond. */
export function positionName(prefix: string, position: number, count: number): string {
  const digits = Math.max(2, String(count).length);
  return `${prefix}_${String(position).padStart(digits, '0')}`;
}
