import { ready } from '../../src/backend';
import * as tf from '@tensorflow/tfjs';
import { mlp, spirals, gradientNorms, lossFunction } from '../../src/index';
(async () => {
  await ready({ quiet: true });
  const m = mlp({ inputs: 2, outputs: 1, depth: 20, width: 64, activation: 'sigmoid', init: 'glorotNormal' });
  const data = spirals({ n: 128 });
  const x = tf.tensor2d(data.x), y = tf.tensor2d(data.y);
  const vars = m.trainableWeights.map(w => w.read() as tf.Variable);
  const loss = lossFunction('binaryCrossEntropy');
  const T = (label: string, f: () => void, n = 30) => {
    for (let i = 0; i < 5; i++) f();
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) f();
    console.log(label, (Number(process.hrtime.bigint() - t) / n / 1e6).toFixed(1), 'ms');
  };
  T('forward apply', () => tf.tidy(() => { (m.apply(x, { training: true }) as tf.Tensor).dataSync(); }));
  T('forward predict', () => tf.tidy(() => { (m.predict(x) as tf.Tensor).dataSync(); }));
  T('variableGrads', () => tf.tidy(() => { const { value, grads } = tf.variableGrads(() => loss(y, m.apply(x, { training: true }) as tf.Tensor), vars); value.dataSync(); }));
  T('variableGrads+concat read', () => tf.tidy(() => { const { value, grads } = tf.variableGrads(() => loss(y, m.apply(x, { training: true }) as tf.Tensor), vars); tf.concat(Object.values(grads).map(g => g.reshape([-1]))).dataSync(); }));
  T('probe', () => gradientNorms(m, data));
  // manual forward with raw ops
  const ws = m.layers.filter(l => l.getClassName() === 'Dense').map(l => l.getWeights());
  T('raw ops grads', () => tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => { let h: tf.Tensor = x; ws.forEach(([k, b], i) => { h = tf.add(tf.matMul(h, k), b); if (i < ws.length - 1) h = tf.sigmoid(h); }); return loss(y, h); }, vars);
    tf.concat(Object.values(grads).map(g => g.reshape([-1]))).dataSync();
  }));
})();
