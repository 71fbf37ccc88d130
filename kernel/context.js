// @ts-check
'use strict';
/**
 * Which cell a piece of running code belongs to.
 *
 * Every execution runs inside an AsyncLocalStorage context: its timers and promise continuations keep that
 * context, so output written by a callback long after its cell finished is still known to come from that
 * cell. This gives two things:
 *   - output is sent with the parent header of the request that started the code (the cell that printed it),
 *     not with whatever request happens to run at the moment;
 *   - once a cell is interrupted, its continuations are silenced and its pending timers never fire, so an
 *     interrupted `setInterval` or timer-driven async loop stops, and nothing it prints lands in another cell.
 */
const { AsyncLocalStorage } = require('async_hooks');

const storage = new AsyncLocalStorage();

/** The execution that the currently running code belongs to, or undefined for the kernel's own code. */
function current() {
  return storage.getStore();
}

function run(execution, fn) {
  return storage.run(execution, fn);
}

/** Runs `fn` outside of any execution (for the kernel's own timers). */
function outside(fn) {
  return storage.exit(fn);
}

const original = {
  setTimeout: globalThis.setTimeout,
  setInterval: globalThis.setInterval,
  setImmediate: globalThis.setImmediate,
  clearInterval: globalThis.clearInterval,
  clearTimeout: globalThis.clearTimeout,
};

/**
 * Makes the global timers skip callbacks of interrupted executions. Only code that runs inside an execution
 * is affected; the kernel's own timers (created outside) behave as usual.
 */
function installTimerGuards() {
  const guard = (fn, onSkip) =>
    /** @this {unknown} */
    function guarded(...args) {
      const execution = storage.getStore();
      if (execution && execution.interrupted) {
        if (onSkip) onSkip();
        return undefined;
      }
      return fn.apply(this, args);
    };
  const wrap = (name, withSkip) => {
    const base = original[name];
    /** @this {unknown} */
    const wrapped = function (callback, ...rest) {
      if (typeof callback !== 'function' || !storage.getStore()) return base.call(this, callback, ...rest);
      let handle;
      handle = base.call(this, guard(callback, withSkip ? () => original.clearInterval(handle) : undefined), ...rest);
      return handle;
    };
    // Keep util.promisify(setTimeout) and friends working.
    Object.defineProperties(wrapped, Object.getOwnPropertyDescriptors(base));
    globalThis[name] = wrapped;
  };
  wrap('setTimeout', false);
  wrap('setInterval', true);
  wrap('setImmediate', false);
}

module.exports = { current, run, outside, original, installTimerGuards };
