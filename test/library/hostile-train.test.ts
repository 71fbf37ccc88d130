/**
 * Hostile inputs to training and building: no tensor is left behind by any optimizer, by diagnose, or by
 * a build that fails; every request too large for memory is refused before anything is allocated, with an
 * error naming the function, the field, the value and the limit; and a long run's history stays bounded.
 */
import * as tf from '@tensorflow/tfjs';
import { ready } from '../../src/core/backend';
import {
  activationFigure,
  addingProblem,
  diagnose,
  gradientHeatmapFigure,
  latch,
  lossCurvesFigure,
  lossSeries,
  mlp,
  recurrent,
  spirals,
  tailMean,
  temporalOrder,
  train,
  trainTogether,
} from '../../src/advanced';
import { buildCleanly } from '../../src/models/build';
import { mlpParameterCount } from '../../src/models/mlp';
import { recurrentParameterCount } from '../../src/models/recurrent';
import { boundHistory } from '../../src/probes/bound';
import { OPTIMIZERS } from '../../src/training/optimizers';

beforeAll(async () => {
  await ready({ quiet: true });
});

const small = (seed = 0) => mlp({ inputs: 2, outputs: 1, depth: 2, width: 4, seed });
const points = () => spirals({ n: 32 });

/** Tensors alive after `run` minus before it (models made by the caller are made before the count). */
async function tensorsLeftBy(run: () => unknown): Promise<number> {
  const before = tf.memory().numTensors;
  try {
    await run();
  } catch {
    // the failure itself is checked elsewhere; here only what it left behind
  }
  return tf.memory().numTensors - before;
}

describe('no tensor is left behind', () => {
  test.each(OPTIMIZERS)('train with %s', async (optimizer) => {
    const model = small();
    expect(await tensorsLeftBy(() => train(model, points(), { optimizer, steps: 3, quiet: true }))).toBe(0);
  });

  test.each(OPTIMIZERS)('trainTogether with %s', async (optimizer) => {
    const models = [small(0), small(1)];
    expect(await tensorsLeftBy(() => trainTogether(models, points(), { optimizer, steps: 3, quiet: true }))).toBe(0);
  });

  test.each(OPTIMIZERS)('diagnose with %s', async (optimizer) => {
    const model = small();
    expect(await tensorsLeftBy(() => diagnose(model, points(), { optimizer, trialSteps: 3, quiet: true }))).toBe(0);
  });

  test('momentum: ten runs leave nothing (it used to leave one tensor per run)', async () => {
    const model = small();
    expect(await tensorsLeftBy(async () => {
      for (let i = 0; i < 10; i++) await train(model, points(), { optimizer: 'momentum', steps: 1, quiet: true, probes: false });
    })).toBe(0);
  });

  test('a refused mlp build allocates nothing', async () => {
    expect(await tensorsLeftBy(() => mlp({ inputs: 2, outputs: 1, depth: 3, width: [16, 1e5, 1e5] }))).toBe(0);
  });

  test('a build that fails half-way frees the weights it made, and says so', async () => {
    // Real layers, a real allocation failure: the second layer's kernel needs 10^10 numbers.
    const build = () =>
      buildCleanly('mlp', () => {
        const input = tf.input({ shape: [16] });
        const first = tf.layers.dense({ units: 100_000, name: 'hostile_first' }).apply(input) as tf.SymbolicTensor;
        tf.layers.dense({ units: 100_000, name: 'hostile_second' }).apply(first);
      });
    expect(build).toThrow(/^mlp: building the model failed \(RangeError: .*\); the weights made so far were freed$/);
    expect(await tensorsLeftBy(build)).toBe(0);
  });

  test('a refused trainTogether option leaves the data tensors behind no more', async () => {
    const models = [small(0), small(1)];
    expect(await tensorsLeftBy(() => trainTogether(models, points(), { steps: 2, seed: -1, quiet: true }))).toBe(0);
  });
});

