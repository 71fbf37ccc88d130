/**
 * One number per layer against depth: the picture of the vanishing gradient problem, and of the other
 * per-layer quantities that explain it (activation size, update ratio, spread across examples, ...).
 *
 * Backpropagation carries the gradient from the loss (at the last layer) back towards the input. At every
 * layer it is multiplied by the layer's weights and by the activation's derivative; when those factors are
 * below 1 on average, the gradient shrinks geometrically with depth, and a log axis turns that into a
 * straight falling line. Early layers then barely learn.
 */
import { fail } from '../core/check';
import { byLayer, LayerField, LayerProfile, SnapshotOfLayers } from '../records/layers';
import { summarizeSeries } from '../records/stats';
import { Figure, Layout, Trace, checkFigureOptions } from './figure';
import { logSeries } from './logseries';
import { wrapTitle, topMargin, baseLayout, checkArray, checkNumbers, colorFor, linearAxis, logAxis, logRange, underflowNote } from './style';
import { formatNumber } from '../core/format';

/** What a by-layer figure draws; each sets the axis title, the file name, the words of the summary and the field read from a snapshot. */
export const BY_LAYER_QUANTITIES = {
  gradient: { label: 'weight-gradient norm', yTitle: '‖∂loss/∂W‖ (L2 norm of the weight gradient)', name: 'gradient-norm-by-layer', field: 'norm' },
  activationGradient: { label: 'activation-gradient norm', yTitle: '‖∂loss/∂a‖ (L2 norm of the gradient of the layer output)', name: 'activation-gradient-by-layer', field: 'norm' },
  activation: { label: 'activation size', yTitle: 'RMS of the layer output √(mean² + std²)', name: 'activation-size-by-layer', field: (l: { mean: number; std: number }) => Math.sqrt(l.std ** 2 + l.mean ** 2) },
  updateRatio: { label: 'update-to-weight ratio', yTitle: '‖ΔW‖ / ‖W‖ for one step', name: 'update-ratio-by-layer', field: 'ratio' },
  spread: { label: 'spread across examples', yTitle: "std of a unit's output over the examples (mean over units)", name: 'spread-by-layer', field: 'spread' },
  slope: { label: "mean slope σ'(z)", yTitle: "mean of f'(z) over examples and units", name: 'slope-by-layer', field: 'slope' },
  weights: { label: 'weight norm', yTitle: '‖W‖ (L2 norm of the weights)', name: 'weight-norm-by-layer', field: 'norm' },
  distance: { label: 'distance moved from the initial weights', yTitle: '‖W_end − W_start‖ / ‖W_start‖', name: 'distance-from-initial-weights', field: 'norm' },
} as const;

export type ByLayerQuantity = keyof typeof BY_LAYER_QUANTITIES;

/**
 * One configuration: `{name, values}` (one number per layer, input side first), `{name, snapshot}` (a probe
 * snapshot, read with the quantity's field), or `{name, snapshots}` / `{name, profiles}` (one per seed:
 * drawn as the median line with a band).
 */
export interface LayerSeries {
  /** The configuration's name, such as 'sigmoid' or 'relu, He init'; it picks the colour. */
  name: string;
  /** Layer names, same length as `values`; default 'layer 1', 'layer 2', ... */
  layers?: string[];
  /** One number per layer, input side first. An exact 0 is drawn as a marker on the bottom edge (underflow). */
  values: readonly number[];
  /** Line style for the same configuration drawn more than once: 'dot', 'dash'. */
  dash?: string;
}

/** A configuration given as one probe snapshot. */
export interface SnapshotSeries {
  name: string;
  snapshot: SnapshotOfLayers;
  dash?: string;
}

/** A configuration measured on several seeds: the median line and a band (see `band`). */
export interface SeedSeries {
  name: string;
  /** One snapshot per seed ... */
  snapshots?: readonly SnapshotOfLayers[];
  /** ... or one layer profile per seed (from `byLayer`, `distanceFromInitial`, ...). */
  profiles?: readonly LayerProfile[];
  dash?: string;
}

export type ByLayerSeries = LayerSeries | SnapshotSeries | SeedSeries | (LayerProfile & { name: string; dash?: string });

export interface ByLayerOptions {
  /** What the values are (default 'gradient'): sets the axis title, file name, summary and the field read from snapshots. */
  quantity?: ByLayerQuantity;
  /** The finding, as the title. Default: how the first layer's value compares with the last's. */
  title?: string;
  /** Stable file name. Default from the quantity, such as 'gradient-norm-by-layer'. */
  name?: string;
  /** The y axis title, with its units. Default from the quantity. */
  yTitle?: string;
  /** What a value is, in words, for the summary sentence (default from the quantity, such as 'weight-gradient norm'). */
  label?: string;
  /** For seed series: 'minmax' (default: the band from the lowest to the highest seed), 'quartiles' (25% to 75%), or false. */
  band?: 'minmax' | 'quartiles' | false;
}

