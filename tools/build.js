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
 * usage: node tools/build.js
 */
'use strict';
const fs = require('fs');
const path = require('path');
const childProcess = require('child_process');
const paths = require('./paths');

const dist = path.join(paths.root, 'dist');
// Beside dist/, at the same depth, so the source maps' relative paths (../src/...) come out the same.
const staging = path.join(paths.root, '.dist-staging');

/** Every file under dir, as paths relative to it. */
function filesUnder(/** @type {string} */ dir) {
  if (!fs.existsSync(dir)) return /** @type {string[]} */ ([]);
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath ?? entry.path, entry.name)));
}

/** Compiles src/ into dist/; returns how many files changed. Throws when tsc reports an error. */
function build() {
  const tsc = path.join(paths.root, 'node_modules', 'typescript', 'bin', 'tsc');
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
