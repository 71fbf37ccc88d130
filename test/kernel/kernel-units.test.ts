/** The kernel's pure parts, without starting a kernel: history queries, `?name` help, result bundles. */
import * as path from 'path';
import * as paths from '../../tools/paths';

const kernelDir = path.join(paths.root, 'kernel');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { History, globToRegExp } = require(path.join(kernelDir, 'history.js'));
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { pageRequest } = require(path.join(kernelDir, 'server.js'));
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { resultBundle, plainText } = require(path.join(kernelDir, 'results.js'));
// eslint-disable-next-line @typescript-eslint/no-var-requires
const wire = require(path.join(kernelDir, 'wire.js'));

describe('history', () => {
  const history = new History();
  ['1 + 2', 'x', '1 + 2', 'console.log(1)'].forEach((code, i) => history.add(i + 1, code));
  history.setOutput(1, '3');

  test('tail gives the last n inputs, with outputs when asked', () => {
    expect(history.reply({ hist_access_type: 'tail', n: 2, output: false, raw: true }).history).toEqual([
      [1, 3, '1 + 2'],
      [1, 4, 'console.log(1)'],
    ]);
    expect(history.reply({ hist_access_type: 'tail', n: 4, output: true, raw: true }).history[0]).toEqual([1, 1, ['1 + 2', '3']]);
  });

  test('range is [start, stop) of the current session', () => {
    expect(history.reply({ hist_access_type: 'range', session: 1, start: 2, stop: 3, output: false, raw: true }).history).toEqual([[1, 2, 'x']]);
    expect(history.reply({ hist_access_type: 'range', session: 7, start: 1, output: false, raw: true }).history).toEqual([]);
  });

  test('search uses GLOB patterns, with unique and n', () => {
    const search = (extra: object) => history.reply({ hist_access_type: 'search', pattern: '1 +*', output: false, raw: true, ...extra }).history;
    expect(search({})).toHaveLength(2);
    expect(search({ unique: true })).toEqual([[1, 3, '1 + 2']]);
    expect(search({ n: 1 })).toEqual([[1, 3, '1 + 2']]);
    expect(globToRegExp('co?sole*').test('console.log(1)')).toBe(true);
    expect(globToRegExp('[cx]').test('x')).toBe(true);
    expect(globToRegExp('1 + 2').test('1 + 23')).toBe(false);
  });
});

test('`?name` and `name?` ask for help; TypeScript code does not', () => {
  expect(pageRequest('?Math.max')).toEqual({ code: 'Math.max', cursor: 8 });
  expect(pageRequest('Math.max?')).toEqual({ code: 'Math.max', cursor: 8 });
  expect(pageRequest('a ? b : c')).toBeNull();
  expect(pageRequest('x?.y')).toBeNull();
  expect(pageRequest('?a\nb')).toBeNull();
});

describe('result bundles (without the gradscope library)', () => {
  const saved = process.env.GRADSCOPE_ROOT;
  beforeAll(() => {
    process.env.GRADSCOPE_ROOT = path.join(__dirname, 'no-such-project');
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.GRADSCOPE_ROOT;
    else process.env.GRADSCOPE_ROOT = saved;
  });

  test('undefined has none; text is short', async () => {
    expect(await resultBundle(undefined)).toBeNull();
    expect(await resultBundle(null)).toEqual({ data: { 'text/plain': 'null' }, metadata: {} });
    expect(plainText({ a: { b: { c: { d: { e: 1 } } } } })).toBe('{ a: { b: { c: [Object] } } }');
  });

  test('toMimeBundle() is used, its bytes base64-encoded, text/plain added', async () => {
    const value = { toMimeBundle: () => ({ data: { 'image/png': Buffer.from('png') }, metadata: { 'image/png': { width: 2 } } }) };
    const bundle = await resultBundle(value);
    expect(bundle.data['image/png']).toBe(Buffer.from('png').toString('base64'));
    expect(typeof bundle.data['text/plain']).toBe('string');
    expect(bundle.metadata).toEqual({ 'image/png': { width: 2 } });
  });

  test('a figure becomes Plotly JSON, typed arrays as plain arrays', async () => {
    const fig = { data: [{ type: 'bar', y: new Float32Array([1, 2]) }], layout: { meta: { name: 'f', summary: 'Two bars.' } } };
    const bundle = await resultBundle(fig);
    expect(bundle.data['application/vnd.plotly.v1+json'].data[0].y).toEqual([1, 2]);
    expect(bundle.data['text/plain']).toBe('Two bars.');
  });
});

test('messages round-trip through signing and parsing; a bad signature is refused', () => {
  const sign = wire.signer('secret');
  const frames = wire.serialize({ identities: [Buffer.from('id')], header: wire.header('kernel_info_request', 's'), content: { a: 1 } }, sign);
  const msg = wire.parse(frames, sign);
  expect(msg.header.msg_type).toBe('kernel_info_request');
  expect(msg.content).toEqual({ a: 1 });
  expect(msg.identities.map(String)).toEqual(['id']);
  expect(() => wire.parse(frames, wire.signer('other'))).toThrow(/signature/);
});

describe('robustness parts', () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { Outbox } = require(path.join(kernelDir, 'outbox.js'));
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { exportsTarget } = require(path.join(kernelDir, 'esm.js'));
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { isWasmAbort } = require(path.join(kernelDir, 'server.js'));

  test('an outbox sends one message at a time, in order, and loses none', async () => {
    const sent: string[] = [];
    let busy = false;
    const socket = {
      async send(frames: Buffer[]) {
        // As zeromq.js does: a second send while one is in progress fails.
        if (busy) throw new Error('Socket is busy writing; only one send operation may be in progress at any time');
        busy = true;
        await new Promise((resolve) => setImmediate(resolve));
        sent.push(String(frames[0]));
        busy = false;
      },
    };
    const problems: string[] = [];
    const outbox = new Outbox(socket, (text: string) => problems.push(text));
    for (let i = 0; i < 10000; i++) outbox.send([Buffer.from(String(i))]);
    await outbox.flushed();
    expect(problems).toEqual([]);
    expect(sent).toEqual(Array.from({ length: 10000 }, (_, i) => String(i)));
  });

  test('ESM-only packages: the "import" export is found, in the shapes package.json files use', () => {
    expect(exportsTarget({ '.': { import: './index.js' } }, '.')).toBe('./index.js');
    expect(exportsTarget({ import: './a.mjs', types: './a.d.ts' }, '.')).toBe('./a.mjs');
    expect(exportsTarget('./main.js', '.')).toBe('./main.js');
    expect(exportsTarget({ '.': [{ import: { node: './n.js', default: './d.js' } }] }, '.')).toBe('./n.js');
    expect(exportsTarget({ './utils/*': { import: './dist/utils/*.js' } }, './utils/math')).toBe('./dist/utils/math.js');
    expect(exportsTarget({ '.': { require: './c.cjs' } }, '.')).toBeNull();
  });

  test('a WebAssembly out-of-memory and its later Aborted() are recognised; other errors are not', () => {
    expect(isWasmAbort({ ename: 'RuntimeError', evalue: 'memory access out of bounds' })).toBe(true);
    expect(isWasmAbort({ ename: 'RuntimeError', evalue: 'Aborted(). Build with -sASSERTIONS for more info.' })).toBe(true);
    expect(isWasmAbort({ ename: 'Error', evalue: 'Aborted()' })).toBe(true);
    expect(isWasmAbort({ ename: 'RangeError', evalue: 'Invalid array length' })).toBe(false);
    expect(isWasmAbort({ ename: 'Error', evalue: 'the fetch was aborted' })).toBe(false);
  });
});
