/**
 * Backend choice: the fallback order, GRADSCOPE_BACKEND, and the errors a learner sees.
 * Each case runs in a child process, because a process can hold only one initialised backend choice.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { MEASURED, fasterBackend } from '../src/core/backend';

const root = path.resolve(__dirname, '..');

/**
 * The compiled module (dist/, built from src/ by `npm install` and `npm run build`), as the kernel loads it: a
 * child then starts without loading the TypeScript compiler.
 */
const compiledBackend = JSON.stringify(path.join(root, 'dist', 'core', 'backend.js'));

function readyIn(env: Record<string, string | undefined>, options = '{ quiet: true }') {
  const script = `
    const gs = require(${compiledBackend});
    gs.ready(${options}).then(
      (info) => { const t = gs.tf.tensor1d([1, 2, 3]); console.log(JSON.stringify({ ok: true, info, sum: t.sum().dataSync()[0] })); },
      (error) => { console.log(JSON.stringify({ ok: false, message: error.message })); },
    );`;
  const run = spawnSync(process.execPath, ['-e', script], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, GRADSCOPE_BACKEND: undefined, ...env },
    timeout: 60000,
  });
  const line = run.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`child failed (${run.status}): ${run.stderr}`);
  }
}

test('without GRADSCOPE_BACKEND wasm, measured faster on the lessons\' sizes, is chosen and the notice gives the numbers', () => {
  const result = readyIn({});
  expect(result.ok).toBe(true);
  expect(result.info.backend).toBe('wasm');
  expect(result.info.forced).toBe(false);
  expect(result.info.skipped).toEqual([]);
  expect(result.sum).toBe(6);
  expect(result.info.notice).toContain("'wasm' backend");
  expect(MEASURED.nativeOverWasm.A.ratio).toBeGreaterThan(1);
  expect(result.info.notice).toMatch(/measured faster than native TensorFlow on the lessons' sizes \(native took [0-9.]+x as long on a 20 x 64 MLP, [0-9.]+x on a 50-layer one, [0-9.]+x on an LSTM of 32 units/);
  expect(result.info.notice).not.toMatch(/faster native/);
});

test('the measured rule: wasm for the lessons\' sizes and recurrent networks, native TensorFlow for wide layers; a clear error for a bad size', () => {
  const r = MEASURED.nativeOverWasm;
  [r.A, r.C, r.E, r['D-lstm'], r['D-rnn']].forEach((w) => expect(w.ratio).toBeGreaterThan(1));
  expect(fasterBackend({ width: 32, batchSize: 64, recurrent: true })).toBe('wasm');
  expect(fasterBackend({ width: 512, batchSize: 512, recurrent: true })).toBe('wasm');
  expect(fasterBackend({ width: 64, batchSize: 64, recurrent: true, cell: 'simple' })).toBe('wasm');
  expect(fasterBackend({ width: 128, batchSize: 64, recurrent: true, cell: 'simple' })).toBe('tensorflow');
  expect(fasterBackend({ width: 128, batchSize: 64, recurrent: true, cell: 'gru' })).toBe('wasm');
  expect(fasterBackend({ width: 64, batchSize: 128 })).toBe('wasm');
  expect(fasterBackend({ width: 64, batchSize: 1024 })).toBe('wasm');
  expect(fasterBackend({ width: 128, batchSize: 128 })).toBe('wasm');
  expect(fasterBackend({ width: 128, batchSize: 512 })).toBe('tensorflow');
  expect(fasterBackend({ width: 256, batchSize: 32 })).toBe('wasm');
  expect(fasterBackend({ width: 512, batchSize: 32 })).toBe('wasm');
  expect(fasterBackend({ width: 256, batchSize: 128 })).toBe('tensorflow');
  expect(() => fasterBackend({ width: 0, batchSize: 128 })).toThrow('fasterBackend: network.width is 0; allowed: a whole number of at least 1.');
  expect(() => fasterBackend({ width: 64 } as never)).toThrow('fasterBackend: network.batchSize is undefined');
  expect(() => fasterBackend({ width: 64, batchSize: 64, recurrent: true, cell: 'rnn' } as never)).toThrow(
    'fasterBackend: network.cell is "rnn"; allowed: lstm, simple, gru or left out.',
  );
  expect(() => fasterBackend({ width: 64, batchSize: 64, cell: 'lstm' })).toThrow('network.recurrent is not true');
});

test('ready({ network }) for the lessons\' recurrent size chooses wasm, measured faster there', () => {
  const result = readyIn({}, '{ quiet: true, network: { width: 32, batchSize: 64, recurrent: true } }');
  expect(result.ok).toBe(true);
  expect(result.info.backend).toBe('wasm');
  expect(result.info.skipped).toEqual([]);
  expect(result.info.notice).toContain('chosen for a recurrent (lstm) network 32 wide at batch 64');
});

test('ready({ network }) for a wide network tries the native backend first, else says why it fell back', () => {
  const result = readyIn({}, '{ quiet: true, network: { width: 256, batchSize: 128 } }');
  expect(result.ok).toBe(true);
  if (result.info.backend === 'tensorflow') {
    expect(result.info.skipped).toEqual([]);
    expect(result.info.notice).toContain('chosen for a network 256 wide at batch 128');
    expect(result.info.notice).toMatch(/measured faster than wasm only on wide layers \(MLPs from 256 units at batch 128, or 128 at batch 512; simple RNNs of 128 units\), slower on the lessons' sizes \([0-9.]+x wasm's time on a 20 x 64 MLP, [0-9.]+x on an LSTM of 32 units\)/);
  } else {
    expect(result.info.backend).toBe('wasm');
    expect(result.info.skipped.map((s: { backend: string }) => s.backend)).toEqual(['tensorflow']);
  }
});

test.each(['wasm', 'cpu'])('GRADSCOPE_BACKEND=%s forces that backend', (name) => {
  const result = readyIn({ GRADSCOPE_BACKEND: name });
  expect(result.ok).toBe(true);
  expect(result.info).toEqual(expect.objectContaining({ backend: name, forced: true }));
  expect(result.sum).toBe(6);
});

test('GRADSCOPE_BACKEND=tensorflow either loads the native backend or fails naming it and the fix', () => {
  const result = readyIn({ GRADSCOPE_BACKEND: 'tensorflow' });
  if (result.ok) {
    expect(result.info.backend).toBe('tensorflow');
  } else {
    expect(result.message).toMatch(/The 'tensorflow' backend was requested but cannot load: .+npm run native-backend/);
  }
});

test('an unknown GRADSCOPE_BACKEND is an error naming the variable, the value and what is allowed', () => {
  const result = readyIn({ GRADSCOPE_BACKEND: 'gpu' });
  expect(result.ok).toBe(false);
  expect(result.message).toContain("GRADSCOPE_BACKEND is 'gpu'");
  expect(result.message).toContain('Allowed: tensorflow, wasm, cpu');
});

test('the cpu backend does not print the multi-line tfjs-node banner', () => {
  const run = spawnSync(
    process.execPath,
    ['-e',
      `const gs = require(${compiledBackend});
       gs.ready().then(() => gs.tf.tensor1d([1]).dataSync());`],
    { cwd: root, encoding: 'utf8', env: { ...process.env, GRADSCOPE_BACKEND: 'cpu' }, timeout: 60000 },
  );
  expect(run.stdout).toContain("on the 'cpu' backend");
  expect(run.stderr).not.toMatch(/speed things up/);
});
