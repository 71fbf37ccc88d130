#!/usr/bin/env node
// @ts-check
/**
 * Compiles notebooks' code cells into the kernel's cell cache as a kernel started in FOLDER compiles them
 * (kernel/prime.js, with the folder given rather than taken from each file's own): for the "both ways" copies
 * (test/support/executions.ts), which are written to build/exercises/ but run with the kernel in notebooks/.
 * One process, so the compiler is built once for every copy, not once in each notebook's kernel.
 * Prints the cache's counts as JSON.
 *
 *   node test/support/prime-cells.js FOLDER NOTEBOOK.ipynb ...
 */
'use strict';
const path = require('path');
const { primeFolder } = require('../../kernel/prime.js');

const [folder, ...notebooks] = process.argv.slice(2);
const stats = primeFolder(path.resolve(folder), notebooks.map((file) => path.resolve(file)));
console.log(JSON.stringify(stats));
process.exit(0);
