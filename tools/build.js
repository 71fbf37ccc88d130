#!/usr/bin/env node
// @ts-check
/**
 * npm run build: compiles src/ to dist/ without ever leaving a half-written file in dist/.
 *
 * tsc writes every output file again, in place, even when its content is unchanged. A kernel that loads the
 * library at that moment (a notebook running while `npm run setup` or `npm run figures` builds) can read a
 * truncated module and see some exports as undefined. So tsc writes to .dist-staging/, and only the files
 * whose bytes changed are moved into dist/, each by an atomic rename; files src/ no longer produces are removed.
 *
 * tsc takes about 13 s of CPU even when nothing changed. So each build records, in build/dist-stamp.json, a
 * hash of what the compilation reads and of every file it left in dist/. When both are the same at the next
 * build, dist/ is what tsc would write again, and tsc is not run. What it reads: every file under src/,
 * tsconfig.json, TypeScript's version, and the libraries' declarations, which package-lock.json pins (each
 * package's exact version and the hash of its contents), so the lock file stands for them. Hashing these
 * takes some 20 ms; asking tsc for the list of files it reads (`--listFilesOnly`) took 3-4 s of CPU, since it
 * loads the compiler and resolves every import. Any change to an input or to dist/ compiles again; a package
 * changed by hand inside node_modules/ is not seen (run `npm ci`, or delete build/dist-stamp.json).
 *
 * usage: node tools/build.js
 */
'use strict';
const fs = require('fs');
const path = require('path');
const childProcess = require('child_process');
const crypto = require('crypto');
const paths = require('./paths');

const dist = path.join(paths.root, 'dist');
// Beside dist/, at the same depth, so the source maps' relative paths (../src/...) come out the same.
const staging = path.join(paths.root, '.dist-staging');
const stampFile = path.join(paths.root, 'build', 'dist-stamp.json');
const tsc = path.join(paths.root, 'node_modules', 'typescript', 'bin', 'tsc');

/** Every file under dir, as paths relative to it. */
function filesUnder(/** @type {string} */ dir) {
  if (!fs.existsSync(dir)) return /** @type {string[]} */ ([]);
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath ?? entry.path, entry.name)));
}

/** The hash of what tsc reads for this project (see above), or undefined when an input cannot be read. */
function inputsHash() {
  try {
    const hash = crypto.createHash('sha256');
    const typescript = JSON.parse(fs.readFileSync(path.join(paths.root, 'node_modules', 'typescript', 'package.json'), 'utf8')).version;
    hash.update(`typescript ${typescript}\0`);
    const sources = filesUnder(path.join(paths.root, 'src')).sort().map((file) => path.join('src', file));
    for (const file of ['tsconfig.json', 'package-lock.json', ...sources]) {
      hash.update(`${file}\0`);
      hash.update(fs.readFileSync(path.join(paths.root, file)));
      hash.update('\0');
    }
    return hash.digest('hex');
  } catch {
    return undefined;
  }
}

/** Each file in dist/ with the hash of its bytes. */
function outputsOf() {
  /** @type {Record<string, string>} */
  const outputs = {};
  for (const file of filesUnder(dist).sort()) outputs[file] = crypto.createHash('sha256').update(fs.readFileSync(path.join(dist, file))).digest('hex');
  return outputs;
}

/** True when the last build recorded these inputs and left dist/ exactly as it is now. */
function upToDate(/** @type {string | undefined} */ inputs) {
  if (!inputs) return false;
  try {
    const stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
    return stamp.inputs === inputs && JSON.stringify(stamp.outputs) === JSON.stringify(outputsOf());
  } catch {
    return false;
  }
}

function writeStamp(/** @type {string | undefined} */ inputs) {
  if (!inputs) return;
  fs.mkdirSync(path.dirname(stampFile), { recursive: true });
  const partial = `${stampFile}.${process.pid}.partial`;
  fs.writeFileSync(partial, `${JSON.stringify({ inputs, outputs: outputsOf() }, null, 1)}\n`);
  fs.renameSync(partial, stampFile);
}

/**
 * Compiles src/ into dist/; returns how many files changed (0 when dist/ was up to date and tsc did not run).
 * Throws when tsc reports an error.
 */
function build() {
  const inputs = inputsHash();
  if (upToDate(inputs)) return 0;
  fs.rmSync(staging, { recursive: true, force: true });
  const result = childProcess.spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--outDir', staging], { stdio: 'inherit', cwd: paths.root });
  if (result.error) throw new Error(`build: could not run tsc: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`build: tsc exited with status ${result.status}`);
  const made = filesUnder(staging);
  let changed = 0;
  for (const file of made) {
    const from = path.join(staging, file);
    const to = path.join(dist, file);
    const bytes = fs.readFileSync(from);
    if (fs.existsSync(to) && fs.readFileSync(to).equals(bytes)) continue;
    fs.mkdirSync(path.dirname(to), { recursive: true });
    const partial = `${to}.${process.pid}.partial`;
    fs.writeFileSync(partial, bytes);
    fs.renameSync(partial, to); // atomic: a reader sees the old file or the new one, never part of one
    changed += 1;
  }
  const keep = new Set(made);
  for (const file of filesUnder(dist)) {
    if (!keep.has(file)) fs.rmSync(path.join(dist, file));
  }
  fs.rmSync(staging, { recursive: true, force: true });
  // Hashed before the compilation: an input changed while tsc ran makes the next build compile again.
  writeStamp(inputs);
  return changed;
}

module.exports = { build };

if (require.main === module) {
  try {
    const changed = build();
    console.log(`build: dist/ is up to date (${changed} file${changed === 1 ? '' : 's'} changed)`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
