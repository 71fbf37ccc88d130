// @ts-check
'use strict';
/**
 * TypeScript execution: tslab's converter and executor, used through their exported functions.
 *
 * tslab's executor reports through the `console` object it is given: the last expression's value through
 * `log`, what a cell threw (or the compiler's diagnostics) through `error`. The engine passes its own object
 * to collect these, wraps the converter to keep the compiled output and diagnostics of every cell, and gives
 * each cell's script a file name of its own so that stack frames can be mapped back to the cell.
 */
const path = require('path');
const vm = require('vm');
const util = require('util');
const errors = require('./errors');
const { resolveFromInstallation } = require('./library');
const leanPrograms = require('./program');
const { openCellCache } = require('./cell-cache');

/**
 * What one cell reported while it ran.
 * @typedef {{ values: unknown[], thrown: unknown[], diagnosticText: string[], conversion: any }} Run
 */

const CELL_PREFIXES = ['(function(exports, require) { ', '(async function(exports, require) { '];
const DIAGNOSTIC_FORMAT = '%s%d:%d - %s';

function tslabDir(root) {
  return path.dirname(require.resolve('tslab/package.json', { paths: [root, __dirname] }));
}

class Engine {
  /**
   * @param {{ root: string, cwd?: string, onPhase?: (phase: 'compiling' | 'running' | 'idle') => void,
   *   cache?: import('./cell-cache').CellCache | null }} options
   * `onPhase`: told when the engine starts compiling a cell (or builds the compiler), starts running its code, and
   * is done (the watchdog waits for a compilation before it stops a cell the hard way); `cache`: the cell cache
   * to use (default: the one cell-cache.js opens for `root` and `cwd`, null when it is off)
   */
  constructor({ root, cwd = process.cwd(), onPhase = () => {}, cache }) {
    this.onPhase = onPhase;
    const dir = tslabDir(root);
    // Before tslab's converter loads: it then builds lean programs (program.js), not incremental builders.
    this.ts = leanPrograms.install(require.resolve('@tslab/typescript-for-tslab', { paths: [dir] }));
    this.tslab = {
      dir,
      converter: require(path.join(dir, 'dist', 'converter.js')),
      executor: require(path.join(dir, 'dist', 'executor.js')),
      inspect: require(path.join(dir, 'dist', 'inspect.js')),
      jupyter: require(path.join(dir, 'dist', 'jupyter.js')),
    };
    this.cwd = cwd;
    resolveFromInstallation({ ts: this.ts, root, cwd });
    this.cells = new Map(); // script id -> { label, tsLines, jsLines, lineCache }
    this.nextScriptId = 1;
    /** @type {{ label: string, tsLines: string[] } | null} the cell about to be handed to vm.runInThisContext */
    this.pending = null;
    /** @type {Run | null} what the running cell reported */
    this.run = null;
    /**
     * @type {string | null} the type declarations of every name defined so far, when they differ from tslab's
     * own record: after a cell that failed at run time, what it defined before the error is kept (as IPython
     * does), and its declarations with it; tslab would drop them.
     */
    this.decl = null;
    /** @type {import('./cell-cache').CellCache | null} compiled cells kept on disk (null: off) */
    this.cache = cache === undefined ? openCellCache({ root, cwd, ts: this.ts, tslabDir: dir }) : cache;
    this.converters = this.createConverterSet();
    this.patchVm();
    this.executor = this.tslab.executor.createExecutor(cwd, this.converters, {
      log: (value) => this.onValue(value),
      error: (...args) => this.onError(args),
    });
  }

