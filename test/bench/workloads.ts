/**
 * `npm run bench`: the reference workloads (../shared/bench/WORKLOADS.md) on every backend that loads, and the
 * same workloads in PyTorch (one thread) in the same run when a PyTorch is available.
 *
 *   npm run bench                         3 repeats, 50 timed steps per MLP workload (17 per recurrent one)
 *   npm run bench -- --repeats 5 --steps 100 --backends wasm,wasm-layers --notebooks
 *   ('wasm-layers' is wasm with the layers API's own forward pass, GRADSCOPE_DIRECT=0: the path before the
 *   direct one, measured in the same run; 'wasm-engine' is wasm with plain SGD stepped through the engine
 *   instead of kernel by kernel, GRADSCOPE_KERNEL_STEP=0; 'tensorflow-plain' is the native backend with
 *   tfjs-node's own Reshape and _FusedMatMul kernels, GRADSCOPE_NATIVE_KERNELS=0, see src/core/native-kernels.ts)
 *
 * Method (also in the README, "Benchmark"):
 *   - Every repeat runs each backend in a fresh Node process (test/bench/run-backend.ts), then PyTorch's
 *     script (torch_bench.py, one thread) in a fresh Python process, one after the other, so both see the
 *     same machine load; the ratio column is gradscope's median over repeats divided by PyTorch's median.
 *   - gradscope's figure per repeat is the wall time per step of one `train` call after a warm-up call on
 *     the same model (and after one untimed pass over every workload, which warms the process up so that
 *     the first workload timed does not pay for compiling shared code); PyTorch's is its script's median
 *     over its steps after 10 warm-up steps.
 *   - probe overhead, per backend: in each repeat, 7 rounds of a call of A (40 steps) (norms read every step) and a call
 *     of A0 (step only) back to back on one model, the CPU time of each; that repeat's figure is the median
 *     of the rounds' A / A0 - 1, and the column shows the median over repeats (min-max over every round).
 *     The ratio of A's and A0's own medians (timed minutes apart) is kept in the JSON as
 *     probeOverheadSeparate: on a shared machine the load between the two moves it by 10 points and more.
 *   - tensors leaked per step: tensors alive after the timed call minus before, over its steps.
 *   - peak memory: the peak bytes of tensor memory in a profiled call, and the process's peak RSS.
 *   - five seeds together (A-5seeds): `trainTogether`'s time per step of all five over A's; beside it, when a
 *     PyTorch is found, PyTorch's own five seeds as one batched computation (torch_seeds.py, one thread) over
 *     its one seed computed the same way.
 * Results: build/bench/bench-<time>.json and build/bench/latest.json, and a table on stdout.
 * Where the time of one workload's step goes (operations per step by kernel, time in each):
 *   ts-node --transpile-only test/bench/profile-step.ts A 20 wasm
 * PyTorch: GRADSCOPE_TORCH_PYTHON, else build/torch-venv/bin/python
 * (`python3 -m venv build/torch-venv && build/torch-venv/bin/pip install torch numpy`).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { WorkloadResult } from './run-backend';
import { median } from './median';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const kernelStats = require('../../tools/kernel-stats') as { measure(options?: { idleMs?: number }): Promise<Record<string, number>> };

const root = path.resolve(__dirname, '..', '..');
const outDir = path.join(root, 'build', 'bench');
const torchScript = process.env.GRADSCOPE_TORCH_BENCH ?? path.resolve(root, '..', 'shared', 'bench', 'torch_bench.py');
/** PyTorch's names of the same workloads. */
const TORCH_NAME: Record<string, string> = { A: 'A', A0: 'A0 (A w/o norms)', B: 'B', C: 'C', E: 'E', 'D-lstm': 'D_LSTM', 'D-rnn': 'D_RNN' };
/** Ratio targets of issue 12 on the default backend. */
const TARGET: Record<string, number> = { A: 3, C: 5, E: 5, 'D-lstm': 6, 'D-rnn': 4 };

interface Args { repeats: number; steps: number; warmup: number; backends: string[]; notebooks: boolean; only?: string }

function parseArgs(argv: string[]): Args {
  const args: Args = { repeats: 3, steps: 50, warmup: 10, backends: ['wasm', 'wasm-layers', 'cpu', 'tensorflow'], notebooks: false };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = argv[i + 1];
    if (key === '--repeats') args.repeats = Math.max(1, Number(value)), i++;
    else if (key === '--steps') args.steps = Math.max(1, Number(value)), i++;
    else if (key === '--warmup') args.warmup = Math.max(1, Number(value)), i++;
    else if (key === '--backends') args.backends = value.split(','), i++;
    else if (key === '--only') args.only = value, i++;
    else if (key === '--notebooks') args.notebooks = true;
    else throw new Error(`bench: argument '${key}' is not known; allowed: --repeats N, --steps N, --warmup N, --backends a,b, --only A,C, --notebooks`);
  }
  return args;
}

function torchPython(): string | null {
  const candidates = [process.env.GRADSCOPE_TORCH_PYTHON, path.join(root, 'build', 'torch-venv', 'bin', 'python')].filter(Boolean) as string[];
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (probe.status === 0) return python;
  }
  return null;
}

