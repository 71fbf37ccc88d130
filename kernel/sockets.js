// @ts-check
'use strict';
/**
 * The kernel's five ZeroMQ sockets, bound to the ports of the connection file.
 */
const path = require('path');

/**
 * @param {any} c the connection file's content
 * @param {string} root the project's folder (zeromq comes with tslab)
 */
async function bindSockets(c, root) {
  const tslabDir = path.dirname(require.resolve('tslab/package.json', { paths: [root, __dirname] }));
  const zmq = require(require.resolve('zeromq', { paths: [tslabDir] }));
  const address = (port) => `${c.transport}://${c.ip}:${port}`;
  // No high-water mark: ZeroMQ would otherwise drop a publisher's messages past 1 000 queued (a cell that
  // displays 10 000 outputs), and with them the 'idle' status a client waits for.
  const unbounded = { sendHighWaterMark: 0, receiveHighWaterMark: 0 };
  const sockets = {
    iopub: new zmq.Publisher({ sendHighWaterMark: 0 }),
    shell: new zmq.Router(unbounded),
    control: new zmq.Router(unbounded),
    stdin: new zmq.Router(unbounded),
    hb: new zmq.Reply(),
  };
  await Promise.all([
    sockets.iopub.bind(address(c.iopub_port)),
    sockets.shell.bind(address(c.shell_port)),
    sockets.control.bind(address(c.control_port)),
    sockets.stdin.bind(address(c.stdin_port)),
    sockets.hb.bind(address(c.hb_port)),
  ]);
  return sockets;
}

module.exports = { bindSockets };
