/**
 * The training loop: mini-batch gradient descent with probes.
 *
 * One step:
 *   1. take the next mini-batch (the order comes from the seeded generator, reshuffled every epoch);
 *   2. forward pass in training mode and the loss;
 *   3. backward pass: the gradient of the loss with respect to every trainable weight;
 *   4. the global gradient norm, clipping if asked, and a check that nothing is NaN or infinite;
 *   5. the optimizer updates the weights.
 * Every `probes.every` steps (and before the first step) the probes look at the model on a fixed probe
 * batch and append plain records to the history.
 *
 * SGD, momentum, Adam or RMSProp (with at most clipping by global norm) on a model built by `mlp` takes the
 * same step kernel by kernel, outside TensorFlow.js's per-operation bookkeeping (see `leanStep` below): the
 * same numbers, fewer microseconds.
 *
 * A run is deterministic: the same model seed, training seed, options and backend give identical numbers.
 */
import * as tf from '@tensorflow/tfjs';
import { gatherRows } from './gather-rows';
import { assertReady, backendInfo } from '../core/backend';
import { formatNumber } from '../core/format';
import { checkBool, checkInt, checkKeys, checkNumber, checkOneOf, fail, describeValue, showAs } from '../core/check';
import { DataLike, TensorBatch, toTensors } from '../core/data';
import { checkStepBudget } from '../models/build';
import { trainingForward } from '../models/direct';
import { KernelConstants, kernelConstants, kernelMlp } from '../models/kernel-mlp';
import { KernelModel, SgdRate, kernelClipping, kernelSgdStep } from './kernel-step';
import { hasKernelUpdate, kernelUpdate } from './kernel-optimizers';
import { modelInfo } from '../models/info';
import { summarizeGradientArrays, summarizeGradients } from '../probes/gradients';
import { checkData, checkModel, checkShapes } from '../core/model-checks';
import { magnitude } from '../probes/magnitude';
import { Parameter, selectParameters, trainableVariables } from '../probes/parameters';
import { ProbeLog, ProbeOptions, ResolvedProbes, emptyProbeLog, resolveProbes, runProbes } from '../probes/run';
import { readWeights, summarizeUpdates } from '../probes/updates';
import { ClippingReport, clipGradients, clippingReport, tallyClipping } from './clipping';
import { evaluate } from './evaluate';
import { MiniBatches, probeBatchFor, probesDue } from './schedule';
import { PROBE_NAMES } from '../probes/registry';
import { HISTORY_LISTS, checkHistoryLimit } from './history-limit';
import { boundHistory } from '../probes/bound';
import { readEach } from '../probes/host-read';

export type { ClippingReport } from './clipping';
import { LOSSES, LossName, accuracyTensor, outputActivation, resolveLoss } from '../core/losses';
import { DEFAULT_LEARNING_RATE, OPTIMIZERS, OptimizerName, makeOptimizer } from './optimizers';
import { ProgressLine, finishedLine, stepLine } from './progress';

