/**
 * When the probes run, and on which examples.
 *
 * The probes run before the first step (step `startStep`), every `every` steps, and after the last step,
 * always on the same fixed probe batch, so that two records differ only because the weights changed. The
 * probe batch is `probes.data` when given, else the first 256 training examples.
 */
import * as tf from '@tensorflow/tfjs';
import { DataLike, Dataset, takeExamples } from '../core/data';

/** Examples in the default probe batch. */
export const PROBE_BATCH_SIZE = 256;

/** The fixed probe batch, and whether it holds tensors this module made (to dispose at the end). */
export function probeBatchFor(data: DataLike, given: DataLike | undefined): { data: DataLike; dispose(): void } {
  if (given) return { data: given, dispose: () => undefined };
  if (!(data.x instanceof tf.Tensor)) return { data: takeExamples(data as Dataset<unknown[]>, PROBE_BATCH_SIZE) as DataLike, dispose: () => undefined };
  const n = Math.min(PROBE_BATCH_SIZE, data.x.shape[0]);
  const x = data.x.slice(0, n);
  const y = (data.y as tf.Tensor).slice(0, n);
  return { data: { x, y, task: 'task' in data ? data.task : undefined }, dispose: () => [x, y].forEach((t) => t.dispose()) };
}

/** True when the probes run after step `step` (the s-th of `total` steps in this call). */
export function probesDue(step: number, s: number, total: number, every: number): boolean {
  return step % every === 0 || s === total;
}
