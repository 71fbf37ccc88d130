/**
 * When the probes run, and on which examples.
 *
 * The probes run before the first step (step `startStep`), every `every` steps, and after the last step,
 * always on the same fixed probe batch, so that two records differ only because the weights changed. The
 * probe batch is `probes.data` when given, else the first 256 training examples.
 */
import * as tf from '@tensorflow/tfjs';
import { DataLike, Dataset, takeExamples, toTensors } from '../core/data';
import { Random } from '../core/random';

/** Examples in the default probe batch. */
export const PROBE_BATCH_SIZE = 256;

/** The fixed probe batch, and whether it holds tensors this module made (to dispose at the end). */
export function probeBatchFor(data: DataLike, given: DataLike | undefined): { data: DataLike; dispose(): void } {
  if (given) return asTensors(given);
  if (!(data.x instanceof tf.Tensor)) return asTensors(takeExamples(data as Dataset<unknown[]>, PROBE_BATCH_SIZE) as DataLike);
  const n = Math.min(PROBE_BATCH_SIZE, data.x.shape[0]);
  const x = data.x.slice(0, n);
  const y = (data.y as tf.Tensor).slice(0, n);
  return { data: { x, y, task: 'task' in data ? data.task : undefined }, dispose: () => [x, y].forEach((t) => t.dispose()) };
}

/**
 * The probe batch as tensors, made once for the whole run (the same float32 numbers every probe would make
 * from the arrays at each call, without converting them again).
 */
function asTensors(batch: DataLike): { data: DataLike; dispose(): void } {
  if (batch.x instanceof tf.Tensor && batch.y instanceof tf.Tensor) return { data: batch, dispose: () => undefined };
  const t = toTensors(batch, 'train');
  return { data: { x: t.x, y: t.y, task: 'task' in batch ? batch.task : undefined }, dispose: () => t.dispose() };
}

/** True when the probes run after step `step` (the s-th of `total` steps in this call). */
export function probesDue(step: number, s: number, total: number, every: number): boolean {
  return step % every === 0 || s === total;
}

/**
 * The mini-batches of a run: the n examples in an order drawn from the seeded generator (a fresh permutation
 * at the start of every epoch when `shuffle`, else 0..n-1), cut into batches of `batchSize` examples; the last
 * batch of an epoch holds what is left. `epoch` counts the epochs begun (1 during the first).
 */
export class MiniBatches {
  epoch = 0;
  private order: number[] = [];
  private cursor: number;
  private readonly rng: Random;

  constructor(private readonly n: number, private readonly batchSize: number, seed: number, private readonly shuffle: boolean) {
    this.rng = new Random(seed);
    this.cursor = n;
  }

  /** The indices of the next mini-batch's examples. */
  next(): number[] {
    if (this.cursor >= this.n) {
      this.order = this.shuffle ? this.rng.permutation(this.n) : Array.from({ length: this.n }, (_, i) => i);
      this.cursor = 0;
      this.epoch++;
    }
    const indices = this.order.slice(this.cursor, this.cursor + this.batchSize);
    this.cursor += indices.length;
    return indices;
  }
}
