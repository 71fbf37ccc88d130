/**
 * A `recurrent` model (simple RNN, LSTM or GRU; the GRU's layer in direct-gru.ts) computed directly: the same forward pass as its layers, on the
 * model's own weight variables, as one operation with backpropagation through time written out.
 *
 * Savings over the layers path, same numbers to float32 rounding:
 *   - the input projection x_t W + b for all T time steps is one matrix product [T*batch, in] x [in, G]
 *     instead of T small ones, cut into per-step blocks with `rowBlocks` (one copy of each number;
 *     `tf.split` on wasm copies the whole tensor once per piece);
 *   - few operations per time step: the LSTM's four gates come from one product and two activation calls
 *     over all of [batch, 4 units] (sigmoid for i, f, o and tanh for g), and its elementwise cell update and
 *     its backward step are one kernel each on wasm (lstm-cell.ts);
 *   - the weight gradients of a layer are one product: [x_t, h_{t-1}, 1]^T dz over all time steps gives
 *     dW, dU and db together.
 *
 * Simple RNN:  h_t = tanh(x_t W + b + h_{t-1} U).
 *   Backward: dz_t = dh_t (1 - h_t^2); dh_{t-1} += dz_t U^T; dW = sum x_t^T dz_t, dU = sum h_{t-1}^T dz_t,
 *   db = sum dz_t.
 * LSTM (gate order i, f, g, o as in Keras):  z_t = x_t W + b + h_{t-1} U,  i, f, o = sigmoid, g = tanh of
 *   their quarter of z_t;  c_t = f c_{t-1} + i g;  h_t = o tanh(c_t).
 *   Backward (lstm-cell.ts): dc_t = dc_{t+1} f_{t+1} + dh_t o (1 - tanh^2 c_t);
 *   dz_t = [dc_t g i(1-i), dc_t c_{t-1} f(1-f), dc_t i (1-g^2), dh_t tanh(c_t) o(1-o)];
 *   then dh_{t-1} += dz_t U^T and the weight gradients as for the simple RNN.
 * The output layer reads h_T: y = h_T W_out + b_out.
 */
import * as tf from '@tensorflow/tfjs';
import { gruPath } from './direct-gru';
import { layerNamed, matMulAT, matMulBT, weightOf } from './direct-ops';
import { modelInfo, positionName } from './info';
import { lstmCellBackward, lstmCellOutput, lstmCellState } from './lstm-cell';
import { rowBlocks } from './row-blocks';
import type { LayerPath, Recurrent } from './recurrent-path';

/**
 * Per layer, what the backward pass needs: the layer's inputs x_t and the states h_{t-1} (zeros at t = 0),
 * time-major [T*batch, .]; for the simple RNN the slopes 1 - h_t^2 (same layout); for the LSTM, per time
 * step, S = sigmoid of the gate pre-activations (g block doubled), c_t and Sc = sigmoid(2 c_t) (see
 * lstm-cell.ts).
 */
interface Saved {
  inputs: tf.Tensor2D;
  previous: tf.Tensor2D;
  slopes?: tf.Tensor2D;
  S?: tf.Tensor2D[];
  cells?: tf.Tensor2D[];
  Sc?: tf.Tensor2D[];
}

/**
 * Saved as a short list for customGrad's save (which copies each tensor it keeps: the LSTM's per-step
 * tensors are joined time-major first, three copies instead of 3 T), and back.
 */
function flatten(s: Saved): tf.Tensor[] {
  return s.slopes ? [s.inputs, s.previous, s.slopes] : [s.inputs, s.previous, ...[s.S!, s.cells!, s.Sc!].map((list) => tf.concat(list, 0))];
}
function savedCount(cell: 'simple' | 'lstm'): number {
  return cell === 'simple' ? 3 : 5;
}
function unflatten(cell: 'simple' | 'lstm', list: tf.Tensor[], steps: number): Saved {
  const [inputs, previous, ...rest] = list as tf.Tensor2D[];
  if (cell === 'simple') return { inputs, previous, slopes: rest[0] };
  const [S, cells, Sc] = rest.map((all) => rowBlocks(all, steps));
  return { inputs, previous, S, cells, Sc };
}

/**
 * The LSTM computes all four gate activations with one sigmoid: its g block (where a tanh is wanted,
 * tanh x = 2 sigmoid(2x) - 1) is computed doubled, the other blocks as they are. Multiplying by 2 is exact in
 * floating point. (The simple RNN keeps tf.tanh: one call per step either way.)
 */
function lstmColumnScale(units: number): tf.Tensor1D {
  const scale = new Float32Array(4 * units).fill(1);
  scale.fill(2, 2 * units, 3 * units);
  return tf.tensor1d(scale);
}

const PREFIX = { simple: 'rnn', lstm: 'lstm', gru: 'gru' } as const;

