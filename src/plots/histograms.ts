/**
 * Histograms of gradients (or activations) per layer, with a slider over training steps.
 *
 * A norm is one number per layer; a histogram shows how the individual entries are spread. Gradients
 * span many powers of ten, so gradscope's probes bin them by log10 of their magnitude: a bar at 10^-8
 * counts entries between 10^-8 and 10^-7.5. Dragging the slider replays training without re-running it:
 * every step's bars are stored in the figure, and the slider only chooses which ones are visible.
 */
import { fail } from '../core/check';

const WHERE = 'histogramSliderFigure';
import { Figure, Layout, Trace, checkFigureOptions } from './figure';
import { topMargin, baseLayout, checkArray, powerLabel, sequentialColor } from './style';

/**
 * A histogram binned by log10 of magnitude, as gradscope probes record it: `counts[k]` entries have
 * log10|value| in [lowLog10 + k*binWidthLog10, lowLog10 + (k+1)*binWidthLog10); `zeros` are exact zeros.
 */
export interface LogHistogramLike {
  lowLog10: number;
  binWidthLog10: number;
  counts: readonly number[];
  zeros?: number;
  /** All entries, including zeros and those outside the bins; default: the sum of counts and zeros. */
  total?: number;
}

/** A histogram on a linear scale: `counts[k]` values lie in [edges[k], edges[k+1]). */
export interface LinearHistogramLike {
  edges: readonly number[];
  counts: readonly number[];
  total?: number;
}

export type HistogramLike = LogHistogramLike | LinearHistogramLike;

/** One moment of training: its step and the histogram of each layer (a gradient snapshot fits as is). */
export interface HistogramStep {
  step: number;
  layers: readonly { name: string; histogram?: HistogramLike; weight?: string }[];
}

export interface HistogramSliderOptions {
  /** 'gradient' (default) or 'activation': chooses the axis titles and default name. */
  kind?: 'gradient' | 'activation';
  /** Layers to draw, by name. Default: all when there are at most 8, else 8 spread from input to output. */
  layers?: string[];
  title?: string;
  /** Default 'gradient-histograms' or 'activation-histograms'. */
  name?: string;
  /** Which step the chart (and its static image) shows first: 'first' (default) or 'last'. */
  initial?: 'first' | 'last';
}

function isLog(h: HistogramLike): h is LogHistogramLike {
  return typeof (h as LogHistogramLike).lowLog10 === 'number';
}

/** Picks up to `max` items spread evenly, always keeping the first and the last. */
function spread<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const picked: T[] = [];
  for (let i = 0; i < max; i++) picked.push(items[Math.round((i * (items.length - 1)) / (max - 1))]);
  return picked;
}

/** Axis names and domains for a grid of small charts, row by row from the top. */
export function subplotGrid(count: number, columns: number, gap = { x: 0.06, y: 0.1 }) {
  const rows = Math.ceil(count / columns);
  const cells: { xaxis: string; yaxis: string; xKey: string; yKey: string; xDomain: [number, number]; yDomain: [number, number] }[] = [];
  const w = (1 - gap.x * (columns - 1)) / columns;
  const h = (1 - gap.y * (rows - 1)) / rows;
  for (let i = 0; i < count; i++) {
    const r = Math.floor(i / columns);
    const c = i % columns;
    const suffix = i === 0 ? '' : String(i + 1);
    const x0 = c * (w + gap.x);
    const y1 = 1 - r * (h + gap.y);
    cells.push({
      xaxis: `x${suffix}`,
      yaxis: `y${suffix}`,
      xKey: `xaxis${suffix}`,
      yKey: `yaxis${suffix}`,
      xDomain: [Number(x0.toFixed(4)), Number((x0 + w).toFixed(4))],
      yDomain: [Number((y1 - h).toFixed(4)), Number(y1.toFixed(4))],
    });
  }
  return { rows, cells };
}

/**
 * Per-layer histograms with a slider over training steps: one small chart per layer, input side first.
 *
 * How to read it: each bar is the share of the layer's entries at that magnitude. For gradients, bars
 * that sit many powers of ten further left in early layers than in late ones are the vanishing gradient,
 * entry by entry; a tall grey bar at "0" is exact zeros (dead ReLU units or underflow). Move the slider
 * to see how the spread changes as the network trains.
 *
 * @example
 *   const snapshots = steps.map((step) => gradientNorms(model, data, { step, histograms: true }));
 *   await show(histogramSliderFigure(snapshots));
 */
