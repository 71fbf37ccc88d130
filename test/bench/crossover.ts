/**
 * `npm run bench:crossover`: where the native backend overtakes wasm, by layer width and batch size.
 *
 *   npm run bench:crossover                                    widths 16,64,128,256; batches 32,128,512
 *   npm run bench:crossover -- --widths 64,256 --batches 128 --depth 20 --rounds 5
 *
 * Each size is a sigmoid MLP (2 -> depth x width -> 1, as workload A with another width) trained by the
 * library's own `train` (SGD 0.1, every layer's gradient norm read each step, as in A). Both backends live in
 * one process and are timed in alternation (wasm, then tensorflow, size after size, round after round), so a
 * change in the machine's load falls on both alike; a round times about 0.3 s of steps (at least 3) after 2
 * warm-up steps. Reported per size: median ms/step over rounds on each backend and the ratio
 * tensorflow / wasm of those medians (below 1: native is faster). JSON under build/bench/crossover-<time>.json.
 *
 *   npm run bench:crossover -- --cell lstm --widths 32,128 --batches 64      recurrent networks instead
 *
 * With --cell lstm|simple|gru each size is a one-layer recurrent network of `width` units on the adding
 * problem (--length time steps, 100 unless told), trained as workload D (Adam 1e-3, global-norm clip 1, no
 * probes); --depth does not apply.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { BackendName, ready } from '../../src/core/backend';
import { addingProblem, mlp, recurrent, train, xor } from '../../src/index';
import type { TrainOptions } from '../../src/training/train';
import { median } from './median';

const NORMS_EVERY_STEP = { every: 1_000_000_000, batchGradients: true, gradients: false, weights: false, activations: false, updates: false, overTime: false };

function list(value: string, name: string): number[] {
  const xs = value.split(',').map(Number);
  if (xs.some((x) => !Number.isInteger(x) || x < 1)) throw new Error(`bench:crossover: ${name} is '${value}'; allowed: positive integers separated by commas`);
  return xs;
}

const CELLS = ['lstm', 'simple', 'gru'] as const;
type Cell = (typeof CELLS)[number];

/** ms per step of `train` on the current backend for one size: a warm-up call, then calls until ~budget ms. */
async function timeSize(width: number, batch: number, depth: number, data: ReturnType<typeof xor>, budgetMs: number, cell?: Cell): Promise<number> {
  const model = cell
    ? recurrent({ cell, units: width, inputs: 2, outputs: 1, seed: 0 })
    : mlp({ inputs: 2, outputs: 1, depth, width, activation: 'sigmoid', init: 'glorotNormal', seed: 0 });
  const options: TrainOptions = cell
    ? { optimizer: 'adam', learningRate: 1e-3, batchSize: batch, clipGlobalNorm: 1, quiet: true, probes: false }
    : { batchSize: batch, learningRate: 0.1, quiet: true, probes: NORMS_EVERY_STEP };
  const warm = await train(model, data, { ...options, steps: 2 });
  // Steps that fit the budget at the warm-up's speed, at least 3.
  const steps = Math.max(3, Math.round(budgetMs / Math.max(warm.msPerStep, 1e-3)));
  const h = await train(model, data, { ...options, steps, startStep: 2 });
  model.dispose();
  return h.msPerStep;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let widths = [16, 64, 128, 256];
  let batches = [32, 128, 512];
  let depth = 20;
  let rounds = 3;
  let budget = 300;
  let cell: Cell | undefined;
  let length = 100;
  const backends: BackendName[] = ['wasm', 'tensorflow'];
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (key === '--widths') widths = list(value, '--widths');
    else if (key === '--batches') batches = list(value, '--batches');
    else if (key === '--depth') depth = list(value, '--depth')[0];
    else if (key === '--rounds') rounds = list(value, '--rounds')[0];
    else if (key === '--budget') budget = list(value, '--budget')[0];
    else if (key === '--length') length = list(value, '--length')[0];
    else if (key === '--cell') {
      if (!(CELLS as readonly string[]).includes(value)) throw new Error(`bench:crossover: --cell is '${value}'; allowed: ${CELLS.join(', ')}`);
      cell = value as Cell;
    } else throw new Error(`bench:crossover: argument '${key}' is not known; allowed: --widths a,b --batches a,b --depth N --rounds N --budget MS --cell lstm|simple|gru --length T`);
  }
  for (const name of backends) {
    try {
      await ready({ backend: name, quiet: true });
    } catch (error) {
      console.log(`bench:crossover needs both wasm and tensorflow: ${(error as Error).message}`);
      process.exit(1);
    }
  }
  const data = cell
    ? (addingProblem({ n: Math.max(...batches) * 4, length, seed: 0 }) as unknown as ReturnType<typeof xor>)
    : xor({ n: Math.max(...batches) * 4, seed: 0 });
  const runs: Record<string, Record<BackendName, number[]>> = {};
  const loadSamples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    loadSamples.push(require('os').loadavg()[0]);
    for (const width of widths) {
      for (const batch of batches) {
        const key = `${width}x${batch}`;
        for (const backend of backends) {
          await tf.setBackend(backend);
          ((runs[key] ??= {} as Record<BackendName, number[]>)[backend] ??= []).push(await timeSize(width, batch, depth, data, budget, cell));
        }
      }
    }
    process.stderr.write(`round ${round + 1}/${rounds} done\n`);
  }
  const rows = Object.entries(runs).map(([key, byBackend]) => {
    const [width, batch] = key.split('x').map(Number);
    const wasm = median(byBackend.wasm);
    const native = median(byBackend.tensorflow);
    return { width, batch, wasmMs: wasm, tensorflowMs: native, ratio: native / wasm, runs: byBackend };
  });
  const report = { date: new Date().toISOString(), network: cell ? `${cell}, ${length} time steps` : `sigmoid MLP, ${depth} hidden layers`, depth, rounds, budgetMs: budget, machine: { cpus: require('os').cpus().length, loadDuringRun: loadSamples }, rows };
  const outDir = path.resolve(__dirname, '..', '..', 'build', 'bench');
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `crossover-${report.date.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(report, null, 2));
  const f = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const what = cell
    ? `${cell}, one layer, ${length} time steps, Adam, clip 1, no probes (width = units)`
    : `sigmoid MLP, ${depth} hidden layers, SGD, every layer's gradient norm read each step`;
  console.log(`\n${what}; medians of ${rounds} rounds\n`);
  console.log('| width | batch | wasm ms/step | tensorflow ms/step | tensorflow / wasm |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.width} | ${r.batch} | ${f(r.wasmMs)} | ${f(r.tensorflowMs)} | ${r.ratio.toFixed(2)} |`);
  console.log(`\nload (1-minute average) at the start of each round: ${loadSamples.map((v) => v.toFixed(1)).join(', ')} on ${report.machine.cpus} CPUs; results in ${path.relative(process.cwd(), file)}`);
}

if (require.main === module) main();
