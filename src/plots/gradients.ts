/**
 * How big the gradient is at each layer: the picture of the vanishing gradient problem.
 *
 * Backpropagation carries the gradient from the loss (at the last layer) back towards the input. At every
 * layer it is multiplied by the layer's weights and by the activation's derivative; when those factors are
 * below 1 on average, the gradient shrinks geometrically with depth, and a log axis turns that into a
 * straight falling line. Early layers then barely learn.
 */
import { Figure, Layout, Trace } from './figure';
import { logSeries } from './logseries';
import {
  VIRIDIS,
  wrapTitle,
  topMargin,
  baseLayout,
  checkArray,
  checkNumbers,
  colorFor,
  describeValue,
  formatNumber,
  linearAxis,
  logAxis,
  logRange,
  powerLabel,
  sequentialColor,
  underflowNote,
} from './style';

/**
 * One configuration's gradient norms, one number per layer, first layer (next to the input) first.
 *
 * `values[i]` is typically the L2 norm of the loss gradient with respect to layer i's weights. An exact 0
 * means the number underflowed and is drawn as a marker on the bottom edge.
 */
export interface LayerSeries {
  /** The configuration's name, such as 'sigmoid' or 'relu, He init'; it picks the colour. */
  name: string;
  /** Layer names, same length as `values`; default 'layer 1', 'layer 2', ... */
  layers?: string[];
  /** One number per layer, input side first. */
  values: readonly number[];
  /** Line style for the same configuration drawn more than once (such as several seeds): 'dot', 'dash'. */
  dash?: string;
}

/**
 * The part of a probe's gradient snapshot (`gradientNorms(model, data)`) that the chart reads: one entry
 * per parameter, input side first. Only weight matrices (`weight: 'kernel'`) are drawn.
 */
export interface SnapshotLike {
  layers: readonly { name: string; norm: number; weight?: string }[];
}

/** A configuration given as a gradient snapshot instead of plain values. */
export interface SnapshotSeries {
  name: string;
  snapshot: SnapshotLike;
  dash?: string;
}

/** Turns `{name, snapshot}` into `{name, layers, values}`; plain series pass through. */
export function toLayerSeries(item: LayerSeries | SnapshotSeries, field: string): LayerSeries {
  if (item && typeof item === 'object' && 'snapshot' in item) {
    const layers = item.snapshot?.layers;
    if (!Array.isArray(layers)) {
      throw new Error(`${field}.snapshot should be a gradient snapshot with a 'layers' array (from gradientNorms); got ${describeValue(item.snapshot)}.`);
    }
    const kernels = layers.filter((l) => l.weight === undefined || l.weight === 'kernel');
    return { name: item.name, dash: item.dash, layers: kernels.map((l) => l.name), values: kernels.map((l) => l.norm) };
  }
  return item as LayerSeries;
}

export interface GradientNormByLayerOptions {
  /** The finding, as the title. Default: how much smaller the first layer's gradient is than the last's. */
  title?: string;
  /** Stable file name. Default 'gradient-norm-by-layer'. */
  name?: string;
  /** The y axis title, with its units. Default '‖∂loss/∂W‖, L2 norm of the weight gradient'. */
  yTitle?: string;
  /** What a value is, in the summary sentence. Default 'weight-gradient norm'. */
  quantity?: string;
}

function checkLayerSeries(series: unknown, field: string): LayerSeries[] {
  const list = checkArray<LayerSeries | SnapshotSeries>(series, field, "[{name: 'sigmoid', values: [1e-9, 1e-7, 1e-5]}]").map(
    (item, i) => toLayerSeries(item, `${field}[${i}]`),
  );
  list.forEach((s, i) => {
    if (!s || typeof s !== 'object' || typeof s.name !== 'string') {
      throw new Error(`${field}[${i}].name should be a string such as 'sigmoid'; got ${describeValue(s?.name ?? s)}.`);
    }
    checkNumbers(s.values, `${field}[${i}].values`);
    if (s.layers !== undefined && (!Array.isArray(s.layers) || s.layers.length !== s.values.length)) {
      throw new Error(
        `${field}[${i}].layers should list one name per value (${s.values.length}); got ${describeValue(s.layers)}.`,
      );
    }
  });
  return list;
}

