/**
 * The kernel under load and under faults, on the real kernel: bursts of output and of requests lose
 * nothing, a failed cell keeps what ran before the error, process.exit() says why the kernel stops, ESM-only packages import, console.clear() clears, and a WebAssembly
 * out-of-memory tells the learner to restart. Every loop shape stops within a second of an interrupt; a heap
 * out-of-memory says why the kernel restarted, after the output the cell printed before it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Action, Output, SessionRecord, plain, session, streamText } from './kernel-helpers';

const BURST = 10000;
const QUEUED = 1000;

/**
 * One kernel for the burst and then the faults a learner meets (in a folder with an ESM-only package): the
 * burst's cells first, while every cell can come from the cell cache (the faults import a package from outside
 * the installation, and cells compiled after that are not cached).
 */
const FAULT_CELLS: Action[] = [
  { op: 'execute', code: "const important = 42;\nimport * as os from 'os';\nthrow new Error('oops');\nconst later = 1;", stop_on_error: false },
  { op: 'execute', code: 'important + os.EOL.length' },
  { op: 'execute', code: "console.log('soon gone');\nconsole.clear();\nconsole.log('kept');" },
  { op: 'execute', code: "const m = await import('esm-only-fixture');\nm.hello('dynamic')" },
  { op: 'execute', code: "import { hello } from 'esm-only-fixture';\nhello('static')" },
  { op: 'execute', code: "throw new (globalThis as any).WebAssembly.RuntimeError('memory access out of bounds')", stop_on_error: false },
  { op: 'is_complete', code: '@@@' },
  { op: 'is_complete', code: 'function f(a: number) {' },
];
const BURST_CELLS: Action[] = [
  {
    op: 'execute',
    code: `import * as tslab from 'tslab';\nfor (let i = 0; i < ${BURST}; i++) tslab.display.html(\`<b>\${i}</b>\`);\nlet queued = -2;\n'done'`,
    timeout: 900,
  },
  ...Array.from({ length: QUEUED }, () => ({ op: 'execute' as const, code: 'queued += 2', wait: false })),
  { op: 'wait_all', timeout: 900 },
];
const BURST_REQUESTS = 1 + QUEUED;
let esmDir: string | undefined;
let shared: SessionRecord | undefined;
function sharedSession(): SessionRecord {
  if (shared) return shared;
  // An npm package that offers only an ES module ("exports" with the "import" condition alone).
  esmDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-esm-'));
  const pkg = path.join(esmDir, 'node_modules', 'esm-only-fixture');
  fs.mkdirSync(pkg, { recursive: true });
  fs.writeFileSync(
    path.join(pkg, 'package.json'),
    JSON.stringify({ name: 'esm-only-fixture', version: '1.0.0', type: 'module', types: 'index.d.ts', exports: { '.': { import: './index.js' } } }),
  );
  fs.writeFileSync(path.join(pkg, 'index.js'), 'export const hello = (name) => `hello ${name}`;\n');
  fs.writeFileSync(path.join(pkg, 'index.d.ts'), 'export declare const hello: (name: string) => string;\n');
  shared = session([...BURST_CELLS, ...FAULT_CELLS], { cwd: esmDir });
  return shared;
}
afterAll(() => {
  if (esmDir) fs.rmSync(esmDir, { recursive: true, force: true });
});

test(`${BURST} outputs from one cell and ${QUEUED} queued execute requests: nothing is lost`, () => {
  // Every queued request is the same cell, which adds 2 to a counter and shows it: request i must show 2 * i,
  // so a request lost, run twice, run out of order or answered with another's output shows a wrong number.
  // The same source after the same declarations is compiled once and then comes from the cell cache, so the
  // kernel's time goes to the requests, not to compiling a thousand cells.
  const record = sharedSession();
  const [burst, ...queued] = record.requests.slice(0, BURST_REQUESTS);
  expect(burst.code).toContain('tslab.display.html');
  expect(burst.reply.status).toBe('ok');
  const shown = burst.outputs.filter((o) => o.msg_type === 'display_data').map((o) => o.content.data['text/html']);
  expect(shown).toHaveLength(BURST);
  expect(shown[0]).toBe('<b>0</b>');
  expect(shown[BURST - 1]).toBe(`<b>${BURST - 1}</b>`);
  expect(new Set(shown).size).toBe(BURST);
  expect(burst.outputs.filter((o) => o.msg_type === 'execute_result')).toHaveLength(1);

  expect(queued).toHaveLength(QUEUED);
  queued.forEach((request, i) => {
    expect(request.reply).toMatchObject({ status: 'ok' });
    const result = request.outputs.find((o: Output) => o.msg_type === 'execute_result');
    expect(result?.content.data['text/plain']).toBe(String(i * 2));
  });
  // Execution counts follow the order the requests were sent in.
  expect(queued.map((r) => r.reply.execution_count)).toEqual(Array.from({ length: QUEUED }, (_, i) => i + 2));
}, 1000000);