  /**
   * The converters tslab's executor asks for (`node` for cells, `browser` for `//%browser` code). The node
   * converter is built only when something needs it: a cell the cell cache (cell-cache.js) does not hold,
   * completion, inspection, a `//%module`, or warmUp(). Building it takes about two seconds of CPU.
   */
  createConverterSet() {
    const engine = this;
    const { createConverter } = this.tslab.converter;
    let node = null;
    let browser = null;
    const nodeConverter = () => {
      if (!node) node = createConverter({ isJS: false, isBrowser: false });
      return node;
    };
    const declarations = (prevDecl) => engine.decl ?? prevDecl;
    const nodeCells = {
      convert(prevDecl, src) {
        const decl = declarations(prevDecl);
        const compile = () => nodeConverter().convert(decl, src);
        const result = engine.cache ? engine.cache.convert(decl, src, compile) : compile();
        if (engine.run) engine.run.conversion = result;
        return result;
      },
      inspect: (prevDecl, src, position) => nodeConverter().inspect(declarations(prevDecl), src, position),
      complete: (prevDecl, src, position) => nodeConverter().complete(declarations(prevDecl), src, position),
      addModule: (...args) => nodeConverter().addModule(...args),
      close: () => node && node.close(),
    };
    const wrap = (converter) => {
      const { convert, inspect, complete } = converter;
      converter.convert = function (prevDecl, src) {
        const result = convert.call(this, declarations(prevDecl), src);
        if (engine.run) engine.run.conversion = result;
        return result;
      };
      converter.inspect = function (prevDecl, src, position) {
        return inspect.call(this, declarations(prevDecl), src, position);
      };
      converter.complete = function (prevDecl, src, position) {
        return complete.call(this, declarations(prevDecl), src, position);
      };
      return converter;
    };
    return {
      get node() {
        return nodeCells;
      },
      get browser() {
        if (!browser) browser = wrap(createConverter({ isJS: false, isBrowser: true }));
        return browser;
      },
      /** Builds the node converter now. */
      build() {
        nodeConverter();
      },
      get warm() {
        return node !== null;
      },
      close() {
        if (node) node.close();
        if (browser) browser.close();
      },
    };
  }

  /** Names tslab's cell scripts `cell[<id>]` (only those: any other use of vm is left alone). */
  patchVm() {
    const engine = this;
    const runInThisContext = vm.runInThisContext;
    vm.runInThisContext = function (code, options) {
      const pending = engine.pending;
      if (pending && typeof code === 'string' && CELL_PREFIXES.some((p) => code.startsWith(p))) {
        engine.pending = null;
        const id = engine.nextScriptId++;
        engine.cells.set(id, { label: pending.label, tsLines: pending.tsLines, jsLines: code.split('\n'), lineCache: new Map() });
        if (engine.cells.size > 500) engine.cells.delete(engine.cells.keys().next().value);
        const opts = options && typeof options === 'object' ? { ...options } : {};
        opts.filename = `cell[${id}]`;
        engine.onPhase('running');
        return runInThisContext.call(this, code, opts);
      }
      return runInThisContext.call(this, code, options);
    };
  }

  warmUp() {
    this.onPhase('compiling');
    try {
      this.converters.build();
    } finally {
      this.onPhase('idle');
    }
  }

  onValue(value) {
    if (this.run) this.run.values.push(value);
  }

  onError(args) {
    if (!this.run) {
      process.stderr.write(`${util.format(...args)}\n`);
      return;
    }
    if (args[0] === DIAGNOSTIC_FORMAT) this.run.diagnosticText.push(util.format(...args));
    else this.run.thrown.push(args[0]);
  }

  /**
   * Runs one cell. Resolves to { ok, hasValue, value, error } where error is { ename, evalue, traceback }.
   * `label` names the cell in tracebacks (`cell [3]`).
   */
  async execute(code, label) {
    /** @type {Run} */
    const run = { values: [], thrown: [], diagnosticText: [], conversion: null };
    this.run = run;
    this.pending = { label, tsLines: code.split('\n') };
    this.onPhase('compiling');
    let ok;
    try {
      ok = await this.executor.execute(code);
    } catch (error) {
      ok = false;
      run.thrown.push(error);
    } finally {
      if (this.run === run) this.run = null;
      this.pending = null;
      this.onPhase('idle');
    }
    /** @type {{ ok: boolean, hasValue: boolean, value: unknown, error: null | { ename: string, evalue: string, traceback: string[] } }} */
    const result = { ok, hasValue: false, value: undefined, error: null };
    const conversion = run.conversion;
    const ranButFailed = !ok && conversion && conversion.diagnostics.length === 0 && conversion.output;
    if ((ok || ranButFailed) && conversion) this.decl = conversion.declOutput || '';
    if (ok) {
      if (run.values.length > 0) {
        result.hasValue = true;
        result.value = run.values[run.values.length - 1];
      } else if (conversion && conversion.lastExpressionVar) {
        // tslab leaves a `null` result in its exports without reporting it.
        const locals = this.executor.locals;
        const name = conversion.lastExpressionVar;
        if (Object.prototype.hasOwnProperty.call(locals, name) && locals[name] === null) {
          result.hasValue = true;
          result.value = null;
        }
        delete locals[name];
      }
      if (run.diagnosticText.length > 0) process.stderr.write(`${run.diagnosticText.join('\n')}\n`);
      return result;
    }
    if (run.thrown.length > 0) {
      result.error = errors.describeThrown(run.thrown[0], this.cells);
      if (ranButFailed) result.error.traceback.push(...this.keptNames(conversion.output));
    } else if (conversion && conversion.diagnostics && conversion.diagnostics.length > 0) {
      result.error = errors.describeDiagnostics(conversion.diagnostics, code.split('\n'), label);
    } else {
      const text = run.diagnosticText.join('\n') || 'the cell could not be run';
      result.error = { ename: 'Error', evalue: text, traceback: [`Error: ${text}`] };
    }
    return result;
  }

