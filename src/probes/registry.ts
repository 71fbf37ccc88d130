/**
 * The probe registry: every probe that `train` and `probeCallback` can run at a cadence, in one table.
 *
 * The log of a run (`history.gradients`, `history.activations`, ...), the `probes` options (`{gradients:
 * false}`), their defaults and descriptions all come from this table. Adding a probe is its file (a function
 * `(model, data, options) => record`) plus one entry here; see "Adding a probe" in the README.
 *
 * Two entries are measured by the training loop itself rather than on the probe batch: `updates` (the
 * change one step made to the weights) and `batchGradients` (the step's own gradients).
 */
import * as tf from '@tensorflow/tfjs';
import type { DataLike } from '../core/data';
import type { LossName } from '../core/losses';
import type { ModelInfo } from '../models/info';
import { ActivationSnapshot, activationStats } from './activations';
import { GradientSnapshot, gradientNorms } from './gradients';
import type { ParameterSelection } from './parameters';
import { TimeGradientSnapshot, gradientOverTime } from './time';
import { UnitChoice, UnitInputSnapshot, unitInputs } from './unit-inputs';
import type { UpdateSnapshot } from './updates';
import { WeightSnapshot, weightStats } from './weights';

/** What a probe gets when it runs at a step. */
export interface ProbeRun {
  model: tf.LayersModel;
  data: DataLike;
  step: number;
  loss?: LossName;
  parameters: ParameterSelection;
  histograms: boolean;
  /** The unit whose inputs `unitInputs` records (the `unit` probe option), if any. */
  unit: UnitChoice | null;
}

/** One probe of the registry. `R` is the record it appends to the log. */
export interface ProbeEntry<R> {
  /** What it records, for the option's documentation and `describeHistory`. */
  description: string;
  /** Whether it runs when the options do not say (it may depend on the model). */
  defaultOn(info: ModelInfo): boolean;
  /** Measures once on the probe batch; null for the probes the training loop measures itself. */
  run: ((at: ProbeRun) => R) | null;
}

function entry<R>(e: ProbeEntry<R>): ProbeEntry<R> {
  return e;
}

export const PROBES = {
  gradients: entry<GradientSnapshot>({
    description: 'per-layer gradient norms on the probe batch',
    defaultOn: () => true,
    run: ({ model, data, step, loss, parameters, histograms }) => gradientNorms(model, data, { step, loss, parameters, histograms }),
  }),
  batchGradients: entry<GradientSnapshot>({
    description: "per-layer gradient norms of every step's own mini-batch (in train only)",
    defaultOn: () => false,
    run: null,
  }),
  updates: entry<UpdateSnapshot>({
    description: 'update-to-weight ratios of the step before each probe',
    defaultOn: () => true,
    run: null,
  }),
  weights: entry<WeightSnapshot>({
    description: 'weight sizes',
    defaultOn: () => true,
    run: ({ model, step, parameters, histograms }) => weightStats(model, { step, parameters, histograms }),
  }),
  activations: entry<ActivationSnapshot>({
    description: 'activation statistics (for models with activation layers)',
    defaultOn: (info) => info.activationLayers.length > 0,
    run: ({ model, data, step }) => activationStats(model, data, { step }),
  }),
  overTime: entry<TimeGradientSnapshot>({
    description: '||dLoss/dx_t|| per time step (for recurrent models)',
    defaultOn: (info) => (info.recurrentLayers?.length ?? 0) > 0,
    run: ({ model, data, step, loss }) => gradientOverTime(model, data, { step, loss }),
  }),
  unitInputs: entry<UnitInputSnapshot>({
    description: "one unit's input z on every probe example, training mode (the unit: probes.unit; on when it is given)",
    defaultOn: () => false,
    run: ({ model, data, step, unit }) => unitInputs(model, data, { ...unit!, step }),
  }),
};

export type ProbeName = keyof typeof PROBES;

/** The record type of a probe. */
export type RecordOf<K extends ProbeName> = (typeof PROBES)[K] extends ProbeEntry<infer R> ? R : never;

/** The probe names, in registry order. */
export const PROBE_NAMES = Object.keys(PROBES) as ProbeName[];
