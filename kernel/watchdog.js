// @ts-check
'use strict';
/**
 * The watchdog: the process Jupyter starts. It owns the kernel's sockets and runs the cells in a second process
 * (runner.js), which it restarts when it must:
 *
 *   - an interrupt first goes to the cell process as SIGINT (its own handling keeps every variable); when the cell
 *     has not stopped within 0.4 s and the process no longer answers (code that never returns to the
 *     event loop: `await null; while (true) {}`, a loop of `await Promise.resolve()`), the watchdog ends the
 *     process, tells the learner in the cell's error that the kernel's state was lost and why, and starts a
 *     fresh one. While a cell is still being compiled, the watchdog waits and signals again once its code runs;
 *   - when the cell process dies (a JavaScript heap out-of-memory, process.exit(), a crash, the system's
 *     out-of-memory killer), the output it wrote is sent, then an error for the running cell says why, and a fresh
 *     process starts. Requests queued behind the cell are aborted, as after an error.
 *
 * The heartbeat, kernel_info, comm_info and interrupts are answered here, so they are answered whatever the cells do. Every other request
 * is passed to the cell process over Node's IPC channel; what it sends comes back through a pipe (pipe.js) and
 * goes out on the sockets, stream output batched (consecutive writes of one cell in one message).
 */
const fs = require('fs');
const path = require('path');
const childProcess = require('child_process');
const wire = require('./wire');
const pipe = require('./pipe');
const { Outbox } = require('./outbox');
const { kernelInfo } = require('./info');
const { bindSockets } = require('./sockets');

/** How long an interrupted cell has to stop by itself before its process is restarted. */
const GENTLE_MS = 400;
/** A cell that keeps its process answering but does not stop within this time is stopped the hard way. */
const GIVE_UP_MS = 5000;
/** After the cell process ended: how long to wait for the rest of its pipe. */
const DRAIN_MS = 300;
/** Starts that failed before the process was ready, in a row, before the kernel gives up. */
const MAX_FAILED_STARTS = 3;
/** The environment variable that sets the cell process's heap limit in MiB (Node's --max-old-space-size). */
const HEAP_VARIABLE = 'GRADSCOPE_KERNEL_HEAP_MB';

const red = (/** @type {string} */ text) => `\x1b[0;31m\x1b[1m${text}\x1b[0m`;

class Watchdog {
  constructor({ connectionFile, root }) {
    this.connectionFile = connectionFile;
    this.connection = JSON.parse(fs.readFileSync(connectionFile, 'utf8'));
    this.root = root;
    this.sign = wire.signer(this.connection.key, this.connection.signature_scheme);
    this.session = wire.newId();
    /** @type {import('child_process').ChildProcess | null} */
    this.child = null;
    this.ready = false;
    this.failedStarts = 0;
    this.stderrTail = '';
    /** @typedef {{ channel: 'shell' | 'control', frames: Buffer[], request: any, count?: number, interrupted?: boolean }} Item */
    /** @type {Item[]} requests held until the cell process is ready */
    this.waiting = [];
    /** @type {Map<string, Item>} requests the cell process has and has not answered, by msg_id, in order */
    this.inflight = new Map();
    this.phase = 'idle';
    this.pings = 0;
    this.pongs = 0;
    /** @type {{ item: Item, since: number, afterCompile: boolean } | null} the cell an interrupt is stopping */
    this.stopping = null;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.check = undefined;
    this.hardStopped = null; // the item whose process the watchdog ended
    this.lastExecute = null; // header of the last execute_request
    this.shuttingDown = false;
    /** @type {{ parent: any, name: string, text: string }[]} */
    this.streamBatch = [];
    this.streamScheduled = false;
    /** @type {Map<unknown, Outbox>} */
    this.outboxes = new Map();
  }

  async start() {
    const sockets = await bindSockets(this.connection, this.root);
    this.iopub = sockets.iopub;
    this.shell = sockets.shell;
    this.control = sockets.control;
    this.stdin = sockets.stdin;
    this.hb = sockets.hb;
    const log = (text) => this.log(text);
    for (const socket of [this.iopub, this.shell, this.control, this.stdin, this.hb]) this.outboxes.set(socket, new Outbox(socket, log));

    this.publish('status', { execution_state: 'starting' }, {});
    this.loop(this.hb, (frames) => this.send(this.hb, frames));
    this.loop(this.control, (frames) => this.onClient('control', frames));
    this.loop(this.shell, (frames) => this.onClient('shell', frames));
    process.on('SIGINT', () => this.interrupt());
    process.on('SIGTERM', () => this.exit(0));
    process.on('exit', () => this.child && this.child.kill('SIGKILL'));
    this.spawn();
  }

