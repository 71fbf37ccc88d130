/**
 * `npm run bench:alternate`: the reference workloads on wasm and on the native backend in ONE process, in
 * alternation, for a fair ratio on a machine whose load moves.
 *
 *   npm run bench:alternate                              every workload but A-5seeds, 3 rounds
 *   npm run bench:alternate -- --only A,B,D-rnn --rounds 5 --steps 20
 *
 * `npm run bench` runs each backend in its own process one after the other; when the load changes between
 * them (as it does on a shared machine) their ratio moves by 2x and more. Here each round trains every
 * workload on wasm, then on 'tensorflow' (native, with the lean kernels of src/core/native-kernels.ts), then
 * on 'tensorflow-plain' (tfjs-node's own kernels), each time a fresh model: a warm-up call of 3 steps, then a
 * timed call of --steps steps (a third of them for the recurrent workloads). Per workload and backend: the
 * median over rounds of the wall time per step, and of the process's CPU time per step (user + system, all
 * threads: native TensorFlow may use two threads where wasm uses one). JSON under
 * build/bench/alternate-<time>.json and a table on stdout.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ready } from '../../src/core/backend';
import { setNativeKernels } from '../../src/core/native-kernels';
import { addingProblem, train, xor } from '../../src/index';
import { WORKLOADS } from './run-backend';
import { median } from './median';

const VARIANTS = ['wasm', 'tensorflow', 'tensorflow-plain'] as const;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let rounds = 3;
  let steps = 30;
  let only: string[] | undefined;
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--rounds') rounds = Math.max(1, Number(argv[i + 1]));
    else if (argv[i] === '--steps') steps = Math.max(3, Number(argv[i + 1]));
    else if (argv[i] === '--only') only = argv[i + 1].split(',');
    else throw new Error(`bench:alternate: argument '${argv[i]}' is not known; allowed: --rounds N, --steps N, --only A,B`);
  }
  await ready({ backend: 'wasm', quiet: true });
  await ready({ backend: 'tensorflow', quiet: true });
  const datasets = { points: xor({ n: 128 * 16, seed: 0 }), adding: addingProblem({ n: 64 * 16, length: 100, seed: 0 }) as unknown as ReturnType<typeof xor> };
  const workloads = WORKLOADS.filter((w) => !w.together && (!only || only.includes(w.id)));
  const wall: Record<string, Record<string, number[]>> = {};
  const cpu: Record<string, Record<string, number[]>> = {};
  const loadSamples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    loadSamples.push(require('os').loadavg()[0]);
    for (const w of workloads) {
      const n = w.data === 'adding' ? Math.max(3, Math.round(steps / 3)) : steps;
      for (const variant of VARIANTS) {
        await tf.setBackend(variant === 'wasm' ? 'wasm' : 'tensorflow');
        setNativeKernels(variant === 'tensorflow');
        const model = w.build();
        await train(model, datasets[w.data], { ...w.options, steps: 3 });
        const cpuBefore = process.cpuUsage();
        const h = await train(model, datasets[w.data], { ...w.options, steps: n, startStep: 3 });
        const used = process.cpuUsage(cpuBefore);
        model.dispose();
        ((wall[w.id] ??= {})[variant] ??= []).push(h.msPerStep);
        ((cpu[w.id] ??= {})[variant] ??= []).push((used.user + used.system) / 1000 / n);
      }
      process.stderr.write(`round ${round + 1}: ${w.id} ${VARIANTS.map((v) => `${v} ${wall[w.id][v][wall[w.id][v].length - 1].toFixed(1)}`).join(', ')} ms/step\n`);
    }
  }
  setNativeKernels(true);
  const rows = workloads.map((w) => ({
    workload: w.id,
    ...Object.fromEntries(VARIANTS.map((v) => [v, { wallMs: median(wall[w.id][v]), cpuMs: median(cpu[w.id][v]), wallRuns: wall[w.id][v], cpuRuns: cpu[w.id][v] }])),
  })) as Array<{ workload: string } & Record<(typeof VARIANTS)[number], { wallMs: number; cpuMs: number }>>;
  const report = { date: new Date().toISOString(), rounds, steps, machine: { cpus: require('os').cpus().length, loadDuringRun: loadSamples }, rows };
  const outDir = path.resolve(__dirname, '..', '..', 'build', 'bench');
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `alternate-${report.date.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(report, null, 2));
  const f = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  console.log(`\nmedians of ${rounds} rounds, wall ms/step (CPU ms/step, all threads)\n`);
  console.log('| workload | wasm | tensorflow | tensorflow-plain | tensorflow / wasm (wall) | lean / plain kernels (wall) |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    const cell = (v: (typeof VARIANTS)[number]) => `${f(r[v].wallMs)} (${f(r[v].cpuMs)})`;
    console.log(`| ${r.workload} | ${cell('wasm')} | ${cell('tensorflow')} | ${cell('tensorflow-plain')} | ${(r.tensorflow.wallMs / r.wasm.wallMs).toFixed(2)} | ${(r.tensorflow.wallMs / r['tensorflow-plain'].wallMs).toFixed(2)} |`);
  }
  console.log(`\nload (1-minute average) at the start of each round: ${loadSamples.map((v) => v.toFixed(1)).join(', ')} on ${report.machine.cpus} CPUs; results in ${path.relative(process.cwd(), file)}`);
}

if (require.main === module) main();