export function histogramSliderFigure(steps: HistogramStep[], options: HistogramSliderOptions = {}): Figure {
  checkFigureOptions('histogramSliderFigure', options, ['kind', 'layers', 'title', 'name', 'initial']);
  const list = checkArray<HistogramStep>(steps, WHERE, 'steps', '[{step: 0, layers: [{name, histogram}]}]');
  const kind = options.kind ?? 'gradient';
  if (kind !== 'gradient' && kind !== 'activation') {
    fail(WHERE, 'options.kind', kind, "'gradient', 'activation'");
  }
  list.forEach((s, i) => {
    if (!s || typeof s.step !== 'number' || !Array.isArray(s.layers)) {
      fail(WHERE, `steps[${i}]`, s, '{step: number, layers: [{name, histogram}]}');
    }
  });
  // Layers that have a histogram in at least one step, in their first-seen order.
  const available: string[] = [];
  for (const s of list) {
    for (const l of s.layers) {
      if (l.histogram && (l.weight === undefined || l.weight === 'kernel') && !available.includes(l.name)) available.push(l.name);
    }
  }
  if (available.length === 0) {
    fail(WHERE, 'steps[*].layers', 'without histograms', 'snapshots recorded with histograms on, such as gradientNorms(model, data, {histograms: true})');
  }
  let layers: string[];
  if (options.layers) {
    const unknown = options.layers.filter((name) => !available.includes(name));
    if (unknown.length > 0) {
      fail(WHERE, 'options.layers', unknown, `names of layers with a histogram: ${available.join(', ')}`);
    }
    layers = options.layers;
  } else {
    layers = spread(available, 8);
  }

  const columns = layers.length <= 3 ? layers.length : layers.length <= 4 ? 2 : layers.length <= 9 ? 3 : 4;
  const grid = subplotGrid(layers.length, columns, { x: 0.05, y: 0.55 / Math.max(1, Math.ceil(layers.length / columns)) });
  const initialIndex = options.initial === 'last' ? list.length - 1 : 0;

  // The x range shared by all panels: every bin that is ever non-empty, plus a slot for zeros.
  let lowBin = Infinity;
  let highBin = -Infinity;
  let anyZeros = false;
  let logScale: boolean | undefined;
  for (const s of list) {
    for (const l of s.layers) {
      if (!l.histogram || !layers.includes(l.name)) continue;
      const h = l.histogram;
      const thisLog = isLog(h);
      if (logScale === undefined) logScale = thisLog;
      else if (logScale !== thisLog) {
        fail(WHERE, `layer '${l.name}' at step ${s.step}`, 'a mix of log-binned and linear histograms', 'histograms all of one kind');
      }
      if (thisLog) {
        h.counts.forEach((c, k) => {
          if (c > 0) {
            lowBin = Math.min(lowBin, h.lowLog10 + k * h.binWidthLog10);
            highBin = Math.max(highBin, h.lowLog10 + (k + 1) * h.binWidthLog10);
          }
        });
        if ((h.zeros ?? 0) > 0) anyZeros = true;
      }
    }
  }
  if (!Number.isFinite(lowBin)) {
    lowBin = -2;
    highBin = 0;
  }
  const zeroSlot = Math.floor(lowBin) - 1.5;

  const data: Trace[] = [];
  const visibility: boolean[][] = list.map(() => []);
  list.forEach((s, stepIndex) => {
    layers.forEach((layerName, panel) => {
      const entry = s.layers.find((l) => l.name === layerName);
      const h = entry?.histogram;
      const cell = grid.cells[panel];
      const colour = sequentialColor(available.indexOf(layerName), available.length);
      let x: number[] = [];
      let y: number[] = [];
      let width: number[] | number = 1;
      let text: string[] = [];
      const colours: string[] = [];
      if (h) {
        const total = h.total ?? h.counts.reduce((a, b) => a + b, 0) + (isLog(h) ? h.zeros ?? 0 : 0);
        const share = (c: number) => (total > 0 ? Number(((100 * c) / total).toFixed(4)) : 0);
        if (isLog(h)) {
          h.counts.forEach((c, k) => {
            const left = h.lowLog10 + k * h.binWidthLog10;
            if (left + h.binWidthLog10 <= lowBin || left >= highBin) return;
            x.push(Number((left + h.binWidthLog10 / 2).toFixed(4)));
            y.push(share(c));
            text.push(`10^${left.toFixed(1)} to 10^${(left + h.binWidthLog10).toFixed(1)}: ${c} entries`);
            colours.push(colour);
          });
          width = h.binWidthLog10 * 0.92;
          if (anyZeros) {
            x.unshift(zeroSlot);
            y.unshift(share(h.zeros ?? 0));
            text.unshift(`exactly 0: ${h.zeros ?? 0} entries`);
            colours.unshift('#999999');
          }
        } else {
          const edges = h.edges;
          x = h.counts.map((_, k) => Number(((edges[k] + edges[k + 1]) / 2).toPrecision(6)));
          y = h.counts.map(share);
          width = h.counts.map((_, k) => Number(((edges[k + 1] - edges[k]) * 0.92).toPrecision(6)));
          text = h.counts.map((c, k) => `${edges[k]} to ${edges[k + 1]}: ${c} entries`);
          h.counts.forEach(() => colours.push(colour));
        }
      }
      const visible = stepIndex === initialIndex;
      data.push({
        type: 'bar',
        name: layerName,
        x,
        y,
        width,
        text,
        textposition: 'none',
        marker: { color: colours },
        xaxis: cell.xaxis,
        yaxis: cell.yaxis,
        visible,
        showlegend: false,
        hovertemplate: `${layerName}, step ${s.step}<br>%{text}<br>%{y:.2f}% of entries<extra></extra>`,
        meta: { group: `step ${s.step}` },
      });
      list.forEach((_, k) => visibility[k].push(k === stepIndex));
    });
  });

  const what = kind === 'gradient' ? 'gradient entry' : 'activation';
  const layout: Record<string, unknown> = {};
  const tickvals: number[] = [];
  const ticktext: string[] = [];
  if (logScale !== false) {
    if (anyZeros) {
      tickvals.push(zeroSlot);
      ticktext.push('0');
    }
    const first = Math.ceil(lowBin);
    const last = Math.floor(highBin);
    const every = Math.max(1, Math.ceil((last - first + 1) / 6));
    for (let e = first; e <= last; e += every) {
      tickvals.push(e);
      ticktext.push(powerLabel(e));
    }
  }
  grid.cells.forEach((cell, panel) => {
    const bottomRow = panel >= layers.length - columns;
    const xTitle = bottomRow ? (logScale === false ? `${what} value` : `|${what}| (log scale)`) : undefined;
    layout[cell.xKey] = {
      domain: cell.xDomain,
      anchor: cell.yaxis,
      showline: true,
      linecolor: '#444',
      ticks: 'outside',
      ...(logScale !== false
        ? { tickvals, ticktext, range: [(anyZeros ? zeroSlot : lowBin) - 0.6, highBin + 0.3] }
        : {}),
      ...(xTitle ? { title: { text: xTitle } } : {}),
    };
    layout[cell.yKey] = {
      domain: cell.yDomain,
      anchor: cell.xaxis,
      showline: true,
      linecolor: '#444',
      ticks: 'outside',
      gridcolor: '#eee',
      rangemode: 'tozero',
      ticksuffix: '%',
      ...(panel % columns === 0 ? { title: { text: '% of entries' } } : {}),
    };
  });
  const annotations = grid.cells.map((cell, panel) => ({
    text: `<b>${layers[panel]}</b>`,
    xref: 'paper',
    yref: 'paper',
    x: (cell.xDomain[0] + cell.xDomain[1]) / 2,
    y: cell.yDomain[1],
    xanchor: 'center',
    yanchor: 'bottom',
    showarrow: false,
    font: { size: 12 },
  }));
  const sliderSteps = list.map((s, k) => ({
    label: String(s.step),
    method: 'restyle',
    args: ['visible', visibility[k]],
  }));
  const title =
    options.title ??
    (kind === 'gradient'
      ? `How the gradient entries of ${layers.length} layers are spread, over ${list.length} training steps`
      : `How the activations of ${layers.length} layers are spread, over ${list.length} training steps`);
  const summary =
    `Histograms of ${kind === 'gradient' ? 'gradient entries (by log10 magnitude)' : 'activations'} for layers ` +
    `${layers.join(', ')}, with a slider over training steps ${list[0].step} to ${list[list.length - 1].step} ` +
    `(${list.length} steps); the static image shows step ${list[initialIndex].step}.`;
  const panelHeight = 170;
  const height = 170 + grid.rows * panelHeight + 80;
  const base = baseLayout({
    name: options.name ?? (kind === 'gradient' ? 'gradient-histograms' : 'activation-histograms'),
    title,
    summary,
    height,
  });
  return {
    data,
    layout: {
      ...base,
      ...layout,
      annotations,
      bargap: 0,
      margin: { l: 70, r: 30, t: topMargin(base.title?.text ?? title), b: 130 },
      sliders: [
        {
          active: initialIndex,
          steps: sliderSteps,
          currentvalue: { prefix: 'training step: ', font: { size: 13 } },
          pad: { t: 50 },
          x: 0,
          len: 1,
        },
      ],
    } as Layout,
  };
}
