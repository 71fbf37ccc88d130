// @ts-check
/**
 * Where the project keeps things: the one place that knows the layout of the folder and of its Python
 * environment. Used by the set-up, doctor and start tools, by scripts/ and by the tests.
 */
'use strict';
const path = require('path');

const root = path.resolve(__dirname, '..');
const isWindows = process.platform === 'win32';

/** The bin folder of a Python venv (Scripts on Windows). */
function venvBinOf(/** @type {string} */ venvDir) {
  return path.join(venvDir, isWindows ? 'Scripts' : 'bin');
}
/** The python executable of a Python venv. */
function venvPythonOf(/** @type {string} */ venvDir) {
  return path.join(venvBinOf(venvDir), isWindows ? 'python.exe' : 'python');
}

const venv = path.join(root, '.venv');
const venvBin = venvBinOf(venv);

/** Name and display name of the kernelspec the notebooks ask for in their metadata. */
const KERNEL_NAME = 'gradscope';
const KERNEL_DISPLAY_NAME = 'TypeScript (gradscope)';

/** The Jupyter data folder inside .venv (kernelspecs live in its kernels/). */
const jupyterData = path.join(venv, 'share', 'jupyter');

module.exports = {
  root,
  /** The project's Python environment: JupyterLab, nbclient, the conformance suite. */
  venv,
  venvBin,
  venvPython: venvPythonOf(venv),
  venvPythonOf,
  jupyter: path.join(venvBin, isWindows ? 'jupyter.exe' : 'jupyter'),
  jupyterData,
  requirements: path.join(root, 'tools', 'requirements.txt'),
  /** Python packages only the tests need (the kernel conformance suite). */
  testRequirements: path.join(root, 'tools', 'requirements-test.txt'),
  requirementsStamp: path.join(venv, '.gradscope-requirements.sha256'),
  kernelDir: path.join(jupyterData, 'kernels', KERNEL_NAME),
  kernelJson: path.join(jupyterData, 'kernels', KERNEL_NAME, 'kernel.json'),
  /** The program the kernelspec starts: the protocol server in kernel/. */
  kernelEntry: path.join(root, 'kernel', 'main.js'),
  notebooks: path.join(root, 'notebooks'),
  dist: path.join(root, 'dist'),
  /** The optional PyTorch environment of the gradient cross-check test. */
  torchVenv: path.join(root, 'build', 'torch-venv'),
  KERNEL_NAME,
  KERNEL_DISPLAY_NAME,
  /**
   * The browser the library uses for snapshots (src/export/chromium.ts), or undefined (also before a build).
   * @returns {string | undefined}
   */
  findChromium() {
    try {
      return require(path.join(root, 'dist', 'export', 'chromium.js')).findChromium();
    } catch {
      return undefined;
    }
  },
};
