/**
 * The update probe: how large is one optimizer step compared with the weights it changes?
 *
 * For a weight tensor W, the update-to-weight ratio is ||W_after - W_before|| / ||W_before||. A common rule
 * of thumb (Karpathy, CS231n "Neural Networks Part 3", ratio of updates to weights) is that about 1e-3 is
 * healthy: much lower (1e-5 and below) and the layer is effectively frozen, which is how vanishing
 * gradients look to the optimizer; much higher (1e-1) and each step rewrites the layer, which is how an
 * exploding gradient or a too-large learning rate looks.
 *
 * The ratio is measured on the weights as stored, in float32. A float32 number w cannot change by less
 * than about |w| * 6e-8 (half its last digit), so an update far smaller than that is lost entirely: the
 * weight stays exactly the same and the probe reports the update as an underflow. In a deep sigmoid
 * network at initialization this is what happens to the first layers: they do not learn at all.
 */
import * as tf from '@tensorflow/tfjs';
import { Magnitude, magnitude, sumsOf } from './magnitude';
import { Parameter } from './parameters';

/** One weight tensor's update, summarised. */
export interface LayerUpdate {
  name: string;
  layer: string;
  weight: string;
  depth: number;
  /** ||W_after - W_before||. */
  updateNorm: number;
  /** ||W_before||. */
  weightNorm: number;
  /** updateNorm / weightNorm (null when the weights were all 0). */
  ratio: number | null;
  /** log10 of the ratio; null when the update was exactly 0 (underflow) or the ratio is undefined. */
  log10: number | null;
  /** True when the update was exactly 0 (the weights did not change at all in float32). */
  underflow: boolean;
}

/** The updates made by one optimizer step. */
export interface UpdateSnapshot {
  probe: 'updates';
  /** The step whose update this is (weights went from step - 1 to step). */
  step: number;
  layers: LayerUpdate[];
}

/** Copies the selected weights to the host in one transfer. */
export function readWeights(selected: Parameter[]): Float32Array {
  let host: Float32Array = new Float32Array(0);
  if (selected.length === 0) return host;
  tf.tidy(() => {
    host = tf.concat(selected.map((p) => p.variable.read().reshape([-1]))).dataSync() as Float32Array;
  });
  return host;
}

/** Compares weights read before and after a step (both laid out as by `readWeights`). */
export function summarizeUpdates(selected: Parameter[], before: Float32Array, after: Float32Array, step: number): UpdateSnapshot {
  let cursor = 0;
  const layers = selected.map((p) => {
    let sq = 0;
    for (let i = cursor; i < cursor + p.size; i++) {
      const d = after[i] - before[i];
      sq += d * d;
    }
    const weightNorm = Math.sqrt(sumsOf(before, cursor, cursor + p.size).sumSquares);
    cursor += p.size;
    const updateNorm = Math.sqrt(sq);
    const ratio = weightNorm > 0 ? updateNorm / weightNorm : null;
    const m: Magnitude = ratio === null ? { value: NaN, log10: null, underflow: updateNorm === 0 } : magnitude(ratio);
    return { name: p.name, layer: p.layer, weight: p.weight, depth: p.depth, updateNorm, weightNorm, ratio, log10: m.log10, underflow: updateNorm === 0 };
  });
  return { probe: 'updates', step, layers };
}
