/**
 * `npm run figures` (scripts/figures.js): every chart of a notebook becomes files with stable names, the
 * JSON is identical across two executions in fresh kernels, an up-to-date executed copy in build/executed/ is
 * reused, and a failing notebook is named with its cell.
 *
 * The two executions of the chart fixture: the one `npm test` shares (test/support/executions.ts; the browser
 * test opens it too), which `npm run figures` reuses from build/executed/ and draws every file of, and one that
 * `npm run figures` makes itself, into a folder of its own, writing only the JSON and CSV it is compared by
 * (`--formats json,csv`: no browser started, no image drawn).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CHROMIUM_HINT, findChromium } from '../../src/export/chromium';
import { EXECUTED_DIR, executeOnce, failureOf } from '../support/executions';
import { optional } from '../support/optional';
import { ROOT, run } from './jupyter';

const fixture = path.join(__dirname, 'fixtures', 'charts-fixture.ipynb');
const failing = path.join(__dirname, 'fixtures', 'failing', 'fails-on-purpose.ipynb');
const hasChromium = optional(findChromium() !== undefined, {
  what: 'PNG and SVG files of `npm run figures` (test/browser/figures.test.ts checks CSV, HTML and JSON only)',
  reason: 'no Chromium on this machine',
  enable: CHROMIUM_HINT,
});

function figures(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run(process.execPath, [path.join(ROOT, 'scripts', 'figures.js'), ...args]);
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)).map((f) => `${e.name}/${f}`) : [e.name]))
    .sort();
}

describe('npm run figures', () => {
  let out: string;
  beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-figures-'));
  });
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('writes every chart as png, svg, html, json and csv with meaningful names, plus a gallery; twice the same JSON', async () => {
    // Two executions in fresh kernels, side by side: the shared one, and one by `npm run figures` itself.
    const [shared, second] = await Promise.all([
      executeOnce([fixture]),
      figures([fixture, '--out', path.join(out, 'b'), '--executed', path.join(out, 'executed-b'), '--formats', 'json,csv']),
    ]);
    const failure = failureOf('charts-fixture', shared.get(fixture)!.summary);
    if (failure) throw new Error(`Executing ${failure}`);
    // The shared execution is in build/executed/, where `npm run figures` looks by default.
    expect(path.dirname(shared.get(fixture)!.executed)).toBe(EXECUTED_DIR);
    const first = await figures([fixture, '--out', path.join(out, 'a')]);
    expect(first.stderr).not.toMatch(/could not draw/);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/charts-fixture: reusing build[\\/]executed[\\/]charts-fixture\.ipynb/);
    expect(first.stdout).toMatch(/\[1\/1\] charts-fixture/);
    expect(second.stdout).toMatch(/executing 1 notebook/);
    const files = filesUnder(path.join(out, 'a'));
    const stems = [...new Set(files.filter((f) => f.startsWith('charts-fixture/')).map((f) => f.replace(/\.[a-z]+$/, '')))];
    expect(stems).toEqual(
      [
        'activations-and-derivatives',
        'gradient-norm-by-layer',
        'live-gradient-norm',
        'gradient-histograms',
        'saturated-and-dead-units',
        'loss-curves',
        'gradient-through-time',
        'gradient-norm-heatmap',
        'gradient-norm-over-training',
        'loss-surface-trajectories',
      ]
        .map((n) => `charts-fixture/${n}`)
        .sort(),
    );
    const formats = hasChromium ? ['csv', 'html', 'json', 'png', 'svg'] : ['csv', 'html', 'json'];
    for (const stem of stems) for (const ext of formats) expect(files).toContain(`${stem}.${ext}`);
    expect(files).toContain('index.html');
    const gallery = fs.readFileSync(path.join(out, 'a', 'index.html'), 'utf8');
    expect(gallery).toContain('charts-fixture/gradient-norm-by-layer.html');

    expect(second.code).toBe(0);
    // The second run wrote the data files it was asked for, and no image.
    const secondFiles = filesUnder(path.join(out, 'b')).filter((f) => f.startsWith('charts-fixture/'));
    expect(secondFiles).toEqual(stems.flatMap((stem) => [`${stem}.csv`, `${stem}.json`]).sort());
    for (const stem of stems) {
      for (const ext of ['json', 'csv']) {
        const a = fs.readFileSync(path.join(out, 'a', `${stem}.${ext}`), 'utf8');
        const b = fs.readFileSync(path.join(out, 'b', `${stem}.${ext}`), 'utf8');
        expect({ file: `${stem}.${ext}`, same: a === b }).toEqual({ file: `${stem}.${ext}`, same: true });
      }
    }
  }, 10 * 60 * 1000);

  it('exits non-zero naming the notebook and the cell that failed', async () => {
    const result = await figures([failing, '--out', path.join(out, 'fail'), '--executed', path.join(out, 'executed-fail')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/fails-on-purpose\.ipynb failed in cell 2 \(`throw new Error\('this cell fails on purpose'\);`\)/);
    expect(result.stderr).toMatch(/this cell fails on purpose/);
  }, 5 * 60 * 1000);
});
