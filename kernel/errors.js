// @ts-check
'use strict';
/**
 * Turns what a cell raised into the Jupyter error triple (ename, evalue, traceback), with the traceback
 * pointing at the cell's own TypeScript lines.
 *
 * tslab compiles a cell to JavaScript and runs it with vm.runInThisContext; the kernel gives each cell's
 * script its own file name (`cell[<id>]`), so stack frames say which cell they are in. The compiled line is
 * then matched back to the TypeScript line it came from: the compiler keeps statements in order and nearly
 * verbatim (it drops types and blank lines and adds `exports.x = x;` lines), so the most similar source line
 * near the same relative position is the right one in practice.
 */
const util = require('util');

const RED = '\x1b[0;31m';
const CYAN = '\x1b[0;36m';
const GREEN = '\x1b[0;32m';
const BOLD = '\x1b[1m';
const RESET = '\x1b[0m';

function tokens(line) {
  return (line.replace(/\bexports\./g, '').match(/[A-Za-z_$][\w$]*|\d+(?:\.\d+)?|"[^"]*"|'[^']*'|`[^`]*`|\S/g) || []);
}

function similarity(a, b) {
  if (a.length === 0 || b.length === 0) return 0;
  const counts = new Map();
  for (const t of a) counts.set(t, (counts.get(t) || 0) + 1);
  let common = 0;
  for (const t of b) {
    const n = counts.get(t) || 0;
    if (n > 0) {
      common += 1;
      counts.set(t, n - 1);
    }
  }
  return (2 * common) / (a.length + b.length);
}

/** The 1-based TypeScript line of `cell` that produced 1-based line `jsLine` of its compiled script. */
function mapLine(cell, jsLine) {
  if (cell.lineCache.has(jsLine)) return cell.lineCache.get(jsLine);
  const js = cell.jsLines[jsLine - 1];
  let best = null;
  if (js !== undefined) {
    const jsTokens = tokens(js);
    const jsFraction = (jsLine - 1) / Math.max(1, cell.jsLines.length - 1);
    let bestScore = 0.34; // below this, no line is similar enough to be named
    cell.tsLines.forEach((ts, index) => {
      const score = similarity(jsTokens, tokens(ts));
      if (score <= 0) return;
      const distance = Math.abs(index / Math.max(1, cell.tsLines.length - 1) - jsFraction);
      const total = score - 0.05 * distance;
      if (total > bestScore) {
        bestScore = total;
        best = index + 1;
      }
    });
  }
  cell.lineCache.set(jsLine, best);
  return best;
}

function excerpt(tsLines, line, label) {
  const out = [`${CYAN}${label}${RESET}`];
  const from = Math.max(1, line - 2);
  const to = Math.min(tsLines.length, line + 2);
  const width = String(to).length;
  for (let n = from; n <= to; n++) {
    const number = String(n).padStart(width);
    out.push(n === line ? `${GREEN}--> ${number}${RESET} ${tsLines[n - 1]}` : `    ${number} ${tsLines[n - 1]}`);
  }
  return out;
}

const FRAME = /^(\s*at )(?:(.*) \()?(cell\[(\d+)\]):(\d+):(\d+)\)?$/;
/** Stack frames of Node.js, tslab and this kernel's own files: not what a learner needs to read. */
const KERNEL_DIR = __dirname.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const INTERNAL = new RegExp(
  String.raw`\(node:|at node:|[\\/]tslab[\\/]dist[\\/]|${KERNEL_DIR}[\\/]|^\s*at new Promise \(<anonymous>\)$`,
);

/**
 * @param value what was thrown
 * @param cells Map from script id to { label, tsLines, jsLines, lineCache }
 */
function describeThrown(value, cells) {
  let ename = 'Error';
  let evalue;
  let stack = '';
  if (value instanceof Error || (value && typeof value === 'object' && typeof value.stack === 'string')) {
    ename = String(value.name || (value.constructor && value.constructor.name) || 'Error');
    evalue = String(value.message === undefined ? '' : value.message);
    stack = String(value.stack || '');
  } else {
    ename = 'Uncaught';
    evalue = util.inspect(value, { depth: 2, breakLength: 100 });
  }
  if (value && value.code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED') {
    ename = 'KeyboardInterrupt';
    evalue = 'the cell was interrupted';
    stack = '';
  }
  const frames = [];
  let firstCellFrame = null;
  for (const line of stack.split('\n').slice(1)) {
    if (!/^\s*at /.test(line) || INTERNAL.test(line)) continue;
    const match = FRAME.exec(line);
    if (!match) {
      frames.push(line.replace(/^\s*/, '    '));
      continue;
    }
    const [, , fn, , id, jsLine] = match;
    const cell = cells.get(Number(id));
    if (!cell) {
      frames.push(line.replace(/^\s*/, '    '));
      continue;
    }
    if (Number(jsLine) >= cell.jsLines.length) continue; // the wrapper that tslab puts around every cell
    const tsLine = mapLine(cell, Number(jsLine));
    const where = tsLine ? `${cell.label}, line ${tsLine}` : cell.label;
    // Functions declared in a cell are called through tslab's `exports` proxy.
    const name = fn ? fn.replace(/^(?:Proxy|Object)\./, '') : '';
    frames.push(name && name !== '<anonymous>' ? `    at ${name} (${where})` : `    at ${where}`);
    if (!firstCellFrame && tsLine) firstCellFrame = { cell, tsLine };
  }
  const traceback = [`${RED}${BOLD}${ename}${RESET}: ${evalue}`, ...frames];
  if (firstCellFrame) {
    traceback.push('', ...excerpt(firstCellFrame.cell.tsLines, firstCellFrame.tsLine, `${firstCellFrame.cell.label}, line ${firstCellFrame.tsLine}:`));
  }
  return { ename, evalue, traceback, line: firstCellFrame ? firstCellFrame.tsLine : null };
}

/** Compile errors: every diagnostic with its place in the cell. */
function describeDiagnostics(diagnostics, tsLines, label) {
  const syntax = diagnostics.some((d) => d.code >= 1000 && d.code < 2000);
  const ename = syntax ? 'SyntaxError' : 'TSError';
  const inCell = diagnostics.filter((d) => !d.fileName);
  const first = inCell[0] || diagnostics[0];
  const where = (d) => (d.fileName ? `${d.fileName}, line ${d.start.line + 1}` : `${label}, line ${Math.min(d.start.line + 1, tsLines.length)}`);
  const evalue = `${first.messageText} (${where(first)})`;
  const traceback = [`${RED}${BOLD}${ename}${RESET}: ${first.messageText}`];
  for (const d of diagnostics) {
    if (d !== diagnostics[0]) traceback.push('', `${RED}${d.messageText}${RESET}`);
    if (d.fileName || d.start.line >= tsLines.length) {
      traceback.push(`    at ${where(d)}:${d.start.character + 1} (TS${d.code})`);
      continue;
    }
    const line = d.start.line + 1;
    traceback.push(`    at ${label}, line ${line}:${d.start.character + 1} (TS${d.code})`);
    traceback.push(`    ${tsLines[line - 1]}`);
    const span = d.end.line === d.start.line ? Math.max(1, d.end.character - d.start.character) : 1;
    traceback.push(`    ${' '.repeat(d.start.character)}${RED}${'^'.repeat(span)}${RESET}`);
  }
  return { ename, evalue, traceback, line: first && !first.fileName ? first.start.line + 1 : null };
}

module.exports = { describeThrown, describeDiagnostics, mapLine };
