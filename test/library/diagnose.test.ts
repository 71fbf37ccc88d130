import { ready } from '../../src/core/backend';
import * as tf from '@tensorflow/tfjs';
import { LESSONS, diagnose, mlp, recurrent, addingProblem, spirals, train } from '../../src/advanced';

beforeAll(async () => {
  await ready({ quiet: true });
});

describe('diagnose', () => {
  test('a deep sigmoid MLP: vanishing gradients are a problem, with number, range, source and lesson', async () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 20, width: 32, activation: 'sigmoid', init: 'glorotNormal', seed: 0 });
    const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
    const start = tf.memory().numTensors;
    const d = await diagnose(model, spirals({ n: 256 }), { trialSteps: 30, quiet: true });
    expect(tf.memory().numTensors).toBe(start);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(weights);
    const vanishing = d.verdicts.find((v) => v.symptom === 'vanishing')!;
    expect(vanishing.status).toBe('problem');
    expect(vanishing.measured!).toBeLessThan(1e-6);
    expect(vanishing.healthy).toMatch(/0.1/);
    expect(vanishing.source.length).toBeGreaterThan(20);
    expect(vanishing.lesson).toBe(LESSONS.reluFamily);
    expect(d.verdicts.map((v) => v.symptom)).toEqual(['vanishing', 'exploding', 'saturation', 'deadUnits', 'updateRatio', 'stalledLoss']);
    expect(d.verdicts.find((v) => v.symptom === 'deadUnits')!.status).toBe('not measured');
    expect(d.overall).toBe('problem');
    expect(d.text).toMatch(/\[PROBLEM\] Vanishing gradients/);
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });

  test('a ReLU MLP with He init and batch norm has no vanishing problem', async () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 10, width: 32, activation: 'relu', init: 'heNormal', batchNorm: true, seed: 0 });
    const d = await diagnose(model, spirals({ n: 256 }), { trialSteps: 30, quiet: true });
    expect(d.verdicts.find((v) => v.symptom === 'vanishing')!.status).toBe('ok');
    expect(d.verdicts.find((v) => v.symptom === 'saturation')!.status).toBe('not measured');
    expect(d.verdicts.find((v) => v.symptom === 'deadUnits')!.status).not.toBe('not measured');
  });

  test('uses a given history instead of a trial run, and the gradient over time for recurrent models', async () => {
    const model = recurrent({ cell: 'simple', units: 16, inputs: 2, outputs: 1 });
    const data = addingProblem({ n: 64, length: 40 });
    const history = await train(model, data, { steps: 12, probes: { every: 4 }, quiet: true });
    const d = await diagnose(model, data, { history, quiet: true });
    expect(d.training).toMatch(/given history \(12 steps/);
    expect(d.overTime!.steps).toBe(40);
    expect(d.verdicts.find((v) => v.symptom === 'vanishing')!.detail).toMatch(/dLoss\/dx_1/);
    expect(d.verdicts.find((v) => v.symptom === 'vanishing')!.lesson).toBe(LESSONS.lstmGru);
    expect(d.verdicts.find((v) => v.symptom === 'updateRatio')!.status).not.toBe('not measured');
  });

  test('a loss that falls only to the loss of guessing is a stalled loss', async () => {
    const model = mlp({ inputs: 2, outputs: 1, depth: 20, width: 32, activation: 'sigmoid', init: 'glorotNormal', seed: 0 });
    const data = spirals({ n: 256, seed: 0 });
    const history = await train(model, data, { steps: 30, probes: { every: 10 }, quiet: true });
    // Pretend the run started well above chance and settled at it: a 20% drop that a drop-only rule calls fine.
    const fallingToChance = { ...history, steps: history.steps.map((s, i) => ({ ...s, loss: i < 3 ? 0.9 : Math.log(2) })) };
    const d = await diagnose(model, data, { history: fallingToChance, quiet: true });
    const stalled = d.verdicts.find((v) => v.symptom === 'stalledLoss')!;
    expect(stalled.measured!).toBeGreaterThan(0.2);
    expect(stalled.status).toBe('problem');
    expect(stalled.detail).toMatch(/guessing from the target frequencies would give 0\.693.*ends at the loss of guessing/);
    // The same drop ending well below chance is fine.
    const learning = { ...history, steps: history.steps.map((s, i) => ({ ...s, loss: i < 3 ? 0.9 : 0.2 })) };
    const ok = (await diagnose(model, data, { history: learning, quiet: true })).verdicts.find((v) => v.symptom === 'stalledLoss')!;
    expect(ok.status).toBe('ok');
    model.dispose();
  });
});
