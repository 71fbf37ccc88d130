/**
 * A notebook opened outside the project folder, where no node_modules is above it, still imports the library
 * through the project's `gradscope` kernel: code (Node's require) and types (tslab's TypeScript converter)
 * both come from the kernel's installation. A type error proves the types were really found (an unresolved
 * module would be a "Cannot find module" error instead).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const paths = require('../../tools/paths');
const RUNNER = path.join(ROOT, 'test', 'notebooks', 'run_notebook.py');

function notebookOf(...sources: string[]) {
  return {
    cells: sources.map((source, i) => ({ id: `cell-${i}`, cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: { name: 'gradscope', display_name: 'TypeScript (gradscope)', language: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

interface Output {
  output_type: string;
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
}

/** Executes the notebook in a folder of its own under the system's temporary folder; returns each cell's outputs. */
function runAway(notebook: object, allowErrors = false): Output[][] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-anywhere-'));
  try {
    const file = path.join(dir, 'lesson.ipynb');
    fs.writeFileSync(file, JSON.stringify(notebook));
    const args = [RUNNER, file, path.join(dir, 'executed.ipynb'), '--timeout', '300', ...(allowErrors ? ['--allow-errors'] : [])];
    const run = spawnSync(paths.venvPython, args, { cwd: dir, encoding: 'utf8', timeout: 10 * 60 * 1000 });
    if (!fs.existsSync(path.join(dir, 'executed.ipynb'))) throw new Error(`the runner wrote nothing (exit ${run.status}):\n${run.stderr}`);
    const executed = JSON.parse(fs.readFileSync(path.join(dir, 'executed.ipynb'), 'utf8'));
    return executed.cells.map((cell: { outputs: Output[] }) => cell.outputs);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const text = (value: string | string[] | undefined) => [].concat((value ?? '') as never).join('');

describe('a notebook in a folder of its own under the system\'s temporary folder', () => {
  // Both cells in one notebook, one fresh kernel: the first must run clean, the second must fail to compile.
  let cells: Output[][];
  beforeAll(() => {
    expect(fs.existsSync(path.join(os.tmpdir(), 'node_modules'))).toBe(false);
    cells = runAway(
      notebookOf(
        "import { median } from 'gradscope';\nimport * as tf from '@tensorflow/tfjs';\n" +
          "const middle = median([1, 2, 3]);\n" +
          "`${middle === 2} ${require.resolve('gradscope')} ${typeof tf.tensor}`;",
        "import { median as middleOf } from 'gradscope';\nconst wrong: string = middleOf([1, 2, 3]);",
      ),
      true,
    );
  }, 10 * 60 * 1000);

  test('imports gradscope and TensorFlow.js from the kernel\'s installation', () => {
    const [cell] = cells;
    expect(cell.map((o) => o.output_type)).toEqual(['execute_result']);
    expect(text(cell[0].data!['text/plain'])).toBe(`'true ${path.join(ROOT, 'dist', 'index.js')} function'`);
  });

  test('has the library\'s types checked too', () => {
    const error = cells[1].find((o) => o.output_type === 'error');
    expect(error?.evalue ?? 'no error').toMatch(/Type 'number' is not assignable to type 'string'/);
  });
});