/** Options of `train`. */
export interface TrainOptions {
  /** 'sgd' (default), 'momentum', 'adam' or 'rmsprop'. */
  optimizer?: OptimizerName;
  /** Step size; default 0.1 for sgd, 0.01 for momentum, 0.001 for adam and rmsprop. */
  learningRate?: number;
  /** Momentum coefficient of the 'momentum' optimizer (default 0.9). */
  momentum?: number;
  /** Examples per step (default 32, or all examples if fewer). */
  batchSize?: number;
  /** Number of steps; give either steps or epochs. */
  steps?: number;
  /** Number of passes over the data (default 10 when steps is not given). */
  epochs?: number;
  /** Loss; default from the dataset's task. */
  loss?: LossName;
  /** Clip every gradient entry to [-clipValue, clipValue]. */
  clipValue?: number;
  /** Rescale each weight tensor's gradient to norm at most clipNorm. */
  clipNorm?: number;
  /** Rescale all gradients together to global norm at most clipGlobalNorm. */
  clipGlobalNorm?: number;
  /** Seed of the batch order (default 0). */
  seed?: number;
  /** Reshuffle the examples every epoch (default true). */
  shuffle?: boolean;
  /** Probes to run and how often, or false for none (default: gradients, updates, weights, activations every 10 steps). */
  probes?: ProbeOptions | false;
  /** Held-out data: its loss and accuracy are recorded whenever the probes run. */
  validation?: DataLike;
  /** Print nothing (default false: a progress line, shown only in a notebook or a terminal). */
  quiet?: boolean;
  /** When the loss or a gradient becomes NaN or infinite: 'stop' (default; returns the history so far) or 'throw'. */
  onNonFinite?: 'stop' | 'throw';
  /** Called with the history after each probe, e.g. to redraw a live plot. */
  onProbe?: (history: History) => void | Promise<void>;
  /** Number of the first step (default 0), to continue a step count across calls. */
  startStep?: number;
  /**
   * Most records kept per list of the history (steps, validation, each probe): default 1000. A longer run
   * keeps every k-th record (k = 2, 4, 8, ... as needed), the first and the newest, so a run of any length
   * holds at most about this many records per list (see probes/bound.ts). 3000 steps keep every 4th step.
   */
  historyLimit?: number;
}

const FIELDS = ['optimizer', 'learningRate', 'momentum', 'batchSize', 'steps', 'epochs', 'loss', 'clipValue', 'clipNorm', 'clipGlobalNorm', 'seed', 'shuffle', 'probes', 'validation', 'quiet', 'onNonFinite', 'onProbe', 'startStep', 'historyLimit'];

/** One training step. */
export interface StepRecord {
  step: number;
  epoch: number;
  /** Mini-batch loss before this step's update. */
  loss: number;
  /** Mini-batch accuracy before the update (null for regression). */
  accuracy: number | null;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Global gradient norm after clipping (equal to gradNorm when nothing was clipped). */
  clippedNorm: number;
  /** True when any clipping changed the gradient at this step. */
  clipped: boolean;
}

/** Why training stopped early. */
export interface StopReport {
  step: number;
  reason: 'nonFinite' | 'error';
  message: string;
}

/** Everything a run recorded: plain JSON. */
export interface History extends ProbeLog {
  /** One-line description of the model. */
  model: string;
  loss: LossName;
  optimizer: { name: OptimizerName; learningRate: number; momentum?: number };
  batchSize: number;
  seed: number;
  backend: string;
  /** Probe cadence (0 when probes are off). */
  probeEvery: number;
  steps: StepRecord[];
  validation: { step: number; loss: number; accuracy: number | null }[];
  clipping: ClippingReport | null;
  /** null when the run finished normally. */
  stopped: StopReport | null;
  /** Number of the last completed step. */
  lastStep: number;
  /** Wall-clock milliseconds per step, probes included. */
  msPerStep: number;
  /** Most records kept per list (the `historyLimit` option). */
  historyLimit: number;
  /** For each list, k: every k-th record is kept (1 = all of them), plus the newest. */
  keptEvery: Record<string, number>;
}

interface Resolved {
  optimizer: OptimizerName;
  learningRate: number;
  momentum: number;
  batchSize: number;
  totalSteps: number;
  loss: { name: LossName; fn: ReturnType<typeof resolveLoss>['fn'] };
  clip: { clipValue?: number; clipNorm?: number; clipGlobalNorm?: number };
  seed: number;
  shuffle: boolean;
  probes: ResolvedProbes | null;
  quiet: boolean;
  onNonFinite: 'stop' | 'throw';
  startStep: number;
  historyLimit: number;
}

function examplesOf(data: DataLike): number {
  return data.x instanceof tf.Tensor ? data.x.shape[0] : (data.x as unknown[]).length;
}

