#!/usr/bin/env node
// @ts-check
/**
 * npm run site: the lessons as a static course site that works offline, in site/.
 *
 *   1. Takes each notebook's executed copy from build/executed/ (written by `npm test` or `npm run figures`),
 *      executing the notebook in a fresh `gradscope` kernel first when that copy is missing or older than
 *      the notebook.
 *   2. Copies plotly.js (the npm package plotly.js-dist-min) into site/assets/ once; every chart on every
 *      page draws with that one file, so the site needs no network.
 *   3. Renders the pages with nbconvert from the project's .venv and the site's own template
 *      (course-site/render.py): a home page listing the lessons in order with their objectives and times,
 *      one page per lesson with previous/next links, findings highlighted, solutions folded away, a gallery
 *      of the figures (figures/ from `npm run figures` when present) and a search page.
 *
 * usage: node course-site/build.js [NOTEBOOK.ipynb ...] [--out DIR] [--executed DIR] [--figures DIR] [--timeout SECONDS]
 *   NOTEBOOK.ipynb   the lessons, in order (default: notebooks/*.ipynb sorted by name)
 *   --out DIR        where the site goes (default site/); its previous content is replaced
 *   --executed DIR   where executed notebooks are read and written (default build/executed/)
 *   --figures DIR    the output of `npm run figures` (default figures/; optional)
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { execute, python } = require('../scripts/figures');
const { root } = require('../tools/paths');

/**
 * @param {string} message
 * @returns {never}
 */
function fail(message) {
  console.error(`site: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const options = {
    notebooks: /** @type {string[]} */ ([]),
    out: path.join(root, 'site'),
    executed: path.join(root, 'build', 'executed'),
    figures: path.join(root, 'figures'),
    timeout: 1200,
  };
  const value = (/** @type {number} */ i, /** @type {string} */ flag) => argv[i] ?? fail(`${flag} needs a value`);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out') options.out = path.resolve(value(++i, arg));
    else if (arg === '--executed') options.executed = path.resolve(value(++i, arg));
    else if (arg === '--figures') options.figures = path.resolve(value(++i, arg));
    else if (arg === '--timeout') options.timeout = Number(value(++i, arg));
    else if (arg.startsWith('--')) fail(`unknown option '${arg}'; allowed: --out DIR, --executed DIR, --figures DIR, --timeout SECONDS`);
    else options.notebooks.push(path.resolve(arg));
  }
  if (!(options.timeout > 0)) fail(`--timeout is ${options.timeout}; allowed: a number of seconds > 0`);
  if (options.notebooks.length === 0) {
    const dir = path.join(root, 'notebooks');
    options.notebooks = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.ipynb') && !f.startsWith('.'))
      .sort()
      .map((f) => path.join(dir, f));
  }
  if (options.notebooks.length === 0) fail('no notebooks to render (notebooks/*.ipynb is empty)');
  for (const notebook of options.notebooks) if (!fs.existsSync(notebook)) fail(`notebook ${notebook} does not exist`);
  return options;
}

/** The executed copy of each notebook, executing those whose copy is missing or older than the notebook. */
function executedCopies(options) {
  fs.mkdirSync(options.executed, { recursive: true });
  return options.notebooks.map((notebook, i) => {
    const stem = path.basename(notebook, '.ipynb');
    const target = path.join(options.executed, `${stem}.ipynb`);
    const fresh = fs.existsSync(target) && fs.statSync(target).mtimeMs >= fs.statSync(notebook).mtimeMs;
    console.log(`[${i + 1}/${options.notebooks.length}] ${stem}: ${fresh ? 'executed copy is up to date' : 'executing'}`);
    if (!fresh) execute(notebook, target, { timeout: options.timeout, reuse: false });
    return target;
  });
}

function plotlyBundle() {
  try {
    return require.resolve('plotly.js-dist-min/plotly.min.js', { paths: [root] });
  } catch {
    return fail('plotly.js-dist-min is not installed: run `npm install`');
  }
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const executed = executedCopies(options);
  fs.rmSync(options.out, { recursive: true, force: true });
  fs.mkdirSync(path.join(options.out, 'assets'), { recursive: true });
  fs.copyFileSync(plotlyBundle(), path.join(options.out, 'assets', 'plotly.min.js'));
  const args = [path.join(__dirname, 'render.py'), '--out', options.out, ...executed];
  if (fs.existsSync(path.join(options.figures, 'index.json'))) args.push('--figures', options.figures);
  const result = spawnSync(python(), args, { stdio: 'inherit', cwd: root });
  if (result.error) fail(`could not run nbconvert: ${result.error.message}`);
  if (result.status !== 0) fail(`rendering failed (exit ${result.status})`);
  console.log(`site: ${executed.length} lesson(s) in ${((Date.now() - started) / 1000).toFixed(1)} s; open ${path.relative(process.cwd(), path.join(options.out, 'index.html'))}`);
}

main();
