/**
 * `npm run bench`: times the reference workloads on the current backend, then the kernel's start-up cost.
 *   npm run bench -- [steps]        (GRADSCOPE_BACKEND=cpu|wasm|tensorflow picks the backend)
 * Each figure is the mean wall time per step after the first steps; the machine's load shows in them, so
 * compare runs made side by side.
 * A: MLP 2 -> 20 x 64 sigmoid -> 1, batch 128, SGD lr 0.1, every layer's gradient norm read each step.
 * C: 2 -> 64 relu, 49 residual blocks, -> 1.  E: A with batch norm.  D: LSTM / simple RNN 32 units on the
 * adding problem, T = 100, batch 64, global-norm clip 1, Adam 1e-3.
 */
import * as tf from '@tensorflow/tfjs';
import { ready } from '../../src/core/backend';
import { addingProblem, gradientNorms, mlp, recurrent, train, xor } from '../../src/advanced';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const kernelStats = require('../../kernel-setup/kernel-stats') as { measure(options?: { idleMs?: number }): Promise<Record<string, number>> };

async function main(): Promise<void> {
  const info = await ready({ quiet: true });
  const steps = Number(process.argv[2] ?? 110);
  const points = xor({ n: 128 * 16, seed: 0 });
  const results: Record<string, number> = {};
  const time = async (name: string, build: () => tf.LayersModel, run: (m: tf.LayersModel) => Promise<number>) => {
    const model = build();
    results[name] = await run(model);
    model.dispose();
    console.log(`${name.padEnd(44)} ${results[name].toFixed(1)} ms/step`);
  };
  const perStepNorms = (m: tf.LayersModel) =>
    train(m, points, { batchSize: 128, steps, learningRate: 0.1, quiet: true, probes: { every: 1_000_000, batchGradients: true, gradients: false, weights: false, activations: false, updates: false } }).then((h) => h.msPerStep);
  const A = () => mlp({ inputs: 2, outputs: 1, depth: 20, width: 64, activation: 'sigmoid', init: 'glorotNormal' });
  console.log(`backend ${info.backend}, ${steps} steps per run`);
  await time('A: step + per-layer norms every step', A, perStepNorms);
  await time('A: step only', A, (m) => train(m, points, { batchSize: 128, steps, quiet: true, probes: false }).then((h) => h.msPerStep));
  await time('A: gradientNorms probe alone (batch 128)', A, async (m) => {
    const batch = { x: points.x.slice(0, 128), y: points.y.slice(0, 128), task: points.task };
    for (let i = 0; i < 5; i++) gradientNorms(m, batch);
    const t = Date.now();
    for (let i = 0; i < 50; i++) gradientNorms(m, batch);
    return (Date.now() - t) / 50;
  });
  await time('A: default probes every 10 steps', A, (m) => train(m, points, { batchSize: 128, steps, quiet: true, probes: { every: 10 } }).then((h) => h.msPerStep));
  await time('C: residual relu 50 layers, norms every step', () => mlp({ inputs: 2, outputs: 1, depth: 50, width: 64, activation: 'relu', init: 'heNormal', residual: true }), perStepNorms);
  await time('E: A with batch norm, norms every step', () => mlp({ inputs: 2, outputs: 1, depth: 20, width: 64, activation: 'sigmoid', init: 'glorotNormal', batchNorm: true }), perStepNorms);
  const adding = addingProblem({ n: 64 * 4, length: 100 });
  for (const cell of ['lstm', 'simple'] as const) {
    await time(`D-${cell}: T = 100, batch 64, clip 1, Adam`, () => recurrent({ cell, units: 32, inputs: 2, outputs: 1 }), (m) =>
      train(m, adding, { optimizer: 'adam', learningRate: 1e-3, batchSize: 64, steps: Math.max(10, Math.floor(steps / 5)), clipGlobalNorm: 1, quiet: true, probes: false }).then((h) => h.msPerStep),
    );
  }
  const kernel = await kernelStats.measure({ idleMs: 5000 });
  console.log(`kernel: first reply after ${kernel.startupSeconds} s (${kernel.startupCpuSeconds} s CPU), idle memory ${kernel.idleRssMiB} MiB`);
  console.log(JSON.stringify({ backend: info.backend, results, kernel }));
}

main();
