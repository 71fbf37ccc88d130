/**
 * Several models, each trained on its own, side by side on the cores: `trainEach(models, data, options)`
 * returns what `train(models[i], data, options[i])` called one after another returns, with each model's own
 * options (its own training seed, so its own batch order), while independent models train at the same time
 * on worker threads (threads.ts).
 *
 * Exact, not approximate: a model's training reads only that model, the data and its options, and a worker
 * runs `train` itself, with the same wasm kernels in the same order on the same numbers, so each history and
 * each final weight (non-trainable ones included, such as batch norm's running statistics) is, bit for bit,
 * the one the plain calls give. This thread trains models too: each thread takes the next model still
 * waiting, the longest first.
 */
import * as tf from '@tensorflow/tfjs';
import { backendInfo } from '../core/backend';
import { fail, showAs } from '../core/check';
import { DataLike, toTensors } from '../core/data';
import { checkData } from '../core/model-checks';
import { modelInfo } from '../models/info';
import { GroupResult, TrainJob, WireData, threadBudget, threadsSharingCores, trainGroupOnWorker } from './threads';
import { PAYS_FROM_SECONDS, gradscopeEnvironment, plainOf, secondsPerModelStep, setPlainWeights } from './together-threads';
import { History, TrainOptions, describeHistory, train } from './train';
import { ProgressLine } from './progress';

const where = 'trainEach';

/** Data as it crosses a thread: tensors as plain tensors, arrays (a dataset) as they are. */
function wire(data: DataLike): WireData {
  if (!(data.x instanceof tf.Tensor) && !(data.y instanceof tf.Tensor)) return { arrays: data };
  const t = toTensors(data, where);
  try {
    return { tensors: { x: plainOf(t.x), y: plainOf(t.y), task: 'task' in data ? data.task : undefined } };
  } finally {
    t.dispose();
  }
}

/** The batch size and the number of steps of one run, as `train` counts them. */
function runOf(data: DataLike, options: TrainOptions): { batch: number; steps: number } {
  const n = data.x instanceof tf.Tensor ? data.x.shape[0] : (data.x as unknown[]).length;
  const batch = options.batchSize ?? Math.min(32, n);
  return { batch, steps: options.steps ?? (options.epochs ?? 10) * Math.ceil(n / batch) };
}

/** True when `model` can be rebuilt on a worker: built by `mlp`, every layer with weights trainable. */
function rebuildable(model: tf.LayersModel): boolean {
  const info = modelInfo(model);
  return info.kind === 'mlp' && info.options !== undefined && model.layers.every((l) => l.weights.length === 0 || l.trainable);
}

/**
 * How many threads to train on: one per core (`threadBudget`), or one per model when the models do not split
 * evenly over the cores (`threadsSharingCores`); 1 (one model after
 * another on this thread) when anything cannot cross a thread (a callback such as onProbe, a model not built
 * by `mlp`, a frozen layer, the same model twice, data `train` would refuse, onNonFinite 'throw', whose error
 * carries the history), on a backend other than wasm or cpu, or for a run under half a second on one core.
 */
function threadsFor(models: tf.LayersModel[], data: DataLike, options: TrainOptions[], seconds: number[]): number {
  const backend = backendInfo().backend;
  if ((backend !== 'wasm' && backend !== 'cpu') || tf.getBackend() !== backend) return 1;
  const budget = threadBudget(where);
  const threads = threadsSharingCores(models.length, budget);
  if (threads < 2 || new Set(models).size !== models.length) return 1;
  try {
    checkData('train', data);
    if (!models.every(rebuildable)) return 1;
    for (let k = 0; k < models.length; k++) {
      const o = options[k];
      if (o === null || typeof o !== 'object' || Object.values(o).some((v) => typeof v === 'function') || o.onNonFinite === 'throw') return 1;
      if (o.validation !== undefined) checkData('train', o.validation, 'validation');
      if (o.probes && o.probes.data !== undefined) checkData('train', o.probes.data, 'probes.data');
      const { batch, steps } = runOf(data, o);
      if (!Number.isFinite(steps * batch)) return 1;
      seconds[k] = steps * secondsPerModelStep(models[k], batch);
    }
    return seconds.reduce((a, b) => a + b, 0) < PAYS_FROM_SECONDS ? 1 : threads;
  } catch {
    return 1; // train itself says what is wrong, with the plain calls
  }
}

/** The job of training model `k` on a worker. */
function jobFor(model: tf.LayersModel, data: WireData, options: TrainOptions): TrainJob {
  const { validation, probes, ...rest } = options;
  const plainProbes = probes ? { ...probes, data: undefined } : probes;
  return {
    kind: 'train',
    backend: backendInfo().backend as 'wasm' | 'cpu',
    env: gradscopeEnvironment(),
    model: { options: modelInfo(model).options! as unknown as Record<string, unknown>, weights: model.getWeights().map(plainOf) },
    data,
    validation: validation === undefined ? undefined : wire(validation),
    probeData: probes && probes.data !== undefined ? wire(probes.data) : undefined,
    options: { ...rest, probes: plainProbes, quiet: true },
  };
}

