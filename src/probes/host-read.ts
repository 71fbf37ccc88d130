/**
 * Reading tensors to the host for the probes' float64 summaries.
 *
 * The wasm and cpu backends keep a tensor's float32 entries in memory JavaScript can read (the wasm heap, or
 * a plain array): there the probes read them in place, without copying. Elsewhere (tensorflow, webgl) the
 * tensors are joined on the device and copied in one transfer, since each read there waits for the device.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * The entries of each of `tensors` (float32, flattened), in order. On wasm and cpu these are views on the
 * backend's own memory: read them at once, before the next TensorFlow.js operation (which may move the
 * wasm heap) and before the tensors are disposed.
 *
 * @example
 *   const [a, b] = readEach([tf.tensor1d([1, 2]), tf.tensor2d([[3], [4]])]);   // Float32Array [1, 2], [3, 4]
 */
export function readEach(tensors: tf.Tensor[]): Float32Array[] {
  const inPlace = readInPlace(tensors);
  if (inPlace) return inPlace;
  const joined = tf.concat(tensors.map((t) => t.reshape([-1])));
  const host = joined.dataSync() as Float32Array;
  tf.dispose(joined);
  let at = 0;
  return tensors.map((t) => host.subarray(at, (at += t.size)));
}

/**
 * The entries of each of `tensors` (float32) as views on the backend's own memory, on wasm and cpu; null
 * elsewhere or for other dtypes. Read the views at once, before the next kernel runs.
 */
export function readInPlace(tensors: tf.TensorInfo[]): Float32Array[] | null {
  const name = tf.getBackend();
  const backend = tf.backend() as unknown as {
    typedArrayFromHeap?(t: tf.TensorInfo): Float32Array;
    data?: { get(id: object): { values?: unknown } };
  };
  if (tensors.every((t) => t.dtype === 'float32')) {
    if (name === 'wasm' && backend.typedArrayFromHeap) return tensors.map((t) => backend.typedArrayFromHeap!(t));
    if (name === 'cpu' && backend.data) {
      const values = tensors.map((t) => backend.data!.get(t.dataId).values);
      if (values.every((v) => v instanceof Float32Array)) return values as Float32Array[];
    }
  }
  return null;
}
