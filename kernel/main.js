#!/usr/bin/env node
// @ts-check
/**
 * The `gradscope` Jupyter kernel: TypeScript through tslab's compiler and executor, speaking the Jupyter
 * messaging protocol with the server in this folder (see KERNEL.md for what it adds to tslab).
 *
 * Jupyter runs `node kernel/main.js <connection_file>` (see the kernel.json written by setup.js). This process is
 * the watchdog (watchdog.js): it owns the sockets and runs the cells in a second process (runner.js), which it
 * restarts, saying why, when a cell cannot be interrupted or the process dies (a heap out-of-memory).
 * The working directory is the notebook's folder, wherever that is: `import ... from 'gradscope'` finds the
 * library installed with this kernel (library.js).
 */
'use strict';
const path = require('path');

const connectionFile = process.argv[2];
if (!connectionFile) {
  console.error('usage: node kernel/main.js <connection_file>  (Jupyter passes the connection file)');
  process.exit(2);
}
process.env.GRADSCOPE_ROOT = process.env.GRADSCOPE_ROOT || path.resolve(__dirname, '..');
const { Watchdog } = require('./watchdog');

new Watchdog({ connectionFile, root: process.env.GRADSCOPE_ROOT }).start().catch((error) => {
  console.error(`gradscope kernel: could not start: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
});
