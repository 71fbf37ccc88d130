/**
 * A recurrent network for sequence tasks: input [batch, T, inputs] -> recurrent layer(s) -> output.
 *
 * A recurrent layer applies the same cell at every time step: h_t = cell(x_t, h_{t-1}). The output layer
 * reads only the last state h_T. The gradient that reaches step t has gone through T - t copies of the
 * cell's Jacobian dh_{s+1}/dh_s; if those shrink vectors, dLoss/dx_t vanishes geometrically with T - t.
 *
 *   - 'simple' (rnn_01): h_t = tanh(W x_t + U h_{t-1} + b). Its Jacobian is diag(1 - h^2) U.
 *   - 'lstm' (lstm_01, Hochreiter & Schmidhuber 1997): gates i, f, o = sigmoid(...), candidate
 *     g = tanh(...), cell c_t = f * c_{t-1} + i * g, h_t = o * tanh(c_t). Along the cell, dc_t/dc_{t-1} = f:
 *     with the forget gate near 1 the gradient passes almost unchanged (the "constant error carousel").
 *   - 'gru' (gru_01, Cho et al. 2014): update gate z, reset gate r, h_t = z * h_{t-1} + (1 - z) * h~_t
 *     (tfjs-layers GRUCell.call, as in Cho et al. and PyTorch): where z is near 1 the state is copied
 *     forward, so dh_t/dh_{t-1} along the direct path is z. The candidate is
 *     h~_t = tanh(W x_t + U (r * h_{t-1}) + b): the reset is applied
 *     *before* the recurrent matrix. PyTorch and Keras-Python default to the "reset after" variant
 *     h~_t = tanh(W x_t + r * (U h_{t-1} + b_hn)); TensorFlow.js only has "reset before", so a GRU here
 *     matches PyTorch's numbers only approximately.
 *
 * Gates use the true sigmoid (TensorFlow.js defaults to hardSigmoid, clip(0.2x + 0.5, 0, 1)), as PyTorch
 * and Keras-Python do. Input kernels start glorotUniform, recurrent kernels orthogonal, biases 0 except
 * the LSTM forget gate, which starts at `forgetBias` (default 1, Jozefowicz et al. 2015; Keras's
 * unitForgetBias). All initial weights come from the seeded generator.
 */
import * as tf from '@tensorflow/tfjs';
import { checkInt, checkKeys, checkNumber, checkOneOf, checkSeedValue, fail } from '../core/check';
import { deriveSeed } from '../core/random';
import { buildCleanly, checkParameterBudget } from './build';
import { denseLayer } from './dense';
import { ExactInitializer } from './initializers';
import { positionName, registerModel } from './info';

/** The recurrent cells gradscope builds. */
export const CELLS = ['simple', 'lstm', 'gru'] as const;
export type CellName = (typeof CELLS)[number];

/** Options of `recurrent`. */
export interface RecurrentOptions {
  /** 'simple' (tanh RNN), 'lstm' or 'gru'. */
  cell: CellName;
  /**
   * State size of each recurrent layer. The whole model may hold at most 20 million parameters (80 MB as
   * float32; see `recurrentParameterCount`); a larger request is refused before anything is allocated.
   */
  units: number;
  /** Features per time step (2 for the adding problem). */
  inputs: number;
  /** Output units: 1 for binary or regression, the number of classes for multiclass. */
  outputs: number;
  /** Sequence length T, or leave out to accept any length. */
  length?: number;
  /** Stacked recurrent layers (default 1). */
  layers?: number;
  /** Initial bias of the LSTM forget gate (default 1; only for cell 'lstm'). */
  forgetBias?: number;
  /** Seed of the initial weights (default 0). */
  seed?: number;
}

const FIELDS = ['cell', 'units', 'inputs', 'outputs', 'length', 'layers', 'forgetBias', 'seed'];
const PREFIX: Record<CellName, string> = { simple: 'rnn', lstm: 'lstm', gru: 'gru' };

/**
 * Builds a recurrent model: input -> rnn_01|lstm_01|gru_01 (-> more stacked layers) -> output (linear,
 * reading the last time step).
 *
 * @example
 *   const model = recurrent({ cell: 'lstm', units: 32, inputs: 2, outputs: 1, forgetBias: 1, seed: 0 });
 *   // fits addingProblem({ length: 100 }): x [batch, 100, 2] -> y [batch, 1]
 */
