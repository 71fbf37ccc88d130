/**
 * The probes' kernel-by-kernel pass (probes/kernel-probe.ts) against the layers API's (GRADSCOPE_PROBE_KERNEL=0):
 * `activationStats`, `activationGradients` and `gradientNorms` give the same records, every number equal to
 * the last bit, for every activation the pass computes, residual networks (identity and projected skips,
 * scaled branches), with and without histograms, in both `training` modes, for every loss, on wasm and cpu;
 * no tensor left behind; the pass really taken (the engine sees a fraction of the operations); the models it
 * does not cover (batch norm, gelu, ...) and bad input handled as before.
 */
import * as tf from '@tensorflow/tfjs';
import { ready } from '../../src/core/backend';
import { DataLike } from '../../src/core/data';
import { MlpOptions, activationGradients, activationStats, blobs, gradientNorms, mlp, moons } from '../../src/index';
import { probePass } from '../../src/probes/kernel-probe';
import { onBackend } from '../support/kernel-runs';

beforeAll(async () => {
  await ready({ quiet: true });
});
afterEach(() => {
  delete process.env.GRADSCOPE_PROBE_KERNEL;
});

/** Paths (as 'path: a vs b') where two records differ: numbers as bits (Object.is: NaN equals NaN, 0 and -0 differ). */
function differences(a: unknown, b: unknown, path = ''): string[] {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b) ? [] : [`${path}: ${a} vs ${b}`];
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`));
  }
  return a === b ? [] : [`${path}: ${String(a)} vs ${String(b)}`];
}

/** Every probe with the given options, through the layers API (`engine`) or the kernel pass. */
function probeAll(model: tf.LayersModel, data: DataLike, engine: boolean, options: { histograms: boolean; training: boolean; loss?: 'binaryCrossEntropy' | 'meanSquaredError' | 'softmaxCrossEntropy' }) {
  if (engine) process.env.GRADSCOPE_PROBE_KERNEL = '0';
  else delete process.env.GRADSCOPE_PROBE_KERNEL;
  const { histograms, training, loss } = options;
  return {
    activations: activationStats(model, data, { training, step: 3 }),
    backward: activationGradients(model, data, { training, loss }),
    kernels: gradientNorms(model, data, { training, histograms, loss }),
    all: gradientNorms(model, data, { training, histograms, loss, parameters: 'all' }),
  };
}

const moonsData = moons({ n: 96, seed: 5 });
const build = (options: Partial<MlpOptions>, seed = 1) => mlp({ inputs: 2, outputs: 1, depth: 5, width: 12, seed, ...options } as MlpOptions);

const MODELS: [string, Partial<MlpOptions>][] = [
  ['relu, He', { activation: 'relu', init: 'heNormal' }],
  ['relu, naive 0.01, 12 deep (underflowing signal)', { activation: 'relu', init: 'naive', initStd: 0.01, depth: 12 }],
  ['sigmoid, Glorot', { activation: 'sigmoid', init: 'glorotNormal' }],
  ['tanh', { activation: 'tanh' }],
  ['elu', { activation: 'elu', init: 'heNormal' }],
  ['selu, LeCun', { activation: 'selu', init: 'lecunNormal' }],
  ['leakyRelu 0.2', { activation: 'leakyRelu', leakyReluAlpha: 0.2 }],
  ['prelu', { activation: 'prelu', init: 'heNormal' }],
  ['linear', { activation: 'linear' }],
  ['residual relu', { activation: 'relu', init: 'heNormal', residual: true }],
  ['residual sigmoid, branches x 0.3', { activation: 'sigmoid', residual: true, residualScale: 0.3 }],
  ['residual relu, widths 12-7-7-9-12 (projected skips)', { activation: 'relu', residual: true, width: [12, 7, 7, 9, 12] }],
  ['residual prelu', { activation: 'prelu', residual: true }],
];

/** Histograms off and on, both training modes, the dataset's loss and mean squared error. */
const SETTINGS = [{ histograms: false, training: true }, { histograms: true, training: false }, { histograms: false, training: true, loss: 'meanSquaredError' as const }];

describe.each(['wasm', 'cpu'])('on %s', (backend) => {
  onBackend(backend);

  // Every model and setting on wasm (the default backend); on cpu, one model of each kind, in two settings.
  const models = backend === 'wasm' ? MODELS : MODELS.filter(([name]) => ['relu, He', 'sigmoid, Glorot', 'elu', 'selu, LeCun', 'prelu', 'residual sigmoid, branches x 0.3', 'residual relu, widths 12-7-7-9-12 (projected skips)'].includes(name));
  test.each(models)('%s: the same records, bit for bit, and no tensor left behind', (_, options) => {
    const model = build(options);
    expect(probePass(model)).not.toBeNull();
    for (const settings of backend === 'wasm' ? SETTINGS : SETTINGS.slice(1)) {
      const before = tf.memory().numTensors;
      const engine = probeAll(model, moonsData, true, settings);
      const afterEngine = tf.memory().numTensors;
      const kernels = probeAll(model, moonsData, false, settings);
      expect(tf.memory().numTensors).toBe(afterEngine);
      expect(afterEngine).toBe(before);
      expect(differences(kernels, engine)).toEqual([]);
    }
    model.dispose();
  });

  test('softmax cross-entropy (three classes, the loss through the autodiff): the same records', () => {
    const data = blobs({ n: 90, classes: 3, seed: 2 });
    const model = mlp({ inputs: 2, outputs: 3, depth: 4, width: 10, activation: 'tanh', seed: 4 });
    const before = tf.memory().numTensors;
    const engine = probeAll(model, data, true, { histograms: true, training: true });
    const kernels = probeAll(model, data, false, { histograms: true, training: true });
    expect(engine.backward.lossName).toBe('softmaxCrossEntropy');
    expect(differences(kernels, engine)).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

test('the comparison can fail: two seeds give different records', () => {
  const [a, b] = [build({ activation: 'relu' }, 1), build({ activation: 'relu' }, 2)];
  const settings = { histograms: true, training: true };
  expect(differences(probeAll(a, moonsData, false, settings), probeAll(b, moonsData, false, settings)).length).toBeGreaterThan(100);
  a.dispose();
  b.dispose();
});

test('the kernel pass is really taken: the engine sees a small fraction of the operations', async () => {
  const model = build({ activation: 'relu', depth: 10 });
  const count = async (engine: boolean) => (await tf.profile(() => void probeAll(model, moonsData, engine, { histograms: false, training: true }))).kernels.length;
  const [viaEngine, viaKernels] = [await count(true), await count(false)];
  expect(viaEngine).toBeGreaterThan(200);
  expect(viaKernels).toBeLessThan(viaEngine / 10);
  model.dispose();
});

test.each([
  ['batch norm', { activation: 'sigmoid', batchNorm: 'before' }],
  ['gelu', { activation: 'gelu' }],
  ['swish', { activation: 'swish' }],
] as [string, Partial<MlpOptions>][])('%s: not on the kernel pass; the layers API gives the records', (_, options) => {
  const model = build(options);
  expect(probePass(model)).toBeNull();
  const settings = { histograms: true, training: true };
  expect(differences(probeAll(model, moonsData, false, settings), probeAll(model, moonsData, true, settings))).toEqual([]);
  model.dispose();
});

test('on the cpu and wasm backends only, and not with GRADSCOPE_PROBE_KERNEL=0', () => {
  const model = build({ activation: 'relu' });
  process.env.GRADSCOPE_PROBE_KERNEL = '0';
  expect(probePass(model)).toBeNull();
  delete process.env.GRADSCOPE_PROBE_KERNEL;
  expect(probePass(model)).not.toBeNull();
  model.dispose();
});

test('bad input: the same errors on both paths, and no tensor left behind', () => {
  const model = build({ activation: 'relu' });
  const wide = { x: [[1, 2, 3]], y: [[1]] };
  const twoTargets = { x: [[1, 2]], y: [[0, 1]] };
  for (const probe of [activationStats, activationGradients, gradientNorms] as ((m: tf.LayersModel, d: DataLike) => unknown)[]) {
    for (const data of [wide, twoTargets]) {
      const message = (engine: boolean) => {
        if (engine) process.env.GRADSCOPE_PROBE_KERNEL = '0';
        else delete process.env.GRADSCOPE_PROBE_KERNEL;
        const before = tf.memory().numTensors;
        try {
          probe(model, data);
        } catch (error) {
          expect(tf.memory().numTensors).toBe(before);
          return (error as Error).message;
        }
        return 'no error';
      };
      const viaKernels = message(false);
      expect(viaKernels).toMatch(/^(activationGradients|gradientNorms|activationStats): .*(data\.x|data\.y|targets|columns|features)/);
      expect(viaKernels).toBe(message(true));
    }
  }
  model.dispose();
});