function recurrentWeights(layer: tf.layers.Layer | undefined): Recurrent | undefined {
  const cell = layer ? ((layer as unknown as { cell?: tf.layers.Layer }).cell) : undefined;
  const config = layer?.getConfig() as { goBackwards?: boolean; stateful?: boolean; useBias?: boolean; activation?: string; recurrentActivation?: string; dropout?: number; recurrentDropout?: number } | undefined;
  if (!cell || !config || config.goBackwards || config.stateful || config.useBias === false || (config.dropout ?? 0) > 0 || (config.recurrentDropout ?? 0) > 0) return undefined;
  if (config.activation !== 'tanh' || (config.recurrentActivation !== undefined && config.recurrentActivation !== 'sigmoid')) return undefined;
  const [kernel, recurrentKernel, bias] = ['kernel', 'recurrentKernel', 'bias'].map((f) => weightOf(cell, f));
  return kernel && recurrentKernel && bias ? { kernel, recurrentKernel, bias } : undefined;
}

/** Forward through one layer: returns the states h_t (time-major list) and what the backward pass needs. */
function layerForward(cell: 'simple' | 'lstm', w: Recurrent, inputs: tf.Tensor2D, steps: number): { states: tf.Tensor2D[]; saved: Saved } {
  const units = w.recurrentKernel.read().shape[0];
  const scaled = (weight: tf.Tensor) => (cell === 'lstm' ? tf.mul(weight, lstmColumnScale(units)) : weight);
  const projected = rowBlocks(tf.add(tf.matMul(inputs, scaled(w.kernel.read())), scaled(w.bias.read())), steps);
  const U = scaled(w.recurrentKernel.read()) as tf.Tensor2D;
  const states: tf.Tensor2D[] = [];
  const batch = projected[0].shape[0];
  const zeros = tf.zeros([batch, units]) as tf.Tensor2D;
  const previousOf = () => tf.concat([zeros, ...states.slice(0, -1)], 0) as tf.Tensor2D;
  const preActivation = (t: number, h: tf.Tensor2D | undefined) => (h ? tf.add(projected[t], tf.matMul(h, U)) : projected[t]) as tf.Tensor2D;
  let h: tf.Tensor2D | undefined;
  if (cell === 'simple') {
    for (let t = 0; t < steps; t++) {
      h = tf.tanh(preActivation(t, h)) as tf.Tensor2D;
      states.push(h);
    }
    const all = tf.concat(states, 0);
    return { states, saved: { inputs, previous: previousOf(), slopes: tf.sub(1, tf.square(all)) as tf.Tensor2D } };
  }
  const S: tf.Tensor2D[] = [];
  const cells: tf.Tensor2D[] = [];
  const Sc: tf.Tensor2D[] = [];
  let c = zeros;
  for (let t = 0; t < steps; t++) {
    S.push(tf.sigmoid(preActivation(t, h)) as tf.Tensor2D);
    const next = lstmCellState(S[t], c);
    c = next.c;
    cells.push(c);
    Sc.push(tf.sigmoid(next.c2) as tf.Tensor2D);
    h = lstmCellOutput(S[t], Sc[t]);
    states.push(h);
  }
  return { states, saved: { inputs, previous: previousOf(), S, cells, Sc } };
}

/**
 * The weight gradients of one layer from dz over all time steps: dW = sum_t x_t^T dz_t, dU = sum_t h_{t-1}^T dz_t
 * (one product each over the time-major [T*batch, .] tensors) and db = sum_t dz_t as the product 1^T dz
 * (on wasm a product is faster than a sum down the rows, which transposes first).
 */
function weightGradients(s: Saved, DZ: tf.Tensor2D): tf.Tensor[] {
  const db = tf.reshape(tf.matMul(tf.ones([1, DZ.shape[0]]), DZ), [-1]);
  return [matMulAT(s.inputs, DZ), matMulAT(s.previous, DZ), db];
}

/**
 * Backward through one layer, given dLoss/dh_t for every t (undefined where no gradient arrives from
 * outside the layer). Returns the weight gradients [dW, dU, db] and the flat dLoss/dx ([T*batch, in]).
 */
function layerBackward(cell: 'simple' | 'lstm', w: Recurrent, s: Saved, incoming: (tf.Tensor2D | undefined)[], steps: number, wantInputs: boolean) {
  const UT = tf.transpose(w.recurrentKernel.read()) as tf.Tensor2D;
  const slopes = s.slopes ? rowBlocks(s.slopes, steps) : [];
  const dz: tf.Tensor2D[] = new Array(steps);
  let dh: tf.Tensor2D | undefined;
  let carry: tf.Tensor2D | undefined;
  for (let t = steps - 1; t >= 0; t--) {
    const from = incoming[t];
    // Every t receives a gradient from the layer above, or (the top layer) at least at t = T - 1.
    const d = (dh && from ? tf.add(dh, from) : (dh ?? from)!) as tf.Tensor2D;
    if (cell === 'simple') {
      dz[t] = tf.mul(d, slopes[t]) as tf.Tensor2D;
    } else {
      const zeros = () => tf.zerosLike(d) as tf.Tensor2D;
      // c_{-1} = 0: no carry into the last step, and at t = 0 the previous cell state is zeros.
      carry = carry ?? zeros();
      const previous = t > 0 ? s.cells![t - 1] : zeros();
      ({ dz: dz[t], carry } = lstmCellBackward(d, carry, s.S![t], previous, s.Sc![t]));
    }
    if (t > 0) dh = tf.matMul(dz[t], UT) as tf.Tensor2D;
  }
  const DZ = tf.concat(dz, 0) as tf.Tensor2D;
  return { grads: weightGradients(s, DZ), dInputs: wantInputs ? matMulBT(DZ, w.kernel.read() as tf.Tensor2D) : undefined };
}

