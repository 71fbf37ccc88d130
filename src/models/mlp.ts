/**
 * A multi-layer perceptron built from tf.layers, so it can be inspected, fitted and saved like any
 * TensorFlow.js model, with names that stay the same when a notebook cell is run again:
 *
 *   input -> dense_01 -> [batchnorm_01] -> activation_01 -> ... -> dense_NN -> activation_NN -> output
 *
 * Each hidden layer computes z = W h + b (dense_XX), optionally normalises z over the batch
 * (batchnorm_XX), then applies the activation a = f(z) (activation_XX). The output layer is linear: it
 * returns logits (for classification) or values (for regression); the loss applies the sigmoid or softmax.
 *
 * With `residual: true`, every hidden layer after the first adds its input back:
 * h_l = h_{l-1} + s * f(W_l h_{l-1} + b_l) (residual_XX). During backpropagation the "+ h_{l-1}" path
 * passes the gradient through unchanged (its Jacobian is the identity), so early layers receive the
 * late layers' gradient however small the branch's own slope is (He et al. 2016). Where the widths
 * differ the skip goes through a linear projection (skip_XX). `residualScale` s shrinks each branch;
 * without normalisation, very deep residual stacks can grow geometrically, and s = 1/sqrt(depth) keeps
 * them stable.
 */
import * as tf from '@tensorflow/tfjs';
import { checkBool, checkInt, checkKeys, checkNumber, checkOneOf, checkSeedValue, fail } from '../core/check';
import { deriveSeed } from '../core/random';
import { buildCleanly, checkParameterBudget } from './build';
import { denseLayer } from './dense';
import { ExactInitializer, INITIALIZERS, InitName } from './initializers';
import { ACTIVATIONS, ActivationLayer, ActivationName, positionName, registerModel } from './info';

/** Where batch normalization goes in each hidden layer. */
export type BatchNormPlacement = 'before' | 'after';

/** Options of `mlp`. */
export interface MlpOptions {
  /** Features per example, e.g. 2 for the point datasets. */
  inputs: number;
  /** Output units: 1 for a binary task, the number of classes for a multiclass task. */
  outputs: number;
  /** Number of hidden layers (1 to 200). */
  depth: number;
  /**
   * Units per hidden layer: one number for all, or one per layer. The whole model may hold at most 20 million
   * parameters (80 MB as float32; see `mlpParameterCount`); a larger request is refused before anything is allocated.
   */
  width: number | number[];
  /** Hidden activation (default 'relu'). The output layer is always linear. */
  activation?: ActivationName;
  /** Weight initialization, see `initializer` (default 'glorotUniform', the Keras default). Biases start at 0. */
  init?: InitName;
  /** Standard deviation for init 'naive' (default 0.01). */
  initStd?: number;
  /**
   * Batch normalization in every hidden layer: 'before' the activation (Ioffe & Szegedy 2015:
   * dense -> batchnorm -> activation), 'after' it, true (= 'before') or false (default).
   * It normalises z per unit over the batch, z_hat = (z - mean) / sqrt(var + eps), then scales and
   * shifts: gamma * z_hat + beta. eps = 1e-5 and momentum 0.9 for the running statistics, as PyTorch's
   * BatchNorm1d defaults (its momentum 0.1 is tfjs's 0.9: new = 0.9 * old + 0.1 * batch).
   */
  batchNorm?: boolean | BatchNormPlacement;
  /** Identity skip connections around every hidden layer after the first (default false). */
  residual?: boolean;
  /** Multiplier s of each residual branch (default 1); 1/sqrt(depth) keeps deep plain-residual stacks stable. */
  residualScale?: number;
  /** Negative-side slope of 'leakyRelu' (default 0.01, as PyTorch; tfjs's layer defaults to 0.3). */
  leakyReluAlpha?: number;
  /** Seed of the initial weights (default 0). The same seed gives the same weights on every backend. */
  seed?: number;
}

const MLP_FIELDS = ['inputs', 'outputs', 'depth', 'width', 'activation', 'init', 'initStd', 'batchNorm', 'residual', 'residualScale', 'leakyReluAlpha', 'seed'];

/**
 * Multiplies its input by a fixed number: the scaling s of a residual branch.
 *
 * @example
 *   const scaled = new ResidualScale({ scale: 0.5, name: 'scale_02' }).apply(branch);
 */
