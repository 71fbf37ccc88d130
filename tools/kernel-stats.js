#!/usr/bin/env node
// @ts-check
/**
 * Startup time and idle memory of the `gradscope` kernel, as `npm run doctor` reports them.
 *
 *   node tools/kernel-stats.js [--entry path/to/main.js] [--idle-ms 5000]
 *
 * Starts the kernel the way Jupyter does (node <entry> <connection_file>), sends kernel_info_request on the
 * shell channel and prints JSON:
 *   startupSeconds     wall time from spawn to the kernel_info_reply
 *   startupCpuSeconds  CPU time (user + system) the kernel (both its processes) used until then
 *   idleRssMiB         resident memory of both processes after the kernel has been idle for --idle-ms
 * then shuts the kernel down. `measure()` is exported for other scripts.
 */
'use strict';
const childProcess = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const wire = require('../kernel/wire');

const DEFAULT_ENTRY = require('./paths').kernelEntry;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

function procStat(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = 100; // USER_HZ on Linux
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / ticks;
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    return { cpuSeconds, rssMiB: rss ? Number(rss[1]) / 1024 : NaN };
  } catch {
    return { cpuSeconds: NaN, rssMiB: NaN };
  }
}

/** CPU and memory of a process and its children (the kernel's watchdog and the process that runs the cells). */
function treeStat(pid) {
  let children = [];
  try {
    children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    // no children, or not Linux
  }
  return [pid, ...children].map(procStat).reduce((sum, one) => ({
    cpuSeconds: sum.cpuSeconds + one.cpuSeconds,
    rssMiB: sum.rssMiB + one.rssMiB,
  }));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure({ entry = DEFAULT_ENTRY, idleMs = 5000, timeoutMs = 60000 } = {}) {
  const zmq = require(path.join(__dirname, '..', 'node_modules', 'zeromq'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-kernel-stats-'));
  const names = ['shell_port', 'iopub_port', 'stdin_port', 'control_port', 'hb_port'];
  const connection = { transport: 'tcp', ip: '127.0.0.1', signature_scheme: 'hmac-sha256', key: wire.newId() };
  for (const name of names) connection[name] = await freePort();
  const file = path.join(dir, 'connection.json');
  fs.writeFileSync(file, JSON.stringify(connection));
  const sign = wire.signer(connection.key);
  const session = wire.newId();
  const shell = new zmq.Dealer();
  const control = new zmq.Dealer();
  shell.connect(`tcp://127.0.0.1:${connection.shell_port}`);
  control.connect(`tcp://127.0.0.1:${connection.control_port}`);
  const started = process.hrtime.bigint();
  const kernel = childProcess.spawn(process.execPath, [entry, file], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, GRADSCOPE_ROOT: process.env.GRADSCOPE_ROOT || path.resolve(__dirname, '..') },
  });
  let stderr = '';
  kernel.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => kernel.on('exit', resolve));
  try {
    const reply = (async () => {
      // A request sent before the kernel binds is queued by ZeroMQ and delivered once it listens.
      await shell.send(wire.serialize({ header: wire.header('kernel_info_request', session), content: {} }, sign));
      for (;;) {
        const [frames] = [await shell.receive()];
        const msg = wire.parse(frames, sign);
        if (msg.header.msg_type === 'kernel_info_reply') return msg;
      }
    })();
    const timeout = sleep(timeoutMs).then(() => {
      throw new Error(`no kernel_info_reply within ${timeoutMs / 1000} s${stderr ? `; kernel stderr:\n${stderr}` : ''}`);
    });
    const failed = exited.then((code) => {
      throw new Error(`the kernel exited with ${code} before replying${stderr ? `:\n${stderr}` : ''}`);
    });
    await Promise.race([reply, timeout, failed]);
    const startupSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const atReply = treeStat(kernel.pid);
    await sleep(idleMs);
    const idle = treeStat(kernel.pid);
    return {
      startupSeconds: Number(startupSeconds.toFixed(2)),
      startupCpuSeconds: Number(atReply.cpuSeconds.toFixed(2)),
      idleRssMiB: Number(idle.rssMiB.toFixed(1)),
    };
  } finally {
    try {
      await control.send(
        wire.serialize({ header: wire.header('shutdown_request', session), content: { restart: false } }, sign),
      );
    } catch {
      // the kernel is gone already
    }
    const stopped = await Promise.race([exited.then(() => true), sleep(3000).then(() => false)]);
    if (!stopped) kernel.kill('SIGKILL');
    shell.close();
    control.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { measure };

if (require.main === module) {
  const args = process.argv.slice(2);
  const option = (name) => {
    const index = args.indexOf(name);
    return index >= 0 ? args[index + 1] : undefined;
  };
  const entryOption = option('--entry');
  const entry = entryOption ? path.resolve(entryOption) : DEFAULT_ENTRY;
  const idleMs = option('--idle-ms') ? Number(option('--idle-ms')) : 5000;
  measure({ entry, idleMs })
    .then((stats) => {
      console.log(JSON.stringify(stats));
      process.exit(0);
    })
    .catch((error) => {
      console.error(`kernel-stats: ${error.message}`);
      process.exit(1);
    });
}
