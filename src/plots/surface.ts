/**
 * A loss surface with gradient-descent paths, clipped and unclipped, after Pascanu, Mikolov and Bengio
 * (2013), "On the difficulty of training recurrent neural networks", Figure 6.
 *
 * Their one-unit recurrent network has a loss surface with a steep "wall": a thin region where the
 * gradient is huge. A plain gradient step that hits the wall is thrown far away; clipping the gradient's
 * norm keeps the step small, so descent continues. gradscope draws the surface from above as filled
 * contours of log10 of the loss (a static 2-D view that survives PNG, SVG and GitHub), with each path on top.
 */
import { fail } from '../core/check';

const WHERE = 'lossSurfaceFigure';
import { Figure, Layout, Trace, checkFigureOptions } from './figure';
import { baseLayout, checkArray, checkNumbers, colorFor, linearAxis, powerLabel } from './style';
import { formatNumber } from '../core/format';

/** The loss on a grid: `loss[i][j]` at y = `y[i]`, x = `x[j]`. */
export interface LossGrid {
  /** Grid of the first parameter (horizontal axis), such as the recurrent weight w. */
  x: readonly number[];
  /** Grid of the second parameter (vertical axis), such as the bias b. */
  y: readonly number[];
  /** loss[i][j] at (x[j], y[i]). */
  loss: readonly (readonly number[])[];
}

/** A path through parameter space: the parameters after each gradient step, from the start. */
export interface Trajectory {
  /** Such as 'unclipped' or 'clipped at 1'; picks the colour. */
  name: string;
  x: readonly number[];
  y: readonly number[];
  /** Loss at each point, when known (used in hover text and the title). */
  loss?: readonly number[];
}

export interface LossSurfaceOptions {
  title?: string;
  /** Default 'loss-surface-trajectories'. */
  name?: string;
  /** Axis titles. Defaults 'w (recurrent weight)' and 'b (bias)'. */
  xTitle?: string;
  yTitle?: string;
}

function nearestLoss(grid: LossGrid, x: number, y: number): number {
  const nearest = (axis: readonly number[], v: number) =>
    axis.reduce((best, a, i) => (Math.abs(a - v) < Math.abs(axis[best] - v) ? i : best), 0);
  return grid.loss[nearest(grid.y, y)][nearest(grid.x, x)];
}

/**
 * Filled contours of log10(loss) over two parameters, with gradient-descent paths drawn on top
 * (a circle at the start, a cross at the end, one colour per path).
 *
 * How to read it: dark is low loss. Tightly packed contour lines are the wall: the loss changes fast,
 * the gradient is huge. Follow each path from its circle: an unclipped path that reaches the wall jumps
 * far across the chart; the clipped path takes bounded steps and keeps descending.
 */
