/**
 * How far training moved the weights.
 *
 * A layer whose gradient vanished keeps its initial weights: the distance ‖W_end − W_start‖ / ‖W_start‖
 * is exactly 0 when not one weight changed (every update was too small to change a 32-bit float).
 */
import { fail } from '../core/check';
import type { WeightCopy } from '../probes/weights';
import type { LayerProfile } from './layers';

function checkCopy(where: string, copy: unknown, field: string): WeightCopy {
  if (copy === null || typeof copy !== 'object' || !Array.isArray((copy as WeightCopy).layers)) {
    fail(where, field, copy, 'a weight copy from copyWeights(model)');
  }
  return copy as WeightCopy;
}

/**
 * ‖W_now − W_start‖ / ‖W_start‖ for every layer of two weight copies: 0 = not moved at all, 0.1 = moved by a
 * tenth of its size. Sums are taken in 64-bit floats.
 *
 * @example
 *   const start = copyWeights(model);
 *   await train(model, data, { steps: 300 });
 *   distanceFromInitial(start, copyWeights(model));   // { layers: ['dense_01', ...], values: [0, 0, ..., 0.04] }
 */
export function distanceFromInitial(start: WeightCopy, now: WeightCopy): LayerProfile {
  const where = 'distanceFromInitial';
  const a = checkCopy(where, start, 'start');
  const b = checkCopy(where, now, 'now');
  const values = a.layers.map((layer) => {
    const later = b.layers.find((l) => l.name === layer.name);
    if (!later || later.values.length !== layer.values.length) {
      fail(where, 'now', `a copy without a matching '${layer.name}'`, 'a copy of the same model, taken with the same parameters option');
    }
    let moved = 0;
    let size = 0;
    for (let i = 0; i < layer.values.length; i++) {
      moved += (later.values[i] - layer.values[i]) ** 2;
      size += layer.values[i] ** 2;
    }
    return Math.sqrt(moved / size);
  });
  return { layers: a.layers.map((l) => l.name), values };
}
