// @ts-check
'use strict';
/**
 * A cache, on disk, of compiled cells: the JavaScript and declarations tslab's converter made of a cell, kept
 * so that the same cell, compiled after the same declarations of earlier cells in the same environment, is not
 * compiled again. A lesson run a second time (or primed at `npm install`, see prime.js) skips TypeScript
 * altogether, and with it the two seconds it takes to build the compiler.
 *
 * What decides a conversion, and so makes its key (sha256):
 *   - the environment, fingerprinted once per kernel (`environmentFingerprint`): the cache's format, tslab's
 *     version and converter source (its compiler options live there), its TypeScript's version, Node's major
 *     version (the compile target follows it), the installation's folder and the notebook's folder (where
 *     modules are looked up from), the installation's package.json and package-lock.json (the versions of
 *     TensorFlow.js, @types/node and every other package a cell can import from there), the library's type
 *     declarations (every dist/**\/*.d.ts), and any `node_modules/@types` above the notebook outside the
 *     installation (its packages and their versions);
 *   - the declarations of the names earlier cells defined (what the converter is given as `prevDecl`);
 *   - the cell's source.
 * A cell is compiled, never cached, when it or the earlier declarations import what that fingerprint does not
 * cover: a relative or absolute path (`./helpers`, which can change at any time) other than the library's own
 * dist/ or the installation's node_modules, or a package found outside the installation's node_modules. Results with diagnostics are never stored, so errors are always reported fresh.
 *
 * Where: `<root>/build/cell-cache/`, else `$XDG_CACHE_HOME/gradscope/cell-cache` (or `~/.cache/...`), the
 * first that is writable; a read-only installation's primed `<root>/build/cell-cache/` is still read. The cache
 * is off when nothing is writable or readable (a read-only installation never primed, with no home), when
 * GRADSCOPE_CELL_CACHE=off, and GRADSCOPE_CELL_CACHE=/a/folder puts it there. One JSON file per conversion,
 * written to a temporary file and renamed (kernels running side by side never see half a file); an entry that
 * cannot be read or does not match is ignored and the cell compiled. Entries are touched when used, and the
 * least recently used are deleted when the folder grows beyond 64 MiB.
 * GRADSCOPE_CELL_CACHE_LOG=/a/file appends one JSON line per cell compiled or found (for tests and debugging).
 */
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { builtinModules } = require('module');

/** Raised whenever what is stored, or how the key is made, changes. */
const FORMAT = 1;
const MAX_BYTES = 64 * 1024 * 1024;
const PRUNE_TO_BYTES = 48 * 1024 * 1024;
const STALE_TEMP_MS = 60 * 1000;

/**
 * What tslab's executor and the engine read of a conversion: `output` (the cell's JavaScript),
 * `declOutput` (the declarations of every name defined so far), `hasToplevelAwait`, `lastExpressionVar`,
 * `diagnostics` (always empty here) and `sideOutputs` (the compiled local files a cell imports: never cached).
 * @typedef {{ output: string, declOutput: string, hasToplevelAwait: boolean, lastExpressionVar?: string,
 *   diagnostics: unknown[], sideOutputs?: unknown[] }} Conversion
 */

/** @param {string} file */
function readOrEmpty(file) {
  try {
    return fs.readFileSync(file);
  } catch {
    return Buffer.alloc(0);
  }
}