describe('faults a learner meets', () => {
  /** The faults' requests, after the burst's. */
  let record: { requests: SessionRecord['requests']; others: SessionRecord['others'] };
  beforeAll(() => {
    const all = sharedSession();
    record = { requests: all.requests.slice(BURST_REQUESTS), others: all.others };
  }, 1000000);

  const result = (index: number) =>
    record.requests[index].outputs.find((o) => o.msg_type === 'execute_result')?.content.data['text/plain'];

  test('a failed cell keeps what it defined before the error, and says what it did not reach', () => {
    const failed = record.requests[0];
    expect(failed.code).toContain('const important = 42;');
    expect(failed.reply).toMatchObject({ status: 'error', ename: 'Error', evalue: 'oops' });
    const traceback = plain(failed.reply.traceback).join('\n');
    expect(traceback).toMatch(/Kept from this cell \(defined before the error\): .*important/);
    expect(traceback).toMatch(/Kept from this cell .*\bos\b/);
    expect(traceback).toMatch(/Not defined, the cell stopped before them .*: later/);
    expect(record.requests[1].reply.status).toBe('ok');
    expect(result(1)).toBe(String(42 + os.EOL.length));
  });

  test('console.clear() clears the cell output (clear_output), between what came before and after', () => {
    const kinds = record.requests[2].outputs.filter((o) => o.msg_type !== 'execute_input');
    expect(kinds.map((o) => (o.msg_type === 'stream' ? `stream:${o.content.text}` : o.msg_type))).toEqual([
      'stream:soon gone\n',
      'clear_output',
      'stream:kept\n',
    ]);
  });

  test('an ESM-only npm package imports, with await import() and with import', () => {
    expect(record.requests[3].reply.status).toBe('ok');
    expect(result(3)).toBe("'hello dynamic'");
    expect(record.requests[4].reply.status).toBe('ok');
    expect(result(4)).toBe("'hello static'");
  });

  test('a WebAssembly out-of-memory error tells the learner to restart the kernel', () => {
    const traceback = plain(record.requests[5].reply.traceback).join('\n');
    expect(traceback).toMatch(/^RuntimeError: memory access out of bounds/);
    expect(traceback).toContain('Restart the kernel (Kernel > Restart Kernel)');
  });

  test('is_complete: `@@@` is invalid, an open function is incomplete', () => {
    expect(record.others[0]).toMatchObject({ msg_type: 'is_complete_reply', content: { status: 'invalid' } });
    expect(record.others[1]).toMatchObject({ msg_type: 'is_complete_reply', content: { status: 'incomplete' } });
  });
});

/**
 * One kernel, started with a small heap (so that the allocating cell reaches the limit in a second or two), for
 * the two ways a cell can end the process: process.exit(), then a heap out-of-memory in the process the
 * kernel started after it.
 */
let ending: SessionRecord | undefined;
function endingSession(): SessionRecord {
  ending ??= session(
    [
      { op: 'execute', code: '"warm up the compiler"' },
      { op: 'execute', code: "console.log('last line');\nprocess.exit(3);\nconsole.log('not printed');", timeout: 60 },
      { op: 'execute', code: '"alive"', timeout: 120 },
      {
        op: 'execute',
        code: "console.log('last line before the allocation');\nconst hog: number[][] = [];\nwhile (true) hog.push(new Array(1e6).fill(1.5));",
        timeout: 120,
      },
      { op: 'execute', code: '"alive"', timeout: 120 },
    ],
    { env: { GRADSCOPE_KERNEL_HEAP_MB: '320' } },
  );
  return ending;
}

test('process.exit() in a cell: the output before it arrives, then why the kernel stopped; nothing after it runs', () => {
  const record = endingSession();
  const outputs = record.requests[1].outputs;
  expect(streamText(outputs)).toBe('last line\n');
  expect(streamText(outputs, 'stderr')).toMatch(/The kernel stopped: process\.exit\(3\) was called in this cell/);
  expect(streamText(outputs) + streamText(outputs, 'stderr')).not.toContain('not printed');
  // The watchdog answers for the cell and starts a fresh process: the next cell runs.
  expect(record.requests[1].reply).toMatchObject({ status: 'error', ename: 'KernelDied', evalue: expect.stringMatching(/exit code 3/) });
  expect(record.requests[2].reply.status).toBe('ok');
}, 400000);