/** How layer 1's value compares with the last layer's: "4e-14×", "0× (underflow)", "NaN". */
function depthRatio(s: LayerSeries): string {
  const first = s.values[0];
  const last = s.values[s.values.length - 1];
  if (first === 0 && last > 0) return '0× (underflow)';
  if (!(first > 0) || !(last > 0) || !Number.isFinite(first) || !Number.isFinite(last)) return 'n/a (not finite)';
  return `${formatNumber(first / last)}×`;
}

/**
 * Gradient norm per layer against depth, one line per configuration, on a log axis.
 *
 * How to read it: x is the layer (1 = next to the input), y the size of that layer's gradient. A line that
 * falls towards the left is a vanishing gradient: the first layers get a gradient many powers of ten
 * smaller than the last and learn that much more slowly. A flat line is healthy. Triangles on the bottom
 * edge are exact zeros (underflow).
 *
 * Each configuration is `{name, values}` (one norm per layer) or `{name, snapshot}` with a snapshot from
 * `gradientNorms(model, data)`. Giving the same name twice (several seeds) draws both lines in one colour.
 *
 * @example
 *   await show(gradientNormByLayerFigure([
 *     { name: 'sigmoid', snapshot: gradientNorms(sigmoidModel, data) },
 *     { name: 'relu', values: [0.31, 0.35, 0.4] },
 *   ]));
 */
export function gradientNormByLayerFigure(series: (LayerSeries | SnapshotSeries)[], options: GradientNormByLayerOptions = {}): Figure {
  const list = checkLayerSeries(series, 'series');
  const range = logRange(list.flatMap((s) => s.values));
  const seen = new Set<string>();
  const data: Trace[] = [];
  for (const s of list) {
    const layers = s.layers ?? s.values.map((_, i) => `layer ${i + 1}`);
    const x = s.values.map((_, i) => i + 1);
    const firstOfName = !seen.has(s.name);
    seen.add(s.name);
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
  }
  const maxDepth = Math.max(...list.map((s) => s.values.length));
  const firstNames = list.filter((s, i) => list.findIndex((t) => t.name === s.name) === i);
  const ratios = firstNames.map(depthRatio);
  const findings = firstNames.map((s, i) => `${s.name} ${ratios[i]}`);
  const title =
    options.title ??
    (firstNames.length === 1
      ? `Layer 1 gets ${ratios[0]} the gradient of layer ${maxDepth} (${firstNames[0].name})`
      : `Gradient of layer 1 vs layer ${maxDepth}: ${findings.join(', ')}`);
  const quantity = options.quantity ?? 'weight-gradient norm';
  const summary =
    `Per-layer ${quantity} against depth (log scale) for ${firstNames.map((s) => s.name).join(', ')}; ` +
    `layer 1 relative to layer ${maxDepth}: ${findings.join('; ')}.`;
  const annotations = range.hasZeros ? [underflowNote()] : [];
  const layout = {
    ...baseLayout({ name: options.name ?? 'gradient-norm-by-layer', title, summary }),
    xaxis: linearAxis('layer (1 = next to the input)', { dtick: maxDepth > 30 ? 5 : maxDepth > 12 ? 2 : 1, range: [0.5, maxDepth + 0.5] }),
    yaxis: logAxis(options.yTitle ?? '‖∂loss/∂W‖ (L2 norm of the weight gradient)', range),
    annotations,
    margin: { l: 80, r: 30, t: topMargin(wrapTitle(title)), b: range.hasZeros ? 80 : 60 },
  } as Layout;
  return { data, layout };
}

