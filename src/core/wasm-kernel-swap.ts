/**
 * Replacing one of the wasm backend's kernels by gradscope's own, and putting the backend's back.
 *
 * The replacement computes the same values as the kernel it replaces and may call it (`base`) for the
 * cases it does not cover. The backend's own kernel is kept (once, the first time), so that a replacement
 * can be switched off again in the same process, to compare the two.
 */
import * as tf from '@tensorflow/tfjs';

/** The backend's own kernel of each name replaced so far. */
const originals = new Map<string, tf.KernelConfig>();

/**
 * Registers `replacement(base)` as the wasm kernel `name` (on), or the backend's own kernel again (off).
 * Does nothing before the wasm backend has registered its kernels.
 */
export function swapWasmKernel(name: string, on: boolean, replacement: (base: tf.KernelConfig) => tf.KernelFunc): void {
  const current = tf.getKernel(name, 'wasm');
  if (!current) return;
  if (!originals.has(name)) originals.set(name, current);
  const base = originals.get(name)!;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel(on ? { ...base, kernelFunc: replacement(base) } : base);
}
