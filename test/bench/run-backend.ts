/**
 * One pass of the reference workloads (../shared/bench/WORKLOADS.md) on one backend, through the library's
 * own `train`: prints one JSON line. `test/bench/workloads.ts` (`npm run bench`) starts this once per backend
 * and repeat, in a fresh process each time, and aggregates.
 *
 *   ts-node --transpile-only test/bench/run-backend.ts BACKEND STEPS WARMUP [ONLY] [profile]
 *
 * For each workload: a warm-up call of WARMUP steps, then a timed call of STEPS steps on the same model (the
 * figure is that call's wall time per step, `history.msPerStep`); tensors alive before and after the timed
 * call (leaked per step = difference / STEPS); and, with 'profile', in untimed profiled calls, the peak bytes of
 * tensor memory and the number of operations (kernels) per step.
 *
 * The probe overhead (A with the per-layer norms against A0 without): besides A's and A0's own timed calls,
 * PROBE_ROUNDS rounds on one model, each a call of A's steps then a call of A0's (CPU time of the process
 * per step), and the median over rounds of their ratio minus one. Two workloads timed one after the other
 * see different loads on a shared machine; two calls back to back, many times over, see the same.
 */
import * as tf from '@tensorflow/tfjs';
import { BackendName, ready } from '../../src/core/backend';
import { addingProblem, mlp, recurrent, train, trainTogether, xor } from '../../src/index';
import type { TrainOptions } from '../../src/training/train';

/** One reference workload: how to build its model, its data and its training options. */
export interface Workload {
  id: string;
  title: string;
  build: () => tf.LayersModel;
  data: 'points' | 'adding';
  options: TrainOptions;
  /** Train this many seeds of the model together (trainTogether) instead of one. */
  together?: number;
}

/** Per-layer gradient norms of the step's own gradients, read to the host every step; no other probe. */
const NORMS_EVERY_STEP = { every: 1_000_000_000, batchGradients: true, gradients: false, weights: false, activations: false, updates: false, overTime: false };
const MLP_STEP: TrainOptions = { batchSize: 128, learningRate: 0.1, quiet: true };
const SEQ_STEP: TrainOptions = { optimizer: 'adam', learningRate: 1e-3, batchSize: 64, clipGlobalNorm: 1, quiet: true, probes: false };
const A = () => mlp({ inputs: 2, outputs: 1, depth: 20, width: 64, activation: 'sigmoid', init: 'glorotNormal' });

export const WORKLOADS: Workload[] = [
  { id: 'A', title: 'A: 20 x 64 sigmoid MLP, per-layer norms every step', build: A, data: 'points', options: { ...MLP_STEP, probes: NORMS_EVERY_STEP } },
  { id: 'A0', title: 'A without the norms (step only)', build: A, data: 'points', options: { ...MLP_STEP, probes: false } },
  { id: 'A-5seeds', title: 'A, five seeds trained together (trainTogether), norms every step', build: A, data: 'points', options: { ...MLP_STEP, probes: NORMS_EVERY_STEP }, together: 5 },
  { id: 'A10', title: 'A with the default probes every 10 steps', build: A, data: 'points', options: { ...MLP_STEP, probes: { every: 10 } } },
  {
    id: 'B', title: 'B: A with width 256', data: 'points', options: { ...MLP_STEP, probes: NORMS_EVERY_STEP },
    build: () => mlp({ inputs: 2, outputs: 1, depth: 20, width: 256, activation: 'sigmoid', init: 'glorotNormal' }),
  },
  {
    id: 'C', title: 'C: 50-layer residual ReLU, norms every step', data: 'points', options: { ...MLP_STEP, probes: NORMS_EVERY_STEP },
    // Small initial weights (std 0.01): with He or PyTorch's default scale, 49 unscaled residual blocks
    // overflow within 2 steps at learning rate 0.1, and `train` stops there. The work per step is the same.
    build: () => mlp({ inputs: 2, outputs: 1, depth: 50, width: 64, activation: 'relu', init: 'naive', initStd: 0.01, residual: true }),
  },
  {
    id: 'E', title: 'E: A with batch norm, norms every step', data: 'points', options: { ...MLP_STEP, probes: NORMS_EVERY_STEP },
    build: () => mlp({ inputs: 2, outputs: 1, depth: 20, width: 64, activation: 'sigmoid', init: 'glorotNormal', batchNorm: true }),
  },
  { id: 'D-lstm', title: 'D-lstm: LSTM 32, T = 100, batch 64, clip 1, Adam', data: 'adding', options: SEQ_STEP, build: () => recurrent({ cell: 'lstm', units: 32, inputs: 2, outputs: 1 }) },
  { id: 'D-rnn', title: 'D-rnn: tanh RNN 32, T = 100, batch 64, clip 1, Adam', data: 'adding', options: SEQ_STEP, build: () => recurrent({ cell: 'simple', units: 32, inputs: 2, outputs: 1 }) },
];

