/**
 * Probes: small functions that look inside a model and return plain JSON records (no tensors).
 *
 * @example
 *   import { gradientNorms } from 'gradscope';
 *   gradientNorms(model, data).layers.map((l) => [l.name, l.norm]);
 */
export * from './magnitude';
export * from './parameters';
export * from './gradients';
export * from './activations';
export * from './weights';
export * from './time';
