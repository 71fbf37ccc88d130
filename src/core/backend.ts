/**
 * Which engine computes the numbers.
 *
 * TensorFlow.js runs the same model on several "backends". gradscope knows three, and chooses by a rule
 * measured on this pack's workloads (numbers in `MEASURED` below, method in the README, "Backends"):
 *
 *   1. `wasm`: WebAssembly with SIMD, shipped inside the npm package. A training step of the lessons' small
 *      networks is a few hundred small operations, wasm's fixed cost per operation is the lowest
 *      (`npm run bench:ops`), and gradscope runs the heaviest parts of a step as its own kernels over wasm
 *      memory (the SGD update, the dense backward, the global norm, the recurrent cells' steps through
 *      time). It measured faster than native TensorFlow on the lessons' sizes: MLPs up to 64 units wide (and
 *      128 wide below batch 512), every LSTM and GRU measured (32 to 64 units; at 128 the runs disagreed)
 *      and simple RNNs up to 64 units. The default.
 *   2. `tensorflow`: the native TensorFlow C library through `@tensorflow/tfjs-node` (optional, built by
 *      `npm run native-backend`). It runs TensorFlow.js's chains of operations (not gradscope's wasm
 *      kernels), each paying a larger fixed cost to cross into TensorFlow, but its matrix products are faster
 *      and it uses both cores: it measured faster than wasm only on wide layers, MLPs 256 units wide at batch
 *      128 or more or 128 wide at batch 512 or more, and simple RNNs of 128 units (`npm run bench:crossover`).
 *      `ready({ network })` chooses it by that rule when it is installed.
 *   3. `cpu`: plain JavaScript. Always there; the slowest measured.
 *
 * Set the environment variable `GRADSCOPE_BACKEND=tensorflow|wasm|cpu` to force one; if the forced one
 * cannot load, `ready()` throws and says why instead of quietly falling back.
 *
 * Every notebook starts with `await ready()`: the wasm backend compiles its module asynchronously, so no
 * tensor can be made before that promise resolves.
 */
import * as tf from '@tensorflow/tfjs';
import { setNativeKernels } from './native-kernels';
import { useTransposeFirst } from './wasm-matmul';
import { useRowTile } from './wasm-tile';

export { tf };

/** The three engines gradscope knows. */
export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/**
 * What was measured, quoted by every message about backends (the notice of `ready()`, `npm run doctor`, the
 * README). One 2-core machine shared with other work: absolute times moved with the load, so the figures kept
 * are ratios measured in one process, the backends in alternation (`npm run bench:alternate`,
 * `npm run bench:crossover`), medians of 3 rounds, with the load (1-minute average) of each run.
 */
export const MEASURED = {
  date: '2026-11-30',
  conditions: '2 shared CPUs, 1-minute load average 3-11',
  /**
   * Native time per training step over wasm's (below 1: native faster), wall clock; `npm run bench:alternate`,
   * load 3.5-4.3. In ms/step, wasm vs native: A 21.3 vs 35.0, B 115 vs 138, C 47.9 vs 88.3, E 33.7 vs 67.0,
   * D-lstm 60.5 vs 292, D-rnn 19.5 vs 37.7. CPU time (both threads) per step: A 21 vs 34, B 120 vs 155, C 53
   * vs 92, E 34 vs 67, D-lstm 63 vs 292, D-rnn 22 vs 41. B is near the crossover: a second run of B alone
   * (5 rounds, load 8-9) measured 0.66 (290 vs 192 ms).
   */
  nativeOverWasm: {
    A: { title: '20 x 64 sigmoid MLP, batch 128', ratio: 1.64 },
    B: { title: '20 x 256 sigmoid MLP, batch 128', ratio: 1.2 },
    C: { title: '50-layer residual ReLU MLP, 64 wide', ratio: 1.85 },
    E: { title: '20 x 64 sigmoid MLP with batch norm', ratio: 1.99 },
    'D-lstm': { title: 'LSTM 32 units, 100 time steps, batch 64', ratio: 4.82 },
    'D-rnn': { title: 'simple RNN 32 units, 100 time steps, batch 64', ratio: 1.93 },
  },
  /**
   * `npm run bench:crossover`, native / wasm time per step. 20-layer sigmoid MLP, one run at load 3 for widths
   * 16 and 64, two runs (load 3, then 2-9) from 128: width 16 at batch 32 5.49, 128 3.15, 512 1.97; width 64:
   * 3.57, 1.91, 1.31; width 128 at batch 32 1.43 and 2.11, at 128 1.35 and 2.31, at 512 0.84 and 0.57; width
   * 256 at batch 32 1.02 and 0.75, at 128 0.88 and 0.69, at 512 0.84 and 0.72; width 512 at batch 32 1.00 and
   * 1.27, at 128 0.75 and 0.71, at 512 0.48 and 0.44. One-layer recurrent networks, 100 time steps, batch 64 (load 7-12): LSTM 32 units 3.19,
   * 64 units 2.33, 128 units 0.57 and 2.06; simple RNN 1.48, 1.14, 0.45 and 0.67; GRU 3.17, 2.68, 0.92 and 1.28
   * (two runs at 128 units). Native counts as faster where it was in both runs.
   */
  crossover: {
    fasterFrom: [{ width: 256, batchSize: 128 }, { width: 128, batchSize: 512 }],
    simpleRnnFasterFromUnits: 128,
  },
  /** cpu time per step of workload A over wasm's (test/bench/run-backend.ts, one pass each, load 6): 296 vs 27.6 ms. */
  cpuOverWasm: 11,
} as const;