const WHERE = 'byLayerFigure';

interface Prepared {
  series: LayerSeries;
  band?: { low: number[]; high: number[] };
}

function prepare(item: ByLayerSeries, i: number, field: LayerField<{ name: string }>, band: ByLayerOptions['band']): Prepared {
  const at = `series[${i}]`;
  if (!item || typeof item !== 'object' || typeof (item as { name?: unknown }).name !== 'string') {
    fail(WHERE, `${at}.name`, (item as { name?: unknown } | null)?.name ?? item, "a string such as 'sigmoid'");
  }
  const read = (snapshot: unknown, where: string): LayerProfile => {
    if (!snapshot || typeof snapshot !== 'object' || !Array.isArray((snapshot as SnapshotOfLayers).layers)) {
      fail(WHERE, where, snapshot, "a probe snapshot with a 'layers' array (from gradientNorms, activationStats, ...)");
    }
    return byLayer(snapshot as SnapshotOfLayers, { field });
  };
  if ('snapshot' in item) {
    const p = read(item.snapshot, `${at}.snapshot`);
    return { series: { name: item.name, dash: item.dash, layers: p.layers, values: p.values } };
  }
  if ('snapshots' in item || 'profiles' in item) {
    const seeds = item as SeedSeries;
    const profiles = seeds.snapshots
      ? checkArray<SnapshotOfLayers>(seeds.snapshots, WHERE, `${at}.snapshots`, 'one snapshot per seed').map((s, k) => read(s, `${at}.snapshots[${k}]`))
      : checkArray<LayerProfile>(seeds.profiles, WHERE, `${at}.profiles`, 'one layer profile per seed');
    const summary = summarizeSeries(
      profiles.map((p) => p.values),
      band === 'quartiles' ? [0.25, 0.75] : [0, 1],
    );
    return {
      series: { name: item.name, dash: item.dash, layers: profiles[0].layers, values: summary.median },
      band: band === false ? undefined : { low: summary.low, high: summary.high },
    };
  }
  return { series: item as LayerSeries };
}

function checkSeries(list: Prepared[]): void {
  list.forEach(({ series: s }, i) => {
    checkNumbers(s.values, WHERE, `series[${i}].values`);
    if (s.layers !== undefined && (!Array.isArray(s.layers) || s.layers.length !== s.values.length)) {
      fail(WHERE, `series[${i}].layers`, s.layers, `one name per value (${s.values.length})`);
    }
  });
}

/** How layer 1's value compares with the last layer's: "4e-14×", "0× (underflow)", "NaN". */
function depthRatio(s: LayerSeries): string {
  const first = s.values[0];
  const last = s.values[s.values.length - 1];
  if (first === 0 && last > 0) return '0× (underflow)';
  if (!(first > 0) || !(last > 0) || !Number.isFinite(first) || !Number.isFinite(last)) return 'n/a (not finite)';
  return `${formatNumber(first / last)}×`;
}

/** The shaded band of a seed series: the upper edge, then the lower edge filled up to it. */
function bandTraces(x: number[], band: { low: number[]; high: number[] }, colour: string, name: string, floor: number): Trace[] {
  const clamp = (v: number) => (Number.isFinite(v) && v > 0 ? v : floor);
  const common = { type: 'scatter', mode: 'lines', legendgroup: name, showlegend: false, hoverinfo: 'skip', line: { width: 0, color: colour }, meta: { csv: 'skip' } };
  return [
    { ...common, name: `${name} (band top)`, x, y: band.high.map(clamp) },
    { ...common, name: `${name} (band)`, x, y: band.low.map(clamp), fill: 'tonexty', fillcolor: colour, opacity: 0.2 },
  ];
}

/**
 * A per-layer quantity against depth, one line per configuration, on a log axis.
 *
 * How to read it: x is the layer (1 = next to the input), y the size of that layer's number (by default its
 * weight gradient). A line that falls towards the left is a vanishing gradient: the first layers get a
 * gradient many powers of ten smaller than the last and learn that much more slowly. A flat line is
 * healthy. Triangles on the bottom edge are exact zeros (underflow). With several seeds per configuration
 * (`{name, snapshots}`), the line is the median over seeds and the shaded band spans the seeds.
 *
 * @example
 *   await show(byLayerFigure([
 *     { name: 'sigmoid', snapshot: gradientNorms(sigmoidModel, data) },
 *     { name: 'relu', snapshots: reluSnapshotsPerSeed },
 *   ]));
 *   await show(byLayerFigure([{ name: 'sigmoid', snapshot: activationStats(model, data) }], { quantity: 'spread' }));
 */
