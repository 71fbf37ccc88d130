/**
 * One look for every gradscope chart: a colour per configuration that stays the same across a notebook,
 * log axes whose ticks read as powers of ten, axis titles with units, and a title that states the finding.
 *
 * Colours: the first configuration a process draws gets the first palette colour, the next new name the
 * next one, and so on; a name keeps its colour for the life of the kernel, so "sigmoid" is the same blue in
 * every chart of a notebook. Re-running a notebook from the top in a fresh kernel gives the same colours.
 * `setColor(name, colour)` pins one by hand; `resetColors()` starts over.
 */
import { fail } from '../core/check';
import type { Layout } from './figure';

/**
 * The palette: Okabe and Ito's colour-blind-safe set (yellow left out: it vanishes on white), then four
 * extra distinct colours for busy charts.
 */
export const PALETTE: readonly string[] = [
  '#0072B2', // blue
  '#D55E00', // vermillion
  '#009E73', // bluish green
  '#CC79A7', // reddish purple
  '#E69F00', // orange
  '#56B4E9', // sky blue
  '#000000', // black
  '#8C564B', // brown
  '#7F7F7F', // grey
  '#9467BD', // violet
];

const assigned = new Map<string, string>();

/** The colour of a configuration name: assigned on first use, then kept for the life of the process. */
export function colorFor(name: string): string {
  const known = assigned.get(name);
  if (known) return known;
  const colour = PALETTE[assigned.size % PALETTE.length];
  assigned.set(name, colour);
  return colour;
}

/** Pins the colour of one configuration name (any CSS colour), for example to match a paper's figure. */
export function setColor(name: string, colour: string): void {
  if (typeof colour !== 'string' || colour.trim() === '') {
    fail('setColor', 'colour', colour, "a CSS colour such as '#0072B2'");
  }
  assigned.set(name, colour);
}

/** Forgets every assigned colour; the next name drawn gets the first palette colour again. */
export function resetColors(): void {
  assigned.clear();
}

/**
 * A sequential colour for position `i` of `n` (layer 1 of 20 dark purple ... layer 20 yellow, Viridis).
 * Used where the order matters more than the name: layers by depth, training steps by time.
 */