/** The MLP sizes from which native TensorFlow measured faster than wasm: this width at this batch size or more. */
export const NATIVE_FASTER_FROM = MEASURED.crossover.fasterFrom;

/** The recurrent cells `fasterBackend` knows (as in `recurrent({ cell })`). */
export const CELLS = ['lstm', 'simple', 'gru'] as const;

/** The size of the network to be trained, for `ready({ network })`. */
export interface NetworkSize {
  /** Units in its widest hidden layer (for a recurrent network: its units). */
  width: number;
  /** Examples per training step. */
  batchSize: number;
  /** True for a recurrent network (LSTM, simple RNN or GRU) trained through time. */
  recurrent?: boolean;
  /** For a recurrent network, its cell; left out, it counts as an LSTM. */
  cell?: (typeof CELLS)[number];
}

/**
 * The backend measured faster for a network of this size (see `MEASURED`): 'tensorflow' (native) for an MLP
 * from 256 units wide at batch 128 or more, or from 128 units at batch 512 or more, and for a simple RNN from
 * 128 units; else 'wasm', which includes every LSTM and GRU (both measured faster on wasm at 32 and 64 units;
 * at 128 units the two runs disagreed). MLPs were measured with 20 hidden layers (depth multiplies both
 * backends' time alike), recurrent networks with one layer, 100 time steps and batch 64.
 *
 * @example
 *   fasterBackend({ width: 64, batchSize: 128 });                                   // 'wasm'
 *   fasterBackend({ width: 256, batchSize: 128 });                                  // 'tensorflow'
 *   fasterBackend({ width: 32, batchSize: 64, recurrent: true });                   // 'wasm'
 *   fasterBackend({ width: 128, batchSize: 64, recurrent: true, cell: 'simple' });  // 'tensorflow'
 */
export function fasterBackend(network: NetworkSize): 'wasm' | 'tensorflow' {
  for (const [field, value] of Object.entries({ width: network?.width, batchSize: network?.batchSize })) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new Error(`fasterBackend: network.${field} is ${JSON.stringify(value)}; allowed: a whole number of at least 1.`);
    }
  }
  if (network.recurrent !== undefined && typeof network.recurrent !== 'boolean') {
    throw new Error(`fasterBackend: network.recurrent is ${JSON.stringify(network.recurrent)}; allowed: true, false or left out.`);
  }
  if (network.cell !== undefined && !(CELLS as readonly string[]).includes(network.cell)) {
    throw new Error(`fasterBackend: network.cell is ${JSON.stringify(network.cell)}; allowed: ${CELLS.join(', ')} or left out.`);
  }
  if (network.cell !== undefined && !network.recurrent) {
    throw new Error(`fasterBackend: network.cell is '${network.cell}' but network.recurrent is not true; allowed: a cell only with recurrent: true.`);
  }
  if (network.recurrent) {
    return network.cell === 'simple' && network.width >= MEASURED.crossover.simpleRnnFasterFromUnits ? 'tensorflow' : 'wasm';
  }
  return NATIVE_FASTER_FROM.some((r) => network.width >= r.width && network.batchSize >= r.batchSize) ? 'tensorflow' : 'wasm';
}

