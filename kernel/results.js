// @ts-check
'use strict';
/**
 * The MIME bundle of a cell's last expression (its execute_result).
 *
 *   - an object with `toMimeBundle()` (a gradscope record, or anything else): its `{data, metadata}`;
 *   - a Plotly figure `{data: [...], layout: {...}}`: gradscope's `mimeBundle(fig)` when the library provides
 *     it (Plotly JSON, PNG, text), else the Plotly JSON with a one-line text;
 *   - anything else: text/plain, as util.inspect prints it, kept short.
 * `undefined` has no result (as Python's None in IPython).
 */
const path = require('path');
const util = require('util');

const PLOTLY = 'application/vnd.plotly.v1+json';
const INSPECT = { depth: 2, maxArrayLength: 50, maxStringLength: 10000, breakLength: 100 };

function root() {
  return process.env.GRADSCOPE_ROOT || path.resolve(__dirname, '..', '..');
}

let library;
/** gradscope's compiled library, loaded on first need; null when it is not built or fails to load. */
function gradscope() {
  if (library === undefined) {
    try {
      library = require(path.join(root(), 'dist'));
    } catch {
      library = null;
    }
  }
  return library;
}

function isFigure(value) {
  const shaped =
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Array.isArray(value.data) &&
    value.layout !== null &&
    typeof value.layout === 'object' &&
    !Array.isArray(value.layout);
  if (!shaped) return false;
  // Only a value shaped like a figure loads the library, so plain results stay cheap.
  const lib = gradscope();
  if (lib && typeof lib.isFigure === 'function') {
    try {
      return Boolean(lib.isFigure(value));
    } catch {
      return true;
    }
  }
  return true;
}

/** JSON-safe copy: typed arrays become arrays, functions and undefined are dropped. */
function toJson(value) {
  return JSON.parse(
    JSON.stringify(value, (_key, v) => {
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(/** @type {ArrayLike<number>} */ (/** @type {unknown} */ (v)));
      if (typeof v === 'bigint') return Number(v);
      return v;
    }),
  );
}

function plainText(value) {
  if (value && typeof value === 'object') {
    const name = value.constructor && value.constructor.name;
    // Timers are returned by setTimeout/setInterval/setImmediate; their internals are of no interest.
    if (name === 'Timeout' || name === 'Immediate') {
      const id = typeof value[Symbol.toPrimitive] === 'function' ? value[Symbol.toPrimitive]() : undefined;
      return id === undefined ? `${name} {}` : `${name} { id: ${id} }`;
    }
  }
  return util.inspect(value, INSPECT);
}

function normalize(bundle, value) {
  if (!bundle || typeof bundle !== 'object') return null;
  // Either {data, metadata} or a bare {mime: content} map.
  const hasData = bundle.data && typeof bundle.data === 'object' && !Array.isArray(bundle.data) &&
    Object.keys(bundle.data).some((key) => key.includes('/'));
  const data = { ...(hasData ? bundle.data : bundle) };
  for (const key of Object.keys(data)) {
    if (!/^[\w\-+.]+\/[\w\-+.]+$/.test(key) || data[key] === undefined) delete data[key];
    else if (Buffer.isBuffer(data[key]) || data[key] instanceof Uint8Array) data[key] = Buffer.from(data[key]).toString('base64');
  }
  if (Object.keys(data).length === 0) return null;
  if (!('text/plain' in data)) data['text/plain'] = plainText(value);
  const metadata = hasData && bundle.metadata && typeof bundle.metadata === 'object' ? bundle.metadata : {};
  return toJson({ data, metadata });
}

function figureText(fig) {
  const meta = fig.layout && fig.layout.meta;
  if (meta && typeof meta.summary === 'string') return meta.summary;
  const title = fig.layout && fig.layout.title;
  const text = typeof title === 'string' ? title : title && title.text;
  const traces = fig.data.length;
  return `${text ? `Figure: ${text}` : 'Figure'} (${traces} trace${traces === 1 ? '' : 's'})`;
}

/** Resolves to {data, metadata} for the value, or null for no result. */
async function resultBundle(value) {
  if (value === undefined) return null;
  if (value !== null && typeof value === 'object' && typeof value.toMimeBundle === 'function') {
    const bundle = normalize(await value.toMimeBundle(), value);
    if (bundle) return bundle;
  }
  if (isFigure(value)) {
    const lib = gradscope();
    if (lib && typeof lib.mimeBundle === 'function') {
      try {
        // A figure is JSON by definition: typed arrays (tensor data) become plain arrays first.
        const bundle = normalize(await lib.mimeBundle(toJson(value)), value);
        if (bundle) return bundle;
      } catch (error) {
        process.stderr.write(`could not render the figure's images (${error && error.message}); showing it as Plotly JSON\n`);
      }
    }
    return { data: { [PLOTLY]: toJson({ data: value.data, layout: value.layout }), 'text/plain': figureText(value) }, metadata: {} };
  }
  return { data: { 'text/plain': plainText(value) }, metadata: {} };
}

module.exports = { resultBundle, plainText, isFigure };