/** What one workload measured in one pass. */
export interface WorkloadResult {
  id: string;
  msPerStep: number;
  leakedPerStep: number;
  peakBytes: number;
  kernelsPerStep: number;
  finalLoss: number;
  /** Workload A only: the probe overhead from calls of A and A0 in alternation (see the top of this file). */
  probeOverhead?: { median: number; min: number; max: number; rounds: number; steps: number };
}

/** Rounds of A against A0 in alternation for the probe overhead, and the steps of each call. */
const PROBE_ROUNDS = 7;
const PROBE_STEPS = 40;

/** A's probe overhead: the median over rounds of (CPU per step with the norms) / (CPU per step without) - 1. */
async function probeOverhead(withNorms: Workload, without: Workload, data: ReturnType<typeof xor>): Promise<WorkloadResult['probeOverhead']> {
  const model = withNorms.build();
  const cpuPerStep = async (options: TrainOptions, startStep: number) => {
    const started = process.cpuUsage();
    await train(model, data, { ...options, steps: PROBE_STEPS, startStep });
    const used = process.cpuUsage(started);
    return (used.user + used.system) / PROBE_STEPS;
  };
  try {
    await cpuPerStep(without.options, 0);
    const ratios: number[] = [];
    for (let r = 0; r < PROBE_ROUNDS; r++) {
      // The order flips every round, so that neither call always follows the other.
      const at = (1 + 2 * r) * PROBE_STEPS;
      const first = r % 2 === 0 ? withNorms : without;
      const second = r % 2 === 0 ? without : withNorms;
      const a = await cpuPerStep(first.options, at);
      const b = await cpuPerStep(second.options, at + PROBE_STEPS);
      ratios.push(r % 2 === 0 ? a / b : b / a);
    }
    const sorted = [...ratios].sort((x, y) => x - y);
    return { median: sorted[Math.floor(sorted.length / 2)] - 1, min: sorted[0] - 1, max: sorted[sorted.length - 1] - 1, rounds: PROBE_ROUNDS, steps: PROBE_STEPS };
  } finally {
    model.dispose();
  }
}

async function measure(w: Workload, steps: number, warmup: number, datasets: Record<Workload['data'], ReturnType<typeof xor>>, profile: boolean): Promise<WorkloadResult> {
  if (w.together) return measureTogether(w, steps, warmup, datasets.points);
  const model = w.build();
  const data = datasets[w.data];
  await train(model, data, { ...w.options, steps: warmup });
  const before = tf.memory().numTensors;
  const h = await train(model, data, { ...w.options, steps, startStep: warmup });
  const leaked = tf.memory().numTensors - before;
  if (h.stopped) throw new Error(`${w.id}: ${h.stopped.message}`);
  // Operations per step (without probes): two profiled calls that differ by two steps.
  // (tf.profile reuses one record object: copy the numbers out before the next call.)
  const profiled = async (n: number) => {
    const info = await tf.profile(async () => void (await train(model, data, { ...w.options, steps: n, probes: false })));
    return { kernels: info.kernels.length, peakBytes: info.peakBytes };
  };
  const one = profile ? await profiled(1) : { kernels: NaN, peakBytes: NaN };
  const three = profile ? await profiled(3) : { kernels: NaN, peakBytes: NaN };
  model.dispose();
  return {
    id: w.id,
    msPerStep: h.msPerStep,
    leakedPerStep: leaked / steps,
    peakBytes: Math.max(one.peakBytes, three.peakBytes),
    kernelsPerStep: (three.kernels - one.kernels) / 2,
    finalLoss: h.steps[h.steps.length - 1].loss,
  };
}

/** Untimed training steps of `w` on a fresh model (or models), to warm the process up. */
async function warmUp(w: Workload, steps: number, datasets: Record<Workload['data'], ReturnType<typeof xor>>): Promise<void> {
  const models = w.together ? seedsOf(w) : [w.build()];
  try {
    if (w.together) await trainTogether(models, datasets.points, { ...w.options, steps });
    else await train(models[0], datasets[w.data], { ...w.options, steps });
  } finally {
    models.forEach((m) => m.dispose());
  }
}

/** The N models of a workload trained together: workload A's model with seeds 0..N-1. */
function seedsOf(w: Workload): tf.LayersModel[] {
  return Array.from({ length: w.together! }, (_, seed) => mlp({ inputs: 2, outputs: 1, depth: 20, width: 64, activation: 'sigmoid', init: 'glorotNormal', seed }));
}

