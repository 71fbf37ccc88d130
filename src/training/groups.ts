/**
 * Several experiments, each a group of seeds trained together, side by side on the cores:
 * `trainGroups([{ models, options }, ...], data)` returns what `trainTogether(models, data, options)` called
 * for each group one after another returns, while the groups train at the same time, one per thread.
 *
 * Why: `trainTogether` alone splits one group's models over the cores, and three seeds on two cores split
 * 1 + 2, so one core waits for the other half of the time. Whole groups side by side keep both busy: each
 * thread trains the next group waiting with `trainTogether` on that thread alone. Each history and each
 * final weight is, bit for bit, the one the calls one after another give (trainTogether gives the same
 * numbers on any number of threads; together-threads.ts says why).
 */
import * as tf from '@tensorflow/tfjs';
import { backendInfo } from '../core/backend';
import { fail, showAs } from '../core/check';
import { DataLike, toTensors } from '../core/data';
import { checkData } from '../core/model-checks';
import { modelInfo } from '../models/info';
import { longestFirst, sideBySide } from './each';
import { ProgressLine } from './progress';
import { GroupResult, threadBudget, trainGroupOnWorker } from './threads';
import { PAYS_FROM_SECONDS, jobFor, secondsPerModelStep, setPlainWeights } from './together-threads';
import { TogetherOptions, trainTogether } from './together';
import { History, describeHistory } from './train';

const where = 'trainGroups';

/** One group of `trainGroups`: models of one `mlp` shape, trained together with these options. */
export interface TogetherGroup {
  models: tf.LayersModel[];
  options?: TogetherOptions;
}

/**
 * How many threads to train the groups on: at most one per core and one per group; 1 (the groups one after
 * another, each with `trainTogether` as it is) on a backend other than wasm or cpu, when a model is not built
 * by `mlp` or appears twice, when a group asks for `threads`, or when the whole run is under half a second.
 */
function threadsFor(groups: TogetherGroup[], seconds: number[] | null): number {
  const backend = backendInfo().backend;
  if ((backend !== 'wasm' && backend !== 'cpu') || tf.getBackend() !== backend) return 1;
  const threads = Math.min(groups.length, threadBudget(where));
  const models = groups.flatMap((g) => g.models);
  if (threads < 2 || seconds === null || new Set(models).size !== models.length) return 1;
  if (groups.some((g) => g.options?.threads !== undefined || !g.models.every((m) => modelInfo(m).kind === 'mlp' && modelInfo(m).options !== undefined))) return 1;
  return seconds.reduce((a, b) => a + b, 0) < PAYS_FROM_SECONDS ? 1 : threads;
}

/** Each group's time on one core, roughly (`secondsPerModelStep`), or null when the data or an option would be refused. */
function secondsOf(groups: TogetherGroup[], data: DataLike): number[] | null {
  try {
    checkData('trainTogether', data);
    const n = data.x instanceof tf.Tensor ? data.x.shape[0] : (data.x as unknown[]).length;
    return groups.map(({ models, options = {} }) => {
      if (options.probes && options.probes.data !== undefined) checkData('trainTogether', options.probes.data, 'probes.data');
      const batch = options.batchSize ?? Math.min(32, n);
      const steps = options.steps ?? (options.epochs ?? 10) * Math.ceil(n / batch);
      const seconds = steps * models.length * secondsPerModelStep(models[0], batch);
      if (!Number.isFinite(seconds)) throw new Error('not a finite run');
      return seconds;
    });
  } catch {
    return null; // trainTogether itself says what is wrong, with the plain calls
  }
}

/**
 * Trains each group's models together, as `trainTogether(group.models, data, group.options)` would, the
 * groups one per thread at the same time, and returns each group's histories (in group order, each in model
 * order); the models end up trained, as after those calls. Use it for several experiments over the same
 * seeds, such as two depths or two learning rates with three seeds each.
 *
 * Threads: this thread trains one group and worker threads (threads.ts) the others, each thread the next
 * group waiting, the longest first (by the number of models, steps, layers and weights). The groups go one after another (each `trainTogether` then splits its own models over the
 * cores) on a backend other than wasm or cpu, with GRADSCOPE_THREADS=1, when a model is not built by `mlp`
 * or appears twice, when a group's options give `threads`, or for a run under about half a second. If a
 * group's training fails, no further group starts and trainGroups rejects with the first error in group order.
 *
 * @example
 *   const group = (depth: number) => ({ models: [0, 1, 2].map((seed) => mlp({ inputs: 2, outputs: 1, depth, width: 16, activation: 'relu', init: 'heNormal', seed })), options: { steps: 400, batchSize: 64 } });
 *   const [shallow, deep] = await trainGroups([group(10), group(30)], moons({ n: 256 }));
 *   deep.map((h) => h.steps.at(-1).loss);   // three final losses of the 30-layer network
 */
export async function trainGroups(groups: TogetherGroup[], data: DataLike): Promise<History[][]> {
  if (!Array.isArray(groups) || groups.length < 1) fail(where, 'groups', groups, 'an array of one or more { models, options }');
  groups.forEach((g, i) => {
    if (g === null || typeof g !== 'object' || !Array.isArray(g.models)) fail(where, `groups[${i}]`, g, 'an object { models, options } with an array of models from mlp()');
  });
  const seconds = secondsOf(groups, data);
  const threads = threadsFor(groups, seconds);
  const results: History[][] = [];
  if (threads < 2) {
    for (const g of groups) results.push(await trainTogether(g.models, data, g.options ?? {}));
    return results;
  }
  const progress = new ProgressLine(!groups.every((g) => g.options?.quiet));
  const started = Date.now();
  const all = toTensors(data, where);
  const fromWorkers: (GroupResult | undefined)[] = [];
  try {
    const errors = await sideBySide(groups.length, threads, {
      here: async (k) => void (results[k] = await trainTogether(groups[k].models, data, { ...groups[k].options, quiet: true, threads: 1 })),
      there: async (k) => {
        const { models, options = {} } = groups[k];
        const job = jobFor({ models, data, all, options: { ...options } as Record<string, unknown> }, models.map((_, i) => i));
        fromWorkers[k] = await trainGroupOnWorker(job, () => undefined);
      },
      finished: (done) => progress.update(`${done}/${groups.length} groups trained on ${threads} threads`),
    }, longestFirst(seconds!));
    const failed = errors.length ? Math.min(...errors.map((e) => e.k)) : groups.length;
    fromWorkers.forEach((r, k) => {
      if (!r || k >= failed) return;
      groups[k].models.forEach((m, i) => setPlainWeights(m, r.weights[i]));
      results[k] = (r.histories as History[]).map((h) => showAs(h, () => describeHistory(h)));
    });
    if (errors.length) throw errors.find((e) => e.k === failed)!.error;
  } finally {
    all.dispose();
  }
  progress.finish(`trained ${groups.length} groups of models, each group together, on ${threads} threads in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return results;
}
