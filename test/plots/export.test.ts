/**
 * Export and display: CSV/JSON/HTML content, saveFigure's files and errors, the notebook MIME bundle, live
 * charts, and real PNG/SVG/JPEG images when Chromium is installed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { byLayerFigure, gradientHeatmapFigure, resetColors } from '../../src/advanced';
import { figureCsv, figureHtml, figureJson, saveFigure, closeBrowser, findChromium } from '../../src/export';
import * as chromium from '../../src/export/chromium';
import { isFigure, mimeBundle, show, liveChart, PLOTLY_MIME } from '../../src/display';
import { vanishingNorms, layerStepGrid } from './sample-data';

const hasChromium = findChromium() !== undefined;
const itWithChromium = hasChromium ? it : it.skip;
if (!hasChromium) console.warn('!!! No Chromium: the PNG/SVG/JPEG tests in test/plots/export.test.ts are SKIPPED.');

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-export-'));
});
afterAll(async () => {
  await closeBrowser();
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => resetColors());

const fig = () => byLayerFigure([{ name: 'sigmoid', values: [0, 1e-6, 1] }, { name: 'relu', values: [0.5, 0.6, 0.7] }]);

describe('figureCsv', () => {
  it('writes one row per point with the raw value, leaving out underflow markers', () => {
    const lines = figureCsv(fig()).trim().split('\n');
    expect(lines[0]).toBe('trace,group,x,y,z,value');
    expect(lines).toContain('sigmoid,,1,,,0');
    expect(lines).toContain('sigmoid,,2,0.000001,,0.000001');
    expect(lines).toContain('relu,,3,0.7,,0.7');
    expect(lines.filter((l) => l.startsWith('sigmoid'))).toHaveLength(3);
    expect(lines).toHaveLength(7);
  });

  it('writes heatmaps cell by cell and quotes text with commas', () => {
    const csv = figureCsv(gradientHeatmapFigure({ layers: ['a,b', 'c'], steps: [0, 1], values: [[1, 10], [100, 1000]] }));
    expect(csv).toContain('log10 gradient norm,,1,"a,b",1,');
    expect(csv).toContain('log10 gradient norm,,1,c,3,');
  });
});

describe('figureHtml', () => {
  const html = figureHtml(fig());
  it('is self-contained: plotly.js inlined, no script loaded over the network', () => {
    expect(html.length).toBeGreaterThan(3_000_000);
    expect(html).toMatch(/plotly\.js v\d/);
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=["']https?:/i);
    expect(html).toContain("Plotly.newPlot('chart'");
  });
  it('embeds the figure safely (no raw "<" inside the data script)', () => {
    const dataScript = html.slice(html.lastIndexOf('<script>'));
    expect(dataScript).toContain('\\u003cbr>');
    expect(dataScript.match(/<\/script>/g)).toHaveLength(1);
  });
});

describe('saveFigure', () => {
  it('refuses an unknown extension, naming it and the allowed ones', async () => {
    await expect(saveFigure(fig(), path.join(dir, 'x.gif'))).rejects.toThrow(/^saveFigure: path is '.*x\.gif'; allowed: an extension of \.html, \.svg, \.png, \.json, \.csv/);
    await expect(saveFigure({ data: 1 } as any, path.join(dir, 'x.json'))).rejects.toThrow(/^saveFigure: fig is an object with keys data; allowed: a Plotly figure/);
  });

  it('writes the figure JSON byte-identically for the same figure', async () => {
    await saveFigure(fig(), path.join(dir, 'a.json'));
    resetColors();
    await saveFigure(fig(), path.join(dir, 'b.json'));
    expect(fs.readFileSync(path.join(dir, 'a.json'), 'utf8')).toBe(fs.readFileSync(path.join(dir, 'b.json'), 'utf8'));
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'a.json'), 'utf8'))).toEqual(JSON.parse(figureJson(fig())));
  });

  it('without Chromium writes HTML, JSON and CSV and says how to get the images', async () => {
    const spy = jest.spyOn(chromium, 'chromiumStatus').mockReturnValue({ available: false, reason: 'no Chromium found; install it' });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const result = await saveFigure(fig(), path.join(dir, 'nochrome', 'grad'));
      expect(result.written.map((f) => path.extname(f))).toEqual(['.html', '.json', '.csv']);
      expect(result.skipped.map((s) => s.format)).toEqual(['svg', 'png']);
      expect(warn.mock.calls[0][0]).toMatch(/not \.svg, \.png.*install/);
      await expect(saveFigure(fig(), path.join(dir, 'nochrome', 'grad.png'))).rejects.toThrow(/cannot write .*grad\.png.*no Chromium/);
    } finally {
      spy.mockRestore();
      warn.mockRestore();
    }
  });

  itWithChromium('writes all five formats; PNG and SVG are real images', async () => {
    const result = await saveFigure(fig(), path.join(dir, 'all', 'gradient-norm-by-layer'));
    expect(result.written.map((f) => path.extname(f)).sort()).toEqual(['.csv', '.html', '.json', '.png', '.svg']);
    const png = fs.readFileSync(path.join(dir, 'all', 'gradient-norm-by-layer.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1800); // 900 CSS px at scale 2
    const svg = fs.readFileSync(path.join(dir, 'all', 'gradient-norm-by-layer.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('sigmoid');
  });
});

describe('notebook display', () => {
  it('isFigure accepts plain {data: [], layout: {}} only', () => {
    expect(isFigure(fig())).toBe(true);
    expect(isFigure({ data: [], layout: {} })).toBe(true);
    expect(isFigure({ data: {}, layout: {} })).toBe(false);
    expect(isFigure([])).toBe(false);
    expect(isFigure(new (class { data = []; layout = {}; })())).toBe(false);
  });

  it('mimeBundle without a snapshot holds Plotly JSON and a one-line description', async () => {
    const bundle = await mimeBundle(fig(), { snapshot: false });
    expect(Object.keys(bundle.data).sort()).toEqual([PLOTLY_MIME, 'text/plain'].sort());
    expect(bundle.data['text/plain']).toMatch(/^Chart gradient-norm-by-layer: Per-layer/);
    expect((bundle.data[PLOTLY_MIME] as any).layout.meta.name).toBe('gradient-norm-by-layer');
    await expect(mimeBundle({ nope: 1 })).rejects.toThrow(/^mimeBundle: fig is an object with keys nope; allowed: a Plotly figure/);
  });

  itWithChromium('mimeBundle adds a JPEG snapshot (JupyterLab keeps the chart interactive), or a PNG on request', async () => {
    const started = Date.now();
    const bundle = await mimeBundle(fig());
    const jpeg = Buffer.from(bundle.data['image/jpeg'] as string, 'base64');
    expect(jpeg[0]).toBe(0xff);
    expect(jpeg[1]).toBe(0xd8);
    expect(bundle.data['image/png']).toBeUndefined();
    expect(bundle.metadata['image/jpeg']).toEqual({ width: 900, height: 500 });
    const t = Date.now();
    const png = await mimeBundle(fig(), { snapshot: 'png' });
    expect(Buffer.from(png.data['image/png'] as string, 'base64').subarray(1, 4).toString()).toBe('PNG');
    console.log(`snapshot: JPEG ${t - started} ms, PNG ${Date.now() - t} ms (browser already open)`);
  });

  it('show() outside a kernel prints the text line and resolves to nothing', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await expect(show(fig(), { snapshot: false })).resolves.toBeUndefined();
      expect(log.mock.calls[0][0]).toMatch(/^Chart gradient-norm-by-layer/);
    } finally {
      log.mockRestore();
    }
  });

  it('liveChart merges updates that come faster than the interval and always draws the last one', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const live = await liveChart(fig(), { intervalMs: 200, snapshot: false });
      for (let i = 0; i < 50; i++) live.update(byLayerFigure([{ name: 'x', values: vanishingNorms(3 + (i % 3)) }]));
      expect(live.redraws).toBeLessThanOrEqual(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(live.redraws).toBe(1);
      await live.done(byLayerFigure([{ name: 'final', values: [1, 2] }]));
      expect(live.redraws).toBe(2);
      expect(log.mock.calls.pop()?.[0]).toMatch(/final/);
      expect(() => live.update(fig())).toThrow(/done/);
    } finally {
      log.mockRestore();
    }
  });
});

// Keep the sample grid import used (it documents the shape the heatmap expects).
void layerStepGrid;

describe('HTML export in a browser', () => {
  itWithChromium('draws the chart offline: every network request is blocked', async () => {
    const file = path.join(dir, 'offline', 'chart.html');
    await saveFigure(fig(), file);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { chromium: pw } = require('playwright-core');
    const browser = await pw.launch({ executablePath: findChromium(), headless: true, args: [...chromium.CHROMIUM_FLAGS] });
    try {
      const context = await browser.newContext({ offline: true });
      const blocked: string[] = [];
      await context.route('**/*', (route: any) => {
        const url: string = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        blocked.push(url);
        return route.abort();
      });
      const page = await context.newPage();
      await page.goto(`file://${file}`);
      await page.waitForSelector('#chart svg.main-svg', { timeout: 20_000 });
      const traces = await page.evaluate(() => document.querySelectorAll('#chart .scatterlayer .trace').length);
      expect(traces).toBe(3);
      expect(blocked).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
