// @ts-check
'use strict';
/**
 * ESM-only npm packages in cells.
 *
 * tslab compiles a cell to CommonJS, so both `import { x } from 'pkg'` and `await import('pkg')` become
 * `require('pkg')`. Node.js (20.19 and later) can `require()` an ES module, but only finds it when the
 * package's "exports" offer a "require" or "default" entry; a package that offers only "import" fails with
 * `No "exports" main defined`. When that happens, this resolves the package's entry as `import` would (the
 * "import", "node" and "default" conditions) and lets Node load that file. Nothing else changes: a package
 * that resolves today resolves as before.
 */
const fs = require('fs');
const path = require('path');
const Module = require('module');

const CONDITIONS = ['import', 'node', 'default'];

/** Splits 'pkg/sub/path' or '@scope/pkg/sub' into the package name and the exports key ('.' or './sub/path'). */
function splitSpecifier(/** @type {string} */ request) {
  const parts = request.split('/');
  const nameLength = request.startsWith('@') ? 2 : 1;
  const name = parts.slice(0, nameLength).join('/');
  const rest = parts.slice(nameLength).join('/');
  return { name, subpath: rest ? `./${rest}` : '.' };
}

/** The target of one "exports" entry under the import conditions, or null. */
function pickTarget(/** @type {unknown} */ entry) {
  if (typeof entry === 'string') return entry;
  if (Array.isArray(entry)) {
    for (const item of entry) {
      const target = pickTarget(item);
      if (target) return target;
    }
    return null;
  }
  if (entry && typeof entry === 'object') {
    const record = /** @type {Record<string, unknown>} */ (entry);
    for (const condition of CONDITIONS) {
      if (condition in record) {
        const target = pickTarget(record[condition]);
        if (target) return target;
      }
    }
  }
  return null;
}

/** The file an `import` of `subpath` in a package with this "exports" field loads, or null. */
function exportsTarget(/** @type {unknown} */ exportsField, /** @type {string} */ subpath) {
  if (typeof exportsField === 'string' || Array.isArray(exportsField)) return subpath === '.' ? pickTarget(exportsField) : null;
  if (!exportsField || typeof exportsField !== 'object') return null;
  const record = /** @type {Record<string, unknown>} */ (exportsField);
  const keyed = Object.keys(record).some((key) => key.startsWith('.'));
  if (!keyed) return subpath === '.' ? pickTarget(record) : null;
  if (subpath in record) return pickTarget(record[subpath]);
  for (const key of Object.keys(record)) {
    const star = key.indexOf('*');
    if (star < 0) continue;
    const [before, after] = [key.slice(0, star), key.slice(star + 1)];
    if (subpath.startsWith(before) && subpath.endsWith(after) && subpath.length >= key.length - 1) {
      const target = pickTarget(record[key]);
      if (target) return target.replace('*', subpath.slice(before.length, subpath.length - after.length));
    }
  }
  return null;
}

/** Resolves a bare specifier with the import conditions, from the folders `require` would search. */
function resolveAsImport(/** @type {string} */ request, /** @type {string[]} */ searchPaths) {
  const { name, subpath } = splitSpecifier(request);
  for (const dir of searchPaths) {
    const manifest = path.join(dir, name, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    const target = exportsTarget(JSON.parse(fs.readFileSync(manifest, 'utf8')).exports, subpath);
    if (target) return path.join(dir, name, target);
  }
  return null;
}

function install() {
  const anyModule = /** @type {any} */ (Module);
  const resolveFilename = anyModule._resolveFilename;
  anyModule._resolveFilename = function (request, parent, isMain, options) {
    try {
      return resolveFilename.call(this, request, parent, isMain, options);
    } catch (error) {
      if (!error || error.code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED' || request.startsWith('.') || path.isAbsolute(request)) throw error;
      const searchPaths = (options && options.paths) || anyModule._resolveLookupPaths(request, parent) || [];
      const file = resolveAsImport(request, searchPaths);
      if (!file || !fs.existsSync(file)) throw error;
      return file;
    }
  };
}

module.exports = { install, resolveAsImport, exportsTarget };
