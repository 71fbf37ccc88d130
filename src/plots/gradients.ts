/**
 * How big the gradient is at each layer: the picture of the vanishing gradient problem.
 *
 * Backpropagation carries the gradient from the loss (at the last layer) back towards the input. At every
 * layer it is multiplied by the layer's weights and by the activation's derivative; when those factors are
 * below 1 on average, the gradient shrinks geometrically with depth, and a log axis turns that into a
 * straight falling line. Early layers then barely learn.
 */
import { fail } from '../core/check';
import { layerStepGrid, LayerField, SnapshotOfLayers } from '../records/layers';
import { Figure, Layout, Trace, checkFigureOptions } from './figure';
import { logSeries } from './logseries';
import { VIRIDIS, baseLayout, checkArray, checkNumbers, linearAxis, logAxis, logRange, powerLabel, sequentialColor, underflowNote } from './style';
import { formatNumber } from '../core/format';

/** A layer x step grid as the charts read it (`layerStepGrid(snapshots)` makes one): `values[layer][step]`. */
export interface GridLike {
  /** Layer names, input side first (rows of the heatmap, drawn bottom to top). */
  readonly layers: readonly string[];
  /** Training steps at which the numbers were measured (columns). */
  readonly steps: readonly number[];
  /** `values[i][j]` = the number of layer i at steps[j]. Exact zeros are underflow. */
  readonly values: readonly (readonly number[])[];
}

/** A grid, or the list of snapshots to stack into one (such as `history.gradients`), read with `field` (default 'norm'). */
function toGrid(where: string, input: GridLike | readonly SnapshotOfLayers[], field: string | undefined): GridLike {
  if (Array.isArray(input)) return layerStepGrid(input as readonly SnapshotOfLayers[], { field: (field ?? 'norm') as LayerField<{ name: string }> });
  if (field !== undefined) fail(where, 'options.field', field, 'left out when a grid is given (it reads snapshots)');
  return input as GridLike;
}

export interface GradientHeatmapOptions {
  /** With a list of snapshots: the number to read from each layer (default 'norm'; 'ratio' for history.updates). */
  field?: string;
  title?: string;
  /** Default 'gradient-norm-heatmap'. */
  name?: string;
  /** Colour bar title. Default '‖∂loss/∂W‖'. */
  quantity?: string;
  /** The configuration drawn, named in the title and summary, such as 'sigmoid, depth 20'. */
  config?: string;
}

function checkGrid(grid: GridLike, where: string, field: string): void {
  if (!grid || typeof grid !== 'object') {
    fail(where, field, grid, '{layers, steps, values} (from layerStepGrid) or a list of probe snapshots');
  }
  checkArray(grid.layers, where, `${field}.layers`, "['dense1', 'dense2']");
  checkNumbers(grid.steps, where, `${field}.steps`);
  if (!Array.isArray(grid.values) || grid.values.length !== grid.layers.length) {
    fail(where, `${field}.values`, grid.values, `one row per layer (${grid.layers.length})`);
  }
  grid.values.forEach((row, i) => {
    checkNumbers(row, where, `${field}.values[${i}]`);
    if (row.length !== grid.steps.length) {
      fail(where, `${field}.values[${i}]`, row, `one value per step (${grid.steps.length})`);
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
export function gradientHeatmapFigure(input: GridLike | readonly SnapshotOfLayers[], options: GradientHeatmapOptions = {}): Figure {
  checkFigureOptions('gradientHeatmapFigure', options, ['field', 'title', 'name', 'quantity', 'config']);
  const grid = toGrid('gradientHeatmapFigure', input, options.field);
  checkGrid(grid, 'gradientHeatmapFigure', 'grid');
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
  /** With a list of snapshots: the number to read from each layer (default 'norm'; 'ratio' for history.updates). */
  field?: string;
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
export function normsOverTrainingFigure(input: GridLike | readonly SnapshotOfLayers[], options: NormsOverTrainingOptions = {}): Figure {
  checkFigureOptions('normsOverTrainingFigure', options, ['field', 'title', 'name', 'yTitle', 'config']);
  const grid = toGrid('normsOverTrainingFigure', input, options.field);
  checkGrid(grid, 'normsOverTrainingFigure', 'grid');
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
