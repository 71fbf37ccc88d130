import { ready } from '../../src/core/backend';
import * as tf from '@tensorflow/tfjs';
import { ProgressLine } from '../../src/training/progress';
import { History, OPTIMIZERS, clipGradients, evaluate, gradientNorms, mlp, moons, recurrent, addingProblem, spirals, train, xor } from '../../src/advanced';

beforeAll(async () => {
  await ready({ quiet: true });
});

describe('clipping maths', () => {
  // g1 = [3, 4] (norm 5), g2 = [0, 12] (norm 12): global norm 13.
  const run = (options: Parameters<typeof clipGradients>[1]) =>
    tf.tidy(() => {
      const r = clipGradients([tf.tensor1d([3, 4]), tf.tensor1d([0, 12])], options);
      return {
        grads: r.grads.map((g) => Array.from(g.dataSync())),
        before: r.normBefore.dataSync()[0],
        after: r.normAfter.dataSync()[0],
        value: r.valueFired.dataSync()[0],
        norm: r.normFired.dataSync()[0],
        global: r.globalFired.dataSync()[0],
      };
    });

  test('by global norm: every gradient scaled by c / N', () => {
    const r = run({ clipGlobalNorm: 6.5 });
    expect(r.before).toBeCloseTo(13, 5);
    expect(r.grads[0][0]).toBeCloseTo(1.5, 5);
    expect(r.grads[0][1]).toBeCloseTo(2, 5);
    expect(r.grads[1][1]).toBeCloseTo(6, 5);
    expect(r.after).toBeCloseTo(6.5, 5);
    expect(r.global).toBe(1);
  });

  test('by norm per tensor: only tensors above c are scaled', () => {
    const r = run({ clipNorm: 6 });
    expect(r.grads[0]).toEqual([3, 4]);
    expect(r.grads[1][1]).toBeCloseTo(6, 5);
    expect(r.norm).toBe(1);
    expect(r.after).toBeCloseTo(Math.sqrt(25 + 36), 5);
  });

  test('by value: entries clipped to [-c, c]', () => {
    const r = run({ clipValue: 3.5 });
    expect(r.grads).toEqual([
      [3, 3.5],
      [0, 3.5],
    ]);
    expect(r.value).toBe(1);
  });

  test('thresholds above the gradient change nothing and do not fire', () => {
    const r = run({ clipGlobalNorm: 20, clipNorm: 20, clipValue: 20 });
    expect(r.grads).toEqual([
      [3, 4],
      [0, 12],
    ]);
    expect([r.value, r.norm, r.global]).toEqual([0, 0, 0]);
  });

  test('train reports how often clipping fired', async () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 2, width: 8, activation: 'tanh' });
    const h = await train(model, moons({ n: 64 }), { steps: 20, batchSize: 16, clipGlobalNorm: 1e-6, probes: false, quiet: true });
    expect(h.clipping).toMatchObject({ steps: 20, firedSteps: 20, firedShare: 1, globalNormFired: 20 });
    h.steps.forEach((s) => expect(s.clippedNorm).toBeCloseTo(1e-6, 8));
    const loose = await train(model, moons({ n: 64 }), { steps: 5, clipGlobalNorm: 1e9, probes: false, quiet: true });
    expect(loose.clipping!.firedSteps).toBe(0);
  });
});