  interrupt() {
    this.executor.interrupt();
  }

  /**
   * What a failed cell leaves defined, as lines for its traceback: the names it defined before the error are
   * kept; those it did not reach are still undefined (their declarations are known, their values are not).
   */
  keptNames(output) {
    const hoisted = /^exports\.(.+) = void 0;$/m.exec(output);
    if (!hoisted) return [];
    const names = hoisted[1].split(' = ').map((name) => name.replace(/^exports\./, '')).reverse();
    const locals = this.executor.locals;
    const kept = names.filter((name) => locals[name] !== undefined);
    const missing = names.filter((name) => locals[name] === undefined);
    const lines = [''];
    if (kept.length > 0) lines.push(`Kept from this cell (defined before the error): ${kept.join(', ')}`);
    if (missing.length > 0) lines.push(`Not defined, the cell stopped before them (undefined until you run it again): ${missing.join(', ')}`);
    return lines;
  }

  complete(code, cursorPos) {
    const info = this.executor.complete(code, cursorPos);
    return { status: 'ok', matches: info.candidates, cursor_start: info.start, cursor_end: info.end, metadata: {} };
  }

  /** Quick info (type and documentation) at the cursor, as text; null when there is none. */
  inspectText(code, cursorPos) {
    const info = this.executor.inspect(code, cursorPos);
    if (!info) return null;
    return this.tslab.inspect.printQuickInfo(info);
  }

  /** 'complete', 'incomplete' (with the indent for the next line) or 'invalid'. */
  isComplete(code) {
    const tslabAnswer = this.tslab.converter.isCompleteCode(code);
    const ts = this.ts;
    const source = ts.createSourceFile('cell.ts', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    const diagnostics = source.parseDiagnostics || [];
    const atEnd = diagnostics.every((d) => d.start >= code.trimEnd().length);
    if (!tslabAnswer.completed) {
      // More lines cannot repair an error in the middle of the code, nor a decorator that starts with
      // something no expression starts with (`@@@`).
      if (!atEnd || this.hasImpossibleDecorator(code)) return { status: 'invalid' };
      return { status: 'incomplete', indent: tslabAnswer.indent || '' };
    }
    if (diagnostics.length === 0) return { status: 'complete' };
    const blankLineAtEnd = /(^|\n)\s*\n\s*$/.test(code);
    // A template literal or comment left open continues on the next line.
    if (!blankLineAtEnd && diagnostics.some((d) => d.code === 1160 || d.code === 1010) && atEnd) {
      return { status: 'incomplete', indent: '' };
    }
    return { status: 'invalid' };
  }

  /** True when an `@` is followed by a token that cannot begin a decorator's expression. */
  hasImpossibleDecorator(code) {
    const ts = this.ts;
    const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, code);
    const canFollow = (kind) =>
      kind === ts.SyntaxKind.Identifier ||
      kind === ts.SyntaxKind.OpenParenToken ||
      kind === ts.SyntaxKind.EndOfFileToken ||
      (kind >= ts.SyntaxKind.FirstKeyword && kind <= ts.SyntaxKind.LastKeyword);
    let previous = null;
    for (let kind = scanner.scan(); ; kind = scanner.scan()) {
      if (previous === ts.SyntaxKind.AtToken && !canFollow(kind)) return true;
      if (kind === ts.SyntaxKind.EndOfFileToken) return false;
      previous = kind;
    }
  }

  close() {
    this.executor.close();
  }
}

module.exports = { Engine, tslabDir };