export function lossSurfaceFigure(grid: LossGrid, trajectories: Trajectory[], options: LossSurfaceOptions = {}): Figure {
  checkFigureOptions('lossSurfaceFigure', options, ['title', 'name', 'xTitle', 'yTitle']);
  if (!grid || typeof grid !== 'object') fail(WHERE, 'grid', grid, '{x, y, loss}');
  checkNumbers(grid.x, WHERE, 'grid.x');
  checkNumbers(grid.y, WHERE, 'grid.y');
  if (!Array.isArray(grid.loss) || grid.loss.length !== grid.y.length) {
    fail(WHERE, 'grid.loss', grid.loss, `one row per y value (${grid.y.length})`);
  }
  grid.loss.forEach((row, i) => {
    checkNumbers(row, WHERE, `grid.loss[${i}]`);
    if (row.length !== grid.x.length) fail(WHERE, `grid.loss[${i}]`, row, `one value per x (${grid.x.length})`);
  });
  const paths = checkArray<Trajectory>(trajectories, WHERE, 'trajectories', "[{name: 'clipped', x: [...], y: [...]}]");
  paths.forEach((t, i) => {
    if (!t || typeof t.name !== 'string') fail(WHERE, `trajectories[${i}].name`, t?.name, "a string such as 'clipped'");
    checkNumbers(t.x, WHERE, `trajectories[${i}].x`);
    checkNumbers(t.y, WHERE, `trajectories[${i}].y`);
    if (t.x.length !== t.y.length || t.x.length === 0) {
      fail(WHERE, `trajectories[${i}] ('${t.name}')`, `x of length ${t.x.length} and y of length ${t.y.length}`, 'x and y of the same, non-zero length');
    }
  });
  const z = grid.loss.map((row) => row.map((v: number) => (v > 0 && Number.isFinite(v) ? Number(Math.log10(v).toFixed(4)) : null)));
  const finiteZ = z.flat().filter((v): v is number => v !== null);
  const zmin = Math.floor(Math.min(...finiteZ));
  const zmax = Math.ceil(Math.max(...finiteZ));
  const ticks: number[] = [];
  for (let e = zmin; e <= zmax; e += Math.max(1, Math.ceil((zmax - zmin) / 8))) ticks.push(e);
  const data: Trace[] = [
    {
      type: 'contour',
      name: 'log10 loss',
      x: [...grid.x],
      y: [...grid.y],
      z,
      colorscale: 'Greys',
      reversescale: false,
      contours: { coloring: 'fill', showlines: true },
      line: { width: 0.5, color: 'rgba(0,0,0,0.25)' },
      ncontours: 24,
      colorbar: { title: { text: 'loss<br>(log scale)' }, tickvals: ticks, ticktext: ticks.map(powerLabel) },
      hovertemplate: 'x %{x:.3f}, y %{y:.3f}<br>log10 loss %{z:.2f}<extra></extra>',
    },
  ];
  const findings: string[] = [];
  for (const t of paths) {
    const colour = colorFor(t.name);
    const losses = t.loss ?? t.x.map((x, k) => nearestLoss(grid, x, t.y[k]));
    data.push({
      type: 'scatter',
      mode: 'lines+markers',
      name: t.name,
      legendgroup: t.name,
      x: [...t.x],
      y: [...t.y],
      customdata: losses.map((v) => (Number.isFinite(v) ? v : String(v))),
      line: { color: colour, width: 2.5 },
      marker: { color: colour, size: 5 },
      hovertemplate: `${t.name}, step %{pointNumber}<br>(%{x:.3f}, %{y:.3f}) loss %{customdata:.3g}<extra></extra>`,
    });
    data.push({
      type: 'scatter',
      mode: 'markers',
      name: `${t.name}: start and end`,
      legendgroup: t.name,
      showlegend: false,
      x: [t.x[0], t.x[t.x.length - 1]],
      y: [t.y[0], t.y[t.y.length - 1]],
      text: ['start', 'end'],
      marker: { color: colour, size: 13, symbol: ['circle-open', 'x'], line: { color: colour, width: 3 } },
      hovertemplate: `${t.name}: %{text}<extra></extra>`,
      meta: { csv: 'skip' },
    });
    const final = losses[losses.length - 1];
    findings.push(`${t.name} ends at loss ${Number.isFinite(final) ? formatNumber(final) : 'NaN (diverged)'}`);
  }
  const title = options.title ?? findings.join(', ');
  const summary =
    `Filled contours of log10 loss over ${options.xTitle ?? 'w'} and ${options.yTitle ?? 'b'} ` +
    `(${grid.x.length} x ${grid.y.length} grid) with gradient-descent paths: ${findings.join('; ')}.`;
  const pad = (axis: readonly number[]) => [Math.min(...axis), Math.max(...axis)];
  const layout = {
    ...baseLayout({ name: options.name ?? 'loss-surface-trajectories', title, summary, height: 560 }),
    xaxis: linearAxis(options.xTitle ?? 'w (recurrent weight)', { range: pad(grid.x), showgrid: false }),
    yaxis: linearAxis(options.yTitle ?? 'b (bias)', { range: pad(grid.y), showgrid: false }),
    legend: { orientation: 'h', x: 0, y: -0.14, yanchor: 'top' },
  } as Layout;
  return { data, layout };
}
