import { ready } from '../../src/backend';
import * as tf from '@tensorflow/tfjs';
(async () => {
  await ready({ quiet: true });
  console.log(tf.getBackend());
  const h = tf.randomNormal([128, 64]); const w = tf.randomNormal([64, 64]); const dz = tf.randomNormal([128, 64]);
  const bench = (label: string, f: () => tf.Tensor) => {
    for (let i = 0; i < 20; i++) tf.tidy(() => { f().dataSync(); });
    const t = process.hrtime.bigint();
    for (let i = 0; i < 200; i++) tf.tidy(() => { f().dataSync(); });
    console.log(label, Number(process.hrtime.bigint() - t) / 200e3, 'us');
  };
  bench('plain', () => tf.matMul(h, w));
  bench('flagA', () => tf.matMul(h, dz, true, false));
  bench('explicitA', () => tf.matMul(tf.transpose(h), dz));
  bench('flagB', () => tf.matMul(dz, w, false, true));
  bench('explicitB', () => tf.matMul(dz, tf.transpose(w)));
  bench('transpose only', () => tf.transpose(h));
})();
