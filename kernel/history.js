// @ts-check
'use strict';
/**
 * The input history of this kernel session, for history_request (a console's up arrow, %history-like
 * tools). Kept in memory: a restarted kernel starts a new, empty session.
 */
class History {
  constructor() {
    this.session = 1;
    this.entries = []; // { line, input, output }
  }

  add(line, input) {
    this.entries.push({ line, input, output: null });
  }

  setOutput(line, output) {
    const entry = this.entries.find((e) => e.line === line);
    if (entry) entry.output = output;
  }

  format(entries, output) {
    return entries.map((e) => [this.session, e.line, output ? [e.input, e.output] : e.input]);
  }

  /** The content of a history_reply for a history_request's content. */
  reply(request) {
    const output = Boolean(request.output);
    let entries = [];
    switch (request.hist_access_type) {
      case 'tail': {
        const n = Number.isFinite(request.n) ? request.n : 10;
        entries = n > 0 ? this.entries.slice(-n) : [];
        break;
      }
      case 'range': {
        const session = request.session === undefined ? 0 : request.session;
        if (session === 0 || session === this.session) {
          const start = Number.isFinite(request.start) ? request.start : 1;
          const stop = Number.isFinite(request.stop) && request.stop !== null ? request.stop : Infinity;
          entries = this.entries.filter((e) => e.line >= start && e.line < stop);
        }
        break;
      }
      case 'search': {
        const pattern = globToRegExp(request.pattern || '*');
        entries = this.entries.filter((e) => pattern.test(e.input));
        if (request.unique) {
          const seen = new Set();
          entries = entries.reverse().filter((e) => !seen.has(e.input) && seen.add(e.input)).reverse();
        }
        if (Number.isFinite(request.n) && request.n > 0) entries = entries.slice(-request.n);
        break;
      }
      default:
        entries = [];
    }
    return { status: 'ok', history: this.format(entries, output) };
  }
}

/** SQLite GLOB semantics, as IPython's history search uses: `*`, `?` and `[...]`, matching the whole input. */
function globToRegExp(glob) {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') source += '[\\s\\S]*';
    else if (c === '?') source += '[\\s\\S]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) source += '\\[';
      else {
        let set = glob.slice(i + 1, end);
        if (set.startsWith('^')) set = `^${set.slice(1)}`;
        source += `[${set.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

module.exports = { History, globToRegExp };
