// @ts-check
'use strict';
/**
 * The gradscope kernel: the Jupyter messaging protocol (5.3) over ZeroMQ, with TypeScript execution
 * delegated to tslab (see engine.js).
 *
 * Shell requests are handled one at a time, in the order they arrive; control requests (shutdown,
 * interrupt, kernel_info) are answered at once. Every request is wrapped in busy/idle status messages.
 */
const fs = require('fs');
const wire = require('./wire');
const context = require('./context');
const { Engine } = require('./engine');
const { Streams } = require('./streams');
const { History } = require('./history');
const { resultBundle, plainText } = require('./results');
const { describeThrown } = require('./errors');
const { Outbox } = require('./outbox');
const esm = require('./esm');
const { kernelInfo } = require('./info');
const { bindSockets } = require('./sockets');
const pipe = require('./pipe');

const ABORT_WINDOW_MS = 50;
const WARM_UP_DELAY_MS = 300;
const KERNEL_HOOK = Symbol.for('gradscope.kernel');

class Kernel {
  /**
   * @param {{ connectionFile: string, root: string, piped?: boolean, session?: string }} options `piped`: run as the
   * cell process of the watchdog (watchdog.js): no sockets of its own, requests come over the IPC channel and
   * everything sent goes through the pipe (pipe.js)
   */
  constructor({ connectionFile, root, piped = false, session }) {
    this.connection = JSON.parse(fs.readFileSync(connectionFile, 'utf8'));
    this.piped = piped;
    this.root = root;
    this.sign = wire.signer(this.connection.key, this.connection.signature_scheme);
    this.session = session || wire.newId();
    this.executionCount = 0;
    this.history = new History();
    this.queue = [];
    this.processing = false;
    this.abortBefore = null; // after an error (stop_on_error): abort execute requests sent before this time
    this.active = null; // the execution now running
    this.lastParent = null; // parent header of the last execute_request
    this.closed = false;
    this.exiting = false; // process.exit() was called in a cell
    /** @type {Map<unknown, Outbox>} every send goes through its socket's queue (outbox.js) */
    this.outboxes = new Map();
    /** @type {Engine} created in start(), once the sockets are bound */
    this.engine = /** @type {any} */ (null);
    this.streams = new Streams(
      piped
        ? // Unbatched: each write goes into the pipe at once (the watchdog batches), so none is lost if the process dies.
          (parent, name, text) => pipe.write({ c: 'stream', p: parent, n: name, t: text })
        : (parent, name, text) => this.publishNow('stream', { name, text }, parent),
      () => (this.active ? this.active.parent : this.lastParent),
      { batch: !piped },
    );
  }

  /** As the watchdog's cell process: requests arrive over the IPC channel, replies leave through the pipe. */
  startPiped() {
    /** @type {any} sockets stand-ins: send() writes their name into the pipe */
    const named = (name) => ({ name });
    this.iopub = named('iopub');
    this.shell = named('shell');
    this.control = named('control');
    this.stdin = named('stdin');
    this.hb = named('hb');
    esm.install();
    this.engine = new Engine({ root: this.root, onPhase: (phase) => pipe.write({ c: 'phase', p: phase }) });
    this.streams.install();
    this.installDisplayHooks();
    context.installTimerGuards();
    this.installProcessHandlers();
    process.on('message', (/** @type {any} */ message) => {
      if (message.c === 'ping') pipe.write({ c: 'pong', n: message.n });
      else if (message.c === 'shell') this.onShell(pipe.decode(message.f));
      else if (message.c === 'control') {
        this.onControl(pipe.decode(message.f)).catch((error) => this.streams.log(`gradscope kernel: ${error && error.stack}`));
      }
    });
    // The watchdog has gone: nothing is left to talk to.
    process.on('disconnect', () => process.exit(0));
    pipe.write({ c: 'ready' });
    this.warmTimer = context.original.setTimeout(() => this.warmUp(), WARM_UP_DELAY_MS);
  }