/** @param {string} file */
function realpath(file) {
  try {
    return fs.realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

/** Every folder from `dir` up to the file system's root. @param {string} dir */
function ancestors(dir) {
  const list = [];
  for (let current = dir; ; current = path.dirname(current)) {
    list.push(current);
    if (path.dirname(current) === current) return list;
  }
}

/** Every `*.d.ts` under `dir`, as paths relative to it, sorted. @param {string} dir */
function declarationFiles(dir) {
  /** @type {string[]} */
  const found = [];
  const walk = (/** @type {string} */ sub) => {
    let entries;
    try {
      entries = fs.readdirSync(path.join(dir, sub), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const rel = path.join(sub, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.d.ts')) found.push(rel);
    }
  };
  walk('');
  return found.sort();
}

/**
 * The environment a cell is compiled in, as one hash (see the file's comment). Computed once per kernel: it
 * reads about 100 small files.
 * @param {{ root: string, cwd: string, tsVersion: string, tslabDir: string }} where
 */
function environmentFingerprint({ root, cwd, tsVersion, tslabDir }) {
  const hash = crypto.createHash('sha256');
  const add = (/** @type {string} */ label, /** @type {string | Buffer} */ value) => {
    hash.update(`${label}\0${value.length}\0`);
    hash.update(value);
  };
  const installed = path.join(root, 'node_modules');
  add('format', String(FORMAT));
  add('tslab', readOrEmpty(path.join(tslabDir, 'package.json')));
  add('tslab converter', readOrEmpty(path.join(tslabDir, 'dist', 'converter.js')));
  add('typescript', tsVersion);
  add('node major', process.versions.node.split('.')[0]);
  add('converter', 'node');
  add('root', root);
  add('cwd', cwd);
  add('package.json', readOrEmpty(path.join(root, 'package.json')));
  const lock = readOrEmpty(path.join(root, 'package-lock.json'));
  add('package-lock.json', lock.length > 0 ? lock : readOrEmpty(path.join(installed, '.package-lock.json')));
  const dist = path.join(root, 'dist');
  for (const file of declarationFiles(dist)) add(`dist/${file}`, readOrEmpty(path.join(dist, file)));
  // TypeScript includes every package of every node_modules/@types above the notebook.
  for (const dir of ancestors(cwd)) {
    const types = path.join(dir, 'node_modules', '@types');
    if (types === path.join(installed, '@types')) continue;
    let names;
    try {
      names = fs.readdirSync(types).sort();
    } catch {
      continue;
    }
    for (const name of names) add(`types ${types}/${name}`, readOrEmpty(path.join(types, name, 'package.json')));
  }
  return hash.digest('hex');
}

/**
 * Says whether the imports of a cell are all covered by the fingerprint: packages found in the installation's
 * node_modules (directly, or as library.js forwards a package missing from the notebook's folder), tslab
 * itself, and Node's built-in modules (typed by @types/node).
 */
class ImportCoverage {
  /** @param {{ root: string, cwd: string, ts: any }} where */
  constructor({ root, cwd, ts }) {
    this.ts = ts;
    this.cwd = cwd;
    this.installed = path.join(root, 'node_modules');
    this.dist = path.join(root, 'dist');
    /** @type {Map<string, boolean>} */
    this.packages = new Map();
  }

  /**
   * The first import in `text` the fingerprint does not cover, or null when all are covered.
   * @param {string} text
   */
  uncovered(text) {
    const info = this.ts.preProcessFile(text, true, false);
    if (info.referencedFiles.length > 0) return info.referencedFiles[0].fileName;
    for (const { fileName } of [...info.importedFiles, ...info.typeReferenceDirectives]) {
      if (!this.covers(fileName)) return fileName;
    }
    return null;
  }

  /** @param {string} specifier */
  covers(specifier) {
    if (specifier === '' || specifier.includes('\\')) return false;
    if (specifier.startsWith('.') || path.isAbsolute(specifier)) {
      // Declarations name the library's own types by path (`import("../dist").Model` from notebooks/): those
      // files are fingerprinted. Any other local file can change at any time.
      const target = path.resolve(this.cwd, specifier);
      return [this.dist, this.installed].some((dir) => target === dir || target.startsWith(dir + path.sep));
    }
    const bare = specifier.startsWith('node:') ? specifier.slice('node:'.length) : specifier;
    const parts = bare.split('/');
    const name = bare.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
    let covered = this.packages.get(name);
    if (covered === undefined) {
      covered = this.findPackage(name, specifier);
      this.packages.set(name, covered);
    }
    return covered;
  }

  /**
   * Where TypeScript finds the package `name`: `node_modules/<name>` or `node_modules/@types/<name>` in the
   * notebook's folder (or, missing there, the installation's: library.js), then in each folder above.
   * @param {string} name
   * @param {string} specifier
   */
  findPackage(name, specifier) {
    if (name === 'tslab') return true; // tslab's converter forwards it to itself
    const typesName = name.startsWith('@') ? name.slice(1).replace('/', '__') : name;
    const inside = (/** @type {string} */ dir) => path.join(dir, 'node_modules') === this.installed;
    for (const dir of ancestors(this.cwd)) {
      for (const candidate of [path.join(dir, 'node_modules', name), path.join(dir, 'node_modules', '@types', typesName)]) {
        if (fs.existsSync(candidate)) return inside(dir);
        if (dir === this.cwd && fs.existsSync(path.join(this.installed, path.relative(path.join(dir, 'node_modules'), candidate)))) return true;
      }
    }
    const builtin = specifier.startsWith('node:') ? specifier.slice('node:'.length) : specifier;
    return builtinModules.includes(builtin.split('/')[0]) || builtinModules.includes(builtin);
  }
}

/** The folder the cache lives in, or null when it is off or no candidate is writable. @param {string} root */
function cacheFolder(root, env = process.env) {
  const setting = (env.GRADSCOPE_CELL_CACHE || '').trim();
  if (/^(off|0|false|no)$/i.test(setting)) return null;
  const home = env.HOME || (() => {
    try {
      return os.homedir();
    } catch {
      return '';
    }
  })();
  const userCache = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : home && path.join(home, '.cache');
  const candidates = setting && setting !== 'on'
    ? [path.resolve(setting)]
    : [path.join(root, 'build', 'cell-cache'), ...(userCache ? [path.join(userCache, 'gradscope', 'cell-cache')] : [])];
  for (const dir of candidates) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.accessSync(dir, fs.constants.R_OK | fs.constants.W_OK);
      return dir;
    } catch {
      // not writable: try the next
    }
  }
  return null;
}

class CellCache {
  /**
   * @param {{ dir: string | null, readOnly?: string[], root: string, cwd: string, ts: any, tslabDir: string, log?: string }} options
   * `dir`: where entries are written (and read first), null when nowhere is writable; `readOnly`: folders only
   * read (the installation's primed cache where the installation is read-only)
   */
  constructor({ dir, readOnly = [], root, cwd, ts, tslabDir, log }) {
    this.dir = dir;
    this.readOnly = readOnly;
    this.root = realpath(root);
    this.cwd = realpath(cwd);
    this.ts = ts;
    this.tslabDir = tslabDir;
    this.logFile = log || '';
    /** @type {string | null} computed at the first cell */
    this.fingerprintValue = null;
    this.coverage = new ImportCoverage({ root: this.root, cwd: this.cwd, ts });
    this.pruned = false;
    this.writable = dir !== null;
    /** How many cells were found (`hit`), compiled and stored (`stored`), compiled without storing (`miss`: with errors, or not cacheable). */
    this.stats = { hit: 0, stored: 0, miss: 0, uncacheable: 0 };
  }

  get fingerprint() {
    if (this.fingerprintValue === null) {
      this.fingerprintValue = environmentFingerprint({ root: this.root, cwd: this.cwd, tsVersion: this.ts.version, tslabDir: this.tslabDir });
    }
    return this.fingerprintValue;
  }

  /**
   * The key of a cell compiled after `prevDecl`, or null (with the reason) when it must be compiled.
   * @param {string} prevDecl
   * @param {string} src
   * @returns {{ key: string | null, reason?: string }}
   */
  keyOf(prevDecl, src) {
    const uncovered = this.coverage.uncovered(src) ?? this.coverage.uncovered(prevDecl);
    if (uncovered !== null) return { key: null, reason: `imports ${uncovered}` };
    const hash = crypto.createHash('sha256');
    hash.update(this.fingerprint);
    hash.update(`\0${prevDecl.length}\0`);
    hash.update(prevDecl);
    hash.update('\0');
    hash.update(src);
    return { key: hash.digest('hex') };
  }

  /** @param {string} key @param {string} [dir] */
  file(key, dir = /** @type {string} */ (this.dir)) {
    return path.join(dir, `${key}.json`);
  }

  /**
   * The stored conversion for `key`, or null (missing, unreadable, or not a conversion of this key).
   * @param {string} key
   * @returns {Conversion | null}
   */
  read(key) {
    for (const dir of [...(this.dir === null ? [] : [this.dir]), ...this.readOnly]) {
      const found = this.readFrom(this.file(key, dir), key);
      if (found) return found;
    }
    return null;
  }

  /**
   * @param {string} file
   * @param {string} key
   * @returns {Conversion | null}
   */
  readFrom(file, key) {
    let entry;
    try {
      entry = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      return null;
    }
    if (!isEntry(entry, key)) return null;
    try {
      const now = new Date();
      fs.utimesSync(file, now, now); // recently used: pruned last
    } catch {
      // read-only: fine
    }
    /** @type {Conversion} */
    const conversion = { output: entry.output, declOutput: entry.declOutput, diagnostics: [], hasToplevelAwait: entry.hasToplevelAwait };
    if (entry.lastExpressionVar !== undefined) conversion.lastExpressionVar = entry.lastExpressionVar;
    return conversion;
  }

  /**
   * Stores a conversion without diagnostics or compiled local files; says whether it did.
   * @param {string} key
   * @param {any} conversion
   */
  write(key, conversion) {
    if (!this.writable || !storable(conversion)) return false;
    const entry = {
      format: FORMAT,
      key,
      output: conversion.output,
      declOutput: conversion.declOutput,
      hasToplevelAwait: Boolean(conversion.hasToplevelAwait),
      lastExpressionVar: conversion.lastExpressionVar,
    };
    const file = this.file(key);
    const temp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    try {
      fs.writeFileSync(temp, JSON.stringify(entry));
      fs.renameSync(temp, file);
    } catch {
      this.writable = false; // the folder went away or became read-only: compile without storing
      try {
        fs.unlinkSync(temp);
      } catch {
        // nothing was written
      }
      return false;
    }
    if (!this.pruned) {
      this.pruned = true;
      this.prune();
    }
    return true;
  }

  /**
   * The conversion of `src` after `prevDecl`: the stored one, else `compile()`'s (stored when it can be).
   * @param {string} prevDecl
   * @param {string} src
   * @param {() => any} compile
   */
  convert(prevDecl, src, compile) {
    const { key, reason } = this.keyOf(prevDecl, src);
    if (key !== null) {
      const found = this.read(key);
      if (found) {
        this.count('hit', key);
        return found;
      }
    }
    const conversion = compile();
    if (key === null) this.count('uncacheable', null, reason);
    else if (this.write(key, conversion)) this.count('stored', key);
    else this.count('miss', key, conversion && conversion.diagnostics && conversion.diagnostics.length > 0 ? 'diagnostics' : 'not stored');
    return conversion;
  }

  /**
   * @param {'hit' | 'stored' | 'miss' | 'uncacheable'} outcome
   * @param {string | null} key
   * @param {string} [reason]
   */
  count(outcome, key, reason) {
    this.stats[outcome] += 1;
    if (!this.logFile) return;
    try {
      fs.appendFileSync(this.logFile, `${JSON.stringify({ pid: process.pid, outcome, key, reason })}\n`);
    } catch {
      // a log that cannot be written is not the cell's problem
    }
  }

  /** Deletes the least recently used entries while the folder holds more than MAX_BYTES, and stale temporary files. */
  prune() {
    if (this.dir === null) return;
    try {
      const now = Date.now();
      const entries = [];
      let total = 0;
      for (const name of fs.readdirSync(this.dir)) {
        const file = path.join(this.dir, name);
        let stat;
        try {
          stat = fs.statSync(file);
        } catch {
          continue;
        }
        if (name.endsWith('.tmp')) {
          if (now - stat.mtimeMs > STALE_TEMP_MS) fs.rmSync(file, { force: true });
          continue;
        }
        if (!name.endsWith('.json')) continue;
        entries.push({ file, size: stat.size, used: stat.mtimeMs });
        total += stat.size;
      }
      if (total <= MAX_BYTES) return;
      entries.sort((a, b) => a.used - b.used);
      for (const entry of entries) {
        if (total <= PRUNE_TO_BYTES) break;
        fs.rmSync(entry.file, { force: true });
        total -= entry.size;
      }
    } catch {
      // pruning is housekeeping: never the cell's problem
    }
  }
}

/** @param {any} conversion */
function storable(conversion) {
  return Boolean(conversion) &&
    Array.isArray(conversion.diagnostics) && conversion.diagnostics.length === 0 &&
    (conversion.sideOutputs === undefined || conversion.sideOutputs.length === 0) &&
    typeof conversion.output === 'string' && typeof conversion.declOutput === 'string';
}

/** @param {any} entry @param {string} key */
function isEntry(entry, key) {
  return Boolean(entry) && entry.format === FORMAT && entry.key === key &&
    typeof entry.output === 'string' && typeof entry.declOutput === 'string' &&
    typeof entry.hasToplevelAwait === 'boolean' &&
    (entry.lastExpressionVar === undefined || typeof entry.lastExpressionVar === 'string');
}

/**
 * The cell cache for a kernel whose installation is `root` and notebook folder `cwd`, or null when it is off.
 * @param {{ root: string, cwd: string, ts: any, tslabDir: string, env?: NodeJS.ProcessEnv }} options
 */
function openCellCache({ root, cwd, ts, tslabDir, env = process.env }) {
  const dir = cacheFolder(root, env);
  const primed = primedFolder(root, env);
  const readOnly = primed !== null && primed !== dir ? [primed] : [];
  if (dir === null && readOnly.length === 0) return null;
  return new CellCache({ dir, readOnly, root, cwd, ts, tslabDir, log: env.GRADSCOPE_CELL_CACHE_LOG });
}

/**
 * The installation's own cache folder when it can be read (even if not written: an installation made
 * read-only after `npm install` primed it), unless the cache is off or placed elsewhere; else null.
 * @param {string} root
 */
function primedFolder(root, env = process.env) {
  const setting = (env.GRADSCOPE_CELL_CACHE || '').trim();
  if (setting && setting !== 'on') return null;
  const dir = path.join(root, 'build', 'cell-cache');
  try {
    fs.accessSync(dir, fs.constants.R_OK);
    return dir;
  } catch {
    return null;
  }
}

module.exports = { openCellCache, cacheFolder, primedFolder, environmentFingerprint, ImportCoverage, CellCache, FORMAT, MAX_BYTES };
