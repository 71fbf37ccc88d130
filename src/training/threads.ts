/**
 * Training on both cores: a pool of worker threads (node:worker_threads), each with its own TensorFlow.js
 * backend, that `trainTogether` hands groups of models to.
 *
 * Why threads at all: the wasm backend computes on one core. Models trained together do not depend on one
 * another (each step of model k reads only model k's weights and the shared mini-batch), so a machine with
 * C cores can train C groups of them at the same time. Each thread runs the same wasm kernels, in the same
 * order, on the same numbers, so every history and every final weight is the one a single thread gives, bit
 * for bit.
 *
 * What crosses a thread is plain data: each model's `mlp` options and its weights (all of them, the
 * non-trainable ones too, such as batch norm's running statistics), the training data as float arrays, the
 * options; back come the histories (plain JSON) and the final weights, which the caller writes into its own
 * models. A worker rebuilds each model with `mlp` (so the layers, their names and their kernels are those of
 * the caller's model) and then sets its weights.
 *
 * The pool starts lazily (the first call that uses it pays about a second per worker to load TensorFlow.js and
 * compile the wasm module), stays for later calls, and never keeps the process alive: an idle worker is
 * `unref`ed, so a script, a test runner or the notebook kernel exits as if it were not there.
 */
import * as os from 'os';
import * as path from 'path';
import * as fs from 'fs';
import { Worker } from 'worker_threads';

/** A tensor as plain data: its values, shape and type. */
export interface PlainTensor {
  values: Float32Array | Int32Array | Uint8Array;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
}

/** What a worker needs to train one group: the models, the data and the options, all plain. */
export interface GroupJob {
  backend: 'wasm' | 'cpu';
  /** The environment variables that choose gradscope's ways of computing (GRADSCOPE_*), as the caller has them. */
  env: Record<string, string>;
  /** Each model's `mlp` options and its weights, in `model.weights` order. */
  models: { options: Record<string, unknown>; weights: PlainTensor[] }[];
  data: { x: PlainTensor; y: PlainTensor; task?: unknown };
  probeData?: { x: PlainTensor; y: PlainTensor; task?: unknown };
  /** trainTogether's options, without probes.data (sent as `probeData`). */
  options: Record<string, unknown>;
}

/** Data as it crosses a thread: tensors as plain tensors, a dataset of plain arrays as it is. */
export type WireData = { tensors: { x: PlainTensor; y: PlainTensor; task?: unknown } } | { arrays: unknown };

/**
 * What a worker needs to train one model with `train` (trainEach): the model's `mlp` options and weights,
 * the data, the held-out and probe data, and train's options without them.
 */
export interface TrainJob {
  kind: 'train';
  backend: 'wasm' | 'cpu';
  env: Record<string, string>;
  model: { options: Record<string, unknown>; weights: PlainTensor[] };
  data: WireData;
  validation?: WireData;
  probeData?: WireData;
  options: Record<string, unknown>;
}

/** A worker's answer: the histories and final weights, a progress report, or an error. */
export type GroupMessage =
  | { kind: 'done'; histories: unknown[]; weights: PlainTensor[][]; /** Tensors alive in the worker once it has cleaned up. */ tensors: number }
  | { kind: 'progress'; step: number; losses: number[] }
  | { kind: 'error'; message: string; stack?: string };

/** What a worker sends back for a group. */
export interface GroupResult {
  histories: unknown[];
  weights: PlainTensor[][];
  /** Tensors alive in the worker after the job (the same after every job: nothing leaks). */
  tensors: number;
}

/**
 * The cores this process may use: os.availableParallelism() (the cores the operating system gives it),
 * lowered by the environment variable GRADSCOPE_THREADS (GRADSCOPE_THREADS=1: one thread, no workers).
 */
export function threadBudget(where = 'trainTogether'): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const limit = process.env.GRADSCOPE_THREADS;
  if (limit === undefined || limit === '') return Math.max(1, cores);
  const n = Number(limit);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`${where}: the environment variable GRADSCOPE_THREADS is '${limit}'; allowed: a whole number of at least 1 (1: one thread)`);
  }
  return Math.min(n, Math.max(1, cores));
}

/** Past this many models per core, one thread per model no longer pays for itself (see `threadsSharingCores`). */
const MODELS_PER_CORE_SHARED = 4;

/**
 * How many threads `models` independent models train on when `budget` threads are allowed (`threadBudget`).
 * Equal shares are what count: the run lasts as long as its busiest core. When the models split evenly over
 * the cores (4 models on 2 cores: 2 and 2), one thread per core. When they do not (3 or 5 models on 2 cores),
 * a group per core would leave one core idle at the end (5 models: 3 on one core, 2 on the other, 3 models'
 * time); one thread per model lets the operating system share the cores equally among them (5 models: 2.5
 * models' time on each core). A worker thread more costs about 0.1-0.2 s of CPU once (its start, after the
 * first worker's), and some switching between threads. Only when the budget is all the cores (GRADSCOPE_THREADS
 * unset or at least the cores): a lower GRADSCOPE_THREADS caps the threads themselves.
 */
