/**
 * Small float32 kernels of gradscope's own for the wasm backend, written over typed views of wasm memory.
 *
 * Each TensorFlow.js operation costs a fixed overhead (engine bookkeeping, a call into wasm) of several
 * microseconds, which dominates when the tensors are small, as in a recurrent network's time steps
 * ([batch, units] = [64, 32]). A kernel here does in one call what would otherwise take several operations,
 * with plain arithmetic over the numbers in place. Used only inside the direct training path's forward and
 * backward passes (no gradient is registered for them) and only on the wasm backend; other backends use the
 * same computation written with TensorFlow.js operations.
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of the wasm backend a kernel uses: output allocation and typed views of wasm memory. */
interface WasmMemory {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/**
 * Fills `outputs` (float32, not zero-filled) from `inputs`. It is registered once per kernel name, so it
 * must depend only on its arguments (shapes and attrs), never on variables of the call that first ran it.
 */
export type Compute = (inputs: Float32Array[], outputs: Float32Array[], inputShapes: number[][], attrs: Record<string, number>) => void;

const registered = new Set<string>();

/**
 * Runs `compute` on the wasm backend's memory without the engine: allocates the outputs, then fills them
 * from the inputs. The outputs are plain records of backend memory that the caller frees (the registered
 * kernels hand them to the engine; models/kernel-mlp.ts's KernelScope frees them itself).
 */
export function computeOnWasm(backend: unknown, compute: Compute, inputs: tf.TensorInfo[], outputShapes: number[][], attrs: Record<string, number>): tf.TensorInfo[] {
  const memory = backend as WasmMemory;
  // Allocate every output first: an allocation can grow wasm memory and detach earlier views of it.
  const outs = outputShapes.map((shape) => memory.makeOutput(shape, 'float32'));
  compute(
    inputs.map((t) => memory.typedArrayFromHeap(t)),
    outs.map((t) => memory.typedArrayFromHeap(t)),
    inputs.map((t) => t.shape),
    attrs,
  );
  return outs;
}

/** True when the kernels here run (the wasm backend is the active one). */
export function wasmKernelsActive(): boolean {
  return tf.getBackend() === 'wasm';
}

/**
 * Runs kernel `name` on the wasm backend: allocates outputs of `outputShapes` (float32), then `compute`
 * fills them from the inputs, all as views of wasm memory. Registers the kernel on first use.
 *
 * @example
 *   const [y] = runWasmKernel('GradscopeDouble', [x], [x.shape], ([a], [b]) => a.forEach((v, i) => (b[i] = 2 * v)));
 */
export function runWasmKernel(name: string, inputs: tf.Tensor[], outputShapes: number[][], compute: Compute, attrs: Record<string, number> = {}): tf.Tensor[] {
  if (!registered.has(name)) {
    registered.add(name);
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: ({ inputs: named, attrs: given, backend }) => {
        const { shapes, ...rest } = given as unknown as { shapes: number[][] } & Record<string, number>;
        const ins = Object.keys(named)
          .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
          .map((k) => named[k] as tf.TensorInfo);
        return computeOnWasm(backend, compute, ins, shapes, rest);
      },
    });
  }
  for (const t of inputs) {
    if (t.dtype !== 'float32') throw new Error(`${name}: an input has dtype ${t.dtype}; allowed: float32`);
  }
  const named: tf.NamedTensorMap = {};
  inputs.forEach((t, k) => (named[`x${k}`] = t));
  const out = tf.engine().runKernel(name, named, { ...attrs, shapes: outputShapes } as unknown as tf.NamedAttrMap);
  return (Array.isArray(out) ? out : [out]) as tf.Tensor[];
}
