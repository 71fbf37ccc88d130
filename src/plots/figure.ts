/**
 * What a gradscope figure is: plain Plotly JSON, `{data, layout}`, that any Plotly renderer draws.
 *
 * A figure holds no tensors and no functions, so it can be saved, diffed, tested and re-plotted. Every
 * builder in this folder returns one, and every figure carries two things of its own in `layout.meta`:
 *
 *   - `name`: a stable, meaningful file name (`gradient-norm-by-layer`), used by `saveFigure` and by
 *     `npm run figures` to write `figures/<notebook>/<name>.png`;
 *   - `summary`: one plain sentence saying what the chart shows, used as the text a notebook shows when it
 *     cannot draw the chart, and as the alt text of exported images.
 */
import { checkKeys, fail } from '../core/check';

/** One Plotly trace (a line, a set of bars, a heatmap...). Plotly's own schema; kept open on purpose. */
export type Trace = Record<string, unknown> & { type?: string; name?: string };

/** What gradscope keeps in `layout.meta` of every figure it builds. */
export interface FigureMeta {
  /** File-name-safe identifier: lower case words joined by '-', such as `gradient-norm-by-layer`. */
  name: string;
  /** One sentence for a reader who cannot see the chart. */
  summary: string;
}

/** Plotly layout with gradscope's meta. */
export type Layout = Record<string, unknown> & { meta: FigureMeta; title?: { text: string } & Record<string, unknown> };

/** A Plotly figure as gradscope builds it. */
export interface Figure {
  data: Trace[];
  layout: Layout;
}

/** Names allowed for figures: lower case letters, digits and single dashes, as in `loss-curves`. */
export const FIGURE_NAME_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Turns any text into a figure name: `"Gradient norm / layer"` -> `gradient-norm-layer`. */
export function slug(text: string): string {
  const cleaned = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return cleaned.length > 0 ? cleaned.slice(0, 80).replace(/-+$/, '') : 'figure';
}

/**
 * The stable name of a figure: `layout.meta.name` when it is set, else a slug of the title, else `figure`.
 */
export function figureName(fig: { layout?: Record<string, unknown> }): string {
  const meta = fig.layout?.meta as Partial<FigureMeta> | undefined;
  if (meta && typeof meta.name === 'string' && meta.name.length > 0) return slug(meta.name);
  const title = titleText(fig);
  return title ? slug(title) : 'figure';
}

/** The title of a figure as plain text (HTML tags removed), or '' when it has none. */
export function titleText(fig: { layout?: Record<string, unknown> }): string {
  const title = fig.layout?.title as unknown;
  const text = typeof title === 'string' ? title : (title as { text?: unknown } | undefined)?.text;
  return typeof text === 'string' ? text.replace(/<br\s*\/?>/gi, ' ').replace(/<[^>]+>/g, '').trim() : '';
}

/** The one-sentence summary of a figure (`layout.meta.summary`), else its title, else a generic line. */
export function figureSummary(fig: { data?: unknown[]; layout?: Record<string, unknown> }): string {
  const meta = fig.layout?.meta as Partial<FigureMeta> | undefined;
  if (meta && typeof meta.summary === 'string' && meta.summary.length > 0) return meta.summary;
  const title = titleText(fig);
  if (title) return title;
  return `A Plotly chart with ${fig.data?.length ?? 0} trace(s).`;
}

/** Gives a figure a new stable name (returns a copy; the input is not changed). */
export function withName<F extends Figure>(fig: F, name: string): F {
  if (!FIGURE_NAME_PATTERN.test(name)) {
    fail('withName', 'name', name, `lower case letters, digits and single dashes, such as 'gradient-norm-by-layer' (slug('${name}') gives '${slug(name)}')`);
  }
  return { ...fig, layout: { ...fig.layout, meta: { ...fig.layout.meta, name } } };
}

/** Options that hold text (a title, an axis title, a file name, a note): each must be a string when given. */
const TEXT_OPTIONS = ['title', 'name', 'xTitle', 'yTitle', 'label', 'config', 'saturationRule', 'deadRule'];

/**
 * The check every figure builder starts with: `options` is an object whose names are all in `known` (a
 * typo such as `ytitle` is an error with a "did you mean", never silently ignored), and its text options
 * are strings.
 */
export function checkFigureOptions(where: string, options: unknown, known: readonly string[]): void {
  checkKeys(where, options, known);
  const given = (options ?? {}) as Record<string, unknown>;
  for (const field of TEXT_OPTIONS) {
    if (known.includes(field) && given[field] !== undefined && typeof given[field] !== 'string') {
      fail(where, `options.${field}`, given[field], 'a string');
    }
  }
}
