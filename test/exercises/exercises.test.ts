/**
 * Every exercise, both ways, through the real `gradscope` kernel: as committed, its check must say "not yet"
 * and give a hint; with the solution's source in place of the starter, the check must pass. A check that
 * cannot fail, a group missing a part or a tag, or a check that raises is a failure. Lessons 01 onwards have
 * at least three exercises. The fixture notebook proves the test itself can fail.
 *
 * Each notebook with exercises runs once, in a fresh kernel, as its "both ways" copy (build/exercises/): the
 * same run the notebook test reads its committed cells from (test/support/executions.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Execution, executeOnce } from '../support/executions';
import { Notebook, bothWays, bothWaysProblems, execute, findGroups, readNotebook, structureProblems } from './exercise-groups';

const root = path.resolve(__dirname, '..', '..');
const notebookDir = path.join(root, 'notebooks');
const outDir = path.join(root, 'build', 'exercises');
const fixture = path.join(__dirname, 'fixtures', 'exercise-groups.ipynb');

const notebooks = fs.readdirSync(notebookDir).filter((n) => /^\d\d-.*\.ipynb$/.test(n)).sort();
const lessons = notebooks.filter((n) => !n.startsWith('00-'));
const withExercises = notebooks.filter((n) => findGroups(readNotebook(path.join(notebookDir, n))).length > 0);

/** Writes the "both ways" copy next to the other build outputs (inside the project, so 'gradscope' resolves) and runs it. */
function runBothWays(name: string, notebook: Notebook): { executed: Notebook; seconds: number } {
  fs.mkdirSync(outDir, { recursive: true });
  const input = path.join(outDir, name.replace(/\.ipynb$/, '.both-ways.ipynb'));
  const output = path.join(outDir, name.replace(/\.ipynb$/, '.both-ways.executed.ipynb'));
  fs.writeFileSync(input, JSON.stringify(bothWays(notebook), null, 1));
  const { seconds, failure } = execute(input, output);
  if (failure && /timeout|dead-kernel/.test(failure)) throw new Error(`${name}: ${failure}`);
  return { executed: readNotebook(output), seconds };
}

describe('the test catches what it must (fixture: 01-1 and 01-2 sound, 01-3 cannot fail)', () => {
  const notebook = readNotebook(fixture);

  test('a sound fixture group has all four parts; a group missing a part or a tag is reported', () => {
    expect(structureProblems(notebook, '01')).toEqual([]);
    const broken: Notebook = JSON.parse(JSON.stringify(notebook));
    const starter = findGroups(broken).find((g) => g.id === '01-2')!;
    broken.cells[starter.solution!].metadata!.tags = [];
    broken.cells[starter.check!].metadata!.jupyter = undefined;
    delete broken.cells[findGroups(broken)[0].solution!].metadata!.jupyter;
    expect(structureProblems(broken, '01')).toEqual([
      "exercise 01-1: the solution is not hidden (metadata.jupyter.source_hidden = true)",
      "exercise 01-2: missing a code solution tagged 'solution'",
      'exercise 01-2: cells 9 carry the id but none of the tags exercise, check, solution',
    ]);
    expect(structureProblems(notebook, '02')).toContain("exercise 01-1: the id does not start with this lesson's number 02");
  });

  test('run both ways: the sound checks pass, the one that cannot fail is reported', () => {
    const { executed, seconds } = runBothWays('fixture.ipynb', notebook);
    console.log(`fixture both ways: ${seconds} s`);
    expect(bothWaysProblems(executed, ['01-1', '01-2', '01-3'])).toEqual(['exercise 01-3: the check passes on the untouched starter, so it cannot fail']);
  }, 20 * 60 * 1000);
});

describe('the lessons', () => {
  test.each(lessons)('%s has at least three exercises', (name) => {
    const ids = findGroups(readNotebook(path.join(notebookDir, name))).map((g) => g.id);
    if (ids.length < 3) throw new Error(`${name}: ${ids.length} exercise groups (${ids.join(', ') || 'none'}); every lesson from 01 on needs at least 3`);
  });

  test.each(notebooks)('%s: every exercise group has its statement, starter, check and hidden solution', (name) => {
    expect(structureProblems(readNotebook(path.join(notebookDir, name)), name.slice(0, 2))).toEqual([]);
  });
});

const both = withExercises.length ? describe : describe.skip;
both('run both ways, each in a fresh gradscope kernel', () => {
  let executions: Map<string, Execution>;
  beforeAll(async () => {
    executions = await executeOnce(withExercises.map((name) => path.join(notebookDir, name)));
  }, 60 * 60 * 1000);

  test.each(withExercises.length ? withExercises : ['(no notebook has exercises yet)'])(
    '%s: each check says "not yet" with a hint as committed, and passes with the solution',
    (name) => {
      const notebook = readNotebook(path.join(notebookDir, name));
      const { bothWays: file, summary } = executions.get(path.join(notebookDir, name))!;
      if (summary.appended_failure) throw new Error(`${name}: ${summary.appended_failure.kind} after the committed cells: ${summary.appended_failure.message}`);
      expect(file).toBeDefined();
      expect(bothWaysProblems(readNotebook(file!), findGroups(notebook).map((g) => g.id))).toEqual([]);
    },
  );
});
