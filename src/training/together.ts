/**
 * Several seeds trained together: N models of the same `mlp` shape that differ only in their starting weights
 * (seed or initialization), trained in one loop that takes one step of every model per mini-batch, on as many
 * threads as the models and cores allow (together-threads.ts). A training claim needs three or
 * more seeds; here they share the per-step work that does not depend on the model (the mini-batch, the
 * loss of all models at once, the bookkeeping, one transfer of every number to the host per step).
 *
 * Two ways, the same numbers:
 *   - SGD, momentum, Adam or RMSProp, without clipping or (on wasm) with clipping by global norm (the common
 *     case): each model's step kernel by kernel (training/kernel-step.ts, models/kernel-mlp.ts,
 *     training/kernel-optimizers.ts), without TensorFlow.js's per-operation bookkeeping (the environment
 *     variable GRADSCOPE_KERNEL_STEP=0 takes the other way, for comparison);
 *   - otherwise: the loss that is differentiated is the sum of the N models' own losses, through each
 *     model's direct pass (models/direct-mlp.ts), and dLoss/dW_n of a sum of independent terms is model n's
 *     own gradient; the optimizers keep their running averages per weight, so one optimizer over all the
 *     weights makes each model's own update.
 * Every model sees the same mini-batches (the batch order comes from the training seed, as in `train`), so
 * each history equals the one `train` gives that model alone, operation for operation.
 *
 * What a step costs, and why the products stay one per model: on the wasm backend a matrix product of a
 * batch of several matrices ([N, 128, 64] x [N, 64, 64]), or one with a transpose flag, takes the kernel's
 * plain loop instead of XNNPACK (measured 4-8x slower than N separate products); a separate product pays,
 * besides its arithmetic, for packing its right-hand matrix, about as much again for a 128 x 64 x 64
 * product (the backend keeps the packing only while that tensor lives, and every step's weights are new
 * tensors). The products are about half of a step of N models; N of them cost N times one.
 */
import * as tf from '@tensorflow/tfjs';
import { gatherRows } from './gather-rows';
import { assertReady, backendInfo } from '../core/backend';
import { checkBool, checkInt, checkKeys, checkNumber, checkOneOf, describeValue, fail, showAs } from '../core/check';
import { DataLike, toTensors } from '../core/data';
import { checkData, checkModel, checkShapes } from '../core/model-checks';
import { DIRECT_ACTIVATIONS } from '../models/direct-ops';
import { trainingForward } from '../models/direct';
import { KernelConstants, kernelConstants, kernelMlp } from '../models/kernel-mlp';
import { KernelModel, StepLoss, kernelClipping, kernelSgdStep } from './kernel-step';
import { KernelUpdate, hasKernelUpdate, kernelUpdate } from './kernel-optimizers';
import { checkStepBudget } from '../models/build';
import { modelInfo } from '../models/info';
import { KnownSums, summarizeGradientArrays, summarizeGradients } from '../probes/gradients';
import { magnitude } from '../probes/magnitude';
import { Parameter, selectParameters, trainableVariables } from '../probes/parameters';
import { emptyProbeLog, resolveProbes, runProbes } from '../probes/run';
import { readWeights, summarizeUpdates } from '../probes/updates';
import { accuracyTensor, lossTerms, outputsAreProbabilities, resolveLoss } from '../core/losses';
import { clipGradients } from './clipping';
import { DEFAULT_LEARNING_RATE, OPTIMIZERS, makeOptimizer } from './optimizers';
import { ProgressLine } from './progress';
import { MiniBatches, probesDue } from './schedule';
import { HISTORY_LISTS, checkHistoryLimit } from './history-limit';
import { boundHistory } from '../probes/bound';
import { History, TrainOptions, describeHistory } from './train';
import { threadPlan, trainOnThreads } from './together-threads';

/** The options of `trainTogether`: those of `train` it supports, and the threads to train on. */
export type TogetherOptions = Pick<TrainOptions, 'optimizer' | 'learningRate' | 'momentum' | 'batchSize' | 'steps' | 'epochs' | 'loss' | 'clipGlobalNorm' | 'seed' | 'shuffle' | 'probes' | 'quiet' | 'historyLimit'> & {
  /**
   * At most this many threads (one per core; see `trainTogether`). Left out: one per core, or one per model
   * when the models do not split evenly over the cores, when the run is long enough to pay for them. 1: this
   * thread only.
   */
  threads?: number;
};