/** The order `ready()` tries them in without a network size: wasm first (measured fastest on the lessons' sizes). */
export const BACKEND_ORDER: readonly BackendName[] = ['wasm', 'tensorflow', 'cpu'];

/** What `ready()` found: the engine in use and why the ones tried before it were not used. */
export interface BackendInfo {
  /** The backend every tensor now lives on. */
  backend: BackendName;
  /** Version of @tensorflow/tfjs-core. */
  tfjsVersion: string;
  /** True when the choice came from GRADSCOPE_BACKEND rather than from the fallback order. */
  forced: boolean;
  /** For each backend tried before this one and skipped, the reason (the load error, shortened). */
  skipped: { backend: BackendName; reason: string }[];
  /** One line for a human: the backend and what was measured about it. */
  notice: string;
}

export interface ReadyOptions {
  /** Force a backend; defaults to the GRADSCOPE_BACKEND environment variable, else the rule below. */
  backend?: BackendName;
  /**
   * The size of the network to be trained: with it, the backend measured faster for that size is tried first
   * (`fasterBackend`); without it, wasm (faster on every reference workload).
   */
  network?: NetworkSize;
  /** Do not print the one-line notice. */
  quiet?: boolean;
}

let current: BackendInfo | undefined;
let pending: Promise<BackendInfo> | undefined;

function shortReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const firstLine = text.split('\n').find((line) => line.trim().length > 0) ?? text;
  const clean = firstLine.trim().replace(/[.\s]+$/, '');
  return clean.length > 160 ? `${clean.slice(0, 157)}...` : clean;
}

/** Registers a backend's kernels with tfjs; returns an error message or undefined when it loaded. */
function register(name: BackendName): string | undefined {
  try {
    if (name === 'tensorflow') {
      // TensorFlow's C++ start-up log lines (CPU feature notes) would land in the learner's notebook.
      if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = '2';
      // tfjs-node registers the 'tensorflow' backend as a side effect of being loaded.
      require('@tensorflow/tfjs-node');
      // Fewer TensorFlow calls for reshapes and fused layers (native-kernels.ts); GRADSCOPE_NATIVE_KERNELS=0
      // keeps tfjs-node's own, to compare.
      setNativeKernels(process.env.GRADSCOPE_NATIVE_KERNELS !== '0');
    } else if (name === 'wasm') {
      require('@tensorflow/tfjs-backend-wasm');
      // Products with a transposed operand through XNNPACK (wasm-matmul.ts); GRADSCOPE_TRANSPOSE_FIRST=0
      // keeps the backend's own kernel, to compare.
      useTransposeFirst(process.env.GRADSCOPE_TRANSPOSE_FIRST !== '0');
      // Tile as a row copy (wasm-tile.ts); GRADSCOPE_ROW_TILE=0 keeps the backend's own kernel, to compare.
      useRowTile(process.env.GRADSCOPE_ROW_TILE !== '0');
    }
    // 'cpu' is registered by @tensorflow/tfjs itself.
    return tf.findBackendFactory(name) ? undefined : `the '${name}' backend did not register itself`;
  } catch (error) {
    return shortReason(error);
  }
}

function parseBackend(value: string | undefined, field: string): BackendName | undefined {
  if (value === undefined || value === '') return undefined;
  const name = value.trim().toLowerCase();
  if ((BACKENDS as readonly string[]).includes(name)) return name as BackendName;
  throw new Error(
    `${field} is '${value}', which is not a backend gradscope knows. Allowed: ${BACKENDS.join(', ')}` +
      ' (or leave it unset to let gradscope choose by what was measured).',
  );
}

/** What was measured about `backend`, with the numbers, in a few words (from `MEASURED`). */
export function measuredSummary(backend: BackendName): string {
  const r = MEASURED.nativeOverWasm;
  if (backend === 'wasm') {
    return (
      `measured faster than native TensorFlow on the lessons' sizes (native took ${r.A.ratio}x as long on a 20 x 64 MLP, ` +
      `${r.C.ratio}x on a 50-layer one, ${r['D-lstm'].ratio}x on an LSTM of 32 units, ${r['D-rnn'].ratio}x on a simple RNN of 32)`
    );
  }
  if (backend === 'tensorflow') {
    return (
      `measured faster than wasm only on wide layers (MLPs from 256 units at batch 128, or 128 at batch 512; simple RNNs of 128 units), ` +
      `slower on the lessons' sizes (${r.A.ratio}x wasm's time on a 20 x 64 MLP, ${r['D-lstm'].ratio}x on an LSTM of 32 units)`
    );
  }
  return `measured ${MEASURED.cpuOverWasm}x slower than wasm on a 20 x 64 MLP`;
}

