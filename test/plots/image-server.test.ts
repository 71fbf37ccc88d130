/**
 * serveImages (src/export/image-server.ts): one browser drawing the snapshots of other processes. A process
 * given GRADSCOPE_IMAGE_SERVER draws through it, starts no Chromium of its own, and gets the same bytes as its
 * own browser would draw; requests that are not a figure, or not at the service's address, are refused.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { byLayerFigure, resetColors } from '../../src/advanced';
import { closeBrowser, findChromium, renderImage, serveImages } from '../../src/export';
import type { ImageServer } from '../../src/export';
import { CHROMIUM_HINT } from '../../src/export/chromium';
import { optional } from '../support/optional';

const ROOT = path.join(__dirname, '..', '..');
const withChromium = optional(findChromium() !== undefined, {
  what: 'the image server test (test/plots/image-server.test.ts)',
  reason: 'no Chromium on this machine',
  enable: CHROMIUM_HINT,
});
const describeWithChromium = withChromium ? describe : describe.skip;

const figure = () => {
  resetColors();
  return byLayerFigure([{ name: 'sigmoid', values: [0.25, 1e-3, 1e-6] }, { name: 'relu', values: [0.5, 0.6, 0.7] }]);
};

/**
 * Draws `figure` as a JPEG in a child Node.js process (the built library, as a kernel uses it) with `env`;
 * resolves to the image's bytes as base64 and the Chromium processes the child started.
 */
async function drawInChild(env: Record<string, string>): Promise<{ jpeg: string; browsers: number }> {
  const script = `
    const { renderImage, closeBrowser } = require(${JSON.stringify(path.join(ROOT, 'dist', 'export'))});
    const fs = require('fs');
    const browsers = () => fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p)).filter((p) => {
      try { return fs.readFileSync('/proc/' + p + '/stat', 'utf8').split(') ')[1].split(' ')[1] === String(process.pid) &&
        /chrom/.test(fs.readFileSync('/proc/' + p + '/cmdline', 'utf8')); } catch { return false; }
    }).length;
    renderImage(${JSON.stringify(figure())}, 'jpeg', { width: 900, height: 500 }).then(async (image) => {
      const seen = browsers();
      await closeBrowser();
      process.stdout.write(JSON.stringify({ jpeg: image.toString('base64'), browsers: seen }));
    }, (error) => { console.error(error.message); process.exit(1); });`;
  // Asynchronously: the service answers from this process's event loop.
  const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (status !== 0) throw new Error(`the child failed (${status}): ${stderr}`);
  return JSON.parse(stdout);
}

async function post(url: string, body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  return { status: response.status, text: await response.text() };
}

describeWithChromium('serveImages', () => {
  let server: ImageServer;
  beforeAll(async () => {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'export', 'image-server.js'))) throw new Error('the library is not built: run `npm run build`');
    server = await serveImages();
  });
  afterAll(async () => {
    await server?.close();
    await closeBrowser();
  });

  it('draws for a process that names it, which starts no browser, and the bytes are the same as its own browser draws', async () => {
    expect(server.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}$/);
    expect(server.environment).toEqual({ GRADSCOPE_IMAGE_SERVER: server.address });
    const before = server.drawn;
    const served = await drawInChild(server.environment);
    expect(server.drawn).toBe(before + 1);
    expect(served.browsers).toBe(0);
    const own = await drawInChild({ GRADSCOPE_IMAGE_SERVER: '' });
    expect(own.browsers).toBeGreaterThan(0);
    expect(server.drawn).toBe(before + 1);
    const jpeg = Buffer.from(served.jpeg, 'base64');
    expect(jpeg.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(served.jpeg).toBe(own.jpeg);
    // And the same as this process draws in the service's own browser.
    expect((await renderImage(figure(), 'jpeg', { width: 900, height: 500 })).toString('base64')).toBe(served.jpeg);
  }, 180_000);

  it('refuses what is not a figure, an unknown format, a bad size and any other address, naming the field', async () => {
    const draw = `${server.address}/draw`;
    const good = { figure: figure(), format: 'svg', size: { width: 300, height: 200 } };
    const notFigure = await post(draw, JSON.stringify({ ...good, figure: { data: 3 } }));
    expect(notFigure).toEqual({ status: 400, text: expect.stringMatching(/^serveImages: figure is not a Plotly figure; allowed: /) });
    const format = await post(draw, JSON.stringify({ ...good, format: 'gif' }));
    expect(format).toEqual({ status: 400, text: "serveImages: format is 'gif'; allowed: png, jpeg, svg" });
    const size = await post(draw, JSON.stringify({ ...good, size: { width: 0, height: 200 } }));
    expect(size.status).toBe(400);
    expect(size.text).toMatch(/^serveImages: size is .*; allowed: \{width, height, scale\?\}/);
    const notJson = await post(draw, '{');
    expect(notJson.status).toBe(400);
    const elsewhere = await post(`${server.address.replace(/[0-9a-f]{32}$/, '0'.repeat(32))}/draw`, JSON.stringify(good));
    expect(elsewhere.status).toBe(404);
    const svg = await post(draw, JSON.stringify(good));
    expect(svg.status).toBe(200);
    expect(svg.text).toMatch(/^data:image\/svg\+xml,/);
  }, 120_000);

  it('a kernel pointed at an address where nothing listens says so in the error', async () => {
    const dead = await serveImages();
    const address = dead.address;
    await dead.close();
    await expect(drawInChild({ GRADSCOPE_IMAGE_SERVER: address })).rejects.toThrow(/the image server at http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]+ could not be reached/);
  }, 120_000);
});
