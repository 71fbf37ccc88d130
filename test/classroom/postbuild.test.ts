/**
 * The classroom image, tested without Docker: binder/postBuild (what repo2docker runs while building the
 * image) runs from a copy of the repository into a clean temporary prefix and home; the `gradscope` kernel it
 * registers there (sys-prefix) executes a lesson copied into that home, far from any node_modules, as an
 * nbgitpuller link would put it there. The kernel must import 'gradscope' from the prefix's installation.
 *
 * The machine's own npm settings (registry, a copy of its download cache) are passed through, so the install
 * does not depend on the network more than `npm install` does; nothing of the developer's home is visible
 * otherwise, and the machine's cache is left as it was. npm prefers that cache (prefer-offline): a package
 * found there is installed from it without asking the registry whether it changed (the lock file pins each
 * version and its integrity hash), which takes about half the time of revalidating all 400 of them; a package
 * missing from it is still downloaded. It is still a real `npm ci`, from the lock file, with its scripts.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const VENV_PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
const RUNNER = path.join(ROOT, 'test', 'notebooks', 'run_notebook.py');
const LESSON = '00-start-here.ipynb';

function sh(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** The repository as repo2docker receives it: the files git knows about (committed or not), no build output. */
function copyRepository(target: string): void {
  const listed = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    const source = path.join(ROOT, file);
    if (!fs.existsSync(source)) continue; // deleted in the working tree
    fs.mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    fs.copyFileSync(source, path.join(target, file));
    fs.chmodSync(path.join(target, file), fs.statSync(source).mode);
  }
}

/**
 * The machine's npm settings, with a download cache of postBuild's own: postBuild empties its cache when it is
 * done (`npm cache clean`), which must not empty the machine's. The private cache starts as the machine's:
 * its content files hard-linked (npm never rewrites one) and its index copied (npm appends to it).
 */
function machineNpmSettings(privateCache: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { npm_config_cache: privateCache, npm_config_prefer_offline: 'true' };
  const cache = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).stdout.trim();
  fs.mkdirSync(path.join(privateCache, '_cacache'), { recursive: true });
  const machine = path.join(cache, '_cacache');
  for (const part of fs.existsSync(machine) ? fs.readdirSync(machine) : []) {
    const copy = spawnSync('cp', [part.startsWith('content-') ? '-al' : '-a', path.join(machine, part), path.join(privateCache, '_cacache', part)]);
    if (copy.status !== 0) throw new Error(`could not copy the npm cache's ${part}: ${copy.stderr}`);
  }
  const userconfig = path.join(os.homedir(), '.npmrc');
  if (fs.existsSync(userconfig)) env.npm_config_userconfig = userconfig;
  return env;
}

describe('binder/: the classroom image built without Docker', () => {
  let tmp: string;
  let prefix: string;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let postBuild: { code: number | null; out: string };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-binder-'));
    prefix = path.join(tmp, 'prefix');
    home = path.join(tmp, 'home');
    const repo = path.join(tmp, 'repo');
    fs.mkdirSync(home);
    copyRepository(repo);
    env = {
      PATH: process.env.PATH,
      HOME: home,
      LANG: 'C.UTF-8',
      NB_PYTHON_PREFIX: prefix,
      ...machineNpmSettings(path.join(tmp, 'npm-cache')),
    };
    postBuild = await sh('bash', [path.join(repo, 'binder', 'postBuild')], { cwd: repo, env });
  }, 30 * 60 * 1000);

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('postBuild installs the library and registers the kernel in the prefix', () => {
    if (postBuild.code !== 0) throw new Error(`binder/postBuild failed (exit ${postBuild.code}):\n${postBuild.out.slice(-4000)}`);
    const app = path.join(prefix, 'share', 'gradscope');
    expect(fs.existsSync(path.join(app, 'dist', 'index.js'))).toBe(true);
    expect(fs.existsSync(path.join(app, 'node_modules', 'tslab'))).toBe(true);
    const spec = JSON.parse(fs.readFileSync(path.join(prefix, 'share', 'jupyter', 'kernels', 'gradscope', 'kernel.json'), 'utf8'));
    expect(spec.display_name).toBe('TypeScript (gradscope)');
    expect(spec.argv[1].startsWith(`${app}${path.sep}`)).toBe(true);
    // Nothing landed in the home folder but npm's own files.
    expect(fs.readdirSync(home).filter((f) => !f.startsWith('.npm'))).toEqual([]);
  });

  it('a lesson copied into the home folder runs through that kernel and imports the prefix\'s library', async () => {
    const lessons = path.join(home, 'gradscope', 'notebooks');
    fs.mkdirSync(lessons, { recursive: true });
    const notebook = JSON.parse(fs.readFileSync(path.join(ROOT, 'notebooks', LESSON), 'utf8'));
    notebook.cells.push({
      id: 'where-the-library-is',
      cell_type: 'code',
      execution_count: null,
      metadata: {},
      outputs: [],
      source: "const libraryFile: string = require.resolve('gradscope');\nlibraryFile;",
    });
    const copy = path.join(lessons, LESSON);
    fs.writeFileSync(copy, JSON.stringify(notebook));
    const executed = path.join(tmp, `executed-${LESSON}`);
    const run = await sh(VENV_PYTHON, [RUNNER, copy, executed, '--timeout', '900'], {
      cwd: home,
      env: { ...env, JUPYTER_PATH: path.join(prefix, 'share', 'jupyter') },
    });
    let summary: { failure?: unknown } = {};
    try {
      summary = JSON.parse(run.out.trim().split('\n').pop() ?? '');
    } catch {
      throw new Error(`the notebook runner did not report (exit ${run.code}):\n${run.out.slice(-3000)}`);
    }
    expect({ failure: summary.failure, status: run.code }).toEqual({ failure: null, status: 0 });
    const result = JSON.parse(fs.readFileSync(executed, 'utf8'));
    const last = result.cells[result.cells.length - 1];
    const shown = [].concat(last.outputs[0].data['text/plain']).join('');
    expect(shown).toContain(path.join(prefix, 'share', 'gradscope', 'dist', 'index.js'));
  }, 20 * 60 * 1000);

  it("environment.yml installs tools/requirements.txt's Python packages, plus nbgitpuller", () => {
    const requirements = fs
      .readFileSync(path.join(ROOT, 'tools', 'requirements.txt'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const yml = fs.readFileSync(path.join(ROOT, 'binder', 'environment.yml'), 'utf8');
    const pip = [...yml.matchAll(/^ {6}- (\S+)$/gm)].map((m) => m[1]);
    expect(pip.sort()).toEqual([...requirements, 'nbgitpuller>=1.2,<2'].sort());
    expect(yml).toMatch(/^ {2}- nodejs=(\d+)$/m);
    expect(Number(/nodejs=(\d+)/.exec(yml)![1])).toBeGreaterThanOrEqual(18);
  });
});
