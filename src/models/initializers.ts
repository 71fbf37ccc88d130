/**
 * Exact weight initializers, drawn from gradscope's seeded generator (see `Random`).
 *
 * How large the first weights are decides whether a signal, and its gradient, keeps its size through
 * many layers. For a layer y = W x with fan_in inputs, each output is a sum of fan_in terms, so
 * Var(y) = fan_in * Var(w) * E[x^2]. Choosing Var(w) well keeps that ratio near 1:
 *
 *   - 'naive':        w ~ Normal(0, std^2) with a fixed std (default 0.01): the "small random numbers" of
 *                     early practice. Too small a std makes activations and gradients shrink layer by layer.
 *   - 'glorotNormal': w ~ Normal(0, 2 / (fan_in + fan_out))       (Xavier; Glorot & Bengio 2010)
 *   - 'glorotUniform':w ~ Uniform(-a, a), a = sqrt(6 / (fan_in + fan_out))   (same variance)
 *   - 'heNormal':     w ~ Normal(0, 2 / fan_in)                     (Kaiming; He et al. 2015, for ReLU,
 *                     which zeroes half its inputs and so halves E[x^2])
 *   - 'heUniform':    w ~ Uniform(-a, a), a = sqrt(6 / fan_in)
 *   - 'lecunNormal':  w ~ Normal(0, 1 / fan_in)                     (LeCun 1998; the one SELU needs)
 *   - 'orthogonal':   W = the Q of a QR decomposition of a Gaussian matrix, times `gain` (Saxe et al. 2014):
 *                     every singular value is exactly 1, so W neither grows nor shrinks any direction.
 *
 * The normal ones are plain normals, not truncated. TensorFlow.js's own heNormal and glorotNormal cut
 * the normal at 2 standard deviations without correcting its variance, which leaves 0.774x the stated
 * variance: over 30 ReLU layers that shrinks the signal about 100x more than He init does.
 */
import * as tf from '@tensorflow/tfjs';
import { Random } from '../core/random';
import { checkNumber, checkOneOf, fail } from '../core/check';

/** The initializer names gradscope knows. */
export const INITIALIZERS = ['naive', 'glorotNormal', 'glorotUniform', 'heNormal', 'heUniform', 'lecunNormal', 'orthogonal'] as const;
export type InitName = (typeof INITIALIZERS)[number];

/** How an `ExactInitializer` fills a tensor. 'zeros' and 'lstmBias' are for biases. */
export type InitRule = InitName | 'zeros' | 'lstmBias';

type TfInitializer = ReturnType<typeof tf.initializers.zeros>;
// tfjs does not export its Initializer base class by name; subclassing it makes ours usable wherever a
// tfjs initializer is accepted (kernelInitializer, recurrentInitializer, biasInitializer).
const InitializerBase = Object.getPrototypeOf(tf.initializers.zeros().constructor) as abstract new () => TfInitializer;

/** Settings of an `ExactInitializer`; all plain numbers, so a saved model records them. */
export interface ExactInitializerConfig {
  rule: InitRule;
  seed: number;
  /** Standard deviation for 'naive' (default 0.01). */
  std?: number;
  /** Multiplier for 'orthogonal' (default 1). */
  gain?: number;
  /** For 'lstmBias': the value of the forget-gate bias (the other gates get 0). */
  forgetBias?: number;
}

/**
 * fan_in and fan_out of a weight tensor, as Keras computes them: for a dense kernel [in, out] they are
 * in and out; for a recurrent kernel [units, 4 * units] (the four LSTM gates side by side) they are
 * units and 4 * units.
 */
export function fans(shape: number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
}

/** A rows x cols matrix (row-major) with orthonormal columns (rows >= cols) by modified Gram-Schmidt. */
function orthonormalColumns(rows: number, cols: number, rng: Random): number[][] {
  const a: number[][] = Array.from({ length: cols }, () => Array.from({ length: rows }, () => rng.normal()));
  for (let j = 0; j < cols; j++) {
    const v = a[j];
    for (let k = 0; k < j; k++) {
      const q = a[k];
      let dot = 0;
      for (let i = 0; i < rows; i++) dot += q[i] * v[i];
      for (let i = 0; i < rows; i++) v[i] -= dot * q[i];
    }
    let norm = 0;
    for (let i = 0; i < rows; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < rows; i++) v[i] /= norm;
  }
  return a; // a[j] is column j
}