const FIELDS = ['optimizer', 'learningRate', 'momentum', 'batchSize', 'steps', 'epochs', 'loss', 'clipGlobalNorm', 'seed', 'shuffle', 'probes', 'quiet', 'historyLimit', 'threads'];
/** The mlp options that may differ between models trained together: they only choose the initial weights. */
const FREE_OPTIONS = ['seed', 'init', 'initStd'];
/** Activations trainTogether takes: the direct pass's, and PReLU (kernel by kernel, else through its layers). */
const TOGETHER_ACTIVATIONS: readonly string[] = [...DIRECT_ACTIVATIONS, 'prelu'];
const NOT_TOGETHER = ['validation', 'clipValue', 'clipNorm', 'onNonFinite', 'onProbe', 'startStep'];

/** Checks that the models can be trained together: built by `mlp` with the same options except the initial weights' (seed, init). */
function checkCommonShape(where: string, models: tf.LayersModel[]): void {
  if (!Array.isArray(models) || models.length < 1) fail(where, 'models', models, 'an array of one or more models from mlp()');
  models.forEach((m, i) => checkModel(`${where}: models[${i}]`, m));
  const infos = models.map((m) => modelInfo(m));
  const first = infos[0].options as Record<string, unknown> | undefined;
  if (infos[0].kind !== 'mlp' || !first) fail(where, 'models[0]', infos[0].summary, 'a model built by mlp()');
  const shapeOf = (o: Record<string, unknown> | undefined) => JSON.stringify({ ...o, ...Object.fromEntries(FREE_OPTIONS.map((k) => [k, undefined])) });
  infos.forEach((info, i) => {
    if (info.kind !== 'mlp' || shapeOf(info.options) !== shapeOf(first)) {
      fail(where, `models[${i}]`, info.summary, `the same mlp options as models[0] (${infos[0].summary}) except ${FREE_OPTIONS.join(', ')}`);
    }
  });
  if (new Set(models).size !== models.length) fail(where, 'models', `${models.length} models`, 'distinct models (the same model appears twice)');
  if (!TOGETHER_ACTIVATIONS.includes(first!.activation as string)) {
    fail(where, 'models[0] activation', first!.activation, `one of ${TOGETHER_ACTIVATIONS.join(', ')} (train others one by one with train)`);
  }
  if (models.some((m) => m.layers.some((l) => l.weights.length > 0 && !l.trainable))) fail(where, 'models', 'a frozen layer', 'every layer trainable');
}

/**
 * Trains `models` (built by `mlp` with the same options, except the ones that only choose the starting
 * weights: seed, init, initStd) together, one step of each per mini-batch, and returns one history per
 * model, each as `train(models[i], data, options)` would have returned it. The models end up trained, as
 * after `train`.
 *
 * Supports every option of `train` except validation, clipValue, clipNorm, onNonFinite, onProbe and
 * startStep, for `mlp` models whose activation is sigmoid, tanh, relu, leakyRelu, prelu, elu or linear (with
 * or without batch normalization: each model keeps its own running statistics). If any model's loss or
 * gradient becomes NaN or infinite, all stop at that step (each history says which model it was); `train`
 * would have stopped only that one.
 *
 * Threads: the models are independent of each other, so they are split into groups trained at the same
 * time, one per thread: one thread per core, the cores being os.availableParallelism() (2 on the reference
 * machine), because the wasm backend computes on one core; or one thread per model when the models do not
 * split evenly over the cores (3 or 5 models on 2 cores), so that the cores share the work equally instead
 * of one core finishing its group and waiting for the other (threads.ts's threadsSharingCores). This thread
 * trains the first group and worker threads (threads.ts) the others;
 * every history and final weight is bit for bit what one thread gives (together-threads.ts says why). One
 * thread is used on the native backend (which spreads its own work over the cores already), for a run
 * shorter than about half a second (a worker's start and the transfer would cost more than they save), with
 * `threads: 1`, or with the environment variable GRADSCOPE_THREADS=1.
 *
 * @example
 *   const models = [0, 1, 2, 3, 4].map((seed) => mlp({ inputs: 2, outputs: 1, depth: 20, width: 64, activation: 'sigmoid', init: 'glorotNormal', seed }));
 *   const histories = await trainTogether(models, xor({ n: 2048 }), { batchSize: 128, steps: 500, probes: { every: 25 } });
 *   histories.map((h) => h.steps.at(-1).loss);   // five final losses: the spread over seeds
 */
export function trainTogether(models: tf.LayersModel[], data: DataLike, options: TogetherOptions = {}): Promise<History[]> {
  return trainHere(models, data, options);
}

/**
 * Hears each step of a group trained for `trainTogether` on another thread's behalf: the step and each
 * model's loss (for the progress line).
 */
