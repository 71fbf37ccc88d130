/**
 * A figure as files: self-contained HTML, SVG, PNG, the figure's JSON, and its data as CSV.
 *
 * - `.html` opens offline in any browser: plotly.js is copied into the file, nothing is fetched.
 * - `.svg` and `.png` are drawn by headless Chromium (see chromium.ts); PNGs are drawn at 2x for sharpness.
 * - `.json` is the figure itself, `{data, layout}`, re-plottable with any Plotly (Python, R, JS).
 * - `.csv` is the data behind the chart in long form: one row per point, columns
 *   `trace,group,x,y,z,value` (`group` is e.g. the training step of a slider figure; `value` is the raw
 *   number where the chart shows something else, such as an exact 0 drawn at the bottom of a log axis).
 */
import * as fs from 'fs';
import { checkBool, checkInt, checkKeys, checkNumber, fail } from '../core/check';
import * as path from 'path';
import { figureName, figureSummary, titleText } from '../plots/figure';
import { IMAGE_HEIGHT, IMAGE_WIDTH } from '../plots/style';
import { CHROMIUM_HINT, ImageSize, chromiumStatus, plotlyJsSource, plotlyJsVersion, renderImage } from './chromium';

type AnyFigure = { data: unknown[]; layout: Record<string, unknown> };

/** The formats saveFigure writes. */
export const FIGURE_FORMATS = ['html', 'svg', 'png', 'json', 'csv'] as const;
export type FigureFormat = (typeof FIGURE_FORMATS)[number];

function checkFigure(fig: unknown, field: string): AnyFigure {
  const f = fig as AnyFigure;
  if (!f || typeof f !== 'object' || !Array.isArray(f.data) || !f.layout || typeof f.layout !== 'object') {
    fail('saveFigure', field, fig, 'a Plotly figure {data: [...], layout: {...}}, such as a gradscope builder returns');
  }
  return f;
}