function resolve(model: tf.LayersModel, data: DataLike, options: TrainOptions): Resolved {
  const where = 'train';
  checkKeys(where, options, FIELDS);
  const optimizer = checkOneOf(where, 'optimizer', options.optimizer ?? 'sgd', OPTIMIZERS);
  const learningRate = checkNumber(where, 'learningRate', options.learningRate ?? DEFAULT_LEARNING_RATE[optimizer], 0, 1e6, { minExclusive: true });
  if (options.momentum !== undefined && optimizer !== 'momentum') fail(where, 'momentum', options.momentum, "only with optimizer 'momentum'");
  const momentum = checkNumber(where, 'momentum', options.momentum ?? 0.9, 0, 1);
  const n = examplesOf(data);
  const batchSize = checkInt(where, 'batchSize', options.batchSize ?? Math.min(32, n), 1, Math.max(1, n));
  checkStepBudget(where, 'batchSize', batchSize, model, data.x, batchSize);
  if (options.steps !== undefined && options.epochs !== undefined) {
    fail(where, 'epochs', options.epochs, `left out when steps is given (steps is ${describeValue(options.steps)}); give one of them`);
  }
  const batchesPerEpoch = Math.ceil(n / batchSize);
  const totalSteps =
    options.steps !== undefined
      ? checkInt(where, 'steps', options.steps, 0, 1e9)
      : checkInt(where, 'epochs', options.epochs ?? 10, 0, 1e7) * batchesPerEpoch;
  if (options.loss !== undefined) checkOneOf(where, 'loss', options.loss, LOSSES);
  const clip: Resolved['clip'] = {};
  for (const key of ['clipValue', 'clipNorm', 'clipGlobalNorm'] as const) {
    if (options[key] !== undefined) clip[key] = checkNumber(where, key, options[key], 0, 1e12, { minExclusive: true });
  }
  const probes = options.probes === false ? null : resolveProbes(where, model, options.probes ?? {});
  if (options.probes && options.probes.data !== undefined) checkData(where, options.probes.data, 'probes.data');
  if (probes) checkStepBudget(where, 'probes', options.probes ?? {}, model, data.x, options.probes && options.probes.data ? examplesOf(options.probes.data) : Math.min(256, n));
  if (options.validation !== undefined) checkData(where, options.validation, 'validation');
  if (options.onProbe !== undefined && typeof options.onProbe !== 'function') fail(where, 'onProbe', options.onProbe, 'a function (history) => void');
  return {
    optimizer,
    learningRate,
    momentum,
    batchSize,
    totalSteps,
    loss: resolveLoss(where, model, data, options.loss),
    clip,
    seed: checkInt(where, 'seed', options.seed ?? 0, 0, 0xffffffff),
    shuffle: checkBool(where, 'shuffle', options.shuffle ?? true),
    probes,
    quiet: checkBool(where, 'quiet', options.quiet ?? false),
    onNonFinite: checkOneOf(where, 'onNonFinite', options.onNonFinite ?? 'stop', ['stop', 'throw'] as const),
    startStep: checkInt(where, 'startStep', options.startStep ?? 0, 0, Number.MAX_SAFE_INTEGER),
    historyLimit: checkHistoryLimit(where, options.historyLimit),
  };
}

/**
 * A few lines about a history, shown when a notebook cell ends with one (the full record is plain JSON).
 *
 * @example
 *   console.log(describeHistory(history));   // History of mlp ...; 500 steps (sgd, ...); loss 0.69 -> 0.12
 */
export function describeHistory(h: History): string {
  const first = h.steps[0];
  const last = h.steps[h.steps.length - 1];
  const probes = PROBE_NAMES
    .filter((k) => h[k].length > 0)
    .map((k) => `${k} ${h[k].length}`)
    .join(', ');
  const lines = [
    `History of ${h.model}`,
    `  ${h.steps.length} steps (${h.optimizer.name}, learning rate ${h.optimizer.learningRate}, batch ${h.batchSize}, seed ${h.seed}, ${h.backend}, ${h.msPerStep.toFixed(1)} ms/step)`,
    first && last ? `  loss ${formatNumber(first.loss)} -> ${formatNumber(last.loss)}${last.accuracy === null ? '' : `, accuracy ${(100 * last.accuracy).toFixed(1)}%`}` : '  no steps',
    `  probe records: ${probes || 'none'}`,
  ];
  if (h.clipping) lines.push(`  clipping fired at ${h.clipping.firedSteps} of ${h.clipping.steps} steps`);
  if (h.stopped) lines.push(`  stopped: ${h.stopped.message}`);
  return lines.join('\n');
}

