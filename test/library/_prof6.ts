import { ready } from '../../src/backend';
import * as tf from '@tensorflow/tfjs';
import { mlp, spirals, toTensors, resolveLoss, lossAndGradients } from '../../src/index';
(async () => {
  await ready({ quiet: true });
  const m = mlp({ inputs: 2, outputs: 1, depth: 20, width: 64, activation: 'sigmoid', init: 'glorotNormal' });
  const data = spirals({ n: 128 });
  const b = toTensors(data); const loss = resolveLoss('x', m, data);
  const acc = [0, 0, 0, 0];
  for (let i = 0; i < 30; i++) {
    tf.tidy(() => {
      const t0 = process.hrtime.bigint();
      const r = lossAndGradients(m, b.x, b.y, loss.fn, true);
      const t1 = process.hrtime.bigint();
      const c = tf.concat(r.grads.map(g => g.reshape([-1])));
      const t2 = process.hrtime.bigint();
      c.dataSync();
      const t3 = process.hrtime.bigint();
      if (i >= 5) { acc[0] += Number(t1 - t0); acc[1] += Number(t2 - t1); acc[2] += Number(t3 - t2); }
    });
  }
  console.log(acc.map(a => (a / 25e6).toFixed(2)));
})();
