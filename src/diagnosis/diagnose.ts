/**
 * diagnose: run the probes on a model and say, symptom by symptom, whether its gradients are healthy.
 *
 * Each verdict carries the number measured, the range called healthy, where that range comes from, and
 * which remedy and lesson notebook apply. The ranges are rules of thumb, not laws: they flag what is
 * worth a closer look.
 *
 * The symptoms (from the lessons' sources):
 *   - vanishing gradients: early layers receive a much smaller gradient than late ones;
 *   - exploding gradients: the opposite, or NaN/Inf;
 *   - saturation: sigmoid/tanh units sitting on their flat tails;
 *   - dead units: ReLU units that output 0 for every example;
 *   - update ratio out of range: ||update|| / ||weights|| far from about 1e-3;
 *   - stalled loss: the loss does not go down.
 */
import * as tf from '@tensorflow/tfjs';
import { assertReady } from '../core/backend';
import { formatNumber } from '../core/format';
import { checkBool, checkInt, checkKeys, checkNumber, checkOneOf, fail, showAs } from '../core/check';
import { DataLike } from '../core/data';
import { modelInfo, SATURATING } from '../models/info';
import { ActivationSnapshot, activationStats } from '../probes/activations';
import { GradientSnapshot, gradientNorms } from '../probes/gradients';
import { checkData, checkModel } from '../core/model-checks';
import { TimeGradientSnapshot, gradientOverTime } from '../probes/time';
import { UpdateSnapshot } from '../probes/updates';
import { History, train } from '../training/train';
import { OPTIMIZERS, OptimizerName } from '../training/optimizers';
import * as fs from 'fs';
import * as path from 'path';

/**
 * The loss of a model that ignores its input and always predicts the target frequencies: the level a
 * network that learned nothing settles at. Binary cross-entropy: H(p) = -p ln p - (1-p) ln(1-p) with p the
 * share of positives (ln 2 = 0.693 for balanced classes); softmax cross-entropy: the entropy of the class
 * frequencies (ln k for k balanced classes); mean squared error: the variance of the targets. Null when the
 * targets are tensors (not read back just for this) or the loss is not one of these.
 */
function guessingLoss(loss: string, data: DataLike): number | null {
  const y = data.y;
  if (!Array.isArray(y) || y.length === 0) return null;
  const rows = y as number[][];
  const columns = rows[0].length;
  const means = Array.from({ length: columns }, (_, j) => rows.reduce((sum, row) => sum + row[j], 0) / rows.length);
  const entropy = (ps: number[]) => -ps.filter((p) => p > 0).reduce((sum, p) => sum + p * Math.log(p), 0);
  if (loss === 'binaryCrossEntropy' && columns === 1) return entropy([means[0], 1 - means[0]]);
  if (loss === 'softmaxCrossEntropy') return entropy(means);
  if (loss === 'meanSquaredError') {
    const variance = rows.reduce((sum, row) => sum + row.reduce((s, v, j) => s + (v - means[j]) ** 2, 0), 0) / (rows.length * columns);
    return variance;
  }
  return null;
}

/** True when the lesson notebook is part of this copy of the pack (the sequence grows lesson by lesson). */
function lessonIsHere(lesson: string): boolean {
  return fs.existsSync(path.join(__dirname, '..', '..', lesson));
}

/** The lesson notebooks a verdict can point at. */
export const LESSONS = {
  sigmoidSaturation: 'notebooks/01-sigmoid-saturation.ipynb',
  reluFamily: 'notebooks/02-relu-family.ipynb',
  initialization: 'notebooks/03-initialization.ipynb',
  batchNormalization: 'notebooks/04-batch-normalization.ipynb',
  residualConnections: 'notebooks/05-residual-connections.ipynb',
  lstmGru: 'notebooks/06-lstm-gru.ipynb',
  gradientClipping: 'notebooks/07-gradient-clipping.ipynb',
  recognizing: 'notebooks/08-recognizing-the-problem.ipynb',
  preTraining: 'notebooks/09-pre-training.ipynb',
} as const;

