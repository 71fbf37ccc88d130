#!/usr/bin/env node
// @ts-check
/**
 * The process that runs the cells, started (and restarted) by the watchdog (watchdog.js, started by main.js).
 *
 *   node kernel/runner.js <connection_file>
 *
 * It speaks the protocol as server.js does, without sockets of its own: requests come over Node's IPC channel,
 * everything it sends goes through the pipe on file descriptor 3 (pipe.js).
 */
'use strict';
const path = require('path');

const connectionFile = process.argv[2];
if (!connectionFile || typeof process.send !== 'function') {
  console.error('usage: started by kernel/main.js (the watchdog), not by hand');
  process.exit(2);
}
process.env.GRADSCOPE_ROOT = process.env.GRADSCOPE_ROOT || path.resolve(__dirname, '..');
const { Kernel } = require('./server');

new Kernel({ connectionFile, root: process.env.GRADSCOPE_ROOT, piped: true, session: process.env.GRADSCOPE_KERNEL_SESSION })
  .start()
  .catch((error) => {
    console.error(`gradscope kernel: could not start: ${error && error.stack ? error.stack : error}`);
    process.exit(1);
  });
