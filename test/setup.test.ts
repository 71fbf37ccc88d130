/**
 * The README's commands, as a user runs them: `npm run setup` (what `npm install` runs), `npm run doctor`
 * and `npm start`.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import * as paths from '../tools/paths';

const root = paths.root;
const kernelJson = paths.kernelJson;

function node(script: string, args: string[] = [], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [path.join(root, 'tools', script), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 300000,
  });
}

test('setup is idempotent: a second run changes nothing', () => {
  const before = fs.readFileSync(kernelJson, 'utf8');
  const beforeTime = fs.statSync(kernelJson).mtimeMs;
  const run = node('setup.js');
  expect(run.status).toBe(0);
  expect(run.stdout).toContain('.venv is up to date with tools/requirements.txt');
  expect(run.stdout).toContain("kernelspec 'gradscope' is up to date");
  expect(fs.readFileSync(kernelJson, 'utf8')).toBe(before);
  expect(fs.statSync(kernelJson).mtimeMs).toBe(beforeTime);
}, 300000);

test('the kernelspec starts the project\'s own kernel, by name and display name', () => {
  const spec = JSON.parse(fs.readFileSync(kernelJson, 'utf8'));
  expect(spec.display_name).toBe('TypeScript (gradscope)');
  expect(spec.language).toBe('typescript');
  expect(spec.argv).toEqual([process.execPath, paths.kernelEntry, '{connection_file}']);
});

test('without Python, setup says exactly what to install and still leaves the Node side usable', () => {
  const run = node('setup.js', [], { PYTHON: '/nonexistent/python3' });
  expect(run.status).toBe(0);
  expect(run.stdout).toContain('Python 3.9+ with the venv module was not found');
  expect(run.stdout).toContain('sudo apt-get install python3 python3-venv');
  expect(run.stdout).toContain('The Node side (the library in dist/) is ready');
  expect(fs.existsSync(path.join(root, 'dist', 'index.js'))).toBe(true);
}, 300000);

test('GRADSCOPE_SKIP_PYTHON=1 skips the Python part', () => {
  const run = node('setup.js', [], { GRADSCOPE_SKIP_PYTHON: '1' });
  expect(run.status).toBe(0);
  expect(run.stdout).toContain('GRADSCOPE_SKIP_PYTHON=1: skipping the Python venv and the kernelspec');
}, 300000);

test('doctor passes on this set-up, names the backend and starts the kernel', () => {
  const run = node('doctor.js');
  if (run.status !== 0) throw new Error(`doctor failed:\n${run.stdout}\n${run.stderr}`);
  expect(run.stdout).toMatch(/ok +TensorFlow\.js +4\.22\.0, backend '(tensorflow|wasm|cpu)'/);
  expect(run.stdout).toMatch(/ok +kernelspec gradscope/);
  expect(run.stdout).toMatch(/ok +kernel starts +runs TypeScript/);
  expect(run.stdout).toMatch(/ok +kernel cost +first reply after [\d.]+ s/);
}, 300000);

test('doctor fails, naming the fix, when the backend it is asked for cannot load', () => {
  const run = node('doctor.js', [], { GRADSCOPE_BACKEND: 'gpu' });
  expect(run.status).not.toBe(0);
  expect(run.stdout).toMatch(/FAIL +TensorFlow\.js .*GRADSCOPE_BACKEND is 'gpu'/);
  expect(run.stdout).toContain('fix: run `npm install`; unset GRADSCOPE_BACKEND');
}, 300000);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function status(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', reject);
  });
}

test('npm start serves JupyterLab on localhost only, behind a token it prints', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'tools', 'start.js'), '--no-browser', `--port=${port}`], {
    cwd: root,
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  try {
    // The address printed is the one to open: Jupyter moves to the next port when another process took the
    // one asked for in the meantime.
    const { served, token } = await new Promise<{ served: string; token: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL with a token within 60 s:\n${output}`)), 60000);
      const poll = setInterval(() => {
        const match = /http:\/\/127\.0\.0\.1:(\d+)\/lab\/tree\/00-start-here\.ipynb\?token=([0-9a-f]+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          clearInterval(poll);
          resolve({ served: match[1], token: match[2] });
        }
      }, 200);
    });
    const answer = (url: string) => status(url).catch((error) => Promise.reject(new Error(`${url}: ${error.message}\n${output}`)));
    expect(await answer(`http://127.0.0.1:${served}/api/kernelspecs`)).toBe(403);
    expect(await answer(`http://127.0.0.1:${served}/api/kernelspecs?token=${token}`)).toBe(200);
    if (process.getuid?.() === 0) expect(output).not.toMatch(/Running as root is not recommended. Use --allow-root/);
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await new Promise((resolve) => child.on('exit', resolve));
  }
}, 120000);