export type StepReport = (step: number, losses: number[]) => void;

/**
 * `trainTogether`'s loop. Called by `trainTogether` (no `report`: it may hand groups to other threads) and
 * by a thread training one group (`report` set: this thread only, each step reported).
 */
export async function trainHere(models: tf.LayersModel[], data: DataLike, options: TogetherOptions, report?: StepReport): Promise<History[]> {
  const where = 'trainTogether';
  assertReady();
  checkCommonShape(where, models);
  checkData(where, data);
  for (const key of NOT_TOGETHER) {
    if ((options as Record<string, unknown>)[key] !== undefined) fail(where, key, (options as Record<string, unknown>)[key], `left out: trainTogether does not support it (use train for each model)`);
  }
  checkKeys(where, options, FIELDS);
  const optimizerName = checkOneOf(where, 'optimizer', options.optimizer ?? 'sgd', OPTIMIZERS);
  const learningRate = checkNumber(where, 'learningRate', options.learningRate ?? DEFAULT_LEARNING_RATE[optimizerName], 0, 1e6, { minExclusive: true });
  if (options.momentum !== undefined && optimizerName !== 'momentum') fail(where, 'momentum', options.momentum, "only with optimizer 'momentum'");
  const momentum = checkNumber(where, 'momentum', options.momentum ?? 0.9, 0, 1);
  const n = data.x instanceof tf.Tensor ? data.x.shape[0] : (data.x as unknown[]).length;
  const N = models.length;
  const batchSize = checkInt(where, 'batchSize', options.batchSize ?? Math.min(32, n), 1, Math.max(1, n));
  checkStepBudget(where, 'batchSize', batchSize, models[0], data.x, batchSize * models.length);
  if (options.steps !== undefined && options.epochs !== undefined) fail(where, 'epochs', options.epochs, `left out when steps is given (steps is ${describeValue(options.steps)}); give one of them`);
  const totalSteps = options.steps !== undefined ? checkInt(where, 'steps', options.steps, 0, 1e9) : checkInt(where, 'epochs', options.epochs ?? 10, 0, 1e7) * Math.ceil(n / batchSize);
  const clip = options.clipGlobalNorm === undefined ? undefined : checkNumber(where, 'clipGlobalNorm', options.clipGlobalNorm, 0, 1e12, { minExclusive: true });
  const seed = checkInt(where, 'seed', options.seed ?? 0, 0, 0xffffffff);
  const shuffle = checkBool(where, 'shuffle', options.shuffle ?? true);
  const probes = options.probes === false ? null : resolveProbes(where, models[0], options.probes ?? {});
  if (options.probes && options.probes.data !== undefined) checkData(where, options.probes.data, 'probes.data');
  const loss = resolveLoss(where, models[0], data, options.loss);
  const progress = new ProgressLine(!checkBool(where, 'quiet', options.quiet ?? false));
  const historyLimit = checkHistoryLimit(where, options.historyLimit);
  const threads = options.threads === undefined ? undefined : checkInt(where, 'threads', options.threads, 1, 1024);
  const all = toTensors(data, where); // after every check, so that a refused option leaves no tensor behind

  const histories: History[] = models.map((model) => {
    const h: History = {
      model: modelInfo(model).summary,
      loss: loss.name,
      optimizer: optimizerName === 'momentum' ? { name: optimizerName, learningRate, momentum } : { name: optimizerName, learningRate },
      batchSize,
      seed,
      backend: backendInfo().backend,
      probeEvery: probes?.every ?? 0,
      steps: [],
      validation: [],
      clipping: null,
      stopped: null,
      lastStep: 0,
      msPerStep: 0,
      historyLimit,
      keptEvery: {},
      ...emptyProbeLog(),
    };
    if (clip !== undefined) {
      h.clipping = { clipValue: null, clipNorm: null, clipGlobalNorm: clip, steps: 0, firedSteps: 0, firedShare: 0, valueFired: 0, normFired: 0, tensorsClipped: 0, globalNormFired: 0 };
    }
    showAs(h, () => describeHistory(h));
    return h;
  });

  let optimizer: tf.Optimizer | undefined;
  let constants: KernelConstants | undefined;
  let minusRate: tf.Scalar | undefined;
  let update: KernelUpdate | undefined;
  const ownsProbeData = !(options.probes && options.probes.data);
  const probeData: DataLike = ownsProbeData
    ? { x: all.x.slice(0, Math.min(256, n)), y: all.y.slice(0, Math.min(256, n)), task: 'task' in data ? data.task : undefined }
    : (options.probes as { data: DataLike }).data;
  const started = Date.now();
  try {
    models.forEach((m) => checkShapes(where, m, all));
    const plan = report ? 1 : threadPlan(models, threads, totalSteps, batchSize);
    if (plan > 1) {
      const run = { models, data, all, options: { ...options, loss: loss.name }, threads: plan, totalSteps, progress, trainGroup: trainHere };
      return await trainOnThreads(run);
    }
    // Each model's own weights and its directly computed forward pass (one operation per model).
    const variables = models.map((m) => trainableVariables(m));
    const forwards = models.map((m) => trainingForward(m));
    // Every model's step kernel by kernel (kernel-step.ts; clipping by global norm on wasm), when all are covered.
    const kernelOptimizer = optimizerName === 'sgd' || hasKernelUpdate(optimizerName);
    const nets = kernelOptimizer && (clip === undefined || kernelClipping()) && process.env.GRADSCOPE_KERNEL_STEP !== '0' ? models.map((m) => kernelMlp(m)) : [];
    const covered = nets.length > 0 && nets.every((net, k) => net !== null && variables[k].every((v) => net.weights.includes(v)));
    const kernelModels: KernelModel[] | null = covered
      ? nets.map((net, k) => ({
          net: net!,
          order: variables[k].map((v) => net!.weights.indexOf(v)),
          selected: () => parametersOf[k].selected.map((p) => p.variable.read()),
        }))
      : null;
    if (kernelModels) {
      constants = kernelConstants(models[0]);
      minusRate = tf.scalar(-learningRate);
      if (hasKernelUpdate(optimizerName)) update = kernelUpdate(optimizerName, { learningRate, momentum }, kernelModels.map((m) => m.net.weights.map((v) => v.shape)));
    } else {
      optimizer = makeOptimizer(optimizerName, learningRate, momentum);
    }
    const stepLoss: StepLoss | undefined = kernelModels ? { ...loss, terms: lossTerms(loss.name, outputsAreProbabilities(models[0], loss.name)) } : undefined;
    const parametersOf = models.map((m) => ({ all: selectParameters(m, 'all'), selected: probes ? selectParameters(m, probes.parameters) : [] }));
    const probabilities = false;
    const batchGradients = probes?.batchGradients ?? false;
    // Where model k's gradients (and selected weights) start in the host array: after the 5 N step numbers.
    const sizeOf = (ps: Parameter[]) => ps.reduce((a, p) => a + p.size, 0);
    const offsets: number[] = [];
    let cursor0 = 5 * N;
    for (const p of parametersOf) offsets.push(cursor0), (cursor0 += sizeOf(p.all) + sizeOf(p.selected));
    const probeAll = (step: number) => {
      if (probes) models.forEach((m, k) => runProbes(m, probeData, step, probes, histories[k], loss.name));
    };
    const batches = new MiniBatches(n, batchSize, seed, shuffle);
    let lastHost: Float32Array = new Float32Array(0);
    let lastYield = Date.now();
    probeAll(0);
    for (let s = 1; s <= totalSteps; s++) {
      const indices = batches.next();
      const epoch = batches.epoch;
      const probeNow = probes !== null && probesDue(s, s, totalSteps, probes.every);
      const before = probeNow && probes!.updates ? parametersOf.map((p) => readWeights(p.selected)) : undefined;
      let host: Float32Array = lastHost;
      let known: KnownSums[] | null = null;
      let stop = false;
      tf.tidy(() => {
        const xb = gatherRows(all.x, indices);
        const yb = gatherRows(all.y, indices);
        if (kernelModels) {
          const step = kernelSgdStep(kernelModels, xb, yb, stepLoss!, constants!, { learningRate, minus: minusRate!, clipGlobalNorm: clip, update }, batchGradients, host);
          try {
            host = lastHost = step.host;
            known = step.known;
            for (let k = 0; k < N; k++) if (!Number.isFinite(host[k]) || !Number.isFinite(host[2 * N + k])) stop = true;
            if (!stop) step.apply();
          } finally {
            step.dispose();
          }
          return;
        }
        let outputs: tf.Tensor[] = [];
        // The sum of the models' losses: each model's gradient is that of its own loss.
        const { grads } = tf.variableGrads(() => {
          outputs = forwards.map((f) => tf.keep(f(xb)));
          return tf.addN(outputs.map((o) => loss.fn(yb, o))) as tf.Scalar;
        }, variables.flat());
        const losses = outputs.map((o) => loss.fn(yb, o));
        const accuracies = outputs.map((o) => accuracyTensor(loss.name, yb, o, probabilities) ?? tf.scalar(NaN));
        outputs.forEach((o) => o.dispose());
        const clipped = variables.map((vs) => clipGradients(vs.map((v) => grads[v.name]), clip === undefined ? {} : { clipGlobalNorm: clip }));
        const numbers = tf.stack([...losses, ...accuracies, ...clipped.map((c) => c.normBefore), ...clipped.map((c) => c.normAfter), ...clipped.map((c) => c.globalFired)]);
        // One transfer per step: the step's numbers, and with batchGradients each model's gradients and weights.
        const perModel = batchGradients
          ? variables.flatMap((vs, k) => [...vs.map((v) => grads[v.name].reshape([-1])), ...parametersOf[k].selected.map((p) => p.variable.read().reshape([-1]))])
          : [];
        host = (perModel.length ? tf.concat([numbers, ...perModel]) : numbers).dataSync() as Float32Array;
        for (let k = 0; k < N; k++) if (!Number.isFinite(host[k]) || !Number.isFinite(host[2 * N + k])) stop = true;
        if (stop) return;
        const named: tf.NamedTensorMap = {};
        variables.forEach((vs, k) => vs.forEach((v, i) => (named[v.name] = clipped[k].grads[i])));
        optimizer!.applyGradients(named);
      });
      const step = s;
      if (stop) {
        const bad = models.findIndex((_, k) => !Number.isFinite(host[k]) || !Number.isFinite(host[2 * N + k]));
        const message =
          `trainTogether: model ${bad} (seed ${modelInfo(models[bad]).options?.seed}): the loss or the gradient norm became ${Number.isFinite(host[bad]) ? host[2 * N + bad] : host[bad]} ` +
          `at step ${step} (epoch ${epoch}); all models stopped before applying that step, and the histories up to step ${step - 1} are kept. ` +
          'This is an exploding gradient or a numerical overflow: try a smaller learningRate, clipGlobalNorm (for example 1), or a smaller initialization.';
        histories.forEach((h) => (h.stopped = { step, reason: 'nonFinite', message }));
        progress.finish(`stopped at step ${step}`);
        break;
      }
      models.forEach((_, k) => {
        const h = histories[k];
        const [lossValue, accuracy, gradNorm, clippedNorm, fired] = [0, 1, 2, 3, 4].map((j) => host[j * N + k]);
        h.steps.push({ step, epoch, loss: lossValue, accuracy: Number.isNaN(accuracy) ? null : accuracy, gradNorm, clippedNorm, clipped: fired > 0 });
        h.lastStep = step;
        if (h.clipping) {
          h.clipping.steps++;
          if (fired > 0) h.clipping.firedSteps++, h.clipping.globalNormFired++;
          h.clipping.firedShare = h.clipping.firedSteps / h.clipping.steps;
        }
        if (batchGradients) {
          const summary = known
            ? summarizeGradientArrays(parametersOf[k].all, parametersOf[k].selected, [], [], false, known[k])
            : summarizeGradients(parametersOf[k].all, parametersOf[k].selected, host, offsets[k], false);
          h.batchGradients.push({ probe: 'gradients', step, loss: lossValue, lossName: loss.name, examples: indices.length, training: true, globalNorm: magnitude(summary.globalNorm), layers: summary.layers });
        }
      });
      if (before) models.forEach((_, k) => histories[k].updates.push(summarizeUpdates(parametersOf[k].selected, before[k], readWeights(parametersOf[k].selected), step)));
      if (probeNow) probeAll(step);
      histories.forEach((h) => (h.keptEvery = boundHistory(h, HISTORY_LISTS, historyLimit)));
      report?.(step, histories.map((h) => h.steps[h.steps.length - 1].loss));
      progress.update(`step ${step}/${totalSteps}  ${N} models  loss ${histories.map((h) => h.steps[h.steps.length - 1].loss.toFixed(3)).join(' ')}`);
      if (Date.now() - lastYield > 200) {
        await new Promise((resolveYield) => setImmediate(resolveYield));
        lastYield = Date.now();
      }
    }
    const done = histories[0].steps.length;
    histories.forEach((h) => (h.msPerStep = done ? (Date.now() - started) / done : 0));
    if (!histories[0].stopped) progress.finish(`trained ${N} models together, ${done} steps, ${histories[0].msPerStep.toFixed(1)} ms/step`);
    return histories;
  } finally {
    all.dispose();
    if (ownsProbeData) {
      (probeData.x as tf.Tensor).dispose();
      (probeData.y as tf.Tensor).dispose();
    }
    optimizer?.dispose();
    if (constants) tf.dispose([constants.one, constants.zero, constants.alpha]);
    minusRate?.dispose();
    update?.dispose();
  }
}
