/**
 * Static images of Plotly figures, drawn by a headless Chromium.
 *
 * plotly.js needs a real browser to lay a chart out, so PNG and SVG snapshots come from Chromium driven by
 * playwright-core. Starting a browser takes about a second; drawing one chart in a browser that is already
 * open takes tens of milliseconds. So one browser (with one page that has plotly.js loaded) is started on
 * first use and reused for every later chart; it is closed when the process exits, or, outside a Jupyter
 * kernel, after a few idle seconds so that a plain script can end. Inside a kernel the browser is driven from
 * a worker thread (chromium-worker.ts), so that it starts while the cells train.
 *
 * Where Chromium is looked for: the environment variable GRADSCOPE_CHROMIUM, then the usual install paths.
 *
 * A process that starts many kernels (`npm run figures`) can serve its own browser to all of them instead
 * (image-server.ts): a kernel whose environment has GRADSCOPE_IMAGE_SERVER sends each figure there and starts
 * no Chromium of its own. Each browser costs about 5 s of CPU to start and load plotly.js.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { notebookWriter } from '../core/notebook';

/**
 * Whether Chromium must run without its sandbox: only as root, where Chromium refuses to start with it (as
 * JupyterLab needs `--allow-root` there). Everywhere else the sandbox stays on.
 */
export function needsNoSandbox(uid: number | undefined = process.getuid?.()): boolean {
  return uid === 0;
}

/**
 * Flags that make Chromium start fast and quietly in a container or CI, with no network of its own;
 * `--no-sandbox` only when running as root (see `needsNoSandbox`).
 */
export function chromiumFlags(uid: number | undefined = process.getuid?.()): string[] {
  return [
    '--headless',
    ...(needsNoSandbox(uid) ? ['--no-sandbox'] : []),
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ];
}

/** The flags for this process (`chromiumFlags()` for the current user), used by every Chromium gradscope starts. */
export const CHROMIUM_FLAGS: readonly string[] = chromiumFlags();

/** Paths tried in order by findChromium(), after GRADSCOPE_CHROMIUM. */
export const CHROMIUM_CANDIDATES: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

/** How to get Chromium, for messages shown when it is missing. */
export const CHROMIUM_HINT =
  'install Chromium (Debian/Ubuntu: `sudo apt-get install chromium`; macOS: install Google Chrome) or set ' +
  'GRADSCOPE_CHROMIUM=/path/to/chrome';

/**
 * The first Chromium-like browser on this machine, or undefined. GRADSCOPE_CHROMIUM wins when set;
 * GRADSCOPE_CHROMIUM=none means "use no browser", as on a machine without one.
 */
export function findChromium(): string | undefined {
  if (process.env.GRADSCOPE_CHROMIUM === 'none') return undefined;
  const candidates = [process.env.GRADSCOPE_CHROMIUM, ...CHROMIUM_CANDIDATES];
  return candidates.find((candidate): candidate is string => !!candidate && fs.existsSync(candidate));
}

/** Absolute path of plotly.js (the minified single-file build from plotly.js-dist-min). */
export function plotlyJsPath(): string {
  return require.resolve('plotly.js-dist-min/plotly.min.js');
}

let plotlySource: string | undefined;

/** The source text of plotly.js, read once; it is inlined into pages and HTML exports, never `require`d. */
export function plotlyJsSource(): string {
  if (plotlySource === undefined) plotlySource = fs.readFileSync(plotlyJsPath(), 'utf8');
  return plotlySource;
}