export function sequentialColor(i: number, n: number): string {
  const stops = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const t = n <= 1 ? 0 : Math.min(1, Math.max(0, i / (n - 1)));
  const position = t * (stops.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(stops.length - 1, lower + 1);
  const f = position - lower;
  const channel = (k: number) => Math.round(stops[lower][k] + (stops[upper][k] - stops[lower][k]) * f);
  const hex = (v: number) => v.toString(16).padStart(2, '0');
  return `#${hex(channel(0))}${hex(channel(1))}${hex(channel(2))}`;
}

/** Plotly's colour scale for log10 gradient norms (same Viridis as sequentialColor). */
export const VIRIDIS: [number, string][] = [
  [0, '#440154'],
  [0.25, '#3b528b'],
  [0.5, '#21918c'],
  [0.75, '#5ec962'],
  [1, '#fde725'],
];

/** Default size of static images (PNG, SVG), in CSS pixels. The notebook's live chart fills the cell width. */
export const IMAGE_WIDTH = 900;
export const IMAGE_HEIGHT = 500;

const FONT = { family: 'Helvetica Neue, Helvetica, Arial, sans-serif', size: 13, color: '#222' };

/**
 * Breaks a long title into lines of about `width` characters at spaces (Plotly does not wrap titles).
 * Existing <br> breaks are kept; tags such as <sub> count as no width.
 */
export function wrapTitle(text: string, width = 90): string {
  const visible = (t: string) => t.replace(/<[^>]+>/g, '').length;
  return text
    .split(/<br\s*\/?>/i)
    .map((paragraph) => {
      // A subtitle in <sup> or <sub> is set smaller: allow more characters per line.
      const limit = /^\s*<su[bp]>/i.test(paragraph) ? Math.round(width * 1.4) : width;
      if (visible(paragraph) <= limit) return paragraph;
      const parts = paragraph.split(/(?<= )/);
      const lines: string[] = [];
      let line = '';
      for (const part of parts) {
        if (line && visible(line + part) > limit) {
          lines.push(line.trimEnd());
          line = '';
        }
        line += part;
      }
      if (line) lines.push(line.trimEnd());
      return lines.join('<br>');
    })
    .join('<br>');
}

/** Room above the plot for a title of this many lines (<br> separated). */
export function topMargin(title: string): number {
  return 50 + 22 * title.split(/<br\s*\/?>/i).length;
}

/** The layout every builder starts from; `title` is the finding, `summary` the one-line alt text. */
export function baseLayout(options: { name: string; title: string; summary: string; height?: number }): Layout {
  const title = wrapTitle(options.title);
  return {
    meta: { name: options.name, summary: options.summary },
    title: { text: title, x: 0.01, xanchor: 'left', font: { size: 16 } },
    font: FONT,
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
    margin: { l: 80, r: 30, t: topMargin(title), b: 60 },
    height: options.height ?? IMAGE_HEIGHT,
    hovermode: 'closest',
    legend: { bgcolor: 'rgba(255,255,255,0.8)', bordercolor: '#ddd', borderwidth: 1 },
  };
}

/** The look every axis shares: a dark axis line, outside ticks, a light grid, room for long tick labels. */
const AXIS_LOOK = {
  showline: true,
  linecolor: '#444',
  ticks: 'outside',
  gridcolor: '#eee',
  zeroline: false,
  automargin: true,
} as const;

/** A linear axis with a title (give units in it, such as "training step" or "loss (cross-entropy, nats)"). */
export function linearAxis(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { title: { text: title }, ...AXIS_LOOK, ...extra };
}

/** Where a log axis starts and ends, in powers of ten, and where exact zeros are drawn. */
export interface LogRange {
  /** [lowest decade, highest decade] of the axis, such as [-14, 0] for 1e-14 .. 1. */
  range: [number, number];
  /** The y value at which exact zeros (underflow) are drawn: half a decade above the bottom edge. */
  floor: number;
  /** Whether any value was exactly 0. */
  hasZeros: boolean;
}

/**
 * The decade range that holds every positive value; when some value is exactly 0 one more decade is added
 * at the bottom to hold the underflow markers (a log axis has no place for 0, and log10(0) is -Infinity).
 */
export function logRange(values: Iterable<number>): LogRange {
  let min = Infinity;
  let max = -Infinity;
  let hasZeros = false;
  for (const v of values) {
    if (v === 0) hasZeros = true;
    else if (Number.isFinite(v) && v > 0) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (!Number.isFinite(min)) {
    // Nothing positive: an empty chart, or every value underflowed.
    return { range: [-2, 0], floor: 10 ** -1.5, hasZeros };
  }
  let low = Math.floor(Math.log10(min));
  let high = Math.ceil(Math.log10(max));
  if (high === low) high = low + 1;
  if (hasZeros) low -= 1;
  return { range: [low, high], floor: 10 ** (low + 0.5), hasZeros };
}

/** Tick spacing in decades so that a log axis shows at most about a dozen labels. */
export function decadeStep(range: [number, number]): number {
  const span = range[1] - range[0];
  for (const step of [1, 2, 3, 5, 10, 20, 50]) if (span / step <= 12) return step;
  return 100;
}

/**
 * A log axis whose ticks read 10^-3, 10^-2, ... (one label per decade when they fit), with a fixed range
 * so that the same data always gives the same picture.
 */
export function logAxis(title: string, range: LogRange | [number, number], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const decades = Array.isArray(range) ? range : range.range;
  return {
    type: 'log',
    title: { text: title },
    // A little room past the end decades so that a point at exactly 10^k is not cut by the frame.
    range: [decades[0] - 0.08, decades[1] + 0.08],
    dtick: decadeStep(decades),
    exponentformat: 'power',
    showexponent: 'all',
    ...AXIS_LOOK,
    ...extra,
  };
}

/** Text for a power of ten, as Plotly's `exponentformat: 'power'` would print it: 10<sup>-5</sup>. */
export function powerLabel(exponent: number): string {
  return exponent === 0 ? '1' : `10<sup>${exponent}</sup>`;
}

/** The note placed under charts that draw exact zeros as markers at the bottom. */
export function underflowNote(symbolWord = '▼'): Record<string, unknown> {
  return {
    text: `${symbolWord} = exactly 0: the number underflowed (too small for 32-bit floats), shown at the bottom edge`,
    xref: 'paper',
    yref: 'paper',
    x: 0,
    y: 0,
    yshift: -58,
    xanchor: 'left',
    yanchor: 'top',
    showarrow: false,
    font: { size: 11, color: '#555' },
  };
}

/** Validates that `value` is an array of numbers (null allowed for missing): "fn: field is X; allowed: Y" when not. */
export function checkNumbers(value: unknown, where: string, field: string): (number | null)[] {
  if (!Array.isArray(value) && !(ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    fail(where, field, value, 'an array of numbers');
  }
  const list = Array.from(value as ArrayLike<unknown>);
  list.forEach((v, i) => {
    if (v !== null && typeof v !== 'number') fail(where, `${field}[${i}]`, v, 'a number (or null for missing)');
  });
  return list as (number | null)[];
}

/** Validates a non-empty array: "fn: field is X; allowed: a non-empty array, such as ..." when not. */
export function checkArray<T>(value: unknown, where: string, field: string, example: string): T[] {
  if (!Array.isArray(value) || value.length === 0) fail(where, field, value, `a non-empty array, such as ${example}`);
  return value as T[];
}
