/**
 * Loss curves: does the network learn, and which configuration learns fastest.
 *
 * A network whose early layers get no gradient still lowers its loss a little (its last layers learn),
 * then stalls on a plateau. Comparing curves of configurations side by side shows what a remedy buys.
 */
import { Figure, Layout, Trace } from './figure';
import { baseLayout, checkArray, checkNumbers, colorFor, describeValue, formatNumber, linearAxis, logAxis, logRange } from './style';
import { toLogValues, rawForJson } from './logseries';

/** One loss curve: values at training steps. */
export interface LossSeries {
  /** Configuration name; picks the colour. */
  name: string;
  /** Training steps (or epochs), same length as `values`. */
  steps: readonly number[];
  /** Loss at each step. NaN or Infinity mean training diverged; the curve stops there. */
  values: readonly number[];
  /** 'train' (solid line, default) or 'test' (dashed, same colour). */
  split?: 'train' | 'test';
}

export interface LossCurvesOptions {
  title?: string;
  /** Default 'loss-curves'. */
  name?: string;
  /** Log y axis (default true: losses fall over orders of magnitude). */
  logY?: boolean;
  /** Y axis title with units. Default 'loss'. Give the loss, such as 'loss (binary cross-entropy, nats)'. */
  yTitle?: string;
  /** X axis title. Default 'training step'. */
  xTitle?: string;
}

/**
 * Loss against training step, one colour per configuration (test curves dashed), log y by default.
 *
 * How to read it: lower is better; a curve that flattens early far above the others is stuck, typically
 * because its early layers get no gradient. A curve that ends in a gap diverged (the loss became NaN).
 *
 * @example
 *   await show(lossCurvesFigure([{ name: 'sigmoid', steps, values: sigmoidLoss }, { name: 'relu', steps, values: reluLoss }]));
 */
export function lossCurvesFigure(series: LossSeries[], options: LossCurvesOptions = {}): Figure {
  const list = checkArray<LossSeries>(series, 'series', "[{name: 'relu', steps: [0, 10], values: [0.69, 0.4]}]");
  list.forEach((s, i) => {
    if (!s || typeof s.name !== 'string') throw new Error(`series[${i}].name should be a string; got ${describeValue(s?.name)}.`);
    const steps = checkNumbers(s.steps, `series[${i}].steps`);
    const values = checkNumbers(s.values, `series[${i}].values`);
    if (steps.length !== values.length) {
      throw new Error(`series[${i}] ('${s.name}') has ${steps.length} steps but ${values.length} values; give one value per step.`);
    }
    if (s.split !== undefined && s.split !== 'train' && s.split !== 'test') {
      throw new Error(`series[${i}].split is ${describeValue(s.split)}; allowed: 'train', 'test'.`);
    }
  });
  const logY = options.logY ?? true;
  const range = logRange(list.flatMap((s) => s.values));
  const data: Trace[] = [];
  const shown = new Set<string>();
  const findings: { name: string; final: number; diverged: boolean }[] = [];
  for (const s of list) {
    const colour = colorFor(s.name);
    const test = s.split === 'test';
    const label = test ? `${s.name} (test)` : s.name;
    data.push({
      type: 'scatter',
      mode: s.values.length > 40 ? 'lines' : 'lines+markers',
      name: label,
      legendgroup: s.name,
      x: [...s.steps],
      y: logY ? toLogValues(s.values) : s.values.map((v) => (Number.isFinite(v) ? v : null)),
      customdata: rawForJson(s.values),
      line: { color: colour, width: test ? 2 : 2.5, ...(test ? { dash: 'dash' } : {}) },
      marker: { color: colour, size: 4 },
      hovertemplate: `${label}<br>step %{x}: loss %{customdata:.4g}<extra></extra>`,
    });
    shown.add(s.name);
    if (!test) {
      const finiteValues = s.values.filter((v) => Number.isFinite(v));
      findings.push({
        name: s.name,
        final: finiteValues.length > 0 ? finiteValues[finiteValues.length - 1] : NaN,
        diverged: s.values.some((v) => !Number.isFinite(v)),
      });
    }
  }
  const ranked = [...findings].sort((a, b) => (a.diverged === b.diverged ? a.final - b.final : a.diverged ? 1 : -1));
  const describe = (f: (typeof findings)[number]) => `${f.name} ${f.diverged ? 'diverged' : formatNumber(f.final)}`;
  const title =
    options.title ??
    (ranked.length === 0
      ? 'Loss during training'
      : ranked.length === 1
        ? `${ranked[0].name} ${ranked[0].diverged ? 'diverges' : `ends at loss ${formatNumber(ranked[0].final)}`}`
        : `${ranked[0].name} reaches the lowest loss: ${ranked.map(describe).join(', ')}`);
  const summary =
    `Loss against training step${logY ? ' (log scale)' : ''} for ${[...shown].join(', ')}; final training loss: ` +
    `${findings.map(describe).join('; ')}.`;
  const layout = {
    ...baseLayout({ name: options.name ?? 'loss-curves', title, summary }),
    xaxis: linearAxis(options.xTitle ?? 'training step'),
    yaxis: logY ? logAxis(options.yTitle ?? 'loss', range) : linearAxis(options.yTitle ?? 'loss', { rangemode: 'tozero' }),
  } as Layout;
  return { data, layout };
}
