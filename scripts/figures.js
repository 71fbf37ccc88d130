#!/usr/bin/env node
// @ts-check
/**
 * npm run figures: every chart of every lesson, as files.
 *
 * For each notebook in notebooks/ (sorted by name), this script
 *   1. executes it from the top in a fresh `gradscope` kernel (test/notebooks/run_notebook.py, nbclient),
 *      writing the executed copy to build/executed/<notebook>.ipynb; notebooks run side by side, as many at a
 *      time as the machine has cores (at most 4; GRADSCOPE_NOTEBOOK_JOBS sets another number), the slowest
 *      (by the last recorded time) first. An executed
 *      copy is reused instead when build/executed/runs/<notebook>.json says it came from the same notebook bytes
 *      with the same built library (dist/) and kernel (kernel/), and ran clean: `npm test` leaves such copies
 *      (--fresh executes every notebook anyway). The kernels draw their charts' snapshots (image/jpeg) in this
 *      script's browser (serveImages, src/export/image-server.ts), not each in a Chromium of its own;
 *   2. collects every chart output: the `application/vnd.plotly.v1+json` entry of each display_data /
 *      execute_result that show(), liveChart() or a figure left on a cell's last line produced;
 *   3. writes each chart to figures/<notebook>/<figure-name>.{png,svg,html,json,csv}, where the name is the
 *      figure's own `layout.meta.name` (such as gradient-norm-by-layer); a name used twice in one notebook
 *      gets -2, -3, ... in order of appearance; one Chromium draws every PNG and SVG, one notebook's charts
 *      after the other, each notebook's as soon as its execution is done (while the others still run);
 *   4. writes figures/index.html, a gallery of all of them, and figures/index.json, the list.
 *
 * The same notebooks with the same seeds give byte-identical .json and .csv files. PNG and SVG depend on the
 * browser's fonts and version. It exits with status 1 and names the notebook and the cell when a notebook
 * fails.
 *
 * usage: node scripts/figures.js [NOTEBOOK.ipynb ...] [--out DIR] [--executed DIR] [--timeout SECONDS] [--fresh]
 *                                  [--formats LIST]
 *   --out DIR        where the figures go (default figures/)
 *   --executed DIR   where executed notebooks go (default build/executed/)
 *   --fresh          execute every notebook, even when an up-to-date executed copy exists
 *   --formats LIST   which files to write for each chart, comma-separated (default html,svg,png,json,csv);
 *                    without png and svg no browser is started (json,csv: the data alone, quickly)
 */
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const os = require('os');
const { spawn, spawnSync } = require('child_process');

const paths = require('../tools/paths');

const { root } = paths;
const PLOTLY = 'application/vnd.plotly.v1+json';

