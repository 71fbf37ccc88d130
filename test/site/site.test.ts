/**
 * The course site (`npm run site`, course-site/) in a real headless Chromium, with the network cut.
 *
 * Two sites are built into a temporary folder and served from 127.0.0.1:
 *   - the fixture site, from test/site/fixtures/ (two small lessons executed here, side by side in fresh
 *     gradscope kernels): its home page, objectives, times, findings, folded solutions, links and search are
 *     checked in detail;
 *   - the lesson site, from notebooks/ (the executed copies this `npm test` made, test/support/executions.ts,
 *     or made here when this run has none): every page is opened.
 * On every page, every request outside the site is aborted and counted (and must be none), no console error
 * may appear, and every chart output of the notebook must be drawn by plotly.js (an svg.main-svg). Screenshots
 * go to test-artifacts/site/: the first screen of each page, and the whole page when the page is not clean
 * (a lesson page is some 18 000 pixels tall, which takes Chromium seconds to encode;
 * GRADSCOPE_FULL_SCREENSHOTS=1 takes the whole of every page).
 *
 * Skipped only when no Chromium is installed (`.ci/run` installs it); the skip is listed at the end of `npm test`,
 * and is a failure under CI=true.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CHROMIUM_FLAGS, CHROMIUM_HINT, findChromium } from '../../src/export/chromium';
import { EXECUTED_DIR, ROOT, countChartOutputs, run } from '../browser/jupyter';
import { executeOnce, failureOf } from '../support/executions';
import { optional } from '../support/optional';
import { StaticServer, serveFolder } from './static-server';

const chromiumPath = findChromium();
const SCREENSHOTS = path.join(ROOT, 'test-artifacts', 'site');
const SHOT = { type: 'jpeg', quality: 80 };
/** The whole page in every screenshot, not only when the page is not clean. */
const FULL_SCREENSHOTS = process.env.GRADSCOPE_FULL_SCREENSHOTS === '1';
const FIXTURES = path.join(__dirname, 'fixtures');
const fixtureNotebooks = ['01-first-steps.ipynb', '02-second-lesson.ipynb'].map((f) => path.join(FIXTURES, f));
const lessonStems = fs
  .readdirSync(path.join(ROOT, 'notebooks'))
  .filter((f) => f.endsWith('.ipynb'))
  .sort()
  .map((f) => f.replace(/\.ipynb$/, ''));

const withBrowser = optional(chromiumPath !== undefined, {
  what: 'course site test: every page in Chromium with the network cut (test/site/site.test.ts)',
  reason: 'no Chromium on this machine',
  enable: CHROMIUM_HINT,
});
const describeWithBrowser = withBrowser ? describe : describe.skip;

// The part of playwright-core the test uses.
interface Locator {
  click(): Promise<void>;
  isVisible(): Promise<boolean>;
  count(): Promise<number>;
  first(): Locator;
}
interface Page {
  goto(url: string, options?: Record<string, unknown>): Promise<unknown>;
  evaluate<R>(fn: string): Promise<R>;
  waitForFunction(fn: string, arg?: unknown, options?: Record<string, unknown>): Promise<unknown>;
  screenshot(options: Record<string, unknown>): Promise<Buffer>;
  locator(selector: string): Locator;
  on(event: string, handler: (arg: any) => void): void; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): Promise<void>;
}
interface Context {
  newPage(): Promise<Page>;
  route(pattern: string, handler: (route: any) => unknown): Promise<void>; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): Promise<void>;
}
interface Browser {
  newContext(options?: Record<string, unknown>): Promise<Context>;
  close(): Promise<void>;
}

interface Visit {
  page: Page;
  /** Requests the route handler aborted because they left the site. */
  blocked: string[];
  /** Console errors, uncaught page errors, failed or 4xx/5xx requests. */
  errors: string[];
  drawn: number;
  charts: number;
}

const DRAWN = `Array.from(document.querySelectorAll('.gs-chart')).filter((c) => c.querySelector('.js-plotly-plot svg.main-svg')).length`;
const AFTER_TWO_FRAMES = 'new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(undefined))))';

