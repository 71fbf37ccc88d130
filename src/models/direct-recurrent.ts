/**
 * A `recurrent` model (simple RNN or LSTM) computed directly: the same forward pass as its layers, on the
 * model's own weight variables, as one operation with backpropagation through time written out.
 *
 * Two savings over the layers path, same numbers to float32 rounding:
 *   - the input projection x_t W + b for all T time steps is one matrix product [T*batch, in] x [in, G]
 *     instead of T small ones;
 *   - the backward pass is a handful of operations per time step, with everything that does not depend on
 *     the incoming gradient (the gates' slopes) computed for all time steps at once after the forward pass.
 * Tensors holding all time steps are cut into per-step blocks with `rowBlocks` (one copy of each number;
 * `tf.split` on wasm copies the whole tensor once per piece).
 *
 * Simple RNN:  h_t = tanh(x_t W + b + h_{t-1} U).
 *   Backward: dz_t = dh_t (1 - h_t^2); dh_{t-1} += dz_t U^T; dW = sum x_t^T dz_t, dU = sum h_{t-1}^T dz_t,
 *   db = sum dz_t.
 * LSTM (gate order i, f, g, o as in Keras):  z_t = x_t W + b + h_{t-1} U,  i, f, o = sigmoid, g = tanh of
 *   their quarter of z_t;  c_t = f c_{t-1} + i g;  h_t = o tanh(c_t).
 *   Backward: dc_t = dc_{t+1} f_{t+1} + dh_t o (1 - tanh^2 c_t);
 *   dz_t = [dc_t g i(1-i), dc_t c_{t-1} f(1-f), dc_t i (1-g^2), dh_t tanh(c_t) o(1-o)];
 *   then dh_{t-1} += dz_t U^T and the weight gradients as for the simple RNN.
 * The output layer reads h_T: y = h_T W_out + b_out.
 */
import * as tf from '@tensorflow/tfjs';
import { WeightHandle, layerNamed, matMulAT, matMulBT, weightOf } from './direct-ops';
import { modelInfo, positionName } from './info';
import { rowBlocks } from './row-blocks';

interface Recurrent {
  kernel: WeightHandle;
  recurrentKernel: WeightHandle;
  bias: WeightHandle;
}

/** Per layer, what the backward pass needs (all [T*batch, .], time-major). */
interface Saved {
  /** The layer's inputs x_t, and the states h_{t-1} (zeros at t = 0). */
  inputs: tf.Tensor2D;
  previous: tf.Tensor2D;
  /** LSTM: the factors of dz_t (see the top of the file) and o (1 - tanh^2 c); simple RNN: 1 - h^2. */
  slopes: tf.Tensor2D;
  cellSlope?: tf.Tensor2D;
  /** LSTM: the forget gates f_t. */
  forget?: tf.Tensor2D;
}

const PREFIX = { simple: 'rnn', lstm: 'lstm' } as const;

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
  const projected = rowBlocks(tf.add(tf.matMul(inputs, w.kernel.read()), w.bias.read()), steps);
  const U = w.recurrentKernel.read() as tf.Tensor2D;
  const states: tf.Tensor2D[] = [];
  const batch = projected[0].shape[0];
  const units = U.shape[0];
  const zeros = tf.zeros([batch, units]) as tf.Tensor2D;
  const previousOf = () => tf.concat([zeros, ...states.slice(0, -1)], 0) as tf.Tensor2D;
  if (cell === 'simple') {
    let h: tf.Tensor2D | undefined;
    for (let t = 0; t < steps; t++) {
      h = tf.tanh(h ? tf.add(projected[t], tf.matMul(h, U)) : projected[t]) as tf.Tensor2D;
      states.push(h);
    }
    const all = tf.concat(states, 0);
    return { states, saved: { inputs, previous: previousOf(), slopes: tf.sub(1, tf.square(all)) as tf.Tensor2D } };
  }
  const gates: tf.Tensor2D[][] = [[], [], [], []];
  const cells: tf.Tensor2D[] = [];
  const cellTanh: tf.Tensor2D[] = [];
  let h: tf.Tensor2D | undefined;
  let c: tf.Tensor2D | undefined;
  for (let t = 0; t < steps; t++) {
    const z = h ? tf.add(projected[t], tf.matMul(h, U)) : projected[t];
    const [zi, zf, zg, zo] = tf.split(z, 4, 1);
    const [i, f, g, o] = [tf.sigmoid(zi), tf.sigmoid(zf), tf.tanh(zg), tf.sigmoid(zo)] as tf.Tensor2D[];
    c = (c ? tf.add(tf.mul(f, c), tf.mul(i, g)) : tf.mul(i, g)) as tf.Tensor2D;
    const tc = tf.tanh(c) as tf.Tensor2D;
    h = tf.mul(o, tc) as tf.Tensor2D;
    [i, f, g, o].forEach((gate, k) => gates[k].push(gate));
    cells.push(c);
    cellTanh.push(tc);
    states.push(h);
  }
  const [I, F, G, O] = gates.map((list) => tf.concat(list, 0));
  const C0 = tf.concat([zeros, ...cells.slice(0, -1)], 0);
  const TC = tf.concat(cellTanh, 0);
  const sigmoidSlope = (s: tf.Tensor) => tf.mul(s, tf.sub(1, s));
  const slopes = tf.concat(
    [tf.mul(G, sigmoidSlope(I)), tf.mul(C0, sigmoidSlope(F)), tf.mul(I, tf.sub(1, tf.square(G))), tf.mul(TC, sigmoidSlope(O))],
    1,
  ) as tf.Tensor2D;
  const cellSlope = tf.mul(O, tf.sub(1, tf.square(TC))) as tf.Tensor2D;
  return { states, saved: { inputs, previous: previousOf(), slopes, cellSlope, forget: F as tf.Tensor2D } };
}