/**
 * Trains `model` on `data` and returns the history: loss and accuracy per step and the probe records.
 *
 * @example
 *   const model = mlp({ inputs: 2, outputs: 1, depth: 10, width: 32, activation: 'sigmoid', init: 'glorotNormal' });
 *   const history = await train(model, spirals({ n: 512 }), { optimizer: 'sgd', learningRate: 0.1, steps: 500, probes: { every: 25 } });
 *   history.steps.at(-1).loss;                // the last mini-batch loss
 *   history.gradients.map((g) => g.layers[0].log10);   // the first layer's gradient over training
 */
export async function train(model: tf.LayersModel, data: DataLike, options: TrainOptions = {}): Promise<History> {
  const where = 'train';
  assertReady();
  checkModel(where, model);
  checkData(where, data);
  const r = resolve(model, data, options);
  const history: History = {
    model: modelInfo(model).summary,
    loss: r.loss.name,
    optimizer: r.optimizer === 'momentum' ? { name: r.optimizer, learningRate: r.learningRate, momentum: r.momentum } : { name: r.optimizer, learningRate: r.learningRate },
    batchSize: r.batchSize,
    seed: r.seed,
    backend: backendInfo().backend,
    probeEvery: r.probes?.every ?? 0,
    steps: [],
    validation: [],
    clipping: null,
    stopped: null,
    lastStep: r.startStep,
    msPerStep: 0,
    historyLimit: r.historyLimit,
    keptEvery: {},
    ...emptyProbeLog(),
  };
  showAs(history, () => describeHistory(history));
  if (Object.keys(r.clip).length > 0) history.clipping = clippingReport(r.clip);

  const all = toTensors(data, where);
  let validation: TensorBatch | undefined;
  let optimizer: tf.Optimizer | undefined;
  let lean: LeanStep | null = null;
  const progress = new ProgressLine(!r.quiet);
  const started = Date.now();
  try {
    checkShapes(where, model, all);
    if (options.validation) {
      validation = toTensors(options.validation, where);
      checkShapes(where, model, validation);
    }
    const n = all.x.shape[0];
    const probeBatch = probeBatchFor(data, options.probes ? options.probes.data : undefined);
    const probeData = probeBatch.data;
    const variables = trainableVariables(model);
    const forward = trainingForward(model);
    const selected = r.probes ? selectParameters(model, r.probes.parameters) : [];
    const allParameters = selectParameters(model, 'all');
    const batchGradients = r.probes?.batchGradients ?? false;
    const probabilities = ['sigmoid', 'softmax'].includes(outputActivation(model));
    lean = leanStep(model, r, variables, selected);
    if (!lean) optimizer = makeOptimizer(r.optimizer, r.learningRate, r.momentum);
    const batches = new MiniBatches(n, r.batchSize, r.seed, r.shuffle);
    let lastYield = Date.now();

    const probeAndReport = async (step: number) => {
      if (!r.probes) return;
      runProbes(model, probeData, step, r.probes, history, r.loss.name);
      if (validation) {
        const v = evaluate(model, { x: validation.x, y: validation.y }, { loss: r.loss.name });
        history.validation.push({ step, loss: v.loss, accuracy: v.accuracy });
      }
      if (options.onProbe) await options.onProbe(history);
    };

    try {
      await probeAndReport(r.startStep);
      history.keptEvery = boundHistory(history, HISTORY_LISTS, r.historyLimit);
      for (let s = 1; s <= r.totalSteps; s++) {
        const step = r.startStep + s;
        const indices = batches.next();
        const epoch = batches.epoch;
        const probeNow = r.probes !== null && probesDue(step, s, r.totalSteps, r.probes.every);
        const before = probeNow && r.probes!.updates ? readWeights(selected) : undefined;

        let stats: Float32Array = new Float32Array(0);
        let summary: ReturnType<typeof summarizeGradientArrays> | undefined;
        let stop = false;
        tf.tidy(() => {
          const xb = gatherRows(all.x, indices);
          const yb = gatherRows(all.y, indices);
          if (lean) {
            const done = lean.step(xb, yb, batchGradients, allParameters, selected);
            stats = done.stats;
            stop = done.stop;
            summary = done.summary;
            return;
          }
          let output: tf.Tensor | undefined;
          const { value, grads } = tf.variableGrads(() => {
            const out = forward(xb);
            output = tf.keep(out);
            return r.loss.fn(yb, out);
          }, variables);
          const acc = accuracyTensor(r.loss.name, yb, output!, probabilities);
          output!.dispose();
          const clipped = clipGradients(variables.map((v) => grads[v.name]), r.clip);
          const numbers = tf.stack([value, acc ?? tf.scalar(NaN), clipped.normBefore, clipped.normAfter, clipped.valueFired, clipped.normFired, clipped.globalFired]);
          // The step's numbers, and with batchGradients every gradient and weight, read in place (one
          // transfer where the backend has no host memory) and summarised at once.
          const host = readEach(batchGradients ? [numbers, ...variables.map((v) => grads[v.name]), ...selected.map((p) => p.variable.read())] : [numbers]);
          stats = Float32Array.from(host[0]);
          if (!Number.isFinite(stats[0]) || !Number.isFinite(stats[2])) {
            stop = true;
            return;
          }
          if (batchGradients) summary = summarizeGradientArrays(allParameters, selected, host.slice(1, 1 + variables.length), host.slice(1 + variables.length), false);
          const named: tf.NamedTensorMap = {};
          variables.forEach((v, i) => (named[v.name] = clipped.grads[i]));
          optimizer!.applyGradients(named);
        });
        const [loss, accuracy, gradNorm, clippedNorm, valueFired, normFired, globalFired] = Array.from(stats.subarray(0, 7));
        if (stop) {
          const what = !Number.isFinite(loss) ? `the loss became ${loss}` : `the gradient norm became ${gradNorm}`;
          const message =
            `train: ${what} at step ${step} (epoch ${epoch}); training stopped before applying that step, and the ` +
            `history up to step ${step - 1} is kept. This is an exploding gradient or a numerical overflow: try a ` +
            `smaller learningRate, clipGlobalNorm (for example 1), batch normalization, or a smaller initialization.`;
          history.stopped = { step, reason: 'nonFinite', message };
          if (r.onNonFinite === 'throw') {
            const error = new Error(message) as Error & { history?: History };
            error.history = history;
            throw error;
          }
          progress.finish(`stopped at step ${step}: ${what}`);
          break;
        }
        if (summary) {
          history.batchGradients.push({
            probe: 'gradients',
            step,
            loss,
            lossName: r.loss.name,
            examples: indices.length,
            training: true,
            globalNorm: magnitude(summary.globalNorm),
            layers: summary.layers,
          });
        }
        const fired = tallyClipping(history.clipping, valueFired, normFired, globalFired);
        history.steps.push({ step, epoch, loss, accuracy: Number.isNaN(accuracy) ? null : accuracy, gradNorm, clippedNorm, clipped: fired });
        history.lastStep = step;
        if (before) history.updates.push(summarizeUpdates(selected, before, readWeights(selected), step));
        if (probeNow) await probeAndReport(step);
        history.keptEvery = boundHistory(history, HISTORY_LISTS, r.historyLimit);
        progress.update(stepLine(step, r.startStep + r.totalSteps, epoch, loss, history.steps[history.steps.length - 1].accuracy, gradNorm, (Date.now() - started) / s));
        if (Date.now() - lastYield > 200) {
          await new Promise((resolveYield) => setImmediate(resolveYield));
          lastYield = Date.now();
        }
      }
    } finally {
      probeBatch.dispose();
    }
    const done = history.steps.length;
    history.msPerStep = done ? (Date.now() - started) / done : 0;
    if (!history.stopped) {
      const last = history.steps[done - 1];
      progress.finish(finishedLine(done, last?.loss, last?.accuracy ?? null, history.msPerStep));
    }
    return history;
  } catch (error) {
    if (error instanceof Error) {
      const withHistory = error as Error & { history?: History };
      if (!withHistory.history) {
        withHistory.history = history;
        history.stopped = history.stopped ?? { step: history.lastStep + 1, reason: 'error', message: error.message };
      }
    }
    throw error;
  } finally {
    all.dispose();
    validation?.dispose();
    optimizer?.dispose();
    lean?.dispose();
  }
}

