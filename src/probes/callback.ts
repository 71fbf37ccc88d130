/**
 * Probes for users who train with tfjs's own `model.fit`: a callback that runs the probes on a fixed
 * probe batch every few batches and keeps the records.
 */
import * as tf from '@tensorflow/tfjs';
import { checkData, checkModel } from '../core/model-checks';
import { DataLike } from '../core/data';
import { checkKeys, checkOneOf } from '../core/check';
import { LOSSES, LossName } from '../core/losses';
import { Parameter, selectParameters } from './parameters';
import { ProbeLog, ProbeOptions, PROBE_FIELDS, ResolvedProbes, emptyProbeLog, resolveProbes, runProbes } from './run';
import { readWeights, summarizeUpdates } from './updates';
import { DEFAULT_HISTORY_LIMIT, boundHistory } from './bound';
import { PROBE_NAMES } from './registry';

/** A tfjs callback that also holds the probe records it collected. */
export interface ProbeCallback {
  /** Pass this to model.fit: `callbacks: [probe.callback]`. */
  callback: tf.CustomCallback;
  /**
   * The records so far (plain JSON), one list per probe; at most about 1000 per list, as a `train` history
   * (a longer fit keeps every k-th record, the first and the newest: see probes/bound.ts).
   */
  records: ProbeLog;
  /** Batches seen so far (the step number in the records). */
  steps(): number;
}

/**
 * Makes a model.fit callback that probes `model` on the fixed batch `data` every `every` batches (and
 * before the first). The step of a record is the number of batches trained so far.
 *
 * @example
 *   const probe = probeCallback(model, takeExamples(data, 256), { every: 20 });
 *   model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
 *   await model.fit(x, y, { epochs: 5, batchSize: 32, callbacks: [probe.callback] });
 *   probe.records.gradients;   // GradientSnapshot[]
 */
export function probeCallback(model: tf.LayersModel, data: DataLike, options: Omit<ProbeOptions, 'data' | 'batchGradients'> & { loss?: LossName } = {}): ProbeCallback {
  const where = 'probeCallback';
  checkModel(where, model);
  checkData(where, data);
  checkKeys(where, options, [...PROBE_FIELDS.filter((f) => f !== 'data' && f !== 'batchGradients'), 'loss']);
  const { loss, ...rest } = options;
  if (loss !== undefined) checkOneOf(where, 'loss', loss, LOSSES);
  const probes: ResolvedProbes = resolveProbes(where, model, rest, 'options');
  const records = emptyProbeLog();
  let step = 0;
  let selected: Parameter[] = [];
  let before: Float32Array | undefined;
  const callback = new tf.CustomCallback({
    onTrainBegin: async () => {
      selected = selectParameters(model, probes.parameters);
      if (step === 0) runProbes(model, data, 0, probes, records, loss);
    },
    onBatchBegin: async () => {
      before = probes.updates && (step + 1) % probes.every === 0 ? readWeights(selected) : undefined;
    },
    onBatchEnd: async () => {
      step++;
      if (before) {
        records.updates.push(summarizeUpdates(selected, before, readWeights(selected), step));
        before = undefined;
      }
      if (step % probes.every === 0) runProbes(model, data, step, probes, records, loss);
      boundHistory(records, PROBE_NAMES, DEFAULT_HISTORY_LIMIT);
    },
  });
  return { callback, records, steps: () => step };
}