/** Gradient norms of every layer at several training steps: `values[layer][step]`. */
export interface LayerStepGrid {
  /** Layer names, input side first (rows of the heatmap, drawn bottom to top). */
  layers: string[];
  /** Training steps at which the norms were measured (columns). */
  steps: number[];
  /** `values[i][j]` = norm of layer i at steps[j]. Exact zeros are underflow. */
  values: readonly (readonly number[])[];
}

export interface GradientHeatmapOptions {
  title?: string;
  /** Default 'gradient-norm-heatmap'. */
  name?: string;
  /** Colour bar title. Default '‖∂loss/∂W‖'. */
  quantity?: string;
  /** The configuration drawn, named in the title and summary, such as 'sigmoid, depth 20'. */
  config?: string;
}

function checkGrid(grid: LayerStepGrid, field: string): void {
  if (!grid || typeof grid !== 'object') {
    throw new Error(`${field} should be {layers, steps, values}; got ${describeValue(grid)}.`);
  }
  checkArray(grid.layers, `${field}.layers`, "['dense1', 'dense2']");
  checkNumbers(grid.steps, `${field}.steps`);
  if (!Array.isArray(grid.values) || grid.values.length !== grid.layers.length) {
    throw new Error(
      `${field}.values should have one row per layer (${grid.layers.length}); got ${describeValue(grid.values)}.`,
    );
  }
  grid.values.forEach((row, i) => {
    checkNumbers(row, `${field}.values[${i}]`);
    if (row.length !== grid.steps.length) {
      throw new Error(`${field}.values[${i}] should have one value per step (${grid.steps.length}); got ${row.length}.`);
    }
  });
}

/**
 * A layer x training-step heatmap of log10 of the gradient norm.
 *
 * How to read it: each row is a layer (input at the bottom), each column a training step; colour is the
 * power of ten of the gradient norm (yellow large, dark purple small). Dark rows at the bottom that stay
 * dark as training goes on are layers that never get a useful gradient. Crosses are exact zeros (underflow).
 */
export function gradientHeatmapFigure(grid: LayerStepGrid, options: GradientHeatmapOptions = {}): Figure {
  checkGrid(grid, 'grid');
  const all = grid.values.flat();
  const range = logRange(all);
  const z = grid.values.map((row) =>
    row.map((v) => (Number.isFinite(v) && v > 0 ? Number(Math.log10(v).toFixed(4)) : null)),
  );
  const low = range.range[0] + (range.hasZeros ? 1 : 0);
  const high = range.range[1];
  const ticks: number[] = [];
  const step = Math.max(1, Math.ceil((high - low) / 8));
  for (let e = low; e <= high; e += step) ticks.push(e);
  const quantity = options.quantity ?? '‖∂loss/∂W‖';
  const data: Trace[] = [
    {
      type: 'heatmap',
      name: 'log10 gradient norm',
      x: [...grid.steps],
      y: [...grid.layers],
      z,
      zmin: low,
      zmax: high,
      colorscale: VIRIDIS,
      colorbar: {
        title: { text: `${quantity}<br>(log scale)` },
        tickvals: ticks,
        ticktext: ticks.map(powerLabel),
      },
      hovertemplate: 'layer %{y}, step %{x}<br>log10 norm %{z:.2f}<extra></extra>',
    },
  ];
  const zeroX: number[] = [];
  const zeroY: string[] = [];
  grid.values.forEach((row, i) =>
    row.forEach((v, j) => {
      if (v === 0) {
        zeroX.push(grid.steps[j]);
        zeroY.push(grid.layers[i]);
      }
    }),
  );
  if (zeroX.length > 0) {
    data.push({
      type: 'scatter',
      mode: 'markers',
      name: 'exactly 0 (underflow)',
      x: zeroX,
      y: zeroY,
      marker: { symbol: 'x-thin', size: 8, line: { color: '#d00', width: 2 }, color: '#d00' },
      hovertemplate: 'layer %{y}, step %{x}: exactly 0 (underflow)<extra></extra>',
      meta: { csv: 'skip' },
    });
  }
  // The finding: spread between the strongest and weakest layer at the last step.
  const lastColumn = grid.values.map((row) => row[row.length - 1]);
  const positives = lastColumn.filter((v) => v > 0 && Number.isFinite(v));
  const spread = positives.length > 1 ? Math.log10(Math.max(...positives) / Math.min(...positives)) : 0;
  const who = options.config ? ` (${options.config})` : '';
  const title =
    options.title ??
    `At step ${grid.steps[grid.steps.length - 1]}, layer gradients span ${spread.toFixed(1)} orders of magnitude${who}`;
  const summary =
    `Heatmap of log10 ${quantity} for ${grid.layers.length} layers (rows, input at the bottom) over ` +
    `${grid.steps.length} training steps (columns)${who}; ${zeroX.length} cells are exactly 0 (underflow).`;
  const layout = {
    ...baseLayout({ name: options.name ?? 'gradient-norm-heatmap', title, summary }),
    xaxis: linearAxis('training step'),
    yaxis: { ...linearAxis('layer (input at the bottom)'), type: 'category', showgrid: false },
    showlegend: zeroX.length > 0,
    legend: { orientation: 'h', x: 0, y: -0.15, yanchor: 'top' },
  } as Layout;
  return { data, layout };
}

