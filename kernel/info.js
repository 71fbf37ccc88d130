// @ts-check
'use strict';
/**
 * The kernel_info_reply content: what the kernel is, the language and its version. Read from the installed
 * packages' package.json files (no compiler needed), so the watchdog answers it at once, whatever runs.
 */
const fs = require('fs');
const path = require('path');
const wire = require('./wire');

function packageVersion(file, fallback = '0.0.0') {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')).version || fallback;
  } catch {
    return fallback;
  }
}

/** @param {string} root the project's folder (where tslab is installed) */
function kernelInfo(root) {
  const tslabDir = path.dirname(require.resolve('tslab/package.json', { paths: [root, __dirname] }));
  const tsPackage = require.resolve('@tslab/typescript-for-tslab/package.json', { paths: [tslabDir] });
  const tsVersion = packageVersion(tsPackage);
  return {
    status: 'ok',
    protocol_version: wire.PROTOCOL_VERSION,
    implementation: 'gradscope',
    implementation_version: packageVersion(path.join(root, 'package.json')),
    language_info: {
      name: 'typescript',
      version: tsVersion,
      mimetype: 'text/typescript',
      file_extension: '.ts',
      pygments_lexer: 'typescript',
      // JupyterLab picks the editor mode from `mode`; the classic notebook from `name` + `typescript`.
      codemirror_mode: { mode: 'typescript', name: 'javascript', typescript: true },
    },
    banner: `gradscope: TypeScript ${tsVersion} on Node.js ${process.version} (tslab ${packageVersion(path.join(tslabDir, 'package.json'))})`,
    debugger: false,
    help_links: [
      { text: 'TypeScript handbook', url: 'https://www.typescriptlang.org/docs/handbook/intro.html' },
      { text: 'TensorFlow.js API', url: 'https://js.tensorflow.org/api/latest/' },
    ],
  };
}

module.exports = { kernelInfo };