export function recurrent(options: RecurrentOptions): tf.LayersModel {
  const where = 'recurrent';
  if (options === undefined || options === null || typeof options !== 'object') {
    fail(where, 'options', options, 'an object {cell, units, inputs, outputs, ...}');
  }
  checkKeys(where, options, FIELDS);
  const cell = checkOneOf(where, 'cell', options.cell, CELLS);
  const units = checkInt(where, 'units', options.units, 1, 10_000);
  const inputs = checkInt(where, 'inputs', options.inputs, 1, 100_000);
  const outputs = checkInt(where, 'outputs', options.outputs, 1, 100_000);
  const steps = options.length === undefined ? null : checkInt(where, 'length', options.length, 1, 100_000);
  const depth = checkInt(where, 'layers', options.layers ?? 1, 1, 10);
  if (options.forgetBias !== undefined && cell !== 'lstm') fail(where, 'forgetBias', options.forgetBias, "only with cell 'lstm'");
  const forgetBias = checkNumber(where, 'forgetBias', options.forgetBias ?? 1, -100, 100);
  const seed = checkSeedValue(where, options.seed ?? 0);
  const count = recurrentParameterCount(cell, inputs, units, outputs, depth);
  const field = units * outputs > count / 2 ? 'outputs' : inputs > units ? 'inputs' : 'units';
  checkParameterBudget(where, field, options[field], count);
  return buildCleanly(where, () => buildRecurrent({ cell, units, inputs, outputs, steps, depth, forgetBias, seed }));
}

/** Weight blocks per layer: one for the simple RNN, four for the LSTM (i, f, g, o), three for the GRU (z, r, h~). */
const GATES: Record<CellName, number> = { simple: 1, lstm: 4, gru: 3 };

/**
 * The number of weights a recurrent model holds: each layer has, per gate block, an input kernel
 * (inputs x units; the units of the layer below for stacked layers), a recurrent kernel (units x units)
 * and a bias (units); the output layer has units x outputs + outputs.
 *
 * @example
 *   recurrentParameterCount('lstm', 2, 16, 1, 1);   // 4 * (2*16 + 16*16 + 16) + 16 + 1 = 1233
 */
export function recurrentParameterCount(cell: CellName, inputs: number, units: number, outputs: number, layers = 1): number {
  let count = 0;
  for (let l = 1; l <= layers; l++) count += GATES[cell] * ((l === 1 ? inputs : units) * units + units * units + units);
  return count + units * outputs + outputs;
}

/** The checked options of one recurrent model. */
interface RecurrentPlan {
  cell: CellName;
  units: number;
  inputs: number;
  outputs: number;
  steps: number | null;
  depth: number;
  forgetBias: number;
  seed: number;
}

/** Builds the layers of a checked plan and registers the model's description. */
function buildRecurrent(plan: RecurrentPlan): tf.LayersModel {
  const { cell, units, inputs, outputs, steps, depth, forgetBias, seed } = plan;
  const input = tf.input({ shape: [steps, inputs], name: 'input' });
  let h: tf.SymbolicTensor = input;
  const names: string[] = [];
  for (let l = 1; l <= depth; l++) {
    const name = positionName(PREFIX[cell], l, depth);
    names.push(name);
    const common = {
      units,
      name,
      returnSequences: l < depth,
      kernelInitializer: new ExactInitializer({ rule: 'glorotUniform', seed: deriveSeed(seed, l, 0) }),
      recurrentInitializer: new ExactInitializer({ rule: 'orthogonal', seed: deriveSeed(seed, l, 1) }),
      biasInitializer: new ExactInitializer(cell === 'lstm' ? { rule: 'lstmBias', seed: 0, forgetBias } : { rule: 'zeros', seed: 0 }),
    };
    const layer =
      cell === 'simple'
        ? tf.layers.simpleRNN({ ...common, activation: 'tanh' })
        : cell === 'lstm'
          ? tf.layers.lstm({ ...common, activation: 'tanh', recurrentActivation: 'sigmoid', unitForgetBias: false })
          : tf.layers.gru({ ...common, activation: 'tanh', recurrentActivation: 'sigmoid' });
    h = layer.apply(h) as tf.SymbolicTensor;
  }
  const out = denseLayer({
      units: outputs,
      name: 'output',
      kernelInitializer: new ExactInitializer({ rule: 'glorotUniform', seed: deriveSeed(seed, depth + 1, 0) }),
      biasInitializer: new ExactInitializer({ rule: 'zeros', seed: 0 }),
    })
    .apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out, name: `recurrent_${cell}` });
  registerModel(model, {
    kind: 'recurrent',
    summary: `${cell === 'simple' ? 'simple RNN (tanh)' : cell.toUpperCase()} ${inputs} -> ${depth > 1 ? `${depth} x ` : ''}${units} units -> ${outputs}${cell === 'lstm' ? `, forget bias ${forgetBias}` : ''}, seed ${seed}`,
    options: { cell, units, inputs, outputs, length: steps ?? undefined, layers: depth, forgetBias: cell === 'lstm' ? forgetBias : undefined, seed },
    activationLayers: [],
    recurrentLayers: names,
  });
  return model;
}
