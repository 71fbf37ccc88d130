/**
 * Loss curves: does the network learn, and which configuration learns fastest.
 *
 * A network whose early layers get no gradient still lowers its loss a little (its last layers learn),
 * then stalls on a plateau. Comparing curves of configurations side by side shows what a remedy buys.
 */
import { fail } from '../core/check';
import { Figure, Layout, Trace, checkFigureOptions } from './figure';
import { baseLayout, checkArray, checkNumbers, colorFor, linearAxis, logAxis, logRange } from './style';
import { formatNumber } from '../core/format';
import { toLogValues, rawForJson } from './logseries';
import { lossSeries, LossSeries, StepMetric } from '../records/history';
import { summarizeSeries } from '../records/stats';
import type { History } from '../training/train';

/** A loss curve read from a training history (see `lossSeries` for the options). */
export interface HistorySeries {
  name: string;
  history: History;
  metric?: StepMetric;
  smooth?: number;
  split?: 'train' | 'validation';
}

/** One configuration trained on several seeds: drawn as the median curve with a band from the lowest to the highest seed. */
export interface SeedHistories {
  name: string;
  histories: readonly History[];
  metric?: StepMetric;
  smooth?: number;
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
export function lossCurvesFigure(series: readonly (LossSeries | HistorySeries | SeedHistories)[], options: LossCurvesOptions = {}): Figure {
  checkFigureOptions('lossCurvesFigure', options, ['title', 'name', 'logY', 'yTitle', 'xTitle']);
  const given = checkArray<LossSeries | HistorySeries | SeedHistories>(series, 'lossCurvesFigure', 'series', "[{name: 'relu', steps: [0, 10], values: [0.69, 0.4]}]");
  const bands = new Map<number, { low: number[]; high: number[] }>();
  const list: LossSeries[] = given.map((item, i) => {
    if (item && typeof item === 'object' && 'history' in item) {
      const { name, history, metric, smooth, split } = item;
      return lossSeries(history, { name, metric, smooth, split });
    }
    if (item && typeof item === 'object' && 'histories' in item) {
      const runs = checkArray<History>(item.histories, 'lossCurvesFigure', `series[${i}].histories`, 'one history per seed');
      const curves = runs.map((h) => lossSeries(h, { name: item.name, metric: item.metric, smooth: item.smooth }));
      const summary = summarizeSeries(curves.map((c) => c.values), [0, 1]);
      bands.set(i, { low: summary.low, high: summary.high });
      return { name: item.name, steps: curves[0].steps, values: summary.median };
    }
    return item as LossSeries;
  });
  list.forEach((s, i) => {
    if (!s || typeof s.name !== 'string') fail('lossCurvesFigure', `series[${i}].name`, s?.name, "a string such as 'relu'");
    const steps = checkNumbers(s.steps, 'lossCurvesFigure', `series[${i}].steps`);
    const values = checkNumbers(s.values, 'lossCurvesFigure', `series[${i}].values`);
    if (steps.length !== values.length) {
      fail('lossCurvesFigure', `series[${i}].values`, `${values.length} values for ${steps.length} steps`, 'one value per step');
    }
    if (s.split !== undefined && s.split !== 'train' && s.split !== 'test') {
      fail('lossCurvesFigure', `series[${i}].split`, s.split, "'train', 'test'");
    }
  });
  const logY = options.logY ?? true;
  const range = logRange([...list.flatMap((s) => s.values), ...[...bands.values()].flatMap((b) => [...b.low, ...b.high])]);
  const data: Trace[] = [];
  const shown = new Set<string>();
  const findings: { name: string; final: number; diverged: boolean }[] = [];
  list.forEach((s, i) => {
    const colour = colorFor(s.name);
    const band = bands.get(i);
    if (band) {
      const clean = (vs: number[]) => (logY ? toLogValues(vs) : vs.map((v) => (Number.isFinite(v) ? v : null)));
      const edge = { type: 'scatter', mode: 'lines', legendgroup: s.name, showlegend: false, hoverinfo: 'skip', line: { width: 0, color: colour }, meta: { csv: 'skip' }, x: [...s.steps] };
      data.push({ ...edge, name: `${s.name} (band top)`, y: clean(band.high) });
      data.push({ ...edge, name: `${s.name} (band)`, y: clean(band.low), fill: 'tonexty', fillcolor: colour, opacity: 0.2 });
    }
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
  });
  const ranked = [...findings].sort((a, b) => (a.diverged === b.diverged ? a.final - b.final : a.diverged ? 1 : -1));
  const describe = (f: (typeof findings)[number]) => `${f.name} ${f.diverged ? 'diverged' : formatNumber(f.final)}`;
  const title =
    options.title ??
    (ranked.length === 0
      ? 'Loss during training'
      : ranked.length === 1
        ? `${ranked[0].name} ${ranked[0].diverged ? 'diverges' : `ends at loss ${formatNumber(ranked[0].final)}`}`
        : `${ranked[0].name} reaches the lowest loss: ${ranked.map(describe).join(', ')}`);
  const seeds = bands.size > 0 ? ' Curves of several seeds are medians, with a band from the lowest to the highest seed.' : '';
  const summary =
    `Loss against training step${logY ? ' (log scale)' : ''} for ${[...shown].join(', ')}; final training loss: ` +
    `${findings.map(describe).join('; ')}.${seeds}`;
  const layout = {
    ...baseLayout({ name: options.name ?? 'loss-curves', title, summary }),
    xaxis: linearAxis(options.xTitle ?? 'training step'),
    yaxis: logY ? logAxis(options.yTitle ?? 'loss', range) : linearAxis(options.yTitle ?? 'loss', { rangemode: 'tozero' }),
  } as Layout;
  return { data, layout };
}