/**
 * Trains each model on `data` with its own options, as `train(models[i], data, options[i])` one after another
 * would, and returns the histories in model order; the models end up trained, as after those calls. `options`
 * is one options object for every model, or one per model (for example each with its own `seed`, so that each
 * model sees its own batch order: a spread over seeds that includes the data order). Use `trainTogether`
 * instead when the models should share one batch order.
 *
 * Threads: models that do not depend on each other train at the same time, one per core (os.availableParallelism(),
 * lowered by the environment variable GRADSCOPE_THREADS), or one per model when the models do not split evenly
 * over the cores (3 on 2 cores: the cores share the three equally): this thread takes one model, worker threads
 * the others, each the next model waiting, the longest first (by steps, layers and weights). Every history and
 * final weight is bit for bit the one of the plain calls. The
 * models train one after another on this thread when something cannot go to another thread: a function among
 * the options (onProbe), onNonFinite 'throw', a model not built by `mlp` or with a frozen layer, the same model
 * twice, a backend other than wasm or cpu, GRADSCOPE_THREADS=1, or a run under about half a second.
 * If a model's training fails, no further model starts and trainEach rejects with the first error in model order.
 *
 * @example
 *   const models = [0, 1, 2].map((seed) => mlp({ inputs: 2, outputs: 1, depth: 20, width: 64, activation: 'relu', init: 'heNormal', seed }));
 *   const histories = await trainEach(models, circles({ n: 256 }), [0, 1, 2].map((seed) => ({ steps: 200, batchSize: 64, seed })));
 *   histories.map((h) => h.steps.at(-1).loss);   // three final losses: the spread over seeds
 */
export async function trainEach(models: tf.LayersModel[], data: DataLike, options: TrainOptions | TrainOptions[] = {}): Promise<History[]> {
  if (!Array.isArray(models) || models.length < 1) fail(where, 'models', models, 'an array of one or more models');
  const list = Array.isArray(options) ? options : models.map(() => options);
  if (list.length !== models.length) fail(where, 'options.length', list.length, `one options object, or an array of one per model (${models.length})`);
  const seconds: number[] = [];
  const threads = threadsFor(models, data, list, seconds);
  const histories: History[] = [];
  if (threads < 2) {
    for (let k = 0; k < models.length; k++) histories.push(await train(models[k], data, list[k]));
    return histories;
  }
  const progress = new ProgressLine(!list.every((o) => o.quiet));
  const started = Date.now();
  const shared = wire(data);
  const fromWorkers: (GroupResult | undefined)[] = [];
  const errors = await sideBySide(models.length, threads, {
    here: async (k) => void (histories[k] = await train(models[k], data, { ...list[k], quiet: true })),
    there: async (k) => void (fromWorkers[k] = await trainGroupOnWorker(jobFor(models[k], shared, list[k]), () => undefined)),
    finished: (done) => progress.update(`${done}/${models.length} models trained on ${threads} threads`),
  }, longestFirst(seconds));
  const failed = errors.length ? Math.min(...errors.map((e) => e.k)) : models.length;
  fromWorkers.forEach((r, k) => {
    if (!r || k >= failed) return;
    setPlainWeights(models[k], r.weights[0]);
    const h = r.histories[0] as History;
    histories[k] = showAs(h, () => describeHistory(h));
  });
  if (errors.length) throw errors.find((e) => e.k === failed)!.error;
  progress.finish(`trained ${models.length} models, each on its own, on ${threads} threads in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return histories;
}

/** The job numbers, the longest job first (ties in job order): no thread is left with a long job at the end. */
export function longestFirst(seconds: number[]): number[] {
  return seconds.map((_, k) => k).sort((a, b) => seconds[b] - seconds[a] || a - b);
}

/**
 * Runs jobs 0..count-1 on `threads` threads: this thread (`here`) and `threads - 1` workers (`there`), each
 * thread taking the next job waiting, in job order (or in `order`, a list of the job numbers), until none is
 * left or one has failed. Returns the errors, each with its job's number (a job that had started when another
 * failed still finishes).
 */
export async function sideBySide(
  count: number,
  threads: number,
  run: { here: (k: number) => Promise<void>; there: (k: number) => Promise<void>; finished: (done: number) => void },
  order: number[] = Array.from({ length: count }, (_, k) => k),
): Promise<{ k: number; error: unknown }[]> {
  const errors: { k: number; error: unknown }[] = [];
  let next = 0;
  let done = 0;
  /** One thread's loop: the next job waiting, until none is left or one has failed. */
  const loop = async (here: boolean) => {
    while (next < count && errors.length === 0) {
      const k = order[next++];
      try {
        await (here ? run.here(k) : run.there(k));
        run.finished(++done);
      } catch (error) {
        errors.push({ k, error });
      }
    }
  };
  await Promise.all([loop(true), ...Array.from({ length: threads - 1 }, () => loop(false))]);
  return errors;
}
