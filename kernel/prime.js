#!/usr/bin/env node
// @ts-check
/**
 * Fills the cell cache (cell-cache.js) with the lessons' cells, so that a first run of an unchanged lesson
 * skips TypeScript. Run by `npm install` (tools/setup.js).
 *
 *   node kernel/prime.js [NOTEBOOK.ipynb ...]     (default: every notebooks/*.ipynb)
 *
 * Each notebook's code cells are compiled in order, as a kernel started in the notebook's folder compiles them
 * (the same engine, so the same keys): each cell after the declarations of the cells before it. Nothing is
 * run. A cell with a compile error leaves the declarations as they were, as in the kernel. Prints one line:
 * how many cells were compiled and stored, found already, or not cacheable, and how long it took.
 */
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(process.env.GRADSCOPE_ROOT || path.join(__dirname, '..'));

/** @param {string} file @returns {string[]} the sources of a notebook's code cells */
function codeCells(file) {
  const notebook = JSON.parse(fs.readFileSync(file, 'utf8'));
  return (notebook.cells || [])
    .filter((/** @type {any} */ cell) => cell.cell_type === 'code')
    .map((/** @type {any} */ cell) => (Array.isArray(cell.source) ? cell.source.join('') : String(cell.source || '')));
}

/**
 * Compiles the cells of notebooks that share a folder, with one engine started there.
 * @param {string} folder
 * @param {string[]} notebooks
 */
function primeFolder(folder, notebooks) {
  process.chdir(folder); // where Jupyter starts the kernel, and so where the converter looks from
  const { Engine } = require('./engine');
  const engine = new Engine({ root });
  if (!engine.cache) return null;
  const { getCodeMetadata } = require(path.join(engine.tslab.dir, 'dist', 'metadata.js'));
  const cells = engine.converters.node;
  for (const notebook of notebooks) {
    let decl = '';
    for (const source of codeCells(notebook)) {
      const meta = getCodeMetadata(source);
      if (meta.module || meta.mode === 'browser') continue; // not compiled as a cell by tslab's executor
      const conversion = cells.convert(decl, source);
      if (conversion.diagnostics.length === 0) decl = conversion.declOutput || '';
    }
  }
  const stats = { ...engine.cache.stats };
  engine.close();
  return stats;
}

function main() {
  const started = Date.now();
  const given = process.argv.slice(2);
  const notebooks = (given.length > 0
    ? given.map((file) => path.resolve(file))
    : fs.readdirSync(path.join(root, 'notebooks')).filter((name) => name.endsWith('.ipynb')).sort().map((name) => path.join(root, 'notebooks', name)));
  /** @type {Map<string, string[]>} */
  const byFolder = new Map();
  for (const notebook of notebooks) {
    const folder = fs.realpathSync(path.dirname(notebook));
    byFolder.set(folder, [...(byFolder.get(folder) || []), notebook]);
  }
  const total = { hit: 0, stored: 0, miss: 0, uncacheable: 0 };
  for (const [folder, list] of byFolder) {
    const stats = primeFolder(folder, list);
    if (stats === null) {
      console.log('cell cache: off (GRADSCOPE_CELL_CACHE=off, or no writable folder): nothing primed');
      return;
    }
    for (const key of Object.keys(total)) total[/** @type {keyof typeof total} */ (key)] += stats[/** @type {keyof typeof total} */ (key)];
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `cell cache: ${notebooks.length} notebooks in ${seconds} s: ${total.stored} cells compiled and stored, ` +
      `${total.hit} already cached, ${total.miss + total.uncacheable} not cacheable (compile errors or local imports)`,
  );
}

if (require.main === module) {
  try {
    main();
    process.exit(0); // nothing else to wait for (the compiler's file watchers are closed, but need not be waited on)
  } catch (error) {
    console.log(`cell cache: not primed (${error && /** @type {Error} */ (error).message ? /** @type {Error} */ (error).message : error})`);
    process.exit(0);
  }
}

module.exports = { primeFolder };