export class ResidualScale extends tf.layers.Layer {
  static className = 'GradscopeResidualScale';
  readonly scale: number;
  constructor(config: { scale: number; name?: string }) {
    super({ name: config.name });
    this.scale = config.scale;
  }
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.mul(x, this.scale);
  }
  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), scale: this.scale };
  }
}
tf.serialization.registerClass(ResidualScale);

/**
 * The layer that applies `activation`, named `name`. 'prelu' is the parametric ReLU of He et al. 2015:
 * f(z) = z for z > 0 and a·z otherwise, with one learned slope a per unit, starting at a = 0.25 as in the paper.
 */
export function activationLayer(activation: ActivationName, name: string, leakyReluAlpha = 0.01): tf.layers.Layer {
  if (activation === 'leakyRelu') return tf.layers.leakyReLU({ alpha: leakyReluAlpha, name });
  if (activation === 'prelu') return tf.layers.prelu({ alphaInitializer: tf.initializers.constant({ value: 0.25 }), name });
  return tf.layers.activation({ activation, name });
}

/**
 * Builds a multi-layer perceptron with exact, seeded initial weights and stable layer names
 * (dense_01, ..., output).
 *
 * @example
 *   const model = mlp({ inputs: 2, outputs: 1, depth: 20, width: 64, activation: 'sigmoid', init: 'glorotNormal', seed: 0 });
 *   model.layers.map((l) => l.name);   // ['input', 'dense_01', 'activation_01', ..., 'output']
 *   const resnet = mlp({ inputs: 2, outputs: 1, depth: 50, width: 64, activation: 'relu', init: 'heNormal', residual: true });
 */
export function mlp(options: MlpOptions): tf.LayersModel {
  const where = 'mlp';
  if (options === undefined || options === null || typeof options !== 'object') {
    fail(where, 'options', options, 'an object {inputs, outputs, depth, width, ...}');
  }
  checkKeys(where, options, MLP_FIELDS);
  const inputs = checkInt(where, 'inputs', options.inputs, 1, 1_000_000);
  const outputs = checkInt(where, 'outputs', options.outputs, 1, 100_000);
  const depth = checkInt(where, 'depth', options.depth, 1, 200);
  let widths: number[];
  if (Array.isArray(options.width)) {
    if (options.width.length !== depth) fail(where, 'width', options.width, `one number, or an array of ${depth} numbers (one per hidden layer)`);
    widths = options.width.map((w, i) => checkInt(where, `width[${i}]`, w, 1, 100_000));
  } else {
    widths = Array(depth).fill(checkInt(where, 'width', options.width, 1, 100_000));
  }
  const activation = checkOneOf(where, 'activation', options.activation ?? 'relu', ACTIVATIONS);
  const init = checkOneOf(where, 'init', options.init ?? 'glorotUniform', INITIALIZERS);
  const initStd = checkNumber(where, 'initStd', options.initStd ?? 0.01, 0, 1e6, { minExclusive: true });
  if (options.initStd !== undefined && init !== 'naive') fail(where, 'initStd', options.initStd, "only with init 'naive' (the other initializers compute their own scale)");
  let batchNorm: BatchNormPlacement | false;
  const bn = options.batchNorm ?? false;
  if (bn === true) batchNorm = 'before';
  else if (bn === false) batchNorm = false;
  else batchNorm = checkOneOf(where, 'batchNorm', bn, ['before', 'after'] as const);
  const residual = checkBool(where, 'residual', options.residual ?? false);
  const residualScale = checkNumber(where, 'residualScale', options.residualScale ?? 1, 0, 1e3);
  const leakyReluAlpha = checkNumber(where, 'leakyReluAlpha', options.leakyReluAlpha ?? 0.01, 0, 1);
  const seed = checkSeedValue(where, options.seed ?? 0);
  const count = mlpParameterCount(inputs, widths, outputs, { batchNorm: batchNorm !== false, residual, prelu: activation === 'prelu' });
  const field = inputs * widths[0] > count / 2 ? 'inputs' : widths[depth - 1] * outputs > count / 2 ? 'outputs' : 'width';
  checkParameterBudget(where, field, options[field], count);
  const plan: MlpPlan = { inputs, outputs, depth, widths, activation, init, initStd, batchNorm, residual, residualScale, leakyReluAlpha, seed };
  return buildCleanly(where, () => buildMlp(options, plan));
}

/**
 * The number of weights an mlp holds: each hidden layer l has a kernel (previous width x width) and a
 * bias (width); batch normalization adds 4 numbers per unit (scale, shift and the running mean and
 * variance), prelu one slope per unit, and a residual skip between different widths a projection
 * (previous width x width). The output layer has width x outputs + outputs.
 *
 * @example
 *   mlpParameterCount(2, [64, 64], 1);   // 2*64 + 64 + 64*64 + 64 + 64*1 + 1 = 4417
 */
