/**
 * Every executed notebook, opened in JupyterLab in a real (headless) Chromium, shows every chart.
 *
 * For each notebook in notebooks/ and test/browser/fixtures/: execute it in a fresh gradscope kernel into
 * build/executed/ (or reuse this run's execution, test/support/executions.ts), open a copy of it in a private
 * JupyterLab, wait until the number of drawn Plotly charts equals the number of chart outputs in the file, and
 * save a screenshot of the first screen to test-artifacts/screenshots/<notebook>.jpeg; when a chart is missing,
 * the screenshot shows the whole notebook (up to 16 000 pixels tall, which takes Chromium seconds to encode;
 * GRADSCOPE_FULL_SCREENSHOTS=1 takes it for every notebook). The executed files are not signed, so JupyterLab
 * opens them untrusted, as a learner who downloads a saved notebook would.
 *
 * JupyterLab is loaded once, in one page, and each notebook is opened in it as the file browser opens a file
 * (the `docmanager:open` command), then closed before the next one: the page shows one notebook at a time, and
 * the app is not started again for each. Nothing is executed here, so JupyterLab starts no kernel for a
 * notebook it opens (notebook_starts_kernel off): the outputs are drawn from the file alone.
 *
 * Skipped only when no Chromium is installed (`.ci/run` installs it); the skip is listed at the end of `npm test`,
 * and is a failure under CI=true.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CHROMIUM_FLAGS, CHROMIUM_HINT, findChromium } from '../../src/export/chromium';
import {
  LabServer,
  ROOT,
  SCREENSHOT_DIR,
  countChartOutputs,
  notebooksToCheck,
  startJupyterLab,
} from './jupyter';
import { executeOnce, failureOf } from '../support/executions';
import { optional } from '../support/optional';

const chromiumPath = findChromium();
const notebooks = notebooksToCheck();
/** The whole notebook in every screenshot, not only when a chart is missing. */
const FULL_SCREENSHOTS = process.env.GRADSCOPE_FULL_SCREENSHOTS === '1';

const withBrowser = optional(chromiumPath !== undefined, {
  what: 'browser test: every notebook opened in JupyterLab in Chromium (test/browser/notebooks.test.ts)',
  reason: 'no Chromium on this machine',
  enable: CHROMIUM_HINT,
});
const describeWithBrowser = withBrowser ? describe : describe.skip;

