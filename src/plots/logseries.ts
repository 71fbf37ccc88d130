/**
 * Lines on a log axis that stay honest about zeros.
 *
 * A gradient norm can be exactly 0: the number underflowed (32-bit floats stop at about 1e-38, or 1e-45 with
 * subnormals, and some backends flush subnormals to 0). A log axis cannot show 0, so gradscope draws the
 * line with a gap there and puts a downward triangle on the bottom edge of the chart, in the line's colour,
 * whose hover text says "exactly 0 (underflow)". NaN and Infinity also leave a gap and are named in the hover.
 */
import { Trace } from './figure';
import { LogRange } from './style';

export interface LogSeriesStyle {
  name: string;
  color: string;
  legendgroup?: string;
  showlegend?: boolean;
  dash?: string;
  width?: number;
  mode?: 'lines' | 'lines+markers' | 'markers';
  /** Hover template for the value; %{x} and %{customdata} (the raw value) are available. */
  hovertemplate?: string;
  /** Extra per-point hover text, such as layer names. */
  text?: string[];
  opacity?: number;
}

/** Replaces 0, NaN and Infinity by null so Plotly leaves a gap on a log axis; keeps the raw value apart. */
export function toLogValues(values: readonly (number | null)[]): (number | null)[] {
  return values.map((v) => (v !== null && Number.isFinite(v) && v > 0 ? v : null));
}

/** Values for JSON: NaN and Infinity have no JSON form, so they become the strings 'NaN' / 'Infinity'. */
export function rawForJson(values: readonly (number | null)[]): (number | string | null)[] {
  return values.map((v) => (v === null ? null : Number.isFinite(v) ? v : String(v)));
}

/**
 * One line on a log y axis, plus (when needed) a marker trace for the exact zeros at `range.floor`.
 * The line's `customdata` holds the raw values, which is what hover and CSV export show.
 */
export function logSeries(x: readonly (number | string)[], values: readonly (number | null)[], style: LogSeriesStyle, range: LogRange): Trace[] {
  const group = style.legendgroup ?? style.name;
  const line: Trace = {
    type: 'scatter',
    mode: style.mode ?? 'lines+markers',
    name: style.name,
    legendgroup: group,
    x: [...x],
    y: toLogValues(values),
    customdata: rawForJson(values),
    line: { color: style.color, width: style.width ?? 2.5, ...(style.dash ? { dash: style.dash } : {}) },
    marker: { color: style.color, size: 5 },
    connectgaps: false,
    hovertemplate: style.hovertemplate ?? `${style.name}<br>%{x}: %{customdata:.3e}<extra></extra>`,
  };
  if (style.showlegend === false) line.showlegend = false;
  if (style.text) line.text = style.text;
  if (style.opacity !== undefined) line.opacity = style.opacity;
  const traces: Trace[] = [line];
  const zeroX: (number | string)[] = [];
  const zeroText: string[] = [];
  values.forEach((v, i) => {
    if (v === 0) {
      zeroX.push(x[i]);
      zeroText.push(style.text ? `${style.text[i]}: ` : '');
    }
  });
  if (zeroX.length > 0) {
    traces.push({
      type: 'scatter',
      mode: 'markers',
      name: `${style.name}: exactly 0`,
      legendgroup: group,
      showlegend: false,
      x: zeroX,
      y: zeroX.map(() => range.floor),
      text: zeroText,
      marker: { symbol: 'triangle-down', size: 11, color: style.color, line: { color: '#fff', width: 1 } },
      hovertemplate: `${style.name}<br>%{text}%{x}: exactly 0 (underflow)<extra></extra>`,
      meta: { csv: 'skip' },
    });
  }
  return traces;
}
