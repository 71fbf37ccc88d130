/**
 * Where the project keeps things, shared by setup.js, start.js, doctor.js and the tests.
 */
'use strict';
const fs = require('fs');
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
  /** First Chromium-like browser found on this machine, or undefined. GRADSCOPE_CHROMIUM overrides. */
  findChromium() {
    const candidates = [
      process.env.GRADSCOPE_CHROMIUM,
      '/usr/bin/chromium',
      '/usr/bin/chromium-browser',
      '/usr/bin/google-chrome',
      '/usr/bin/google-chrome-stable',
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
    ];
    return candidates.find((candidate) => candidate && fs.existsSync(candidate));
  },
};