// Minimal structural types for the part of playwright-core the test uses.
interface Page {
  goto(url: string, options?: Record<string, unknown>): Promise<unknown>;
  waitForSelector(selector: string, options?: Record<string, unknown>): Promise<unknown>;
  waitForFunction(fn: string, arg?: unknown, options?: Record<string, unknown>): Promise<unknown>;
  evaluate<R>(fn: string | (() => R)): Promise<R>;
  setViewportSize(size: { width: number; height: number }): Promise<void>;
  screenshot(options: Record<string, unknown>): Promise<Buffer>;
  mouse: { click(x: number, y: number): Promise<void> };
  close(): Promise<void>;
}
interface Browser {
  newPage(options?: Record<string, unknown>): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Closes every open document (and any kernel session), then opens `file` as the file browser does and waits
 * until its content is shown; resolves to how many notebooks the page then shows and how many kernels run.
 */
const openAlone = (file: string) => `(async () => {
  const app = window.jupyterapp;
  for (const widget of Array.from(app.shell.widgets('main'))) {
    if (widget.context) widget.context.model.dirty = false; // the Plotly renderer's snapshots are not to be saved
    widget.dispose();
  }
  await app.serviceManager.sessions.shutdownAll();
  const widget = await app.commands.execute('docmanager:open', { path: ${JSON.stringify(file)}, factory: 'Notebook' });
  await widget.context.ready;
  await widget.revealed;
  app.shell.activateById(widget.id);
  return { notebooks: document.querySelectorAll('.jp-Notebook').length, kernels: Array.from(app.serviceManager.kernels.running()).length };
})()`;

/** Counts chart outputs that Plotly has drawn (an svg.main-svg inside an output area). */
const COUNT_DRAWN = `(() => {
  const outputs = Array.from(document.querySelectorAll('.jp-Notebook .jp-OutputArea-output'));
  return outputs.filter((o) => o.querySelector('.js-plotly-plot svg.main-svg')).length;
})()`;

describeWithBrowser('notebooks in JupyterLab, in headless Chromium', () => {
  let lab: LabServer;
  let browser: Browser;
  let page: Page;
  let served: string;
  const executed = new Map<string, string>();

  beforeAll(async () => {
    const executions = await executeOnce(notebooks);
    for (const source of notebooks) {
      const { executed: file, summary } = executions.get(source)!;
      const failure = failureOf(path.relative(ROOT, source), summary);
      if (failure) throw new Error(`Executing ${failure}`);
      executed.set(source, file);
    }
    // JupyterLab serves copies, so nothing it does can change the executed notebooks.
    served = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-served-'));
    for (const file of executed.values()) fs.copyFileSync(file, path.join(served, path.basename(file)));
    lab = await startJupyterLab(served, { startKernels: false });
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { chromium } = require('playwright-core');
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: [...CHROMIUM_FLAGS] });
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    // JupyterLab, once, in a fresh and reset workspace: no notebook open yet.
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${lab.url}/lab/workspaces/check?reset&token=${lab.token}`, { waitUntil: 'domcontentloaded', timeout: 90_000 });
    await page.waitForFunction('window.jupyterapp !== undefined', undefined, { timeout: 90_000 });
    await page.evaluate('window.jupyterapp.restored.then(() => true)');
  }, 60 * 60 * 1000);

  afterAll(async () => {
    await page?.close();
    await browser?.close();
    await lab?.stop();
    if (served) fs.rmSync(served, { recursive: true, force: true });
  }, 60_000);

  it('has notebooks to check', () => {
    expect(notebooks.length).toBeGreaterThan(0);
  });

  notebooks.forEach((source) => {
    const name = path.basename(source, '.ipynb');
    it(`${name}: every chart output is drawn`, async () => {
      const file = executed.get(source) as string;
      const expected = countChartOutputs(file);
      await page.setViewportSize({ width: 1400, height: 1000 });
      // The page shows this notebook alone, and no kernel was started for it.
      expect(await page.evaluate<{ notebooks: number; kernels: number }>(openAlone(path.basename(file)))).toEqual({ notebooks: 1, kernels: 0 });
      await page.waitForSelector('.jp-Notebook .jp-Cell', { state: 'attached', timeout: 90_000 });
      // Until every chart is drawn (checked every 100 ms), or 90 s: then the count says how many were.
      await page.waitForFunction(`${COUNT_DRAWN} >= ${expected}`, undefined, { timeout: 90_000, polling: 100 }).catch(() => undefined);
      const drawn = await page.evaluate<number>(COUNT_DRAWN);
      if (drawn !== expected || FULL_SCREENSHOTS) {
        // Make the whole notebook visible for the screenshot: the notebook scrolls inside its own panel.
        const height = await page.evaluate<number>(`(() => {
          const scroller = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer') || document.querySelector('.jp-Notebook');
          return scroller ? scroller.scrollHeight : 1000;
        })()`);
        await page.setViewportSize({ width: 1400, height: Math.min(Math.max(1000, height + 200), 16000) });
        await new Promise((r) => setTimeout(r, 800));
      }
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.jpeg`), type: 'jpeg', quality: 80 });
      expect({ notebook: name, drawnCharts: drawn }).toEqual({ notebook: name, drawnCharts: expected });
      if (name === 'charts-fixture') {
        // The histogram chart's slider is drawn, and clicking the end of its rail shows the last training step.
        const visible = `(() => {
          const plot = Array.from(document.querySelectorAll('.jp-Notebook .js-plotly-plot')).find((p) => p.layout && p.layout.sliders);
          return plot ? plot.data.map((t) => t.visible !== false).join('') : 'no slider chart';
        })()`;
        const before = await page.evaluate<string>(visible);
        const rail = await page.evaluate<{ x: number; y: number; width: number; height: number } | null>(`(() => {
          const r = document.querySelector('.jp-OutputArea-output g.slider-container .slider-rail-rect');
          if (!r) return null;
          r.scrollIntoView({ block: 'center' });
          const b = r.getBoundingClientRect();
          return { x: b.x, y: b.y, width: b.width, height: b.height };
        })()`);
        expect(rail).not.toBeNull();
        if (rail) await page.mouse.click(rail.x + rail.width - 3, rail.y + rail.height / 2);
        await new Promise((r) => setTimeout(r, 500));
        const after = await page.evaluate<string>(visible);
        expect(before).toMatch(/^(true)+(false)+$/);
        expect(after).toMatch(/^(false)+(true)+$/);
      }
    }, 10 * 60 * 1000);
  });

  it('the chart fixture has charts, so the check is not vacuous', () => {
    const fixture = [...executed.values()].find((f) => path.basename(f) === 'charts-fixture.ipynb');
    expect(fixture).toBeDefined();
    expect(countChartOutputs(fixture as string)).toBeGreaterThanOrEqual(10);
  });
});
