// @ts-check
/**
 * Compiles the code cells of notebooks as the kernel does (each after the declarations of the cells before it),
 * without running them, and writes what the compiler gave for each cell as JSON, with the cell cache's counts
 * and whether the compiler was ever built, into OUT.json. The cache is the one GRADSCOPE_CELL_CACHE names.
 *
 *   node test/kernel/compile-cells.js OUT.json NOTEBOOK.ipynb ...
 */
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const out = path.resolve(process.argv[2]);
const notebooks = process.argv.slice(3).map((file) => path.resolve(file));
process.chdir(path.dirname(notebooks[0]));
const { Engine } = require(path.join(root, 'kernel', 'engine.js'));
const engine = new Engine({ root });
const cells = [];
for (const notebook of notebooks) {
  let decl = '';
  for (const cell of JSON.parse(fs.readFileSync(notebook, 'utf8')).cells) {
    if (cell.cell_type !== 'code') continue;
    const source = Array.isArray(cell.source) ? cell.source.join('') : String(cell.source);
    const conversion = engine.converters.node.convert(decl, source);
    const { output, declOutput, hasToplevelAwait, lastExpressionVar, diagnostics } = conversion;
    cells.push({ notebook: path.basename(notebook), output, declOutput, hasToplevelAwait, lastExpressionVar, diagnostics: diagnostics.length });
    if (diagnostics.length === 0) decl = declOutput || '';
  }
}
fs.writeFileSync(out, JSON.stringify({ cells, stats: engine.cache && engine.cache.stats, compilerBuilt: engine.converters.warm }));
engine.close();
process.exit(0);
