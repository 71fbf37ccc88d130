import { ready } from '../../src/backend';
import * as tf from '@tensorflow/tfjs';
(async () => {
  await ready({ quiet: true });
  const ts = Array.from({ length: 42 }, (_, i) => tf.randomNormal(i % 2 ? [64] : [64, 64]));
  const T = (label: string, f: () => void, n = 20) => {
    for (let i = 0; i < 3; i++) f();
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) f();
    console.log(label, (Number(process.hrtime.bigint() - t) / n / 1e6).toFixed(2), 'ms');
  };
  T('concat+read', () => tf.tidy(() => { tf.concat(ts.map(g => g.reshape([-1]))).dataSync(); }));
  T('concat only', () => tf.tidy(() => { tf.concat(ts.map(g => g.reshape([-1]))); }));
  T('each read', () => { ts.forEach(t => t.dataSync()); });
  T('sumsq stack read', () => tf.tidy(() => { tf.stack(ts.map(g => tf.sum(tf.square(g)))).dataSync(); }));
  const big = tf.randomNormal([82000]);
  T('big read', () => { big.dataSync(); });
})();
