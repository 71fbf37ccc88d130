/**
 * Charts in a notebook.
 *
 * `await show(fig)` sends one display_data message whose bundle holds three views of the same chart:
 *
 *   - `application/vnd.plotly.v1+json`: the figure itself. JupyterLab draws it as an interactive Plotly chart
 *     (the jupyterlab-plotly extension), also in a saved notebook opened later, which is "untrusted".
 *     `npm run figures` reads the figures back from this entry of the executed notebooks.
 *   - `image/jpeg`: a static snapshot, so that GitHub, nbviewer and nbconvert, which run no JavaScript,
 *     still show the chart. Drawn by headless Chromium when it is installed: the kernel's own, or, when the
 *     kernel was started with GRADSCOPE_IMAGE_SERVER (`npm run figures` does so), the one browser of the
 *     process that started it (export/image-server.ts). Why JPEG and not PNG:
 *     JupyterLab's Plotly renderer (jupyterlab-plotly) shows the bundle's `image/png`, when there is one,
 *     *instead of* the interactive chart, and never draws the chart itself; it ignores `image/jpeg`, so with
 *     a JPEG the notebook stays interactive in JupyterLab and still has a picture everywhere else.
 *     (`{snapshot: 'png'}` gives a PNG for viewers without that renderer; JupyterLab then shows it static.)
 *   - `text/plain`: one line saying what the chart shows.
 *
 * `liveChart(fig)` shows a chart that can be redrawn in place while a model trains; updates are throttled
 * so that drawing does not slow training down.
 *
 * Outside a Jupyter kernel (plain Node, tests) nothing is sent: show() prints the text line and returns
 * the bundle.
 */
import { randomBytes } from 'crypto';
import { fail } from '../core/check';
import { figureName, figureSummary } from '../plots/figure';
import { CHROMIUM_HINT, chromiumStatus, renderImage, startBrowserEarly } from '../export/chromium';
import { imageSize } from '../export/files';
import { displayBundle, notebookWriter } from '../core/notebook';

/** The MIME type JupyterLab's Plotly renderer draws. */
// Inside a kernel, the browser that draws the charts' static snapshots starts while the first cells run.
startBrowserEarly();

export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

/** A Jupyter MIME bundle: `data` maps MIME types to content, `metadata` holds per-type hints (image size). */
export interface MimeBundle {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/**
 * True when `value` is a Plotly figure: a plain object whose `data` is an array and `layout` an object.
 * A kernel can use it to show a figure left as the last expression of a cell as a chart.
 */
export function isFigure(value: unknown): value is { data: unknown[]; layout: Record<string, unknown> } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const candidate = value as { data?: unknown; layout?: unknown };
  return (
    Array.isArray(candidate.data) &&
    candidate.layout !== null &&
    typeof candidate.layout === 'object' &&
    !Array.isArray(candidate.layout)
  );
}

export interface ShowOptions {
  /**
   * The static snapshot added to the bundle: 'jpeg' (default), 'png' (JupyterLab then shows the picture
   * instead of the interactive chart), or false for none. Needs Chromium; left out when it is missing.
   */
  snapshot?: 'jpeg' | 'png' | false;
  /** Snapshot size in CSS pixels. Default 900 x the figure's layout.height (or 500). */
  width?: number;
  height?: number;
}

let noImageNoticeGiven = false;

function checkShowable(fig: unknown, where: string): { data: unknown[]; layout: Record<string, unknown> } {
  if (!isFigure(fig)) fail(where, 'fig', fig, 'a Plotly figure {data: [...], layout: {...}}, such as byLayerFigure(...) returns');
  return fig;
}

/** The text/plain line: "Chart <name>: <summary>". */
function textLine(fig: { data: unknown[]; layout: Record<string, unknown> }, note?: string): string {
  const line = `Chart ${figureName(fig)}: ${figureSummary(fig)}`;
  return note ? `${line}\n${note}` : line;
}

/** The bundle without the snapshot: fast, used for throttled live updates. */
function quickBundle(fig: { data: unknown[]; layout: Record<string, unknown> }, note?: string): MimeBundle {
  // A JSON round trip makes the figure plain data: no undefined, no typed arrays, NaN becomes null.
  const plain = JSON.parse(JSON.stringify({ data: fig.data, layout: fig.layout }));
  return { data: { [PLOTLY_MIME]: plain, 'text/plain': textLine(fig, note) }, metadata: {} };
}

/** MIME type of each snapshot format. */
const SNAPSHOT_MIME = { jpeg: 'image/jpeg', png: 'image/png' } as const;

/**
 * The MIME bundle show() sends: Plotly JSON, a static snapshot (JPEG by default; when Chromium is
 * available) and a text line. A kernel can send it as the rich result of a cell.
 */