/** Per-layer norms over training: the same grid as the heatmap, drawn as one line per layer. */
export interface NormsOverTrainingOptions {
  title?: string;
  /** Default 'gradient-norm-over-training'. */
  name?: string;
  /** Y axis title with units. Default '‖∂loss/∂W‖ (L2 norm of the weight gradient)'. */
  yTitle?: string;
  /** The configuration drawn, such as 'sigmoid, depth 20'. */
  config?: string;
}

/**
 * One line per layer: how each layer's gradient norm changes during training, on a log axis.
 *
 * How to read it: colour goes from dark purple (first layer, next to the input) to yellow (last layer).
 * Lines stacked far apart mean layers learn at very different speeds; lines that drift together mean the
 * network is recovering. Triangles on the bottom edge are exact zeros (underflow).
 */
export function normsOverTrainingFigure(grid: LayerStepGrid, options: NormsOverTrainingOptions = {}): Figure {
  checkGrid(grid, 'grid');
  const range = logRange(grid.values.flat());
  const n = grid.layers.length;
  const data: Trace[] = [];
  grid.layers.forEach((layer, i) => {
    data.push(
      ...logSeries(
        grid.steps,
        grid.values[i],
        {
          name: layer,
          color: sequentialColor(i, n),
          mode: 'lines',
          width: 2,
          hovertemplate: `${layer}<br>step %{x}: %{customdata:.3e}<extra></extra>`,
        },
        range,
      ),
    );
  });
  const first = grid.values[0];
  const last = grid.values[n - 1];
  const ratioAt = (j: number) => (last[j] > 0 && first[j] > 0 ? formatNumber(first[j] / last[j]) : 'n/a');
  const j0 = 0;
  const j1 = grid.steps.length - 1;
  const who = options.config ? ` (${options.config})` : '';
  const title =
    options.title ??
    `${grid.layers[0]} / ${grid.layers[n - 1]} gradient ratio: ${ratioAt(j0)} at step ${grid.steps[j0]}, ${ratioAt(j1)} at step ${grid.steps[j1]}${who}`;
  const summary =
    `Gradient norm of each of ${n} layers over ${grid.steps.length} training steps (log scale)${who}; ` +
    `first/last layer ratio ${ratioAt(j0)} at the start and ${ratioAt(j1)} at the end.`;
  const layout = {
    ...baseLayout({ name: options.name ?? 'gradient-norm-over-training', title, summary }),
    xaxis: linearAxis('training step'),
    yaxis: logAxis(options.yTitle ?? '‖∂loss/∂W‖ (L2 norm of the weight gradient)', range),
    annotations: range.hasZeros ? [underflowNote()] : [],
    legend: { title: { text: 'layer' }, font: { size: 11 } },
  } as Layout;
  return { data, layout };
}
