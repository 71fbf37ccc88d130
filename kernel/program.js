// @ts-check
'use strict';
const path = require('path');

/**
 * A lighter program for tslab's converter: the same TypeScript program, without the incremental builder's
 * bookkeeping.
 *
 * tslab compiles each cell in a TypeScript watch program whose every rebuild (two per cell) is wrapped in an
 * "emit and semantic diagnostics builder". That builder keeps, for a later incremental build, a map of which
 * file references which: on each rebuild it walks every file of the program (about 850 with TensorFlow.js and
 * Node's types) and asks the type checker where each import leads. tslab uses none of that state; it asks the
 * builder for four things: the program, a source file, the files a cell depends on, and an emit. In a profile
 * of lesson 04's 32 cells the builder's bookkeeping took 4.8 s of CPU, the conversions 15.9 s in all.
 *
 * `install` hands tslab a copy of the TypeScript module whose `createWatchCompilerHost` builds these lighter
 * programs instead (when its caller names no program factory of its own). Everything else is TypeScript's own:
 * the same compiler options, the same `ts.createProgram` reusing the previous program's files, the same
 * checker and emitter, so the JavaScript, the declarations and the diagnostics are the same.
 */

/**
 * Every file `sourceFile` depends on, itself included, as TypeScript's builder lists them (paths), found by
 * following what each file's imports, `/// <reference>`s and type references resolved to.
 * @param {any} program
 * @param {any} sourceFile
 * @returns {string[]}
 */
function dependencies(program, sourceFile) {
  const seen = new Set([sourceFile.resolvedPath]);
  const queue = [sourceFile];
  const visit = (/** @type {string | undefined} */ fileName) => {
    if (!fileName) return;
    const file = program.getSourceFile(fileName);
    if (!file || seen.has(file.resolvedPath)) return;
    seen.add(file.resolvedPath);
    queue.push(file);
  };
  while (queue.length > 0) {
    const file = queue.pop();
    if (file.resolvedModules) file.resolvedModules.forEach((/** @type {any} */ r) => visit(r && r.resolvedModule && r.resolvedModule.resolvedFileName));
    if (file.resolvedTypeReferenceDirectiveNames) {
      file.resolvedTypeReferenceDirectiveNames.forEach((/** @type {any} */ r) => visit(r && r.resolvedTypeReferenceDirective && r.resolvedTypeReferenceDirective.resolvedFileName));
    }
    for (const reference of file.referencedFiles || []) {
      visit(path.resolve(path.dirname(file.fileName), reference.fileName));
    }
  }
  return [...seen];
}

/**
 * A builder-shaped wrapper of one `ts.createProgram`: what tslab and the watch program call on a builder.
 * @param {any} ts
 */
function leanProgramFactory(ts) {
  /**
   * @param {readonly string[] | undefined} rootNames
   * @param {any} options
   * @param {any} host
   * @param {any} previous the previous lean program, whose files and module resolutions are reused
   * @param {readonly any[] | undefined} configFileParsingDiagnostics
   * @param {readonly any[] | undefined} projectReferences
   */
  return function createLeanProgram(rootNames, options, host, previous, configFileParsingDiagnostics, projectReferences) {
    const oldProgram = previous && previous.getProgramOrUndefined();
    const program = rootNames === undefined && oldProgram
      ? oldProgram
      : ts.createProgram({ rootNames: rootNames || [], options, host, oldProgram, configFileParsingDiagnostics, projectReferences });
    // The checker binds every file: tslab reads a cell's top-level names (`sourceFile.locals`) from the binder.
    program.getTypeChecker();
    return {
      getProgram: () => program,
      getProgramOrUndefined: () => program,
      releaseProgram: () => {},
      getCompilerOptions: () => program.getCompilerOptions(),
      getSourceFile: (/** @type {string} */ fileName) => program.getSourceFile(fileName),
      getSourceFiles: () => program.getSourceFiles(),
      getOptionsDiagnostics: (/** @type {any} */ token) => program.getOptionsDiagnostics(token),
      getGlobalDiagnostics: (/** @type {any} */ token) => program.getGlobalDiagnostics(token),
      getConfigFileParsingDiagnostics: () => program.getConfigFileParsingDiagnostics(),
      getSyntacticDiagnostics: (/** @type {any} */ file, /** @type {any} */ token) => program.getSyntacticDiagnostics(file, token),
      getDeclarationDiagnostics: (/** @type {any} */ file, /** @type {any} */ token) => program.getDeclarationDiagnostics(file, token),
      getSemanticDiagnostics: (/** @type {any} */ file, /** @type {any} */ token) => program.getSemanticDiagnostics(file, token),
      getAllDependencies: (/** @type {any} */ sourceFile) => dependencies(program, sourceFile),
      getCurrentDirectory: () => program.getCurrentDirectory(),
      emit: (/** @type {any[]} */ ...args) => program.emit(...args),
    };
  };
}

const ORIGINAL = Symbol('the TypeScript module itself');

/**
 * Makes every later `require` of the TypeScript module at `tsPath` (tslab's converter's, among them) get a copy
 * of it whose `createWatchCompilerHost` builds lean programs when its caller names no program factory.
 * Call it before tslab's converter is loaded. Returns the original module.
 * @param {string} tsPath  the resolved file of tslab's TypeScript (`@tslab/typescript-for-tslab`)
 */
function install(tsPath) {
  const loaded = require(tsPath);
  const cached = require.cache[tsPath];
  if (loaded[ORIGINAL]) return loaded[ORIGINAL]; // installed before
  const ts = loaded;
  /** @type {Record<string | symbol, unknown>} */
  const copy = {};
  for (const key of Object.keys(ts)) {
    if (key !== 'createWatchCompilerHost') Object.defineProperty(copy, key, { enumerable: true, get: () => ts[key] });
  }
  const createLeanProgram = leanProgramFactory(ts);
  Object.defineProperty(copy, 'createWatchCompilerHost', {
    enumerable: true,
    value: (/** @type {any} */ roots, /** @type {any} */ options, /** @type {any} */ system, /** @type {any} */ createProgram, /** @type {any[]} */ ...rest) =>
      ts.createWatchCompilerHost(roots, options, system, createProgram || createLeanProgram, ...rest),
  });
  Object.defineProperty(copy, ORIGINAL, { value: ts });
  if (cached) cached.exports = copy;
  return ts;
}

module.exports = { install, dependencies, leanProgramFactory };
