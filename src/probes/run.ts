/**
 * Running the probes of the registry at a cadence, in the training loop or in a model.fit callback, and
 * collecting their records in one plain object.
 */
import * as tf from '@tensorflow/tfjs';
import { checkBool, checkInt, checkKeys, checkOneOf, fail } from '../core/check';
import { DataLike } from '../core/data';
import { LossName } from '../core/losses';
import { modelInfo } from '../models/info';
import { ParameterSelection } from './parameters';
import { PROBES, PROBE_NAMES, ProbeName, RecordOf } from './registry';
import { UnitChoice, checkUnitChoice } from './unit-inputs';

/** Which probes run (one flag per probe of the registry; defaults there), how often, and on what. */
export type ProbeOptions = { [K in ProbeName]?: boolean } & {
  /** Run the probes every this many steps (default 10), and before the first step. */
  every?: number;
  /** A fixed probe batch; default: the first 256 training examples. */
  data?: DataLike;
  /** Add log-magnitude histograms to gradient and weight records (default false). */
  histograms?: boolean;
  /** 'kernels' (default) or 'all' (also biases and batch-norm parameters). */
  parameters?: ParameterSelection;
  /** The unit whose input z the `unitInputs` probe records, e.g. { layer: 'activation_03', index: 0 } (turns that probe on). */
  unit?: UnitChoice;
};

export const PROBE_FIELDS = ['every', 'data', ...PROBE_NAMES, 'histograms', 'parameters', 'unit'];

/** Probe records collected over a run: one list per probe of the registry, in step order. */
export type ProbeLog = { [K in ProbeName]: RecordOf<K>[] };

export function emptyProbeLog(): ProbeLog {
  return Object.fromEntries(PROBE_NAMES.map((name) => [name, []])) as unknown as ProbeLog;
}

/** Probe options with every default filled in. */
export type ResolvedProbes = { [K in ProbeName]: boolean } & {
  every: number;
  histograms: boolean;
  parameters: ParameterSelection;
  unit: UnitChoice | null;
};

/** Validates probe options and fills in defaults for `model`. */
export function resolveProbes(where: string, model: tf.LayersModel, options: ProbeOptions, field = 'probes'): ResolvedProbes {
  checkKeys(where, options, PROBE_FIELDS, field);
  const info = modelInfo(model);
  const flag = (name: keyof ProbeOptions, fallback: boolean) =>
    options[name] === undefined ? fallback : checkBool(where, `${field}.${name}`, options[name]);
  const unit = options.unit === undefined ? null : checkUnitChoice(where, model, options.unit, `${field}.unit`);
  const flags = Object.fromEntries(PROBE_NAMES.map((name) => [name, flag(name, name === 'unitInputs' ? unit !== null : PROBES[name].defaultOn(info))])) as { [K in ProbeName]: boolean };
  if (flags.unitInputs && !unit) fail(where, `${field}.unit`, undefined, "the unit whose inputs unitInputs records, e.g. { layer: 'activation_03', index: 0 }");
  return {
    every: checkInt(where, `${field}.every`, options.every ?? 10, 1, Number.MAX_SAFE_INTEGER),
    ...flags,
    histograms: flag('histograms', false),
    parameters: checkOneOf(where, `${field}.parameters`, options.parameters ?? 'kernels', ['kernels', 'all'] as const),
    unit,
  };
}

/** Runs, once, every probe of the registry that is on and measures on the probe batch, appending its record. */
export function runProbes(model: tf.LayersModel, data: DataLike, step: number, probes: ResolvedProbes, log: ProbeLog, loss?: LossName): void {
  const at = { model, data, step, loss, parameters: probes.parameters, histograms: probes.histograms, unit: probes.unit };
  for (const name of PROBE_NAMES) {
    const run = PROBES[name].run;
    if (probes[name] && run) (log[name] as unknown[]).push(run(at));
  }
}
