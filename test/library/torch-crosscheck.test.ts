/**
 * Cross-check against an independent autodiff engine: PyTorch recomputes every per-tensor gradient norm
 * from the same weights and inputs (see crosscheck/torch_check.py for the tolerances).
 * Uses the Python named by GRADSCOPE_TORCH_PYTHON, else build/torch-venv (which `.ci/run` creates):
 *   python3 -m venv build/torch-venv && build/torch-venv/bin/pip install torch numpy
 * Without either it is skipped and listed at the end of `npm test` (a failure under CI=true).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { exportCrossCheck } from './crosscheck/export';
import * as paths from '../../tools/paths';
import { optional } from '../support/optional';

const localTorch = paths.venvPythonOf(paths.torchVenv);
const python = process.env.GRADSCOPE_TORCH_PYTHON || (fs.existsSync(localTorch) ? localTorch : undefined);
const runs = optional(python !== undefined, {
  what: 'gradient cross-check against PyTorch (test/library/torch-crosscheck.test.ts)',
  reason: 'no Python with torch (build/torch-venv or GRADSCOPE_TORCH_PYTHON)',
  enable: 'python3 -m venv build/torch-venv && build/torch-venv/bin/pip install torch numpy',
});
const maybe = runs ? test : test.skip;

maybe('per-tensor gradient norms agree with PyTorch to float32 precision (MLPs, batch norm, residual, LSTM, GRU, RNN)', async () => {
  const file = path.join(os.tmpdir(), `gradscope-crosscheck-${process.pid}.json`);
  const cases = await exportCrossCheck(file);
  expect(cases.length).toBeGreaterThan(15);
  const script = path.join(__dirname, 'crosscheck', 'torch_check.py');
  // Exits non-zero (and so throws) when any case fails.
  const out = execFileSync(python!, [script, file], { encoding: 'utf8' });
  const summary = JSON.parse(out.trim().split('\n').pop()!);
  expect(summary.cases.every((c: { ok: boolean }) => c.ok)).toBe(true);
}, 300000);
