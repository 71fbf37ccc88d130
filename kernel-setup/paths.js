/**
 * Where the project keeps things, shared by setup.js, start.js, doctor.js and the tests.
 */
'use strict';
const path = require('path');

const root = path.resolve(__dirname, '..');
const venv = path.join(root, '.venv');
const isWindows = process.platform === 'win32';
const venvBin = path.join(venv, isWindows ? 'Scripts' : 'bin');

/** Name and display name of the kernelspec the notebooks ask for in their metadata. */
const KERNEL_NAME = 'gradscope';
const KERNEL_DISPLAY_NAME = 'TypeScript (gradscope)';

module.exports = {
  root,
  venv,
  venvBin,
  venvPython: path.join(venvBin, isWindows ? 'python.exe' : 'python'),
  jupyter: path.join(venvBin, isWindows ? 'jupyter.exe' : 'jupyter'),
  requirements: path.join(root, 'kernel-setup', 'requirements.txt'),
  requirementsStamp: path.join(venv, '.gradscope-requirements.sha256'),
  kernelDir: path.join(venv, 'share', 'jupyter', 'kernels', KERNEL_NAME),
  kernelEntry: path.join(root, 'kernel-setup', 'kernel.js'),
  notebooks: path.join(root, 'notebooks'),
  KERNEL_NAME,
  KERNEL_DISPLAY_NAME,
  /** The browser the library uses for snapshots (src/export/chromium.ts), or undefined (also before a build). */
  findChromium() {
    try {
      return require(path.join(root, 'dist', 'export', 'chromium.js')).findChromium();
    } catch {
      return undefined;
    }
  },
};
