/**
 * `npm run bench:ops`: what one operation costs on each backend, to see where a training step's time goes.
 *
 *   npm run bench:ops                                  every backend that loads, 9 rounds
 *   npm run bench:ops -- --rounds 9 --backends wasm,tensorflow
 *
 * A training step of the reference workloads is a few hundred small operations. Each operation costs a fixed
 * amount (JavaScript -> kernel dispatch, allocating the output) plus its arithmetic; this script separates the
 * two by timing operations of very different sizes:
 *   - add of two scalars: nothing but the fixed cost of one operation;
 *   - dataSync of a scalar just computed: the fixed cost of reading one number back to JavaScript;
 *   - matrix products 64 x 64, 128 x 64 times 64 x 64 (one layer of workload A at batch 128), 256 x 256 and
 *     128 x 256 times 256 x 256 (one layer of B), plain and fused with bias and sigmoid (the direct path's
 *     forward operation), and a sigmoid over 128 x 64.
 *
 * Method: all backends live in one process and are timed in alternation, round after round, so that a change in
 * the machine's load falls on all of them alike (each operation on every backend in turn, then the next operation);
 * the figure per operation is the median over rounds of the mean time per call within a round (a round repeats
 * the operation for about 20 ms, --budget, after a warm-up); the minimum is the figure least touched by load. Results as
 * JSON under build/bench/ops-<time>.json and a table on stdout.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { BACKENDS, BackendName, ready } from '../../src/core/backend';
import { median } from './median';

/** One timed operation: `setup` makes its inputs on the current backend, `run` does it once. */
export interface OpCase {
  id: string;
  title: string;
  setup: () => tf.Tensor[];
  run: (inputs: tf.Tensor[]) => void;
}

const matrix = (rows: number, cols: number) => tf.randomUniform([rows, cols], -1, 1, 'float32', 1);
/** f(x W + b) as one kernel, called as the direct path calls it. */
const fused = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
  tf.engine().runKernel('_FusedMatMul', { a: x.reshape([1, ...x.shape]), b: w.reshape([1, ...w.shape]), bias: b }, { transposeA: false, transposeB: false, activation: 'sigmoid', leakyreluAlpha: 0 }) as tf.Tensor;

export const OPS: OpCase[] = [
  { id: 'add-scalar', title: 'add of two scalars', setup: () => [tf.scalar(1), tf.scalar(2)], run: ([a, b]) => tf.add(a, b).dispose() },
  {
    id: 'add+dataSync', title: 'add of two scalars, then dataSync', setup: () => [tf.scalar(1), tf.scalar(2)],
    run: ([a, b]) => { const c = tf.add(a, b); c.dataSync(); c.dispose(); },
  },
  { id: 'sigmoid-128x64', title: 'sigmoid of 128 x 64', setup: () => [matrix(128, 64)], run: ([a]) => tf.sigmoid(a).dispose() },
  { id: 'matmul-64', title: 'matMul 64 x 64 . 64 x 64', setup: () => [matrix(64, 64), matrix(64, 64)], run: ([a, b]) => tf.matMul(a, b).dispose() },
  { id: 'matmul-128x64', title: 'matMul 128 x 64 . 64 x 64 (a layer of A)', setup: () => [matrix(128, 64), matrix(64, 64)], run: ([a, b]) => tf.matMul(a, b).dispose() },
  {
    id: 'fused-128x64', title: 'sigmoid(x W + b), 128 x 64 . 64 x 64, one kernel', setup: () => [matrix(128, 64), matrix(64, 64), tf.zeros([64])],
    run: ([a, b, c]) => tf.tidy(() => void fused(a, b, c)),
  },
  { id: 'matmul-256', title: 'matMul 256 x 256 . 256 x 256', setup: () => [matrix(256, 256), matrix(256, 256)], run: ([a, b]) => tf.matMul(a, b).dispose() },
  { id: 'matmul-128x256', title: 'matMul 128 x 256 . 256 x 256 (a layer of B)', setup: () => [matrix(128, 256), matrix(256, 256)], run: ([a, b]) => tf.matMul(a, b).dispose() },
  {
    id: 'fused-128x256', title: 'sigmoid(x W + b), 128 x 256 . 256 x 256, one kernel', setup: () => [matrix(128, 256), matrix(256, 256), tf.zeros([256])],
    run: ([a, b, c]) => tf.tidy(() => void fused(a, b, c)),
  },
  { id: 'matmul-1024x256', title: 'matMul 1024 x 256 . 256 x 256 (B at batch 1024)', setup: () => [matrix(1024, 256), matrix(256, 256)], run: ([a, b]) => tf.matMul(a, b).dispose() },
];

