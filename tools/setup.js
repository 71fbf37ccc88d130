#!/usr/bin/env node
// @ts-check
/**
 * One-command set-up, run by `npm install` (postinstall) and by `npm run setup`. Idempotent: a second run
 * changes nothing.
 *
 *   1. Compiles src/ to dist/ with type declarations (tslab imports compiled JavaScript, not src/*.ts);
 *      skipped when nothing tsc reads has changed since the last build (tools/build.js).
 *   2. Creates the Python venv .venv from tools/requirements.txt (JupyterLab, nbclient, plotly's
 *      JupyterLab renderer), reinstalling only when that file changes.
 *   3. Installs the kernel conformance suite the tests use (tools/requirements-test.txt) into .venv, where the
 *      Python package index is reachable; without it `npm test` falls back to Debian's package or lists the
 *      suite as not run.
 *   4. Registers the kernelspec `gradscope` inside .venv, starting the project's own kernel (kernel/main.js).
 *   5. Primes the kernel's cell cache (kernel/prime.js): compiles the lessons' cells once, so that a first run
 *      of an unchanged lesson does not wait for TypeScript. A failure prints one line and never fails set-up.
 *
 * Environment:
 *   GRADSCOPE_SKIP_PYTHON=1   skip steps 2 to 4 (Node side only).
 *   PYTHON=/path/to/python3   the Python used to create .venv (default: python3).
 *   GRADSCOPE_PIP_ARGS="..."  extra arguments for pip install (for example an --index-url).
 *   GRADSCOPE_CELL_CACHE=off  no cell cache (and no priming); see kernel/KERNEL.md.
 *   GRADSCOPE_KERNEL_PREFIX=/prefix   register the kernelspec in that Jupyter environment
 *                             (/prefix/share/jupyter/kernels/gradscope, as `--sys-prefix` would) and skip
 *                             the .venv: for an image whose Jupyter is already installed (binder/postBuild).
 */
'use strict';
const childProcess = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const paths = require('./paths');

function say(message) {
  console.log(`[gradscope setup] ${message}`);
}

function run(command, args, options = {}) {
  const result = childProcess.spawnSync(command, args, { stdio: 'inherit', cwd: paths.root, ...options });
  if (result.error) throw new Error(`could not run ${command}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with status ${result.status}`);
}

function writeIfChanged(file, content) {
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === content) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return true;
}

function build() {
  const tsc = path.join(paths.root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!fs.existsSync(tsc)) {
    if (fs.existsSync(path.join(paths.root, 'dist', 'index.js'))) {
      say('typescript is not installed (production install?); keeping the existing dist/');
      return;
    }
    throw new Error('typescript is not installed, so src/ cannot be compiled: run `npm install` without --omit=dev');
  }
  const changed = require('./build').build();
  say(`dist/ is up to date with src/ (${changed} file${changed === 1 ? '' : 's'} changed)`);
}

function findPython() {
  const candidates = process.env.PYTHON ? [process.env.PYTHON] : ['python3', 'python'];
  for (const candidate of candidates) {
    const probe = childProcess.spawnSync(
      candidate,
      ['-c', 'import sys, venv, ensurepip; print("%d.%d" % sys.version_info[:2])'],
      { encoding: 'utf8' },
    );
    if (probe.status === 0) {
      const [major, minor] = probe.stdout.trim().split('.').map(Number);
      if (major === 3 && minor >= 9) return { python: candidate, version: probe.stdout.trim() };
    }
  }
  return undefined;
}

function explainMissingPython() {
  const lines = [
    'Python 3.9+ with the venv module was not found, so JupyterLab and the `gradscope` kernel were not set up.',
    'The Node side (the library in dist/) is ready. To get the notebooks, install Python and run `npm run setup`:',
    '  Debian/Ubuntu:  sudo apt-get install python3 python3-venv',
    '  Fedora:         sudo dnf install python3',
    '  macOS:          brew install python',
    '  or point PYTHON=/path/to/python3 at an existing one.',
  ];
  for (const line of lines) say(line);
}

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function setUpVenv(python) {
  if (!fs.existsSync(paths.venvPython)) {
    say(`creating .venv with ${python.python} (Python ${python.version})`);
    run(python.python, ['-m', 'venv', paths.venv]);
  }
  const wanted = sha256(paths.requirements);
  const have = fs.existsSync(paths.requirementsStamp) ? fs.readFileSync(paths.requirementsStamp, 'utf8').trim() : '';
  if (have === wanted) {
    say('.venv is up to date with tools/requirements.txt');
    return;
  }
  say('installing JupyterLab, nbclient and the Plotly renderer into .venv (about a minute)');
  pipInstall(paths.requirements);
  fs.writeFileSync(paths.requirementsStamp, `${wanted}\n`);
}