  async start() {
    if (this.piped) return this.startPiped();
    const sockets = /** @type {any} */ (await bindSockets(this.connection, this.root));
    this.iopub = sockets.iopub;
    this.shell = sockets.shell;
    this.control = sockets.control;
    this.stdin = sockets.stdin;
    this.hb = sockets.hb;

    const log = (text) => this.streams.log(text);
    for (const socket of [this.iopub, this.shell, this.control, this.stdin, this.hb]) this.outboxes.set(socket, new Outbox(socket, log));
    esm.install();
    this.engine = new Engine({ root: this.root });
    this.streams.install();
    this.installDisplayHooks();
    context.installTimerGuards();
    this.installProcessHandlers();

    this.publishNow('status', { execution_state: 'starting' }, {});
    this.loop(this.hb, (frames) => this.send(this.hb, frames));
    this.loop(this.control, (frames) => this.onControl(frames));
    this.loop(this.shell, (frames) => this.onShell(frames));
    // The TypeScript compiler takes about two seconds of CPU to set up: do it once the kernel has
    // answered its first request (or soon after start), so clients see the kernel alive at once.
    this.warmTimer = context.original.setTimeout(() => this.warmUp(), WARM_UP_DELAY_MS);
  }

  /**
   * Builds the TypeScript compiler ahead of need: about two seconds of CPU (ten times that on a loaded machine),
   * during which the kernel answers nothing. Without the cell cache the first cell needs it anyway: build it at
   * once. With the cache, cells found in it never need it, and a request arriving while it is being built would
   * wait for it: it is built only when needed (a cell not in the cache, completion, inspection).
   */
  warmUp() {
    if (this.warmed || this.engine.cache) return;
    this.warmed = true;
    clearTimeout(this.warmTimer);
    context.original.setImmediate(() => this.buildCompiler());
  }

  buildCompiler() {
    if (this.engine.converters.warm) return;
    try {
      this.engine.warmUp();
    } catch (error) {
      this.streams.log(`gradscope kernel: could not start the TypeScript compiler: ${error.stack || error}`);
    }
  }

  async loop(socket, handle) {
    try {
      for await (const frames of socket) {
        try {
          await handle(frames);
        } catch (error) {
          this.streams.log(`gradscope kernel: ${error && error.stack ? error.stack : error}`);
        }
      }
    } catch (error) {
      if (!this.closed) this.streams.log(`gradscope kernel: socket loop ended: ${error && error.message}`);
    }
  }

  // ---- sending -------------------------------------------------------------------------------------------

  /** @param {any[]} [identities] */
  message(msgType, content, parent, identities = []) {
    const header = wire.header(msgType, this.session, (parent && parent.username) || 'kernel');
    return wire.serialize({ identities, header, parent_header: parent || {}, metadata: {}, content }, this.sign);
  }

  /** Sends on iopub after any output still buffered, so messages keep their order. */
  publish(msgType, content, parent) {
    this.streams.flush();
    this.publishNow(msgType, content, parent);
  }

  publishNow(msgType, content, parent) {
    this.send(this.iopub, this.message(msgType, content, parent));
  }

  reply(socket, request, msgType, content) {
    this.streams.flush();
    this.send(socket, this.message(msgType, content, request.header, request.identities));
  }

  /** Queues a message on a socket (see outbox.js): sends never overlap and are never dropped. */
  send(socket, frames) {
    if (this.closed) return;
    if (this.piped) {
      pipe.write({ c: socket.name, f: pipe.encode(frames) });
      return;
    }
    const outbox = this.outboxes.get(socket);
    if (outbox) outbox.send(frames);
  }

  // ---- receiving -----------------------------------------------------------------------------------------

  parse(frames) {
    try {
      return wire.parse(frames, this.sign);
    } catch (error) {
      this.streams.log(`gradscope kernel: dropped a message: ${error.message}`);
      return null;
    }
  }

  onShell(frames) {
    const request = this.parse(frames);
    if (!request) return;
    this.queue.push(request);
    if (!this.processing) this.processQueue();
  }

