/**
 * Records: plain functions over probe records and histories. Everything a lesson used to compute by hand
 * (a median over seeds, a layer's value, the first/last ratio, a loss curve, the distance from the initial
 * weights) in one place, so that an experiment reads as the experiment.
 */
export { mean, median, quantile, summarize, summarizeSeries, overSeeds } from './stats';
export type { Summary, SeriesSummary } from './stats';
export { layerValue, byLayer, firstToLast, factorPerLayer, layerStepGrid, layerOverTraining, lastOf } from './layers';
export type { SnapshotOfLayers, LayerField, LayerProfile, LayerReadOptions, FirstToLastOptions, LayerStepGrid } from './layers';
export { lossSeries, smooth, tailMean, headMean } from './history';
export type { LossSeries, LossSeriesOptions, StepMetric } from './history';
export { distanceFromInitial } from './weights';
export { spreadAcrossExamples, slopeByLayer } from './examples';
