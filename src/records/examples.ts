/**
 * What the activation probe says about the examples and the slopes, layer by layer.
 *
 *   - spread across examples: the standard deviation of a unit's output over the examples, averaged over
 *     units. When it falls towards 0 with depth, deep layers give every example the same output and the
 *     network cannot tell them apart (a deep sigmoid stack at initialisation does this).
 *   - σ'(z): the mean slope of the activation at each layer. The backward pass multiplies the gradient by
 *     f'(z) at every layer, so a mean slope of 0.2 in each of 20 layers is a factor 0.2^20 ≈ 1e-14.
 */
import { fail } from '../core/check';
import type { ActivationSnapshot } from '../probes/activations';
import type { LayerProfile } from './layers';

function checkActivations(where: string, snapshot: unknown): ActivationSnapshot {
  if (snapshot === null || typeof snapshot !== 'object' || (snapshot as ActivationSnapshot).probe !== 'activations') {
    fail(where, 'snapshot', snapshot, 'an activation snapshot from activationStats(model, data)');
  }
  return snapshot as ActivationSnapshot;
}

/**
 * Spread across examples at every hidden layer (mean over units of the standard deviation over examples).
 *
 * @example
 *   spreadAcrossExamples(activationStats(model, data));   // { layers: ['activation_01', ...], values: [0.21, ..., 0.002] }
 */
export function spreadAcrossExamples(snapshot: ActivationSnapshot): LayerProfile {
  const s = checkActivations('spreadAcrossExamples', snapshot);
  return { layers: s.layers.map((l) => l.name), values: s.layers.map((l) => l.spread) };
}

/**
 * The mean slope f'(z) of every hidden layer (sigmoid: at most 0.25; ReLU: the share of active units).
 * Layers whose activation's slope cannot be read off its output (elu, gelu, ...) are left out.
 *
 * @example
 *   slopeByLayer(activationStats(sigmoidNet, data)).values;   // [0.21, 0.2, ...]: each layer multiplies the gradient by about 0.2
 */
export function slopeByLayer(snapshot: ActivationSnapshot): LayerProfile {
  const s = checkActivations('slopeByLayer', snapshot);
  const known = s.layers.filter((l) => l.slope !== null);
  return { layers: known.map((l) => l.name), values: known.map((l) => l.slope as number) };
}