describe('interrupt: every loop shape stops within a second', () => {
  // A loop before any await (stopped where it is, everything kept); after an await, and a loop of microtasks
  // (`await Promise.resolve()`), which never return to the event loop: the kernel restarts and says so.
  const loops = {
    synchronous: "console.log('looping');\nlet spins = 0;\nwhile (true) { spins++; }",
    'after an await': "console.log('looping');\nawait null;\nwhile (true) {}",
    'of microtasks': "console.log('looping');\nlet pt = 0;\nwhile (true) { pt++; await Promise.resolve(); }",
  };
  const marker = '(globalThis as any).marker';
  let record: ReturnType<typeof session>;
  beforeAll(() => {
    const actions: Parameters<typeof session>[0] = [{ op: 'execute', code: `const kept = 42;\n${marker} = 'set';`, timeout: 120 }];
    for (const code of Object.values(loops)) {
      actions.push(
        { op: 'execute', code, wait: false },
        // Its loop runs (compiled, printed), plus a moment.
        { op: 'wait_output', text: 'looping', timeout: 120 },
        { op: 'sleep', seconds: 0.3 },
        { op: 'interrupt' },
        { op: 'wait_all', timeout: 30 },
        // What survived: the cell's and earlier cells' definitions, or nothing after a restart.
        { op: 'execute', code: `typeof ${marker}`, timeout: 120 },
      );
    }
    record = session(actions);
  }, 400000);

  const requestOf = (code: string) => record.requests.findIndex((r) => r.code === code);
  const resultOf = (index: number) =>
    record.requests[index].outputs.find((o) => o.msg_type === 'execute_result')?.content.data['text/plain'];

  test.each(Object.entries(loops))('a loop %s', (shape, code) => {
    const index = requestOf(code);
    const loop = record.requests[index];
    console.log(`interrupt latency of a loop ${shape}: ${loop.after_interrupt} s`);
    expect(loop.reply).toMatchObject({ status: 'error', ename: 'KeyboardInterrupt' });
    expect(loop.after_interrupt).toBeLessThan(1);
    const next = record.requests[index + 1];
    expect(next.reply.status).toBe('ok');
    if (shape === 'synchronous') {
      // Stopped where it was: the process and every definition are kept.
      expect(loop.reply.evalue).toBe('the cell was interrupted');
      expect(resultOf(index + 1)).toBe("'string'");
    } else {
      // Its process was restarted, and the error says that everything defined is gone.
      const traceback = plain(loop.reply.traceback).join('\n');
      expect(traceback).toMatch(/did not stop within 0\.4 s of the interrupt, so the kernel restarted/);
      expect(traceback).toContain('Everything defined so far (variables, functions, imports) is gone');
      expect(resultOf(index + 1)).toBe("'undefined'");
    }
  });
});

test('an interrupt while the kernel starts or compiles the cell stops it without a restart', () => {
  // Sent right after start: the cell process is starting or building the compiler. The watchdog waits for the
  // compilation and signals again once the loop runs (or the cell never starts); nothing is restarted.
  const record = session([
    { op: 'execute', code: 'let early = 0;\nwhile (true) { early++; }', wait: false },
    { op: 'sleep', seconds: 0.2 },
    { op: 'interrupt' },
    { op: 'wait_all', timeout: 120 },
    { op: 'execute', code: '"alive"', timeout: 120 },
  ]);
  const loop = record.requests[0];
  console.log(`interrupt during start-up or compilation: ${loop.reply.evalue}, ${loop.after_interrupt} s`);
  expect(loop.reply).toMatchObject({ status: 'error', ename: 'KeyboardInterrupt' });
  expect(loop.reply.evalue).toMatch(/^the cell was interrupted( before it started)?$/);
  expect(record.requests[1].reply.status).toBe('ok');
}, 400000);

test('a JavaScript heap out-of-memory: the output before it arrives, then why the kernel restarted', () => {
  const record = endingSession();
  const hog = record.requests[3];
  expect(streamText(hog.outputs)).toBe('last line before the allocation\n');
  expect(hog.reply).toMatchObject({ status: 'error', ename: 'HeapOutOfMemory' });
  const error = hog.outputs.find((o) => o.msg_type === 'error');
  expect(plain(error?.content.traceback ?? []).join('\n')).toMatch(
    /JavaScript heap ran out of memory \(limit 320 MiB, set by GRADSCOPE_KERNEL_HEAP_MB\).*\n.*the kernel restarted\. Everything defined so far/,
  );
  expect(record.requests[4].reply.status).toBe('ok');
}, 400000);
