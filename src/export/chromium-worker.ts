/**
 * The worker thread that drives the snapshot browser inside a notebook kernel (see drawerInWorker in
 * chromium.ts): it opens Chromium with a plotly.js page at once, then draws every figure it is sent.
 *
 * Messages in: `{id, kind: 'draw', figure, format, size}` and `{id, kind: 'close'}`.
 * Messages out: `{id: 0}` once the page is ready (or `{id: 0, error}`), `{id, url}` or `{id, error}` per
 * request, and `{gone: true}` if the browser goes away.
 */
import { parentPort } from 'worker_threads';
import { ImageFormat, ImageSize, drawOnPage, openPlotlyPage } from './chromium';

const port = parentPort;
if (!port) throw new Error('chromium-worker: start this file as a worker thread (see chromium.ts)');

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

const opened = openPlotlyPage(() => port.postMessage({ gone: true }));
opened.then(
  () => port.postMessage({ id: 0 }),
  (error) => port.postMessage({ id: 0, error: message(error) }),
);

port.on('message', async (request: { id: number; kind: 'draw' | 'close'; figure?: unknown; format?: ImageFormat; size?: ImageSize }) => {
  try {
    const { browser, page } = await opened;
    if (request.kind === 'close') {
      await browser.close();
      port.postMessage({ id: request.id, url: '' });
      return;
    }
    const url = await drawOnPage(page, request.figure, request.format as ImageFormat, request.size as ImageSize);
    port.postMessage({ id: request.id, url });
  } catch (error) {
    port.postMessage({ id: request.id, error: message(error) });
  }
});
