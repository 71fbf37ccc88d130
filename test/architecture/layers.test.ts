/**
 * The library's folders follow the flow of the data (.dependency-cruiser.js lists the order): no folder
 * imports a folder later in the flow, and no modules import each other in a circle. The first test checks
 * src/ itself; the others build a tiny src/ with one back-edge or one cycle and check that the same rules
 * catch it, so the check is known to be able to fail.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');
const depcruise = path.join(root, 'node_modules', '.bin', 'depcruise');
const config = path.join(root, '.dependency-cruiser.js');

function cruise(cwd: string): { status: number | null; output: string } {
  const run = spawnSync(depcruise, ['src', '--config', config, '--output-type', 'err'], { cwd, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
}

/** A throw-away project holding `files` (path -> text), with the tsconfig the rules read. */
function tinyProject(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-layers-'));
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs', strict: true } }));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

describe('the folders of src/ follow the flow of the data', () => {
  test('src/ has no import against the flow and no cycle', () => {
    const { status, output } = cruise(root);
    expect(output).toContain('no dependency violations found');
    expect(status).toBe(0);
  });

  test('an import from core/ into plots/ (a back-edge) is an error', () => {
    const dir = tinyProject({
      'src/core/check.ts': "import { colour } from '../plots/style';\nexport const check = () => colour;\n",
      'src/plots/style.ts': "export const colour = 'red';\n",
    });
    try {
      const { status, output } = cruise(dir);
      expect(output).toContain('no-back-edge-from-core');
      expect(output).toContain('src/core/check.ts → src/plots/style.ts');
      expect(status).not.toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('two modules that import each other are an error', () => {
    const dir = tinyProject({
      'src/plots/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
      'src/plots/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
    });
    try {
      const { status, output } = cruise(dir);
      expect(output).toContain('no-circular');
      expect(status).not.toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a folder missing from the flow is an error', () => {
    const dir = tinyProject({
      'src/index.ts': "export * from './helpers/misc';\n",
      'src/helpers/misc.ts': 'export const misc = 1;\n',
    });
    try {
      const { status, output } = cruise(dir);
      expect(output).toContain('only-known-folders');
      expect(status).not.toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