export function mlpParameterCount(inputs: number, widths: number[], outputs: number, extras: { batchNorm?: boolean; residual?: boolean; prelu?: boolean } = {}): number {
  let count = 0;
  let previous = inputs;
  widths.forEach((width, i) => {
    count += previous * width + width;
    if (extras.batchNorm) count += 4 * width;
    if (extras.prelu) count += width;
    if (extras.residual && i > 0 && previous !== width) count += previous * width;
    previous = width;
  });
  return count + previous * outputs + outputs;
}

/** The checked options of one mlp, every default filled in. */
interface MlpPlan {
  inputs: number;
  outputs: number;
  depth: number;
  widths: number[];
  activation: ActivationName;
  init: InitName;
  initStd: number;
  batchNorm: BatchNormPlacement | false;
  residual: boolean;
  residualScale: number;
  leakyReluAlpha: number;
  seed: number;
}

/** Builds the layers of a checked plan and registers the model's description. */
function buildMlp(options: MlpOptions, plan: MlpPlan): tf.LayersModel {
  const { inputs, outputs, depth, widths, activation, init, initStd, batchNorm, residual, residualScale, leakyReluAlpha, seed } = plan;
  const kernel = (position: number, which: number) =>
    new ExactInitializer({ rule: init, seed: deriveSeed(seed, position, which), std: init === 'naive' ? initStd : undefined });
  const zeros = () => new ExactInitializer({ rule: 'zeros', seed: 0 });
  const name = (prefix: string, l: number) => positionName(prefix, l, depth);

  const input = tf.input({ shape: [inputs], name: 'input' });
  let h: tf.SymbolicTensor = input;
  let previousWidth = inputs;
  const activationLayers: ActivationLayer[] = [];
  for (let l = 1; l <= depth; l++) {
    const width = widths[l - 1];
    let z = denseLayer({ units: width, name: name('dense', l), kernelInitializer: kernel(l, 0), biasInitializer: zeros() })
      .apply(h) as tf.SymbolicTensor;
    const norm = () => tf.layers.batchNormalization({ name: name('batchnorm', l), epsilon: 1e-5, momentum: 0.9 });
    if (batchNorm === 'before') z = norm().apply(z) as tf.SymbolicTensor;
    let a = activationLayer(activation, name('activation', l), leakyReluAlpha).apply(z) as tf.SymbolicTensor;
    activationLayers.push({ layer: name('activation', l), activation, depth: l });
    if (batchNorm === 'after') a = norm().apply(a) as tf.SymbolicTensor;
    if (residual && l >= 2) {
      const skip =
        previousWidth === width
          ? h
          : (denseLayer({ units: width, useBias: false, name: name('skip', l), kernelInitializer: kernel(l, 1) }).apply(h) as tf.SymbolicTensor);
      const branch = residualScale === 1 ? a : (new ResidualScale({ scale: residualScale, name: name('scale', l) }).apply(a) as tf.SymbolicTensor);
      h = tf.layers.add({ name: name('residual', l) }).apply([skip, branch]) as tf.SymbolicTensor;
    } else {
      h = a;
    }
    previousWidth = width;
  }
  const out = denseLayer({ units: outputs, name: 'output', kernelInitializer: kernel(depth + 1, 0), biasInitializer: zeros() })
    .apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out, name: 'mlp' });
  const sameWidth = widths.every((w) => w === widths[0]);
  const extras = [
    batchNorm ? `batch norm ${batchNorm} activation` : '',
    residual ? `residual${residualScale !== 1 ? ` (branch x ${residualScale})` : ''}` : '',
  ].filter(Boolean);
  registerModel(model, {
    kind: 'mlp',
    summary:
      `mlp ${inputs} -> ${sameWidth ? `${depth} x ${widths[0]}` : widths.join('-')} ${activation} -> ${outputs}, ` +
      `${init === 'naive' ? `naive init (std ${initStd})` : `${init} init`}${extras.length ? ', ' + extras.join(', ') : ''}, seed ${seed}`,
    options: { inputs, outputs, depth, width: options.width, activation, init, initStd: init === 'naive' ? initStd : undefined, batchNorm, residual, residualScale, leakyReluAlpha, seed },
    activation,
    activationLayers,
  });
  return model;
}
