/**
 * What a learner meets in JupyterLab, checked on the real kernel: "Run all" after a failing cell, errors
 * that say what and where, results shown as Out[n] (charts included), and interrupts that stop a cell
 * without its output turning up in another one.
 */
import { Action, SessionRecord, plain, runAll, session, streamText } from './kernel-helpers';

describe('a notebook run with errors allowed (Run all after a typo, nbconvert --allow-errors)', () => {
  const cells = [
    'throw new Error("a typo in the first cell");',
    'console.log("second cell runs");',
    'const x: number = 40;\nx + 2',
    'import * as tslab from "tslab";\ntslab.display.html("<b>shown</b>");',
    'let wrong: string = 1;',
    'undefinedName + 1',
    '"after two more errors"',
  ];
  let result: ReturnType<typeof runAll>;
  beforeAll(() => {
    result = runAll(cells);
  }, 170000);

  test('the failing cell shows a red error box with name and message', () => {
    const [error] = result[0].outputs;
    expect(error).toMatchObject({ output_type: 'error', ename: 'Error', evalue: 'a typo in the first cell' });
  });

  test('every later cell produces its output', () => {
    expect(result[1].outputs).toEqual([expect.objectContaining({ output_type: 'stream', name: 'stdout', text: 'second cell runs\n' })]);
    expect(result[2].outputs).toEqual([expect.objectContaining({ output_type: 'execute_result', data: { 'text/plain': '42' } })]);
    expect(result[3].outputs).toEqual([expect.objectContaining({ output_type: 'display_data', data: { 'text/html': '<b>shown</b>' } })]);
    expect(result[4].outputs).toEqual([expect.objectContaining({ output_type: 'error', ename: 'TSError' })]);
    expect(result[5].outputs).toEqual([expect.objectContaining({ output_type: 'error', ename: 'TSError' })]);
    expect(result[6].outputs).toEqual([
      expect.objectContaining({ output_type: 'execute_result', data: { 'text/plain': "'after two more errors'" } }),
    ]);
    // Out[n] numbers follow the cells.
    expect(result.map((c) => c.execution_count)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('stop_on_error', () => {
  // One kernel for both: the requests that stop_on_error false lets run come after those it aborts.
  let record: ReturnType<typeof session>;
  beforeAll(() => {
    record = session([
      { op: 'execute', code: '1' },
      { op: 'execute', code: 'await new Promise((r) => setTimeout(r, 300));\nthrow new Error("stop here")', wait: false },
      { op: 'execute', code: 'console.log("queued, not run")', wait: false },
      { op: 'wait_all' },
      { op: 'execute', code: 'console.log("sent after the error")' },
      { op: 'execute', code: 'throw new Error("first")', stop_on_error: false, wait: false },
      { op: 'execute', code: 'console.log("second")', stop_on_error: false, wait: false },
      { op: 'execute', code: '6 * 7', stop_on_error: false, wait: false },
      { op: 'wait_all' },
    ]);
  }, 170000);

  test('requests queued behind a failing cell are aborted when stop_on_error is set, and later ones run', () => {
    const [, failing, queued, after] = record.requests;
    expect(failing.reply.status).toBe('error');
    expect(queued.reply.status).toBe('aborted');
    expect(queued.outputs).toEqual([]);
    expect(after.reply.status).toBe('ok');
    expect(streamText(after.outputs)).toBe('sent after the error\n');
  });

  test('with stop_on_error false, requests queued behind a failing cell still run', () => {
    const requests = record.requests.slice(4);
    expect(requests.map((r) => r.reply.status)).toEqual(['error', 'ok', 'ok']);
    expect(streamText(requests[1].outputs)).toBe('second\n');
    expect(requests[2].outputs.find((o) => o.msg_type === 'execute_result')?.content.data['text/plain']).toBe('42');
  });
});

/**
 * One kernel for the errors, the Out[n] values and the protocol details: the cells of one follow those of the
 * other (their names do not clash), and the session ends with comm_info and a shutdown.
 */
const ERROR_CELLS: Action[] = [
  { op: 'execute', code: 'function risky(n: number) {\n  // a comment\n  const o: any = n > 1 ? undefined : {};\n\n  return o.value;\n}' },
  { op: 'execute', code: 'const k = 1;\n\nconsole.log("before");\nrisky(k + 1);', stop_on_error: false },
  { op: 'execute', code: 'const a = 1;\nconst b: string = a;', stop_on_error: false },
  { op: 'execute', code: 'throw "a plain string"', stop_on_error: false },
];
const VALUE_CELLS: Action[] = [
  { op: 'execute', code: 'undefined' },
  { op: 'execute', code: 'const t = setTimeout(() => {}, 10);\nt' },
  { op: 'execute', code: 'Array.from({ length: 1000 }, (_, i) => i)' },
  { op: 'execute', code: "({ data: [{ type: 'scatter', x: [1, 2], y: [3, 4] }], layout: { title: { text: 'by hand' } } })" },
  {
    op: 'execute',
    code:
      "({ toMimeBundle: async () => ({ data: { 'text/html': '<p>record</p>', 'text/plain': 'record' }, metadata: { isolated: true } }) })",
  },
  { op: 'execute', code: 'let nothing = 1;' },
  { op: 'execute', code: '({ toMimeBundle() { throw new Error("render failed"); } })' },
];
let shared: SessionRecord | undefined;
function sharedSession(): SessionRecord {
  shared ??= session([...ERROR_CELLS, ...VALUE_CELLS, { op: 'comm_info' }, { op: 'shutdown', restart: true }]);
  return shared;
}

describe('errors say what happened and where', () => {
  let record: SessionRecord;
  beforeAll(() => {
    record = sharedSession();
  }, 170000);

  test('a runtime error: name, message, and the cell lines of every frame, with the code around it', () => {
    const call = record.requests[1];
    expect(call.reply).toMatchObject({ status: 'error', ename: 'TypeError' });
    expect(call.reply.evalue).toMatch(/Cannot read properties of undefined \(reading 'value'\)/);
    const errors = call.outputs.filter((o) => o.msg_type === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].content.ename).toBe('TypeError');
    const traceback = plain(errors[0].content.traceback).join('\n');
    expect(traceback).toMatch(/^TypeError: Cannot read properties of undefined/);
    expect(traceback).toContain('at risky (cell [1], line 5)');
    expect(traceback).toContain('at cell [2], line 4');
    expect(traceback).toMatch(/--> 5\s+return o\.value;/);
    // Output printed before the error stays, on stdout.
    expect(streamText(call.outputs)).toBe('before\n');
    // No tslab or kernel internals in what the learner reads.
    expect(traceback).not.toMatch(/tslab|[\\/]kernel[\\/]|node:/);
  });

  test('a type error: TSError with the message, line and column, not stderr text', () => {
    const typeError = record.requests[2];
    expect(typeError.reply).toMatchObject({ status: 'error', ename: 'TSError' });
    expect(typeError.reply.evalue).toContain("Type 'number' is not assignable to type 'string'.");
    expect(typeError.reply.evalue).toContain('line 2');
    expect(plain(typeError.reply.traceback).join('\n')).toContain('cell [3], line 2:7 (TS2322)');
    expect(streamText(typeError.outputs, 'stderr')).toBe('');
  });

  test('a thrown non-Error value is reported too', () => {
    expect(record.requests[3].reply).toMatchObject({ status: 'error', ename: 'Uncaught', evalue: "'a plain string'" });
  });
});

describe('Out[n]: the value of the last expression', () => {
  let record: SessionRecord;
  beforeAll(() => {
    record = sharedSession();
  }, 170000);

  /** The request of the index-th of VALUE_CELLS. */
  const at = (index: number) => record.requests[ERROR_CELLS.length + index];
  const result = (index: number) => at(index).outputs.filter((o) => o.msg_type === 'execute_result');

  test('undefined and declarations show no result', () => {
    expect(result(0)).toEqual([]);
    expect(result(5)).toEqual([]);
  });

  test('plain values are short text: a timer is one line, a long array is cut', () => {
    expect(result(1)[0].content.data['text/plain']).toMatch(/^Timeout \{ id: \d+ \}$/);
    const text = result(2)[0].content.data['text/plain'];
    expect(text).toContain('... 950 more items');
    expect(text.length).toBeLessThan(1000);
    expect(result(2)[0].content.execution_count).toBe(ERROR_CELLS.length + 3);
  });

  test('a Plotly figure is sent as a chart, with text for places that cannot draw it', () => {
    const [out] = result(3);
    expect(out.content.data['application/vnd.plotly.v1+json']).toEqual({
      data: [{ type: 'scatter', x: [1, 2], y: [3, 4] }],
      layout: { title: { text: 'by hand' } },
    });
    expect(typeof out.content.data['text/plain']).toBe('string');
  });

  test('a bundle that fails to render falls back to text, with the reason on stderr', () => {
    expect(at(6).reply.status).toBe('ok');
    expect(result(6)[0].content.data).toEqual({ 'text/plain': expect.stringContaining('toMimeBundle') });
    expect(streamText(at(6).outputs, 'stderr')).toContain('render failed');
  });

  test('an object with toMimeBundle() shows its own bundle', () => {
    const [out] = result(4);
    expect(out.content.data).toEqual({ 'text/html': '<p>record</p>', 'text/plain': 'record' });
    expect(out.content.metadata).toEqual({ isolated: true });
  });
});

describe('interrupt', () => {
  // One kernel for the three: a synchronous loop, then an async loop and a waiting continuation, then a result
  // that never finishes rendering; each is interrupted and the kernel goes on.
  const SYNC = 1;
  const ASYNC = 3;
  const RENDER = 6;
  let record: SessionRecord;
  beforeAll(() => {
    record = session([
      { op: 'execute', code: '"warm up the compiler"' },
      { op: 'execute', code: "console.log('looping');\nlet spins = 0;\nwhile (true) { spins++; }", wait: false },
      // The loop runs (compiled, printed), plus a moment.
      { op: 'wait_output', text: 'looping', timeout: 120 },
      { op: 'sleep', seconds: 0.3 },
      { op: 'interrupt' },
      { op: 'wait_all', timeout: 30 },
      { op: 'execute', code: 'spins > 0' },
      // A timer-driven loop, as a training loop that awaits between steps.
      { op: 'execute', code: 'const g = globalThis as any;\ng.ticks = 0;\nfor (;;) {\n  await new Promise((r) => setTimeout(r, 50));\n  console.log("tick", g.ticks++);\n}', wait: false },
      { op: 'sleep', seconds: 0.6 },
      { op: 'interrupt' },
      { op: 'wait_all', timeout: 20 },
      // A continuation waiting on something the next cell releases.
      {
        op: 'execute',
        code: 'const gate = new Promise<void>((r) => { (globalThis as any).openGate = r; });\ngate.then(() => console.log("late output of the interrupted cell"));\nawait gate;',
        wait: false,
      },
      { op: 'sleep', seconds: 0.5 },
      { op: 'interrupt' },
      { op: 'wait_all', timeout: 20 },
      { op: 'execute', code: '(globalThis as any).openGate();\nawait new Promise((r) => setTimeout(r, 600));\nconsole.log("own output");\n(globalThis as any).ticks' },
      { op: 'execute', code: '({ toMimeBundle: () => new Promise(() => {}) })', wait: false },
      { op: 'sleep', seconds: 1.5 },
      { op: 'interrupt_until_answered', every: 2, timeout: 30 },
      { op: 'execute', code: '"alive"' },
    ]);
  }, 170000);

  test('stops an endless synchronous loop within a second, with KeyboardInterrupt; what it defined is kept', () => {
    const loop = record.requests[SYNC];
    expect(loop.reply).toMatchObject({ status: 'error', ename: 'KeyboardInterrupt' });
    console.log(`interrupt latency of a synchronous loop: ${loop.after_interrupt} s`);
    expect(loop.after_interrupt).toBeLessThan(1);
    expect(record.requests[SYNC + 1].outputs.find((o) => o.msg_type === 'execute_result')?.content.data['text/plain']).toBe('true');
  });

  test("an interrupted async cell's later output does not appear in another cell, and its timers stop", () => {
    const [loop, gated, next] = record.requests.slice(ASYNC, ASYNC + 3);
    expect(loop.reply).toMatchObject({ status: 'error', ename: 'KeyboardInterrupt' });
    expect(gated.reply).toMatchObject({ status: 'error', ename: 'KeyboardInterrupt' });
    expect(next.reply.status).toBe('ok');
    expect(streamText(next.outputs)).toBe('own output\n');
    // The loop stopped: its counter did not move while the next cell waited 600 ms.
    const ticksSeen = (streamText(loop.outputs).match(/tick/g) || []).length;
    const counter = Number(next.outputs.find((o) => o.msg_type === 'execute_result')?.content.data['text/plain']);
    expect(counter).toBeLessThanOrEqual(ticksSeen + 1);
    for (const request of record.requests) {
      expect(streamText(request.late)).toBe('');
      expect(streamText(request.outputs)).not.toContain('late output of the interrupted cell');
    }
  });

  test('a result that never finishes rendering can be interrupted', () => {
    expect(record.requests).toHaveLength(RENDER + 2);
    expect(record.requests[RENDER]).toMatchObject({ code: expect.stringContaining('toMimeBundle'), reply: { status: 'error', ename: 'KeyboardInterrupt' } });
    expect(record.requests[RENDER + 1].reply.status).toBe('ok');
  });
});

describe('protocol details clients rely on', () => {
  test('comm_info_reply is labelled as such; shutdown_reply carries status and the restart flag', () => {
    const record = sharedSession();
    expect(record.others).toEqual([{ msg_type: 'comm_info_reply', content: { status: 'ok', comms: {} } }]);
    expect(record.shutdown_reply).toEqual({ msg_type: 'shutdown_reply', content: { status: 'ok', restart: true } });
  }, 170000);
});