export type Symptom = 'vanishing' | 'exploding' | 'saturation' | 'deadUnits' | 'updateRatio' | 'stalledLoss';
export type VerdictStatus = 'ok' | 'warning' | 'problem' | 'not measured';

/** One symptom's verdict. */
export interface Verdict {
  symptom: Symptom;
  /** Human name, e.g. 'Vanishing gradients'. */
  title: string;
  status: VerdictStatus;
  /** The number the verdict rests on (null when not measured). */
  measured: number | null;
  /** What was measured, in words, with the number. */
  detail: string;
  /** The healthy range, in words. */
  healthy: string;
  /** Where the healthy range comes from. */
  source: string;
  /** What to try when the status is not ok. */
  remedy: string;
  /** The lesson notebook that covers it. */
  lesson: string;
}

/** What `diagnose` found. */
export interface Diagnosis {
  /** One-line description of the model. */
  model: string;
  /** Examples in the probe batch. */
  examples: number;
  /** Where the training numbers came from: a short trial run, a given history, or none. */
  training: string;
  verdicts: Verdict[];
  /** The worst status over all verdicts. */
  overall: VerdictStatus;
  /** The report as text (what `diagnose` prints). */
  text: string;
  /** The probe records the verdicts were computed from. */
  gradients: GradientSnapshot;
  activations: ActivationSnapshot | null;
  overTime: TimeGradientSnapshot | null;
}

/** Options of `diagnose`. */
export interface DiagnoseOptions {
  /** A history from `train`: its loss curve and update ratios are used instead of a trial run. */
  history?: History;
  /** Steps of the trial run when no history is given (default 100; 0 skips it). The model's weights are restored afterwards. */
  trialSteps?: number;
  /** Optimizer and learning rate of the trial run (default sgd, 0.1 or the optimizer's default). */
  optimizer?: OptimizerName;
  learningRate?: number;
  /** Batch size of the trial run (default 32). */
  batchSize?: number;
  /** Seed of the trial run's batch order (default 0). */
  seed?: number;
  /**
   * Print nothing (default false: the report is printed with console.log). A notebook cell that ends with
   * the diagnosis shows the same report, so `quiet: true` there avoids showing it twice.
   */
  quiet?: boolean;
}

const FIELDS = ['history', 'trialSteps', 'optimizer', 'learningRate', 'batchSize', 'seed', 'quiet'];

function worst(statuses: VerdictStatus[]): VerdictStatus {
  if (statuses.includes('problem')) return 'problem';
  if (statuses.includes('warning')) return 'warning';
  if (statuses.includes('ok')) return 'ok';
  return 'not measured';
}

const NOT_MEASURED = (symptom: Symptom, title: string, why: string, healthy: string, source: string, remedy: string, lesson: string): Verdict => ({
  symptom,
  title,
  status: 'not measured',
  measured: null,
  detail: why,
  healthy,
  source,
  remedy,
  lesson,
});

/** The hidden weight matrices of a gradient snapshot: kernels except the output layer and skip projections. */
function hiddenKernels(g: GradientSnapshot) {
  return g.layers.filter((l) => l.weight === 'kernel' && l.layer !== 'output' && !l.layer.startsWith('skip_'));
}

