/**
 * `trainTogether` on several cores: the models split into groups, one group per thread, this thread
 * training the first group while worker threads (threads.ts) train the others; then every history in model
 * order, and every worker's final weights written into the caller's models.
 *
 * Exact, not approximate: a model's step reads only its own weights and the shared mini-batch, and every
 * thread runs the same kernels in the same order, so each history and each final weight is the one training
 * all the models on one thread gives, bit for bit. One thing couples the models: when one model's loss or
 * gradient becomes NaN or infinite, trainTogether stops every model at that step. Groups on different
 * threads cannot stop each other in time, so when any group stopped, the models get their starting weights
 * back and the whole run is done again on this thread: the same result, later.
 */
import * as tf from '@tensorflow/tfjs';
import { backendInfo } from '../core/backend';
import { DataLike, toTensors } from '../core/data';
import { modelInfo } from '../models/info';
import { ProgressLine } from './progress';
import { GroupJob, GroupResult, PlainTensor, threadBudget, threadsSharingCores, trainGroupOnWorker } from './threads';
import { History, describeHistory } from './train';
import { showAs } from '../core/check';

/** The options trainTogether was given (as plain data), with the resolved loss. */
type Options = Record<string, unknown> & { probes?: false | Record<string, unknown>; quiet?: boolean };

/** trainTogether's loop on one group of models, on this thread, each step reported. */
type TrainGroup = (models: tf.LayersModel[], data: DataLike, options: Options, report: (step: number, losses: number[]) => void) => Promise<History[]>;

/** What `trainOnThreads` needs: the checked call, and how to train one group here. */
export interface ThreadedRun {
  models: tf.LayersModel[];
  data: DataLike;
  /** The training data as tensors (trainTogether's own, disposed by it). */
  all: { x: tf.Tensor; y: tf.Tensor };
  options: Options;
  threads: number;
  totalSteps: number;
  progress: ProgressLine;
  trainGroup: TrainGroup;
}

/**
 * What one step of one model costs on one core, roughly, to tell whether threads pay: a fixed cost per layer
 * (the kernels' calls: forward, backward and update, measured about 60 µs on wasm for the lessons' layers)
 * plus the multiply-adds, 6 per weight per example (forward, both backward products), at about 4e9 a second
 * (a 30 x 64 ReLU step at batch 64, 47 million multiply-adds, took 12 ms).
 */
export function secondsPerModelStep(model: tf.LayersModel, batchSize: number): number {
  const layers = model.layers.filter((l) => l.weights.length > 0).length;
  return layers * 60e-6 + (6 * batchSize * model.countParams()) / 4e9;
}

/** A run shorter than this on one core stays there: a thread's start and the weights' transfer cost more than it saves. */
export const PAYS_FROM_SECONDS = 0.5;

/**
 * How many threads to train on: `requested` when given (at most one per core, `threadBudget`:
 * os.availableParallelism(), lowered by GRADSCOPE_THREADS, and one per model); else one per core, or one per
 * model when the models do not split evenly over the cores (`threadsSharingCores`); 1 (this thread only) when
 * the backend is not one a worker can load (wasm and cpu can; native TensorFlow uses every core already), or,
 * unless `requested` is given, when the run would take less than half a second on one core.
 */
export function threadPlan(models: tf.LayersModel[], requested: number | undefined, totalSteps: number, batchSize: number): number {
  const backend = backendInfo().backend;
  if (backend !== 'wasm' && backend !== 'cpu') return 1;
  if (tf.getBackend() !== backend) return 1;
  const threads = Math.min(models.length, threadBudget(), requested ?? Infinity);
  if (threads < 2) return 1;
  if (requested !== undefined) return threads;
  if (totalSteps * models.length * secondsPerModelStep(models[0], batchSize) < PAYS_FROM_SECONDS) return 1;
  return threadsSharingCores(models.length, threadBudget());
}

/** Splits 0..n-1 into `parts` consecutive groups whose sizes differ by at most one. */
function groupsOf(n: number, parts: number): number[][] {
  return Array.from({ length: parts }, (_, p) => {
    const from = Math.floor((p * n) / parts);
    return Array.from({ length: Math.floor(((p + 1) * n) / parts) - from }, (_, i) => from + i);
  });
}

export const plainOf = (t: tf.Tensor): PlainTensor => ({ values: t.dataSync() as PlainTensor['values'], shape: t.shape.slice(), dtype: t.dtype as PlainTensor['dtype'] });

