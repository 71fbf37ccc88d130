/**
 * "Dead" means flat: a unit whose slope f'(z) is (about) 0 on every example passes no gradient to its
 * weights. For ReLU that is an output of 0 everywhere; for the smooth relatives an output <= 0 is not flat.
 */
import * as tf from '@tensorflow/tfjs';
import { ready, mlp, spirals, activationStats, activationGradients, diagnose } from '../../src/advanced';
import { slopeOfInput, slopeOfOutput } from '../../src/probes/slopes';

beforeAll(async () => {
  await ready({ quiet: true });
});

/** The network of the false alarm: swish, He init, seed 11, with -0.6 added to the biases of dense_02..04. */
function shiftedSwish(): tf.LayersModel {
  const model = mlp({ inputs: 2, outputs: 1, depth: 4, width: 32, activation: 'swish', init: 'heNormal', seed: 11 });
  for (const name of ['dense_02', 'dense_03', 'dense_04']) {
    const layer = model.getLayer(name);
    const [kernel, bias] = layer.getWeights();
    const shifted = tf.tidy(() => bias.sub(0.6));
    layer.setWeights([kernel, shifted]);
    shifted.dispose();
  }
  return model;
}


/** Adds `by` to every bias of one dense layer (a large negative shift pushes its units onto their flat side). */
function shiftBias(model: tf.LayersModel, layerName: string, by: number): void {
  const layer = model.getLayer(layerName);
  const [kernel, bias] = layer.getWeights();
  const shifted = tf.tidy(() => bias.add(by));
  layer.setWeights([kernel, shifted]);
  shifted.dispose();
}

test('slopes against finite differences of the activations themselves', () => {
  const f: Record<string, (z: number) => number> = {
    swish: (z) => z / (1 + Math.exp(-z)),
    elu: (z) => (z > 0 ? z : Math.exp(z) - 1),
    mish: (z) => z * Math.tanh(Math.log1p(Math.exp(z))),
    gelu: (z) => 0.5 * z * (1 + erfRef(z / Math.SQRT2)),
  };
  for (const [name, fn] of Object.entries(f)) {
    for (const z of [-4, -1.3, -0.5, 0.2, 2]) {
      const h = 1e-5;
      expect(slopeOfInput(name)!(z)).toBeCloseTo((fn(z + h) - fn(z - h)) / (2 * h), 4);
    }
  }
  expect(slopeOfOutput('elu')!(Math.exp(-2) - 1)).toBeCloseTo(Math.exp(-2), 10);
});

/** erf by numerical integration, independent of the library's approximation. */
function erfRef(x: number): number {
  const n = 2000;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const t = ((i + 0.5) / n) * x;
    sum += Math.exp(-t * t);
  }
  return (2 / Math.sqrt(Math.PI)) * sum * (x / n);
}

test('a swish network whose outputs are mostly <= 0 has no dead units, and diagnose raises no alarm', async () => {
  const data = spirals({ n: 256, seed: 3 });
  const model = shiftedSwish();
  try {
    const stats = activationStats(model, data);
    // The situation of the false alarm: most of activation_04's units output <= 0 on every example (the old
    // rule called 84% of them dead)...
    const probe = tf.model({ inputs: model.inputs, outputs: model.getLayer('activation_04').output as tf.SymbolicTensor });
    const out = tf.tidy(() => probe.apply(tf.tensor2d(data.x)) as tf.Tensor);
    const rows = out.arraySync() as number[][];
    out.dispose();
    const nonPositive = rows[0].filter((_, u) => rows.every((r) => r[u] <= 0)).length / rows[0].length;
    expect(nonPositive).toBeGreaterThan(0.8);
    // ...but swish is not flat there: the gradient reaches the layer, and no unit is dead.
    for (const layer of stats.layers) expect(layer.dead).toBe(0);
    const backward = activationGradients(model, data);
    for (const layer of backward.layers) expect(layer.norm).toBeGreaterThan(0);
    const d = await diagnose(model, data, { trialSteps: 0, quiet: true });
    const dead = d.verdicts.find((v) => v.symptom === 'deadUnits')!;
    expect(dead.status).toBe('ok');
  } finally {
    model.dispose();
  }
});

test('ReLU units with a large negative bias are dead (output 0 on every example) and diagnose says so', async () => {
  const data = spirals({ n: 256, seed: 3 });
  const model = mlp({ inputs: 2, outputs: 1, depth: 3, width: 16, activation: 'relu', init: 'heNormal', seed: 1 });
  try {
    shiftBias(model, 'dense_02', -100);
    const stats = activationStats(model, data);
    expect(stats.layers.find((l) => l.name === 'activation_02')!.dead).toBe(1);
    const d = await diagnose(model, data, { trialSteps: 0, quiet: true });
    expect(d.verdicts.find((v) => v.symptom === 'deadUnits')!.status).toBe('problem');
  } finally {
    model.dispose();
  }
});

test('an ELU unit far on its negative side is flat, and counts as dead', () => {
  const data = spirals({ n: 64, seed: 3 });
  const model = mlp({ inputs: 2, outputs: 1, depth: 2, width: 8, activation: 'elu', init: 'heNormal', seed: 2 });
  try {
    shiftBias(model, 'dense_02', -100);
    expect(activationStats(model, data).layers.find((l) => l.name === 'activation_02')!.dead).toBe(1);
    expect(activationStats(model, data).layers.find((l) => l.name === 'activation_01')!.dead).toBe(0);
  } finally {
    model.dispose();
  }
});