export async function mimeBundle(fig: unknown, options: ShowOptions = {}): Promise<MimeBundle> {
  const figure = checkShowable(fig, 'mimeBundle');
  const snapshot = options.snapshot ?? 'jpeg';
  if (snapshot !== false && snapshot !== 'jpeg' && snapshot !== 'png') {
    fail('mimeBundle', 'options.snapshot', snapshot, "'jpeg', 'png', false");
  }
  if (snapshot === false) return quickBundle(figure);
  const status = chromiumStatus();
  let note: string | undefined;
  let image: Buffer | undefined;
  if (status.available) {
    try {
      image = await renderImage(figure, snapshot, imageSize(figure, { ...options, scale: 1 }));
    } catch (error) {
      if (!noImageNoticeGiven) note = `(No static image: ${error instanceof Error ? error.message : String(error)})`;
    }
  } else if (!noImageNoticeGiven) {
    note =
      `(No static image: ${status.reason ?? 'Chromium is not available'}. The chart is interactive in ` +
      `JupyterLab; GitHub and nbviewer will show only this text. To add images, ${CHROMIUM_HINT}.)`;
  }
  if (note) noImageNoticeGiven = true;
  const bundle = quickBundle(figure, note);
  if (image) {
    const size = imageSize(figure, options);
    bundle.data[SNAPSHOT_MIME[snapshot]] = image.toString('base64');
    bundle.metadata[SNAPSHOT_MIME[snapshot]] = { width: size.width, height: size.height };
  }
  return bundle;
}

/** True when running inside a Jupyter kernel (so show() draws in the notebook). */
export function inNotebook(): boolean {
  return notebookWriter() !== undefined;
}

function send(bundle: MimeBundle, displayId: string | undefined, update: boolean): boolean {
  return displayBundle(bundle, { displayId, update });
}

/**
 * Shows a figure in the notebook as an interactive chart with a static snapshot and a text line.
 * Outside a notebook it prints the text line. Resolves to nothing, so that `await show(fig)` as the last
 * line of a cell prints nothing more; use mimeBundle(fig) to get the bundle itself.
 *
 * @example
 *   await show(byLayerFigure([{ name: 'sigmoid', snapshot: gradientNorms(model, data) }]));
 */
export async function show(fig: unknown, options: ShowOptions = {}): Promise<void> {
  const bundle = await mimeBundle(fig, options);
  if (!send(bundle, undefined, false)) console.log(bundle.data['text/plain']);
}

export interface LiveChartOptions extends ShowOptions {
  /** Least time between two redraws, in milliseconds. Default 500. */
  intervalMs?: number;
}

/** A chart in the notebook that can be redrawn in place. */
export interface LiveChart {
  /** The Jupyter display id of the chart. */
  readonly displayId: string;
  /** Number of redraws actually sent so far (updates in between are merged). */
  readonly redraws: number;
  /**
   * Replaces the chart's figure. Cheap to call every step: it redraws at most once per `intervalMs`;
   * a figure that arrives sooner waits and is drawn later (or replaced by a newer one).
   */
  update(fig: unknown): void;
  /** Draws the last figure (or `fig`) with its static snapshot and stops updating. Always await it. */
  done(fig?: unknown): Promise<void>;
}

/**
 * Shows a chart that training code can update in place.
 *
 * The first figure is drawn right away without a snapshot. `update(fig)` redraws at most every 500 ms (so
 * the notebook is not flooded and training is not slowed), and `done()` draws the final figure with its
 * static snapshot,
 * which is what a saved notebook and `npm run figures` keep.
 *
 * @example
 *   const live = await liveChart(lossCurvesFigure([]));
 *   for (let step = 0; step < 1000; step++) {
 *     ...
 *     live.update(lossCurvesFigure(history));
 *   }
 *   await live.done();
 */
export async function liveChart(fig: unknown, options: LiveChartOptions = {}): Promise<LiveChart> {
  let latest = checkShowable(fig, 'liveChart');
  const interval = options.intervalMs ?? 500;
  if (!(interval >= 0)) fail('liveChart', 'options.intervalMs', interval, 'a number of milliseconds >= 0');
  const displayId = `gradscope-${randomBytes(8).toString('hex')}`;
  let lastSent = Date.now();
  let pending = false;
  let timer: NodeJS.Timeout | undefined;
  let finished = false;
  let redraws = 0;
  send(quickBundle(latest), displayId, false);

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!pending || finished) return;
    pending = false;
    lastSent = Date.now();
    redraws++;
    send(quickBundle(latest), displayId, true);
  };

  return {
    displayId,
    get redraws() {
      return redraws;
    },
    update(next: unknown) {
      if (finished) throw new Error('liveChart: this live chart is done; start another with liveChart(fig).');
      latest = checkShowable(next, 'liveChart');
      pending = true;
      const wait = lastSent + interval - Date.now();
      if (wait <= 0) flush();
      else if (!timer) timer = setTimeout(flush, wait);
    },
    async done(next?: unknown) {
      if (next !== undefined) latest = checkShowable(next, 'liveChart');
      if (timer) clearTimeout(timer);
      timer = undefined;
      finished = true;
      pending = false;
      const bundle = await mimeBundle(latest, options);
      redraws++;
      if (!send(bundle, displayId, true)) console.log(bundle.data['text/plain']);
    },
  };
}
export { clearOutput, displayBundle, notebookWriter } from '../core/notebook';
export type { DisplayMessage, DisplayWriter } from '../core/notebook';