  log(text) {
    process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  async loop(socket, handle) {
    try {
      for await (const frames of socket) {
        try {
          handle(frames);
        } catch (error) {
          this.log(`gradscope kernel: ${error && error.stack ? error.stack : error}`);
        }
      }
    } catch (error) {
      if (!this.shuttingDown) this.log(`gradscope kernel: socket loop ended: ${error && error.message}`);
    }
  }

  // ---- the cell process ----------------------------------------------------------------------------------

  spawn() {
    const heap = Number(process.env[HEAP_VARIABLE]);
    const options = Number.isInteger(heap) && heap > 0 ? [`--max-old-space-size=${heap}`] : [];
    const child = childProcess.spawn(process.execPath, [...options, path.join(__dirname, 'runner.js'), this.connectionFile], {
      // fd 3: the pipe the cell process writes everything to (pipe.js); fd 4: Node's IPC channel for requests.
      stdio: ['ignore', 'inherit', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, GRADSCOPE_KERNEL_SESSION: this.session },
    });
    this.child = child;
    this.ready = false;
    this.phase = 'idle';
    this.stderrTail = '';
    const out = /** @type {import('stream').Readable} */ (child.stdio[3]);
    out.on('data', pipe.reader((record) => this.onRecord(child, record)));
    /** @type {Promise<void>} */
    const drained = new Promise((resolve) => out.on('close', () => resolve()));
    if (child.stderr) {
      child.stderr.on('data', (chunk) => {
        process.stderr.write(chunk);
        if (child === this.child) this.stderrTail = (this.stderrTail + chunk.toString()).slice(-8000);
      });
    }
    child.on('error', (error) => this.log(`gradscope kernel: the cell process could not run: ${error.message}`));
    child.on('exit', (code, signal) => {
      // What the process wrote just before it ended may still be in the pipe.
      const wait = new Promise((resolve) => setTimeout(resolve, DRAIN_MS));
      Promise.race([drained, wait]).then(() => this.onExit(child, code, signal));
    });
  }

  onRecord(child, record) {
    if (child !== this.child) return;
    switch (record.c) {
      case 'ready':
        this.ready = true;
        this.failedStarts = 0;
        for (const item of this.waiting.splice(0)) this.forward(item);
        break;
      case 'stream':
        this.addStream(record.p, record.n, record.t);
        break;
      case 'iopub':
        this.flushStreams();
        this.noteIopub(record.f);
        this.send(this.iopub, pipe.decode(record.f));
        break;
      case 'shell':
      case 'control': {
        this.flushStreams();
        const frames = pipe.decode(record.f);
        const parent = parentOf(frames);
        if (parent && parent.msg_id) this.inflight.delete(parent.msg_id);
        this.send(record.c === 'shell' ? this.shell : this.control, frames);
        break;
      }
      case 'phase':
        this.phase = record.p;
        if (record.p === 'running' && this.stopping && this.stopping.afterCompile) {
          // The interrupt came while the cell was compiled: signal again now that its code runs.
          this.stopping.afterCompile = false;
          setTimeout(() => this.signalAndWait(), 50);
        }
        break;
      case 'pong':
        this.pongs = Math.max(this.pongs, record.n);
        break;
      default:
        this.log(`gradscope kernel: unknown record from the cell process: ${record.c}`);
    }
  }

  /** Remembers the execution count the cell process gave each execute request (for a reply it cannot send). */
  noteIopub(encoded) {
    const frames = pipe.decode(encoded.slice(0, 6));
    const index = frames.findIndex((frame) => wire.DELIM.equals(frame));
    if (index < 0) return;
    const header = JSON.parse(frames[index + 2].toString());
    if (header.msg_type !== 'execute_input') return;
    const parent = JSON.parse(frames[index + 3].toString());
    const item = this.inflight.get(parent.msg_id);
    if (item) item.count = JSON.parse(pipe.decode([encoded[index + 5]])[0].toString()).execution_count;
  }

  forward(item) {
    if (!this.child || !this.ready) {
      this.waiting.push(item);
      return;
    }
    if (item.interrupted) {
      this.refuse(item);
      return;
    }
    this.inflight.set(item.request.header.msg_id, item);
    this.child.send({ c: item.channel, f: pipe.encode(item.frames) });
  }

  /** Ends an execute request interrupted before it started, without running it. */
  refuse(item) {
    const parent = item.request.header;
    const ename = 'KeyboardInterrupt';
    const evalue = 'the cell was interrupted before it started';
    const traceback = [`${red(ename)}: ${evalue}`];
    this.publish('status', { execution_state: 'busy' }, parent);
    if (!item.request.content.silent) this.publish('error', { ename, evalue, traceback }, parent);
    this.reply(item.channel, item.request, 'execute_reply', { status: 'error', execution_count: null, ename, evalue, traceback });
    this.publish('status', { execution_state: 'idle' }, parent);
  }

  /** The execute request the cell process is working on (the first one it has not answered). */
  running() {
    for (const item of this.inflight.values()) if (item.request.header.msg_type === 'execute_request') return item;
    return null;
  }

  // ---- requests ------------------------------------------------------------------------------------------

  onClient(channel, frames) {
    let request;
    try {
      request = wire.parse(frames, this.sign);
    } catch (error) {
      this.log(`gradscope kernel: dropped a message: ${error.message}`);
      return;
    }
    const type = request.header.msg_type;
    if (type === 'interrupt_request') {
      this.publish('status', { execution_state: 'busy' }, request.header);
      this.reply(channel, request, 'interrupt_reply', { status: 'ok' });
      this.publish('status', { execution_state: 'idle' }, request.header);
      this.interrupt();
      return;
    }
    if (type === 'kernel_info_request' && this.ready) {
      // Answered here, at once, even while a cell runs (before the cell process is ready, it answers itself:
      // clients take the first reply as "the kernel is ready").
      this.publish('status', { execution_state: 'busy' }, request.header);
      this.reply(channel, request, 'kernel_info_reply', kernelInfo(this.root));
      this.publish('status', { execution_state: 'idle' }, request.header);
      return;
    }
    if (type === 'comm_info_request') {
      // No comm targets are registered: answered here, at once.
      this.publish('status', { execution_state: 'busy' }, request.header);
      this.reply(channel, request, 'comm_info_reply', { status: 'ok', comms: {} });
      this.publish('status', { execution_state: 'idle' }, request.header);
      return;
    }
    if (type === 'execute_request') this.lastExecute = request.header;
    const item = { channel, frames, request };
    if (type === 'shutdown_request') {
      this.shuttingDown = true;
      if (!this.child || !this.ready) {
        this.reply(channel, request, 'shutdown_reply', { status: 'ok', restart: Boolean(request.content.restart) });
        this.exit(0);
        return;
      }
      // The cell process answers and ends; if it cannot (a cell that never yields), the watchdog does.
      setTimeout(() => {
        if (this.inflight.has(request.header.msg_id)) {
          this.reply(channel, request, 'shutdown_reply', { status: 'ok', restart: Boolean(request.content.restart) });
        }
        this.exit(0);
      }, 2000).unref();
    }
    this.forward(item);
  }

  // ---- interrupts ----------------------------------------------------------------------------------------

  interrupt() {
    if (!this.child || !this.ready) {
      // The cell process is starting: the first cell waiting for it will not run.
      const queued = this.waiting.find((item) => item.request.header.msg_type === 'execute_request');
      if (queued) queued.interrupted = true;
      return;
    }
    this.child.kill('SIGINT');
    const item = this.running();
    if (!item) return;
    this.stopping = { item, since: Date.now(), afterCompile: false };
    this.ping();
    this.arm();
  }

  signalAndWait() {
    if (!this.child || !this.stopping) return;
    this.child.kill('SIGINT');
    this.ping();
    this.arm();
  }

  ping() {
    this.pings += 1;
    if (this.child && this.child.connected) this.child.send({ c: 'ping', n: this.pings });
  }

  arm() {
    clearTimeout(this.check);
    this.check = setTimeout(() => this.checkStopped(), GENTLE_MS);
  }

  /** 0.4 s after an interrupt: has the cell stopped? If its process does not even answer, end it. */
  checkStopped() {
    const stopping = this.stopping;
    if (!stopping || !this.inflight.has(stopping.item.request.header.msg_id) || !this.child) {
      this.stopping = null;
      return;
    }
    if (this.phase === 'compiling' && Date.now() - stopping.since < 60000) {
      stopping.afterCompile = true; // signalled again once its code runs (onRecord 'phase')
      return;
    }
    const answering = this.pongs >= this.pings;
    if (answering && Date.now() - stopping.since < GIVE_UP_MS) {
      this.signalAndWait();
      return;
    }
    this.hardStopped = stopping.item;
    this.stopping = null;
    const child = this.child;
    child.kill('SIGKILL');
    // Answer at once: the process wrote nothing since it stopped answering, and tearing down a large process
    // takes a moment. Its exit, when it comes, is then ignored.
    setImmediate(() => this.onExit(child, null, 'SIGKILL'));
  }

  // ---- the cell process ended ----------------------------------------------------------------------------

  onExit(child, code, signal) {
    if (child !== this.child) return;
    this.flushStreams();
    this.child = null;
    const wasReady = this.ready;
    this.ready = false;
    clearTimeout(this.check);
    this.stopping = null;
    if (this.shuttingDown) {
      this.exit(0);
      return;
    }
    const items = [...this.inflight.values()];
    this.inflight.clear();
    const executes = items.filter((item) => item.request.header.msg_type === 'execute_request');
    // Other requests (kernel_info, complete, ...) go to the fresh process.
    this.waiting.unshift(...items.filter((item) => item.request.header.msg_type !== 'execute_request'));
    const cause = this.hardStopped && executes[0] === this.hardStopped ? interruptCause() : exitCause(code, signal, this.stderrTail);
    this.hardStopped = null;
    this.log(`gradscope kernel: the cell process ended (${signal || `exit code ${code}`}): ${cause.evalue}; starting a fresh one`);
    const [runningItem, ...queued] = executes;
    if (runningItem) {
      const { ename, evalue, traceback } = cause;
      const parent = runningItem.request.header;
      if (!runningItem.request.content.silent) this.publish('error', { ename, evalue, traceback }, parent);
      this.reply(runningItem.channel, runningItem.request, 'execute_reply', {
        status: 'error',
        execution_count: runningItem.count ?? null,
        ename,
        evalue,
        traceback,
      });
      this.publish('status', { execution_state: 'idle' }, parent);
    } else if (this.lastExecute) {
      // Nothing was running (a callback of an earlier cell, say): say it where the learner last looked.
      this.publish('stream', { name: 'stderr', text: `\n${cause.traceback.join('\n')}\n` }, this.lastExecute);
    }
    for (const item of queued) {
      const parent = item.request.header;
      this.publish('status', { execution_state: 'busy' }, parent);
      this.reply(item.channel, item.request, 'execute_reply', { status: 'aborted', execution_count: null });
      this.publish('status', { execution_state: 'idle' }, parent);
    }
    if (!wasReady) this.failedStarts += 1;
    if (this.failedStarts >= MAX_FAILED_STARTS) {
      this.log('gradscope kernel: the cell process fails to start; giving up (see the messages above)');
      this.exit(1);
      return;
    }
    this.spawn();
  }

  // ---- sending -------------------------------------------------------------------------------------------

  addStream(parent, name, text) {
    const last = this.streamBatch[this.streamBatch.length - 1];
    if (last && last.name === name && last.parent.msg_id === parent.msg_id) last.text += text;
    else this.streamBatch.push({ parent, name, text });
    if (!this.streamScheduled) {
      this.streamScheduled = true;
      setImmediate(() => this.flushStreams());
    }
  }

  flushStreams() {
    this.streamScheduled = false;
    for (const { parent, name, text } of this.streamBatch.splice(0)) this.publish('stream', { name, text }, parent);
  }

  message(msgType, content, parent, identities = []) {
    const header = wire.header(msgType, this.session, (parent && parent.username) || 'kernel');
    return wire.serialize({ identities, header, parent_header: parent || {}, metadata: {}, content }, this.sign);
  }

  publish(msgType, content, parent) {
    this.send(this.iopub, this.message(msgType, content, parent));
  }

  reply(channel, request, msgType, content) {
    const socket = channel === 'control' ? this.control : this.shell;
    this.send(socket, this.message(msgType, content, request.header, request.identities));
  }

  send(socket, frames) {
    const outbox = this.outboxes.get(socket);
    if (outbox) outbox.send(frames);
  }

  exit(status) {
    if (this.exiting) return;
    this.exiting = true;
    this.shuttingDown = true;
    if (this.child) this.child.kill('SIGKILL');
    const flushed = Promise.all([...this.outboxes.values()].map((outbox) => outbox.flushed()));
    Promise.race([flushed, new Promise((resolve) => setTimeout(resolve, 1000))]).then(() => {
      // Handed to ZeroMQ is not yet on the wire: give its I/O thread a moment.
      setTimeout(() => process.exit(status), 100);
    });
  }
}

/** The parent header of a reply's frames, or null. */
function parentOf(frames) {
  const index = frames.findIndex((frame) => wire.DELIM.equals(frame));
  if (index < 0 || !frames[index + 3]) return null;
  try {
    return JSON.parse(frames[index + 3].toString());
  } catch {
    return null;
  }
}

const LOST =
  'Everything defined so far (variables, functions, imports) is gone: run the cells above again before this one.';

/** The error of a cell whose process was ended because it did not stop when interrupted. */
function interruptCause() {
  return {
    ename: 'KeyboardInterrupt',
    evalue: 'the cell did not stop within 0.4 s of the interrupt, so the kernel restarted',
    traceback: [
      `${red('KeyboardInterrupt')}: the cell did not stop within 0.4 s of the interrupt, so the kernel restarted.`,
      'Its code never returned to the event loop (for example `await null; while (true) {}`, or a loop whose only',
      'await is `await Promise.resolve()`), so it could not be stopped where it was and the process running the cells',
      `was restarted. ${LOST}`,
      'A loop stays gently interruptible (keeping every variable) when it waits on a timer now and then:',
      '`await new Promise((resolve) => setTimeout(resolve, 0));`',
    ],
  };
}

/** Why the cell process ended by itself, as the error of the cell that was running. */
function exitCause(code, signal, stderr) {
  const heap = /JavaScript heap out of memory|Reached heap limit|Ineffective mark-compacts near heap limit/.test(stderr);
  if (heap) {
    const limit = Number(process.env[HEAP_VARIABLE]);
    const limitText = Number.isInteger(limit) && limit > 0 ? ` (limit ${limit} MiB, set by ${HEAP_VARIABLE})` : '';
    return {
      ename: 'HeapOutOfMemory',
      evalue: `the JavaScript heap ran out of memory${limitText}; the kernel restarted`,
      traceback: [
        `${red('HeapOutOfMemory')}: the JavaScript heap ran out of memory${limitText}, which ends the process running the cells;`,
        `the kernel restarted. ${LOST}`,
        'Ask for less: fewer samples or steps, narrower or fewer layers, fewer records kept; dispose tensors you no longer',
        `need (tf.tidy, tf.dispose). A larger limit: start Jupyter with ${HEAP_VARIABLE}=<MiB> (for example 8192).`,
      ],
    };
  }
  if (signal === 'SIGKILL') {
    return {
      ename: 'KernelDied',
      evalue: 'the process running the cells was killed (SIGKILL); the kernel restarted',
      traceback: [
        `${red('KernelDied')}: the process running the cells was killed (SIGKILL); the kernel restarted.`,
        'On Linux this is most often the system running out of memory (the out-of-memory killer). ' + LOST,
      ],
    };
  }
  const how = signal ? `crashed (${signal})` : `ended (exit code ${code})`;
  const lastLines = stderr.trim().split('\n').slice(-3).filter(Boolean);
  return {
    ename: 'KernelDied',
    evalue: `the process running the cells ${how}; the kernel restarted`,
    traceback: [
      `${red('KernelDied')}: the process running the cells ${how}; the kernel restarted. ${LOST}`,
      ...(signal && lastLines.length > 0 ? ['Its last words:', ...lastLines] : []),
    ],
  };
}

module.exports = { Watchdog, exitCause, interruptCause, GENTLE_MS, HEAP_VARIABLE };