export function byLayerFigure(series: readonly ByLayerSeries[], options: ByLayerOptions = {}): Figure {
  checkFigureOptions('byLayerFigure', options, ['quantity', 'title', 'name', 'yTitle', 'label', 'band']);
  const quantity = options.quantity ?? 'gradient';
  if (!(quantity in BY_LAYER_QUANTITIES)) fail(WHERE, 'options.quantity', quantity, Object.keys(BY_LAYER_QUANTITIES).map((q) => `'${q}'`).join(', '));
  const band = options.band ?? 'minmax';
  if (band !== 'minmax' && band !== 'quartiles' && band !== false) fail(WHERE, 'options.band', band, "'minmax', 'quartiles', false");
  const spec = BY_LAYER_QUANTITIES[quantity];
  if (options.label !== undefined && typeof options.label !== 'string') fail(WHERE, 'options.label', options.label, "a string such as 'activation size'");
  const label = options.label ?? spec.label;
  const prepared = checkArray<ByLayerSeries>(series, WHERE, 'series', "[{name: 'sigmoid', values: [1e-9, 1e-7, 1e-5]}]").map((item, i) =>
    prepare(item, i, spec.field as LayerField<{ name: string }>, band),
  );
  checkSeries(prepared);
  const list = prepared.map((p) => p.series);
  const range = logRange([...list.flatMap((s) => s.values), ...prepared.flatMap((p) => (p.band ? [...p.band.low, ...p.band.high] : []))]);
  const seen = new Set<string>();
  const data: Trace[] = [];
  prepared.forEach(({ series: s, band: seedBand }) => {
    const layers = s.layers ?? s.values.map((_, i) => `layer ${i + 1}`);
    const x = s.values.map((_, i) => i + 1);
    const firstOfName = !seen.has(s.name);
    seen.add(s.name);
    if (seedBand) data.push(...bandTraces(x, seedBand, colorFor(s.name), s.name, range.floor));
    data.push(
      ...logSeries(
        x,
        s.values,
        {
          name: s.name,
          color: colorFor(s.name),
          dash: s.dash,
          showlegend: firstOfName,
          text: layers,
          hovertemplate: `${s.name}<br>%{text} (depth %{x}): %{customdata:.3e}<extra></extra>`,
        },
        range,
      ),
    );
  });
  const maxDepth = Math.max(...list.map((s) => s.values.length));
  const firstNames = list.filter((s, i) => list.findIndex((t) => t.name === s.name) === i);
  const ratios = firstNames.map(depthRatio);
  const findings = firstNames.map((s, i) => `${s.name} ${ratios[i]}`);
  const title =
    options.title ??
    (quantity === 'gradient'
      ? firstNames.length === 1
        ? `Layer 1 gets ${ratios[0]} the gradient of layer ${maxDepth} (${firstNames[0].name})`
        : `Gradient of layer 1 vs layer ${maxDepth}: ${findings.join(', ')}`
      : `${label[0].toUpperCase()}${label.slice(1)} of layer 1 vs layer ${maxDepth}: ${findings.join(', ')}`);
  const seeds = prepared.some((p) => p.band) ? ` Lines are medians over seeds; bands span ${band === 'quartiles' ? 'the middle half of the seeds' : 'the lowest to the highest seed'}.` : '';
  const summary =
    `Per-layer ${label} against depth (log scale) for ${firstNames.map((s) => s.name).join(', ')}; ` +
    `layer 1 relative to layer ${maxDepth}: ${findings.join('; ')}.${seeds}`;
  const annotations = range.hasZeros ? [underflowNote()] : [];
  const layout = {
    ...baseLayout({ name: options.name ?? spec.name, title, summary }),
    xaxis: linearAxis('layer (1 = next to the input)', { dtick: maxDepth > 30 ? 5 : maxDepth > 12 ? 2 : 1, range: [0.5, maxDepth + 0.5] }),
    yaxis: logAxis(options.yTitle ?? spec.yTitle, range),
    annotations,
    margin: { l: 80, r: 30, t: topMargin(wrapTitle(title)), b: range.hasZeros ? 80 : 60 },
  } as Layout;
  return { data, layout };
}
