// @ts-check
'use strict';
/**
 * The pipe from the process that runs the cells (runner.js) to the watchdog that owns the sockets (watchdog.js).
 *
 * Everything the cell process sends (iopub messages, shell and control replies, stream output, what it is
 * doing) is one JSON line on file descriptor 3, written synchronously: once a cell has printed a line, that line
 * is in the pipe, even if the process dies the next instant (a heap out-of-memory), and the lines keep their
 * order. Requests go the other way over Node's IPC channel (`process.send`).
 */
const fs = require('fs');
const { StringDecoder } = require('string_decoder');

const FD = 3;

/** Writes one record to the watchdog; waits while the pipe is full rather than losing it. */
function write(record) {
  const data = Buffer.from(`${JSON.stringify(record)}\n`);
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += fs.writeSync(FD, data, offset, data.length - offset);
    } catch (error) {
      if (!error || error.code !== 'EAGAIN') throw error;
    }
  }
}

/** Frames of a message as text that survives JSON (base64), and back. */
const encode = (/** @type {Buffer[]} */ frames) => frames.map((frame) => Buffer.from(frame).toString('base64'));
const decode = (/** @type {string[]} */ frames) => frames.map((frame) => Buffer.from(frame, 'base64'));

/** Splits a byte stream into records, calling `onRecord` for each complete line. */
function reader(onRecord) {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  return (/** @type {Buffer} */ chunk) => {
    rest += decoder.write(chunk);
    let newline = rest.indexOf('\n');
    while (newline >= 0) {
      const line = rest.slice(0, newline);
      rest = rest.slice(newline + 1);
      if (line) onRecord(JSON.parse(line));
      newline = rest.indexOf('\n');
    }
  };
}

module.exports = { FD, write, encode, decode, reader };
