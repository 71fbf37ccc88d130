/**
 * Helpers for the browser test: count chart outputs, start a private JupyterLab, run a command.
 */
import { ChildProcess, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as paths from '../../tools/paths';

export const ROOT = paths.root;
export { EXECUTED_DIR } from '../support/executions';
export const SCREENSHOT_DIR = path.join(ROOT, 'test-artifacts', 'screenshots');
export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';
const VENV_BIN = paths.venvBin;

/** The notebooks the browser test opens: the lessons, then the chart fixture. */
export function notebooksToCheck(): string[] {
  const lessons = path.join(ROOT, 'notebooks');
  const fixtures = path.join(__dirname, 'fixtures');
  const list = (dir: string) =>
    fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter((f) => f.endsWith('.ipynb') && !f.startsWith('.'))
          .sort()
          .map((f) => path.join(dir, f))
      : [];
  return [...list(lessons), ...list(fixtures)];
}

/** Number of chart outputs (display_data / execute_result with Plotly JSON) in a notebook file. */
export function countChartOutputs(notebookPath: string): number {
  const nb = JSON.parse(fs.readFileSync(notebookPath, 'utf8')) as {
    cells: { cell_type: string; outputs?: { output_type: string; data?: Record<string, unknown> }[] }[];
  };
  let count = 0;
  for (const cell of nb.cells) {
    for (const output of cell.outputs ?? []) {
      if ((output.output_type === 'display_data' || output.output_type === 'execute_result') && output.data?.[PLOTLY_MIME]) count++;
    }
  }
  return count;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

/** Runs a command in the project folder and collects its output. */
export function run(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A JupyterLab server started for the test, serving `rootDir`. */
export interface LabServer {
  url: string;
  token: string;
  port: number;
  process: ChildProcess;
  log: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts `jupyter lab` on a free localhost port with a random token, a private settings folder (notebook
 * windowing off, so every output is in the page; no news pop-up), a private workspace folder, and the app
 * exposed to the page as `window.jupyterapp`. `startKernels: false` opens notebooks without starting their
 * kernel (JupyterLab's notebook_starts_kernel), for a test that only looks at the saved outputs.
 */
export async function startJupyterLab(rootDir: string, options: { startKernels?: boolean } = {}): Promise<LabServer> {
  const port = await freePort();
  const token = crypto.randomBytes(16).toString('hex');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-lab-'));
  const settings = path.join(tmp, 'settings');
  const write = (rel: string, value: unknown) => {
    const file = path.join(settings, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(value));
  };
  write('@jupyterlab/notebook-extension/tracker.jupyterlab-settings', { windowingMode: 'none' });
  write('@jupyterlab/apputils-extension/notification.jupyterlab-settings', { fetchNews: 'false', checkForUpdates: false });
  // Never write back: the Plotly renderer adds a PNG to each output it draws, which would mark the file changed.
  write('@jupyterlab/docmanager-extension/plugin.jupyterlab-settings', { autosave: false });
  const args = [
    'lab',
    '--no-browser',
    `--port=${port}`,
    '--ServerApp.ip=127.0.0.1',
    `--ServerApp.token=${token}`,
    `--ServerApp.root_dir=${rootDir}`,
    '--ServerApp.port_retries=0',
    `--LabApp.user_settings_dir=${settings}`,
    `--LabApp.workspaces_dir=${path.join(tmp, 'workspaces')}`,
    // The app as window.jupyterapp, so that a test can open documents with JupyterLab's own commands.
    '--LabApp.expose_app_in_browser=True',
    `--LabApp.notebook_starts_kernel=${options.startKernels === false ? 'False' : 'True'}`,
  ];
  if (typeof process.getuid === 'function' && process.getuid() === 0) args.push('--allow-root');
  const child = spawn(path.join(VENV_BIN, 'jupyter'), args, {
    cwd: rootDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, JUPYTER_CONFIG_DIR: path.join(tmp, 'config'), JUPYTER_RUNTIME_DIR: path.join(tmp, 'runtime') },
  });
  let log = '';
  child.stdout?.on('data', (d) => (log += d));
  child.stderr?.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`jupyter lab exited with ${child.exitCode}:\n${log.slice(-3000)}`);
    try {
      const response = await fetch(`${url}/api/status?token=${token}`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`jupyter lab did not answer on ${url} within 90 s:\n${log.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  return { url, token, port, process: child, log: () => log, stop };
}
