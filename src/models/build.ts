/**
 * Building a model safely: a size budget checked before anything is allocated, and a build that fails
 * half-way frees the weights it had already made.
 *
 * A model's weights are tfjs variables registered with the engine as each layer is built. If building
 * layer 3 fails (say, out of memory), layers 1 and 2 already hold variables nobody can reach any more;
 * `buildCleanly` disposes every variable registered during the failed build, so a failed call leaves
 * tf.memory() as it found it.
 */
import * as tf from '@tensorflow/tfjs';
import { MAX_PARAMETERS, MAX_STEP_NUMBERS, checkBudget } from '../core/limits';

/**
 * Throws unless a model of `count` trainable numbers fits the parameter budget (MAX_PARAMETERS, 20 million:
 * 80 MB as float32, about 480 MB while training with adam and the probes).
 *
 * @example
 *   checkParameterBudget('mlp', 'width', options.width, 16 * 100_000 + 100_000 * 100_000);   // throws
 */
export function checkParameterBudget(where: string, field: string, value: unknown, count: number): void {
  checkBudget(where, field, value, count, MAX_PARAMETERS, 'parameters', 4, 'sizes whose weights fit in', 'as float32');
}

/**
 * Runs `build`; if it throws, disposes every variable it registered and throws an error that names the
 * function and the cause.
 *
 * @example
 *   const model = buildCleanly('mlp', () => tf.model({ inputs, outputs }));
 */
export function buildCleanly<T>(where: string, build: () => T): T {
  const registered = () => tf.engine().registeredVariables;
  const before = new Set(Object.keys(registered()));
  try {
    return build();
  } catch (error) {
    for (const [name, variable] of Object.entries(registered())) {
      if (!before.has(name)) variable.dispose();
    }
    const cause = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new Error(`${where}: building the model failed (${cause}); the weights made so far were freed`);
  }
}

/** Intermediate values per time step of each recurrent cell: its gate blocks plus the state(s) it carries. */
const CELL_VALUES: Record<string, number> = { SimpleRNN: 2, LSTM: 6, GRU: 5 };

/** Time steps per example in `x` (1 for data that is not a sequence). */
function timeStepsOf(x: unknown): number {
  if (x instanceof tf.Tensor) return x.rank === 3 ? x.shape[1] : 1;
  const first = Array.isArray(x) ? x[0] : undefined;
  return Array.isArray(first) && Array.isArray(first[0]) ? first.length : 1;
}

/**
 * The numbers one forward pass of `examples` examples keeps for the backward pass: every layer's output
 * (batch x its size) and, inside a recurrent layer, every time step's gates and states
 * (batch x T x units x values per step: 2 for the simple RNN, 6 for the LSTM, 5 for the GRU).
 *
 * @example
 *   stepNumbers(mlp({ inputs: 2, outputs: 1, depth: 2, width: 8 }), 32, 1);   // 32 * (2 + 8 + 8 + 8 + 8 + 1)
 */
export function stepNumbers(model: tf.LayersModel, examples: number, timeSteps: number): number {
  let perExample = 0;
  for (const layer of model.layers) {
    const shape = (Array.isArray(layer.outputShape[0]) ? layer.outputShape[0] : layer.outputShape) as (number | null)[];
    perExample += shape.slice(1).reduce<number>((size, d) => size * (d ?? timeSteps), 1);
    const cellValues = CELL_VALUES[layer.getClassName()];
    if (cellValues) perExample += timeSteps * cellValues * (layer.getConfig().units as number);
  }
  return examples * perExample;
}

/**
 * Throws unless one training step of `examples` examples of `data` keeps at most MAX_STEP_NUMBERS
 * intermediate values (256 million, 1 GB as float32) for the backward pass; the error names `field`.
 *
 * @example
 *   checkStepBudget('train', 'batchSize', 32, model, data, 32);
 */
export function checkStepBudget(where: string, field: string, value: unknown, model: tf.LayersModel, x: unknown, examples: number): void {
  const count = stepNumbers(model, examples, timeStepsOf(x));
  checkBudget(where, field, value, count, MAX_STEP_NUMBERS, 'intermediate values per step', 4, 'steps that keep at most', 'as float32');
}
