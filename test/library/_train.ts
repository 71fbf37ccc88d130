import { ready } from '../../src/backend';
import * as tf from '@tensorflow/tfjs';
import { mlp, spirals, train, xor } from '../../src/index';
(async () => {
  await ready({ quiet: true });
  const m = mlp({ inputs: 2, outputs: 1, depth: 20, width: 64, activation: 'sigmoid', init: 'glorotNormal' });
  const data = spirals({ n: 512 });
  const n0 = tf.memory().numTensors;
  let h = await train(m, data, { batchSize: 128, steps: 100, probes: { every: 1, activations: false, weights: false, updates: false } });
  console.log('A, grad probe every step: ms/step', h.msPerStep.toFixed(1), 'leak', tf.memory().numTensors - n0);
  h = await train(m, data, { batchSize: 128, steps: 100, probes: false });
  console.log('A no probes ms/step', h.msPerStep.toFixed(1), 'leak', tf.memory().numTensors - n0);
  h = await train(m, data, { batchSize: 128, steps: 100, probes: { every: 10 } });
  console.log('A default probes every 10 ms/step', h.msPerStep.toFixed(1), 'leak', tf.memory().numTensors - n0, h.gradients.length, h.updates.length, h.activations.length);
  console.log(JSON.stringify(h.updates[0].layers.slice(0, 2)), JSON.stringify(h.activations[0].layers[0].saturated));
  const small = mlp({ inputs: 2, outputs: 1, depth: 2, width: 16, activation: 'tanh', seed: 1 });
  h = await train(small, xor({ n: 256 }), { optimizer: 'adam', learningRate: 0.01, epochs: 30, validation: xor({ n: 128, seed: 9 }) });
  console.log('xor', h.steps.at(-1), h.validation.at(-1));
})();
