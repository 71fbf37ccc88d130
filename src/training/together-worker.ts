/**
 * The code a training thread runs (threads.ts starts it): for each job, it rebuilds the models with `mlp`,
 * gives them the caller's weights, trains them together on one thread, and sends back the histories and the
 * final weights. Every tensor it makes is disposed before it answers.
 */
import * as tf from '@tensorflow/tfjs';
import { parentPort } from 'worker_threads';
import { ready } from '../core/backend';
import { MlpOptions, mlp } from '../models/mlp';
import type { GroupJob, GroupMessage, PlainTensor, TrainJob, WireData } from './threads';
import { trainHere } from './together';
import { train } from './train';
import { DataLike } from '../core/data';

const toTensor = (t: PlainTensor) => tf.tensor(t.values, t.shape, t.dtype);
const toPlain = (t: tf.Tensor): PlainTensor => ({ values: t.dataSync() as PlainTensor['values'], shape: t.shape.slice(), dtype: t.dtype as PlainTensor['dtype'] });

/** Sets the caller's GRADSCOPE_* variables, so that the same way of computing is chosen here. */
function useEnvironment(env: Record<string, string>): void {
  for (const key of Object.keys(process.env)) if (key.startsWith('GRADSCOPE_') && !(key in env)) delete process.env[key];
  Object.assign(process.env, env);
}

/** One model trained with `train` (trainEach's job): the caller's model rebuilt, trained, its final weights sent back. */
async function runTrain(job: TrainJob): Promise<GroupMessage> {
  useEnvironment(job.env);
  await ready({ backend: job.backend, quiet: true });
  const made: tf.Tensor[] = [];
  const model = mlp(job.model.options as unknown as MlpOptions);
  let answer: Extract<GroupMessage, { kind: 'done' }>;
  try {
    const weights = job.model.weights.map(toTensor);
    model.setWeights(weights);
    tf.dispose(weights);
    const data = (d: WireData): DataLike => {
      if ('arrays' in d) return d.arrays as DataLike;
      const x = toTensor(d.tensors.x);
      const y = toTensor(d.tensors.y);
      made.push(x, y);
      return d.tensors.task === undefined ? { x, y } : { x, y, task: d.tensors.task as never };
    };
    const options: Record<string, unknown> = { ...job.options };
    if (job.validation) options.validation = data(job.validation);
    if (job.probeData) options.probes = { ...(options.probes as object), data: data(job.probeData) };
    const history = await train(model, data(job.data), options);
    answer = { kind: 'done', histories: [history], weights: [model.getWeights().map(toPlain)], tensors: 0 };
  } finally {
    model.dispose();
    tf.dispose(made);
  }
  answer.tensors = tf.memory().numTensors;
  return answer;
}

async function run(job: GroupJob): Promise<GroupMessage> {
  useEnvironment(job.env);
  await ready({ backend: job.backend, quiet: true });
  const made: tf.Tensor[] = [];
  const models: tf.LayersModel[] = [];
  let answer: Extract<GroupMessage, { kind: 'done' }>;
  try {
    const plain = (d: GroupJob['data']) => {
      const x = toTensor(d.x);
      const y = toTensor(d.y);
      made.push(x, y);
      return d.task === undefined ? { x, y } : { x, y, task: d.task as never };
    };
    for (const m of job.models) {
      const model = mlp(m.options as unknown as MlpOptions);
      models.push(model);
      const weights = m.weights.map(toTensor);
      model.setWeights(weights);
      tf.dispose(weights);
    }
    const options = { ...job.options };
    if (job.probeData) options.probes = { ...(options.probes as object), data: plain(job.probeData) };
    let lastReport = 0;
    const report = (step: number, losses: number[]) => {
      if (Date.now() - lastReport < 200) return; // a progress line shows about 4 updates a second
      lastReport = Date.now();
      parentPort!.postMessage({ kind: 'progress', step, losses } satisfies GroupMessage);
    };
    const histories = await trainHere(models, plain(job.data), options, report);
    const weights = models.map((m) => m.getWeights().map(toPlain));
    // Histories are plain data (structured clone keeps NaN and Infinity; the display hook, a symbol, stays behind).
    answer = { kind: 'done', histories, weights, tensors: 0 };
  } finally {
    models.forEach((m) => m.dispose());
    tf.dispose(made);
  }
  answer.tensors = tf.memory().numTensors;
  return answer;
}

parentPort!.on('message', (job: GroupJob | TrainJob) => {
  ('kind' in job && job.kind === 'train' ? runTrain(job) : run(job as GroupJob)).then(
    (answer) => parentPort!.postMessage(answer),
    (error: unknown) => parentPort!.postMessage({ kind: 'error', message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined } satisfies GroupMessage),
  );
});
