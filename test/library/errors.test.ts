import { ready } from '../../src/core/backend';
import * as tf from '@tensorflow/tfjs';
import {
  Random,
  activationStats,
  addingProblem,
  blobs,
  circles,
  diagnose,
  gradientNorms,
  gradientOverTime,
  initializer,
  latch,
  mlp,
  modelInfo,
  moons,
  probeCallback,
  recurrent,
  spirals,
  splitDataset,
  takeExamples,
  temporalOrder,
  toTensors,
  train,
  weightStats,
  xor,
} from '../../src/advanced';

beforeAll(async () => {
  await ready({ quiet: true });
});

const model = () => mlp({ inputs: 2, outputs: 1, depth: 2, width: 4 });
const data = () => spirals({ n: 32 });

/** Every message names the function, the field, the value seen and what is allowed. */
const cases: [string, () => unknown, RegExp][] = [
  ['Random seed', () => new Random(-1), /^Random: seed is -1; allowed: an integer from 0 to 4294967295$/],
  ['spirals n', () => spirals({ n: 0 }), /^spirals: n is 0; allowed: an integer from 2 to 1000000$/],
  ['spirals typo', () => spirals({ noize: 0.1 } as never), /^spirals: unknown field 'noize' in options; allowed fields: n, noise, seed, classes, turns \(did you mean 'noise'\?\)$/],
  ['moons noise', () => moons({ noise: -1 }), /^moons: noise is -1; allowed: a finite number at least 0 and at most 10$/],
  ['circles factor', () => circles({ factor: 1.5 }), /^circles: factor is 1.5; allowed: a finite number greater than 0 and at most 1$/],
  ['xor seed', () => xor({ seed: 1.5 }), /^xor: seed is 1.5; allowed: an integer from 0 to 4294967295$/],
  ['blobs centers', () => blobs({ centers: [[0, 0]] }), /^blobs: centers is \[\[0,0\]\]; allowed: an array of at least 2 points/],
  ['adding length', () => addingProblem({ length: 1 }), /^addingProblem: length is 1; allowed: an integer from 2 to 100000$/],
  ['temporal order length', () => temporalOrder({ length: 5 }), /^temporalOrder: length is 5; allowed: an integer from 10 to 100000$/],
  ['latch noise', () => latch({ noise: NaN }), /^latch: noise is NaN; allowed: a finite number/],
  ['toTensors data', () => toTensors({ x: [], y: [] }), /^toTensors: data.x is \[\]; allowed: a non-empty array or a tensor$/],
  ['toTensors lengths', () => toTensors({ x: [[1, 2]], y: [[1], [0]] }), /^toTensors: data.y length is 2; allowed: the number of examples in data.x \(1\)$/],
  ['splitDataset fraction', () => splitDataset(data(), 1), /^splitDataset: testFraction is 1; allowed: a number between 0 and 1/],
  ['takeExamples n', () => takeExamples(data(), 0), /^takeExamples: n is 0; allowed: an integer of at least 1$/],
  ['mlp depth', () => mlp({ inputs: 2, outputs: 1, depth: -3, width: 4 }), /^mlp: depth is -3; allowed: an integer from 1 to 200$/],
  ['mlp activation', () => mlp({ inputs: 2, outputs: 1, depth: 2, width: 4, activation: 'relu6' as never }), /^mlp: activation is 'relu6'; allowed: one of 'sigmoid', 'tanh', 'relu', 'leakyRelu'/],
  ['mlp init', () => mlp({ inputs: 2, outputs: 1, depth: 2, width: 4, init: 'xavier' as never }), /^mlp: init is 'xavier'; allowed: one of 'naive', 'glorotNormal'/],
  ['mlp width list', () => mlp({ inputs: 2, outputs: 1, depth: 3, width: [4, 4] }), /^mlp: width is \[4,4\]; allowed: one number, or an array of 3 numbers/],
  ['mlp batchNorm', () => mlp({ inputs: 2, outputs: 1, depth: 2, width: 4, batchNorm: 'middle' as never }), /^mlp: batchNorm is 'middle'; allowed: one of 'before', 'after'$/],
  ['mlp initStd without naive', () => mlp({ inputs: 2, outputs: 1, depth: 2, width: 4, init: 'heNormal', initStd: 0.1 }), /^mlp: initStd is 0.1; allowed: only with init 'naive'/],
  ['mlp missing options', () => mlp(undefined as never), /^mlp: options is undefined; allowed: an object/],
  ['mlp typo', () => mlp({ inputs: 2, outputs: 1, depth: 2, width: 4, activaton: 'relu' } as never), /^mlp: unknown field 'activaton' in options/],
  ['recurrent cell', () => recurrent({ cell: 'transformer' as never, units: 4, inputs: 2, outputs: 1 }), /^recurrent: cell is 'transformer'; allowed: one of 'simple', 'lstm', 'gru'$/],
  ['recurrent forgetBias', () => recurrent({ cell: 'gru', units: 4, inputs: 2, outputs: 1, forgetBias: 1 }), /^recurrent: forgetBias is 1; allowed: only with cell 'lstm'$/],
  ['initializer name', () => initializer('he' as never), /^initializer: name is 'he'; allowed: one of/],
  ['modelInfo model', () => modelInfo({} as never), /^modelInfo: model is object; allowed: a tf.LayersModel/],
  ['gradientNorms model', () => gradientNorms({} as never, data()), /^gradientNorms: model is an empty object; allowed: a tf.LayersModel/],
  ['gradientNorms data', () => gradientNorms(model(), [] as never), /^gradientNorms: data is \[\]; allowed: a gradscope dataset or an object \{x, y\}/],
  ['gradientNorms parameters', () => gradientNorms(model(), data(), { parameters: 'weights' as never }), /^gradientNorms: parameters is 'weights'; allowed: one of 'kernels', 'all'$/],
  ['gradientNorms loss', () => gradientNorms(model(), data(), { loss: 'hinge' as never }), /^gradientNorms: loss is 'hinge'; allowed: one of 'binaryCrossEntropy', 'softmaxCrossEntropy', 'meanSquaredError'$/],
  ['activationStats slope', () => activationStats(model(), data(), { saturationSlope: 2 }), /^activationStats: saturationSlope is 2; allowed: a finite number greater than 0 and at most 1$/],
  ['weightStats step', () => weightStats(model(), { step: -1 }), /^weightStats: step is -1; allowed: an integer from 0 to/],
  ['gradientOverTime data', () => gradientOverTime(model(), data()), /^gradientOverTime: data.x is 'a tensor of shape \[32, 2\]'; allowed: sequences shaped \[examples, time steps, features\]$/],
  ['probeCallback every', () => probeCallback(model(), data(), { every: 0 }), /^probeCallback: options.every is 0; allowed: an integer from 1 to/],
];