/** The simple RNN and the LSTM (this file) and the GRU (direct-gru.ts). */
function pathOf(cell: 'simple' | 'lstm'): LayerPath {
  return {
    savedCount: savedCount(cell),
    forward: (w, inputs, steps) => {
      const { states, saved } = layerForward(cell, w, inputs, steps);
      return { states, saved: flatten(saved) };
    },
    backward: (w, saved, incoming, steps, wantInputs) => layerBackward(cell, w, unflatten(cell, saved, steps), incoming, steps, wantInputs),
  };
}
const PATHS: Record<'simple' | 'lstm' | 'gru', LayerPath> = { simple: pathOf('simple'), lstm: pathOf('lstm'), gru: gruPath };

/**
 * The training-mode forward pass of a model built by `recurrent` (cell 'simple', 'lstm' or 'gru'), as one
 * operation with backpropagation through time written out, or null when the model is not one this path
 * covers (not from `recurrent`, a frozen layer, layers changed since it was built).
 *
 * @example
 *   const forward = directRecurrent(model);   // null -> use model.apply
 *   const { value, grads } = tf.variableGrads(() => lossFn(y, forward!(x)), trainableVariables(model));
 */
export function directRecurrent(model: tf.LayersModel): ((x: tf.Tensor) => tf.Tensor) | null {
  const info = modelInfo(model);
  if (info.kind !== 'recurrent' || !info.options) return null;
  const o = info.options as { cell: string; layers: number };
  if (o.cell !== 'simple' && o.cell !== 'lstm' && o.cell !== 'gru') return null;
  const cell = o.cell;
  const path = PATHS[cell];
  const layers: Recurrent[] = [];
  for (let l = 1; l <= o.layers; l++) {
    const w = recurrentWeights(layerNamed(model, positionName(PREFIX[cell], l, o.layers)));
    if (!w) return null;
    layers.push(w);
  }
  const outLayer = layerNamed(model, 'output');
  const outKernel = weightOf(outLayer, 'kernel');
  const outBias = weightOf(outLayer, 'bias');
  if (!outKernel || !outBias) return null;
  const handles = [...layers.flatMap((w) => [w.kernel, w.recurrentKernel, w.bias]), outKernel, outBias];
  if (handles.some((w) => !w.trainable) || model.layers.some((l) => l.weights.length > 0 && !l.trainable)) return null;
  let input: tf.Tensor3D;

  const forwardAndBackward = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [batch, steps, features] = input.shape;
    let inputs = tf.reshape(tf.transpose(input, [1, 0, 2]), [steps * batch, features]) as tf.Tensor2D;
    const kept: tf.Tensor[] = [];
    let last: tf.Tensor2D | undefined;
    for (const w of layers) {
      const { states, saved } = path.forward(w, inputs, steps);
      kept.push(...saved);
      last = states[steps - 1];
      inputs = tf.concat(states, 0) as tf.Tensor2D;
    }
    const y = tf.add(tf.matMul(last!, outKernel.read()), outBias.read());
    save([...kept, last!]);
    return {
      value: y,
      gradFunc: (g: tf.Tensor2D, saved: tf.Tensor[]) => {
        const hLast = saved[saved.length - 1] as tf.Tensor2D;
        const grads: tf.Tensor[] = [matMulAT(hLast, g), tf.sum(g, 0)];
        let incoming: (tf.Tensor2D | undefined)[] = new Array(steps).fill(undefined);
        incoming[steps - 1] = matMulBT(g, outKernel.read() as tf.Tensor2D);
        for (let l = layers.length - 1; l >= 0; l--) {
          const own = saved.slice(l * path.savedCount, (l + 1) * path.savedCount);
          const { grads: layerGrads, dInputs } = path.backward(layers[l], own, incoming, steps, l > 0);
          grads.unshift(...layerGrads);
          if (dInputs) incoming = rowBlocks(dInputs, steps);
        }
        return grads;
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);

  return (x: tf.Tensor) => {
    if (x.rank !== 3) throw new Error(`directRecurrent: x has rank ${x.rank}; allowed: 3 ([batch, steps, features])`);
    input = x as tf.Tensor3D;
    return (forwardAndBackward as unknown as (...w: tf.Tensor[]) => tf.Tensor)(...handles.map((w) => w.read()));
  };
}
