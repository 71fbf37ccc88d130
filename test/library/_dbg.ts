import { ready } from '../../src/backend';
import * as tf from '@tensorflow/tfjs';
import { denseLayer } from '../../src/models/dense';
(async () => {
  await ready({ quiet: true });
  const l = denseLayer({ units: 4, inputShape: [3] }) as any;
  console.log(l.activation.getClassName(), Object.getPrototypeOf(l).constructor.name, l.call.toString().slice(0, 80));
  const m = tf.sequential({ layers: [l] });
  const x = tf.ones([2, 3]);
  const prof = await tf.profile(() => tf.variableGrads(() => (m.apply(x, {training: true}) as tf.Tensor).sum(), m.trainableWeights.map(w => w.read() as tf.Variable)));
  console.log(prof.kernels.map(k => k.name).join(','));
})();