/** The step kernel by kernel, for `train`: one call per step, then dispose after training. */
interface LeanStep {
  /**
   * One step on the mini-batch: the step's numbers as the engine path lays them out (loss, accuracy, norm
   * before and after clipping, three clipping flags), whether to stop (and then nothing is applied), and
   * with batchGradients the summary of the step's gradients.
   */
  step(xb: tf.Tensor, yb: tf.Tensor, batchGradients: boolean, all: Parameter[], selected: Parameter[]): { stats: Float32Array; stop: boolean; summary?: ReturnType<typeof summarizeGradientArrays> };
  dispose(): void;
}

/**
 * SGD, momentum, Adam or RMSProp, without clipping or (on wasm) with clipping by global norm only, on a model
 * built by `mlp` that models/kernel-mlp.ts covers: each step kernel by
 * kernel outside TensorFlow.js's engine (training/kernel-step.ts, the step `trainTogether` takes), with the
 * same numbers as the engine path, operation for operation: the same kernels on the same inputs, minus the
 * engine's bookkeeping around each one (tensor objects, scopes, the gradient tape). Null for every other run
 * (the engine path), and when the environment variable GRADSCOPE_KERNEL_STEP is '0' (for comparison).
 */
function leanStep(model: tf.LayersModel, r: Resolved, variables: tf.Variable[], selected: Parameter[]): LeanStep | null {
  const clips = Object.keys(r.clip);
  const clipGlobalNorm = clips.length === 1 && kernelClipping() ? r.clip.clipGlobalNorm : undefined;
  if ((r.optimizer !== 'sgd' && !hasKernelUpdate(r.optimizer)) || (clips.length > 0 && clipGlobalNorm === undefined) || process.env.GRADSCOPE_KERNEL_STEP === '0') return null;
  const net = kernelMlp(model);
  if (!net || !variables.every((v) => net.weights.includes(v))) return null;
  const kernelModel: KernelModel = { net, order: variables.map((v) => net.weights.indexOf(v)), selected: () => selected.map((p) => p.variable.read()) };
  const constants: KernelConstants = kernelConstants(model);
  // The optimizer's running averages live as long as this run's step.
  const update = hasKernelUpdate(r.optimizer) ? kernelUpdate(r.optimizer, r, [net.weights.map((v) => v.shape)]) : undefined;
  const rate: SgdRate = { learningRate: r.learningRate, minus: tf.scalar(-r.learningRate), clipGlobalNorm, update };
  const loss = { ...r.loss, terms: null, probabilities: ['sigmoid', 'softmax'].includes(outputActivation(model)) };
  let reuse: Float32Array = new Float32Array(0);
  return {
    step(xb, yb, batchGradients, all, selectedNow) {
      const step = kernelSgdStep([kernelModel], xb, yb, loss, constants, rate, batchGradients, reuse);
      try {
        const host = (reuse = step.host);
        // [loss, accuracy, norm, norm after clipping, global clipping fired]; value and norm clipping never run here.
        const stats = Float32Array.of(host[0], host[1], host[2], host[3], 0, 0, host[4]);
        if (!Number.isFinite(stats[0]) || !Number.isFinite(stats[2])) return { stats, stop: true };
        const summary = batchGradients ? step.known ? summarizeGradientArrays(all, selectedNow, [], [], false, step.known[0]) : summarizeGradients(all, selectedNow, host, 5, false) : undefined;
        step.apply();
        return { stats, stop: false, summary };
      } finally {
        step.dispose();
      }
    },
    dispose() {
      tf.dispose([constants.one, constants.zero, constants.alpha, rate.minus]);
      update?.dispose();
    },
  };
}
