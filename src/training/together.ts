/**
 * Several seeds trained together: N models of the same `mlp` shape that differ only in their weight seed,
 * trained as one batched computation. A training claim needs three or more seeds; trained one by one they
 * cost N times one run, trained together little more than one run, because a step of these small networks
 * is dominated by the fixed cost of each operation, not by its arithmetic.
 *
 * How: every weight is stacked over the models, W of shape [in, out] becoming [N, in, out], and each layer
 * is one batched matrix product h_n W_n for all n at once. The models never mix: the loss that is
 * differentiated is the sum of the N models' own losses, and dLoss/dW_n of a sum of independent terms is
 * model n's own gradient. The optimizers (sgd, momentum, adam, rmsprop) work entry by entry, so a stacked
 * update is each model's own update. Every model sees the same mini-batches (the batch order comes from the
 * training seed, as in `train`).
 */
import * as tf from '@tensorflow/tfjs';
import { assertReady, backendInfo } from '../core/backend';
import { checkBool, checkInt, checkKeys, checkNumber, checkOneOf, describeValue, fail, showAs } from '../core/check';
import { DataLike, toTensors } from '../core/data';
import { checkData, checkModel, checkShapes } from '../core/model-checks';
import { checkStepBudget } from '../models/build';
import { DIRECT_ACTIVATIONS, DirectActivation, activate, activationBackward } from '../models/direct-ops';
import { modelInfo } from '../models/info';
import { summarizeGradients } from '../probes/gradients';
import { magnitude } from '../probes/magnitude';
import { Parameter, selectParameters } from '../probes/parameters';
import { emptyProbeLog, resolveProbes, runProbes } from '../probes/run';
import { readWeights, summarizeUpdates } from '../probes/updates';
import { Random } from '../core/random';
import { accuracyTensor, resolveLoss } from '../core/losses';
import { DEFAULT_LEARNING_RATE, OPTIMIZERS, makeOptimizer } from './optimizers';
import { ProgressLine } from './progress';
import { HISTORY_LISTS, checkHistoryLimit } from './history-limit';
import { boundHistory } from '../probes/bound';
import { History, TrainOptions, describeHistory } from './train';

/** The options of `trainTogether`: those of `train` it supports. */
export type TogetherOptions = Pick<TrainOptions, 'optimizer' | 'learningRate' | 'momentum' | 'batchSize' | 'steps' | 'epochs' | 'loss' | 'clipGlobalNorm' | 'seed' | 'shuffle' | 'probes' | 'quiet' | 'historyLimit'>;

let runs = 0;
const FIELDS = ['optimizer', 'learningRate', 'momentum', 'batchSize', 'steps', 'epochs', 'loss', 'clipGlobalNorm', 'seed', 'shuffle', 'probes', 'quiet', 'historyLimit'];
const NOT_TOGETHER = ['validation', 'clipValue', 'clipNorm', 'onNonFinite', 'onProbe', 'startStep'];

/**
 * a_n b_n for every n of stacked a [N, ., .] and b [N, ., .]. The wasm backend's fast matrix product handles
 * one matrix pair at a time (a batch of several takes a slow path), so there the N products are made one by one.
 */
function batchedMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b);
  const bs = tf.unstack(b) as tf.Tensor2D[];
  return tf.stack((tf.unstack(a) as tf.Tensor2D[]).map((an, n) => tf.matMul(an, bs[n]))) as tf.Tensor3D;
}

