/**
 * diagnose: run the probes on a model and say, symptom by symptom, whether its gradients are healthy.
 *
 * The work is split in three: `evidence.ts` measures (probe records on a probe batch, and a short trial
 * run or a given history), `symptoms.ts` holds the table of symptom checks (one small function each:
 * vanishing, tiny scale, exploding, saturation, dead units, update ratio, stalled loss), and this file
 * checks the arguments, runs every check of the table and writes the report. The lessons a verdict points
 * at are data (`lessons.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { assertReady } from '../core/backend';
import { checkBool, checkInt, checkKeys, checkNumber, checkOneOf, fail, showAs } from '../core/check';
import { DataLike } from '../core/data';
import { checkData, checkModel } from '../core/model-checks';
import { checkStepBudget } from '../models/build';
import type { ActivationSnapshot } from '../probes/activations';
import type { GradientSnapshot } from '../probes/gradients';
import type { TimeGradientSnapshot } from '../probes/time';
import type { History } from '../training/train';
import { OPTIMIZERS, OptimizerName } from '../training/optimizers';
import { gatherEvidence, probeBatch } from './evidence';
import { SYMPTOM_CHECKS, Verdict, VerdictStatus } from './symptoms';

export type { Symptom, Verdict, VerdictStatus } from './symptoms';
export { LESSONS } from './lessons';

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

/**
 * Runs the probes on `model` with `data` and returns one verdict per symptom. Without a `history`, it
 * trains a copy of the current weights for `trialSteps` steps to see the loss move and the update sizes,
 * then puts the weights back. Prints the report unless `quiet: true`.
 *
 * @example
 *   const report = await diagnose(model, spirals({ n: 512 }), { quiet: true });
 *   report;   // as the last line of a notebook cell: shows the report
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
  const examples = data.x instanceof tf.Tensor ? data.x.shape[0] : (data.x as unknown[]).length;
  checkStepBudget(where, 'data', data, model, data.x, Math.min(examples, 256));
  if (trialSteps > 0 && options.history === undefined) checkStepBudget(where, 'batchSize', options.batchSize ?? 32, model, data.x, Math.min(examples, options.batchSize ?? 32));
  if (options.history !== undefined && (typeof options.history !== 'object' || !Array.isArray(options.history.steps))) {
    fail(where, 'history', options.history, 'a History returned by train()');
  }
  const probeData = probeBatch(data);
  try {
    const evidence = await gatherEvidence(model, data, probeData, options.history, {
      steps: trialSteps,
      optimizer,
      learningRate: options.learningRate,
      batchSize: options.batchSize,
      seed: options.seed ?? 0,
    });
    const verdicts = SYMPTOM_CHECKS.map((check) => check(evidence));
    const diagnosis: Diagnosis = {
      model: evidence.info.summary,
      examples: evidence.gradients.examples,
      training: evidence.training,
      verdicts,
      overall: worst(verdicts.map((v) => v.status)),
      text: '',
      gradients: evidence.gradients,
      activations: evidence.activations,
      overTime: evidence.overTime,
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
    if (v.status !== 'ok') lines.push(`           try: ${v.remedy}  (lesson: ${v.lesson})`);
  }
  lines.push('', `overall: ${d.overall}`);
  return lines.join('\n');
}
