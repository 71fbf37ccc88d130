/**
 * Models: TensorFlow.js layers models with exact seeded initial weights and stable layer names.
 *
 * @example
 *   import { mlp } from 'gradscope';
 *   const model = mlp({ inputs: 2, outputs: 1, depth: 10, width: 32, activation: 'tanh', init: 'glorotNormal' });
 */
export type { InitName, InitRule, ExactInitializerConfig } from './initializers';
export { INITIALIZERS, ExactInitializer, initializer, initialValues } from './initializers';
export type { ActivationName, ActivationLayer, ModelInfo } from './info';
export { ACTIVATIONS, SATURATING, RELU_FAMILY, modelInfo } from './info';
export type { MlpOptions, BatchNormPlacement } from './mlp';
export { ResidualScale, mlp } from './mlp';
export type { CellName, RecurrentOptions } from './recurrent';
export { CELLS, recurrent } from './recurrent';
export { denseLayer } from './dense';
