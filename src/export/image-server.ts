/**
 * One browser drawing the static snapshots of many kernels.
 *
 * Every notebook kernel draws its charts' snapshots (display/index.ts) in a headless Chromium, and starting one
 * and loading plotly.js into it costs about 5 s of CPU, more than drawing all of a lesson's charts. A process
 * that runs many notebooks (`npm run figures`) calls `serveImages()` and passes the address it gets to the
 * kernels it starts in the environment variable GRADSCOPE_IMAGE_SERVER: those kernels then send each figure
 * here and start no browser, and this process's one browser draws every image, one at a time, in the order
 * asked (the same queue as its own `renderImage` calls). The same browser and page draw the same bytes.
 *
 * The service listens on 127.0.0.1 only, at a path holding a random token, and draws only Plotly figures.
 */
import * as http from 'http';
import { randomBytes } from 'crypto';
import { IMAGE_SERVER_VARIABLE, ImageFormat, ImageSize, drawImageUrl, keepBrowserOpen } from './chromium';

/** A drawing service started by `serveImages`. */
export interface ImageServer {
  /** Where kernels send figures: give it to them as GRADSCOPE_IMAGE_SERVER (see `environment`). */
  readonly address: string;
  /** The environment variable that points a kernel at this service: `{GRADSCOPE_IMAGE_SERVER: address}`. */
  readonly environment: Record<string, string>;
  /** How many images this service has drawn so far. */
  readonly drawn: number;
  /** Stops listening; the browser stays open until `closeBrowser()`. */
  close(): Promise<void>;
}

/** The largest figure accepted, in bytes of JSON (a lesson's largest is a few hundred kB). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

const FORMATS: readonly ImageFormat[] = ['png', 'jpeg', 'svg'];

/** The body of a draw request, checked: `{figure: {data, layout}, format, size: {width, height, scale?}}`. */
function drawRequest(text: string): { figure: { data: unknown[]; layout: Record<string, unknown> }; format: ImageFormat; size: ImageSize } {
  const request = JSON.parse(text) as { figure?: { data?: unknown; layout?: unknown }; format?: unknown; size?: Partial<ImageSize> };
  const { figure, format, size } = request;
  if (!figure || !Array.isArray(figure.data) || !figure.layout || typeof figure.layout !== 'object') {
    throw new Error('serveImages: figure is not a Plotly figure; allowed: {data: [...], layout: {...}}');
  }
  if (!FORMATS.includes(format as ImageFormat)) throw new Error(`serveImages: format is '${String(format)}'; allowed: ${FORMATS.join(', ')}`);
  if (!size || !(Number(size.width) > 0) || !(Number(size.height) > 0)) {
    throw new Error(`serveImages: size is ${JSON.stringify(size)}; allowed: {width, height, scale?} in CSS pixels, each > 0`);
  }
  return { figure: figure as { data: unknown[]; layout: Record<string, unknown> }, format: format as ImageFormat, size: size as ImageSize };
}

/**
 * Starts the drawing service on 127.0.0.1 (a free port) and this process's browser, which stays open until
 * `closeBrowser()`. Resolves once it listens.
 *
 * @example
 *   const server = await serveImages();
 *   spawn(python, [runNotebook, ...], { env: { ...process.env, ...server.environment } });
 *   ...
 *   await server.close();
 *   await closeBrowser();
 */
export async function serveImages(): Promise<ImageServer> {
  const token = randomBytes(16).toString('hex');
  let drawn = 0;
  const server = http.createServer((request, response) => {
    const answer = (status: number, text: string) => {
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(text);
    };
    if (request.method !== 'POST' || request.url !== `/${token}/draw`) {
      request.resume();
      answer(404, 'not here');
      return;
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      if (bytes > MAX_BODY_BYTES) return answer(413, `serveImages: the figure is ${bytes} bytes of JSON; allowed: at most ${MAX_BODY_BYTES}`);
      let asked: ReturnType<typeof drawRequest>;
      try {
        asked = drawRequest(Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        return answer(400, error instanceof Error ? error.message : String(error));
      }
      drawImageUrl(asked.figure, asked.format, asked.size).then(
        (url) => {
          drawn++;
          answer(200, url);
        },
        (error) => answer(500, error instanceof Error ? error.message : String(error)),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // Kernels wait on their draws: the service must not keep this process alive by itself.
  server.unref();
  keepBrowserOpen();
  const { port } = server.address() as { port: number };
  const address = `http://127.0.0.1:${port}/${token}`;
  return {
    address,
    environment: { [IMAGE_SERVER_VARIABLE]: address },
    get drawn() {
      return drawn;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
