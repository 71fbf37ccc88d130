/**
 * Cross-check against an independent autodiff engine: PyTorch recomputes every per-tensor gradient norm
 * from the same weights and inputs (see crosscheck/torch_check.py for the tolerances).
 * Runs when GRADSCOPE_TORCH_PYTHON names a Python that has torch, e.g.
 *   python3 -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch numpy
 *   GRADSCOPE_TORCH_PYTHON=/tmp/torchvenv/bin/python npx jest test/library/torch-crosscheck
 */
import { execFileSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { exportCrossCheck } from './crosscheck/export';

const python = process.env.GRADSCOPE_TORCH_PYTHON;
const maybe = python ? test : test.skip;

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
