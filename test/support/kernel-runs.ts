/**
 * What the tests of the kernel-by-kernel step share (test/library/kernel-*.test.ts): a ready backend, the
 * engine's step turned back off after every test (GRADSCOPE_KERNEL_STEP), and the points and probes they
 * compare the two steps on: every probe, at a cadence that puts several records in a short run.
 */
import { ready } from '../../src/core/backend';
import { xor } from '../../src/index';

/** Registers the hooks: the backend made ready once, GRADSCOPE_KERNEL_STEP removed after each test. */
export function kernelStepHooks(): void {
  beforeAll(async () => {
    await ready({ quiet: true });
  });
  afterEach(() => {
    delete process.env.GRADSCOPE_KERNEL_STEP;
  });
}

/** 200 XOR points (seed 4). */
export const XOR_POINTS = xor({ n: 200, seed: 4 });

/** Every probe every 4 steps, over all parameters. */
export const EVERY_PROBE = { every: 4, batchGradients: true, updates: true, gradients: true, weights: true, activations: true, parameters: 'all' as const };