function gradientSpread(g: GradientSnapshot, over: TimeGradientSnapshot | null): { value: number | null; detail: string; underflow: boolean } {
  if (over) {
    const first = over.norms[0];
    const last = over.norms[over.norms.length - 1];
    if (last.value === 0 || !Number.isFinite(last.value)) return { value: null, detail: `||dLoss/dx_T|| is ${last.value}`, underflow: false };
    return {
      value: first.value / last.value,
      detail: `||dLoss/dx_1|| / ||dLoss/dx_T|| over T = ${over.length} steps is ${formatNumber(first.value / last.value)}${first.underflow ? ' (the first step\'s gradient is exactly 0: underflow)' : ''}`,
      underflow: first.underflow,
    };
  }
  const hidden = hiddenKernels(g);
  // The first layer reads the raw input (often 2 numbers): compare hidden-to-hidden layers when there are some.
  const pool = hidden.length >= 3 ? hidden.slice(1) : hidden;
  if (pool.length < 2) return { value: null, detail: 'fewer than two hidden layers to compare', underflow: false };
  const early = pool[0];
  const late = pool[pool.length - 1];
  if (late.norm === 0 || !Number.isFinite(late.norm)) return { value: null, detail: `${late.name}'s gradient norm is ${late.norm}`, underflow: false };
  return {
    value: early.norm / late.norm,
    detail: `${early.name}'s gradient is ${formatNumber(early.norm / late.norm)} times ${late.name}'s (norms ${formatNumber(early.norm)} and ${formatNumber(late.norm)})${early.underflow ? '; it is exactly 0 (underflow)' : ''}`,
    underflow: early.underflow,
  };
}

/**
 * Runs the probes on `model` with `data` and returns one verdict per symptom. Without a `history`, it
 * trains a copy of the current weights for `trialSteps` steps to see the loss move and the update sizes,
 * then puts the weights back.
 *
 * @example
 *   const report = await diagnose(model, spirals({ n: 512 }));
 *   report;   // as the last line of a notebook cell: prints the report
 *   report.verdicts.filter((v) => v.status !== 'ok').map((v) => `${v.title}: ${v.lesson}`);
 */
