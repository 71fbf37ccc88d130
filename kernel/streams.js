// @ts-check
'use strict';
/**
 * stdout and stderr of cells, sent as `stream` messages to the cell that wrote them.
 *
 * Writes are batched (one message per burst rather than one per console.log) and flushed at the next turn
 * of the event loop, after 50 ms of a busy cell, and before any other message of the kernel.
 */
const context = require('./context');

const MAX_DELAY_MS = 50;
const decoder = new TextDecoder();

class Streams {
  /**
   * @param send (parentHeader, name, text) => void
   * @param fallbackParent () => the parent header for writes made outside any cell, or null
   * @param options `batch: false` sends every write at once
   */
  constructor(send, fallbackParent, { batch = true } = {}) {
    this.batch = batch;
    this.send = send;
    this.fallbackParent = fallbackParent;
    this.pending = []; // { parent, name, text }
    this.firstAt = 0;
    this.scheduled = false;
    this.kernelStdout = process.stdout.write.bind(process.stdout);
    this.kernelStderr = process.stderr.write.bind(process.stderr);
  }

  /** Routes process.stdout and process.stderr of the kernel process to the notebook. */
  install() {
    process.stdout.write = this.writer('stdout');
    process.stderr.write = this.writer('stderr');
  }

  /** Writes to the kernel's own log (the Jupyter server's terminal), never to a notebook. */
  log(text) {
    this.kernelStderr(text.endsWith('\n') ? text : `${text}\n`);
  }

  writer(name) {
    return (chunk, encoding, callback) => {
      if (typeof encoding === 'function') callback = encoding;
      const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk);
      this.write(name, text);
      if (typeof callback === 'function') context.original.setImmediate(callback);
      return true;
    };
  }

  write(name, text) {
    if (!text) return;
    const execution = context.current();
    if (execution && execution.interrupted) return; // a continuation of an interrupted cell
    const parent = execution ? execution.parent : this.fallbackParent();
    if (!parent) {
      (name === 'stdout' ? this.kernelStdout : this.kernelStderr)(text);
      return;
    }
    const last = this.pending[this.pending.length - 1];
    if (last && last.parent === parent && last.name === name) last.text += text;
    else this.pending.push({ parent, name, text });
    const now = Date.now();
    if (!this.batch) {
      this.flush();
      return;
    }
    if (this.pending.length === 1 && last === undefined) this.firstAt = now;
    if (now - this.firstAt >= MAX_DELAY_MS) {
      this.flush();
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      context.outside(() => context.original.setImmediate(() => this.flush()));
    }
  }

  flush() {
    this.scheduled = false;
    const pending = this.pending;
    this.pending = [];
    for (const { parent, name, text } of pending) this.send(parent, name, text);
  }
}

module.exports = { Streams };
