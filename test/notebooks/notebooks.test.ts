/**
 * The notebooks, run for real: every notebook in notebooks/ is executed through the `gradscope` kernel
 * by nbclient, in a fresh kernel each, several side by side, and saved to build/executed/ (the same run
 * serves the exercise, browser and site tests: test/support/executions.ts).
 *
 * Policy: notebooks are committed *without* outputs (clean diffs, no stale numbers). Readers get the charts
 * by running them, or from `npm run figures`. The first block below enforces that policy.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as paths from '../../tools/paths';
import { Execution, executeOnce, failureOf } from '../support/executions';
import { spanProblems } from './finding-span';

const root = paths.root;
const notebookDir = paths.notebooks;
const FINDING = 'application/vnd.gradscope.finding+json';

const notebooks = fs
  .readdirSync(notebookDir)
  .filter((name) => name.endsWith('.ipynb'))
  .sort();

/** Lesson notebooks are the numbered ones after the start page; each must show a chart and a finding. */
const isLesson = (name: string) => /^\d\d-/.test(name) && !name.startsWith('00-');

interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: { output_type: string; data?: Record<string, unknown>; metadata?: Record<string, unknown> }[];
  execution_count?: number | null;
}
interface Notebook {
  cells: Cell[];
  metadata: { kernelspec?: { name?: string; display_name?: string; language?: string } };
}

const read = (file: string): Notebook => JSON.parse(fs.readFileSync(file, 'utf8'));
const text = (source: string | string[]) => (Array.isArray(source) ? source.join('') : source);

test('the lesson sequence is there', () => {
  expect(notebooks).toEqual(expect.arrayContaining(['00-start-here.ipynb', '01-sigmoid-saturation.ipynb']));
});

test('the README and the start page list exactly the notebooks there are', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const listedInReadme = [...readme.matchAll(/^\| `(\d\d-[a-z0-9-]+)\.ipynb` \|/gm)].map((m) => `${m[1]}.ipynb`);
  expect(listedInReadme).toEqual(notebooks);
  const start = read(path.join(notebookDir, '00-start-here.ipynb'));
  const startText = start.cells.map((cell) => text(cell.source)).join('\n');
  const listedOnStartPage = [...startText.matchAll(/^\| `(\d\d-[a-z0-9-]+)` \|/gm)].map((m) => `${m[1]}.ipynb`);
  expect(listedOnStartPage).toEqual(notebooks.filter((name) => name !== '00-start-here.ipynb'));
});

describe.each(notebooks)('%s as committed', (name) => {
  const notebook = read(path.join(notebookDir, name));

  test('opens on the gradscope kernel', () => {
    expect(notebook.metadata.kernelspec).toEqual(
      expect.objectContaining({ name: 'gradscope', display_name: 'TypeScript (gradscope)', language: 'typescript' }),
    );
  });

  test('is committed without outputs', () => {
    const dirty = notebook.cells
      .map((cell, index) => ({ cell, index }))
      .filter(({ cell }) => cell.cell_type === 'code' && ((cell.outputs ?? []).length > 0 || cell.execution_count != null))
      .map(({ index }) => index);
    if (dirty.length) {
      throw new Error(`${name}: cells ${dirty.join(', ')} carry outputs; clear them (Edit > Clear Outputs of All Cells) before committing`);
    }
  });

  test('starts with a title and imports the library from the package index', () => {
    expect(notebook.cells[0].cell_type).toBe('markdown');
    expect(text(notebook.cells[0].source)).toMatch(/^# /);
    const code = notebook.cells.filter((c) => c.cell_type === 'code').map((c) => text(c.source)).join('\n');
    expect(code).toMatch(/from 'gradscope'/);
    expect(code).not.toMatch(/\.\.\/src\//);
  });
});

describe('executed in a fresh gradscope kernel each', () => {
  let executions: Map<string, Execution>;
  beforeAll(async () => {
    executions = await executeOnce(notebooks.map((name) => path.join(notebookDir, name)));
  }, 60 * 60 * 1000);

  test.each(notebooks)('%s runs without an error output or a timeout', (name) => {
    const { executed: output, summary } = executions.get(path.join(notebookDir, name))!;
    const failure = failureOf(name, summary);
    if (failure) throw new Error(failure);

    const executed = read(output);
    const outputs = executed.cells.flatMap((cell) => cell.outputs ?? []);
    const charts = outputs.filter((o) => o.data && 'application/vnd.plotly.v1+json' in o.data);
    const findings = outputs
      .filter((o) => o.data && FINDING in o.data)
      .map((o) => o.data![FINDING] as { id: string; statement: string; holds: boolean; value: number });
    if (isLesson(name)) {
      expect(charts.length).toBeGreaterThanOrEqual(1);
      expect(findings.length).toBeGreaterThanOrEqual(1);
    }
    expect(spanProblems(findings as never, name)).toEqual([]); // two-sided ranges: at most two decades, or say why
    const broken = findings.filter((f) => !f.holds);
    if (broken.length) {
      throw new Error(`${name}: measured findings do not hold: ${broken.map((f) => `${f.id}: ${f.statement} (measured ${f.value})`).join('; ')}`);
    }
    for (const chart of charts) {
      // Every chart carries a one-line text description and a figure Plotly can draw.
      expect(text(chart.data!['text/plain'] as string | string[])).toMatch(/^Chart [a-z0-9-]+: ./);
      const figure = chart.data!['application/vnd.plotly.v1+json'] as { data: unknown[]; layout: object };
      expect(Array.isArray(figure.data)).toBe(true);
      expect(figure.data.length).toBeGreaterThan(0);
    }
  });
});