interface BackendPass { backend: string; loaded: boolean; reason?: string; tfjs?: string; maxRssMiB?: number; results?: WorkloadResult[] }

function runBackend(backend: string, args: Args, profile: boolean): BackendPass {
  const ran = spawnSync(
    process.execPath,
    [require.resolve('ts-node/dist/bin'), '--transpile-only', path.join(__dirname, 'run-backend.ts'), backend, String(backend === 'cpu' ? Math.max(5, Math.round(args.steps / 4)) : args.steps), String(args.warmup), args.only ?? '', profile ? 'profile' : ''],
    { encoding: 'utf8', cwd: root, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 },
  );
  const line = ran.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as BackendPass;
  } catch {
    return { backend, loaded: false, reason: `the bench process ended with status ${ran.status} and no result` };
  }
}

function runTorch(python: string, args: Args): Record<string, number> {
  const only = (args.only ? args.only.split(',') : Object.keys(TORCH_NAME)).map((id) => TORCH_NAME[id]?.split(' ')[0]).filter(Boolean).join(',');
  const ran = spawnSync(python, [torchScript, '--threads', '1', '--steps', '100', '--warmup', '10', '--only', only], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const out: Record<string, number> = {};
  for (const line of ran.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const r = JSON.parse(line) as { workload: string; median_ms: number };
    const id = Object.keys(TORCH_NAME).find((k) => TORCH_NAME[k] === r.workload);
    if (id) out[id] = r.median_ms;
  }
  if (ran.status !== 0) console.error(`PyTorch script failed (status ${ran.status}): ${ran.stderr.slice(-500)}`);
  if (!args.only || args.only.split(',').includes('A-5seeds')) Object.assign(out, runTorchSeeds(python));
  return out;
}

/**
 * Workload A in PyTorch as one seed and as five seeds in one batched computation (torch_seeds.py, one thread):
 * what training seeds together costs there, beside the A-5seeds row.
 */
function runTorchSeeds(python: string): Record<string, number> {
  const ran = spawnSync(python, [path.join(__dirname, 'torch_seeds.py'), '--threads', '1', '--steps', '100', '--warmup', '10', '--seeds', '5'], { encoding: 'utf8' });
  const out: Record<string, number> = {};
  for (const line of ran.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const r = JSON.parse(line) as { workload: string; median_ms: number };
    out[r.workload] = r.median_ms;
  }
  if (ran.status !== 0) console.error(`torch_seeds.py failed (status ${ran.status}): ${ran.stderr.slice(-500)}`);
  return out;
}

/** The probe overhead measured in alternation (run-backend.ts), over the repeats: median of their medians, extremes of all. */
function alternated(results: WorkloadResult[]): { median: number; min: number; max: number } | null {
  const each = results.map((r) => r.probeOverhead).filter((p): p is NonNullable<WorkloadResult['probeOverhead']> => p !== undefined);
  if (!each.length) return null;
  return { median: median(each.map((p) => p.median)), min: Math.min(...each.map((p) => p.min)), max: Math.max(...each.map((p) => p.max)) };
}

const spread = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs });

/** Each notebook's execution time: through the real kernel with nbclient, one after the other. */
function timeNotebooks(): Record<string, number> {
  const python = path.join(root, '.venv', 'bin', 'python');
  const runner = path.join(root, 'test', 'notebooks', 'run_notebook.py');
  const dir = path.join(root, 'notebooks');
  const times: Record<string, number> = {};
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort()) {
    const started = Date.now();
    const ran = spawnSync(python, [runner, path.join(dir, name), path.join(outDir, 'executed', name), '--timeout', '900'], { encoding: 'utf8', cwd: root });
    times[name] = ran.status === 0 ? (Date.now() - started) / 1000 : NaN;
    console.error(`  notebook ${name}: ${ran.status === 0 ? `${times[name].toFixed(1)} s` : `failed (status ${ran.status})`}`);
  }
  return times;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  fs.mkdirSync(outDir, { recursive: true });
  const python = torchPython();
  console.log(`bench: ${args.repeats} repeats; backends ${args.backends.join(', ')}; PyTorch ${python ? `from ${python}` : 'not found (set GRADSCOPE_TORCH_PYTHON or create build/torch-venv)'}`);
  const passes: BackendPass[] = [];
  const torchRuns: Record<string, number>[] = [];
  const skipped: Record<string, string> = {};
  // The 1-minute load average at the start of every repeat and at the end: the conditions of the numbers.
  const loadSamples: number[] = [];
  for (let r = 1; r <= args.repeats; r++) {
    loadSamples.push(require('os').loadavg()[0]);
    for (const backend of args.backends) {
      if (skipped[backend]) continue;
      console.error(`repeat ${r}: ${backend}`);
      const pass = runBackend(backend, args, r === 1);
      if (!pass.loaded) skipped[backend] = pass.reason ?? 'did not load';
      else passes.push(pass);
    }
    if (python) {
      console.error(`repeat ${r}: PyTorch, one thread`);
      torchRuns.push(runTorch(python, args));
    }
  }
  loadSamples.push(require('os').loadavg()[0]);
  const loaded = args.backends.filter((b) => !skipped[b]);
  const torch: Record<string, ReturnType<typeof spread>> = {};
  for (const id of [...Object.keys(TORCH_NAME), 'A-5seeds', 'A-1seed-batched']) {
    const xs = torchRuns.map((t) => t[id]).filter((v) => v !== undefined);
    if (xs.length) torch[id] = spread(xs);
  }
  const rows: Record<string, unknown>[] = [];
  for (const backend of loaded) {
    const mine = passes.filter((p) => p.backend === backend);
    const ids = [...new Set(mine.flatMap((p) => p.results!.map((w) => w.id)))];
    const resultsOf = (id: string) => mine.map((p) => p.results!.find((w) => w.id === id)).filter((w): w is WorkloadResult => w !== undefined);
    const ms = (id: string) => spread(resultsOf(id).map((w) => w.msPerStep));
    for (const id of ids) {
      const results = resultsOf(id);
      const t = spread(results.map((w) => w.msPerStep));
      rows.push({
        backend,
        workload: id,
        msPerStep: t,
        torchMs: torch[id] ?? null,
        ratio: torch[id] ? t.median / torch[id].median : null,
        target: TARGET[id] ?? null,
        probeOverhead: alternated(results),
        probeOverheadSeparate: id === 'A' && ids.includes('A0') ? t.median / ms('A0').median - 1 : null,
        // Five seeds together against one: the time of all five over the time of one (target <= 2).
        seedsOverOne: id === 'A-5seeds' && ids.includes('A') ? t.median / ms('A').median : null,
        // PyTorch's own: five seeds as one batched computation over one seed the same way (torch_seeds.py).
        torchSeedsOverOne: id === 'A-5seeds' && torch['A-5seeds'] && torch['A-1seed-batched'] ? torch['A-5seeds'].median / torch['A-1seed-batched'].median : null,
        leakedPerStep: Math.max(...results.map((w) => w.leakedPerStep)),
        // From the first repeat's profiled calls.
        peakTensorMiB: results[0].peakBytes / 2 ** 20,
        kernelsPerStep: results[0].kernelsPerStep,
        maxRssMiB: Math.max(...mine.map((p) => p.maxRssMiB ?? 0)),
      });
    }
  }
  const notebooks = args.notebooks ? timeNotebooks() : null;
  const kernel = await kernelStats.measure({ idleMs: 5000 }).catch((error: Error) => ({ error: error.message }));
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: require('os').cpus().length, loadAverage: require('os').loadavg(), loadDuringRun: loadSamples },
    args,
    skipped,
    torch: python ? { python, threads: 1, runs: torchRuns } : null,
    rows,
    notebooks,
    kernel,
  };
  const file = path.join(outDir, `bench-${report.date.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(report, null, 2));
  fs.writeFileSync(path.join(outDir, 'latest.json'), JSON.stringify(report, null, 2));

  const f = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  console.log('\n| backend | workload | ms/step median (min-max) | PyTorch 1 thread ms/step | ratio (target) | probe overhead | tensors leaked/step | ops/step | peak tensor MiB |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const row of rows as any[]) {
    const t = row.msPerStep;
    console.log(
      `| ${row.backend} | ${row.workload} | ${f(t.median)} (${f(t.min)}-${f(t.max)}) | ${row.torchMs ? `${f(row.torchMs.median)} (${f(row.torchMs.min)}-${f(row.torchMs.max)})` : '-'} | ` +
        `${row.ratio ? `${row.ratio.toFixed(1)}x` : '-'}${row.seedsOverOne ? `; ${row.seedsOverOne.toFixed(2)}x one seed (<= 2x; PyTorch's batched five: ${row.torchSeedsOverOne ? `${row.torchSeedsOverOne.toFixed(2)}x its one` : '-'})` : ''}${row.target ? ` (<= ${row.target}x)` : ''} | ${row.probeOverhead === null ? '' : `${(100 * row.probeOverhead.median).toFixed(1)}% (${(100 * row.probeOverhead.min).toFixed(0)} to ${(100 * row.probeOverhead.max).toFixed(0)})`} | ` +
        `${row.leakedPerStep} | ${Number.isNaN(row.kernelsPerStep) ? '-' : row.kernelsPerStep} | ${Number.isNaN(row.peakTensorMiB) ? '-' : row.peakTensorMiB.toFixed(1)} |`,
    );
  }
  for (const [b, why] of Object.entries(skipped)) console.log(`backend ${b} not measured: ${why}`);
  if (notebooks) for (const [name, s] of Object.entries(notebooks)) console.log(`notebook ${name}: ${Number.isNaN(s) ? 'failed' : `${s.toFixed(1)} s`}`);
  console.log(`kernel: ${JSON.stringify(kernel)}`);
  console.log(
    `\nload (1-minute average) at the start of each repeat and at the end: ${loadSamples.map((v) => v.toFixed(1)).join(', ')} on ${report.machine.cpus} CPUs; ` +
      `${args.repeats} repeats; results in ${path.relative(root, file)}`,
  );
}

main();
