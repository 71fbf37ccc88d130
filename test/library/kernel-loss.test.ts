/**
 * The training step's loss kernel by kernel (models/kernel-loss.ts) against TensorFlow.js's autodiff of
 * `lossFunction` (what the step used before, and still uses with GRADSCOPE_KERNEL_LOSS=0): the loss, the
 * accuracy and dLoss/dy equal bit for bit, on outputs that include zeros, huge logits and a NaN; and in a
 * training step the engine sees none of the loss's operations.
 */
import * as tf from '@tensorflow/tfjs';
import { ready } from '../../src/core/backend';
import { accuracyTensor, lossFunction } from '../../src/core/losses';
import { blobs, mlp, train, xor } from '../../src/index';
import { KernelScope } from '../../src/models/kernel-mlp';
import { kernelLoss, kernelLossCovers } from '../../src/models/kernel-loss';
import { differing } from '../support/bits';

beforeAll(async () => {
  await ready({ quiet: true });
});

afterEach(() => {
  delete process.env.GRADSCOPE_KERNEL_LOSS;
});

/** Outputs of `rows` x `cols`: random, with a zero, ±0.5, huge logits and (when asked) a NaN among them. */
function outputs(rows: number, cols: number, seed: number, withNaN: boolean): tf.Tensor2D {
  const values = tf.randomNormal([rows * cols], 0, 3, 'float32', seed).dataSync().slice();
  values.set([0, 0.5, -0.5, 80, -80, 1e-30], 0);
  if (withNaN) values[7] = NaN;
  return tf.tensor2d(values, [rows, cols]);
}

/** The engine's numbers: tf.valueAndGrad of the loss function, and the accuracy, as kernel-step.ts computed them. */
function viaEngine(name: 'binaryCrossEntropy' | 'softmaxCrossEntropy' | 'meanSquaredError', y: tf.Tensor, target: tf.Tensor) {
  const fn = lossFunction(name, false);
  const { value, grad } = tf.valueAndGrad((z: tf.Tensor) => fn(target, z))(y);
  return { loss: value, accuracy: accuracyTensor(name, target, y, false) ?? tf.scalar(NaN), grad };
}

function viaKernels(name: 'binaryCrossEntropy' | 'softmaxCrossEntropy' | 'meanSquaredError', y: tf.Tensor, target: tf.Tensor) {
  const scope = new KernelScope();
  try {
    const out = kernelLoss(scope, name, y, target);
    return { loss: scope.toTensor(out.loss), accuracy: scope.toTensor(out.accuracy), grad: scope.toTensor(out.grad) };
  } finally {
    scope.dispose();
  }
}

test.each([
  ['binaryCrossEntropy', 64, 1, false],
  ['binaryCrossEntropy', 60, 1, false],
  ['binaryCrossEntropy', 37, 1, true],
  ['meanSquaredError', 64, 1, false],
  ['meanSquaredError', 60, 3, true],
  ['softmaxCrossEntropy', 60, 10, false],
  ['softmaxCrossEntropy', 64, 3, false],
  ['softmaxCrossEntropy', 37, 10, true],
] as const)('%s on %i x %i outputs (NaN among them: %s): the kernels give the engine numbers bit for bit', (name, rows, cols, withNaN) => {
  tf.tidy(() => {
    const y = outputs(rows, cols, rows + cols, withNaN);
    const target = name === 'binaryCrossEntropy'
      ? tf.randomUniform([rows, cols], 0, 1, 'float32', 7).round()
      : name === 'softmaxCrossEntropy'
        ? tf.oneHot(tf.randomUniform([rows], 0, cols, 'int32', 7), cols).toFloat()
        : tf.randomNormal([rows, cols], 0, 2, 'float32', 8);
    const before = tf.memory().numTensors;
    const kernels = viaKernels(name, y, target);
    const engine = viaEngine(name, y, target);
    expect(differing(kernels.loss, engine.loss)).toBe(0);
    expect(differing(kernels.accuracy, engine.accuracy)).toBe(0);
    expect(differing(kernels.grad, engine.grad)).toBe(0);
    // Each side's three results are the only tensors left (the scope freed the rest).
    expect(tf.memory().numTensors - before).toBe(6);
  });
});

test('the check can fail: a gradient off by one float32 step differs', () => {
  tf.tidy(() => {
    const y = outputs(64, 1, 3, false);
    const target = tf.randomUniform([64, 1], 0, 1, 'float32', 9).round();
    const engine = viaEngine('binaryCrossEntropy', y, target);
    const nudged = engine.grad.dataSync().slice();
    nudged[5] = new Float32Array([nudged[5] * (1 + 2 ** -23)])[0];
    expect(differing(viaKernels('binaryCrossEntropy', y, target).grad, tf.tensor(nudged, engine.grad.shape))).toBe(1);
  });
});

test('losses on probabilities stay with the engine', () => {
  expect(kernelLossCovers('softmaxCrossEntropy', true)).toBe(false);
  expect(kernelLossCovers('softmaxCrossEntropy', false)).toBe(true);
  expect(kernelLossCovers('binaryCrossEntropy', true)).toBe(false);
  expect(kernelLossCovers('binaryCrossEntropy', false)).toBe(true);
  expect(kernelLossCovers('meanSquaredError', false)).toBe(true);
});

test("in a training step the engine runs none of the loss's operations", async () => {
  const data = xor({ n: 200, seed: 4 });
  const engineKernels = async (kernelLossOn: boolean) => {
    process.env.GRADSCOPE_KERNEL_LOSS = kernelLossOn ? '1' : '0';
    const model = mlp({ inputs: 2, outputs: 1, depth: 4, width: 16, activation: 'sigmoid', init: 'glorotNormal' });
    const info = await tf.profile(async () => void (await train(model, data, { batchSize: 48, steps: 5, quiet: true, probes: false })));
    model.dispose();
    return info.kernels.map((k) => k.name);
  };
  const withKernelLoss = await engineKernels(true);
  const withEngineLoss = await engineKernels(false);
  for (const op of ['Log1p', 'Exp', 'Abs']) {
    expect(withEngineLoss).toContain(op);
    expect(withKernelLoss).not.toContain(op);
  }
});

test('softmax cross-entropy: training with the loss kernel by kernel gives the histories and weights of the engine loss, bit for bit', async () => {
  const data = blobs({ n: 240, classes: 4, seed: 5 });
  const run = async (kernelLossOn: boolean, batchNorm: false | 'before') => {
    process.env.GRADSCOPE_KERNEL_LOSS = kernelLossOn ? '1' : '0';
    const model = mlp({ inputs: 2, outputs: 4, depth: 3, width: 16, activation: 'sigmoid', init: 'glorotNormal', batchNorm, seed: 3 });
    const history = await train(model, data, { learningRate: 0.5, batchSize: 60, steps: 12, quiet: true, probes: false });
    const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
    model.dispose();
    return { steps: history.steps.map((s) => [s.loss, s.accuracy, s.gradNorm]), weights };
  };
  for (const batchNorm of [false, 'before'] as const) {
    const kernels = await run(true, batchNorm);
    const engine = await run(false, batchNorm);
    expect(kernels.steps).toEqual(engine.steps);
    expect(kernels.weights).toEqual(engine.weights);
    // The loss moved: the comparison is about a run that trains.
    expect(kernels.steps[11][0]).toBeLessThan(kernels.steps[0][0]);
  }
});