/**
 * Fills a Float32Array for `shape` following `config`; the same config always gives the same numbers.
 *
 * @example
 *   const w = initialValues([64, 64], { rule: 'heNormal', seed: 0 });   // 4096 draws with std sqrt(2/64)
 */
export function initialValues(shape: number[], config: ExactInitializerConfig): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  const rng = new Random(config.seed);
  const { fanIn, fanOut } = fans(shape);
  const normal = (std: number) => {
    for (let i = 0; i < size; i++) out[i] = rng.normal(0, std);
  };
  const uniform = (limit: number) => {
    for (let i = 0; i < size; i++) out[i] = rng.between(-limit, limit);
  };
  switch (config.rule) {
    case 'zeros':
      break;
    case 'lstmBias': {
      const units = size / 4;
      for (let i = units; i < 2 * units; i++) out[i] = config.forgetBias ?? 1;
      break;
    }
    case 'naive':
      normal(config.std ?? 0.01);
      break;
    case 'glorotNormal':
      normal(Math.sqrt(2 / (fanIn + fanOut)));
      break;
    case 'glorotUniform':
      uniform(Math.sqrt(6 / (fanIn + fanOut)));
      break;
    case 'heNormal':
      normal(Math.sqrt(2 / fanIn));
      break;
    case 'heUniform':
      uniform(Math.sqrt(6 / fanIn));
      break;
    case 'lecunNormal':
      normal(Math.sqrt(1 / fanIn));
      break;
    case 'orthogonal': {
      const cols = shape[shape.length - 1];
      const rows = size / cols;
      const gain = config.gain ?? 1;
      if (rows >= cols) {
        const q = orthonormalColumns(rows, cols, rng);
        for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = gain * q[j][i];
      } else {
        const q = orthonormalColumns(cols, rows, rng); // q[i] is a unit vector of length cols: row i
        for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = gain * q[i][j];
      }
      break;
    }
    default:
      fail('initializer', 'rule', config.rule, [...INITIALIZERS, 'zeros', 'lstmBias'].join(', '));
  }
  return out;
}

/**
 * A tfjs initializer whose numbers come from gradscope's seeded generator, so a seed gives the same
 * weights on every backend. Use it like any tfjs initializer:
 *
 * @example
 *   const dense = tf.layers.dense({ units: 64, kernelInitializer: initializer('heNormal', { seed: 1 }) });
 */
export class ExactInitializer extends InitializerBase {
  static className = 'GradscopeExactInitializer';
  readonly config: ExactInitializerConfig;

  constructor(config: ExactInitializerConfig) {
    super();
    this.config = { ...config };
  }

  apply(shape: number[]): tf.Tensor {
    return tf.tensor(initialValues(shape, this.config), shape, 'float32');
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...this.config } as unknown as tf.serialization.ConfigDict;
  }
}
tf.serialization.registerClass(ExactInitializer as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

/**
 * An exact initializer by name (see the list at the top of this file).
 *
 * @example
 *   initializer('heNormal', { seed: 3 });            // std = sqrt(2 / fan_in)
 *   initializer('naive', { std: 0.5, seed: 3 });     // std = 0.5 whatever the layer size
 */
export function initializer(name: InitName, options: { seed?: number; std?: number; gain?: number } = {}): ExactInitializer {
  checkOneOf('initializer', 'name', name, INITIALIZERS);
  const std = options.std === undefined ? undefined : checkNumber('initializer', 'std', options.std, 0, 1e6);
  const gain = options.gain === undefined ? undefined : checkNumber('initializer', 'gain', options.gain, 0, 1e6);
  return new ExactInitializer({ rule: name, seed: options.seed ?? 0, std, gain });
}
