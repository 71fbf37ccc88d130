#!/usr/bin/env node
// @ts-check
/**
 * `npm run doctor`: checks the whole set-up and says how to fix what is broken.
 *
 * Each line is `ok`, `warn` (works, with a limitation) or `FAIL` (broken, with the fix). The exit status is
 * non-zero when anything failed.
 */
'use strict';
const childProcess = require('child_process');
const fs = require('fs');
const path = require('path');
const paths = require('./paths');

const results = [];
function report(status, what, detail, fix) {
  results.push({ status, what, detail, fix });
  const label = status === 'ok' ? 'ok  ' : status === 'warn' ? 'warn' : 'FAIL';
  console.log(`${label}  ${what.padEnd(22)} ${detail}`);
  if (fix && status !== 'ok') console.log(`      ${''.padEnd(22)} fix: ${fix}`);
}

function capture(command, args, options = {}) {
  const result = childProcess.spawnSync(command, args, { encoding: 'utf8', cwd: paths.root, ...options });
  return { ok: !result.error && result.status === 0, out: (result.stdout || '').trim(), err: (result.stderr || '').trim() };
}

function packageVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(paths.root, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** The optional native backend: built or not, and whether it loads (in a child process: one backend per process). */
function reportNative(backends) {
  const what = '  native backend';
  const measured = backends.measuredSummary('tensorflow');
  let installed = true;
  try {
    require.resolve('@tensorflow/tfjs-node', { paths: [paths.root] });
  } catch {
    installed = false;
  }
  if (!installed) {
    report('ok', what, `not built (optional; ${measured})`, undefined);
    console.log(`      ${''.padEnd(22)} to use it for wide layers (MLPs from 256 units, simple RNNs from 128): \`npm run native-backend\` (README, "Native backend")`);
    return;
  }
  const load = capture(process.execPath, ['-e',
    "require('./dist').ready({ backend: 'tensorflow', quiet: true }).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); })"]);
  if (load.ok) {
    report('ok', what, `built and loads; ${measured}; used by ready({ network }) for such sizes, or GRADSCOPE_BACKEND=tensorflow`);
  } else {
    report('warn', what, `installed but does not load: ${load.err.split('\n').pop()}`, 'run `npm run native-backend` again (README, "Native backend")');
  }
}

async function main() {
  const [major] = process.versions.node.split('.').map(Number);
  if (major >= 18) report('ok', 'Node.js', `v${process.versions.node}`);
  else report('fail', 'Node.js', `v${process.versions.node}`, 'install Node.js 18 or newer');

  const distIndex = path.join(paths.root, 'dist', 'index.js');
  if (!fs.existsSync(distIndex)) {
    report('fail', 'library (dist/)', 'not compiled', 'run `npm run build`');
  } else {
    try {
      const gradscope = require(distIndex);
      const info = await gradscope.ready({ quiet: true });
      report('ok', 'TensorFlow.js', `${info.tfjsVersion}, backend '${info.backend}'${info.forced ? ' (forced by GRADSCOPE_BACKEND)' : ''}`);
      // The notice states what was measured about this backend (README, "Backends").
      report('ok', '  backend', info.notice.replace(/^gradscope: /, ''));
      const backends = require(path.join(paths.root, 'dist', 'core', 'backend.js'));
      for (const skipped of info.skipped) {
        report('warn', `  ${skipped.backend} backend`, `not used: ${skipped.reason}`,
          skipped.backend === 'tensorflow' ? `optional (${backends.measuredSummary('tensorflow')}): \`npm run native-backend\` builds it (README, "Native backend")` : undefined);
      }
      if (info.backend !== 'tensorflow' && !info.skipped.some((s) => s.backend === 'tensorflow')) reportNative(backends);
    } catch (error) {
      report('fail', 'TensorFlow.js', error.message, 'run `npm install`; unset GRADSCOPE_BACKEND if it is set');
    }
  }

  const tslab = packageVersion('tslab');
  report(tslab ? 'ok' : 'fail', 'tslab', tslab ?? 'not installed', 'run `npm install`');

  if (!fs.existsSync(paths.venvPython)) {
    report('fail', 'Python venv (.venv)', 'missing', 'run `npm run setup` (needs python3 with venv)');
  } else {
    const versions = capture(paths.venvPython, ['-c',
      'import sys, jupyterlab, nbclient, plotly; print(sys.version.split()[0], jupyterlab.__version__, nbclient.__version__, plotly.__version__)']);
    if (versions.ok) {
      const [python, lab, nbclient, plotly] = versions.out.split(' ');
      report('ok', 'Python venv (.venv)', `Python ${python}`);
      report('ok', 'JupyterLab', `${lab} (nbclient ${nbclient}, plotly renderer ${plotly})`);
    } else {
      report('fail', 'JupyterLab', `not importable: ${versions.err.split('\n').pop()}`, 'delete .venv and run `npm run setup`');
    }
    const specs = capture(paths.jupyter, ['kernelspec', 'list', '--json']);
    const spec = specs.ok ? JSON.parse(specs.out).kernelspecs[paths.KERNEL_NAME] : undefined;
    if (!spec) {
      report('fail', 'kernelspec gradscope', 'not registered', 'run `npm run setup`');
    } else {
      const argv = spec.spec.argv;
      const missing = argv.slice(0, 2).filter((file) => !fs.existsSync(file));
      if (missing.length) {
        report('fail', 'kernelspec gradscope', `points at missing ${missing.join(', ')}`, 'the project moved or Node changed: run `npm run setup`');
      } else {
        report('ok', 'kernelspec gradscope', `"${spec.spec.display_name}" in ${path.relative(paths.root, spec.resource_dir)}`);
        const check = capture(paths.venvPython, [path.join(__dirname, 'check_kernel.py'),
          "import { ready } from 'gradscope'; const info = await ready({quiet: true}); console.log(info.backend)"]);
        let started;
        try {
          started = JSON.parse(check.out);
        } catch {
          started = { ok: false, error: check.err || check.out };
        }
        if (started.ok) {
          report('ok', 'kernel starts', `runs TypeScript on the '${started.output}' backend`);
          try {
            const stats = await require('./kernel-stats').measure({ idleMs: 3000 });
            report('ok', 'kernel cost', `first reply after ${stats.startupSeconds} s (${stats.startupCpuSeconds} s CPU), idle memory ${stats.idleRssMiB} MiB`);
          } catch (error) {
            report('warn', 'kernel cost', `not measured: ${error.message.split('\n')[0]}`);
          }
        } else {
          report('fail', 'kernel starts', `no: ${started.error}`, 'run `npm run setup`; see Troubleshooting in the README');
        }
      }
    }
  }

  const chromium = paths.findChromium();
  if (chromium) {
    const version = capture(chromium, ['--version']);
    report('ok', 'Chromium', `${version.out || chromium} (PNG/SVG snapshots and browser tests)`);
  } else {
    report('warn', 'Chromium', 'not found: charts show in JupyterLab, but no PNG/SVG snapshots or browser tests',
      'Debian/Ubuntu: sudo apt-get install chromium (or set GRADSCOPE_CHROMIUM=/path/to/chrome)');
  }

  const failed = results.filter((r) => r.status === 'fail');
  console.log(failed.length ? `\n${failed.length} problem(s) found.` : '\nAll good: `npm start` opens the lessons.');
  process.exit(failed.length ? 1 : 0);
}

main().catch((error) => {
  console.error(`doctor itself failed: ${error.stack || error}`);
  process.exit(1);
});