  async processQueue() {
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const request = this.queue.shift();
        await this.handle(this.shell, request);
      }
    } finally {
      this.processing = false;
    }
    if (this.abortBefore !== null) {
      // Requests sent before the error was reported may still be on their way: give them a moment to arrive.
      context.original.clearTimeout(this.abortTimer);
      this.abortTimer = context.original.setTimeout(() => {
        if (this.queue.length === 0 && !this.processing) this.abortBefore = null;
      }, ABORT_WINDOW_MS);
    }
  }

  async onControl(frames) {
    const request = this.parse(frames);
    if (request) await this.handle(this.control, request);
  }

  async handle(socket, request) {
    const type = request.header.msg_type;
    const parent = request.header;
    this.publish('status', { execution_state: 'busy' }, parent);
    try {
      switch (type) {
        case 'execute_request':
          await this.execute(socket, request);
          break;
        case 'kernel_info_request':
          this.reply(socket, request, 'kernel_info_reply', this.kernelInfo());
          break;
        case 'is_complete_request':
          this.reply(socket, request, 'is_complete_reply', this.engine.isComplete(String(request.content.code || '')));
          break;
        case 'complete_request':
          this.reply(socket, request, 'complete_reply', this.complete(request.content));
          break;
        case 'inspect_request':
          this.reply(socket, request, 'inspect_reply', this.inspect(request.content));
          break;
        case 'history_request':
          this.reply(socket, request, 'history_reply', this.history.reply(request.content));
          break;
        case 'comm_info_request':
          this.reply(socket, request, 'comm_info_reply', { status: 'ok', comms: {} });
          break;
        case 'connect_request': {
          const c = this.connection;
          this.reply(socket, request, 'connect_reply', {
            status: 'ok',
            shell_port: c.shell_port,
            iopub_port: c.iopub_port,
            stdin_port: c.stdin_port,
            control_port: c.control_port,
            hb_port: c.hb_port,
          });
          break;
        }
        case 'interrupt_request':
          this.interrupt();
          this.reply(socket, request, 'interrupt_reply', { status: 'ok' });
          break;
        case 'shutdown_request':
          this.reply(socket, request, 'shutdown_reply', { status: 'ok', restart: Boolean(request.content.restart) });
          this.shutdown();
          break;
        case 'comm_open':
          // No comm targets are registered: tell the frontend, as ipykernel does.
          this.publish('comm_close', { comm_id: request.content.comm_id, data: {} }, parent);
          break;
        case 'comm_msg':
        case 'comm_close':
          break;
        default:
          this.streams.log(`gradscope kernel: unsupported message type ${type}`);
      }
    } catch (error) {
      this.streams.log(`gradscope kernel: error while handling ${type}: ${error && error.stack ? error.stack : error}`);
      if (type.endsWith('_request')) {
        this.reply(socket, request, type.replace(/_request$/, '_reply'), {
          status: 'error',
          ename: error && error.name ? String(error.name) : 'Error',
          evalue: error && error.message ? String(error.message) : String(error),
          traceback: [],
        });
      }
    } finally {
      this.publish('status', { execution_state: 'idle' }, parent);
      if (type === 'kernel_info_request') this.warmUp();
    }
  }

  kernelInfo() {
    return kernelInfo(this.root);
  }

  complete(content) {
    const code = String(content.code || '');
    const cursor = Number.isFinite(content.cursor_pos) ? content.cursor_pos : code.length;
    return this.engine.complete(code, cursor);
  }

  inspect(content) {
    const code = String(content.code || '');
    const cursor = Number.isFinite(content.cursor_pos) ? content.cursor_pos : code.length;
    const text = this.engine.inspectText(code, cursor);
    if (!text) return { status: 'ok', found: false, data: {}, metadata: {} };
    return { status: 'ok', found: true, data: { 'text/plain': text }, metadata: {} };
  }

  // ---- execution -----------------------------------------------------------------------------------------

  async execute(socket, request) {
    const content = request.content || {};
    const code = String(content.code || '');
    const silent = Boolean(content.silent);
    const storeHistory = silent ? false : content.store_history !== false;
    const stopOnError = content.stop_on_error !== false;
    const parent = request.header;

    if (this.abortBefore !== null && sentAt(request) < this.abortBefore) {
      this.reply(socket, request, 'execute_reply', { status: 'aborted', execution_count: this.executionCount });
      return;
    }
    if (storeHistory) this.executionCount += 1;
    const count = this.executionCount;
    if (!silent) {
      this.publish('execute_input', { code, execution_count: count }, parent);
      this.lastParent = parent;
    }
    if (storeHistory) this.history.add(count, code);

    const label = storeHistory ? `cell [${count}]` : 'cell';
    let outcome;
    const page = pageRequest(code);
    if (page !== null) {
      const text = this.engine.inspectText(page.code, page.cursor);
      const reply = {
        status: 'ok',
        execution_count: count,
        payload: [{ source: 'page', data: { 'text/plain': text || `No information about \`${page.code.trim()}\`.` }, start: 0 }],
        user_expressions: {},
      };
      this.reply(socket, request, 'execute_reply', reply);
      return;
    }
    const execution = { parent, interrupted: false, silent, stop: /** @type {(value?: unknown) => void} */ (() => {}) };
    const interrupted = new Promise((resolve) => {
      execution.stop = resolve;
    });
    this.active = execution;
    try {
      outcome = await context.run(execution, () => this.engine.execute(code, label));
      if (outcome.ok && outcome.hasValue && !silent) {
        // Rendering a figure can take a while (a PNG snapshot): an interrupt stops waiting for it.
        const bundle = await Promise.race([
          context.run(execution, () => this.valueBundle(outcome.value)),
          interrupted.then(() => null),
        ]);
        if (execution.interrupted) outcome = { ok: false, error: null };
        else if (bundle) {
          this.publish('execute_result', { execution_count: count, data: bundle.data, metadata: bundle.metadata }, parent);
          if (storeHistory && bundle.data['text/plain'] !== undefined) this.history.setOutput(count, bundle.data['text/plain']);
        }
      }
    } catch (error) {
      outcome = { ok: false, error: { ename: 'KernelError', evalue: String(error && error.message), traceback: [String(error && error.stack)] } };
    } finally {
      if (this.active === execution) this.active = null;
    }

    if (outcome.ok) {
      this.reply(socket, request, 'execute_reply', { status: 'ok', execution_count: count, payload: [], user_expressions: {} });
      return;
    }
    if (execution.interrupted) {
      outcome.error = {
        ename: 'KeyboardInterrupt',
        evalue: 'the cell was interrupted',
        traceback: ['\x1b[0;31m\x1b[1mKeyboardInterrupt\x1b[0m: the cell was interrupted'],
      };
    }
    if (this.exiting) return; // process.exit() in the cell: the kernel has said why it stops
    if (isWasmAbort(outcome.error)) outcome.error.traceback.push('', WASM_RESTART);
    const { ename, evalue, traceback } = outcome.error;
    if (!silent) this.publish('error', { ename, evalue, traceback }, parent);
    this.reply(socket, request, 'execute_reply', { status: 'error', execution_count: count, ename, evalue, traceback });
    // As in IPython: with stop_on_error, the requests that were sent before this error was reported (the rest
    // of a "run all") are aborted; requests sent after it run normally.
    if (stopOnError && !silent) this.abortBefore = Date.now();
  }

  /** The execute_result bundle of a value; plain text when its own rendering fails. */
  async valueBundle(value) {
    try {
      return await resultBundle(value);
    } catch (error) {
      process.stderr.write(`could not show the result as rich output: ${error && error.message ? error.message : error}\n`);
      return { data: { 'text/plain': plainText(value) }, metadata: {} };
    }
  }

  interrupt() {
    if (this.active) {
      this.active.interrupted = true;
      this.active.stop();
    }
    this.engine.interrupt();
  }

  // ---- display -------------------------------------------------------------------------------------------

  /** Where display output goes: the cell of the running code (see context.js). */
  outputParent() {
    const execution = context.current();
    if (execution) return execution.interrupted ? null : execution.parent;
    return this.active ? this.active.parent : this.lastParent;
  }

  installDisplayHooks() {
    const kernel = this;
    // tslab's `display` and gradscope's show() send full MIME bundles through this function.
    this.engine.tslab.jupyter.lastWriteDisplayData = (data, update) => {
      const parent = kernel.outputParent();
      if (!parent) return;
      const content = {
        data: (data && data.data) || {},
        metadata: (data && data.metadata) || {},
        transient: (data && data.transient) || {},
      };
      kernel.publish(update ? 'update_display_data' : 'display_data', content, parent);
    };
    const clearOutput = (wait = false) => {
      const parent = kernel.outputParent();
      if (parent) kernel.publish('clear_output', { wait: Boolean(wait) }, parent);
    };
    globalThis[KERNEL_HOOK] = { clearOutput };
    // In a notebook, console.clear() clears the cell's output, as it clears the console in a browser.
    console.clear = () => clearOutput(false);
  }

  installProcessHandlers() {
    process.on('SIGINT', () => this.interrupt());
    this.installExit();
    // An error thrown by a callback after its cell finished must not end the kernel: show it in that cell.
    const report = (prefix, error) => {
      let text;
      try {
        text = describeThrown(error, this.engine.cells).traceback.join('\n');
      } catch {
        text = String(error && error.stack ? error.stack : error);
      }
      process.stderr.write(`${prefix}${text}\n`);
    };
    process.on('uncaughtException', (error) => report('Uncaught exception in a callback:\n', error));
    process.on('unhandledRejection', (reason) => report('Unhandled promise rejection:\n', reason));
  }

  /** Resolves when every queued message has been sent, or after `ms`. */
  flushed(ms = 1000) {
    if (this.piped) return Promise.resolve(); // written synchronously
    const all = Promise.all([...this.outboxes.values()].map((outbox) => outbox.flushed()));
    return Promise.race([all, new Promise((resolve) => context.original.setTimeout(resolve, ms))]);
  }

  /**
   * process.exit() in a cell ends the kernel, as it would end a script; first the cell's output is sent,
   * with a line saying why the kernel stops. The call throws so that nothing after it in the cell runs.
   */
  installExit() {
    const exit = process.exit.bind(process);
    const kernel = this;
    process.exit = /** @type {any} */ (function exitFromCell(code) {
      const execution = context.current();
      if (!execution || kernel.exiting) return exit(code);
      kernel.exiting = true;
      const status = code === undefined ? process.exitCode ?? 0 : code;
      kernel.streams.flush();
      kernel.publishNow(
        'stream',
        {
          name: 'stderr',
          text: `\nThe kernel stopped: process.exit(${code === undefined ? '' : JSON.stringify(code)}) was called in this cell. ` +
            'Everything defined so far is gone; the kernel restarts (or use Kernel > Restart Kernel).\n',
        },
        execution.parent,
      );
      // Handed to ZeroMQ is not yet on the wire: give its I/O thread a moment before the process ends.
      kernel.flushed(2000).then(() => context.original.setTimeout(() => exit(status), EXIT_GRACE_MS));
      throw new Error(`process.exit(${code === undefined ? '' : code}) was called: the kernel is stopping`);
    });
  }

  shutdown() {
    this.streams.flush();
    this.flushed().then(() => {
      this.closed = true;
      try {
        this.engine.close();
      } catch {
        // closing is best effort
      }
      for (const socket of [this.iopub, this.shell, this.control, this.stdin, this.hb]) {
        try {
          socket.close();
        } catch {
          // already closed
        }
      }
      process.exit(0);
    });
  }
}

