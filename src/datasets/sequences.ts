/**
 * Sequence tasks built so that the answer depends on something far back in time. A recurrent network
 * learns them only if the gradient of the loss reaches those early time steps: the vanishing gradient
 * problem in time. All are seeded and deterministic.
 */
import { Random } from '../core/random';
import { checkInt, checkKeys, checkNumber, checkSeedValue } from '../core/check';
import type { SequenceDataset } from '../core/data';
import { MAX_DATASET_NUMBERS, checkBudget } from '../core/limits';

/** Options shared by the sequence datasets. */
export interface SequenceOptions {
  /**
   * Number of sequences (default 512). A dataset may hold at most 10 million numbers,
   * n x length x features per step (about 400 MB as JavaScript arrays, a tenth of Node's default heap).
   */
  n?: number;
  /** Sequence length T: time steps per sequence (default 50). */
  length?: number;
  /** Seed of the random numbers (default 0). */
  seed?: number;
}

/**
 * Checks the options every sequence dataset shares. `features` is the numbers per time step: the memory
 * is n x length x features numbers, at most MAX_DATASET_NUMBERS (10 million; checked before generating).
 */
function common(where: string, options: SequenceOptions, minSteps: number, features: number, extra: string[] = []) {
  checkKeys(where, options, ['n', 'length', 'seed', ...extra]);
  const n = checkInt(where, 'n', options.n ?? 512, 1, 1_000_000);
  const steps = checkInt(where, 'length', options.length ?? 50, minSteps, 100_000);
  const field = options.n !== undefined && (options.length === undefined || n >= steps) ? 'n' : 'length';
  checkBudget(where, field, options[field], n * steps * features, MAX_DATASET_NUMBERS, `numbers (n x length x ${features})`, 40, 'datasets of at most', 'as JavaScript arrays');
  const seed = checkSeedValue(where, options.seed ?? 0);
  return { n, steps, seed, rng: new Random(seed) };
}

/**
 * The adding problem, in the form of Le, Jaitly & Hinton 2015 (the task is Hochreiter & Schmidhuber 1997's,
 * whose values lie in [-1, 1] and whose target is a scaled sum). Each time step carries two numbers: a value drawn
 * uniformly from [0, 1) and a marker that is 1 at exactly two steps (one in the first half of the sequence,
 * one in the second) and 0 elsewhere. The target is the sum of the two marked values (a regression, mean
 * squared error). Always predicting 1 gives a loss of about 1/6 (the variance of a sum of two uniforms):
 * a model only beats that if gradient reaches the first marked step.
 *
 * @example
 *   const data = addingProblem({ n: 256, length: 100 });   // x: [256][100][2], y: [256][1]
 */
export function addingProblem(options: SequenceOptions = {}): SequenceDataset {
  const { n, steps, seed, rng } = common('addingProblem', options, 2, 2);
  const half = Math.floor(steps / 2);
  const x: number[][][] = [];
  const y: number[][] = [];
  for (let i = 0; i < n; i++) {
    const values = Array.from({ length: steps }, () => Math.fround(rng.uniform()));
    const first = rng.int(half);
    const second = half + rng.int(steps - half);
    x.push(values.map((v, t) => [v, t === first || t === second ? 1 : 0]));
    y.push([Math.fround(values[first] + values[second])]);
  }
  return {
    name: 'addingProblem',
    description: `sum of the two marked values in a sequence of ${steps} (Hochreiter & Schmidhuber 1997)`,
    task: 'regression',
    x,
    y,
    inputs: 2,
    outputs: 1,
    length: steps,
    seed,
  };
}

/**
 * The temporal order problem (Hochreiter & Schmidhuber 1997; used by Pascanu, Mikolov & Bengio 2013).
 * Each step is a one-hot symbol out of six: four distractors (a, b, c, d) and two relevant symbols X and Y.
 * Exactly two relevant symbols appear, the first in the window [T/10, 2T/10), the second in [5T/10, 6T/10);
 * the class says which order they came in: XX, XY, YX or YY (4 classes, cross-entropy). Everything after
 * the second window is noise, so the network must carry information across at least 4T/10 steps.
 *
 * @example
 *   const data = temporalOrder({ n: 512, length: 60 });   // inputs 6, outputs 4
 */
export function temporalOrder(options: SequenceOptions = {}): SequenceDataset {
  const { n, steps, seed, rng } = common('temporalOrder', options, 10, 6);
  const windowStart = [Math.floor(steps / 10), Math.floor((5 * steps) / 10)];
  const windowLength = Math.max(1, Math.floor(steps / 10));
  const x: number[][][] = [];
  const y: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const symbols = Array.from({ length: steps }, () => rng.int(4)); // distractors 0..3
    const firstIsY = rng.uniform() < 0.5;
    const secondIsY = rng.uniform() < 0.5;
    symbols[windowStart[0] + rng.int(windowLength)] = firstIsY ? 5 : 4; // X = 4, Y = 5
    symbols[windowStart[1] + rng.int(windowLength)] = secondIsY ? 5 : 4;
    const label = (firstIsY ? 2 : 0) + (secondIsY ? 1 : 0);
    x.push(symbols.map((s) => Array.from({ length: 6 }, (_, k) => (k === s ? 1 : 0))));
    y.push(Array.from({ length: 4 }, (_, k) => (k === label ? 1 : 0)));
    labels.push(label);
  }
  return {
    name: 'temporalOrder',
    description: `order of two relevant symbols (XX, XY, YX, YY) in a sequence of ${steps} (Hochreiter & Schmidhuber 1997)`,
    task: 'multiclass',
    x,
    y,
    labels,
    classes: 4,
    inputs: 6,
    outputs: 4,
    length: steps,
    seed,
  };
}

/**
 * The latch task (information latching, Bengio, Simard & Frasconi 1994): a copy task with one bit to
 * copy. The first step carries a bit, +1 or -1; every later step carries only Gaussian noise of standard
 * deviation `noise`. The target is the bit (class 1 for +1, class 0 for -1) read at the last step, so the
 * network must hold one number for T steps.
 *
 * @example
 *   const data = latch({ n: 256, length: 40, noise: 0.2 });   // x: [256][40][1], task 'binary'
 */
export function latch(options: SequenceOptions & { noise?: number } = {}): SequenceDataset {
  const { n, steps, seed, rng } = common('latch', options, 1, 1, ['noise']);
  const noise = checkNumber('latch', 'noise', options.noise ?? 0.2, 0, 10);
  const x: number[][][] = [];
  const y: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const bit = rng.uniform() < 0.5 ? 1 : 0;
    x.push(Array.from({ length: steps }, (_, t) => [Math.fround(t === 0 ? (bit ? 1 : -1) : rng.normal(0, noise))]));
    y.push([bit]);
    labels.push(bit);
  }
  return {
    name: 'latch',
    description: `remember the sign of the first step through ${steps - 1} noisy steps (Bengio et al. 1994)`,
    task: 'binary',
    x,
    y,
    labels,
    classes: 2,
    inputs: 1,
    outputs: 1,
    length: steps,
    seed,
  };
}
