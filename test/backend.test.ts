/**
 * Backend choice: the fallback order, GRADSCOPE_BACKEND, and the errors a learner sees.
 * Each case runs in a child process, because a process can hold only one initialised backend choice.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

const root = path.resolve(__dirname, '..');

function readyIn(env: Record<string, string | undefined>) {
  const script = `
    const gs = require(${JSON.stringify(path.join(root, 'src', 'core', 'backend.ts'))});
    gs.ready({ quiet: true }).then(
      (info) => { const t = gs.tf.tensor1d([1, 2, 3]); console.log(JSON.stringify({ ok: true, info, sum: t.sum().dataSync()[0] })); },
      (error) => { console.log(JSON.stringify({ ok: false, message: error.message })); },
    );`;
  const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
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

test('without GRADSCOPE_BACKEND the backend measured fastest, wasm, is chosen and the notice does not call another one faster', () => {
  const result = readyIn({});
  expect(result.ok).toBe(true);
  expect(result.info.backend).toBe('wasm');
  expect(result.info.forced).toBe(false);
  expect(result.info.skipped).toEqual([]);
  expect(result.sum).toBe(6);
  expect(result.info.notice).toContain("'wasm' backend");
  expect(result.info.notice).toContain('measured the fastest');
  expect(result.info.notice).not.toMatch(/faster native/);
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
    ['-r', 'ts-node/register/transpile-only', '-e',
      `const gs = require(${JSON.stringify(path.join(root, 'src', 'core', 'backend.ts'))});
       gs.ready().then(() => gs.tf.tensor1d([1]).dataSync());`],
    { cwd: root, encoding: 'utf8', env: { ...process.env, GRADSCOPE_BACKEND: 'cpu' }, timeout: 60000 },
  );
  expect(run.stdout).toContain("on the 'cpu' backend");
  expect(run.stderr).not.toMatch(/speed things up/);
});
