/**
 * A profile of training steps of one reference workload: the operations (kernels) per step by name, the time
 * inside each kind of kernel, and the wall time of the same steps unprofiled. The direct path's whole forward
 * pass is one kernel ('forward') whose time includes the kernels it runs (listed too), so the column of
 * times adds up to more than the step.
 *
 *   ts-node --transpile-only test/bench/profile-step.ts [WORKLOAD=A] [STEPS=20] [BACKEND=wasm]
 */
import * as tf from '@tensorflow/tfjs';
import { BackendName, ready } from '../../src/core/backend';
import { train, xor } from '../../src/index';
import { WORKLOADS } from './run-backend';

async function main(): Promise<void> {
  const [id = 'A', stepsArg = '20', backend = 'wasm'] = process.argv.slice(2);
  const steps = Number(stepsArg);
  await ready({ backend: backend as BackendName, quiet: true });
  const w = WORKLOADS.find((x) => x.id === id);
  if (!w || w.data !== 'points' || w.together) throw new Error(`profile-step: workload is ${id}; allowed: ${WORKLOADS.filter((x) => x.data === 'points' && !x.together).map((x) => x.id).join(', ')}`);
  const data = xor({ n: 128 * 16, seed: 0 });
  const model = w.build();
  await train(model, data, { ...w.options, steps: 10 });
  const started = Date.now();
  const h = await train(model, data, { ...w.options, steps, startStep: 10 });
  const wallPlain = Date.now() - started;
  const info = await tf.profile(async () => void (await train(model, data, { ...w.options, steps, startStep: 10 + steps })));
  const byName = new Map<string, { count: number; ms: number }>();
  for (const k of info.kernels) {
    const e = byName.get(k.name) ?? { count: 0, ms: 0 };
    e.count++;
    e.ms += k.kernelTimeMs as number;
    byName.set(k.name, e);
  }
  const kernelMs = [...byName.values()].reduce((s, e) => s + e.ms, 0);
  console.log(`${id} on ${backend}: ${h.msPerStep.toFixed(2)} ms/step unprofiled; ${(info.kernels.length / steps).toFixed(1)} kernels/step; ` +
    `time inside kernels ${(kernelMs / steps).toFixed(2)} ms/step (profiled; wall unprofiled ${(wallPlain / steps).toFixed(2)})`);
  console.log('| kernel | per step | ms/step | us each |');
  console.log('|---|---|---|---|');
  for (const [name, e] of [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`| ${name} | ${(e.count / steps).toFixed(1)} | ${(e.ms / steps).toFixed(3)} | ${((1000 * e.ms) / e.count).toFixed(1)} |`);
  }
  model.dispose();
}

main();
