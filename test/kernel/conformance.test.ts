/**
 * The Jupyter protocol conformance suite, jupyter_kernel_test, against the `gradscope` kernel: every
 * standard test is implemented in test_gradscope_kernel.py and must pass (none skipped).
 *
 * jupyter_kernel_test is Debian's python3-jupyter-kernel-test (it is not on the pip mirror), so it runs with
 * Debian's /usr/bin/python3, which finds the gradscope kernelspec in .venv through JUPYTER_PATH.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { root } from './kernel-helpers';

const systemPython = process.env.GRADSCOPE_KERNEL_TEST_PYTHON || '/usr/bin/python3';
const INSTALL = 'sudo apt-get install -y python3-jupyter-kernel-test';

test('jupyter_kernel_test passes against the gradscope kernel', () => {
  const probe = spawnSync(systemPython, ['-c', 'import jupyter_kernel_test; print(jupyter_kernel_test.__version__)'], {
    encoding: 'utf8',
  });
  if (probe.status !== 0) {
    throw new Error(
      `jupyter_kernel_test is not installed for ${systemPython}, so the kernel conformance suite cannot run.\n` +
        `Install it with:\n  ${INSTALL}\n(.ci/run does this.)\n${probe.stderr || probe.error || ''}`,
    );
  }
  const kernelspec = path.join(root, '.venv', 'share', 'jupyter', 'kernels', 'gradscope', 'kernel.json');
  expect(fs.existsSync(kernelspec)).toBe(true);

  const run = spawnSync(systemPython, [path.join(__dirname, 'test_gradscope_kernel.py'), '-v'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 170000,
    env: { ...process.env, JUPYTER_PATH: path.join(root, '.venv', 'share', 'jupyter') },
  });
  const output = `${run.stdout}\n${run.stderr}`;
  if (run.status !== 0 || !/^OK\b/m.test(run.stderr)) {
    throw new Error(`jupyter_kernel_test failed (status ${run.status}):\n${output}`);
  }
  // Every standard test is implemented: nothing may be skipped.
  expect(output).not.toMatch(/skipped/);
  const ran = /Ran (\d+) tests?/.exec(output);
  expect(ran && Number(ran[1])).toBeGreaterThanOrEqual(12);
}, 180000);
