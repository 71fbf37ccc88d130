// @ts-check
'use strict';
/**
 * One queue of outgoing messages per socket.
 *
 * A ZeroMQ socket of zeromq.js accepts one send at a time ("Socket is busy writing" otherwise). Every
 * message the kernel sends goes through an Outbox, which sends them one after the other, in order, so a
 * cell that displays 10 000 outputs, or a client that queues 1 000 requests, loses nothing.
 */
class Outbox {
  /**
   * @param {{ send(frames: Buffer[]): Promise<void> }} socket
   * @param {(text: string) => void} log where a failed send is reported (the kernel's own log)
   */
  constructor(socket, log) {
    this.socket = socket;
    this.log = log;
    /** @type {Buffer[][]} */
    this.items = [];
    this.sending = false;
    this.closed = false;
    /** @type {(() => void)[]} */
    this.waiting = [];
  }

  /** Queues one message (its frames); returns at once. */
  send(/** @type {Buffer[]} */ frames) {
    if (this.closed) return;
    this.items.push(frames);
    if (!this.sending) void this.drain();
  }

  async drain() {
    this.sending = true;
    try {
      while (this.items.length > 0 && !this.closed) {
        const frames = /** @type {Buffer[]} */ (this.items.shift());
        try {
          await this.socket.send(frames);
        } catch (error) {
          if (!this.closed) this.log(`gradscope kernel: a message could not be sent: ${error && error.message}`);
        }
      }
    } finally {
      this.sending = false;
      for (const resolve of this.waiting.splice(0)) resolve();
    }
  }

  /** Resolves once every queued message has been handed to ZeroMQ. */
  flushed() {
    if (!this.sending && this.items.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(() => resolve(undefined)));
  }

  close() {
    this.closed = true;
    this.items = [];
  }
}

module.exports = { Outbox };
