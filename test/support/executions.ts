/**
 * Every notebook executed once per `npm test`, and the executed copies shared.
 *
 * The notebook test, the exercise test, the browser test and the site test all need the notebooks run
 * through the real `gradscope` kernel. Each notebook runs once, in a fresh kernel, as its "both ways" copy
 * (test/exercises/exercise-groups.ts): every committed cell in order, then each exercise's solution in place
 * of its starter and its check again. The runner (test/notebooks/run_notebook.py --appended) writes
 *   - build/executed/<name>.ipynb: the committed cells only, exactly as a run of the committed notebook
 *     leaves them (the notebook, browser and site tests and `npm run figures` read this);
 *   - build/exercises/<name>.both-ways.executed.ipynb: every cell (the exercise test reads this).
 * Notebooks run side by side, as many at a time as the machine has cores (at most 4; tfjs's wasm backend
 * uses one core per kernel); GRADSCOPE_NOTEBOOK_JOBS sets another number.
 *
 * A run is reused only within the same jest run (test/support/global-setup.js sets GRADSCOPE_TEST_RUN) and
 * only for the same notebook bytes; a test file run on its own executes what it needs itself. Each execution
 * is recorded in build/executed/runs/<name>.json; while a notebook runs, build/executed/runs/<name>.lock
 * names the process running it, so that a test file in another jest worker waits for it instead of running
 * it again.
 */
import { spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as paths from '../../tools/paths';
import { bothWays, readNotebook, solutionCells } from '../exercises/exercise-groups';
import { ImageServer, chromiumStatus, closeBrowser, serveImages } from '../../src/export';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { engineHash } = require('../../scripts/figures') as { engineHash: () => string };

export const EXECUTED_DIR = path.join(paths.root, 'build', 'executed');
export const BOTH_WAYS_DIR = path.join(paths.root, 'build', 'exercises');
const RUNS_DIR = path.join(EXECUTED_DIR, 'runs');
const RUNNER = path.join(paths.root, 'test', 'notebooks', 'run_notebook.py');
const PRIMER = path.join(paths.root, 'test', 'support', 'prime-cells.js');

/** What run_notebook.py reports about the committed cells (and the appended ones' timeout, if any). */
export interface RunSummary {
  seconds: number;
  charts: number;
  failure: { kind: string; message: string } | null;
  failed_cell: { index: number; first_line: string } | null;
  appended_failure: { kind: string; message: string } | null;
  cells: { index: number; first_line: string; outputs: string[]; error?: { ename: string; evalue: string } }[];
}

export interface Execution {
  /** The notebook as committed. */
  source: string;
  /** Its committed cells, executed. */
  executed: string;
  /** Every cell of its "both ways" copy, executed; undefined when it has no exercises. */
  bothWays?: string;
  summary: RunSummary;
  /** The jest run, the notebook bytes and the library and kernel (scripts/figures.js engineHash) this execution belongs to. */
  run: string;
  hash: string;
  engine: string;
}

/** This jest run (set once by global-setup.js); outside jest, this process. */
export function currentRun(): string {
  return process.env.GRADSCOPE_TEST_RUN || `process-${process.pid}`;
}

/** How many notebooks run at a time. */
export function jobs(): number {
  const asked = Number(process.env.GRADSCOPE_NOTEBOOK_JOBS);
  if (Number.isInteger(asked) && asked >= 1) return asked;
  return Math.max(1, Math.min(os.cpus().length, 4));
}

const hashOf = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

const stemOf = (source: string) => path.basename(source, '.ipynb');
const recordFile = (source: string) => path.join(RUNS_DIR, `${stemOf(source)}.json`);
const lockFile = (source: string) => path.join(RUNS_DIR, `${stemOf(source)}.lock`);

/** The recorded execution of this notebook, if any (by any run). */
function recorded(source: string): Execution | undefined {
  try {
    const known = JSON.parse(fs.readFileSync(recordFile(source), 'utf8')) as Execution;
    return known.source === source ? known : undefined;
  } catch {
    return undefined;
  }
}

/** The recorded execution when this run made it from these very bytes and its files are there. */
function reusable(source: string): Execution | undefined {
  const known = recorded(source);
  const ok =
    known &&
    known.run === currentRun() &&
    known.hash === hashOf(source) &&
    fs.existsSync(known.executed) &&
    (!known.bothWays || fs.existsSync(known.bothWays));
  return ok ? known : undefined;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Takes the notebook's lock; false when a live process of this run holds it (a lock of another run or a dead process is taken over). */
function lock(source: string): boolean {
  fs.mkdirSync(RUNS_DIR, { recursive: true });
  for (;;) {
    try {
      fs.writeFileSync(lockFile(source), JSON.stringify({ run: currentRun(), pid: process.pid }), { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder: { run?: string; pid?: number } = {};
    try {
      holder = JSON.parse(fs.readFileSync(lockFile(source), 'utf8'));
    } catch {
      // being written or just removed: look again
    }
    if (holder.run === currentRun() && typeof holder.pid === 'number' && alive(holder.pid)) return false;
    fs.rmSync(lockFile(source), { force: true });
  }
}

/**
 * Writes the notebook's "both ways" copy, beside the other build outputs, inside the project (so that
 * 'gradscope' resolves as it does for the notebook); returns its path and how many cells it appends, or
 * undefined when the notebook has no exercises.
 */
function writeBothWays(source: string): { input: string; appended: number } | undefined {
  const notebook = readNotebook(source);
  const appended = solutionCells(notebook).length;
  if (appended === 0) return undefined;
  fs.mkdirSync(BOTH_WAYS_DIR, { recursive: true });
  const input = path.join(BOTH_WAYS_DIR, `${path.basename(source, '.ipynb')}.both-ways.ipynb`);
  // Whole or not at all (renamed into place): the cell-cache primer may be reading the copy written before.
  const partial = `${input}.${process.pid}.partial`;
  fs.writeFileSync(partial, JSON.stringify(bothWays(notebook), null, 1));
  fs.renameSync(partial, input);
  return { input, appended };
}

/**
 * Compiles the "both ways" copies' cells into the kernel's cell cache, in one process, while the notebooks
 * start. The committed cells are there already (primed at `npm install`); the appended ones (solutions, checks
 * again), compiled after every committed cell's declarations, are not, and the first of them would otherwise
 * build the compiler in each notebook's kernel (done here once for a folder of two or more). The cache gives
 * a kernel exactly what the compiler gives (test/kernel/cell-cache.test.ts); a cell a kernel reaches before
 * it is stored is compiled there, as before.
 */
function primeBothWays(sources: string[]): Promise<void> {
  const byFolder = new Map<string, string[]>();
  for (const source of sources) {
    const copy = reusable(source) ? undefined : writeBothWays(source);
    if (!copy) continue;
    const folder = path.dirname(path.resolve(source));
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), copy.input]);
  }
  const primeFolder = ([folder, inputs]: [string, string[]]) =>
    new Promise<void>((resolve) => {
      const child = spawn(process.execPath, [PRIMER, folder, ...inputs], { cwd: paths.root, stdio: 'ignore' });
      child.on('error', () => resolve());
      child.on('close', () => resolve());
    });
  // One copy: its kernel builds the compiler once anyway, and another process would only add its own start.
  return Promise.all([...byFolder].filter(([, inputs]) => inputs.length > 1).map(primeFolder)).then(() => undefined);
}

/**
 * The kernels' chart snapshots drawn by one browser in this process (src/export/image-server.ts) instead of a
 * Chromium started by each kernel: started with the first notebook executed, closed by `executeOnce` at its
 * end. Without a Chromium here the kernels draw (or skip) their snapshots themselves, as they would anyway.
 */
function imageServerFor(): { environment(): Promise<Record<string, string>>; close(): Promise<void> } {
  let server: Promise<ImageServer> | undefined;
  return {
    async environment() {
      if (!chromiumStatus().available) return {};
      server ??= serveImages();
      return (await server).environment;
    },
    async close() {
      if (!server) return;
      await (await server).close();
      await closeBrowser();
    },
  };
}

/** Runs the runner on one notebook (asynchronously, so that several run side by side). */
function runOne(source: string, timeoutSeconds: number, environment: Record<string, string> = {}): Promise<Execution> {
  const stem = path.basename(source, '.ipynb');
  const executed = path.join(EXECUTED_DIR, `${stem}.ipynb`);
  const args = [RUNNER, source, executed, '--timeout', String(timeoutSeconds)];
  let bothWaysFile: string | undefined;
  const copy = writeBothWays(source);
  if (copy) {
    const { input, appended } = copy;
    bothWaysFile = path.join(BOTH_WAYS_DIR, `${stem}.both-ways.executed.ipynb`);
    args[1] = input;
    // The kernel still works in the notebook's own folder, as it does for the committed notebook.
    args.push('--appended', String(appended), '--full-output', bothWaysFile, '--cwd', path.dirname(path.resolve(source)));
  }
  const hash = hashOf(source);
  const engine = engineHash();
  return new Promise((resolve, reject) => {
    const child = spawn(paths.venvPython, args, { cwd: paths.root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...environment } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (error) => reject(new Error(`${stem}: could not start nbclient: ${error.message} (run \`npm run setup\`)`)));
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      let summary: RunSummary;
      try {
        summary = JSON.parse(last);
      } catch {
        reject(new Error(`${stem}: the runner did not report (exit ${code}):\n${stderr.slice(-3000)}`));
        return;
      }
      resolve({ source, executed, bothWays: bothWaysFile, summary, run: currentRun(), hash, engine });
    });
  });
}

