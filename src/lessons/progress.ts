import * as fs from 'fs';
import * as path from 'path';
import { displayBundle } from '../core/notebook';
import { EXERCISE_MIME_TYPE, ExerciseRecord } from './exercise';

/**
 * Progress without a server: which exercises a learner has passed, read from the check cells' saved outputs
 * (the `application/vnd.gradscope.exercise+json` records `checkExercise` writes). Only reads: it never
 * writes to a notebook.
 */

/** One exercise of one lesson, as its saved notebook shows it. */
export interface ExerciseProgress {
  /** The exercise id, e.g. '02-1'. */
  exercise: string;
  /** 'passed' (the saved check says so), 'not yet' (checked, not passed) or 'not tried' (no saved check output). */
  status: 'passed' | 'not yet' | 'not tried';
}

/** One lesson's exercises. */
export interface LessonProgress {
  /** The notebook's file name, e.g. '02-relu-family.ipynb'. */
  notebook: string;
  /** Two-digit lesson number, e.g. '02'. */
  lesson: string;
  exercises: ExerciseProgress[];
  passed: number;
  total: number;
}

interface NotebookCell {
  cell_type?: string;
  metadata?: { gradscope?: { exercise?: unknown }; tags?: unknown };
  outputs?: { data?: Record<string, unknown> }[];
}

/** The check records in a cell's saved outputs (the last one counts: it is the latest run). */
function checkRecords(cell: NotebookCell): ExerciseRecord[] {
  return (cell.outputs ?? [])
    .map((output) => output?.data?.[EXERCISE_MIME_TYPE] as ExerciseRecord | undefined)
    .filter((r): r is ExerciseRecord => r !== undefined && r !== null && typeof r === 'object' && typeof r.passed === 'boolean');
}

/**
 * Reads one saved notebook's exercises: every exercise id found in the cells' `metadata.gradscope.exercise`,
 * in order, with the status its check cell's last saved record shows.
 *
 * @example
 *   readNotebookProgress('notebooks/02-relu-family.ipynb');
 *   // { notebook: '02-relu-family.ipynb', lesson: '02', exercises: [{ exercise: '02-1', status: 'passed' }, ...], passed: 1, total: 3 }
 */
export function readNotebookProgress(file: string): LessonProgress {
  let notebook: { cells?: NotebookCell[] };
  try {
    notebook = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`readNotebookProgress: file is '${file}'; allowed: a readable .ipynb notebook (${(error as Error).message})`);
  }
  const ids: string[] = [];
  const status = new Map<string, ExerciseProgress['status']>();
  for (const cell of notebook.cells ?? []) {
    const id = cell?.metadata?.gradscope?.exercise;
    if (typeof id !== 'string') continue;
    if (!ids.includes(id)) ids.push(id);
    const tags = Array.isArray(cell.metadata?.tags) ? (cell.metadata!.tags as unknown[]) : [];
    const records = checkRecords(cell).filter((r) => r.exercise === id);
    if (tags.includes('check') && records.length) status.set(id, records[records.length - 1].passed ? 'passed' : 'not yet');
  }
  const exercises = ids.map((exercise) => ({ exercise, status: status.get(exercise) ?? ('not tried' as const) }));
  const name = path.basename(file);
  return {
    notebook: name,
    lesson: name.slice(0, 2),
    exercises,
    passed: exercises.filter((e) => e.status === 'passed').length,
    total: exercises.length,
  };
}

/**
 * Progress over every lesson notebook (`NN-*.ipynb`) in a folder, lesson by lesson. Lessons without
 * exercises are left out. The default folder is the one the notebook (or the command) runs in.
 *
 * @example
 *   readProgress('notebooks').map((l) => `${l.lesson}: ${l.passed}/${l.total}`);
 */
export function readProgress(folder = '.'): LessonProgress[] {
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch (error) {
    throw new Error(`readProgress: folder is '${folder}'; allowed: a folder holding the lesson notebooks (${(error as Error).message})`);
  }
  return names
    .filter((name) => /^\d\d-.*\.ipynb$/.test(name))
    .sort()
    .map((name) => readNotebookProgress(path.join(folder, name)))
    .filter((lesson) => lesson.total > 0);
}

const MARK: Record<ExerciseProgress['status'], string> = { passed: '✓', 'not yet': '✗', 'not tried': '·' };

/** The progress as a plain-text table, one line per lesson (✓ passed, ✗ not yet, · not tried). */
export function describeProgress(lessons: LessonProgress[]): string {
  if (lessons.length === 0) return 'No exercises found (no saved lesson notebooks with exercise cells here).';
  const width = Math.max(...lessons.map((l) => l.notebook.length));
  const lines = lessons.map(
    (l) => `${l.notebook.padEnd(width)}  ${`${l.passed}/${l.total}`.padStart(5)}  ${l.exercises.map((e) => `${MARK[e.status]} ${e.exercise}`).join('  ')}`,
  );
  const passed = lessons.reduce((s, l) => s + l.passed, 0);
  const total = lessons.reduce((s, l) => s + l.total, 0);
  return [`${'lesson'.padEnd(width)}  passed  exercises (✓ passed, ✗ not yet, · not tried)`, ...lines, `${passed} of ${total} exercises passed.`].join('\n');
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Shows the progress table in a notebook (00-start-here runs it) or prints it outside one. Progress comes
 * from the notebooks as last saved: save a lesson (Ctrl+S) after its checks to see them counted.
 *
 * @example
 *   showProgress();            // the lesson notebooks in the current folder
 *   showProgress('notebooks');
 */
export function showProgress(folder = '.'): void {
  const lessons = readProgress(folder);
  const text = describeProgress(lessons);
  const rows = lessons
    .map(
      (l) =>
        `<tr><td><code>${escapeHtml(l.notebook)}</code></td><td>${l.passed} / ${l.total}</td><td>${l.exercises
          .map((e) => `${MARK[e.status]} ${escapeHtml(e.exercise)}`)
          .join(' &nbsp; ')}</td></tr>`,
    )
    .join('');
  const html = lessons.length
    ? `<table class="gradscope-progress"><thead><tr><th>lesson</th><th>passed</th><th>exercises (✓ passed, ✗ not yet, · not tried)</th></tr></thead><tbody>${rows}</tbody></table>`
    : `<p>${escapeHtml(text)}</p>`;
  if (!displayBundle({ data: { 'text/plain': text, 'text/html': html } })) console.log(text);
}
