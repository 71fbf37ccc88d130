/**
 * The kernel's cell cache (kernel/cell-cache.js): compiled cells kept on disk and reused.
 *
 * Lessons' cells, compiled once into a fresh cache, come back from it exactly as the compiler gave them,
 * without the compiler being built; anything that can change what a cell compiles to (a library declaration,
 * the package lock, a local file) misses; a broken entry is compiled again; compile errors are never stored;
 * and through the real kernel: a primed lesson runs on cache hits only, errors read the same on a second run,
 * and GRADSCOPE_CELL_CACHE=off works.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { root, session, venvPython } from './kernel-helpers';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { CellCache, cacheFolder, primedFolder, environmentFingerprint, FORMAT } = require(path.join(root, 'kernel', 'cell-cache.js'));
const tslabDir = path.dirname(require.resolve('tslab/package.json', { paths: [root] }));
// eslint-disable-next-line @typescript-eslint/no-var-requires
const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [tslabDir] }));

const notebooksDir = path.join(root, 'notebooks');
const lessons = fs.readdirSync(notebooksDir).filter((name) => name.endsWith('.ipynb')).sort().map((name) => path.join(notebooksDir, name));

function tempDir(label: string) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `gradscope-cell-cache-${label}-`));
}

/** Compiles notebooks' cells as the kernel does (test/kernel/compile-cells.js) with the cache in `cacheDir`. */
function compileCells(notebooks: string[], cacheDir: string) {
  const out = path.join(tempDir('compiled'), 'cells.json');
  const result = spawnSync(process.execPath, [path.join(__dirname, 'compile-cells.js'), out, ...notebooks], {
    encoding: 'utf8',
    env: { ...process.env, GRADSCOPE_CELL_CACHE: cacheDir },
    timeout: 900000,
  });
  if (result.status !== 0) throw new Error(`compile-cells.js failed (status ${result.status}): ${result.stderr}`);
  return JSON.parse(fs.readFileSync(out, 'utf8')) as {
    cells: { notebook: string; output: string; declOutput: string; hasToplevelAwait: boolean; lastExpressionVar?: string; diagnostics: number }[];
    stats: { hit: number; stored: number; miss: number; uncacheable: number } | null;
    compilerBuilt: boolean;
  };
}

