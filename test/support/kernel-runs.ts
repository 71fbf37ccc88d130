/**
 * What the tests of the kernel-by-kernel step share (test/library/kernel-*.test.ts): a ready backend, the
 * engine's step turned back off after every test (GRADSCOPE_KERNEL_STEP), and the points and probes they
 * compare the two steps on: every probe, at a cadence that puts several records in a short run.
 */
import * as tf from '@tensorflow/tfjs';
import { ready } from '../../src/core/backend';
import { train, xor } from '../../src/index';
import type { TrainOptions } from '../../src/training/train';

/** Registers the hooks: the backend made ready once, GRADSCOPE_KERNEL_STEP removed after each test. */
export function kernelStepHooks(): void {
  beforeAll(async () => {
    await ready({ quiet: true });
  });
  afterEach(() => {
    delete process.env.GRADSCOPE_KERNEL_STEP;
  });
}

/** Registers the hooks of a describe block that runs on `backend`: switched to before its tests, back after. */
export function onBackend(backend: string): void {
  let previous: string;
  beforeAll(async () => {
    previous = tf.getBackend();
    await tf.setBackend(backend);
  });
  afterAll(async () => {
    await tf.setBackend(previous);
  });
}

/** 200 XOR points (seed 4). */
export const XOR_POINTS = xor({ n: 200, seed: 4 });

/** Every probe every 4 steps, over all parameters. */
export const EVERY_PROBE = { every: 4, batchGradients: true, updates: true, gradients: true, weights: true, activations: true, parameters: 'all' as const };

/** Which step `train` and `trainTogether` take: the engine's (GRADSCOPE_KERNEL_STEP=0) or the kernel step. */
export function stepVia(engine: boolean): void {
  if (engine) process.env.GRADSCOPE_KERNEL_STEP = '0';
  else delete process.env.GRADSCOPE_KERNEL_STEP;
}

/**
 * The operations the engine runs (tf.profile's kernels) in 5 steps of `train` on a fresh model, with the kernel
 * step and with the engine's: the kernel step is really taken when the first is a fraction of the second.
 */
export async function engineOperations(makeModel: () => tf.LayersModel, training: TrainOptions): Promise<{ kernel: number; engine: number }> {
  const count = async (engine: boolean) => {
    stepVia(engine);
    const model = makeModel();
    const info = await tf.profile(async () => void (await train(model, XOR_POINTS, { batchSize: 48, steps: 5, quiet: true, probes: false, ...training })));
    model.dispose();
    return info.kernels.length;
  };
  return { kernel: await count(false), engine: await count(true) };
}
