/**
 * Which engine computes the numbers.
 *
 * TensorFlow.js runs the same model on several "backends". Without GRADSCOPE_BACKEND, gradscope tries them
 * in the order measured fastest on the reference workloads (`npm run bench`, README "Benchmark"):
 *
 *   1. `wasm`: WebAssembly with SIMD, shipped inside the npm package. Measured fastest here: a training
 *      step of these small networks is hundreds of small operations, and wasm's cost per operation is the
 *      lowest.
 *   2. `tensorflow`: the native TensorFlow C library through `@tensorflow/tfjs-node` (optional, built by
 *      `npm run native-backend`). Its arithmetic is fast, but every operation crosses from JavaScript into
 *      TensorFlow's eager runtime, and at these sizes that fixed cost per operation dominates: measured
 *      about 2x slower than wasm on every reference workload. It is tried only when wasm cannot load.
 *   3. `cpu`: plain JavaScript. Always there, 5-6x slower than wasm.
 *
 * Set the environment variable `GRADSCOPE_BACKEND=tensorflow|wasm|cpu` to force one; if the forced one
 * cannot load, `ready()` throws and says why instead of quietly falling back.
 *
 * Every notebook starts with `await ready()`: the wasm backend compiles its module asynchronously, so no
 * tensor can be made before that promise resolves.
 */
import * as tf from '@tensorflow/tfjs';
import { setNativeKernels } from './native-kernels';

export { tf };

/** The three engines gradscope knows. */
export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** The order `ready()` tries them in: measured fastest first on the reference workloads (see the top of this file). */
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
  /** Force a backend; defaults to the GRADSCOPE_BACKEND environment variable, else the fallback order. */
  backend?: BackendName;
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
      ' (or leave it unset to use the first one that loads, measured fastest first).',
  );
}

function describe(info: Omit<BackendInfo, 'notice'>): string {
  const how =
    info.backend === 'tensorflow'
      ? 'native TensorFlow; measured about 2x slower than wasm on these small networks, see "Backends" in the README'
      : info.backend === 'wasm'
        ? 'WebAssembly, measured the fastest here; see "Backends" in the README'
        : 'plain JavaScript, measured 5-6x slower than wasm; see "Backends" in the README';
  const forced = info.forced ? ', forced by GRADSCOPE_BACKEND' : '';
  return `gradscope: TensorFlow.js ${info.tfjsVersion} on the '${info.backend}' backend (${how}${forced}).`;
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
 * Chooses and initialises the backend once; later calls return the same answer.
 *
 * @example
 *   import { ready } from 'gradscope';
 *   const info = await ready();   // prints: gradscope: TensorFlow.js 4.22.0 on the 'wasm' backend (...)
 *   info.backend;                 // 'wasm'
 */
export function ready(options: ReadyOptions = {}): Promise<BackendInfo> {
  if (options.backend !== undefined) parseBackend(options.backend, 'options.backend');
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
  for (const name of BACKEND_ORDER) {
    const error = await activate(name);
    if (!error) {
      const base = { backend: name, tfjsVersion, forced: false, skipped };
      return { ...base, notice: describe(base) };
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