/**
 * Backward through one layer, given dLoss/dh_t for every t (undefined where no gradient arrives from
 * outside the layer). Returns the weight gradients [dW, dU, db] and the flat dLoss/dx ([T*batch, in]).
 */
function layerBackward(cell: 'simple' | 'lstm', w: Recurrent, s: Saved, incoming: (tf.Tensor2D | undefined)[], steps: number, wantInputs: boolean) {
  const UT = tf.transpose(w.recurrentKernel.read()) as tf.Tensor2D;
  const slopes = rowBlocks(s.slopes, steps);
  const cellSlope = s.cellSlope ? rowBlocks(s.cellSlope, steps) : [];
  const forget = s.forget ? rowBlocks(s.forget, steps) : [];
  const dz: tf.Tensor2D[] = new Array(steps);
  let dh: tf.Tensor2D | undefined;
  let dcCarry: tf.Tensor2D | undefined;
  for (let t = steps - 1; t >= 0; t--) {
    const from = incoming[t];
    // Every t receives a gradient from the layer above, or (the top layer) at least at t = T - 1.
    const d = (dh && from ? tf.add(dh, from) : (dh ?? from)!) as tf.Tensor2D;
    if (cell === 'simple') {
      dz[t] = tf.mul(d, slopes[t]) as tf.Tensor2D;
    } else {
      const fromH = tf.mul(d, cellSlope[t]);
      const dc = (dcCarry ? tf.add(dcCarry, fromH) : fromH) as tf.Tensor2D;
      dz[t] = tf.mul(tf.concat([dc, dc, dc, d], 1), slopes[t]) as tf.Tensor2D;
      if (t > 0) dcCarry = tf.mul(dc, forget[t]) as tf.Tensor2D;
    }
    if (t > 0) dh = tf.matMul(dz[t], UT) as tf.Tensor2D;
  }
  const DZ = tf.concat(dz, 0) as tf.Tensor2D;
  const grads = [matMulAT(s.inputs, DZ), matMulAT(s.previous, DZ), tf.sum(DZ, 0)];
  return { grads, dInputs: wantInputs ? matMulBT(DZ, w.kernel.read() as tf.Tensor2D) : undefined };
}

/**
 * The training-mode forward pass of a model built by `recurrent` with cell 'simple' or 'lstm', as one
 * operation with backpropagation through time written out, or null when the model is not one this path
 * covers (GRU, not from `recurrent`, a frozen layer, layers changed since it was built).
 *
 * @example
 *   const forward = directRecurrent(model);   // null -> use model.apply
 *   const { value, grads } = tf.variableGrads(() => lossFn(y, forward!(x)), trainableVariables(model));
 */
export function directRecurrent(model: tf.LayersModel): ((x: tf.Tensor) => tf.Tensor) | null {
  const info = modelInfo(model);
  if (info.kind !== 'recurrent' || !info.options) return null;
  const o = info.options as { cell: string; layers: number };
  if (o.cell !== 'simple' && o.cell !== 'lstm') return null;
  const cell = o.cell;
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
  const perLayer = cell === 'lstm' ? 5 : 3;
  let input: tf.Tensor3D;

  const forwardAndBackward = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [batch, steps, features] = input.shape;
    let inputs = tf.reshape(tf.transpose(input, [1, 0, 2]), [steps * batch, features]) as tf.Tensor2D;
    const kept: tf.Tensor[] = [];
    let last: tf.Tensor2D | undefined;
    for (const w of layers) {
      const { states, saved } = layerForward(cell, w, inputs, steps);
      kept.push(saved.inputs, saved.previous, saved.slopes, ...(saved.cellSlope ? [saved.cellSlope, saved.forget!] : []));
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
          const [inputsL, previous, slopes, cellSlope, forget] = saved.slice(l * perLayer, (l + 1) * perLayer) as tf.Tensor2D[];
          const { grads: layerGrads, dInputs } = layerBackward(cell, layers[l], { inputs: inputsL, previous, slopes, cellSlope, forget }, incoming, steps, l > 0);
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
