/**
 * Models: TensorFlow.js layers models with exact seeded initial weights and stable layer names.
 *
 * @example
 *   import { mlp } from 'gradscope';
 *   const model = mlp({ inputs: 2, outputs: 1, depth: 10, width: 32, activation: 'tanh', init: 'glorotNormal' });
 */
export * from './initializers';
export * from './info';
export * from './mlp';
export * from './recurrent';
