/**
 * Writes models, weights, inputs and gradscope's per-tensor gradient norms to JSON, so an independent
 * autodiff engine (PyTorch, see torch_check.py) can recompute the norms from the same numbers.
 *
 *   npx ts-node --transpile-only test/library/crosscheck/export.ts /tmp/gradscope-crosscheck.json
 */
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { ready } from '../../../src/core/backend';
import { DataLike, MlpOptions, RecurrentOptions, addingProblem, gradientNorms, mlp, parametersOf, recurrent, spirals, temporalOrder } from '../../../src/index';

export interface CrossCheckCase {
  name: string;
  kind: 'mlp' | 'recurrent';
  options: Record<string, unknown>;
  loss: string;
  x: unknown;
  y: number[][];
  params: { name: string; layer: string; weight: string; shape: number[]; values: number[] }[];
  /** gradscope's gradient norm for every trainable tensor, by record name. */
  norms: Record<string, number>;
  lossValue: number;
}

export function crossCheckCases(): { name: string; kind: 'mlp' | 'recurrent'; options: MlpOptions | RecurrentOptions; data: DataLike }[] {
  const points = spirals({ n: 64, seed: 3 });
  const cases: { name: string; kind: 'mlp' | 'recurrent'; options: MlpOptions | RecurrentOptions; data: DataLike }[] = [];
  const activations = ['sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'selu', 'gelu', 'swish', 'mish', 'softsign', 'linear'] as const;
  for (const activation of activations) {
    cases.push({ name: `mlp ${activation}`, kind: 'mlp', options: { inputs: 2, outputs: 1, depth: 6, width: 16, activation, init: 'glorotNormal', seed: 1 }, data: points });
  }
  cases.push({ name: 'mlp sigmoid depth 20', kind: 'mlp', options: { inputs: 2, outputs: 1, depth: 20, width: 64, activation: 'sigmoid', init: 'glorotNormal', seed: 0 }, data: points });
  cases.push({ name: 'mlp relu batch norm before', kind: 'mlp', options: { inputs: 2, outputs: 1, depth: 5, width: 16, activation: 'relu', init: 'heNormal', batchNorm: 'before', seed: 2 }, data: points });
  cases.push({ name: 'mlp tanh batch norm after', kind: 'mlp', options: { inputs: 2, outputs: 1, depth: 5, width: 16, activation: 'tanh', batchNorm: 'after', seed: 3 }, data: points });
  cases.push({ name: 'mlp relu residual', kind: 'mlp', options: { inputs: 2, outputs: 1, depth: 8, width: 16, activation: 'relu', init: 'heNormal', residual: true, seed: 4 }, data: points });
  cases.push({ name: 'mlp gelu residual, projection, scale, batch norm', kind: 'mlp', options: { inputs: 2, outputs: 1, depth: 4, width: [8, 8, 12, 12], activation: 'gelu', residual: true, residualScale: 0.5, batchNorm: 'before', seed: 5 }, data: points });
  cases.push({ name: 'mlp multiclass', kind: 'mlp', options: { inputs: 2, outputs: 3, depth: 3, width: 16, activation: 'elu', seed: 6 }, data: spirals({ n: 60, classes: 3 }) });
  cases.push({ name: 'lstm adding problem', kind: 'recurrent', options: { cell: 'lstm', units: 8, inputs: 2, outputs: 1, forgetBias: 1, seed: 7 }, data: addingProblem({ n: 16, length: 20, seed: 1 }) });
  cases.push({ name: 'lstm temporal order', kind: 'recurrent', options: { cell: 'lstm', units: 6, inputs: 6, outputs: 4, seed: 8 }, data: temporalOrder({ n: 16, length: 20, seed: 1 }) });
  cases.push({ name: 'simple rnn', kind: 'recurrent', options: { cell: 'simple', units: 8, inputs: 2, outputs: 1, seed: 9 }, data: addingProblem({ n: 16, length: 20, seed: 2 }) });
  cases.push({ name: 'gru (reset before)', kind: 'recurrent', options: { cell: 'gru', units: 8, inputs: 2, outputs: 1, seed: 10 }, data: addingProblem({ n: 16, length: 20, seed: 3 }) });
  return cases;
}

export async function exportCrossCheck(path: string): Promise<CrossCheckCase[]> {
  await ready({ quiet: true });
  const out: CrossCheckCase[] = [];
  for (const c of crossCheckCases()) {
    const model = c.kind === 'mlp' ? mlp(c.options as MlpOptions) : recurrent(c.options as RecurrentOptions);
    const g = gradientNorms(model, c.data, { parameters: 'all' });
    const params = parametersOf(model).map((p) => ({ name: p.name, layer: p.layer, weight: p.weight, shape: p.shape, values: Array.from(p.variable.read().dataSync()) }));
    out.push({
      name: c.name,
      kind: c.kind,
      options: c.options as unknown as Record<string, unknown>,
      loss: g.lossName,
      x: c.data.x,
      y: c.data.y as number[][],
      params,
      norms: Object.fromEntries(g.layers.map((l) => [l.name, l.norm])),
      lossValue: g.loss,
    });
    model.dispose();
  }
  fs.writeFileSync(path, JSON.stringify({ backend: tf.getBackend(), cases: out }));
  return out;
}

if (require.main === module) {
  exportCrossCheck(process.argv[2] ?? '/tmp/gradscope-crosscheck.json').then((cases) => console.log(`wrote ${cases.length} cases`));
}