/** As `measure`, for N seeds trained together: the time per step of all N. */
async function measureTogether(w: Workload, steps: number, warmup: number, data: ReturnType<typeof xor>): Promise<WorkloadResult> {
  const build = () => seedsOf(w);
  const options = { batchSize: 128, learningRate: 0.1, quiet: true, probes: NORMS_EVERY_STEP };
  const warm = build();
  await trainTogether(warm, data, { ...options, steps: warmup });
  warm.forEach((m) => m.dispose());
  const models = build();
  const before = tf.memory().numTensors;
  const histories = await trainTogether(models, data, { ...options, steps });
  const leaked = tf.memory().numTensors - before;
  if (histories[0].stopped) throw new Error(`${w.id}: ${histories[0].stopped.message}`);
  models.forEach((m) => m.dispose());
  return { id: w.id, msPerStep: histories[0].msPerStep, leakedPerStep: leaked / steps, peakBytes: NaN, kernelsPerStep: NaN, finalLoss: histories[0].steps[histories[0].steps.length - 1].loss };
}

async function main(): Promise<void> {
  const [backend, stepsArg, warmupArg, only, profileArg] = process.argv.slice(2);
  const steps = Number(stepsArg ?? 50);
  const warmup = Number(warmupArg ?? 10);
  let info;
  // 'wasm-layers': wasm with the layers path only (GRADSCOPE_DIRECT=0), to compare the two paths in one run.
  const layersOnly = backend.endsWith('-layers');
  if (layersOnly) process.env.GRADSCOPE_DIRECT = '0';
  // 'wasm-engine': plain SGD through the engine, not kernel by kernel (GRADSCOPE_KERNEL_STEP=0; src/training/train.ts).
  if (backend.endsWith('-engine')) process.env.GRADSCOPE_KERNEL_STEP = '0';
  // 'tensorflow-plain': the native backend with tfjs-node's own Reshape and _FusedMatMul (src/core/native-kernels.ts).
  if (backend.endsWith('-plain')) process.env.GRADSCOPE_NATIVE_KERNELS = '0';
  try {
    info = await ready({ backend: backend.replace(/-(layers|plain|engine)$/, '') as BackendName, quiet: true });
  } catch (error) {
    console.log(JSON.stringify({ backend, loaded: false, reason: (error as Error).message }));
    return;
  }
  const datasets = { points: xor({ n: 128 * 16, seed: 0 }), adding: addingProblem({ n: 64 * 16, length: 100, seed: 0 }) as unknown as ReturnType<typeof xor> };
  const wanted = only ? only.split(',') : WORKLOADS.map((w) => w.id);
  const selected = WORKLOADS.filter((x) => wanted.includes(x.id));
  // The process warms up once on every workload before any is timed: the JavaScript and WebAssembly code
  // all of them share is compiled to its fast tier during the first calls, and without this pass the first
  // workload timed (A) would pay for it and A against A0 (the probe overhead) would count it.
  for (const w of selected) {
    try {
      await warmUp(w, w.data === 'adding' ? Math.max(3, Math.round(warmup / 2)) : warmup, datasets);
    } catch {
      // measure() below reports the failure.
    }
  }
  const results: WorkloadResult[] = [];
  for (const w of selected) {
    // Recurrent steps cost ~10x an MLP step: fewer of them keep every workload's share of the run similar.
    const n = w.data === 'adding' ? Math.max(5, Math.round(steps / 3)) : steps;
    try {
      results.push(await measure(w, n, w.data === 'adding' ? Math.max(3, Math.round(warmup / 2)) : warmup, datasets, profileArg === 'profile'));
    } catch (error) {
      process.stderr.write(`  ${backend} ${w.id} failed: ${(error as Error).message}\n`);
      continue;
    }
    process.stderr.write(`  ${backend} ${w.id}: ${results[results.length - 1].msPerStep.toFixed(2)} ms/step\n`);
  }
  const a = results.find((r) => r.id === 'A');
  const a0 = selected.find((w) => w.id === 'A0');
  if (a && a0) {
    a.probeOverhead = await probeOverhead(selected.find((w) => w.id === 'A')!, a0, datasets.points);
    process.stderr.write(`  ${backend} probe overhead (A against A0 in alternation): ${(100 * a.probeOverhead!.median).toFixed(1)}%\n`);
  }
  console.log(JSON.stringify({ backend, loaded: true, tfjs: info.tfjsVersion, maxRssMiB: process.resourceUsage().maxRSS / 1024, results }));
}

if (require.main === module) main();
