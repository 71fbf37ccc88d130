/**
 * gradscope/advanced: every name of the library, the everyday ones of `gradscope` and the building blocks
 * behind them (chart styles and axes, histogram bins, Chromium helpers, initialiser classes, seeded random
 * numbers, probe internals). For extending the library or testing it; lessons use `gradscope`.
 *
 * @example
 *   import { Random, logHistogram, renderImage } from 'gradscope/advanced';
 */
export * from './index';
export * from './core/random';
export { BACKENDS, assertReady } from './core/backend';
export { lossFunction, resolveLoss, accuracyTensor, outputActivation } from './core/losses';
export type { LossFn } from './core/losses';
export * from './core/check';
export * from './core/model-checks';
export { clearOutput, displayBundle, notebookWriter } from './core/notebook';
export type { DisplayMessage, DisplayWriter } from './core/notebook';
export * from './datasets/index';
export * from './models/index';
export * from './probes/index';
export * from './training/index';
export * from './records/index';
export * from './diagnosis/index';
export * from './plots/index';
export * from './export/index';
export { PLOTLY_MIME, inNotebook } from './display/index';
export type { MimeBundle, LiveChartOptions } from './display/index';
export * from './lessons/index';