/** The plotly.js version that exports embed, read from plotly.js-dist-min's package.json. */
export function plotlyJsVersion(): string {
  const pkg = path.join(path.dirname(plotlyJsPath()), 'package.json');
  return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/** Size of a static image in CSS pixels; `scale` multiplies the pixel count of PNGs (2 = sharp on HiDPI). */
export interface ImageSize {
  width: number;
  height: number;
  scale?: number;
}

// Minimal structural types for what we use of playwright-core, so this module loads without it.
export interface PwPage {
  goto(url: string, options?: { waitUntil?: string }): Promise<unknown>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  close(): Promise<void>;
}
export interface PwBrowser {
  newPage(options?: Record<string, unknown>): Promise<PwPage>;
  close(): Promise<void>;
  on(event: 'disconnected', listener: () => void): void;
}

/** A page with plotly.js loaded, in a browser of its own: what draws the images. */
interface Drawer {
  /** Draws a figure; resolves to the image as a data: URL. */
  draw(figure: unknown, format: ImageFormat, size: ImageSize): Promise<string>;
  close(): Promise<void>;
}

let session: Promise<Drawer> | undefined;
let failure: string | undefined;
let idleTimer: NodeJS.Timeout | undefined;
let queue: Promise<unknown> = Promise.resolve();
let exitHookInstalled = false;
/** Set by `keepBrowserOpen`: no closing on inactivity until `closeBrowser`. */
let held = false;

/** Seconds of inactivity after which the browser closes itself when not inside a Jupyter kernel. */
const IDLE_CLOSE_MS = 3000;

function insideKernel(): boolean {
  return notebookWriter() !== undefined;
}

/**
 * Starts headless Chromium with one page that has plotly.js loaded. `onGone` is called if the browser goes
 * away (it crashed or was closed).
 */
export async function openPlotlyPage(onGone: () => void = () => {}): Promise<{ browser: PwBrowser; page: PwPage }> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(`no Chromium found; ${CHROMIUM_HINT}`);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { chromium } = require('playwright-core') as {
    chromium: { launch(options: Record<string, unknown>): Promise<PwBrowser> };
  };
  const browser = await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_FLAGS], timeout: 30000 });
  browser.on('disconnected', onGone);
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(plotlyPageUrl());
  return { browser, page };
}

/**
 * The address of a blank page that loads plotly.js from its file (written once to the temporary folder).
 * Chromium reads and compiles the 4.8 MB script itself; handing it over as the content of a script tag
 * (sent through the DevTools protocol as one string) took about twice as long: 7.4-8.9 s against 2.8-3.9 s
 * for the first chart of a kernel, on this 2-core machine under load.
 */
function plotlyPageUrl(): string {
  const script = pathToFileURL(plotlyJsPath()).href;
  const html = `<!doctype html><html><head><meta charset="utf-8"><script src="${script}"></script></head><body></body></html>\n`;
  const name = `gradscope-plotly-${crypto.createHash('sha256').update(html).digest('hex').slice(0, 16)}.html`;
  const file = path.join(os.tmpdir(), name);
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== html) {
    const temporary = `${file}.${process.pid}.${Date.now()}`;
    fs.writeFileSync(temporary, html);
    fs.renameSync(temporary, file);
  }
  return pathToFileURL(file).href;
}

/**
 * Draws `figure` (plain JSON data) on a page opened by openPlotlyPage; resolves to a data: URL.
 *
 * The figure travels as one JSON string, parsed in the page. Handed over as an object, playwright would encode
 * and check every number of it one by one on the way (its protocol's value serialization): 7.9 s of CPU for the
 * 150 images of `npm run figures`, against 0.2 s as a string. JSON gives the page the same plain data either way.
 */
export function drawOnPage(page: PwPage, figure: unknown, format: ImageFormat, size: ImageSize): Promise<string> {
  return page.evaluate(
    async ({ json, format, size }) => {
      const plotly = (globalThis as unknown as { Plotly: { toImage(f: unknown, o: unknown): Promise<string> } }).Plotly;
      return plotly.toImage(JSON.parse(json), { format, width: size.width, height: size.height, scale: size.scale ?? 1 });
    },
    { json: JSON.stringify(figure), format, size },
  );
}

/** The browser in this thread: used outside a kernel, where a script must be able to end when it is done. */
async function drawerHere(): Promise<Drawer> {
  let drawer: Drawer | undefined;
  const { browser, page } = await openPlotlyPage(() => {
    // Forget this browser only if it is still the current one (a new one may have started since).
    if (drawer && current === drawer) session = undefined;
  });
  drawer = {
    draw: (figure, format, size) => drawOnPage(page, figure, format, size),
    close: () => browser.close(),
  };
  return drawer;
}

/** The worker thread's entry point (compiled next to this file); see chromium-worker.ts. */
const WORKER_FILE = path.join(__dirname, 'chromium-worker.js');

/**
 * The browser driven from a worker thread: used inside a kernel. Starting Chromium and loading plotly.js
 * takes a few dozen messages back and forth with the browser, and a cell that trains lets this thread's
 * event loop answer them only between its steps; a worker answers at once, so the browser is ready long
 * before the first chart, whatever the cells do meanwhile.
 */
