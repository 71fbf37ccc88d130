/**
 * Figures to files: saveFigure writes HTML (offline), SVG, PNG, JSON and CSV; the Chromium helpers draw
 * static images and are shared with the notebook display.
 */
export { saveFigure, figureHtml, figureCsv, figureJson, imageSize, FIGURE_FORMATS } from './files';
export type { FigureFormat, SaveFigureOptions, SaveFigureResult } from './files';
export {
  renderImage,
  closeBrowser,
  keepBrowserOpen,
  chromiumStatus,
  findChromium,
  plotlyJsSource,
  plotlyJsPath,
  plotlyJsVersion,
  CHROMIUM_FLAGS,
  chromiumFlags,
  needsNoSandbox,
  CHROMIUM_HINT,
  IMAGE_SERVER_VARIABLE,
} from './chromium';
export type { ImageSize, ImageFormat } from './chromium';
export { serveImages } from './image-server';
export type { ImageServer } from './image-server';