/**
 * The execution of each notebook in this jest run: reused when this run already executed the same bytes,
 * otherwise executed now, `jobs()` at a time, the slowest (by the last recorded time) first.
 * A notebook that fails is reported in its summary, never thrown: each test decides what a failure means.
 */
export async function executeOnce(sources: string[], timeoutSeconds = 900): Promise<Map<string, Execution>> {
  fs.mkdirSync(EXECUTED_DIR, { recursive: true });
  const result = new Map<string, Execution>();
  const lastSeconds = (source: string) => recorded(source)?.summary?.seconds ?? 0;
  const queue = [...new Set(sources)].sort((a, b) => lastSeconds(b) - lastSeconds(a));
  const runningElsewhere: string[] = [];
  const primed = primeBothWays(queue);
  const images = imageServerFor();
  const worker = async () => {
    for (let source = queue.shift(); source; source = queue.shift()) {
      const done = reusable(source);
      if (done) {
        result.set(source, done);
        continue;
      }
      if (!lock(source)) {
        runningElsewhere.push(source);
        continue;
      }
      try {
        const execution = await runOne(source, timeoutSeconds, await images.environment());
        fs.writeFileSync(recordFile(source), JSON.stringify(execution, null, 1));
        result.set(source, execution);
      } finally {
        fs.rmSync(lockFile(source), { force: true });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(jobs(), queue.length) }, worker));
    // What another test file of this run was executing: wait for it, or execute it when that process gave up.
    while (runningElsewhere.length) {
      const waiting = runningElsewhere.filter((source) => !reusable(source) && fs.existsSync(lockFile(source)));
      if (waiting.length === 0) {
        queue.push(...runningElsewhere.splice(0));
        await worker();
        continue;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await images.close();
  }
  await primed;
  return result;
}

/** The one line that says why an execution failed, naming the cell; undefined when it ran clean. */
export function failureOf(name: string, summary: RunSummary): string | undefined {
  if (!summary.failure) return undefined;
  const where = summary.failed_cell ? `cell ${summary.failed_cell.index} (${summary.failed_cell.first_line})` : 'an unknown cell';
  return `${name}: ${summary.failure.kind} in ${where}:\n${summary.failure.message}`;
}