function drawerInWorker(): Promise<Drawer> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { Worker } = require('worker_threads') as typeof import('worker_threads');
  const worker = new Worker(WORKER_FILE);
  worker.unref();
  const waiting = new Map<number, { resolve(url: string): void; reject(error: Error): void }>();
  let nextId = 1;
  let drawer: Drawer | undefined;
  const request = (message: Record<string, unknown>) =>
    new Promise<string>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      worker.postMessage({ ...message, id });
    });
  return new Promise<Drawer>((resolveOpen, rejectOpen) => {
    const gone = (reason: string) => {
      for (const pending of waiting.values()) pending.reject(new Error(reason));
      waiting.clear();
      if (drawer && current === drawer) session = undefined;
      rejectOpen(new Error(reason));
    };
    worker.on('message', (message: { id: number; url?: string; error?: string; gone?: boolean }) => {
      if (message.gone) {
        gone('the browser drawing the images stopped');
        void worker.terminate();
        return;
      }
      if (message.id === 0) {
        if (message.error !== undefined) {
          rejectOpen(new Error(message.error));
          void worker.terminate();
          return;
        }
        drawer = {
          draw: (figure, format, size) => request({ kind: 'draw', figure, format, size }),
          close: async () => {
            await request({ kind: 'close' }).catch(() => undefined);
            await worker.terminate();
          },
        };
        resolveOpen(drawer);
        return;
      }
      const pending = waiting.get(message.id);
      if (!pending) return;
      waiting.delete(message.id);
      if (message.error !== undefined) pending.reject(new Error(message.error));
      else pending.resolve(message.url ?? '');
    });
    worker.on('error', (error) => gone(error.message));
    worker.on('exit', () => gone('the browser drawing the images stopped'));
  });
}

/**
 * The environment variable naming a drawing service (`serveImages` in image-server.ts) that draws this process's
 * images in its browser: `http://127.0.0.1:PORT/TOKEN`.
 */
export const IMAGE_SERVER_VARIABLE = 'GRADSCOPE_IMAGE_SERVER';

/** The drawing service this process is told to use, or undefined. */
function imageServer(): string | undefined {
  return process.env[IMAGE_SERVER_VARIABLE] || undefined;
}

/** How long one image may take at the drawing service, which draws for several kernels one image at a time. */
const SERVED_DRAW_TIMEOUT_MS = 120_000;

/**
 * Images drawn by a drawing service (see image-server.ts): each figure is sent as JSON in a POST to
 * `<address>/draw`; the answer is the image as a data: URL, or a message saying why it could not be drawn.
 */
function drawerOverHttp(address: string): Drawer {
  const url = new URL(`${address.replace(/\/+$/, '')}/draw`);
  if (url.protocol !== 'http:') throw new Error(`${IMAGE_SERVER_VARIABLE} is '${address}'; allowed: an http:// address such as serveImages() gives`);
  return {
    draw: (figure, format, size) =>
      new Promise<string>((resolve, reject) => {
        const body = JSON.stringify({ figure, format, size });
        const request = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => (response.statusCode === 200 ? resolve(text) : reject(new Error(`the image server at ${address} answered ${response.statusCode}: ${text}`))));
          response.on('error', reject);
        });
        request.setTimeout(SERVED_DRAW_TIMEOUT_MS, () => request.destroy(new Error(`the image server at ${address} drew nothing within ${SERVED_DRAW_TIMEOUT_MS / 1000} s`)));
        request.on('error', (error) => reject(new Error(`the image server at ${address} could not be reached (${error.message})`)));
        request.end(body);
      }),
    close: async () => undefined,
  };
}

let current: Drawer | undefined;

async function openSession(): Promise<Drawer> {
  const served = imageServer();
  if (served) return (current = drawerOverHttp(served));
  if (!findChromium()) throw new Error(`no Chromium found; ${CHROMIUM_HINT}`);
  const drawer = insideKernel() && fs.existsSync(WORKER_FILE) ? await drawerInWorker() : await drawerHere();
  current = drawer;
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // playwright kills the browser process when Node exits; this also closes it on a clean shutdown.
    process.once('beforeExit', () => void closeBrowser());
  }
  return drawer;
}

function session_(): Promise<Drawer> {
  if (!session) {
    session = openSession();
    session.catch(() => {
      session = undefined;
    });
  }
  return session;
}