describe('train', () => {
  test('learns xor with every optimizer', async () => {
    for (const optimizer of OPTIMIZERS) {
      const model = mlp({ inputs: 2, outputs: 1, depth: 2, width: 16, activation: 'tanh', seed: 1 });
      const h = await train(model, xor({ n: 256 }), { optimizer, learningRate: optimizer === 'sgd' ? 0.5 : optimizer === 'momentum' ? 0.05 : 0.02, epochs: 40, probes: false, quiet: true });
      const last = h.steps.slice(-8);
      const accuracy = last.reduce((a, s) => a + s.accuracy!, 0) / last.length;
      expect(accuracy).toBeGreaterThan(0.85);
      model.dispose();
    }
  });

  test('is deterministic: same seeds, same numbers', async () => {
    const run = async () => {
      const model = mlp({ inputs: 2, outputs: 1, depth: 4, width: 8, activation: 'relu', init: 'heNormal', batchNorm: true, seed: 3 });
      const h = await train(model, spirals({ n: 128, seed: 1 }), { optimizer: 'adam', steps: 30, batchSize: 16, seed: 7, probes: { every: 10, histograms: true }, quiet: true });
      model.dispose();
      return { ...h, msPerStep: 0 };
    };
    const a = await run();
    const b = await run();
    expect(b).toEqual(a);
    expect(a.gradients.map((g) => g.step)).toEqual([0, 10, 20, 30]);
  });

  test('batch gradients of a full-batch first step equal gradientNorms at the initial weights', async () => {
    const data = moons({ n: 64 });
    const model = mlp({ inputs: 2, outputs: 1, depth: 3, width: 8, activation: 'sigmoid', seed: 2 });
    const expected = gradientNorms(model, data);
    const h = await train(model, data, { steps: 1, batchSize: 64, shuffle: false, probes: { batchGradients: true, every: 100 }, quiet: true });
    h.batchGradients[0].layers.forEach((l, i) => expect(Math.abs(l.norm / expected.layers[i].norm - 1)).toBeLessThan(1e-5));
  });

  test('stops on NaN/Inf with a clear message and keeps the history so far', async () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 3, width: 8, activation: 'linear', init: 'glorotNormal' });
    const data = { x: spirals({ n: 64 }).x, y: spirals({ n: 64 }).x.map((p) => [p[0] * 10]) };
    const h = await train(model, data, { loss: 'meanSquaredError', learningRate: 5, steps: 500, probes: { every: 5 }, quiet: true });
    expect(h.stopped).not.toBeNull();
    expect(h.stopped!.reason).toBe('nonFinite');
    expect(h.stopped!.message).toMatch(/train: the (loss|gradient norm) became (NaN|Infinity) at step \d+/);
    expect(h.steps.length).toBe(h.stopped!.step - 1);
    expect(model.getWeights().every((w) => Array.from(w.dataSync()).every(Number.isFinite))).toBe(true);
    const model2 = mlp({ inputs: 2, outputs: 1, depth: 3, width: 8, activation: 'linear', init: 'glorotNormal' });
    await expect(train(model2, data, { loss: 'meanSquaredError', learningRate: 5, steps: 500, probes: false, quiet: true, onNonFinite: 'throw' })).rejects.toThrow(/training stopped/);
  });

  test('records validation loss and update ratios at the probe cadence', async () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 2, width: 8, activation: 'tanh' });
    const h = await train(model, moons({ n: 128 }), { steps: 20, probes: { every: 10 }, validation: moons({ n: 64, seed: 4 }), quiet: true });
    expect(h.validation.map((v) => v.step)).toEqual([0, 10, 20]);
    expect(h.updates.map((u) => u.step)).toEqual([10, 20]);
    const ratio = h.updates[0].layers[0].ratio!;
    expect(ratio).toBeGreaterThan(1e-6);
    expect(ratio).toBeLessThan(1);
  });

  test('recurrent models train and record the gradient over time', async () => {
    const model = recurrent({ cell: 'lstm', units: 4, inputs: 2, outputs: 1 });
    const h = await train(model, addingProblem({ n: 32, length: 8 }), { optimizer: 'adam', steps: 4, batchSize: 16, probes: { every: 2 }, quiet: true });
    expect(h.overTime.map((o) => o.step)).toEqual([0, 2, 4]);
    expect(h.overTime[0].norms).toHaveLength(8);
    expect(h.activations).toHaveLength(0);
  });
});

describe('no tensor leaks', () => {
  test('numTensors is flat over 1000 steps with every probe on, and back to the start afterwards', async () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 2, width: 4, activation: 'relu', batchNorm: true, seed: 1 });
    const data = spirals({ n: 64 });
    const start = tf.memory().numTensors;
    const counts: number[] = [];
    const h = await train(model, data, {
      optimizer: 'adam',
      steps: 1000,
      batchSize: 8,
      clipNorm: 1,
      clipValue: 1,
      clipGlobalNorm: 1,
      validation: data,
      probes: { every: 100, histograms: true, parameters: 'all', batchGradients: true },
      quiet: true,
      onProbe: () => {
        counts.push(tf.memory().numTensors);
      },
    });
    expect(h.steps).toHaveLength(1000);
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(start);
  });

  test('an error thrown mid-run leaves no tensors behind and carries the history', async () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 2, width: 4, activation: 'tanh' });
    const start = tf.memory().numTensors;
    let caught: (Error & { history?: History }) | undefined;
    try {
      await train(model, spirals({ n: 64 }), {
        optimizer: 'rmsprop',
        steps: 1000,
        probes: { every: 50 },
        quiet: true,
        onProbe: (history) => {
          if (history.lastStep >= 500) throw new Error('stop here');
        },
      });
    } catch (error) {
      caught = error as Error & { history?: History };
    }
    expect(caught?.message).toBe('stop here');
    expect(caught?.history?.lastStep).toBe(500);
    expect(caught?.history?.stopped?.reason).toBe('error');
    expect(tf.memory().numTensors).toBe(start);
  });
});

describe('evaluate and the notebook progress line', () => {
  test('evaluate gives loss and accuracy on a whole dataset without leaking', async () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 2, width: 16, activation: 'tanh', seed: 1 });
    await train(model, xor({ n: 256 }), { optimizer: 'adam', learningRate: 0.02, epochs: 30, probes: false, quiet: true });
    const start = tf.memory().numTensors;
    const e = evaluate(model, xor({ n: 200, seed: 5 }));
    expect(tf.memory().numTensors).toBe(start);
    expect(e.examples).toBe(200);
    expect(e.lossName).toBe('binaryCrossEntropy');
    expect(e.accuracy!).toBeGreaterThan(0.85);
  });

  test('in a notebook, progress is one display updated in place', () => {
    const calls: { text: string; id: string; update: boolean }[] = [];
    const line = new ProgressLine(true, (d, update) => calls.push({ text: String(d.data['text/plain']), id: String(d.transient.display_id), update }));
    line.update('step 1/3', true);
    line.update('step 2/3'); // within 250 ms of the last one: skipped
    line.finish('trained 3 steps');
    expect(calls.map((c) => [c.text, c.update])).toEqual([
      ['step 1/3', false],
      ['trained 3 steps', true],
    ]);
    expect(new Set(calls.map((c) => c.id)).size).toBe(1);
    expect(new ProgressLine(false, () => calls.push({ text: '', id: '', update: false })).update('x', true)).toBeUndefined();
    expect(calls).toHaveLength(2);
  });
});
