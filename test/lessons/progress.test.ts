/**
 * `npm run progress` and the progress functions: read the check records a learner's saved notebooks hold,
 * and never change a byte of those notebooks.
 */
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ExerciseRecord, exerciseBundle, gradeExercise } from '../../src/lessons/exercise';
import { describeProgress, readNotebookProgress, readProgress } from '../../src/lessons/progress';

const root = path.resolve(__dirname, '..', '..');

/** One exercise group; `answer` undefined leaves the check output empty (the check cell was never run). */
function group(id: string, answer?: number) {
  const meta = (tags: string[]) => ({ gradscope: { exercise: id }, tags });
  const outputs =
    answer === undefined
      ? []
      : [{ output_type: 'display_data', metadata: {}, data: exerciseBundle(gradeExercise({ exercise: id, answer, expected: 1, hint: 'h' }) as ExerciseRecord) }];
  return [
    { cell_type: 'markdown', metadata: meta(['exercise']), source: `**Exercise ${id}.**` },
    { cell_type: 'code', metadata: meta(['exercise']), source: `let a = ${answer};`, outputs: [], execution_count: 1 },
    { cell_type: 'code', metadata: meta(['check']), source: 'checkExercise({...})', outputs, execution_count: 2 },
    { cell_type: 'code', metadata: { ...meta(['solution']), jupyter: { source_hidden: true } }, source: 'let a = 1;', outputs: [], execution_count: null },
  ];
}

const notebook = (cells: unknown[]) => JSON.stringify({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 }, null, 1);

let folder: string;
beforeAll(() => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-progress-'));
  fs.writeFileSync(path.join(folder, '00-start-here.ipynb'), notebook([{ cell_type: 'markdown', metadata: {}, source: '# Start' }]));
  fs.writeFileSync(path.join(folder, '01-sigmoid.ipynb'), notebook([...group('01-1', 1), ...group('01-2', 5), ...group('01-3')]));
  fs.writeFileSync(path.join(folder, '02-relu.ipynb'), notebook([...group('02-1', 1.01)]));
  fs.writeFileSync(path.join(folder, 'notes.txt'), 'not a notebook');
});
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

test('each exercise is passed, not yet, or not tried, as its saved check record says', () => {
  expect(readNotebookProgress(path.join(folder, '01-sigmoid.ipynb'))).toEqual({
    notebook: '01-sigmoid.ipynb',
    lesson: '01',
    exercises: [
      { exercise: '01-1', status: 'passed' },
      { exercise: '01-2', status: 'not yet' },
      { exercise: '01-3', status: 'not tried' },
    ],
    passed: 1,
    total: 3,
  });
});

test('the folder is read lesson by lesson; lessons without exercises are left out', () => {
  const lessons = readProgress(folder);
  expect(lessons.map((l) => [l.notebook, l.passed, l.total])).toEqual([
    ['01-sigmoid.ipynb', 1, 3],
    ['02-relu.ipynb', 1, 1],
  ]);
  expect(describeProgress(lessons)).toMatch(/01-sigmoid\.ipynb\s+1\/3\s+✓ 01-1 {2}✗ 01-2 {2}· 01-3/);
  expect(describeProgress(lessons)).toMatch(/2 of 4 exercises passed\./);
  expect(describeProgress([])).toMatch(/No exercises found/);
});

test('the latest check record counts when a check cell was run more than once', () => {
  const cells = group('03-1', 5);
  const rerun = exerciseBundle(gradeExercise({ exercise: '03-1', answer: 1, expected: 1, hint: 'h' }) as ExerciseRecord);
  (cells[2].outputs as unknown[]).push({ output_type: 'display_data', metadata: {}, data: rerun });
  const file = path.join(folder, '03-init.ipynb');
  fs.writeFileSync(file, notebook(cells));
  try {
    expect(readNotebookProgress(file).exercises).toEqual([{ exercise: '03-1', status: 'passed' }]);
  } finally {
    fs.unlinkSync(file);
  }
});

test('a missing folder or a broken notebook is an error naming it', () => {
  expect(() => readProgress(path.join(folder, 'nope'))).toThrow(/readProgress: folder is '.*nope'; allowed: a folder holding the lesson notebooks/);
  const broken = path.join(folder, '09-broken.ipynb');
  fs.writeFileSync(broken, '{ not json');
  try {
    expect(() => readProgress(folder)).toThrow(/readNotebookProgress: file is '.*09-broken\.ipynb'; allowed: a readable \.ipynb notebook/);
  } finally {
    fs.unlinkSync(broken);
  }
});

test('npm run progress prints the table and leaves every notebook byte for byte unchanged', () => {
  const digest = () =>
    fs
      .readdirSync(folder)
      .sort()
      .map((name) => [name, crypto.createHash('sha256').update(fs.readFileSync(path.join(folder, name))).digest('hex'), fs.statSync(path.join(folder, name)).mtimeMs]);
  const before = digest();
  const run = spawnSync('npm', ['run', '--silent', 'progress', '--', folder], { cwd: root, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/01-sigmoid\.ipynb\s+1\/3/);
  expect(run.stdout).toMatch(/02-relu\.ipynb\s+1\/1\s+✓ 02-1/);
  expect(digest()).toEqual(before);
});

test('npm run progress on a missing folder exits 1 with the reason', () => {
  const run = spawnSync('npm', ['run', '--silent', 'progress', '--', path.join(folder, 'nope')], { cwd: root, encoding: 'utf8' });
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(/readProgress: folder is/);
});