/** x W for stacked x [N, B, in] and W [N, in, out], with the backward products on explicit transposes. */
const stackedMatMul = tf.customGrad(((...args: unknown[]) => {
  const [x, w, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: batchedMatMul(x, w),
    gradFunc: (dz: tf.Tensor3D, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as tf.Tensor3D[];
      return [batchedMatMul(dz, tf.transpose(ws, [0, 2, 1])), batchedMatMul(tf.transpose(xs, [0, 2, 1]), dz)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor, w: tf.Tensor) => tf.Tensor3D;

/** f(z) whose gradient is written as in direct-ops.ts (the same slope the layers' gradient uses). */
function activation(name: DirectActivation, alpha: number): (z: tf.Tensor) => tf.Tensor {
  return tf.customGrad(((...args: unknown[]) => {
    const [z, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const a = activate(name, z, alpha);
    save([z, a]);
    return { value: a, gradFunc: (da: tf.Tensor, [zs, as]: tf.Tensor[]) => [activationBackward(name, da, zs, as, alpha)] };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (z: tf.Tensor) => tf.Tensor;
}

interface Shape {
  depth: number;
  activation: DirectActivation;
  alpha: number;
  residual: boolean;
  residualScale: number;
}

/** Checks that the models can be trained together and returns their common shape. */
function commonShape(where: string, models: tf.LayersModel[]): Shape {
  if (!Array.isArray(models) || models.length < 1) fail(where, 'models', models, 'an array of one or more models from mlp()');
  models.forEach((m, i) => checkModel(`${where}: models[${i}]`, m));
  const infos = models.map((m) => modelInfo(m));
  const first = infos[0].options as Record<string, unknown> | undefined;
  if (infos[0].kind !== 'mlp' || !first) fail(where, 'models[0]', infos[0].summary, 'a model built by mlp()');
  const withoutSeed = (o: Record<string, unknown> | undefined) => JSON.stringify({ ...o, seed: undefined });
  infos.forEach((info, i) => {
    if (info.kind !== 'mlp' || withoutSeed(info.options) !== withoutSeed(first)) {
      fail(where, `models[${i}]`, info.summary, `the same mlp options as models[0] (${infos[0].summary}) except the seed`);
    }
  });
  if (new Set(models).size !== models.length) fail(where, 'models', `${models.length} models`, 'distinct models (the same model appears twice)');
  if (first!.batchNorm) fail(where, 'models[0]', infos[0].summary, 'models without batch normalization (train those one by one with train)');
  if (!(DIRECT_ACTIVATIONS as readonly string[]).includes(first!.activation as string)) {
    fail(where, 'models[0] activation', first!.activation, `one of ${DIRECT_ACTIVATIONS.join(', ')} (train others one by one with train)`);
  }
  if (models.some((m) => m.layers.some((l) => l.weights.length > 0 && !l.trainable))) fail(where, 'models', 'a frozen layer', 'every layer trainable');
  return {
    depth: first!.depth as number,
    activation: first!.activation as DirectActivation,
    alpha: first!.leakyReluAlpha as number,
    residual: first!.residual as boolean,
    residualScale: first!.residualScale as number,
  };
}

/**
 * Trains `models` (built by `mlp` with the same options and different seeds) together, as one batched
 * computation, and returns one history per model, each as `train(models[i], data, options)` would have
 * returned it (to float32 rounding: the batched products may sum in a different order). The models end up
 * trained, as after `train`.
 *
 * Supports every option of `train` except validation, clipValue, clipNorm, onNonFinite, onProbe and
 * startStep, for `mlp` models without batch normalization whose activation is sigmoid, tanh, relu,
 * leakyRelu, elu or linear. If any model's loss or gradient becomes NaN or infinite, all stop at that step
 * (each history says which model it was); `train` would have stopped only that one.
 *
 * @example
 *   const models = [0, 1, 2, 3, 4].map((seed) => mlp({ inputs: 2, outputs: 1, depth: 20, width: 64, activation: 'sigmoid', init: 'glorotNormal', seed }));
 *   const histories = await trainTogether(models, xor({ n: 2048 }), { batchSize: 128, steps: 500, probes: { every: 25 } });
 *   histories.map((h) => h.steps.at(-1).loss);   // five final losses: the spread over seeds
 */
export async function trainTogether(models: tf.LayersModel[], data: DataLike, options: TogetherOptions = {}): Promise<History[]> {
  const where = 'trainTogether';
  assertReady();
  const shape = commonShape(where, models);
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

  // Stacked weights, in each model's trainableWeights order.
  const names = models[0].trainableWeights.map((w) => w.name);
  let stacked: tf.Variable[] = [];
  let optimizer: tf.Optimizer | undefined;
  const ownsProbeData = !(options.probes && options.probes.data);
  const probeData: DataLike = ownsProbeData
    ? { x: all.x.slice(0, Math.min(256, n)), y: all.y.slice(0, Math.min(256, n)), task: 'task' in data ? data.task : undefined }
    : (options.probes as { data: DataLike }).data;
  const started = Date.now();
  try {
    models.forEach((m) => checkShapes(where, m, all));
    stacked = names.map((name, i) =>
      tf.tidy(() => {
        const parts = models.map((m) => m.trainableWeights[i].read());
        const s = tf.stack(parts);
        return tf.variable(parts[0].rank === 1 ? s.reshape([N, 1, -1]) : s, true, `together_${++runs}_${name}`);
      }),
    );
    // Keyed 'dense_01/kernel', 'output/bias', ...: the layer's stable name and the weight's role.
    const byName = new Map(selectParameters(models[0], 'all').map((p) => [`${p.layer}/${p.weight}`, stacked[p.index]]));
    const weight = (name: string) => byName.get(name);
    const act = activation(shape.activation, shape.alpha);
    const forward = (x: tf.Tensor): tf.Tensor3D => {
      let h: tf.Tensor = tf.tile(tf.expandDims(x, 0), [N, 1, 1]);
      for (let l = 1; l <= shape.depth; l++) {
        const id = String(l).padStart(Math.max(2, String(shape.depth).length), '0');
        const a = act(tf.add(stackedMatMul(h, weight(`dense_${id}/kernel`)!), weight(`dense_${id}/bias`)!));
        if (shape.residual && l >= 2) {
          const skip = weight(`skip_${id}/kernel`);
          const branch = shape.residualScale === 1 ? a : tf.mul(a, shape.residualScale);
          h = tf.add(skip ? stackedMatMul(h, skip) : h, branch);
        } else {
          h = a;
        }
      }
      return tf.add(stackedMatMul(h, weight('output/kernel')!), weight('output/bias')!) as tf.Tensor3D;
    };
    optimizer = makeOptimizer(optimizerName, learningRate, momentum);
    const parametersOf = models.map((m) => ({ all: selectParameters(m, 'all'), selected: probes ? selectParameters(m, probes.parameters) : [] }));
    const probabilities = false;
    const sync = () => tf.tidy(() => names.forEach((_, i) => tf.unstack(stacked[i]).forEach((w, k) => models[k].trainableWeights[i].write(w.reshape(models[k].trainableWeights[i].shape as number[])))));
    const probeAll = (step: number) => {
      if (!probes) return;
      sync();
      models.forEach((m, k) => runProbes(m, probeData, step, probes, histories[k], loss.name));
    };
    const rng = new Random(seed);
    let order: number[] = [];
    let cursor = n;
    let epoch = 0;
    let lastYield = Date.now();
    probeAll(0);
    for (let s = 1; s <= totalSteps; s++) {
      if (cursor >= n) {
        order = shuffle ? rng.permutation(n) : Array.from({ length: n }, (_, i) => i);
        cursor = 0;
        epoch++;
      }
      const indices = order.slice(cursor, cursor + batchSize);
      cursor += indices.length;
      const probeNow = probes !== null && (s % probes.every === 0 || s === totalSteps);
      let before: Float32Array[] | undefined;
      if (probeNow && probes!.updates) {
        sync();
        before = parametersOf.map((p) => readWeights(p.selected));
      }
      const batchGradients = probes?.batchGradients ?? false;
      let host: Float32Array = new Float32Array(0);
      let stop = false;
      tf.tidy(() => {
        const idx = tf.tensor1d(Int32Array.from(indices), 'int32');
        const xb = tf.gather(all.x, idx);
        const yb = tf.gather(all.y, idx);
        let outputs: tf.Tensor[] = [];
        const { grads } = tf.variableGrads(() => {
          outputs = tf.unstack(forward(xb)).map((o) => tf.keep(o));
          return tf.addN(outputs.map((o) => loss.fn(yb, o))) as tf.Scalar;
        }, stacked);
        const losses = outputs.map((o) => loss.fn(yb, o));
        const accuracies = outputs.map((o) => accuracyTensor(loss.name, yb, o, probabilities) ?? tf.scalar(NaN));
        outputs.forEach((o) => o.dispose());
        const g = stacked.map((v) => grads[v.name]);
        // Each model's global gradient norm: the sum of squares over its slice of every stacked gradient.
        const normBefore = tf.sqrt(tf.addN(g.map((t) => tf.sum(tf.square(t.reshape([N, -1])), 1)))) as tf.Tensor1D;
        let applied = g;
        let normAfter = normBefore;
        let fired: tf.Tensor1D = tf.zeros([N]);
        if (clip !== undefined) {
          fired = tf.cast(tf.greater(normBefore, clip), 'float32') as tf.Tensor1D;
          const scale = tf.minimum(1, tf.div(clip, tf.maximum(normBefore, 1e-30)));
          applied = g.map((t) => tf.mul(t, scale.reshape([N, 1, 1])));
          normAfter = tf.sqrt(tf.addN(applied.map((t) => tf.sum(tf.square(t.reshape([N, -1])), 1)))) as tf.Tensor1D;
        }
        const numbers = tf.concat([tf.stack(losses), tf.stack(accuracies), normBefore, normAfter, fired]);
        host = (batchGradients ? tf.concat([numbers, ...g.map((t) => t.reshape([-1])), ...stacked.map((v) => v.reshape([-1]))]) : numbers).dataSync() as Float32Array;
        for (let k = 0; k < N; k++) if (!Number.isFinite(host[k]) || !Number.isFinite(host[2 * N + k])) stop = true;
        if (stop) return;
        optimizer!.applyGradients(Object.fromEntries(stacked.map((v, i) => [v.name, applied[i]])));
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
          const summary = summarizeGradients(parametersOf[k].all, parametersOf[k].selected, modelSlice(host, 5 * N, stacked, parametersOf[k].all, parametersOf[k].selected, N, k), 0, false);
          h.batchGradients.push({ probe: 'gradients', step, loss: lossValue, lossName: loss.name, examples: indices.length, training: true, globalNorm: magnitude(summary.globalNorm), layers: summary.layers });
        }
      });
      if (before) {
        sync();
        models.forEach((_, k) => histories[k].updates.push(summarizeUpdates(parametersOf[k].selected, before![k], readWeights(parametersOf[k].selected), step)));
      }
      if (probeNow) probeAll(step);
      histories.forEach((h) => (h.keptEvery = boundHistory(h, HISTORY_LISTS, historyLimit)));
      progress.update(`step ${step}/${totalSteps}  ${N} models  loss ${histories.map((h) => h.steps[h.steps.length - 1].loss.toFixed(3)).join(' ')}`);
      if (Date.now() - lastYield > 200) {
        await new Promise((resolveYield) => setImmediate(resolveYield));
        lastYield = Date.now();
      }
    }
    sync();
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
    stacked.forEach((v) => v.dispose());
    optimizer?.dispose();
  }
}

/**
 * Model k's part of the host array, laid out as `summarizeGradients` reads one model: its gradients of every
 * parameter in order, then the weights of the selected ones. The host array holds, after `offset` numbers,
 * the stacked gradients and then the stacked weights, each stack model-major.
 */
function modelSlice(host: Float32Array, offset: number, stacked: tf.Variable[], all: Parameter[], selected: Parameter[], N: number, k: number): Float32Array {
  const sizes = stacked.map((v) => v.size / N);
  const gradStart: number[] = [];
  let cursor = offset;
  for (const size of sizes) gradStart.push(cursor), (cursor += size * N);
  const weightStart: number[] = [];
  for (const size of sizes) weightStart.push(cursor), (cursor += size * N);
  const out = new Float32Array(all.reduce((a, p) => a + p.size, 0) + selected.reduce((a, p) => a + p.size, 0));
  let at = 0;
  for (const p of all) {
    const start = gradStart[p.index] + k * sizes[p.index];
    out.set(host.subarray(start, start + p.size), at);
    at += p.size;
  }
  for (const p of selected) {
    const start = weightStart[p.index] + k * sizes[p.index];
    out.set(host.subarray(start, start + p.size), at);
    at += p.size;
  }
  return out;
}