export function threadsSharingCores(models: number, budget: number): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  if (budget < 2 || budget < cores || models <= budget || models % budget === 0 || models > MODELS_PER_CORE_SHARED * budget) return Math.min(models, budget);
  return models;
}

/**
 * How to start a worker running together-worker: the compiled file next to this one (dist/), or, when this
 * module runs from TypeScript source (ts-jest, ts-node: the tests and the benchmark), the source through a
 * require hook that strips the types. That hook is sucrase's when sucrase is installed (a development
 * dependency, plain JavaScript): a worker then starts in about 1.3 s of CPU, against 6-7 s with ts-node's,
 * which loads the whole TypeScript compiler and converts every module of the library with it. (swc, the other
 * fast transpiler ts-node can use, is a native addon; loaded in worker threads, it crashed the process when
 * the workers stopped.) Neither hook checks types: `npm run build` does.
 */
function workerEntry(): { file: string; eval: boolean } {
  const compiled = path.join(__dirname, 'together-worker.js');
  if (fs.existsSync(compiled)) return { file: compiled, eval: false };
  const source = path.join(__dirname, 'together-worker.ts');
  const project = path.join(__dirname, '..', '..', 'tsconfig.json');
  const sucrase = resolvable('sucrase/register/ts');
  const hook = sucrase
    ? `require(${JSON.stringify(sucrase)});`
    : `require('ts-node').register({ transpileOnly: true, project: ${JSON.stringify(project)} });`;
  return { file: `${hook} require(${JSON.stringify(source)});`, eval: true };
}

/** The file `request` resolves to from here, or undefined when it is not installed. */
function resolvable(request: string): string | undefined {
  try {
    return require.resolve(request, { paths: [__dirname] });
  } catch {
    return undefined;
  }
}

/** One worker of the pool and the job it is running, if any. */
interface PoolWorker {
  worker: Worker;
  busy: boolean;
  /** Where the current job's messages go. */
  listener?: (message: GroupMessage) => void;
  /** What happens to the current job if the worker dies. */
  onDeath?: (error: Error) => void;
}

const pool: PoolWorker[] = [];

function startWorker(): PoolWorker {
  const entry = workerEntry();
  const worker = new Worker(entry.file, { eval: entry.eval, stdout: false, stderr: false });
  const member: PoolWorker = { worker, busy: false };
  worker.on('message', (message: GroupMessage) => member.listener?.(message));
  const die = (error: Error) => {
    const index = pool.indexOf(member);
    if (index >= 0) pool.splice(index, 1);
    member.onDeath?.(error);
    member.onDeath = member.listener = undefined;
  };
  worker.on('error', (error) => die(error instanceof Error ? error : new Error(String(error))));
  worker.on('exit', (code) => die(new Error(`trainTogether: a training thread stopped (exit code ${code}) before it finished`)));
  worker.unref();
  pool.push(member);
  return member;
}

/** An idle worker of the pool, started if none is idle. */
function idleWorker(): PoolWorker {
  return pool.find((m) => !m.busy) ?? startWorker();
}

/**
 * Trains one group on a worker thread. `onProgress` hears each step's losses (the worker sends at most a
 * few a second). Resolves with the histories and the final weights; rejects with the worker's own error.
 * While the job runs the worker holds the process open (`ref`); idle, it does not.
 */
export function trainGroupOnWorker(job: GroupJob | TrainJob, onProgress: (step: number, losses: number[]) => void): Promise<GroupResult> {
  const member = idleWorker();
  member.busy = true;
  member.worker.ref();
  return new Promise((resolve, reject) => {
    const finish = () => {
      member.busy = false;
      member.listener = member.onDeath = undefined;
      member.worker.unref();
    };
    member.onDeath = (error) => {
      finish();
      reject(error);
    };
    member.listener = (message) => {
      if (message.kind === 'progress') return onProgress(message.step, message.losses);
      finish();
      if (message.kind === 'done') resolve({ histories: message.histories, weights: message.weights, tensors: message.tensors });
      else {
        const error = new Error(message.message);
        if (message.stack) error.stack = message.stack;
        reject(error);
      }
    };
    try {
      member.worker.postMessage(job);
    } catch (error) {
      finish(); // something in the job could not be copied to the thread
      reject(error);
    }
  });
}

/** Stops every worker of the pool (they start again when needed). Resolves when all have exited. */
export async function stopTrainingThreads(): Promise<void> {
  const members = pool.splice(0, pool.length);
  await Promise.all(members.map((m) => m.worker.terminate()));
}

/** How many worker threads the pool holds now (for tests and measurements). */
export function trainingThreadCount(): number {
  return pool.length;
}
