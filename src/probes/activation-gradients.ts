/**
 * The backward-signal probe: how large is dLoss/dh_l, the gradient with respect to each hidden layer's
 * *outputs*?
 *
 * Backpropagation carries one signal down the network: dL/dh_l, the gradient of the loss with respect to
 * the activation h_l = f(z_l), z_l = W_l h_{l-1} + b_l. One step back is
 *
 *   dL/dh_{l-1} = W_l^T ( f'(z_l) * dL/dh_l )
 *
 * so when every step multiplies its size by the same factor, dL/dh_l shrinks (vanishes) or grows
 * (explodes) geometrically towards the input. The weight gradient that `gradientNorms` reports is a
 * different quantity:
 *
 *   dL/dW_l = ( f'(z_l) * dL/dh_l ) h_{l-1}^T
 *
 * It multiplies the backward signal by the forward signal h_{l-1}. In a plain ReLU network with too-small
 * weights, h_{l-1} shrinks going up as fast as dL/dh_l shrinks going down, so the weight gradients can be
 * level across layers (all tiny) while dL/dh_l falls by a constant factor per layer. This probe reports the
 * backward factor on its own.
 *
 * A tiny example: a chain of width 1 with linear units, x = 1, y = 0, weights w_1 = 2, w_2 = 0.5, w_3 = 3
 * (the output), loss L = (p - y)^2:
 *
 *   forward:   h_1 = 2,  h_2 = 1,  p = 3,  L = 9
 *   backward:  dL/dp = 2 (p - y) = 6,  dL/dh_2 = 6 w_3 = 18,  dL/dh_1 = 18 w_2 = 9
 *   weights:   dL/dw_3 = 6 h_2 = 6,    dL/dw_2 = 18 h_1 = 36,  dL/dw_1 = 9 x = 9
 *
 * so `activationGradients` reports [9, 18] for [activation_01, activation_02], and `gradientNorms`
 * [9, 36, 6] for [dense_01, dense_02, output].
 *
 * How: the probe runs the model's layers one by one, adds a tensor of zeros e_l to every activation
 * output (h_l + e_l, which changes nothing), and asks TensorFlow.js for dL/de_l, which equals dL/dh_l.
 * It works for any single-input, single-output functional model (with or without batch normalization and
 * residual connections): in a residual `mlp`, h_l is the output of the branch's activation (activation_NN),
 * before the residual addition. Recurrent models are refused: their hidden states live inside the
 * recurrent layer (use `gradientOverTime`). Norms are summed in float64 on the host after one transfer:
 * squaring a float32 of 1e-25 (or 1e20) underflows (or overflows).
 */
import * as tf from '@tensorflow/tfjs';
import { checkOneOf, fail } from '../core/check';
import { DataLike, toTensors } from '../core/data';
import { modelInfo } from '../models/info';
import { LOSSES, LossName, outputsAreProbabilities, resolveLoss } from '../core/losses';
import { probeBackward, probePass } from './kernel-probe';
import { checkProbeCall, checkShapes } from '../core/model-checks';
import { TensorSize, tensorSize } from './magnitude';
import { keepingRunningStatistics } from './parameters';

/** The gradient of the loss with respect to one hidden layer's output, summarised over the batch. */
export interface LayerActivationGradient extends TensorSize {
  /** Stable name of the layer producing the activation, e.g. 'activation_03'. */
  name: string;
  activation: string;
  /** 1-based position among hidden layers (input side first). */
  depth: number;
  /** Shape of dL/dh: [examples, units]; `norm` is ||dL/dh||_2 over the whole batch. */
  shape: number[];
}

/** What one backward-signal probe measured. */
export interface ActivationGradientSnapshot {
  probe: 'activationGradients';
  /** Training step the probe ran at (0 = before training). */
  step: number;
  /** Loss on the probe batch at these weights. */
  loss: number;
  lossName: LossName;
  /** Number of examples in the probe batch. */
  examples: number;
  /** True when batch normalization used the batch's own statistics (training mode). */
  training: boolean;
  /** One entry per hidden activation layer, in depth order. */
  layers: LayerActivationGradient[];
}

/** Options of `activationGradients`. */
export interface ActivationGradientsOptions {
  /** Loss to differentiate; default from the dataset's task (see `resolveLoss`). */
  loss?: LossName;
  /** Step number written into the record (default 0). */
  step?: number;
  /**
   * Run batch normalization in training mode, normalising with the probe batch's own statistics, as
   * during training (default true). The running statistics are restored afterwards.
   */
  training?: boolean;
}

const FIELDS = ['loss', 'step', 'training'];

/** The parts of a tfjs graph node this probe reads. */
interface GraphNode {
  inputTensors: tf.SymbolicTensor[];
  outputTensors: tf.SymbolicTensor[];
}

/** One layer of the model to apply, with the symbolic tensors it reads and writes. */
interface Step {
  layer: tf.layers.Layer;
  inputs: number[];
  outputs: number[];
  /** Index of the perturbation added to its output, or -1. */
  probe: number;
}

