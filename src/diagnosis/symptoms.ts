/**
 * The symptom checks of `diagnose`, one small function each, in the order the report lists them.
 *
 * Each reads the evidence (probe records and training history) and returns one verdict: the number
 * measured, the range called healthy, where that range comes from, and the remedy and lesson. The ranges
 * are rules of thumb, not laws: they flag what is worth a closer look. Adding a symptom is adding a
 * function here and an entry in SYMPTOM_CHECKS.
 */
import { formatNumber } from '../core/format';
import { SATURATING } from '../models/info';
import type { GradientSnapshot } from '../probes/gradients';
import type { TimeGradientSnapshot } from '../probes/time';
import type { UpdateSnapshot } from '../probes/updates';
import { mean } from '../records/stats';
import type { Evidence } from './evidence';
import { LESSONS } from './lessons';

export type Symptom = 'vanishing' | 'tinyScale' | 'exploding' | 'saturation' | 'deadUnits' | 'updateRatio' | 'stalledLoss';
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

/** A symptom check: evidence in, one verdict out. */
export type SymptomCheck = (evidence: Evidence) => Verdict;

function notMeasured(symptom: Symptom, title: string, why: string, healthy: string, lesson: string, remedy = ''): Verdict {
  return { symptom, title, status: 'not measured', measured: null, detail: why, healthy, source: '', remedy, lesson };
}

/** The hidden weight matrices of a gradient snapshot: kernels except the output layer and skip projections. */
export function hiddenKernels(g: GradientSnapshot) {
  return g.layers.filter((l) => l.weight === 'kernel' && l.layer !== 'output' && !l.layer.startsWith('skip_'));
}