/** How long the kernel waits, after its last message was queued, before process.exit() ends it. */
const EXIT_GRACE_MS = 500;

/** What the learner reads after the WebAssembly backend ran out of memory. */
const WASM_RESTART =
  'The WebAssembly backend ran out of memory ("memory access out of bounds"), and from now on every tensor ' +
  'operation fails with "Aborted()". Restart the kernel (Kernel > Restart Kernel) and use smaller sizes.';

/** True for the errors of a WebAssembly module that ran out of memory or was aborted by it. */
function isWasmAbort(error) {
  if (!error) return false;
  const text = `${error.ename}: ${error.evalue}`;
  return /^RuntimeError: (memory access out of bounds|Aborted\()/.test(text) || /^(Error|RuntimeError): Aborted\(/.test(text);
}

/** When the client sent the request (its header's date), in ms; -Infinity when unknown. */
function sentAt(request) {
  const time = Date.parse(request.header && request.header.date);
  return Number.isFinite(time) ? time : -Infinity;
}

/** IPython's help syntax: `?name` or `name?` shows the name's type and documentation in the pager. */
function pageRequest(code) {
  const trimmed = code.trim();
  if (trimmed.includes('\n')) return null;
  let target = null;
  if (/^\?{1,2}[^?]/.test(trimmed)) target = trimmed.replace(/^\?+/, '');
  else if (/[^?]\?{1,2}$/.test(trimmed) && !/\?\.|\s\?/.test(trimmed)) target = trimmed.replace(/\?+$/, '');
  if (target === null || !/^[\w$.\s[\]'"()]+$/.test(target)) return null;
  const inner = target.trim();
  return { code: inner, cursor: inner.length };
}

module.exports = { Kernel, pageRequest, isWasmAbort };