function logLines(file: string): { outcome: string; key: string | null; reason?: string }[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/** A made-up installation: package.json, package-lock.json and a library declaration in dist/. */
function fakeInstallation() {
  const dir = tempDir('root');
  fs.mkdirSync(path.join(dir, 'dist', 'models'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'notebooks'));
  fs.mkdirSync(path.join(dir, 'node_modules', '@tensorflow', 'tfjs'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"gradscope"}');
  fs.writeFileSync(path.join(dir, 'package-lock.json'), '{"lockfileVersion":3}');
  fs.writeFileSync(path.join(dir, 'dist', 'models', 'mlp.d.ts'), 'export declare function mlp(): number;\n');
  fs.writeFileSync(path.join(dir, 'dist', 'models', 'mlp.js'), 'exports.mlp = () => 1;\n');
  return dir;
}

function openFake(fakeRoot: string, dir: string) {
  return new CellCache({ dir, root: fakeRoot, cwd: path.join(fakeRoot, 'notebooks'), ts, tslabDir });
}

const aConversion = { output: 'exports.x = 1;\n', declOutput: 'declare let x: number;\n', diagnostics: [], hasToplevelAwait: false, lastExpressionVar: 'tsLastExpr' };

describe('the cache itself', () => {
  test('every fingerprinted input changes the key; other files do not', () => {
    const fakeRoot = fakeInstallation();
    const dir = tempDir('keys');
    const key = () => openFake(fakeRoot, dir).keyOf('declare let a: number;\n', 'const x = a + 1;').key;
    const first = key();
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(key()).toBe(first);
    fs.writeFileSync(path.join(fakeRoot, 'dist', 'models', 'mlp.js'), 'exports.mlp = () => 2;\n');
    expect(key()).toBe(first); // JavaScript is not what the compiler reads
    fs.writeFileSync(path.join(fakeRoot, 'dist', 'models', 'mlp.d.ts'), 'export declare function mlp(): string;\n');
    const afterDeclaration = key();
    expect(afterDeclaration).not.toBe(first);
    fs.writeFileSync(path.join(fakeRoot, 'package-lock.json'), '{"lockfileVersion":3,"packages":{"node_modules/@tensorflow/tfjs":{"version":"4.23.0"}}}');
    const afterLock = key();
    expect(afterLock).not.toBe(afterDeclaration);
    const cache = openFake(fakeRoot, dir);
    expect(cache.keyOf('declare let a: string;\n', 'const x = a + 1;').key).not.toBe(afterLock); // earlier cells' declarations
    expect(cache.keyOf('declare let a: number;\n', 'const x = a + 2;').key).not.toBe(afterLock); // the source
    const elsewhere = new CellCache({ dir, root: fakeRoot, cwd: path.join(fakeRoot, 'dist'), ts, tslabDir });
    expect(elsewhere.keyOf('declare let a: number;\n', 'const x = a + 1;').key).not.toBe(afterLock); // the notebook's folder
  });

  test('the fingerprint of the real installation covers its library declarations', () => {
    const where = { root, cwd: notebooksDir, tsVersion: ts.version, tslabDir };
    expect(environmentFingerprint(where)).toBe(environmentFingerprint(where));
    expect(environmentFingerprint({ ...where, tsVersion: '5.9.9' })).not.toBe(environmentFingerprint(where));
  });

  test('local files and packages from outside the installation are never cached', () => {
    const fakeRoot = fakeInstallation();
    const cache = openFake(fakeRoot, tempDir('imports'));
    const keyOf = (src: string, decl = '') => cache.keyOf(decl, src);
    expect(keyOf("import { helper } from './helpers';")).toEqual({ key: null, reason: 'imports ./helpers' });
    expect(keyOf("const m = await import('../data/model');").key).toBeNull();
    expect(keyOf("export * from '/tmp/anything';").key).toBeNull();
    expect(keyOf('/// <reference path="./types.d.ts" />\nconst x = 1;').key).toBeNull();
    expect(keyOf('const y = x;', 'import { x } from "./earlier";\nexport declare const x: number;\n').key).toBeNull();
    // The library's own declarations, named by path from notebooks/, and packages of the installation are covered.
    expect(keyOf('const y = 1;', 'declare const m: import("../dist/models/mlp").Model;\n').key).not.toBeNull();
    expect(keyOf("import * as tf from '@tensorflow/tfjs';").key).not.toBeNull();
    expect(keyOf("import * as fs from 'fs'; import * as p from 'node:path';").key).not.toBeNull();
    // A package the notebook's folder provides wins over the installation's: not covered.
    fs.mkdirSync(path.join(fakeRoot, 'notebooks', 'node_modules', 'leftpad'), { recursive: true });
    expect(openFake(fakeRoot, tempDir('imports2')).keyOf('', "import pad from 'leftpad';").key).toBeNull();
    expect(keyOf("import pad from 'no-such-package';").key).toBeNull();
  });

  test('a stored conversion comes back whole; a broken or foreign entry is compiled again', () => {
    const fakeRoot = fakeInstallation();
    const dir = tempDir('entries');
    const cache = openFake(fakeRoot, dir);
    const { key } = cache.keyOf('', 'x');
    let compiled = 0;
    const compile = () => {
      compiled += 1;
      return { ...aConversion };
    };
    expect(cache.convert('', 'x', compile)).toEqual(aConversion);
    expect(cache.convert('', 'x', compile)).toEqual({ ...aConversion, sideOutputs: undefined, diagnostics: [] });
    expect(compiled).toBe(1);
    expect(cache.stats).toMatchObject({ hit: 1, stored: 1 });
    const file = path.join(dir, `${key}.json`);
    for (const broken of ['{"format":', '', JSON.stringify({ ...aConversion, format: FORMAT, key: 'another', hasToplevelAwait: false }),
      JSON.stringify({ format: FORMAT, key, output: 1, declOutput: '', hasToplevelAwait: false })]) {
      fs.writeFileSync(file, broken);
      expect(cache.convert('', 'x', compile)).toEqual(aConversion);
    }
    expect(compiled).toBe(5);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).key).toBe(key); // rewritten whole
    expect(fs.readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  test('conversions with diagnostics or compiled local files are not stored', () => {
    const dir = tempDir('unstored');
    const cache = openFake(fakeInstallation(), dir);
    const withError = { diagnostics: [{ messageText: "Type 'string' is not assignable to type 'number'.", code: 2322 }] };
    expect(cache.convert('', 'const n: number = "x";', () => withError)).toBe(withError);
    expect(cache.convert('', 'y', () => ({ ...aConversion, sideOutputs: [{ path: '/x/helpers.js', data: '' }] })).sideOutputs).toHaveLength(1);
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(cache.stats).toMatchObject({ hit: 0, stored: 0, miss: 2 });
  });

  test("a read-only installation's primed entries are read; new ones go to the writable folder", () => {
    const fakeRoot = fakeInstallation();
    const primed = tempDir('primed-ro');
    const mine = tempDir('mine');
    openFake(fakeRoot, primed).write(openFake(fakeRoot, primed).keyOf('', 'x').key, aConversion);
    const cache = new CellCache({ dir: mine, readOnly: [primed], root: fakeRoot, cwd: path.join(fakeRoot, 'notebooks'), ts, tslabDir });
    const never = () => {
      throw new Error('compiled a primed cell');
    };
    expect(cache.convert('', 'x', never)).toMatchObject({ output: aConversion.output, declOutput: aConversion.declOutput });
    cache.convert('', 'y', () => ({ ...aConversion }));
    expect(fs.readdirSync(mine)).toHaveLength(1);
    expect(fs.readdirSync(primed)).toHaveLength(1);
    const readOnly = new CellCache({ dir: null, readOnly: [primed], root: fakeRoot, cwd: path.join(fakeRoot, 'notebooks'), ts, tslabDir });
    expect(readOnly.convert('', 'x', never).output).toBe(aConversion.output);
    expect(readOnly.convert('', 'z', () => ({ ...aConversion })).output).toBe(aConversion.output);
    expect(readOnly.stats).toMatchObject({ hit: 1, stored: 0, miss: 1 });
  });

  test('where it lives: the installation, else the user cache folder, else off', () => {
    const fakeRoot = fakeInstallation();
    expect(cacheFolder(fakeRoot, {})).toBe(path.join(fakeRoot, 'build', 'cell-cache'));
    expect(cacheFolder(fakeRoot, { GRADSCOPE_CELL_CACHE: 'off' })).toBeNull();
    expect(primedFolder(fakeRoot, {})).toBe(path.join(fakeRoot, 'build', 'cell-cache'));
    expect(primedFolder(fakeRoot, { GRADSCOPE_CELL_CACHE: 'off' })).toBeNull();
    const blocked = tempDir('blocked');
    fs.writeFileSync(path.join(blocked, 'build'), 'a file where the folder would go');
    const userCache = tempDir('xdg');
    expect(cacheFolder(blocked, { XDG_CACHE_HOME: userCache })).toBe(path.join(userCache, 'gradscope', 'cell-cache'));
    const blockedHome = path.join(blocked, 'build', 'nowhere'); // under a file: no folder can be made there
    expect(cacheFolder(blocked, { XDG_CACHE_HOME: blockedHome, HOME: blockedHome })).toBeNull();
    expect(cacheFolder(blocked, { GRADSCOPE_CELL_CACHE: path.join(blocked, 'build', 'x') })).toBeNull();
  });
});

// Three lessons of different kinds (the first, the one with the most cells, the one that defines async
// functions and layers of its own); every lesson runs on cache hits in the notebook test, where a wrongly
// cached cell fails its findings.
const sampled = ['00-start-here', '04-batch-normalization', '09-pre-training'].map((name) => lessons.find((l) => path.basename(l).startsWith(name))!);

test('lessons compile to the same JavaScript and declarations from the cache, without building the compiler', () => {
  expect(sampled.every(Boolean)).toBe(true);
  const dir = tempDir('lessons');
  const fresh = compileCells(sampled, dir);
  const cellCount = fresh.cells.length;
  expect(cellCount).toBeGreaterThan(50);
  expect(fresh.stats).toEqual({ hit: 0, stored: cellCount, miss: 0, uncacheable: 0 });
  const cached = compileCells(sampled, dir);
  expect(cached.stats).toEqual({ hit: cellCount, stored: 0, miss: 0, uncacheable: 0 });
  expect(cached.compilerBuilt).toBe(false);
  expect(cached.cells).toEqual(fresh.cells);
}, 900000);

describe('through the real kernel', () => {
  const hasPython = fs.existsSync(venvPython);
  if (!hasPython) throw new Error(`${venvPython} is missing: run \`npm run setup\` first`);

  test('a primed lesson runs on cache hits only, as many as it has code cells', () => {
    const dir = tempDir('primed');
    const log = path.join(tempDir('log'), 'cells.jsonl');
    const lesson = path.join(notebooksDir, '00-start-here.ipynb');
    const env = { ...process.env, GRADSCOPE_CELL_CACHE: dir };
    const primed = spawnSync(process.execPath, [path.join(root, 'kernel', 'prime.js'), lesson], { encoding: 'utf8', env, timeout: 600000 });
    expect(primed.stdout).toMatch(/cell cache: 1 notebooks in [\d.]+ s: \d+ cells compiled and stored, 0 already cached, 0 not cacheable/);
    const codeCells = JSON.parse(fs.readFileSync(lesson, 'utf8')).cells.filter((cell: { cell_type: string }) => cell.cell_type === 'code').length;
    const run = spawnSync(venvPython, [path.join(root, 'test', 'notebooks', 'run_notebook.py'), lesson, path.join(path.dirname(log), 'out.ipynb')], {
      encoding: 'utf8',
      env: { ...env, GRADSCOPE_CELL_CACHE_LOG: log },
      timeout: 600000,
    });
    expect(run.status).toBe(0);
    const outcomes = logLines(log).map((line) => line.outcome);
    expect(outcomes).toEqual(new Array(codeCells).fill('hit'));
  }, 900000);

  test('errors are reported the same on a second run, local imports are compiled, and the cache can be off', () => {
    const cwd = tempDir('cwd');
    fs.writeFileSync(path.join(cwd, 'helpers.ts'), 'export const twice = (n: number) => 2 * n;\n');
    const cells = [
      'const n: number = "three";',
      'const label = `cached ${40 + 2}`;\nlabel',
      "import { twice } from './helpers';\ntwice(21)",
      'twice(label.length)', // compiled after declarations that import a local file: not cached either
    ];
    const run = (env: Record<string, string>) => {
      const log = path.join(tempDir('log'), 'cells.jsonl');
      const record = session(
        cells.map((code) => ({ op: 'execute' as const, code, stop_on_error: false })),
        { cwd, env: { ...env, GRADSCOPE_CELL_CACHE_LOG: log } },
      );
      return { record, log: logLines(log) };
    };
    const dir = tempDir('kernel');
    const first = run({ GRADSCOPE_CELL_CACHE: dir });
    const second = run({ GRADSCOPE_CELL_CACHE: dir });
    const off = run({ GRADSCOPE_CELL_CACHE: 'off' });
    expect(first.log.map((line) => line.outcome)).toEqual(['miss', 'stored', 'uncacheable', 'uncacheable']);
    expect(first.log[2].reason).toBe('imports ./helpers');
    expect(second.log.map((line) => line.outcome)).toEqual(['miss', 'hit', 'uncacheable', 'uncacheable']);
    expect(off.log).toEqual([]);
    for (const { record } of [first, second, off]) {
      const [typeError, value, imported, after] = record.requests;
      expect(typeError.reply.status).toBe('error');
      expect(typeError.reply.ename).toBe('TSError');
      expect(typeError.reply.traceback).toEqual(first.record.requests[0].reply.traceback);
      expect(imported.outputs.find((o) => o.msg_type === 'execute_result')?.content.data['text/plain']).toBe('42');
      expect(value.outputs.find((o) => o.msg_type === 'execute_result')?.content.data['text/plain']).toBe("'cached 42'");
      expect(after.outputs.find((o) => o.msg_type === 'execute_result')?.content.data['text/plain']).toBe('18');
    }
  }, 600000);
});