function fail(message) {
  console.error(`figures: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const options = {
    notebooks: /** @type {string[]} */ ([]),
    out: path.join(root, 'figures'),
    executed: path.join(root, 'build', 'executed'),
    timeout: 1200,
    fresh: false,
    formats: [...FORMATS],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out') options.out = path.resolve(argv[++i] ?? fail('--out needs a folder'));
    else if (arg === '--executed') options.executed = path.resolve(argv[++i] ?? fail('--executed needs a folder'));
    else if (arg === '--timeout') options.timeout = Number(argv[++i]);
    else if (arg === '--fresh') options.fresh = true;
    else if (arg === '--formats') options.formats = parseFormats(argv[++i] ?? fail('--formats needs a list such as json,csv'));
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node scripts/figures.js [NOTEBOOK.ipynb ...] [--out DIR] [--executed DIR] [--timeout SECONDS] [--fresh] [--formats LIST]');
      process.exit(0);
    } else if (arg.startsWith('--')) fail(`unknown option '${arg}'; allowed: --out DIR, --executed DIR, --timeout SECONDS, --fresh, --formats LIST`);
    else options.notebooks.push(path.resolve(arg));
  }
  if (!(options.timeout > 0)) fail(`--timeout should be a number of seconds > 0; got ${options.timeout}`);
  if (options.notebooks.length === 0) {
    const dir = path.join(root, 'notebooks');
    if (!fs.existsSync(dir)) fail(`no notebooks folder at ${dir}`);
    options.notebooks = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.ipynb') && !f.startsWith('.'))
      .sort()
      .map((f) => path.join(dir, f));
  }
  if (options.notebooks.length === 0) fail('no notebooks to run (notebooks/*.ipynb is empty)');
  return options;
}

/** The files each chart can be written as, in the order they are written. */
const FORMATS = ['html', 'svg', 'png', 'json', 'csv'];

/** The --formats list: known formats, each once, at least one. */
function parseFormats(/** @type {string} */ list) {
  const formats = list.split(',').map((f) => f.trim().toLowerCase()).filter(Boolean);
  const unknown = formats.filter((f) => !FORMATS.includes(f));
  if (formats.length === 0 || unknown.length > 0) fail(`--formats is '${list}'; allowed: a comma-separated list of ${FORMATS.join(', ')}`);
  return FORMATS.filter((f) => formats.includes(f));
}

/** True when the formats asked for need a browser (the images). */
const needsBrowser = (/** @type {string[]} */ formats) => formats.includes('png') || formats.includes('svg');

function loadLibrary() {
  const dist = path.join(root, 'dist', 'index.js');
  if (!fs.existsSync(dist)) fail(`the library is not built (${dist} is missing): run \`npm run build\` first`);
  // The export functions only: they need no TensorFlow.js backend.
  return {
    ...require(path.join(root, 'dist', 'export')),
    ...require(path.join(root, 'dist', 'plots', 'figure')),
  };
}

function python() {
  const { venvPython } = paths;
  if (!fs.existsSync(venvPython)) fail(`the project's Python environment is missing (${venvPython}): run \`npm run setup\``);
  return venvPython;
}

const RUNNER = path.join(root, 'test', 'notebooks', 'run_notebook.py');
/** Where each execution is recorded: which notebook bytes, which copy, how it went (test/support/executions.ts). */
const RUNS_DIR = path.join(root, 'build', 'executed', 'runs');
const recordFile = (/** @type {string} */ notebook) => path.join(RUNS_DIR, `${path.basename(notebook, '.ipynb')}.json`);

