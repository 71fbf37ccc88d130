import { ready } from '../../src/backend';
import * as tf from '@tensorflow/tfjs';
import { mlp, spirals, toTensors, resolveLoss, lossAndGradients, selectParameters } from '../../src/index';
(async () => {
  await ready({ quiet: true });
  const m = mlp({ inputs: 2, outputs: 1, depth: 20, width: 64, activation: 'sigmoid', init: 'glorotNormal' });
  const data = spirals({ n: 128 });
  const b = toTensors(data); const loss = resolveLoss('x', m, data);
  const sel = selectParameters(m, 'kernels');
  const variants: Record<string, (r: any) => tf.Tensor[]> = {
    grads: (r) => r.grads.map((g: tf.Tensor) => g.reshape([-1])),
    gradsLoss: (r) => [r.loss.reshape([1]), ...r.grads.map((g: tf.Tensor) => g.reshape([-1]))],
    gradsW: (r) => [...r.grads.map((g: tf.Tensor) => g.reshape([-1])), ...sel.map(p => p.variable.read().reshape([-1]))],
  };
  for (let rep = 0; rep < 2; rep++) for (const [name, f] of Object.entries(variants)) {
    let acc = 0;
    for (let i = 0; i < 25; i++) {
      const t0 = process.hrtime.bigint();
      tf.tidy(() => { const r = lossAndGradients(m, b.x, b.y, loss.fn, true); return tf.concat(f(r)).dataSync() as Float32Array; });
      if (i >= 5) acc += Number(process.hrtime.bigint() - t0);
    }
    console.log(name, (acc / 20e6).toFixed(2));
  }
})();