/** Early-to-late gradient ratio: over time steps for a recurrent net, else hidden-to-hidden layers. */
function gradientSpread(g: GradientSnapshot, over: TimeGradientSnapshot | null): { value: number | null; detail: string; underflow: boolean } {
  if (over) {
    const first = over.norms[0];
    const last = over.norms[over.norms.length - 1];
    if (last.value === 0 || !Number.isFinite(last.value)) return { value: null, detail: `||dLoss/dx_T|| is ${last.value}`, underflow: false };
    return {
      value: first.value / last.value,
      detail: `||dLoss/dx_1|| / ||dLoss/dx_T|| over T = ${over.length} steps is ${formatNumber(first.value / last.value)}${first.underflow ? " (the first step's gradient is exactly 0: underflow)" : ''}`,
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

function saturatingNet(e: Evidence): boolean {
  return e.info.activation !== undefined && SATURATING.includes(e.info.activation);
}

/** Vanishing gradients: early layers (or time steps) get much less gradient than late ones. */
export function vanishing(e: Evidence): Verdict {
  const title = 'Vanishing gradients';
  const spread = gradientSpread(e.gradients, e.overTime);
  const remedy = e.overTime
    ? 'gated cells (LSTM or GRU) with forget bias 1; shorter sequences to start with'
    : saturatingNet(e)
      ? 'a ReLU-family activation, He or Glorot initialization, batch normalization or residual connections'
      : 'He initialization for ReLU (Glorot for tanh), batch normalization, residual connections';
  const lesson = e.overTime ? LESSONS.lstmGru : saturatingNet(e) ? LESSONS.reluFamily : LESSONS.initialization;
  if (spread.value === null && !spread.underflow) return notMeasured('vanishing', title, spread.detail, 'early/late gradient ratio between 0.1 and 10', lesson, remedy);
  const v = spread.underflow ? 0 : spread.value!;
  return {
    symptom: 'vanishing',
    title,
    status: v < 1e-3 ? 'problem' : v < 1e-1 ? 'warning' : 'ok',
    measured: v,
    detail: spread.detail,
    healthy: e.overTime ? 'first/last time-step gradient ratio at least 0.1' : 'early/late layer gradient ratio at least 0.1 (within one order of magnitude)',
    source: e.overTime
      ? 'rule of thumb: an input step whose gradient is 1000x smaller has ~1000x less influence on learning. Bengio, Simard & Frasconi (1994) ' +
        'showed that gradients through time shrink exponentially for a simple RNN that stores information robustly; LSTM gates keep the ratio near 1 after training.'
      : 'rule of thumb: under one learning rate a layer learns in proportion to its gradient, so a 1000x smaller gradient means ~1000x slower learning. ' +
        'Glorot & Bengio (2010) and He et al. (2015) choose initial weights so this ratio stays near 1.',
    remedy,
    lesson,
  };
}

/**
 * Tiny signal and gradients everywhere: the layers agree with each other (so `vanishing` sees nothing), but
 * the forward signal has shrunk to almost nothing by the last hidden layer and every layer's gradient is a
 * tiny fraction of its weights. A 30-layer ReLU network with Glorot (Xavier) initialisation does this: each
 * layer halves the signal's variance, (1/2)^30 ≈ 1e-9, so the output barely depends on the input and the
 * loss stays at the guessing level.
 */
export function tinyScale(e: Evidence): Verdict {
  const title = 'Tiny signal and gradients';
  const healthy = 'last hidden layer output at least 1e-2 of the input size (RMS), and some hidden layer with ||dLoss/dW|| / ||W|| of at least 1e-4';
  const hidden = hiddenKernels(e.gradients);
  const layers = e.activations?.layers ?? [];
  if (hidden.length === 0 || layers.length === 0 || !(e.inputRms > 0) || e.overTime) {
    return notMeasured('tinyScale', title, 'needs hidden activation layers and inputs that are not all 0', healthy, LESSONS.initialization);
  }
  const last = layers[layers.length - 1];
  const signal = Math.sqrt(last.mean ** 2 + last.std ** 2) / e.inputRms;
  const largest = hidden.reduce((a, b) => ((b.ratio ?? 0) > (a.ratio ?? 0) ? b : a));
  const gradient = largest.ratio ?? 0;
  const signalStatus: VerdictStatus = signal < 1e-3 ? 'problem' : signal < 1e-2 ? 'warning' : 'ok';
  const gradientStatus: VerdictStatus = gradient < 1e-5 ? 'problem' : gradient < 1e-4 ? 'warning' : 'ok';
  const status: VerdictStatus = [signalStatus, gradientStatus].includes('problem') ? 'problem' : [signalStatus, gradientStatus].includes('warning') ? 'warning' : 'ok';
  return {
    symptom: 'tinyScale',
    title,
    status,
    measured: signal,
    detail:
      `${last.name}'s output is ${formatNumber(signal)} of the input's size (RMS); the largest hidden-layer gradient is ` +
      `${formatNumber(gradient)} of its weights (${largest.name})`,
    healthy,
    source:
      'rule of thumb; Glorot & Bengio (2010) and He et al. (2015) choose the initial weights so that the forward signal keeps its variance ' +
      'from layer to layer (He: Var(w) = 2/fan_in for ReLU; Glorot gives ReLU half of that, a factor 1/2 in variance per layer)',
    remedy: 'He initialization for ReLU (Glorot for tanh), batch normalization, residual connections',
    lesson: LESSONS.initialization,
  };
}

/** Exploding gradients: late-to-early the other way round, or NaN/Inf. */
export function exploding(e: Evidence): Verdict {
  const spread = gradientSpread(e.gradients, e.overTime);
  const nonFinite = !Number.isFinite(e.gradients.globalNorm.value) || e.history?.stopped?.reason === 'nonFinite';
  const v = spread.value;
  const status: VerdictStatus = nonFinite ? 'problem' : v === null ? 'not measured' : v > 1e3 ? 'problem' : v > 10 ? 'warning' : 'ok';
  return {
    symptom: 'exploding',
    title: 'Exploding gradients',
    status,
    measured: nonFinite ? e.gradients.globalNorm.value : v,
    detail: nonFinite
      ? e.history?.stopped?.message ?? `the global gradient norm is ${e.gradients.globalNorm.value}`
      : v === null
        ? spread.detail
        : `${spread.detail}; global gradient norm ${formatNumber(e.gradients.globalNorm.value)}`,
    healthy: 'finite, and early/late gradient ratio at most 10',
    source: 'rule of thumb, the mirror image of the vanishing test; Pascanu, Mikolov & Bengio (2013) describe exploding gradients and clipping',
    remedy: 'gradient clipping by global norm, a smaller learning rate, a smaller initialization (or orthogonal init for RNNs)',
    lesson: LESSONS.gradientClipping,
  };
}

/** Saturation: sigmoid/tanh units on their flat tails. */
export function saturation(e: Evidence): Verdict {
  const saturating = e.activations?.layers.filter((l) => l.saturated !== null) ?? [];
  if (saturating.length === 0) return notMeasured('saturation', 'Saturation', 'no sigmoid, tanh or softsign layers', 'under 10% of values saturated', LESSONS.sigmoidSaturation);
  const top = saturating.reduce((a, b) => (b.saturated! > a.saturated! ? b : a));
  return {
    symptom: 'saturation',
    title: 'Saturation',
    status: top.saturated! > 0.5 ? 'problem' : top.saturated! > 0.1 ? 'warning' : 'ok',
    measured: top.saturated,
    detail: `${(100 * top.saturated!).toFixed(1)}% of ${top.name}'s values are saturated (${e.activations!.saturationRule})`,
    healthy: 'under 10% of values saturated in every layer',
    source: 'rule of thumb; Glorot & Bengio (2010) saw saturated sigmoid layers stall training. A saturated unit passes at most 10% of the gradient.',
    remedy: 'zero-centred or non-saturating activations (tanh over sigmoid, ReLU family), smaller initial weights, batch normalization',
    lesson: LESSONS.sigmoidSaturation,
  };
}

/** Dead units: ReLU-family units whose slope is 0 on every example. */
export function deadUnits(e: Evidence): Verdict {
  const layers = e.activations?.layers.filter((l) => l.dead !== null) ?? [];
  if (layers.length === 0) return notMeasured('deadUnits', 'Dead units', 'no ReLU-family layers whose slope the probe can read', 'under 10% of units dead', LESSONS.reluFamily);
  const top = layers.reduce((a, b) => (b.dead! > a.dead! ? b : a));
  return {
    symptom: 'deadUnits',
    title: 'Dead units',
    status: top.dead! > 0.5 ? 'problem' : top.dead! > 0.1 ? 'warning' : 'ok',
    measured: top.dead,
    detail: `${(100 * top.dead!).toFixed(1)}% of ${top.name}'s ${top.units} units are dead (${e.activations!.deadRule}, ${e.activations!.examples} examples)`,
    healthy: 'under 10% of units dead in every layer',
    source: 'rule of thumb; the CS231n notes warn that up to 40% of a ReLU network can die with a too-high learning rate',
    remedy: 'leakyRelu, elu or gelu; He initialization; a smaller learning rate; batch normalization',
    lesson: LESSONS.reluFamily,
  };
}

/** Update ratio: ||update|| / ||weights|| far from about 1e-3. */
export function updateRatio(e: Evidence): Verdict {
  const title = 'Update-to-weight ratio';
  const last: UpdateSnapshot | undefined = e.history?.updates[e.history.updates.length - 1];
  if (!last || last.layers.length === 0) {
    return notMeasured('updateRatio', title, 'no training steps to measure (pass a history or trialSteps > 0)', 'about 1e-3 (1e-4 to 1e-2)', LESSONS.recognizing);
  }
  const ratios = last.layers.map((l) => ({ name: l.name, r: l.ratio ?? 0 }));
  const low = ratios.reduce((a, b) => (b.r < a.r ? b : a));
  const high = ratios.reduce((a, b) => (b.r > a.r ? b : a));
  const status: VerdictStatus = low.r < 1e-6 || high.r > 1e-1 ? 'problem' : low.r < 1e-4 || high.r > 1e-2 ? 'warning' : 'ok';
  return {
    symptom: 'updateRatio',
    title,
    status,
    measured: status !== 'ok' && high.r > 1e-2 && low.r >= 1e-4 ? high.r : low.r,
    detail: `at step ${last.step}, ||update|| / ||weights|| ranges from ${formatNumber(low.r)} (${low.name}) to ${formatNumber(high.r)} (${high.name})${low.r === 0 ? '; 0 means the update was too small to change a float32 weight at all' : ''}`,
    healthy: 'about 1e-3 in every layer (1e-4 to 1e-2)',
    source: 'rule of thumb from Karpathy\'s CS231n notes ("Neural Networks Part 3": the ratio of update magnitudes to value magnitudes should be around 1e-3)',
    remedy: 'a too-small ratio in early layers is vanishing gradients (see above) or a too-small learning rate; a large one means a too-large learning rate or exploding gradients',
    lesson: LESSONS.recognizing,
  };
}

/**
 * The loss of a model that ignores its input and always predicts the target frequencies: the level a
 * network that learned nothing settles at. Binary cross-entropy: H(p) = -p ln p - (1-p) ln(1-p) with p the
 * share of positives (ln 2 = 0.693 for balanced classes); softmax cross-entropy: the entropy of the class
 * frequencies (ln k for k balanced classes); mean squared error: the variance of the targets. Null when the
 * targets are tensors (not read back just for this) or the loss is not one of these.
 */
export function guessingLoss(loss: string, y: unknown): number | null {
  if (!Array.isArray(y) || y.length === 0) return null;
  const rows = y as number[][];
  const columns = rows[0].length;
  const means = Array.from({ length: columns }, (_, j) => rows.reduce((sum, row) => sum + row[j], 0) / rows.length);
  const entropy = (ps: number[]) => -ps.filter((p) => p > 0).reduce((sum, p) => sum + p * Math.log(p), 0);
  if (loss === 'binaryCrossEntropy' && columns === 1) return entropy([means[0], 1 - means[0]]);
  if (loss === 'softmaxCrossEntropy') return entropy(means);
  if (loss === 'meanSquaredError') return rows.reduce((sum, row) => sum + row.reduce((s, v, j) => s + (v - means[j]) ** 2, 0), 0) / (rows.length * columns);
  return null;
}

/** Stalled loss: the loss does not fall, or falls only to the loss of guessing. */
export function stalledLoss(e: Evidence): Verdict {
  const title = 'Stalled loss';
  const losses = e.history?.steps.map((s) => s.loss) ?? [];
  if (losses.length < 10) {
    return notMeasured('stalledLoss', title, 'fewer than 10 training steps to judge', 'loss falls by more than 5% over the run, and below the loss of guessing', LESSONS.recognizing);
  }
  const k = Math.max(1, Math.floor(losses.length / 10));
  const start = mean(losses.slice(0, k));
  const end = mean(losses.slice(-k));
  const drop = start > 0 ? (start - end) / start : 0;
  const chance = guessingLoss(e.history!.loss, e.data.y);
  // Within 3% of the loss of guessing: whatever it did first, the network has learned nothing usable.
  const atChance = chance !== null && chance > 0 && end >= 0.97 * chance;
  const chanceText = chance === null ? '' : `; guessing from the target frequencies would give ${formatNumber(chance)}`;
  return {
    symptom: 'stalledLoss',
    title,
    status: drop < 0.01 || atChance ? 'problem' : drop < 0.05 ? 'warning' : 'ok',
    measured: drop,
    detail:
      `over ${losses.length} steps the loss went from ${formatNumber(start)} to ${formatNumber(end)} (mean of the first and last ${k} steps): a ${(100 * drop).toFixed(1)}% drop${chanceText}` +
      (atChance ? ': it ends at the loss of guessing' : ''),
    healthy: 'a drop of more than 5% over the run, ending clearly below the loss of guessing',
    source:
      "rule of thumb; a flat loss curve is the first symptom the lessons' sources list (\"the loss function fails to diminish\"). The loss of guessing is that of always predicting the target frequencies (binary: the entropy of the positive rate, ln 2 for balanced classes; multiclass: the entropy of the class frequencies; squared error: the targets' variance)",
    remedy: 'check the gradient verdicts above; if gradients vanish in a deep sigmoid stack, greedy layer-wise pre-training is the historical fix',
    lesson: e.info.activation === 'sigmoid' && hiddenKernels(e.gradients).length >= 5 ? LESSONS.preTraining : LESSONS.recognizing,
  };
}

/** The table of symptom checks, in report order. */
export const SYMPTOM_CHECKS: readonly SymptomCheck[] = [vanishing, tinyScale, exploding, saturation, deadUnits, updateRatio, stalledLoss];
