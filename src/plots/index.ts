/**
 * Figure builders: plain records in, plain Plotly JSON out ({data, layout}). No tensors, no tfjs.
 * Show a figure with `await show(fig)`, save it with `await saveFigure(fig, 'path/name')`.
 */
export { figureName, figureSummary, withName, FIGURE_NAME_PATTERN } from './figure';
export type { Figure, FigureMeta, Layout as FigureLayout, Trace as FigureTrace } from './figure';
export {
  PALETTE,
  colorFor,
  setColor,
  resetColors,
  sequentialColor,
  logRange,
  logAxis,
  linearAxis,
  IMAGE_WIDTH,
  IMAGE_HEIGHT,
} from './style';
export type { LogRange } from './style';
export { activationFigure, ACTIVATION_CURVES } from './activation';
export type { ActivationSpec, ActivationCurveName, ActivationFigureOptions, ScalarFunction } from './activation';
export { byLayerFigure, BY_LAYER_QUANTITIES } from './by-layer';
export type { ByLayerQuantity, ByLayerSeries, ByLayerOptions, LayerSeries, SnapshotSeries, SeedSeries } from './by-layer';
export { gradientHeatmapFigure, normsOverTrainingFigure } from './gradients';
export type { GridLike, GradientHeatmapOptions, NormsOverTrainingOptions } from './gradients';
export { histogramSliderFigure } from './histograms';
export type { HistogramStep, HistogramLike, LogHistogramLike, LinearHistogramLike, HistogramSliderOptions } from './histograms';
export { unitBarsFigure } from './units';
export type { UnitSeries, UnitBarsOptions } from './units';
export { lossCurvesFigure } from './training';
export { baselineLines } from './baselines';
export type { BaselineLinesOptions } from './baselines';
export type { HistorySeries, SeedHistories, LossCurvesOptions } from './training';
export { gradientThroughTimeFigure } from './recurrent';
export type { TimeSeries, GradientThroughTimeOptions } from './recurrent';
export { lossSurfaceFigure } from './surface';
export type { LossGrid, Trajectory, LossSurfaceOptions } from './surface';
