import { ready } from '../../src/backend';
import * as tf from '@tensorflow/tfjs';
import { mlp, spirals, gradientNorms } from '../../src/index';
(async () => {
  await ready({ quiet: true });
  const m = mlp({ inputs: 2, outputs: 1, depth: 20, width: 64, activation: 'sigmoid', init: 'glorotNormal' });
  const data = spirals({ n: 128 });
  gradientNorms(m, data);
  const prof = await tf.profile(() => { gradientNorms(m, data); });
  const by: Record<string, [number, number]> = {};
  for (const k of prof.kernels) { const e = by[k.name] ?? [0, 0]; e[0]++; e[1] += k.kernelTimeMs as number; by[k.name] = e; }
  console.log(Object.entries(by).sort((a, b) => b[1][1] - a[1][1]).map(([n, [c, t]]) => `${n} x${c} ${t.toFixed(1)}`).join('\n'));
  console.log('total kernels', prof.kernels.length);
})();