/** The model's layers in the order they run, and the shape of every probed output (batch dimension first). */
function plan(where: string, model: tf.LayersModel, probed: string[]): { steps: Step[]; shapes: number[][] } {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    fail(where, 'model', `a model with ${model.inputs.length} inputs and ${model.outputs.length} outputs`, 'a model with one input and one output');
  }
  const steps: Step[] = [];
  const shapes: number[][] = [];
  // model.layers lists a functional model's layers in an order where every layer follows its inputs.
  for (const layer of model.layers) {
    const nodes = (layer as unknown as { inboundNodes: GraphNode[] }).inboundNodes;
    if (nodes.length !== 1) {
      fail(where, `model layer '${layer.name}'`, `used ${nodes.length} times in the graph`, 'a model whose every layer is used once (as built by mlp())');
    }
    const node = nodes[0];
    if (layer.getClassName() === 'InputLayer') continue;
    let probe = -1;
    if (probed.includes(layer.name)) {
      const shape = node.outputTensors[0].shape;
      if (node.outputTensors.length !== 1 || shape[0] !== null || shape.slice(1).some((d) => d === null)) {
        fail(where, `model layer '${layer.name}'`, `an output of shape [${shape.map((d) => (d === null ? 'null' : d)).join(', ')}]`, 'one output of fixed shape [batch, ...]');
      }
      probe = shapes.length;
      shapes.push(shape.slice(1) as number[]);
    }
    steps.push({ layer, inputs: node.inputTensors.map((t) => t.id), outputs: node.outputTensors.map((t) => t.id), probe });
  }
  return { steps, shapes };
}

/**
 * Measures ||dLoss/dh_l|| for every hidden layer's activation output h_l, at the current weights, on the
 * given examples (all of them, as one batch): the backward signal, layer by layer.
 *
 * @example
 *   const model = mlp({ inputs: 2, outputs: 1, depth: 30, width: 64, activation: 'relu', init: 'naive', initStd: 0.01 });
 *   const g = activationGradients(model, moons({ n: 256 }));
 *   g.layers.map((l) => l.log10);   // falls by about log10(0.057) = -1.24 per layer from activation_30 down
 */
export function activationGradients(model: tf.LayersModel, data: DataLike, options: ActivationGradientsOptions = {}): ActivationGradientSnapshot {
  const where = 'activationGradients';
  const { step, training } = checkProbeCall(where, model, data, options, FIELDS);
  if (options.loss !== undefined) checkOneOf(where, 'loss', options.loss, LOSSES);
  const info = modelInfo(model);
  if (info.kind === 'recurrent' || (info.recurrentLayers?.length ?? 0) > 0) {
    fail(where, 'model', `a recurrent model (${(info.recurrentLayers ?? []).join(', ') || info.summary})`, 'a feed-forward model such as mlp(); for recurrent models use gradientOverTime');
  }
  const loss = resolveLoss(where, model, data, options.loss);
  const hidden = info.activationLayers;
  const { steps, shapes } = plan(where, model, hidden.map((l) => l.layer));
  const inputId = model.inputs[0].id;
  const outputId = model.outputs[0].id;
  const batch = toTensors(data, where);
  try {
    checkShapes(where, model, batch);
    const examples = batch.x.shape[0];
    const net = probePass(model);
    if (net) {
      // Kernel by kernel (kernel-probe.ts): the same numbers, read in place.
      const probabilities = outputsAreProbabilities(model, loss.name);
      const measured = probeBackward(net, batch.x, batch.y, { ...loss, probabilities }, false, (views) => ({
        loss: views.loss,
        layers: hidden.map((layer, i): LayerActivationGradient => {
          const { sums, ...size } = tensorSize(views.activations[i], 0, views.activations[i].length);
          return { name: layer.layer, activation: layer.activation, depth: layer.depth, shape: [examples, ...shapes[i]], ...size };
        }),
      }));
      return { probe: 'activationGradients', step, loss: measured.loss, lossName: loss.name, examples, training, layers: measured.layers };
    }
    // One transfer to the host: [loss, dL/dh_1..., dL/dh_L...]. (Assigned, not returned from tf.tidy.)
    let host: Float32Array = new Float32Array(0);
    keepingRunningStatistics(model, () =>
      tf.tidy(() => {
        const forward = (...perturbations: tf.Tensor[]): tf.Scalar => {
          const values = new Map<number, tf.Tensor>([[inputId, batch.x]]);
          for (const s of steps) {
            const inputs = s.inputs.map((id) => values.get(id)!);
            let out = s.layer.apply(inputs.length === 1 ? inputs[0] : inputs, { training }) as tf.Tensor | tf.Tensor[];
            if (s.probe >= 0) out = tf.add(out as tf.Tensor, perturbations[s.probe]);
            const outs = Array.isArray(out) ? out : [out];
            s.outputs.forEach((id, i) => values.set(id, outs[i]));
          }
          return loss.fn(batch.y, values.get(outputId)!) as tf.Scalar;
        };
        const zeros = shapes.map((shape) => tf.zeros([examples, ...shape]));
        if (zeros.length === 0) {
          host = forward().reshape([1]).dataSync() as Float32Array;
          return;
        }
        const { value, grads } = tf.valueAndGrads(forward)(zeros);
        host = tf.concat([value.reshape([1]), ...grads.map((g) => g.reshape([-1]))]).dataSync() as Float32Array;
      }),
    );
    let cursor = 1;
    const layers = hidden.map((layer, i): LayerActivationGradient => {
      const shape = [examples, ...shapes[i]];
      const size = shape.reduce((a, b) => a * b, 1);
      const { sums, ...measured } = tensorSize(host, cursor, cursor + size);
      cursor += size;
      return { name: layer.layer, activation: layer.activation, depth: layer.depth, shape, ...measured };
    });
    return { probe: 'activationGradients', step, loss: host[0], lossName: loss.name, examples, training, layers };
  } finally {
    batch.dispose();
  }
}