/** Mean microseconds per call of `op` over about `budgetMs` of calls, after a few warm-up calls. */
export function timeOp(op: OpCase, budgetMs = 40): number {
  const inputs = op.setup();
  for (let i = 0; i < 3; i++) op.run(inputs);
  tf.tidy(() => tf.add(inputs[0], 0).dataSync()); // anything queued has finished
  let calls = 0;
  const started = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < budgetMs * 1e6 || calls < 5) {
    op.run(inputs);
    calls++;
    if (calls % 4 === 0) elapsed = Number(process.hrtime.bigint() - started);
  }
  // Operations may run asynchronously on some backends: wait for the last result before stopping the clock.
  tf.tidy(() => tf.add(inputs[0], 0).dataSync());
  elapsed = Number(process.hrtime.bigint() - started);
  inputs.forEach((t) => t.dispose());
  return elapsed / 1e3 / calls;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let rounds = 9;
  let budget = 20;
  let wanted: string[] = [...BACKENDS];
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--rounds') rounds = Math.max(1, Number(argv[i + 1]));
    else if (argv[i] === '--backends') wanted = argv[i + 1].split(',');
    else if (argv[i] === '--budget') budget = Math.max(1, Number(argv[i + 1]));
    else throw new Error(`bench:ops: argument '${argv[i]}' is not known; allowed: --rounds N, --backends a,b, --budget MS`);
  }
  // Load each wanted backend once (ready() with an explicit backend registers it); keep those that load.
  const loaded: BackendName[] = [];
  const skipped: Record<string, string> = {};
  for (const name of wanted as BackendName[]) {
    try {
      await ready({ backend: name, quiet: true });
      loaded.push(name);
    } catch (error) {
      skipped[name] = (error as Error).message;
    }
  }
  const runs: Record<string, Record<string, number[]>> = {};
  const loadSamples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    loadSamples.push(require('os').loadavg()[0]);
    for (const op of OPS) {
      for (const backend of loaded) {
        if (backend === 'cpu' && op.id === 'matmul-1024x256') continue;
        await tf.setBackend(backend);
        ((runs[backend] ??= {})[op.id] ??= []).push(timeOp(op, backend === 'cpu' ? 10 : budget));
      }
    }
    process.stderr.write(`round ${round + 1}/${rounds} done\n`);
  }
  const table = OPS.map((op) => ({
    op: op.id,
    title: op.title,
    microseconds: Object.fromEntries(loaded.map((b) => [b, runs[b][op.id] ? { median: median(runs[b][op.id]), min: Math.min(...runs[b][op.id]), max: Math.max(...runs[b][op.id]) } : null])),
  }));
  const report = { date: new Date().toISOString(), machine: { cpus: require('os').cpus().length, loadDuringRun: loadSamples }, rounds, loaded, skipped, table, runs };
  const outDir = path.resolve(__dirname, '..', '..', 'build', 'bench');
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `ops-${report.date.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(report, null, 2));

  const f = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  console.log(`\n| operation | ${loaded.map((b) => `${b} µs (min-max)`).join(' | ')} |`);
  console.log(`|---|${loaded.map(() => '---').join('|')}|`);
  for (const row of table) {
    const cells = loaded.map((b) => {
      const m = row.microseconds[b];
      return m ? `${f(m.median)} (${f(m.min)}-${f(m.max)})` : '-';
    });
    console.log(`| ${row.title} | ${cells.join(' | ')} |`);
  }
  for (const [b, why] of Object.entries(skipped)) console.log(`backend ${b} not measured: ${why}`);
  console.log(`\nload (1-minute average) at the start of each round: ${loadSamples.map((v) => v.toFixed(1)).join(', ')} on ${report.machine.cpus} CPUs; results in ${path.relative(process.cwd(), file)}`);
}

if (require.main === module) main();
