import { ready } from '../../src/backend';
import * as tf from '@tensorflow/tfjs';
import { mlp, spirals, toTensors, resolveLoss, lossAndGradients } from '../../src/index';
(async () => {
  await ready({ quiet: true });
  const m = mlp({ inputs: 2, outputs: 1, depth: 20, width: 64, activation: 'sigmoid', init: 'glorotNormal' });
  const data = spirals({ n: 128 });
  const T = (label: string, f: () => void, n = 20) => {
    for (let i = 0; i < 3; i++) f();
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) f();
    console.log(label, (Number(process.hrtime.bigint() - t) / n / 1e6).toFixed(2), 'ms');
  };
  const b = toTensors(data); const loss = resolveLoss('x', m, data);
  for (let rep = 0; rep < 2; rep++) {
  T('grads loss read', () => tf.tidy(() => { const r = lossAndGradients(m, b.x, b.y, loss.fn, true); r.loss.dataSync(); }));
  T('grads first read', () => tf.tidy(() => { const r = lossAndGradients(m, b.x, b.y, loss.fn, true); r.grads[0].dataSync(); }));
  T('grads last read', () => tf.tidy(() => { const r = lossAndGradients(m, b.x, b.y, loss.fn, true); r.grads[40].dataSync(); }));
  T('grads concat noread', () => tf.tidy(() => { const r = lossAndGradients(m, b.x, b.y, loss.fn, true); tf.concat(r.grads.map(g => g.reshape([-1]))); }));
  }
})();