const hashOf = (/** @type {string} */ file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function recorded(/** @type {string} */ notebook) {
  try {
    const known = JSON.parse(fs.readFileSync(recordFile(notebook), 'utf8'));
    return known.source === notebook ? known : undefined;
  } catch {
    return undefined;
  }
}

/** Every file under a folder, sorted (none when it does not exist). */
function filesUnder(/** @type {string} */ dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .sort();
}

/**
 * A digest of what executes a notebook besides the notebook itself: the built library (dist/) and the kernel
 * (kernel/). Content, not modification times: `npm run build` rewrites dist/ with the same bytes.
 */
function engineHash() {
  const hash = crypto.createHash('sha256');
  for (const file of [...filesUnder(path.join(root, 'dist')), ...filesUnder(path.join(root, 'kernel'))]) {
    hash.update(path.relative(root, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** True when the executed copy came from these notebook bytes, with this library and kernel, and ran clean. */
function upToDate(/** @type {string} */ notebook, /** @type {string} */ executedPath, /** @type {string} */ engine) {
  const known = recorded(notebook);
  if (!known || known.executed !== executedPath || known.summary?.failure || !fs.existsSync(executedPath)) return false;
  return known.hash === hashOf(notebook) && known.engine === engine;
}

/** Why a run failed, naming the notebook and the cell; undefined when it ran clean. */
function failureOf(notebook, executedPath, status, stdout, stderr) {
  const lastLine = (stdout || '').trim().split('\n').pop() || '';
  let summary;
  try {
    summary = JSON.parse(lastLine);
  } catch {
    return {
      message:
        `${path.relative(root, notebook)} could not be executed (exit ${status}).\n` +
        `${(stderr || '').trim().split('\n').slice(-15).join('\n')}`,
    };
  }
  if (status === 0 && !summary.failure) return { summary };
  const cell = summary.failed_cell;
  const where = cell ? `cell ${cell.index} (\`${cell.first_line}\`)` : 'an unknown cell';
  const errorCell = (summary.cells || []).find((c) => c.error);
  const why = errorCell
    ? `${errorCell.error.ename}: ${errorCell.error.evalue}`
    : summary.failure
      ? `${summary.failure.kind}: ${String(summary.failure.message).split('\n').slice(-3).join(' ')}`
      : `exit status ${status}`;
  return { summary, message: `${path.relative(root, notebook)} failed in ${where}: ${why}\n  executed copy: ${path.relative(root, executedPath)}` };
}

/** Records an execution so that the next `npm run figures` or `npm run site` can reuse it. */
function record(notebook, executedPath, summary) {
  // Only for the default folder: that is where `npm test` leaves its record too.
  if (path.dirname(executedPath) !== path.join(root, 'build', 'executed')) return;
  fs.mkdirSync(RUNS_DIR, { recursive: true });
  const entry = { source: notebook, executed: executedPath, summary, run: 'figures', hash: hashOf(notebook), engine: engineHash() };
  fs.writeFileSync(recordFile(notebook), JSON.stringify(entry, null, 1));
}

/** Executes one notebook, synchronously; returns the executed notebook (parsed) or exits naming the failing cell. */
function execute(notebook, executedPath, options) {
  const result = spawnSync(python(), [RUNNER, notebook, executedPath, '--timeout', String(options.timeout)], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const { summary, message } = failureOf(notebook, executedPath, result.status, result.stdout, result.stderr);
  if (message) fail(message);
  record(notebook, executedPath, summary);
  return JSON.parse(fs.readFileSync(executedPath, 'utf8'));
}

/**
 * Executes one notebook in the background; resolves to its failure message, or undefined when it ran clean.
 * `env` is added to the kernel's environment (the address of the browser that draws its snapshots).
 */
function executeAsync(notebook, executedPath, options, env = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(python(), [RUNNER, notebook, executedPath, '--timeout', String(options.timeout)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (error) => resolve(`${path.relative(root, notebook)} could not be executed: ${error.message}`));
    child.on('close', (status) => {
      const { summary, message } = failureOf(notebook, executedPath, status, stdout, stderr);
      if (summary) record(notebook, executedPath, summary);
      const stem = path.basename(notebook, '.ipynb');
      if (!message) console.log(`  ${stem}: executed in ${((Date.now() - started) / 1000).toFixed(1)} s, ${summary.charts} chart output(s)`);
      resolve(message);
    });
  });
}

/** How many notebooks run at a time: the machine's cores, at most 4, or GRADSCOPE_NOTEBOOK_JOBS. */
function jobs() {
  const asked = Number(process.env.GRADSCOPE_NOTEBOOK_JOBS);
  return Number.isInteger(asked) && asked >= 1 ? asked : Math.max(1, Math.min(os.cpus().length, 4));
}

/**
 * The executed copy of every notebook: reused when up to date (unless --fresh), otherwise executed, `jobs()`
 * at a time; `onExecuted(i)` is called as soon as notebook i's copy is ready and ran clean. Exits naming the
 * notebook and the cell when one fails. `kernelEnv()`, called once when something is to be executed, gives
 * what to add to the kernels' environment.
 */
async function executeAll(notebooks, options, onExecuted = (/** @type {number} */ _i) => {}, kernelEnv = async () => ({})) {
  const targets = notebooks.map((notebook) => path.join(options.executed, `${path.basename(notebook, '.ipynb')}.ipynb`));
  const todo = [];
  const engine = engineHash();
  notebooks.forEach((notebook, i) => {
    if (!fs.existsSync(notebook)) fail(`notebook ${notebook} does not exist`);
    if (!options.fresh && upToDate(notebook, targets[i], engine)) {
      console.log(`  ${path.basename(notebook, '.ipynb')}: reusing ${path.relative(root, targets[i])}`);
      onExecuted(i);
    } else todo.push(i);
  });
  // The slowest first (by the last recorded time), so that no long notebook starts last and runs alone.
  const lastSeconds = (/** @type {number} */ i) => recorded(notebooks[i])?.summary?.seconds ?? 0;
  todo.sort((a, b) => lastSeconds(b) - lastSeconds(a));
  if (todo.length) console.log(`executing ${todo.length} notebook(s), ${jobs()} at a time, the slowest first`);
  const env = todo.length ? await kernelEnv() : {};
  const failures = [];
  const worker = async () => {
    for (let i = todo.shift(); i !== undefined; i = todo.shift()) {
      const message = await executeAsync(notebooks[i], targets[i], options, env);
      if (message) failures.push(message);
      else onExecuted(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs(), todo.length) }, worker));
  if (failures.length) fail(failures.join('\n'));
  return targets.map((target) => JSON.parse(fs.readFileSync(target, 'utf8')));
}

/** Every chart in an executed notebook, in order: {fig, cell}. */
function chartsOf(nb) {
  const charts = [];
  (nb.cells || []).forEach((cell, index) => {
    if (cell.cell_type !== 'code') return;
    for (const output of cell.outputs || []) {
      if (!['display_data', 'execute_result'].includes(output.output_type)) continue;
      const fig = output.data && output.data[PLOTLY];
      if (fig && Array.isArray(fig.data) && fig.layout && typeof fig.layout === 'object') charts.push({ fig, cell: index });
    }
  });
  return charts;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function galleryHtml(entries) {
  const sections = entries
    .map((nb) => {
      const cards = nb.figures
        .map((f) => {
          const links = f.files.map((file) => `<a href="${escapeHtml(file)}">${escapeHtml(path.extname(file).slice(1))}</a>`).join(' · ');
          const png = f.files.find((file) => file.endsWith('.png'));
          const html = f.files.find((file) => file.endsWith('.html'));
          const picture = png
            ? `<a href="${escapeHtml(html)}"><img src="${escapeHtml(png)}" alt="${escapeHtml(f.summary)}" loading="lazy"></a>`
            : `<p class="missing">No image (Chromium was not available): open the <a href="${escapeHtml(html)}">interactive chart</a>.</p>`;
          return [
            `<figure id="${escapeHtml(`${nb.notebook}--${f.name}`)}">`,
            picture,
            `<figcaption><strong>${escapeHtml(f.name)}</strong> <span class="cell">(cell ${f.cell})</span><br>`,
            `${escapeHtml(f.title)}<br><small>${escapeHtml(f.summary)}</small><br>${links}</figcaption>`,
            '</figure>',
          ].join('\n');
        })
        .join('\n');
      return `<section>\n<h2>${escapeHtml(nb.notebook)}</h2>\n${cards || '<p>No charts.</p>'}\n</section>`;
    })
    .join('\n');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<title>gradscope figures</title>',
    '<style>',
    'body{font-family:Helvetica,Arial,sans-serif;margin:2rem;color:#222;max-width:1400px}',
    'section{margin-bottom:3rem}',
    'figure{display:inline-block;vertical-align:top;width:440px;margin:0 1.5rem 1.5rem 0}',
    'figure img{width:100%;border:1px solid #ddd}',
    'figcaption{font-size:.9rem;line-height:1.35}.cell{color:#777}.missing{color:#a00}',
    '</style>',
    '</head>',
    '<body>',
    '<h1>gradscope figures</h1>',
    '<p>Every chart of every lesson notebook, as written by <code>npm run figures</code>. Click a picture for the',
    'interactive chart (works offline); the links give the SVG, PNG, the figure as JSON and its data as CSV.</p>',
    sections,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const lib = loadLibrary();
  const status = lib.chromiumStatus();
  const drawsImages = needsBrowser(options.formats);
  if (drawsImages && !status.available) {
    console.warn(
      `figures: WARNING: ${status.reason}.\n  Writing .html, .json and .csv only; PNG and SVG need Chromium.`,
    );
  }
  const executedDir = options.executed;
  fs.mkdirSync(executedDir, { recursive: true });
  fs.mkdirSync(options.out, { recursive: true });
  const entries = [];
  let total = 0;
  const imageFailures = [];
  const started = Date.now();
  /** Writes the files of every chart of notebook i; returns its gallery entry. */
  const drawCharts = async (/** @type {number} */ i) => {
    const notebook = options.notebooks[i];
    const stem = path.basename(notebook, '.ipynb');
    const nb = JSON.parse(fs.readFileSync(path.join(executedDir, `${stem}.ipynb`), 'utf8'));
    const lines = [`[${i + 1}/${options.notebooks.length}] ${stem}`];
    const outDir = path.join(options.out, stem);
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(outDir, { recursive: true });
    const used = new Map();
    const figures = [];
    for (const { fig, cell } of chartsOf(nb)) {
      const base = lib.figureName(fig);
      const count = (used.get(base) || 0) + 1;
      used.set(base, count);
      const name = count === 1 ? base : `${base}-${count}`;
      const t = Date.now();
      const result = await lib.saveFigure(fig, path.join(outDir, name), { quiet: true, formats: options.formats });
      const files = result.written.map((file) => path.relative(options.out, file).split(path.sep).join('/'));
      if (status.available) {
        for (const skipped of result.skipped) {
          imageFailures.push(`${stem}/${name}.${skipped.format}: ${skipped.reason}`);
          console.error(`  could not draw ${stem}/${name}.${skipped.format}: ${skipped.reason}`);
        }
      }
      figures.push({ name, cell, title: lib.titleText(fig), summary: lib.figureSummary(fig), files });
      lines.push(`  ${stem}/${name}  (cell ${cell}; ${files.length} files, ${Date.now() - t} ms)`);
      total++;
    }
    if (figures.length === 0) lines.push('  no charts in this notebook');
    console.log(lines.join('\n'));
    return { notebook: stem, figures };
  };
  // Each notebook's charts are drawn as soon as it has executed, one notebook at a time (one Chromium, open
  // from now until the end).
  if (drawsImages && status.available) lib.keepBrowserOpen();
  // The same browser draws the kernels' snapshots (the image/jpeg of each chart output): one browser for the
  // whole run instead of one more per kernel.
  /** @type {{ environment: Record<string, string>, drawn: number, close(): Promise<void> } | undefined} */
  let imageServer;
  const kernelEnv = async () => {
    if (!status.available) return {};
    const server = await lib.serveImages();
    imageServer = server;
    return server.environment;
  };
  let drawing = Promise.resolve();
  /** @type {Promise<{ notebook: string, figures: object[] }>[]} */
  const drawn = [];
  const executed = executeAll(
    options.notebooks,
    options,
    (i) => {
      drawn[i] = drawing.then(() => drawCharts(i));
      drawn[i].catch(() => {}); // reported by the Promise.all below
      drawing = drawn[i].then(() => undefined, () => undefined);
    },
    kernelEnv,
  );
  await executed;
  if (imageServer) {
    console.log(`  the kernels' snapshots: ${imageServer.drawn} image(s) drawn by this run's browser`);
    await imageServer.close();
  }
  entries.push(...(await Promise.all(options.notebooks.map((_, i) => drawn[i]))));
  fs.writeFileSync(path.join(options.out, 'index.html'), galleryHtml(entries));
  fs.writeFileSync(path.join(options.out, 'index.json'), `${JSON.stringify(entries, null, 1)}\n`);
  await lib.closeBrowser();
  console.log(
    `figures: ${total} figure(s) from ${entries.length} notebook(s) in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
      `gallery: ${path.relative(process.cwd(), path.join(options.out, 'index.html'))}`,
  );
  if (drawsImages && !status.available) console.warn(`figures: no PNG or SVG were written: ${status.reason}.`);
  if (imageFailures.length > 0) fail(`${imageFailures.length} image(s) could not be drawn:\n  ${imageFailures.join('\n  ')}`);
}

if (require.main === module) {
  main().then(() => process.exit(0), (error) => {
    console.error(`figures: ${error && error.stack ? error.stack : error}`);
    process.exit(1);
  });
}

module.exports = { execute, chartsOf, python, engineHash };