describe('requests too large for memory are refused before allocating', () => {
  const cases: [string, () => unknown, RegExp][] = [
    [
      'mlp with a 10^10-weight layer',
      () => mlp({ inputs: 2, outputs: 1, depth: 3, width: [16, 1e5, 1e5] }),
      /^mlp: width is \[16,100000,100000\]; allowed: sizes whose weights fit in 20 000 000 parameters \(80 MB as float32\); this request needs 10 001 900 049 parameters \(40 GB\)$/,
    ],
    [
      'mlp with a huge input',
      () => mlp({ inputs: 1_000_000, outputs: 1, depth: 1, width: 100 }),
      /^mlp: inputs is 1000000; allowed: sizes whose weights fit in 20 000 000 parameters .*needs 100 000 201 parameters/,
    ],
    [
      'ten stacked LSTM layers of 10 000 units',
      () => recurrent({ cell: 'lstm', units: 10000, inputs: 2, outputs: 1, layers: 10 }),
      /^recurrent: units is 10000; allowed: sizes whose weights fit in 20 000 000 parameters \(80 MB as float32\); this request needs 7 600 490 001 parameters \(30 GB\)$/,
    ],
    [
      'addingProblem of 10^6 sequences of 10^5 steps',
      () => addingProblem({ n: 1e6, length: 1e5 }),
      /^addingProblem: n is 1000000; allowed: datasets of at most 10 000 000 numbers \(n x length x 2\) \(400 MB as JavaScript arrays\); this request needs 200 000 000 000 numbers/,
    ],
    [
      'temporalOrder of very long sequences',
      () => temporalOrder({ length: 100_000 }),
      /^temporalOrder: length is 100000; allowed: datasets of at most 10 000 000 numbers \(n x length x 6\)/,
    ],
    ['latch of 10^6 sequences of 100 steps', () => latch({ n: 1e6, length: 100 }), /^latch: n is 1000000; allowed: datasets of at most 10 000 000 numbers \(n x length x 1\)/],
    [
      'activationFigure with 10^9 points',
      () => activationFigure('sigmoid', { points: 1e9 }),
      /^activationFigure: options.points is 1000000000; allowed: a whole number from 2 to 100000/,
    ],
  ];
  test.each(cases)('%s', (_name, run, message) => {
    const before = tf.memory().numTensors;
    const heap = process.memoryUsage().heapUsed;
    expect(run).toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
    expect(process.memoryUsage().heapUsed - heap).toBeLessThan(50 * 2 ** 20);
  });

  test('the limits sit just where the counts say', () => {
    expect(mlpParameterCount(2, [64, 64], 1)).toBe(4417);
    expect(mlp({ inputs: 2, outputs: 1, depth: 2, width: 64 }).countParams()).toBe(4417);
    expect(recurrentParameterCount('lstm', 2, 16, 1, 1)).toBe(1233);
    for (const cell of ['simple', 'lstm', 'gru'] as const) {
      expect(recurrent({ cell, units: 8, inputs: 3, outputs: 2, layers: 2 }).countParams()).toBe(recurrentParameterCount(cell, 3, 8, 2, 2));
    }
    // 100 000 x 50 x 2 is exactly the limit; one sequence more is refused
    expect(() => addingProblem({ n: 100_001, length: 50 })).toThrow(/^addingProblem: n is 100001; allowed: datasets of at most 10 000 000 numbers/);
    expect(() => activationFigure('tanh', { points: 100_000 })).not.toThrow();
  });

  test('a training step too large for memory is refused, naming batchSize', async () => {
    // 1000 sequences x 5000 steps x 100 units x 3 values kept per step: 1.5 billion numbers (6 GB)
    const model = recurrent({ cell: 'simple', units: 100, inputs: 1, outputs: 1 });
    const data = { x: tf.zeros([1000, 5000, 1]), y: tf.zeros([1000, 1]), task: 'binary' as const };
    const before = tf.memory().numTensors;
    await expect(train(model, data, { batchSize: 1000, steps: 1, quiet: true, probes: false })).rejects.toThrow(
      /^train: batchSize is 1000; allowed: steps that keep at most 256 000 000 intermediate values per step \(1.0 GB as float32\); this request needs /,
    );
    await expect(diagnose(model, data, { quiet: true })).rejects.toThrow(/^diagnose: data is .*; allowed: steps that keep at most 256 000 000 intermediate values per step/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([data.x, data.y]);
    model.dispose();
  });

  test('historyLimit outside 10 to 1 000 000 is refused', async () => {
    await expect(train(small(), points(), { steps: 1, quiet: true, historyLimit: 5 })).rejects.toThrow(/^train: historyLimit is 5; allowed: an integer from 10 to 1000000$/);
    await expect(trainTogether([small()], points(), { steps: 1, quiet: true, historyLimit: 1.5 })).rejects.toThrow(/^trainTogether: historyLimit is 1.5; allowed: an integer from 10 to 1000000$/);
  });
});

describe('a long run keeps a bounded history', () => {
  const tiny = () => mlp({ inputs: 2, outputs: 1, depth: 1, width: 2, seed: 3 });
  const everyStep = { every: 1, gradients: true, weights: false, activations: false, updates: false };

  test('3000 steps with the default limit: 751 step records, every 4th, first and last kept, the same each run', async () => {
    const quick = () => train(tiny(), spirals({ n: 64 }), { steps: 3000, quiet: true, probes: false });
    const history = await quick();
    expect(history.historyLimit).toBe(1000);
    expect(history.keptEvery.steps).toBe(4);
    // steps 1, 5, ..., 2997 (750 records, every 4th) and the newest, 3000
    expect(history.steps.length).toBe(751);
    expect(history.steps[0].step).toBe(1);
    expect(history.steps[history.steps.length - 1].step).toBe(3000);
    const gaps = history.steps.slice(1, -1).map((s, i) => s.step - history.steps[i].step);
    expect(new Set(gaps)).toEqual(new Set([4]));
    // the same seed keeps the same records
    expect((await quick()).steps).toEqual(history.steps);
  }, 300_000);

  test('a probe at every step: every list bounded the same way, and records and figures still work', async () => {
    // 300 steps with a limit of 100 thin exactly as 3000 steps with the default 1000
    const history = await train(tiny(), spirals({ n: 64 }), { steps: 300, quiet: true, historyLimit: 100, probes: everyStep });
    expect(history.keptEvery).toMatchObject({ steps: 4, gradients: 4 });
    expect(history.steps.map((s) => s.step)).toEqual([...Array.from({ length: 75 }, (_, i) => 1 + 4 * i), 300]);
    expect(history.gradients.map((g) => g.step)).toEqual(Array.from({ length: 76 }, (_, i) => 4 * i));
    expect(lossSeries(history).steps).toHaveLength(76);
    expect(Number.isFinite(tailMean(history, 20))).toBe(true);
    expect(lossCurvesFigure([lossSeries(history)]).data.length).toBeGreaterThan(0);
    expect(gradientHeatmapFigure(history.gradients).data.length).toBeGreaterThan(0);
    // memory: about a quarter of the records a run keeping everything holds (301 per list)
    const bytes = JSON.stringify(history).length;
    const perRecord = JSON.stringify(history.steps[1]).length + JSON.stringify(history.gradients[1]).length;
    expect(bytes).toBeLessThan(0.3 * 301 * perRecord);
    // trainTogether bounds its histories the same way
    const [together] = await trainTogether([tiny(), tiny()], spirals({ n: 64 }), { steps: 300, quiet: true, historyLimit: 100, probes: everyStep });
    expect(together.steps.map((s) => s.step)).toEqual(history.steps.map((s) => s.step));
    expect(together.gradients.map((g) => g.step)).toEqual(history.gradients.map((g) => g.step));
  }, 300_000);

  test('runs under the limit keep every record', async () => {
    const history = await train(tiny(), spirals({ n: 64 }), { steps: 1000, quiet: true, probes: { every: 10 } });
    expect(history.steps.map((s) => s.step)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(history.keptEvery.steps).toBe(1);
  }, 120_000);

  test('the thinning rule on plain numbers', () => {
    const log = { values: [] as number[] };
    for (let i = 0; i < 95; i++) {
      log.values.push(i);
      boundHistory(log, ['values'], 20);
      expect(log.values.length).toBeLessThanOrEqual(21);
      expect(log.values[0]).toBe(0);
      expect(log.values[log.values.length - 1]).toBe(i);
    }
    // 95 records, limit 20: every 8th (0, 8, ..., 88) and the newest, 94
    expect(log.values).toEqual([0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 94]);
  });
});