function describe(info: Omit<BackendInfo, 'notice'>, network?: NetworkSize): string {
  const kind = info.backend === 'tensorflow' ? 'native TensorFlow' : info.backend === 'wasm' ? 'WebAssembly' : 'plain JavaScript';
  const why = info.forced
    ? ', forced by GRADSCOPE_BACKEND'
    : network
      ? `, chosen for a${network.recurrent ? ` recurrent (${network.cell ?? 'lstm'})` : ''} network ${network.width} wide at batch ${network.batchSize}`
      : '';
  return `gradscope: TensorFlow.js ${info.tfjsVersion} on the '${info.backend}' backend (${kind}; ${measuredSummary(info.backend)}${why}; see "Backends" in the README).`;
}

async function activate(name: BackendName): Promise<string | undefined> {
  const loadError = register(name);
  if (loadError) return loadError;
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return `tf.setBackend('${name}') returned false`;
    await tf.ready();
    if (name === 'cpu') {
      // The cpu backend prints a multi-line "install tfjs-node" banner on its first tensor; our one-line
      // notice already names the backends.
      (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
    }
    return undefined;
  } catch (error) {
    return shortReason(error);
  }
}

/**
 * Chooses and initialises the backend once; later calls return the same answer (a `network` size counts
 * only on the first call).
 *
 * @example
 *   import { ready } from 'gradscope';
 *   const info = await ready();   // prints: gradscope: TensorFlow.js 4.22.0 on the 'wasm' backend (...)
 *   info.backend;                 // 'wasm'
 *   await ready({ network: { width: 256, batchSize: 128 } });   // in a fresh kernel: 'tensorflow' if built
 */
export function ready(options: ReadyOptions = {}): Promise<BackendInfo> {
  if (options.backend !== undefined) parseBackend(options.backend, 'options.backend');
  if (options.network !== undefined) fasterBackend(options.network);
  if (current && (options.backend === undefined || options.backend === current.backend)) {
    return Promise.resolve(current);
  }
  if (!pending || options.backend !== undefined) {
    pending = choose(options).then(
      (info) => {
        current = info;
        if (!options.quiet) console.log(info.notice);
        return info;
      },
      (error) => {
        pending = undefined;
        throw error;
      },
    );
  }
  return pending;
}

async function choose(options: ReadyOptions): Promise<BackendInfo> {
  const forcedName =
    options.backend ?? parseBackend(process.env.GRADSCOPE_BACKEND, 'The environment variable GRADSCOPE_BACKEND');
  const tfjsVersion = tf.version_core;
  if (forcedName) {
    const error = await activate(forcedName);
    if (error) {
      const hint =
        forcedName === 'tensorflow'
          ? ' Build the native backend with `npm run native-backend` (see the README), or unset GRADSCOPE_BACKEND.'
          : ' Unset GRADSCOPE_BACKEND to use the first backend that loads.';
      throw new Error(`The '${forcedName}' backend was requested but cannot load: ${error}.${hint}`);
    }
    const base = { backend: forcedName, tfjsVersion, forced: true, skipped: [] };
    return { ...base, notice: describe(base) };
  }
  const skipped: BackendInfo['skipped'] = [];
  const order: readonly BackendName[] =
    options.network && fasterBackend(options.network) === 'tensorflow' ? ['tensorflow', 'wasm', 'cpu'] : BACKEND_ORDER;
  for (const name of order) {
    const error = await activate(name);
    if (!error) {
      const base = { backend: name, tfjsVersion, forced: false, skipped };
      return { ...base, notice: describe(base, options.network) };
    }
    skipped.push({ backend: name, reason: error });
  }
  throw new Error(
    `No TensorFlow.js backend could load: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`,
  );
}

/**
 * The backend chosen by `ready()`. Throws a clear error when `ready()` has not finished yet, because
 * every tensor operation before that point would fail with a less helpful message.
 */
export function backendInfo(): BackendInfo {
  if (!current) {
    throw new Error('The TensorFlow.js backend is not ready yet: run `await ready()` once before using gradscope.');
  }
  return current;
}

/** Throws unless `ready()` has completed; the library calls it at the start of every tensor-making function. */
export function assertReady(): void {
  backendInfo();
}
