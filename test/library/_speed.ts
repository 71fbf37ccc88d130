import { ready } from '../../src/backend';
import * as tf from '@tensorflow/tfjs';
import { mlp, spirals, gradientNorms } from '../../src/index';
(async () => {
  await ready({ quiet: true });
  const m = mlp({ inputs: 2, outputs: 1, depth: 20, width: 64, activation: 'sigmoid', init: 'glorotNormal' });
  const data = spirals({ n: 128 });
  for (let i = 0; i < 5; i++) gradientNorms(m, data);
  const t = process.hrtime.bigint();
  for (let i = 0; i < 30; i++) gradientNorms(m, data);
  console.log('probe', Number(process.hrtime.bigint() - t) / 30e6, 'ms');
  const g = gradientNorms(m, data);
  console.log(g.layers.map(l => l.log10!.toFixed(3)).join(' '), tf.memory().numTensors);
  console.log(m.getLayer('dense_01').getClassName(), JSON.stringify(m.toJSON(null, false)).slice(0, 300));
})();
