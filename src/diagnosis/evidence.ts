/**
 * What the symptom checks look at: one set of probe records of the model on a probe batch, and training
 * evidence (a given history, or a short trial run on a copy of the weights).
 */
import * as tf from '@tensorflow/tfjs';
import type { DataLike } from '../core/data';
import { modelInfo, ModelInfo } from '../models/info';
import { ActivationSnapshot, activationStats } from '../probes/activations';
import { GradientSnapshot, gradientNorms } from '../probes/gradients';
import { TimeGradientSnapshot, gradientOverTime } from '../probes/time';
import { History, train } from '../training/train';
import type { OptimizerName } from '../training/optimizers';

/** Everything a symptom check may read. */
export interface Evidence {
  info: ModelInfo;
  /** The data given to diagnose (for the loss of guessing). */
  data: DataLike;
  gradients: GradientSnapshot;
  activations: ActivationSnapshot | null;
  overTime: TimeGradientSnapshot | null;
  /** Root mean square of the probe batch's inputs: the size of the signal going in. */
  inputRms: number;
  history: History | undefined;
  /** Where the training numbers came from, in words. */
  training: string;
}

/** Trial-run settings (validated by diagnose). */
export interface TrialRun {
  steps: number;
  optimizer: OptimizerName;
  learningRate?: number;
  batchSize?: number;
  seed: number;
}

const PROBE_EXAMPLES = 256;

/** The first 256 examples (or all of them), as diagnose probes them. The caller disposes tensors it gets back. */
export function probeBatch(data: DataLike): DataLike {
  const n = data.x instanceof tf.Tensor ? data.x.shape[0] : (data.x as unknown[]).length;
  if (n <= PROBE_EXAMPLES) return data;
  if (data.x instanceof tf.Tensor) {
    return { x: data.x.slice(0, PROBE_EXAMPLES), y: (data.y as tf.Tensor).slice(0, PROBE_EXAMPLES), task: 'task' in data ? data.task : undefined };
  }
  return { ...(data as object), x: (data.x as unknown[]).slice(0, PROBE_EXAMPLES), y: (data.y as unknown[]).slice(0, PROBE_EXAMPLES) } as DataLike;
}

function rootMeanSquare(x: DataLike['x']): number {
  return tf.tidy(() => {
    const t = x instanceof tf.Tensor ? x : tf.tensor(x as number[][]);
    return t.square().mean().sqrt().dataSync()[0];
  });
}

function isSequenceData(data: DataLike): boolean {
  return data.x instanceof tf.Tensor ? data.x.rank === 3 : Array.isArray((data.x as unknown[][])[0]?.[0]);
}

/** Runs the probes on the probe batch and gets the training evidence. */
export async function gatherEvidence(model: tf.LayersModel, data: DataLike, probeData: DataLike, history: History | undefined, trial: TrialRun): Promise<Evidence> {
  const info = modelInfo(model);
  const gradients = gradientNorms(model, probeData);
  const activations = info.activationLayers.length ? activationStats(model, probeData) : null;
  const recurrentModel = (info.recurrentLayers?.length ?? 0) > 0;
  const overTime = recurrentModel && isSequenceData(data) ? gradientOverTime(model, probeData) : null;
  let training = 'none';
  if (history) {
    training = `the given history (${history.steps.length} steps, ${history.optimizer.name} lr ${history.optimizer.learningRate})`;
  } else if (trial.steps > 0) {
    history = await trialRun(model, data, trial);
    training = `a trial run of ${trial.steps} steps (${history.optimizer.name}, learning rate ${history.optimizer.learningRate}, batch ${history.batchSize}) on a copy of the weights, since restored`;
  }
  return { info, data, gradients, activations, overTime, inputRms: rootMeanSquare(probeData.x), history, training };
}

/** Trains for a few steps, recording update ratios, then puts the weights back. */
async function trialRun(model: tf.LayersModel, data: DataLike, trial: TrialRun): Promise<History> {
  const saved = model.getWeights().map((w) => tf.clone(w));
  try {
    return await train(model, data, {
      steps: trial.steps,
      optimizer: trial.optimizer,
      learningRate: trial.learningRate,
      batchSize: trial.batchSize,
      seed: trial.seed,
      quiet: true,
      probes: { every: Math.max(1, Math.floor(trial.steps / 5)), gradients: false, weights: false, activations: false, overTime: false, updates: true },
    });
  } finally {
    model.setWeights(saved);
    saved.forEach((t) => t.dispose());
  }
}
