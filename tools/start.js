#!/usr/bin/env node
// @ts-check
/**
 * `npm start`: JupyterLab on notebooks/, bound to localhost, with token authentication.
 *
 * Jupyter prints the URL with its token; open it if no browser opens by itself. Extra arguments go to
 * JupyterLab: `npm start -- --port 9999 --no-browser`.
 */
'use strict';
const childProcess = require('child_process');
const fs = require('fs');
const path = require('path');
const paths = require('./paths');

if (!fs.existsSync(paths.jupyter)) {
  console.error('[gradscope] JupyterLab is not installed in .venv. Run `npm run setup` (or `npm install`),');
  console.error('            then `npm run doctor` if it still fails.');
  process.exit(1);
}
if (!fs.existsSync(path.join(paths.kernelDir, 'kernel.json'))) {
  console.error("[gradscope] the 'gradscope' kernel is not registered. Run `npm run setup`.");
  process.exit(1);
}

const args = [
  'lab',
  `--ServerApp.root_dir=${paths.notebooks}`,
  '--ServerApp.ip=127.0.0.1',
  '--LabApp.default_url=/lab/tree/00-start-here.ipynb',
];
// Jupyter refuses to run as root unless told; CI and containers often run as root.
if (typeof process.getuid === 'function' && process.getuid() === 0) args.push('--allow-root');
args.push(...process.argv.slice(2));

console.log('[gradscope] starting JupyterLab on notebooks/ (localhost only, token required).');
console.log('[gradscope] open the http://127.0.0.1:...?token=... URL printed below; Ctrl-C stops the server.');
const child = childProcess.spawn(paths.jupyter, args, { stdio: 'inherit', cwd: paths.root });
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