export async function diagnose(model: tf.LayersModel, data: DataLike, options: DiagnoseOptions = {}): Promise<Diagnosis> {
  const where = 'diagnose';
  assertReady();
  checkModel(where, model);
  checkData(where, data);
  checkKeys(where, options, FIELDS);
  const trialSteps = checkInt(where, 'trialSteps', options.trialSteps ?? 100, 0, 1_000_000);
  const optimizer = checkOneOf(where, 'optimizer', options.optimizer ?? 'sgd', OPTIMIZERS);
  if (options.learningRate !== undefined) checkNumber(where, 'learningRate', options.learningRate, 0, 1e6, { minExclusive: true });
  if (options.batchSize !== undefined) checkInt(where, 'batchSize', options.batchSize, 1, 1_000_000);
  const quiet = checkBool(where, 'quiet', options.quiet ?? false);
  if (options.history !== undefined && (typeof options.history !== 'object' || !Array.isArray(options.history.steps))) {
    fail(where, 'history', options.history, 'a History returned by train()');
  }
  const info = modelInfo(model);
  const n = data.x instanceof tf.Tensor ? data.x.shape[0] : (data.x as unknown[]).length;
  const probeData: DataLike =
    n > 256
      ? data.x instanceof tf.Tensor
        ? { x: data.x.slice(0, 256), y: (data.y as tf.Tensor).slice(0, 256), task: 'task' in data ? data.task : undefined }
        : { ...(data as object), x: (data.x as unknown[]).slice(0, 256), y: (data.y as unknown[]).slice(0, 256) } as DataLike
      : data;
  try {
    const gradients = gradientNorms(model, probeData);
    const activations = info.activationLayers.length ? activationStats(model, probeData) : null;
    const recurrentModel = (info.recurrentLayers?.length ?? 0) > 0;
    const overTime = recurrentModel && (data.x instanceof tf.Tensor ? data.x.rank === 3 : Array.isArray((data.x as unknown[][])[0]?.[0])) ? gradientOverTime(model, probeData) : null;

    // Training evidence: a given history, or a short trial run on a copy of the weights.
    let history: History | undefined = options.history;
    let training = 'none';
    if (history) {
      training = `the given history (${history.steps.length} steps, ${history.optimizer.name} lr ${history.optimizer.learningRate})`;
    } else if (trialSteps > 0) {
      const saved = model.getWeights().map((w) => tf.clone(w));
      try {
        history = await train(model, data, {
          steps: trialSteps,
          optimizer,
          learningRate: options.learningRate,
          batchSize: options.batchSize,
          seed: options.seed ?? 0,
          quiet: true,
          probes: { every: Math.max(1, Math.floor(trialSteps / 5)), gradients: false, weights: false, activations: false, overTime: false, updates: true },
        });
      } finally {
        model.setWeights(saved);
        saved.forEach((t) => t.dispose());
      }
      training = `a trial run of ${trialSteps} steps (${history.optimizer.name}, learning rate ${history.optimizer.learningRate}, batch ${history.batchSize}) on a copy of the weights, since restored`;
    }

    const verdicts: Verdict[] = [];
    const activation = info.activation;

    // Vanishing and exploding.
    const spread = gradientSpread(gradients, overTime);
    const nonFinite = !Number.isFinite(gradients.globalNorm.value) || history?.stopped?.reason === 'nonFinite';
    const vanishingRemedy = overTime
      ? 'gated cells (LSTM or GRU) with forget bias 1; shorter sequences to start with'
      : activation && SATURATING.includes(activation)
        ? 'a ReLU-family activation, He or Glorot initialization, batch normalization or residual connections'
        : 'He initialization for ReLU (Glorot for tanh), batch normalization, residual connections';
    const vanishingLesson = overTime ? LESSONS.lstmGru : activation && SATURATING.includes(activation) ? LESSONS.reluFamily : LESSONS.initialization;
    if (spread.value === null && !spread.underflow) {
      verdicts.push(NOT_MEASURED('vanishing', 'Vanishing gradients', spread.detail, 'early/late gradient ratio between 0.1 and 10', '', vanishingRemedy, vanishingLesson));
    } else {
      const v = spread.underflow ? 0 : spread.value!;
      verdicts.push({
        symptom: 'vanishing',
        title: 'Vanishing gradients',
        status: v < 1e-3 ? 'problem' : v < 1e-1 ? 'warning' : 'ok',
        measured: v,
        detail: spread.detail,
        healthy: overTime ? 'first/last time-step gradient ratio at least 0.1' : 'early/late layer gradient ratio at least 0.1 (within one order of magnitude)',
        source: overTime
          ? 'rule of thumb: an input step whose gradient is 1000x smaller has ~1000x less influence on learning. Bengio, Simard & Frasconi (1994) ' +
            'showed that gradients through time shrink exponentially for a simple RNN that stores information robustly; LSTM gates keep the ratio near 1 after training.'
          : 'rule of thumb: under one learning rate a layer learns in proportion to its gradient, so a 1000x smaller gradient means ~1000x slower learning. ' +
            'Glorot & Bengio (2010) and He et al. (2015) choose initial weights so this ratio stays near 1.',
        remedy: vanishingRemedy,
        lesson: vanishingLesson,
      });
    }
    {
      const v = spread.value;
      const status: VerdictStatus = nonFinite ? 'problem' : v === null ? 'not measured' : v > 1e3 ? 'problem' : v > 10 ? 'warning' : 'ok';
      verdicts.push({
        symptom: 'exploding',
        title: 'Exploding gradients',
        status,
        measured: nonFinite ? gradients.globalNorm.value : v,
        detail: nonFinite
          ? history?.stopped?.message ?? `the global gradient norm is ${gradients.globalNorm.value}`
          : v === null
            ? spread.detail
            : `${spread.detail}; global gradient norm ${formatNumber(gradients.globalNorm.value)}`,
        healthy: 'finite, and early/late gradient ratio at most 10',
        source: 'rule of thumb, the mirror image of the vanishing test; Pascanu, Mikolov & Bengio (2013) describe exploding gradients and clipping',
        remedy: 'gradient clipping by global norm, a smaller learning rate, a smaller initialization (or orthogonal init for RNNs)',
        lesson: LESSONS.gradientClipping,
      });
    }

    // Saturation.
    const saturating = activations?.layers.filter((l) => l.saturated !== null) ?? [];
    if (saturating.length === 0) {
      verdicts.push(NOT_MEASURED('saturation', 'Saturation', 'no sigmoid, tanh or softsign layers', 'under 10% of values saturated', '', '', LESSONS.sigmoidSaturation));
    } else {
      const top = saturating.reduce((a, b) => (b.saturated! > a.saturated! ? b : a));
      verdicts.push({
        symptom: 'saturation',
        title: 'Saturation',
        status: top.saturated! > 0.5 ? 'problem' : top.saturated! > 0.1 ? 'warning' : 'ok',
        measured: top.saturated,
        detail: `${(100 * top.saturated!).toFixed(1)}% of ${top.name}'s values are saturated (${activations!.saturationRule})`,
        healthy: 'under 10% of values saturated in every layer',
        source: 'rule of thumb; Glorot & Bengio (2010) saw saturated sigmoid layers stall training. A saturated unit passes at most 10% of the gradient.',
        remedy: 'zero-centred or non-saturating activations (tanh over sigmoid, ReLU family), smaller initial weights, batch normalization',
        lesson: LESSONS.sigmoidSaturation,
      });
    }

    // Dead units.
    const reluLayers = activations?.layers.filter((l) => l.dead !== null) ?? [];
    if (reluLayers.length === 0) {
      verdicts.push(NOT_MEASURED('deadUnits', 'Dead units', 'no ReLU-family layers', 'under 10% of units dead', '', '', LESSONS.reluFamily));
    } else {
      const top = reluLayers.reduce((a, b) => (b.dead! > a.dead! ? b : a));
      verdicts.push({
        symptom: 'deadUnits',
        title: 'Dead units',
        status: top.dead! > 0.5 ? 'problem' : top.dead! > 0.1 ? 'warning' : 'ok',
        measured: top.dead,
        detail: `${(100 * top.dead!).toFixed(1)}% of ${top.name}'s ${top.units} units are dead (${activations!.deadRule}, ${activations!.examples} examples)`,
        healthy: 'under 10% of units dead in every layer',
        source: 'rule of thumb; the CS231n notes warn that up to 40% of a ReLU network can die with a too-high learning rate',
        remedy: 'leakyRelu, elu or gelu; He initialization; a smaller learning rate; batch normalization',
        lesson: LESSONS.reluFamily,
      });
    }

    // Update ratio.
    const lastUpdates: UpdateSnapshot | undefined = history?.updates[history.updates.length - 1];
    if (!lastUpdates || lastUpdates.layers.length === 0) {
      verdicts.push(NOT_MEASURED('updateRatio', 'Update-to-weight ratio', 'no training steps to measure (pass a history or trialSteps > 0)', 'about 1e-3 (1e-4 to 1e-2)', '', '', LESSONS.recognizing));
    } else {
      const ratios = lastUpdates.layers.map((l) => ({ name: l.name, r: l.ratio ?? 0 }));
      const low = ratios.reduce((a, b) => (b.r < a.r ? b : a));
      const high = ratios.reduce((a, b) => (b.r > a.r ? b : a));
      const status: VerdictStatus = low.r < 1e-6 || high.r > 1e-1 ? 'problem' : low.r < 1e-4 || high.r > 1e-2 ? 'warning' : 'ok';
      verdicts.push({
        symptom: 'updateRatio',
        title: 'Update-to-weight ratio',
        status,
        measured: status !== 'ok' && high.r > 1e-2 && low.r >= 1e-4 ? high.r : low.r,
        detail: `at step ${lastUpdates.step}, ||update|| / ||weights|| ranges from ${formatNumber(low.r)} (${low.name}) to ${formatNumber(high.r)} (${high.name})${low.r === 0 ? '; 0 means the update was too small to change a float32 weight at all' : ''}`,
        healthy: 'about 1e-3 in every layer (1e-4 to 1e-2)',
        source: 'rule of thumb from Karpathy\'s CS231n notes ("Neural Networks Part 3": the ratio of update magnitudes to value magnitudes should be around 1e-3)',
        remedy: 'a too-small ratio in early layers is vanishing gradients (see above) or a too-small learning rate; a large one means a too-large learning rate or exploding gradients',
        lesson: LESSONS.recognizing,
      });
    }

    // Stalled loss: the loss does not fall, or it falls only to the loss of guessing.
    const losses = history?.steps.map((s) => s.loss) ?? [];
    if (losses.length < 10) {
      verdicts.push(NOT_MEASURED('stalledLoss', 'Stalled loss', 'fewer than 10 training steps to judge', 'loss falls by more than 5% over the run, and below the loss of guessing', '', '', LESSONS.recognizing));
    } else {
      const k = Math.max(1, Math.floor(losses.length / 10));
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const start = mean(losses.slice(0, k));
      const end = mean(losses.slice(-k));
      const drop = start > 0 ? (start - end) / start : 0;
      const chance = guessingLoss(history!.loss, data);
      // Within 3% of the loss of guessing: whatever it did first, the network has learned nothing usable.
      const atChance = chance !== null && chance > 0 && end >= 0.97 * chance;
      const chanceText = chance === null ? '' : `; guessing from the target frequencies would give ${formatNumber(chance)}`;
      verdicts.push({
        symptom: 'stalledLoss',
        title: 'Stalled loss',
        status: drop < 0.01 || atChance ? 'problem' : drop < 0.05 ? 'warning' : 'ok',
        measured: drop,
        detail:
          `over ${losses.length} steps the loss went from ${formatNumber(start)} to ${formatNumber(end)} (mean of the first and last ${k} steps): a ${(100 * drop).toFixed(1)}% drop${chanceText}` +
          (atChance ? ': it ends at the loss of guessing' : ''),
        healthy: 'a drop of more than 5% over the run, ending clearly below the loss of guessing',
        source: 'rule of thumb; a flat loss curve is the first symptom the lessons\' sources list ("the loss function fails to diminish"). The loss of guessing is that of always predicting the target frequencies (binary: the entropy of the positive rate, ln 2 for balanced classes; multiclass: the entropy of the class frequencies; squared error: the targets\' variance)',
        remedy: 'check the gradient verdicts above; if gradients vanish in a deep sigmoid stack, greedy layer-wise pre-training is the historical fix',
        lesson: activation === 'sigmoid' && hiddenKernels(gradients).length >= 5 ? LESSONS.preTraining : LESSONS.recognizing,
      });
    }

    const overall = worst(verdicts.map((v) => v.status));
    const diagnosis: Diagnosis = {
      model: info.summary,
      examples: gradients.examples,
      training,
      verdicts,
      overall,
      text: '',
      gradients,
      activations,
      overTime,
    };
    diagnosis.text = formatDiagnosis(diagnosis);
    showAs(diagnosis, () => diagnosis.text);
    if (!quiet) console.log(diagnosis.text);
    return diagnosis;
  } finally {
    if (probeData !== data && probeData.x instanceof tf.Tensor) {
      probeData.x.dispose();
      (probeData.y as tf.Tensor).dispose();
    }
  }
}

const MARK: Record<VerdictStatus, string> = { ok: 'ok     ', warning: 'WARNING', problem: 'PROBLEM', 'not measured': '-      ' };

/**
 * The report as text, one block per symptom.
 *
 * @example
 *   console.log(formatDiagnosis(await diagnose(model, data)));
 */
export function formatDiagnosis(d: Diagnosis): string {
  const lines = [`Diagnosis of ${d.model}`, `probe batch: ${d.examples} examples; training evidence: ${d.training}`, ''];
  for (const v of d.verdicts) {
    lines.push(`[${MARK[v.status]}] ${v.title}: ${v.detail}`);
    if (v.status === 'not measured') continue;
    lines.push(`           healthy: ${v.healthy}`);
    lines.push(`           source: ${v.source}`);
    if (v.status !== 'ok') lines.push(`           try: ${v.remedy}${lessonIsHere(v.lesson) ? `  (lesson: ${v.lesson})` : ''}`);
  }
  lines.push('', `overall: ${d.overall}`);
  return lines.join('\n');
}
