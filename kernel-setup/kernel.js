#!/usr/bin/env node
/**
 * The `gradscope` Jupyter kernel: the project's own tslab, started with the project's environment.
 *
 * Jupyter runs `node kernel-setup/kernel.js <connection_file>` (see the kernel.json written by setup.js).
 * The working directory is the notebook's folder, so `import ... from 'gradscope'` resolves through the
 * project's node_modules.
 */
'use strict';
const path = require('path');

const connectionFile = process.argv[2];
if (!connectionFile) {
  console.error('usage: node kernel-setup/kernel.js <connection_file>  (Jupyter passes the connection file)');
  process.exit(2);
}
process.env.GRADSCOPE_ROOT = process.env.GRADSCOPE_ROOT || path.resolve(__dirname, '..');
const { startKernel } = require(path.join(__dirname, '..', 'node_modules', 'tslab', 'dist', 'main.js'));
startKernel({ configPath: connectionFile, enableFindLocal: false, jsKernel: false, globalVersion: '' });