/** Executes the notebooks (or reuses this run's executions) into build/executed/; throws naming a failing cell. */
async function executed(notebooks: string[]): Promise<void> {
  const executions = await executeOnce(notebooks);
  for (const notebook of notebooks) {
    const failure = failureOf(path.relative(ROOT, notebook), executions.get(notebook)!.summary);
    if (failure) throw new Error(`Executing ${failure}`);
  }
}

async function buildSite(args: string[]): Promise<void> {
  const result = await run(process.execPath, [path.join(ROOT, 'course-site', 'build.js'), ...args]);
  if (result.code !== 0) throw new Error(`npm run site failed (exit ${result.code}):\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`);
}

describeWithBrowser('the course site, in headless Chromium with the network cut', () => {
  let tmp: string;
  let fixtureSite: string;
  let lessonSite: string;
  let fixtureServer: StaticServer;
  let lessonServer: StaticServer;
  let browser: Browser;
  let context: Context;
  const blocked: string[] = [];

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-site-'));
    fixtureSite = path.join(tmp, 'fixture-site');
    lessonSite = path.join(tmp, 'lesson-site');
    await executed(fixtureNotebooks);
    await buildSite([...fixtureNotebooks, '--out', fixtureSite, '--executed', EXECUTED_DIR, '--figures', path.join(tmp, 'no-figures')]);
    fixtureServer = await serveFolder(fixtureSite);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { chromium } = require('playwright-core');
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: [...CHROMIUM_FLAGS] });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.route('**/*', (route) => {
      const url: string = route.request().url();
      const local = [fixtureServer, lessonServer].filter(Boolean).map((server) => server.url);
      if (local.some((origin) => url.startsWith(`${origin}/`)) || url.startsWith('data:')) return route.continue();
      blocked.push(url);
      return route.abort();
    });
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
  }, 90 * 60 * 1000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await fixtureServer?.close();
    await lessonServer?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  /** Opens a page, waits until its charts are drawn (or 60 s), and takes a screenshot (of the whole page when it is not clean). */
  async function visit(server: StaticServer, file: string, charts: number, screenshot: string): Promise<Visit> {
    const page = await context.newPage();
    const errors: string[] = [];
    const before = blocked.length;
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => {
      if (!blocked.includes(request.url())) errors.push(`request failed: ${request.url()}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400) errors.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    await page.goto(`${server.url}/${file}`, { waitUntil: 'load', timeout: 90_000 });
    // Until the charts are drawn (checked every 100 ms), or 60 s: then the count says how many were.
    await page.waitForFunction(`${DRAWN} >= ${charts}`, undefined, { timeout: 60_000, polling: 100 }).catch(() => undefined);
    const drawn = await page.evaluate<number>(DRAWN);
    // Two more frames, so that what was drawn last is painted in the screenshot.
    await page.evaluate<void>(AFTER_TWO_FRAMES);
    const clean = drawn === charts && errors.length === 0 && blocked.length === before;
    await page.screenshot({ path: path.join(SCREENSHOTS, `${screenshot}.jpeg`), fullPage: !clean || FULL_SCREENSHOTS, ...SHOT });
    return { page, blocked: blocked.slice(before), errors, drawn, charts };
  }

  function expectClean(name: string, v: Visit): void {
    expect({ page: name, blocked: v.blocked, errors: v.errors, drawn: v.drawn }).toEqual({
      page: name,
      blocked: [],
      errors: [],
      drawn: v.charts,
    });
  }

  describe('the fixture site', () => {
    it('ships plotly.js once, as a file, and no page embeds it', () => {
      const files = (dir: string): string[] =>
        fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
      const all = files(fixtureSite).map((f) => path.relative(fixtureSite, f));
      expect(all.filter((f) => /plotly/i.test(f))).toEqual(['assets/plotly.min.js']);
      const bundleStart = fs.readFileSync(path.join(fixtureSite, 'assets', 'plotly.min.js'), 'utf8').slice(0, 300);
      for (const html of all.filter((f) => f.endsWith('.html'))) {
        const text = fs.readFileSync(path.join(fixtureSite, html), 'utf8');
        expect({ html, embedsPlotly: text.includes(bundleStart) }).toEqual({ html, embedsPlotly: false });
      }
    });

    it('home page: the lessons in order, with objectives and time, or the first paragraph', async () => {
      const v = await visit(fixtureServer, 'index.html', 0, 'fixture-home');
      try {
        expectClean('index.html', v);
        const lessons = await v.page.evaluate<{ title: string; href: string; time: string | null; objectives: string[]; summary: string }[]>(`
          Array.from(document.querySelectorAll('.gs-lesson')).map((li) => ({
            title: li.querySelector('h2 a').textContent.trim(),
            href: li.querySelector('h2 a').getAttribute('href'),
            time: li.querySelector('.gs-time') ? li.querySelector('.gs-time').textContent.trim() : null,
            objectives: Array.from(li.querySelectorAll('.gs-objectives li')).map((o) => o.textContent.trim()),
            summary: li.querySelector('.gs-summary') ? li.querySelector('.gs-summary').textContent.trim() : '',
          }))`);
        expect(lessons).toEqual([
          {
            title: 'First steps: a lesson for the site test',
            href: '01-first-steps.html',
            time: 'Estimated time: about 20 minutes',
            objectives: ['draw an interactive chart offline', 'state a finding and see it highlighted', 'fold a solution away until it is asked for'],
            summary: '',
          },
          {
            title: 'Second lesson',
            href: '02-second-lesson.html',
            time: null,
            objectives: [],
            summary: 'This lesson states neither objectives nor a time, so the home page shows this first paragraph.',
          },
        ]);
      } finally {
        await v.page.close();
      }
    });

    it('lesson page: chart drawn, finding highlighted, solution hidden until revealed, links between lessons', async () => {
      const charts = countChartOutputs(path.join(EXECUTED_DIR, '01-first-steps.ipynb'));
      expect(charts).toBe(1);
      const v = await visit(fixtureServer, '01-first-steps.html', charts, 'fixture-01-first-steps');
      try {
        expectClean('01-first-steps.html', v);
        const finding = v.page.locator('.gs-finding.gs-holds');
        expect(await finding.count()).toBe(1);
        expect(await v.page.evaluate<string>(`document.querySelector('.gs-finding').textContent`)).toMatch(/two and two make four: measured 4/);
        expect(await v.page.locator('.celltag_exercise').count()).toBe(2);
        const solution = v.page.locator('text=SOLUTION-MARKER 42');
        expect(await solution.count()).toBe(1);
        expect(await solution.isVisible()).toBe(false);
        await v.page.locator('details.gs-solution > summary').first().click();
        expect(await solution.isVisible()).toBe(true);
        await v.page.screenshot({ path: path.join(SCREENSHOTS, 'fixture-01-solution-revealed.jpeg'), fullPage: true, ...SHOT });
        const links = await v.page.evaluate<{ next: string[]; previous: number; inText: string | null }>(`({
          next: Array.from(document.querySelectorAll('a.gs-next')).map((a) => a.getAttribute('href')),
          previous: document.querySelectorAll('a.gs-previous').length,
          inText: (Array.from(document.querySelectorAll('.jp-MarkdownOutput a')).find((a) => a.textContent === 'the second lesson') || {}).href || null,
        })`);
        expect(links.next).toEqual(['02-second-lesson.html', '02-second-lesson.html']);
        expect(links.previous).toBe(0);
        expect(links.inText).toBe(`${fixtureServer.url}/02-second-lesson.html`);
      } finally {
        await v.page.close();
      }
    });

    it('second lesson: both charts drawn, a link back and none forward', async () => {
      const charts = countChartOutputs(path.join(EXECUTED_DIR, '02-second-lesson.ipynb'));
      expect(charts).toBe(2);
      const v = await visit(fixtureServer, '02-second-lesson.html', charts, 'fixture-02-second-lesson');
      try {
        expectClean('02-second-lesson.html', v);
        expect(await v.page.evaluate<string[]>(`Array.from(document.querySelectorAll('a.gs-previous')).map((a) => a.getAttribute('href'))`)).toEqual([
          '01-first-steps.html',
          '01-first-steps.html',
        ]);
        expect(await v.page.locator('a.gs-next').count()).toBe(0);
      } finally {
        await v.page.close();
      }
    });

    it('search finds a section by its words and links to it; the index lists every section', async () => {
      const v = await visit(fixtureServer, 'search.html?q=dead%20units', 0, 'fixture-search');
      try {
        expectClean('search.html', v);
        const hits = await v.page.evaluate<string[]>(`Array.from(document.querySelectorAll('#gs-search-results a')).map((a) => a.getAttribute('href') + ' ' + a.textContent)`);
        expect(hits).toEqual([expect.stringMatching(/^02-second-lesson\.html#A-section-about-dead-units Second lesson › A section about dead units$/)]);
        const index = await v.page.evaluate<string[]>(`Array.from(document.querySelectorAll('#gs-index li a')).map((a) => a.textContent)`);
        expect(index).toEqual(expect.arrayContaining(['Learning objectives', "The sigmoid's slope", 'Exercise 1: multiply', 'A section about dead units']));
      } finally {
        await v.page.close();
      }
    });

    it('gallery: one picture per chart, each loaded and linked to its chart', async () => {
      const v = await visit(fixtureServer, 'gallery.html', 0, 'fixture-gallery');
      try {
        expectClean('gallery.html', v);
        const cards = await v.page.evaluate<{ href: string; loaded: boolean }[]>(`Array.from(document.querySelectorAll('.gs-card')).map((c) => ({
          href: c.querySelector('a').getAttribute('href'),
          loaded: c.querySelector('img') ? c.querySelector('img').complete && c.querySelector('img').naturalWidth > 0 : false,
        }))`);
        expect(cards).toEqual([
          { href: '01-first-steps.html#chart-1', loaded: true },
          { href: '02-second-lesson.html#chart-1', loaded: true },
          { href: '02-second-lesson.html#chart-2', loaded: true },
        ]);
      } finally {
        await v.page.close();
      }
    });
  });

  describe('the lesson site', () => {
    beforeAll(async () => {
      const dir = path.join(ROOT, 'notebooks');
      await executed(lessonStems.map((stem) => path.join(dir, `${stem}.ipynb`)));
      await buildSite(['--out', lessonSite]);
      lessonServer = await serveFolder(lessonSite);
    }, 90 * 60 * 1000);

    it('has a page per lesson, a home page, a gallery and a search page', () => {
      const pages = fs.readdirSync(lessonSite).filter((f) => f.endsWith('.html')).sort();
      expect(pages).toEqual([...lessonStems.map((s) => `${s}.html`), 'gallery.html', 'index.html', 'search.html'].sort());
    });

    it.each(['index.html', 'gallery.html', 'search.html'])('%s opens clean', async (file) => {
      const v = await visit(lessonServer, file, 0, `lessons-${file.replace('.html', '')}`);
      try {
        expectClean(file, v);
        if (file === 'index.html') {
          const hrefs = await v.page.evaluate<string[]>(`Array.from(document.querySelectorAll('.gs-lesson h2 a')).map((a) => a.getAttribute('href'))`);
          expect(hrefs).toEqual(lessonStems.map((s) => `${s}.html`));
        }
      } finally {
        await v.page.close();
      }
    }, 5 * 60 * 1000);

    it.each(lessonStems)('%s: every chart drawn, nothing from outside the site, no console error', async (stem) => {
      const charts = countChartOutputs(path.join(EXECUTED_DIR, `${stem}.ipynb`));
      const v = await visit(lessonServer, `${stem}.html`, charts, `lessons-${stem}`);
      try {
        expectClean(`${stem}.html`, v);
        expect(await v.page.locator('.gs-chart').count()).toBe(charts);
      } finally {
        await v.page.close();
      }
    }, 5 * 60 * 1000);
  });
});