function touch(): void {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  if (!insideKernel() && !held) {
    idleTimer = setTimeout(() => void closeBrowser(), IDLE_CLOSE_MS);
    idleTimer.unref();
  }
}

/**
 * Closes the shared browser, if one is open, after the images already asked for are drawn. Safe to call at
 * any time; the next image opens a new browser.
 */
export async function closeBrowser(): Promise<void> {
  held = false;
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  const closing = queue.then(async () => {
    const open = session;
    session = undefined;
    if (!open) return;
    try {
      const drawer = await open;
      await drawer.close();
    } catch {
      // It never opened, or it is already gone.
    }
  });
  queue = closing.catch(() => undefined);
  await closing;
}

/**
 * Starts the shared headless browser now, in the background, and keeps it open until `closeBrowser`, for a
 * script that draws images in bursts with pauses between them (`npm run figures` draws each notebook's charts
 * when its execution ends): outside a kernel the browser otherwise closes after 3 s without an image, and
 * the next image waits for a new one to launch. Without Chromium it does nothing (renderImage reports why).
 */
export function keepBrowserOpen(): void {
  held = true;
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  if (findChromium()) session_().catch(() => undefined);
}

/**
 * Inside a notebook kernel, starts the shared headless browser in the background, so that the first chart's
 * snapshot does not wait for Chromium to launch and load plotly.js (about 5 s on 2 cores). It does nothing
 * outside a kernel or without Chromium; a browser that fails to start is reported by the first renderImage.
 */
export function startBrowserEarly(): void {
  if (!insideKernel() || session || imageServer() || !findChromium()) return;
  session_().catch(() => undefined);
}

/**
 * Whether static images can be drawn here: `{available: true, path}` or `{available: false, reason}`.
 * It only looks for the executable; a browser that is found but fails to start is reported by renderImage.
 */
export function chromiumStatus(): { available: boolean; path?: string; reason?: string } {
  if (failure) return { available: false, reason: failure };
  const served = imageServer();
  if (served) return { available: true, path: served };
  const found = findChromium();
  return found ? { available: true, path: found } : { available: false, reason: `no Chromium found; ${CHROMIUM_HINT}` };
}

/** The image formats renderImage can draw. */
export type ImageFormat = 'png' | 'svg' | 'jpeg';

/**
 * Draws a figure as PNG or JPEG (returns a Buffer) or SVG (returns the SVG text) in the shared headless
 * browser. Throws, with the reason and how to fix it, when Chromium is missing or cannot start.
 */
export async function renderImage(fig: { data: unknown[]; layout: Record<string, unknown> }, format: 'png' | 'jpeg', size: ImageSize): Promise<Buffer>;
export async function renderImage(fig: { data: unknown[]; layout: Record<string, unknown> }, format: 'svg', size: ImageSize): Promise<string>;
export async function renderImage(
  fig: { data: unknown[]; layout: Record<string, unknown> },
  format: ImageFormat,
  size: ImageSize,
): Promise<Buffer | string> {
  const url = await drawImageUrl(fig, format, size);
  const comma = url.indexOf(',');
  const header = url.slice(0, comma);
  const body = url.slice(comma + 1);
  if (format !== 'svg') return Buffer.from(body, 'base64');
  return header.endsWith(';base64') ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body);
}

/**
 * Draws a figure in the shared browser (one image at a time, in the order asked) and resolves to the image as
 * plotly.js gives it: a data: URL. renderImage decodes it; the drawing service (image-server.ts) passes it on.
 */
export function drawImageUrl(fig: { data: unknown[]; layout: Record<string, unknown> }, format: ImageFormat, size: ImageSize): Promise<string> {
  if (format !== 'png' && format !== 'svg' && format !== 'jpeg') {
    return Promise.reject(new Error(`renderImage format is '${String(format)}'; allowed: 'png', 'jpeg', 'svg'.`));
  }
  // A pending idle close must not close the browser under this job.
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  const job = queue.then(async () => {
    let open: Drawer;
    try {
      open = await session_();
    } catch (error) {
      failure = `Chromium could not start: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      throw new Error(`${failure}. To get static images, ${CHROMIUM_HINT}.`);
    }
    failure = undefined;
    const figure = JSON.parse(JSON.stringify({ data: fig.data, layout: fig.layout }));
    const url = await open.draw(figure, format, size);
    touch();
    return url;
  });
  queue = job.catch(() => undefined);
  return job;
}