describe('error messages name the field, the value and what is allowed', () => {
  test.each(cases)('%s', (_, call, message) => {
    expect(call).toThrow(message);
  });

  test('train validates its options before doing anything', async () => {
    const start = tf.memory().numTensors;
    const m = model();
    const built = tf.memory().numTensors;
    await expect(train(m, data(), { optimizer: 'adagrad' as never })).rejects.toThrow(/^train: optimizer is 'adagrad'; allowed: one of 'sgd', 'momentum', 'adam', 'rmsprop'$/);
    await expect(train(m, data(), { learningRate: 0 })).rejects.toThrow(/^train: learningRate is 0; allowed: a finite number greater than 0/);
    await expect(train(m, data(), { batchSize: 1000 })).rejects.toThrow(/^train: batchSize is 1000; allowed: an integer from 1 to 32$/);
    await expect(train(m, data(), { steps: 5, epochs: 2 })).rejects.toThrow(/^train: epochs is 2; allowed: left out when steps is given/);
    await expect(train(m, data(), { clipNorm: -1 })).rejects.toThrow(/^train: clipNorm is -1; allowed: a finite number greater than 0/);
    await expect(train(m, data(), { probes: { every: 0 } })).rejects.toThrow(/^train: probes.every is 0; allowed: an integer from 1 to/);
    await expect(train(m, data(), { probes: { evry: 5 } as never })).rejects.toThrow(/^train: unknown field 'evry' in probes/);
    await expect(train(m, data(), { momentum: 0.9 })).rejects.toThrow(/^train: momentum is 0.9; allowed: only with optimizer 'momentum'$/);
    await expect(train(m, { x: [[1, 2, 3]], y: [[1]] })).rejects.toThrow(/^train: data.x shape is '\[1, 3\]'; allowed: \[examples, 2\] to fit the model's input$/);
    await expect(train(m, { x: [[1, 2]], y: [[1, 0]] }, { loss: 'meanSquaredError' })).rejects.toThrow(/^train: data.y columns is 2; allowed: 1 \(the model's outputs\)$/);
    expect(tf.memory().numTensors).toBe(built);
    m.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  test('diagnose validates its options', async () => {
    await expect(diagnose(model(), data(), { trialSteps: -5 })).rejects.toThrow(/^diagnose: trialSteps is -5; allowed: an integer from 0 to 1000000$/);
    await expect(diagnose(model(), data(), { optimizer: 'lbfgs' as never })).rejects.toThrow(/^diagnose: optimizer is 'lbfgs'; allowed: one of/);
  });
});
