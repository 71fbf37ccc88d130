/**
 * Activation functions and their derivatives, side by side.
 *
 * Backpropagation multiplies the gradient by the activation's derivative once per layer. A derivative that
 * is small everywhere (sigmoid: at most 0.25) or zero over half its inputs (ReLU for x < 0) shrinks the
 * gradient layer after layer. The right-hand panel shows that factor; read it as "what one layer does to
 * the gradient at this pre-activation x".
 */
import { fail } from '../core/check';
import { Figure, Layout, slug, checkFigureOptions } from './figure';
import { topMargin, wrapTitle, baseLayout, colorFor, linearAxis } from './style';
import { formatNumber } from '../core/format';

/** Most sample points of an activation figure (see ActivationFigureOptions.points). */
const MAX_POINTS = 100_000;

/** A function of one number, written for plotting (plain JavaScript, no tensors). */
export type ScalarFunction = (x: number) => number;

/** An activation to draw: a known name, or your own function (and optionally its exact derivative). */
export type ActivationSpec =
  | ActivationCurveName
  | {
      /** Legend name; also the key of its colour. */
      name: string;
      /** The activation f(x). */
      f: ScalarFunction;
      /** Its derivative f'(x); when left out, a central difference with step 1e-4 is used. */
      df?: ScalarFunction;
    };

/** Erf by Abramowitz and Stegun 7.1.26 (error below 1.5e-7), enough for a plot of GELU. */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return sign * y;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const softplus = (x: number) => Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0);
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/**
 * Activations known by name, each with its exact derivative. `hardSigmoid` is tfjs's clip(0.2x + 0.5, 0, 1),
 * the default recurrent activation of tfjs LSTM and GRU layers; `leakyRelu` uses slope 0.01 for x < 0 (as
 * gradscope's models and PyTorch; draw another slope with your own {name, f}); `prelu` is drawn with its
 * starting slope 0.25 (training learns one slope per unit); `gelu` is the erf form tfjs uses.
 */