/** The figure as pretty-printed JSON text: identical for identical figures (keys in insertion order). */
export function figureJson(fig: AnyFigure): string {
  return `${JSON.stringify({ data: fig.data, layout: fig.layout }, null, 1)}\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** JSON that is safe inside a <script> element (no "</script>" or "<!--" can appear). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * One HTML page holding the interactive chart and a copy of plotly.js: it works offline and from file://.
 */
export function figureHtml(fig: AnyFigure): string {
  const [before, after] = figureHtmlAround(fig);
  return `${before}${plotlyJsSource()}${after}`;
}

/** The page of figureHtml without plotly.js: what comes before it and what comes after it. */
function figureHtmlAround(fig: AnyFigure): [string, string] {
  const title = titleText(fig) || figureName(fig);
  const height = typeof fig.layout.height === 'number' ? fig.layout.height : IMAGE_HEIGHT;
  const before = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    `<meta name="description" content="${escapeHtml(figureSummary(fig))}">`,
    `<!-- plotly.js ${escapeHtml(plotlyJsVersion())} (MIT licence) is inlined below so that this file works offline. -->`,
    '<script>',
  ].join('\n');
  const after = [
    '</script>',
    '<style>body{margin:0;font-family:sans-serif}#chart{width:100%;max-width:1100px;margin:0 auto}</style>',
    '</head>',
    '<body>',
    `<div id="chart" style="height:${height}px" role="img" aria-label="${escapeHtml(figureSummary(fig))}"></div>`,
    '<script>',
    `var figure = ${scriptJson({ data: fig.data, layout: fig.layout })};`,
    "Plotly.newPlot('chart', figure.data, figure.layout, {responsive: true, displaylogo: false});",
    '</script>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
  return [before, after];
}

let plotlyBytes: Buffer | undefined;

/**
 * Writes figureHtml(fig) to a file: the same bytes, with plotly.js (4.8 MB) encoded once per process instead of
 * once per page (`npm run figures` writes some fifty pages).
 */
function writeFigureHtml(target: string, fig: AnyFigure): void {
  plotlyBytes ??= Buffer.from(plotlyJsSource(), 'utf8');
  const [before, after] = figureHtmlAround(fig);
  fs.writeFileSync(target, Buffer.concat([Buffer.from(before, 'utf8'), plotlyBytes, Buffer.from(after, 'utf8')]));
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : String(value);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function asArray(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<unknown>);
  return undefined;
}

/**
 * The data behind a figure as CSV text (long form, header `trace,group,x,y,z,value`).
 * Traces marked `meta: {csv: 'skip'}` (reference lines, underflow markers) are left out: their points
 * are already in the rows of the line they belong to.
 */
export function figureCsv(fig: AnyFigure): string {
  const rows: string[] = ['trace,group,x,y,z,value'];
  fig.data.forEach((raw, index) => {
    const trace = raw as Record<string, unknown>;
    const meta = (trace.meta ?? {}) as Record<string, unknown>;
    if (meta.csv === 'skip') return;
    const name = typeof trace.name === 'string' ? trace.name : `trace ${index + 1}`;
    const group = meta.group ?? '';
    const x = asArray(trace.x);
    const y = asArray(trace.y);
    const z = asArray(trace.z);
    const custom = asArray(trace.customdata);
    if (z && z.length > 0 && Array.isArray(z[0])) {
      (z as unknown[][]).forEach((row, i) =>
        row.forEach((value, j) => {
          rows.push([name, group, x ? x[j] : j, y ? y[i] : i, value, ''].map(csvCell).join(','));
        }),
      );
      return;
    }
    const n = Math.max(x?.length ?? 0, y?.length ?? 0);
    for (let i = 0; i < n; i++) {
      const value = custom && custom.length === n && !Array.isArray(custom[i]) ? custom[i] : '';
      rows.push([name, group, x ? x[i] : i, y ? y[i] : '', z ? z[i] : '', value].map(csvCell).join(','));
    }
  });
  return `${rows.join('\n')}\n`;
}

/** Options for saveFigure. */
export interface SaveFigureOptions {
  /** Formats to write when `path` has no extension. Default: all five. */
  formats?: FigureFormat[];
  /**
   * Image size in whole CSS pixels, each from 1 to 16384, and width × height × scale² at most 16384² (the
   * largest image Chromium draws; see MAX_IMAGE_PIXELS). Default 900 x the figure's layout.height (or 500).
   */
  width?: number;
  height?: number;
  /** PNG pixel density, greater than 0 and at most 10. Default 2. */
  scale?: number;
  /** Do not print the "no Chromium" note. */
  quiet?: boolean;
}

/** What saveFigure did: files written, and formats it could not write with the reason. */
export interface SaveFigureResult {
  written: string[];
  skipped: { format: FigureFormat; reason: string }[];
}

let warnedNoChromium = false;

/** The option names saveFigure takes. */
const SAVE_FIGURE_FIELDS = ['formats', 'width', 'height', 'scale', 'quiet'] as const;

/**
 * The largest image Chromium draws: each side at most 16 384 CSS pixels, and at most 16 384² =
 * 268 435 456 device pixels in all (width × scale by height × scale). Measured with the Chromium of
 * Debian 12: 16 384 × 16 384 at scale 1 and 8 192 × 8 192 at scale 2 draw; 16 400 × 16 400 or
 * 16 384 × 8 192 at scale 2 give an empty image.
 */
export const MAX_IMAGE_SIDE = 16384;
export const MAX_IMAGE_PIXELS = 16384 * 16384;

/** Checks an image size before any browser starts: whole, positive sides within what Chromium draws. */
export function checkImageSize(where: string, size: ImageSize): ImageSize {
  checkInt(where, 'width', size.width, 1, MAX_IMAGE_SIDE);
  checkInt(where, 'height', size.height, 1, MAX_IMAGE_SIDE);
  const scale = checkNumber(where, 'scale', size.scale ?? 1, 0, 10, { minExclusive: true });
  const pixels = Math.round(size.width * scale) * Math.round(size.height * scale);
  if (pixels > MAX_IMAGE_PIXELS) {
    fail(
      where,
      'width × height × scale²',
      pixels,
      `at most ${MAX_IMAGE_PIXELS} pixels (16384 × 16384, the largest image Chromium draws; here ${size.width} × ${size.height} at scale ${scale})`,
    );
  }
  return size;
}

/** Image size used for a figure: width 900 and the figure's own height unless given. */
export function imageSize(fig: AnyFigure, options: { width?: number; height?: number; scale?: number } = {}): ImageSize {
  const layoutWidth = typeof fig.layout.width === 'number' ? fig.layout.width : undefined;
  const layoutHeight = typeof fig.layout.height === 'number' ? fig.layout.height : undefined;
  return {
    width: options.width ?? layoutWidth ?? IMAGE_WIDTH,
    height: options.height ?? layoutHeight ?? IMAGE_HEIGHT,
    scale: options.scale ?? 1,
  };
}

/**
 * Writes a figure to disk.
 *
 *   saveFigure(fig, 'out/gradients.png')   // one file, format from the extension
 *   saveFigure(fig, 'out/gradients')       // gradients.html, .svg, .png, .json and .csv
 *
 * Missing folders are created. Without Chromium, PNG and SVG cannot be drawn: asking for one of them alone
 * throws and says how to install it; asking for all formats writes HTML, JSON and CSV and lists the images
 * under `skipped`.
 */
export async function saveFigure(fig: unknown, filePath: string, options: SaveFigureOptions = {}): Promise<SaveFigureResult> {
  const figure = checkFigure(fig, 'fig');
  if (typeof filePath !== 'string' || filePath.length === 0) {
    fail('saveFigure', 'path', filePath, "a file path such as 'figures/gradients.png'");
  }
  checkKeys('saveFigure', options, SAVE_FIGURE_FIELDS);
  if (options.quiet !== undefined) checkBool('saveFigure', 'quiet', options.quiet);
  if (options.formats !== undefined && (!Array.isArray(options.formats) || options.formats.length === 0)) {
    fail('saveFigure', 'options.formats', options.formats, `a non-empty array of ${FIGURE_FORMATS.map((f) => `'${f}'`).join(', ')}`);
  }
  const ext = path.extname(filePath).slice(1).toLowerCase();
  let base: string;
  let formats: FigureFormat[];
  if (ext === '') {
    base = filePath;
    formats = options.formats ?? [...FIGURE_FORMATS];
    for (const f of formats) {
      if (!(FIGURE_FORMATS as readonly string[]).includes(f)) {
        fail('saveFigure', 'options.formats', f, FIGURE_FORMATS.join(', '));
      }
    }
  } else if ((FIGURE_FORMATS as readonly string[]).includes(ext)) {
    base = filePath.slice(0, -(ext.length + 1));
    formats = [ext as FigureFormat];
  } else {
    fail('saveFigure', 'path', filePath, `an extension of ${FIGURE_FORMATS.map((f) => `.${f}`).join(', ')}, or none to write all of them`);
  }
  const pngSize = imageSize(figure, { ...options, scale: options.scale ?? 2 });
  const svgSize = imageSize(figure, options);
  if (formats.includes('png')) checkImageSize('saveFigure', pngSize);
  if (formats.includes('svg')) checkImageSize('saveFigure', svgSize);
  fs.mkdirSync(path.dirname(path.resolve(base)), { recursive: true });
  const result: SaveFigureResult = { written: [], skipped: [] };
  const status = chromiumStatus();
  for (const format of formats) {
    const target = `${base}.${format}`;
    if (format === 'json') fs.writeFileSync(target, figureJson(figure));
    else if (format === 'csv') fs.writeFileSync(target, figureCsv(figure));
    else if (format === 'html') writeFigureHtml(target, figure);
    else {
      if (!status.available) {
        const reason = status.reason ?? 'Chromium is not available';
        if (formats.length === 1) {
          throw new Error(`saveFigure cannot write '${target}': ${reason}. The .html, .json and .csv formats work without it.`);
        }
        result.skipped.push({ format, reason });
        continue;
      }
      try {
        const drawn = format === 'png' ? await renderImage(figure, 'png', pngSize) : await renderImage(figure, 'svg', svgSize);
        if (drawn.length === 0) {
          const size = format === 'png' ? pngSize : svgSize;
          throw new Error(
            `saveFigure: Chromium drew an empty ${format.toUpperCase()} for '${target}' (width ${size.width}, height ${size.height}, scale ${size.scale}); ` +
              'nothing was written. Try a smaller width, height or scale.',
          );
        }
        fs.writeFileSync(target, drawn);
        if (fs.statSync(target).size === 0) {
          fs.rmSync(target, { force: true });
          throw new Error(`saveFigure: '${target}' was written empty (0 bytes); allowed: a non-empty file. Check the disk space and the folder's permissions.`);
        }
      } catch (error) {
        if (formats.length === 1) throw error;
        result.skipped.push({ format, reason: error instanceof Error ? error.message : String(error) });
        continue;
      }
    }
    result.written.push(target);
  }
  if (result.skipped.length > 0 && !options.quiet && !warnedNoChromium) {
    warnedNoChromium = true;
    console.warn(
      `gradscope: wrote ${result.written.map((f) => path.basename(f)).join(', ')} but not ` +
        `${result.skipped.map((s) => `.${s.format}`).join(', ')}: ${result.skipped[0].reason}. ` +
        `To get the images, ${CHROMIUM_HINT}, then save again.`,
    );
  }
  return result;
}
