/**
 * Saturated and dead units per layer, as bars.
 *
 * A sigmoid or tanh unit is saturated when its input is so large that its derivative is nearly 0: it
 * passes almost no gradient back. A ReLU unit is dead when its input is negative for every example: its
 * derivative is exactly 0 and it never learns again. Both cut the gradient's path through the network.
 */
import { fail } from '../core/check';
import { Figure, Layout, Trace, checkFigureOptions } from './figure';
import { baseLayout, checkArray, checkNumbers, colorFor, linearAxis } from './style';

/** One configuration's unit statistics, one number per layer, input side first. */
export interface UnitSeries {
  /** Configuration name; picks the colour. */
  name: string;
  /** Layer names, one per value. Default 'layer 1', 'layer 2', ... */
  layers?: string[];
  /** Share of units (0 to 1) that are saturated in each layer. */
  saturated?: readonly number[];
  /** Share of units (0 to 1) that are dead in each layer. */
  dead?: readonly number[];
}

export interface UnitBarsOptions {
  title?: string;
  /** Default 'saturated-and-dead-units' (or 'saturated-units' / 'dead-units' when only one is given). */
  name?: string;
  /** How "saturated" was decided, for the axis title, such as "|f'(x)| < 0.01". */
  saturationRule?: string;
  /** How "dead" was decided, such as "0 for every example". */
  deadRule?: string;
}

/**
 * Grouped bars: per layer, the share of saturated units (top) and of dead units (bottom), one colour per
 * configuration. A panel appears only when some configuration gives that statistic.
 *
 * How to read it: a tall bar means most of that layer's units pass (almost) no gradient. Saturation that
 * grows towards the input, or dead units that pile up during training, explain a vanishing gradient.
 */
export function unitBarsFigure(series: UnitSeries[], options: UnitBarsOptions = {}): Figure {
  checkFigureOptions('unitBarsFigure', options, ['title', 'name', 'saturationRule', 'deadRule']);
  const list = checkArray<UnitSeries>(series, 'unitBarsFigure', 'series', "[{name: 'sigmoid', saturated: [0.1, 0.4]}]");
  list.forEach((s, i) => {
    if (!s || typeof s.name !== 'string') fail('unitBarsFigure', `series[${i}].name`, s?.name, "a string such as 'sigmoid'");
    if (s.saturated === undefined && s.dead === undefined) {
      fail('unitBarsFigure', `series[${i}]`, s, "an object with 'saturated' or 'dead' (arrays of shares 0..1), or both");
    }
    for (const key of ['saturated', 'dead'] as const) {
      if (s[key] === undefined) continue;
      checkNumbers(s[key], 'unitBarsFigure', `series[${i}].${key}`).forEach((v, j) => {
        if (v !== null && (v < 0 || v > 1)) {
          fail('unitBarsFigure', `series[${i}].${key}[${j}]`, v, 'a share between 0 and 1 (0.25 = 25% of units)');
        }
      });
    }
  });
  const panels = (['saturated', 'dead'] as const).filter((key) => list.some((s) => s[key] !== undefined));
  const data: Trace[] = [];
  const legendShown = new Set<string>();
  let depth = 0;
  panels.forEach((key, p) => {
    for (const s of list) {
      const values = s[key];
      if (!values) continue;
      depth = Math.max(depth, values.length);
      const layers = s.layers ?? values.map((_, i) => `layer ${i + 1}`);
      const showlegend = !legendShown.has(s.name);
      legendShown.add(s.name);
      data.push({
        type: 'bar',
        name: s.name,
        legendgroup: s.name,
        showlegend,
        x: values.map((_, i) => i + 1),
        y: values.map((v) => Number((100 * v).toFixed(3))),
        text: layers,
        textposition: 'none',
        marker: { color: colorFor(s.name) },
        xaxis: p === 0 ? 'x' : 'x2',
        yaxis: p === 0 ? 'y' : 'y2',
        hovertemplate: `${s.name}<br>%{text}: %{y:.1f}% ${key}<extra></extra>`,
        meta: { group: key },
      });
    }
  });
  const worst = (key: 'saturated' | 'dead') => {
    let best = { name: '', layer: 0, value: -1 };
    for (const s of list) (s[key] ?? []).forEach((v, i) => (v > best.value ? (best = { name: s.name, layer: i + 1, value: v }) : 0));
    return best;
  };
  const findings = panels.map((key) => {
    const w = worst(key);
    return `${Math.round(w.value * 100)}% of units ${key} in layer ${w.layer} (${w.name})`;
  });
  const title = options.title ?? `Up to ${findings.join('; up to ')}`;
  const summary =
    `Bars of the share of ${panels.join(' and ')} units per layer for ${[...legendShown].join(', ')}; ` +
    `highest: ${findings.join('; ')}.`;
  const two = panels.length === 2;
  const axisTitle = (key: 'saturated' | 'dead') =>
    key === 'saturated'
      ? `saturated units (%)${options.saturationRule ? `<br><sub>${options.saturationRule}</sub>` : ''}`
      : `dead units (%)${options.deadRule ? `<br><sub>${options.deadRule}</sub>` : ''}`;
  const xTicks = { dtick: depth > 30 ? 5 : depth > 12 ? 2 : 1, range: [0.5, depth + 0.5] };
  const layout = {
    ...baseLayout({
      name: options.name ?? (two ? 'saturated-and-dead-units' : `${panels[0]}-units`),
      title,
      summary,
      height: two ? 620 : 450,
    }),
    barmode: 'group',
    xaxis: linearAxis(two ? '' : 'layer (1 = next to the input)', { ...xTicks, anchor: 'y', ...(two ? { matches: 'x2', showticklabels: false } : {}) }),
    yaxis: linearAxis(axisTitle(panels[0]), { domain: two ? [0.56, 1] : [0, 1], range: [0, 100], anchor: 'x', ticksuffix: '' }),
    ...(two
      ? {
          xaxis2: linearAxis('layer (1 = next to the input)', { ...xTicks, anchor: 'y2' }),
          yaxis2: linearAxis(axisTitle(panels[1]), { domain: [0, 0.44], range: [0, 100], anchor: 'x2' }),
        }
      : {}),
  } as Layout;
  return { data, layout };
}
