/**
 * Reading exercise groups from a notebook's JSON, and judging them (see "Exercise convention" in the README):
 * every cell of a group carries `metadata.gradscope.exercise = "NN-n"`; in order, a markdown statement tagged
 * `exercise`, one code starter tagged `exercise`, one code check tagged `check`, one code solution tagged
 * `solution` with `metadata.jupyter.source_hidden = true`.
 *
 * The "both ways" notebook: the whole notebook as committed, then, for each exercise in order, a copy of the
 * solution's source (as if the learner had typed it into the starter) and a copy of the check. One kernel run
 * then shows each check twice: first on the starter as committed, in its place (it must say "not yet" with a
 * hint), then on the solution (it must pass). Because the added cells come after every committed cell, the
 * committed cells' outputs are exactly those of a run of the committed notebook: the notebook test, the
 * browser test, the site and `npm run figures` read that part of the same run (test/support/executions.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';

export const EXERCISE_MIME = 'application/vnd.gradscope.exercise+json';

export interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}
export interface Cell {
  id?: string;
  cell_type: string;
  source: string | string[];
  metadata?: { gradscope?: { exercise?: unknown; role?: string }; tags?: string[]; jupyter?: { source_hidden?: boolean } };
  outputs?: Output[];
  execution_count?: number | null;
}
export interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

export const text = (source: string | string[]) => (Array.isArray(source) ? source.join('') : source);
export const readNotebook = (file: string): Notebook => JSON.parse(fs.readFileSync(file, 'utf8'));

export interface Group {
  id: string;
  /** Cell indices in the notebook, by role (undefined when missing). */
  statement?: number;
  starter?: number;
  check?: number;
  solution?: number;
  /** Every cell index carrying this id. */
  cells: number[];
}

const tagsOf = (cell: Cell) => (Array.isArray(cell.metadata?.tags) ? cell.metadata!.tags : []);

/** The notebook's exercise groups, in order of first appearance. */
export function findGroups(notebook: Notebook): Group[] {
  const groups = new Map<string, Group>();
  notebook.cells.forEach((cell, index) => {
    const id = cell.metadata?.gradscope?.exercise;
    if (typeof id !== 'string') return;
    const group = groups.get(id) ?? { id, cells: [] };
    groups.set(id, group);
    group.cells.push(index);
    const tags = tagsOf(cell);
    if (cell.cell_type === 'markdown' && tags.includes('exercise')) group.statement ??= index;
    if (cell.cell_type === 'code' && tags.includes('exercise')) group.starter ??= index;
    if (cell.cell_type === 'code' && tags.includes('check')) group.check ??= index;
    if (cell.cell_type === 'code' && tags.includes('solution')) group.solution ??= index;
  });
  return [...groups.values()];
}