function pipInstall(requirements) {
  // --retries 0: where only a local mirror is reachable, pip would otherwise wait through retries of the
  // unreachable default index for every package.
  const extra = (process.env.GRADSCOPE_PIP_ARGS || '').split(/\s+/).filter(Boolean);
  run(paths.venvPython, [
    '-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', '--retries', '0', '-r', requirements, ...extra,
  ]);
}

/**
 * The conformance suite is for the tests only: when the package index cannot be reached, set-up goes on,
 * and the attempt is remembered so that a second run does not wait for the index again.
 */
function installTestSuite() {
  const stamp = path.join(paths.venv, '.gradscope-test-requirements');
  const wanted = sha256(paths.testRequirements);
  const have = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim().split(' ') : [];
  if (have[0] === wanted) {
    if (have[1] === 'unavailable') say('kernel conformance suite: not installed in .venv (the package index was not reachable at the last try)');
    else say('.venv is up to date with tools/requirements-test.txt');
    return;
  }
  say('installing the kernel conformance suite (jupyter-kernel-test) into .venv, for the tests');
  let outcome = 'installed';
  try {
    pipInstall(paths.testRequirements);
  } catch (error) {
    outcome = 'unavailable';
    say(`could not install it from the package index (${error.message}).`);
    say('  `npm test` then uses Debian\'s package if present (sudo apt-get install python3-jupyter-kernel-test),');
    say('  or lists the conformance suite as not run. Retry: delete .venv/.gradscope-test-requirements, `npm run setup`.');
  }
  fs.writeFileSync(stamp, `${wanted} ${outcome}\n`);
}

/** Where the kernelspec goes: inside .venv, or inside the Jupyter environment GRADSCOPE_KERNEL_PREFIX names. */
function kernelDir() {
  const prefix = process.env.GRADSCOPE_KERNEL_PREFIX;
  return prefix ? path.join(path.resolve(prefix), 'share', 'jupyter', 'kernels', paths.KERNEL_NAME) : paths.kernelDir;
}

function registerKernel() {
  const spec = {
    argv: [process.execPath, paths.kernelEntry, '{connection_file}'],
    display_name: paths.KERNEL_DISPLAY_NAME,
    language: 'typescript',
    // The watchdog (kernel/watchdog.js) receives interrupt_request and signals the process that runs the cells.
    interrupt_mode: 'message',
    env: { GRADSCOPE_ROOT: paths.root },
    metadata: { gradscope: { root: paths.root } },
  };
  const dir = kernelDir();
  const changed = writeIfChanged(path.join(dir, 'kernel.json'), `${JSON.stringify(spec, null, 2)}\n`);
  say(changed ? `registered the kernelspec '${paths.KERNEL_NAME}' in ${dir}` : `kernelspec '${paths.KERNEL_NAME}' is up to date`);
}

/** Compiles the lessons into the kernel's cell cache, in a process of its own (it changes folder). */
function primeCellCache() {
  const result = childProcess.spawnSync(process.execPath, [path.join(paths.root, 'kernel', 'prime.js')], {
    cwd: paths.root,
    encoding: 'utf8',
    env: { ...process.env, GRADSCOPE_ROOT: paths.root },
    timeout: 10 * 60 * 1000,
  });
  const line = `${result.stdout || ''}`.trim().split('\n').pop();
  if (result.status === 0 && line) say(line);
  else say(`cell cache: not primed (${result.error ? result.error.message : `exit status ${result.status}`}); lessons compile on their first run`);
}

function main() {
  build();
  if (process.env.GRADSCOPE_KERNEL_PREFIX) {
    registerKernel();
    primeCellCache();
    say('done: the kernelspec is in the Jupyter environment GRADSCOPE_KERNEL_PREFIX names.');
    return;
  }
  if (process.env.GRADSCOPE_SKIP_PYTHON === '1') {
    say('GRADSCOPE_SKIP_PYTHON=1: skipping the Python venv and the kernelspec');
    return;
  }
  const python = findPython();
  if (!python) {
    explainMissingPython();
    return;
  }
  setUpVenv(python);
  installTestSuite();
  registerKernel();
  primeCellCache();
  if (!paths.findChromium()) {
    say('note: Chromium was not found; charts still show in JupyterLab, but PNG/SVG snapshots need it');
    say('      (Debian/Ubuntu: sudo apt-get install chromium). `npm run doctor` checks the whole set-up.');
  }
  say('done. `npm start` opens the lessons in JupyterLab.');
}

try {
  main();
} catch (error) {
  console.error(`[gradscope setup] failed: ${error.message}`);
  process.exit(1);
}
