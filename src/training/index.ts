/**
 * Training: losses, optimizers, clipping and the training loop that runs the probes.
 *
 * @example
 *   import { train } from 'gradscope';
 *   const history = await train(model, data, { optimizer: 'adam', steps: 300 });
 */
export type { LossName } from '../core/losses';
export { LOSSES, lossFunction } from '../core/losses';
export type { OptimizerName } from './optimizers';
export { OPTIMIZERS, DEFAULT_LEARNING_RATE } from './optimizers';
export type { ClipOptions } from './clipping';
export { clipGradients } from './clipping';
export type { TrainOptions, StepRecord, ClippingReport, StopReport, History } from './train';
export { train, describeHistory } from './train';
export type { TogetherOptions } from './together';
export { trainTogether } from './together';
export { trainEach } from './each';
export { trainGroups } from './groups';
export type { TogetherGroup } from './groups';
export type { Evaluation } from './evaluate';
export { evaluate } from './evaluate';
export type { Baselines, BaselineScore, BaselineOptions } from './baselines';
export { baselines } from './baselines';