/** The GRADSCOPE_* environment variables, which choose how gradscope computes. */
export function gradscopeEnvironment(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('GRADSCOPE_') && e[1] !== undefined));
}

/** The job of one worker: its models' options and weights (`group`: their numbers in `run.models`), the data and the options, all plain. */
export function jobFor(run: Pick<ThreadedRun, 'models' | 'data' | 'all' | 'options'>, group: number[]): GroupJob {
  const probes = run.options.probes;
  const probeData = probes && (probes.data as DataLike | undefined);
  const asPlain = (d: DataLike) => {
    const t = toTensors(d, 'trainTogether');
    try {
      return { x: plainOf(t.x), y: plainOf(t.y), task: 'task' in d ? d.task : undefined };
    } finally {
      t.dispose();
    }
  };
  const options: Options = { ...run.options, quiet: true, threads: 1 };
  if (probes) options.probes = { ...probes, data: undefined };
  return {
    backend: backendInfo().backend as 'wasm' | 'cpu',
    env: gradscopeEnvironment(),
    models: group.map((k) => ({ options: modelInfo(run.models[k]).options!, weights: run.models[k].getWeights().map(plainOf) })),
    data: { x: plainOf(run.all.x), y: plainOf(run.all.y), task: 'task' in run.data ? run.data.task : undefined },
    probeData: probeData ? asPlain(probeData) : undefined,
    options,
  };
}

/** Writes weights that came back from a worker into `model`. */
export function setPlainWeights(model: tf.LayersModel, weights: PlainTensor[]): void {
  const tensors = weights.map((w) => tf.tensor(w.values, w.shape, w.dtype));
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}

/**
 * Trains `run.models` on `run.threads` threads: this thread the first group, a worker each of the others.
 * Returns the histories in model order, with msPerStep the wall time per step of the whole run.
 */
export async function trainOnThreads(run: ThreadedRun): Promise<History[]> {
  const { models, totalSteps, progress } = run;
  const groups = groupsOf(models.length, run.threads);
  const started = Date.now();
  const jobs = groups.slice(1).map((g) => jobFor(run, g));
  // This thread's models' starting weights, to start again if a group stops early (see above).
  const start = groups[0].map((k) => models[k].getWeights().map((w) => w.clone()));
  const losses: number[] = new Array(models.length).fill(NaN);
  const stepOf = groups.map(() => 0);
  const heard = (g: number) => (step: number, groupLosses: number[]) => {
    stepOf[g] = step;
    groups[g].forEach((k, i) => (losses[k] = groupLosses[i]));
    const done = Math.min(...stepOf);
    progress.update(`step ${done}/${totalSteps}  ${models.length} models on ${groups.length} threads  loss ${losses.map((l) => l.toFixed(3)).join(' ')}`);
  };
  try {
    const workers = jobs.map((job, j) => trainGroupOnWorker(job, heard(j + 1)));
    const here = run.trainGroup(groups[0].map((k) => models[k]), run.data, { ...run.options, quiet: true, threads: 1 }, heard(0));
    const settled = await Promise.allSettled([here, ...workers]);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const results = settled as PromiseFulfilledResult<History[] | GroupResult>[];
    const histories: History[] = new Array(models.length);
    results.forEach((r, g) => {
      const groupHistories = g === 0 ? (r.value as History[]) : ((r.value as { histories: History[] }).histories);
      groups[g].forEach((k, i) => (histories[k] = g === 0 ? groupHistories[i] : showAs(groupHistories[i], () => describeHistory(groupHistories[i]))));
    });
    if (histories.some((h) => h.stopped)) {
      // Start again on this thread from the starting weights (the workers' models were never changed).
      groups[0].forEach((k, i) => models[k].setWeights(start[i]));
      const again = await run.trainGroup(models, run.data, { ...run.options, quiet: true, threads: 1 }, heard(0));
      progress.finish(`stopped at step ${again[0].stopped?.step}`);
      return again;
    }
    results.forEach((r, g) => {
      if (g > 0) groups[g].forEach((k, i) => setPlainWeights(models[k], (r.value as GroupResult).weights[i]));
    });
    const steps = histories[0].steps.length;
    histories.forEach((h) => (h.msPerStep = steps ? (Date.now() - started) / steps : 0));
    progress.finish(`trained ${models.length} models together on ${groups.length} threads, ${steps} steps, ${histories[0].msPerStep.toFixed(1)} ms/step`);
    return histories;
  } finally {
    start.forEach((ws) => tf.dispose(ws));
  }
}