/** What is wrong with the groups' structure (empty when every group follows the convention). */
export function structureProblems(notebook: Notebook, lesson: string): string[] {
  const problems: string[] = [];
  for (const group of findGroups(notebook)) {
    const where = `exercise ${group.id}`;
    if (!/^\d\d-\d+$/.test(group.id)) problems.push(`${where}: the id is not 'NN-n' (lesson number, '-', exercise number)`);
    else if (group.id.slice(0, 2) !== lesson) problems.push(`${where}: the id does not start with this lesson's number ${lesson}`);
    const roles: [keyof Group, string][] = [
      ['statement', "a markdown statement tagged 'exercise'"],
      ['starter', "a code starter tagged 'exercise'"],
      ['check', "a code check tagged 'check'"],
      ['solution', "a code solution tagged 'solution'"],
    ];
    for (const [role, what] of roles) if (group[role] === undefined) problems.push(`${where}: missing ${what}`);
    const counts = (pred: (c: Cell) => boolean) => group.cells.filter((i) => pred(notebook.cells[i])).length;
    if (counts((c) => c.cell_type === 'code' && tagsOf(c).includes('exercise')) > 1) problems.push(`${where}: more than one starter cell`);
    if (counts((c) => tagsOf(c).includes('check')) > 1) problems.push(`${where}: more than one check cell`);
    if (counts((c) => tagsOf(c).includes('solution')) > 1) problems.push(`${where}: more than one solution cell`);
    const untagged = group.cells.filter((i) => !['exercise', 'check', 'solution'].some((t) => tagsOf(notebook.cells[i]).includes(t)));
    if (untagged.length) problems.push(`${where}: cells ${untagged.join(', ')} carry the id but none of the tags exercise, check, solution`);
    const { statement, starter, check, solution } = group;
    if (statement !== undefined && starter !== undefined && check !== undefined && solution !== undefined) {
      if (!(statement < starter && starter < check && check < solution)) problems.push(`${where}: the cells are not in the order statement, starter, check, solution`);
      const checkSource = text(notebook.cells[check].source);
      if (!/checkExercise\s*\(/.test(checkSource)) problems.push(`${where}: the check cell does not call checkExercise`);
      if (!checkSource.includes(`'${group.id}'`) && !checkSource.includes(`"${group.id}"`)) problems.push(`${where}: the check cell does not name '${group.id}'`);
      if (notebook.cells[solution].metadata?.jupyter?.source_hidden !== true) problems.push(`${where}: the solution is not hidden (metadata.jupyter.source_hidden = true)`);
      if (text(notebook.cells[solution].source).trim() === text(notebook.cells[starter].source).trim()) problems.push(`${where}: the solution is the starter`);
    }
  }
  return problems;
}

/** The "both ways" notebook (see the file's comment). Added cells carry `metadata.gradscope.role`. */
export function bothWays(notebook: Notebook): Notebook {
  return { ...notebook, cells: [...notebook.cells, ...solutionCells(notebook)] };
}

/** The cells `bothWays` adds after the committed ones: per exercise, the solution as the starter, then the check again. */
export function solutionCells(notebook: Notebook): Cell[] {
  const groups = findGroups(notebook).filter((g) => g.starter !== undefined && g.check !== undefined && g.solution !== undefined);
  return groups.flatMap((group) => {
    const starter = notebook.cells[group.starter!];
    const check = notebook.cells[group.check!];
    return [
      { ...starter, id: `${group.id}-solution-as-starter`, source: notebook.cells[group.solution!].source, outputs: [], execution_count: null,
        metadata: { ...starter.metadata, gradscope: { exercise: group.id, role: 'solution-as-starter' } } },
      { ...check, id: `${group.id}-check-again`, outputs: [], execution_count: null,
        metadata: { ...check.metadata, gradscope: { exercise: group.id, role: 'check-again' } } },
    ];
  });
}

export interface CheckRecord {
  lesson: string;
  exercise: string;
  passed: boolean;
  message: string;
  hint?: string;
}

/** What is wrong with the checks in an executed "both ways" notebook (empty when every check works both ways). */
export function bothWaysProblems(executed: Notebook, ids: string[]): string[] {
  const problems: string[] = [];
  executed.cells.forEach((cell, index) => {
    const error = (cell.outputs ?? []).find((o) => o.output_type === 'error');
    const isCheck = tagsOf(cell).includes('check');
    if (error && !isCheck) {
      const label = cell.metadata?.gradscope?.role ?? (typeof cell.metadata?.gradscope?.exercise === 'string' ? `cell of exercise ${cell.metadata.gradscope.exercise}` : 'cell');
      problems.push(`${label} ${index} (${text(cell.source).split('\n')[0].slice(0, 60)}) raised ${error.ename}: ${error.evalue}`);
    }
  });
  const recordsOf = (cell: Cell) => (cell.outputs ?? []).filter((o) => o.data && EXERCISE_MIME in o.data).map((o) => o.data![EXERCISE_MIME] as CheckRecord);
  for (const id of ids) {
    const checks = executed.cells.filter((c) => c.metadata?.gradscope?.exercise === id && tagsOf(c).includes('check'));
    const [asCommitted, withSolution] = [checks.find((c) => c.metadata?.gradscope?.role !== 'check-again'), checks.find((c) => c.metadata?.gradscope?.role === 'check-again')];
    for (const [cell, label, wantPassed] of [[asCommitted, 'as committed', false], [withSolution, 'with the solution', true]] as const) {
      if (!cell) {
        problems.push(`exercise ${id}: no check cell ran ${label}`);
        continue;
      }
      const error = (cell.outputs ?? []).find((o) => o.output_type === 'error');
      if (error) {
        problems.push(`exercise ${id} ${label}: the check cell raised ${error.ename}: ${error.evalue}`);
        continue;
      }
      const records = recordsOf(cell);
      if (records.length !== 1) {
        problems.push(`exercise ${id} ${label}: the check cell shows ${records.length} exercise records (expected 1)`);
        continue;
      }
      const [record] = records;
      const bundle = (cell.outputs ?? []).find((o) => o.data && EXERCISE_MIME in o.data)!.data!;
      if (record.exercise !== id) problems.push(`exercise ${id} ${label}: the record names exercise ${record.exercise}`);
      if (!('text/plain' in bundle) || !('text/html' in bundle)) problems.push(`exercise ${id} ${label}: the record lacks its text/plain or text/html fallback`);
      if (record.passed !== wantPassed) {
        problems.push(
          wantPassed
            ? `exercise ${id}: the solution does not pass its check ("${record.message}")`
            : `exercise ${id}: the check passes on the untouched starter, so it cannot fail`,
        );
      }
      if (!wantPassed && !record.passed && (!record.hint || !record.message.startsWith('Not yet: '))) {
        problems.push(`exercise ${id} as committed: "not yet" without a hint ("${record.message}")`);
      }
    }
  }
  return problems;
}

const root = path.resolve(__dirname, '..', '..');

/** Executes a notebook through the real `gradscope` kernel (nbclient, test/notebooks/run_notebook.py). */
export function execute(input: string, output: string): { seconds: number; failure: string | null } {
  const run = spawnSync(path.join(root, '.venv', 'bin', 'python'), [path.join(root, 'test', 'notebooks', 'run_notebook.py'), input, output, '--timeout', '900', '--allow-errors'], {
    encoding: 'utf8',
    cwd: root,
    timeout: 20 * 60 * 1000,
  });
  if (run.error) throw new Error(`could not start nbclient: ${run.error.message} (run \`npm run setup\`)`);
  const last = run.stdout.trim().split('\n').pop() ?? '';
  try {
    const summary = JSON.parse(last) as { seconds: number; failure: { kind: string; message: string } | null };
    return { seconds: summary.seconds, failure: summary.failure ? `${summary.failure.kind}: ${summary.failure.message}` : null };
  } catch {
    throw new Error(`the runner did not report (exit ${run.status}):\n${run.stderr.slice(-3000)}`);
  }
}
