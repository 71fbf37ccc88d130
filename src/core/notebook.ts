/**
 * The one place the library talks to the notebook.
 *
 * In the `gradscope` kernel, tslab's module `tslab/dist/jupyter` holds `lastWriteDisplayData`: the function
 * that sends a `display_data` message (or, with update = true, an `update_display_data` for a display id)
 * to the cell that is running. Charts, findings and progress lines all go through `displayBundle` below.
 * Outside a kernel (plain Node, scripts, tests) there is no such function and `displayBundle` returns false,
 * so each caller can fall back to printing text.
 */

/** A Jupyter display message: MIME type -> content, per-type metadata, and transient fields (display_id). */
export interface DisplayMessage {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient: Record<string, unknown>;
}

export type DisplayWriter = (message: DisplayMessage, update: boolean) => void;

/**
 * tslab's display writer when this code runs inside a kernel, else undefined. It looks the module up in
 * Node's module cache instead of requiring it, so plain Node never loads tslab (and its TypeScript compiler).
 */
export function notebookWriter(): DisplayWriter | undefined {
  const key = Object.keys(require.cache).find((file) => /tslab[\\/]dist[\\/]jupyter\.js$/.test(file));
  const writer = key ? (require.cache[key]?.exports as { lastWriteDisplayData?: unknown }).lastWriteDisplayData : undefined;
  return typeof writer === 'function' ? (writer as DisplayWriter) : undefined;
}

/**
 * Sends one MIME bundle to the running cell. With `displayId`, later calls with `update: true` replace that
 * output in place. Returns false (and sends nothing) outside a notebook.
 *
 * @example
 *   displayBundle({ data: { 'text/markdown': '**hi**', 'text/plain': 'hi' } });
 */
export function displayBundle(
  bundle: { data: Record<string, unknown>; metadata?: Record<string, unknown> },
  options: { displayId?: string; update?: boolean } = {},
): boolean {
  const write = notebookWriter();
  if (!write) return false;
  const transient = options.displayId ? { display_id: options.displayId } : {};
  write({ data: bundle.data, metadata: bundle.metadata ?? {}, transient }, options.update ?? false);
  return true;
}

/** What the gradscope kernel offers the library beyond tslab's display (see kernel-setup/KERNEL.md). */
interface KernelHook {
  clearOutput(wait: boolean): void;
}

/**
 * Clears the running cell's output, as IPython's `clear_output`. With `wait = true` the output is cleared
 * only when the next output arrives, so a loop that redraws does not flicker. Does nothing outside the
 * gradscope kernel.
 *
 * @example
 *   for (let epoch = 0; epoch < 5; epoch++) { clearOutput(true); console.log(`epoch ${epoch}`); }
 */
export function clearOutput(wait = false): void {
  const hook = (globalThis as Record<symbol, unknown>)[Symbol.for('gradscope.kernel')] as KernelHook | undefined;
  hook?.clearOutput(wait);
}
