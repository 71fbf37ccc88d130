import { ready } from '../../src/backend';
import * as tf from '@tensorflow/tfjs';
import { mlp, spirals, gradientNorms, lossFunction, selectParameters, toTensors, resolveLoss, summarizeGradients, lossAndGradients } from '../../src/index';
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
  T('select', () => { selectParameters(m, 'all'); });
  T('toTensors', () => { toTensors(data).dispose(); });
  T('resolve', () => { resolveLoss('x', m, data); });
  const b = toTensors(data); const loss = resolveLoss('x', m, data);
  const sel = selectParameters(m, 'kernels'); const all = selectParameters(m, 'all');
  T('grads', () => tf.tidy(() => { const r = lossAndGradients(m, b.x, b.y, loss.fn, true); r.loss.dataSync(); }));
  let host: Float32Array = new Float32Array();
  T('grads+read', () => { host = tf.tidy(() => { const r = lossAndGradients(m, b.x, b.y, loss.fn, true); return tf.concat([r.loss.reshape([1]), ...r.grads.map(g => g.reshape([-1])), ...sel.map(p => p.variable.read().reshape([-1]))]).dataSync() as Float32Array; }); });
  T('grads again', () => tf.tidy(() => { const r = lossAndGradients(m, b.x, b.y, loss.fn, true); r.loss.dataSync(); }));
  T('grads+read again', () => { host = tf.tidy(() => { const r = lossAndGradients(m, b.x, b.y, loss.fn, true); return tf.concat([r.loss.reshape([1]), ...r.grads.map(g => g.reshape([-1]))]).dataSync() as Float32Array; }); });
  T('summarize', () => { summarizeGradients(all, sel, host, 1, false); });
  T('probe', () => { gradientNorms(m, data); });
})();