export const ACTIVATION_CURVES = {
  sigmoid: { f: sigmoid, df: (x: number) => sigmoid(x) * (1 - sigmoid(x)) },
  tanh: { f: Math.tanh, df: (x: number) => 1 - Math.tanh(x) ** 2 },
  relu: { f: (x: number) => Math.max(0, x), df: (x: number) => (x > 0 ? 1 : 0) },
  leakyRelu: { f: (x: number) => (x > 0 ? x : 0.01 * x), df: (x: number) => (x > 0 ? 1 : 0.01) },
  prelu: { f: (x: number) => (x > 0 ? x : 0.25 * x), df: (x: number) => (x > 0 ? 1 : 0.25) },
  elu: { f: (x: number) => (x > 0 ? x : Math.exp(x) - 1), df: (x: number) => (x > 0 ? 1 : Math.exp(x)) },
  selu: {
    f: (x: number) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * (Math.exp(x) - 1)),
    df: (x: number) => SELU_SCALE * (x > 0 ? 1 : SELU_ALPHA * Math.exp(x)),
  },
  gelu: {
    f: (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
    df: (x: number) => 0.5 * (1 + erf(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI),
  },
  softplus: { f: softplus, df: sigmoid },
  swish: { f: (x: number) => x * sigmoid(x), df: (x: number) => sigmoid(x) * (1 + x * (1 - sigmoid(x))) },
  hardSigmoid: {
    f: (x: number) => Math.min(1, Math.max(0, 0.2 * x + 0.5)),
    df: (x: number) => (x > -2.5 && x < 2.5 ? 0.2 : 0),
  },
  mish: {
    f: (x: number) => x * Math.tanh(softplus(x)),
    df: (x: number) => {
      const t = Math.tanh(softplus(x));
      return t + x * (1 - t * t) * sigmoid(x);
    },
  },
  softsign: { f: (x: number) => x / (1 + Math.abs(x)), df: (x: number) => 1 / (1 + Math.abs(x)) ** 2 },
  linear: { f: (x: number) => x, df: () => 1 },
} satisfies Record<string, { f: ScalarFunction; df: ScalarFunction }>;

/** The names `activationFigure` knows. */
export type ActivationCurveName = keyof typeof ACTIVATION_CURVES;

export interface ActivationFigureOptions {
  /** The finding, shown as the title. Default: each activation's largest derivative, in words. */
  title?: string;
  /** Stable file name. Default `<activation>-and-derivative`, or `activations-and-derivatives` for several. */
  name?: string;
  /** The pre-activation range drawn. Default [-6, 6]. */
  range?: [number, number];
  /**
   * Sample points across the range. Default 241 (a step of 0.05 on [-6, 6]); at most 100 000: each point is
   * 4 numbers per activation in the figure's JSON (about 80 bytes), saved inside the notebook, and a screen
   * shows no more than a few thousand across.
   */
  points?: number;
}

function resolve(spec: ActivationSpec, index: number): { name: string; f: ScalarFunction; df: ScalarFunction } {
  if (typeof spec === 'string') {
    const known = (ACTIVATION_CURVES as Record<string, { f: ScalarFunction; df: ScalarFunction }>)[spec];
    if (!known) {
      fail('activationFigure', `activations[${index}]`, spec, `${Object.keys(ACTIVATION_CURVES).join(', ')}, or an object {name, f, df?} with your own function`);
    }
    return { name: spec, ...known };
  }
  if (!spec || typeof spec !== 'object' || typeof spec.f !== 'function' || typeof spec.name !== 'string') {
    fail('activationFigure', `activations[${index}]`, spec, "a known name such as 'sigmoid' or an object {name: string, f: (x) => number, df?: (x) => number}");
  }
  const h = 1e-4;
  const f = spec.f;
  return { name: spec.name, f, df: spec.df ?? ((x: number) => (f(x + h) - f(x - h)) / (2 * h)) };
}

/** Rounds to 6 significant digits so that figure JSON is short and identical across runs and machines. */
function round6(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : v;
}

/**
 * Draws each activation f(x) (left) and its derivative f'(x) (right).
 *
 * How to read it: on the right, the height of the curve at x is the factor by which one layer multiplies
 * the gradient when its pre-activation is x. Heights below 1 everywhere (sigmoid, at most 0.25) mean the
 * gradient shrinks at every layer; flat zero regions (ReLU for x < 0, sigmoid far from 0) mean no gradient
 * passes at all.
 *
 * @example
 *   await show(activationFigure(['sigmoid', 'tanh', 'relu']));
 */
export function activationFigure(activations: ActivationSpec | ActivationSpec[], options: ActivationFigureOptions = {}): Figure {
  checkFigureOptions('activationFigure', options, ['title', 'name', 'range', 'points']);
  const list = (Array.isArray(activations) ? activations : [activations]).map(resolve);
  if (list.length === 0) {
    fail('activationFigure', 'activations', [], "at least one activation, such as 'sigmoid'");
  }
  const [lo, hi] = options.range ?? [-6, 6];
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) {
    fail('activationFigure', 'options.range', options.range, '[low, high] with low < high');
  }
  const points = options.points ?? 241;
  if (!Number.isInteger(points) || points < 2 || points > MAX_POINTS) {
    fail('activationFigure', 'options.points', options.points, `a whole number from 2 to ${MAX_POINTS} (each point adds about 80 bytes per activation to the figure saved in the notebook)`);
  }
  const xs = Array.from({ length: points }, (_, i) => round6(lo + ((hi - lo) * i) / (points - 1)));

  const data: Record<string, unknown>[] = [];
  const findings: string[] = [];
  for (const act of list) {
    const colour = colorFor(act.name);
    const ys = xs.map((x) => round6(act.f(x)));
    const ds = xs.map((x) => round6(act.df(x)));
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: act.name,
      legendgroup: act.name,
      x: xs,
      y: ys,
      line: { color: colour, width: 2.5 },
      xaxis: 'x',
      yaxis: 'y',
      hovertemplate: `${act.name}(%{x:.2f}) = %{y:.4g}<extra></extra>`,
    });
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: `${act.name}'`,
      legendgroup: act.name,
      showlegend: false,
      x: xs,
      y: ds,
      line: { color: colour, width: 2.5 },
      xaxis: 'x2',
      yaxis: 'y2',
      hovertemplate: `${act.name}'(%{x:.2f}) = %{y:.4g}<extra></extra>`,
    });
    const finite = ds.filter(Number.isFinite);
    const maxD = Math.max(...finite);
    const minD = Math.min(...finite);
    // Share of the range where almost nothing passes: derivative below 5% of its peak.
    const zeroShare = ds.filter((d) => Math.abs(d) < 0.05 * Math.abs(maxD)).length / ds.length;
    let finding = `${act.name}' ${minD === maxD ? 'is' : 'is at most'} ${formatNumber(maxD)}`;
    if (zeroShare >= 0.1) finding += ` and nearly 0 on ${Math.round(zeroShare * 100)}% of [${lo}, ${hi}]`;
    findings.push(finding);
  }
  // A dashed line at derivative 1: above it the gradient grows, below it shrinks.
  data.push({
    type: 'scatter',
    mode: 'lines',
    name: "f' = 1",
    showlegend: false,
    hoverinfo: 'skip',
    x: [lo, hi],
    y: [1, 1],
    line: { color: '#999', width: 1, dash: 'dash' },
    xaxis: 'x2',
    yaxis: 'y2',
    meta: { csv: 'skip' },
  });

  const single = list.length === 1;
  const name = options.name ?? (single ? `${slug(list[0].name)}-and-derivative` : 'activations-and-derivatives');
  const title =
    options.title ??
    `${findings.join('; ')}<br><sup>Backpropagation multiplies the gradient by f'(x) at every layer</sup>`;
  const summary =
    `${single ? 'The activation' : 'Activations'} ${list.map((a) => a.name).join(', ')} (left) and ` +
    `${single ? 'its derivative' : 'their derivatives'} (right) for x in [${lo}, ${hi}]: ${findings.join('; ')}.`;
  const layout = {
    ...baseLayout({ name, title, summary, height: 430 }),
    margin: { l: 60, r: 30, t: topMargin(wrapTitle(title)), b: 100 },
    xaxis: linearAxis('pre-activation x', { domain: [0, 0.46], anchor: 'y' }),
    yaxis: linearAxis('f(x)', { anchor: 'x' }),
    xaxis2: linearAxis('pre-activation x', { domain: [0.56, 1], anchor: 'y2' }),
    yaxis2: linearAxis("f'(x), the factor applied to the gradient", { anchor: 'x2', rangemode: 'tozero' }),
    legend: { orientation: 'h', x: 0, y: 0.02, yanchor: 'bottom', yref: 'container' },
  } as Layout;
  return { data, layout };
}
