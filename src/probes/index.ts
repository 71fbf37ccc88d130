/**
 * Probes: small functions that look inside a model and return plain JSON records (no tensors).
 *
 * @example
 *   import { gradientNorms } from 'gradscope';
 *   gradientNorms(model, data).layers.map((l) => [l.name, l.norm]);
 */
export type { Magnitude, LogHistogram, TensorSize } from './magnitude';
export {
  magnitude,
  tensorSize,
  logHistogram,
  histogramEdgesLog10,
  HISTOGRAM_LOG10_MIN,
  HISTOGRAM_LOG10_MAX,
  HISTOGRAM_BINS_PER_DECADE,
  HISTOGRAM_BIN_COUNT,
} from './magnitude';
export type { Parameter, ParameterSelection } from './parameters';
export { parametersOf } from './parameters';
export type { LayerGradient, GradientSnapshot, GradientNormsOptions } from './gradients';
export { gradientNorms } from './gradients';
export type { LayerActivationGradient, ActivationGradientSnapshot, ActivationGradientsOptions } from './activation-gradients';
export { activationGradients } from './activation-gradients';
export type { LayerActivation, ActivationSnapshot, ActivationStatsOptions, ValueHistogram } from './activations';
export { VALUE_HISTOGRAM_LOW, VALUE_HISTOGRAM_HIGH, VALUE_HISTOGRAM_BIN_WIDTH, activationStats } from './activations';
export type { LayerWeights, WeightSnapshot, WeightCopy } from './weights';
export { weightStats, copyWeights } from './weights';
export type { TimeGradientSnapshot } from './time';
export { gradientOverTime } from './time';
export type { UnitChoice, UnitInputSnapshot, UnitInputsOptions } from './unit-inputs';
export { unitInputs } from './unit-inputs';
export type { LayerUpdate, UpdateSnapshot } from './updates';
export type { ProbeOptions, ProbeLog } from './run';
export { PROBES, PROBE_NAMES } from './registry';
export type { ProbeName, ProbeEntry, ProbeRun, RecordOf } from './registry';
export type { ProbeCallback } from './callback';
export { probeCallback } from './callback';
