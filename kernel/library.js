// @ts-check
/**
 * Where `import ... from 'gradscope'` comes from: the library installed with this kernel, whatever folder
 * the notebook was opened in.
 *
 * Jupyter starts the kernel in the notebook's folder, and both halves of tslab look for packages from there:
 * its TypeScript converter (for the types) and Node's require (for the code). A lesson pulled into a learner's
 * home by nbgitpuller, or copied anywhere else, has no node_modules above it. So the kernel makes its own
 * installation's node_modules (`<root>/node_modules`) a place both look in:
 *
 *   - Node: `<root>/node_modules` joins NODE_PATH, the folders require searches after every node_modules
 *     above the notebook;
 *   - TypeScript: a path under `<cwd>/node_modules/` that does not exist there is looked up under
 *     `<root>/node_modules/` instead (tslab forwards `<cwd>/node_modules/tslab` to itself the same way).
 *
 * A package the notebook's own folder provides still wins.
 */
'use strict';
const Module = require('module');
const path = require('path');

/**
 * Adds a folder to the ones Node's require searches after the node_modules above the requiring file.
 * @param {string} folder
 */
function addToNodePath(folder) {
  const current = (process.env.NODE_PATH || '').split(path.delimiter).filter(Boolean);
  if (current.includes(folder)) return;
  process.env.NODE_PATH = [...current, folder].join(path.delimiter);
  // Node reads NODE_PATH once, at start; _initPaths reads it again (Node's own documented way to change it).
  /** @type {{ _initPaths(): void }} */ (/** @type {unknown} */ (Module))._initPaths();
}

/**
 * Makes TypeScript's view of the disk (`ts.sys`, which every tslab converter reads through) find a missing
 * `<cwd>/node_modules/<x>` at `<folder>/<x>`.
 * @param {Record<string, any>} sys  TypeScript's `ts.sys`
 * @param {string} cwd  the notebook's folder
 * @param {string} folder  the installation's node_modules
 */
function forwardTypeScript(sys, cwd, folder) {
  const local = path.join(cwd, 'node_modules') + path.sep;
  if (path.join(folder, path.sep) === local) return; // the notebook's folder is the installation's own
  const fileExists = sys.fileExists.bind(sys);
  const directoryExists = sys.directoryExists.bind(sys);
  /** @param {unknown} file */
  const locate = (file) => {
    if (typeof file !== 'string' || !file.startsWith(local) || fileExists(file) || directoryExists(file)) return file;
    return path.join(folder, file.slice(local.length));
  };
  for (const method of ['fileExists', 'directoryExists', 'readFile', 'realpath', 'getDirectories', 'readDirectory', 'getModifiedTime']) {
    if (typeof sys[method] !== 'function') continue;
    const original = sys[method].bind(sys);
    sys[method] = (/** @type {unknown} */ file, /** @type {unknown[]} */ ...rest) => original(locate(file), ...rest);
  }
}

/**
 * Lets code and types of packages installed with the kernel (in `<root>/node_modules`) load from any `cwd`.
 * @param {{ ts: { sys: Record<string, any> }, root: string, cwd: string }} where
 */
function resolveFromInstallation({ ts, root, cwd }) {
  const folder = path.join(root, 'node_modules');
  addToNodePath(folder);
  forwardTypeScript(ts.sys, cwd, folder);
}

module.exports = { resolveFromInstallation };
