import { displayBundle } from '../core/notebook';
import { formatNumber } from '../core/format';
import { checkFinding } from './finding';

/**
 * Exercises: a learner's answer checked against what the learner's own seeded run measured.
 *
 * An exercise in a lesson is a group of cells sharing `metadata.gradscope.exercise = "02-1"`: a statement,
 * a starter cell the learner edits (it defines the answer), a check cell and a hidden solution. The check
 * cell calls `checkExercise`, which shows one line, "✓ Correct" or "Not yet: <hint>" (never the answer),
 * and records the result in the cell's output as plain JSON under the MIME type
 * `application/vnd.gradscope.exercise+json`. `npm run progress` and `showProgress()` read those records
 * back from the saved notebooks: no server keeps the learner's progress.
 *
 * A check never throws because of the learner's answer: an answer that is missing, undefined, NaN, of the
 * wrong type, or a function that throws when the check calls it, is "not yet" with a sentence saying what
 * was wrong. Only a check written wrongly by the lesson (no hint, a malformed id) is an error.
 *
 * Three ways to say what is right:
 *   - `expected`: a number (or a function computing it, e.g. from the run the learner just did), compared
 *     with `tolerance` (relative, default 5%), `absolute` or `factor` (right order of magnitude);
 *   - `expected`: a string or boolean, compared exactly (strings trimmed, case ignored);
 *   - `check(answer)`: the lesson's own test, returning true/false, or `{ passed, hint }` for a hint aimed at
 *     that wrong answer; it may be async (then `await checkExercise(...)`).
 */

/** The MIME type an exercise check travels under in a notebook's outputs. */
export const EXERCISE_MIME_TYPE = 'application/vnd.gradscope.exercise+json';

/** What a check cell records: plain JSON, one per check run. It never contains the right answer. */
export interface ExerciseRecord {
  /** Two-digit lesson number, e.g. '02'. */
  lesson: string;
  /** The exercise id, e.g. '02-1' (the same string as the cells' `metadata.gradscope.exercise`). */
  exercise: string;
  /** Whether the answer was right. */
  passed: boolean;
  /** Whether the learner gave any answer at all (false for undefined, null, NaN or an empty string). */
  answered: boolean;
  /** The line the learner reads: "✓ Correct ..." or "Not yet: ...". */
  message: string;
  /** The hint shown when not passed (absent when passed). */
  hint?: string;
}

/** The result of a lesson's own `check` function. */
export type CheckResult = boolean | { passed: boolean; hint?: string };

export interface ExerciseOptions {
  /** The exercise id: two-digit lesson, '-', exercise number, e.g. '02-1'. */
  exercise: string;
  /** The learner's answer: the value (or function) the starter cell defines. */
  answer: unknown;
  /** What the answer should be: a number (or a function measuring it from the learner's run), a string or a boolean. */
  expected?: number | string | boolean | (() => number | string | boolean);
  /** The lesson's own test of the answer, instead of `expected`. May be async. */
  check?: (answer: any) => CheckResult | Promise<CheckResult>;
  /** Shown after "Not yet:": a nudge towards the method, never the answer. */
  hint: string;
  /** Relative tolerance for a numeric `expected`: |answer - expected| <= tolerance * |expected| (default 0.05). */
  tolerance?: number;
  /** Absolute tolerance for a numeric `expected` (default 0); the larger of the two allowances applies. */
  absolute?: number;
  /** Instead of a tolerance: the answer is right within this factor of a positive `expected` (e.g. 10: same order of magnitude). */
  factor?: number;
  /** Added after "✓ Correct" when passed, e.g. what the answer means. */
  praise?: string;
}

const KNOWN = ['exercise', 'answer', 'expected', 'check', 'hint', 'tolerance', 'absolute', 'factor', 'praise'];

/** Errors in how a lesson wrote its check (not in the learner's answer): named, with what is allowed. */
function authorError(field: string, value: unknown, allowed: string): never {
  const shown = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'function' ? 'a function' : String(value);
  throw new Error(`checkExercise: ${field} is ${shown}; allowed: ${allowed}`);
}

function validate(options: ExerciseOptions): void {
  if (options === null || typeof options !== 'object') authorError('options', options, `an object with the fields ${KNOWN.join(', ')}`);
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) throw new Error(`checkExercise: unknown field '${key}' in options; allowed fields: ${KNOWN.join(', ')}`);
  }
  if (typeof options.exercise !== 'string' || !/^\d\d-\d+$/.test(options.exercise)) {
    authorError('exercise', options.exercise, "the lesson number and the exercise number, e.g. '02-1'");
  }
  if (typeof options.hint !== 'string' || options.hint.trim() === '') authorError('hint', options.hint, 'a non-empty sentence');
  if (!('answer' in options)) {
    throw new Error("checkExercise: the field 'answer' is missing; allowed: the learner's answer, e.g. answer: answer02_1 (undefined is fine)");
  }
  const hasExpected = options.expected !== undefined;
  const hasCheck = options.check !== undefined;
  if (hasExpected === hasCheck) {
    throw new Error(
      `checkExercise: expected and check are ${hasExpected ? 'both given' : 'both missing'}; allowed: exactly one of expected (a value or a function) or check (a function)`,
    );
  }
  if (hasCheck && typeof options.check !== 'function') authorError('check', options.check, 'a function answer => true/false or { passed, hint }');
  if (hasExpected && !['number', 'string', 'boolean', 'function'].includes(typeof options.expected)) {
    authorError('expected', options.expected, 'a number, a string, a boolean, or a function returning one');
  }
  for (const field of ['tolerance', 'absolute'] as const) {
    const v = options[field];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) authorError(field, v, 'a finite number of at least 0');
  }
  if (options.factor !== undefined && (typeof options.factor !== 'number' || !Number.isFinite(options.factor) || options.factor <= 1)) {
    authorError('factor', options.factor, 'a finite number greater than 1');
  }
  if (options.factor !== undefined && (options.tolerance !== undefined || options.absolute !== undefined)) {
    authorError('factor', options.factor, 'either factor or tolerance/absolute, not both');
  }
  if (options.praise !== undefined && typeof options.praise !== 'string') authorError('praise', options.praise, 'a sentence or undefined');
}

/** Describes what the learner gave, for "your answer is ..." sentences. */
function describeAnswer(answer: unknown): string {
  if (answer === undefined) return 'undefined';
  if (answer === null) return 'null';
  if (typeof answer === 'number') return Number.isNaN(answer) ? 'NaN' : formatNumber(answer);
  if (typeof answer === 'string') return `the text ${JSON.stringify(answer.length > 40 ? `${answer.slice(0, 40)}…` : answer)}`;
  if (typeof answer === 'function') return 'a function';
  if (Array.isArray(answer)) return `an array of length ${answer.length}`;
  if (typeof answer === 'object') {
    const name = (answer as object).constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return String(answer);
}

/** A one-element tensor (anything with `size === 1` and `dataSync()`) read as its number; other values unchanged. */
function unwrap(answer: unknown): unknown {
  const t = answer as { size?: unknown; dataSync?: unknown; isDisposed?: boolean };
  if (t !== null && typeof t === 'object' && typeof t.dataSync === 'function' && t.size === 1 && !t.isDisposed) {
    try {
      return (t.dataSync as () => ArrayLike<number>)()[0];
    } catch {
      return answer;
    }
  }
  return answer;
}

const isMissing = (answer: unknown) =>
  answer === undefined || answer === null || (typeof answer === 'number' && Number.isNaN(answer)) || (typeof answer === 'string' && answer.trim() === '');

const errorText = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** Why an answer cannot be compared with `expected`, or undefined when it can. */
function formProblem(answer: unknown, expected: number | string | boolean): string | undefined {
  if (isMissing(answer)) return `there is no answer yet (your answer is ${describeAnswer(answer)}); set it in the starter cell and run that cell`;
  const want = typeof expected;
  if (typeof answer !== want) {
    const what = want === 'number' ? 'a number' : want === 'boolean' ? 'true or false' : 'a text';
    return `your answer is ${describeAnswer(answer)}, but this exercise expects ${what}`;
  }
  if (typeof answer === 'number' && !Number.isFinite(answer)) return `your answer is ${answer}; a finite number is expected`;
  return undefined;
}

/** Compares a well-formed answer with the expected value. */
function compare(answer: number | string | boolean, expected: number | string | boolean, options: ExerciseOptions): boolean {
  if (typeof expected === 'string') return String(answer).trim().toLowerCase() === expected.trim().toLowerCase();
  if (typeof expected === 'boolean') return answer === expected;
  const value = answer as number;
  if (options.factor !== undefined) {
    if (!(expected > 0)) return false;
    return checkFinding({ id: 'exercise', statement: 'within a factor', value, min: expected / options.factor, max: expected * options.factor }).holds;
  }
  const allowed = Math.max((options.tolerance ?? 0.05) * Math.abs(expected), options.absolute ?? 0);
  return checkFinding({ id: 'exercise', statement: 'within tolerance', value, min: expected - allowed, max: expected + allowed }).holds;
}

function record(options: ExerciseOptions, passed: boolean, answered: boolean, problem?: string, specificHint?: string): ExerciseRecord {
  const lesson = options.exercise.split('-')[0];
  if (passed) {
    const message = `✓ Correct (exercise ${options.exercise}).${options.praise ? ` ${options.praise}` : ''}`;
    return { lesson, exercise: options.exercise, passed, answered, message };
  }
  const hint = specificHint && specificHint.trim() !== '' ? specificHint : options.hint;
  const message = `Not yet: ${problem ? `${problem[0].toUpperCase()}${problem.slice(1)}. ` : ''}${hint}`;
  return { lesson, exercise: options.exercise, passed, answered, message, hint };
}

/** Reads a check function's result, which may be a boolean or { passed, hint }. */
function fromCheckResult(options: ExerciseOptions, answer: unknown, result: unknown): ExerciseRecord {
  const answered = !isMissing(answer);
  if (typeof result === 'boolean') {
    return record(options, result, answered, result || answered ? undefined : `there is no answer yet (your answer is ${describeAnswer(answer)})`);
  }
  if (result !== null && typeof result === 'object' && typeof (result as { passed?: unknown }).passed === 'boolean') {
    const { passed, hint } = result as { passed: boolean; hint?: unknown };
    return record(options, passed, answered, undefined, typeof hint === 'string' ? hint : undefined);
  }
  if (!answered) return record(options, false, false, `there is no answer yet (your answer is ${describeAnswer(answer)})`);
  return record(options, false, answered, `checking your answer (${describeAnswer(answer)}) gave ${describeAnswer(result)}, not a verdict`);
}

/**
 * Grades an answer and returns the plain record without showing it (for tests and tools). Returns a Promise
 * only when the lesson's `check` function is async.
 *
 * @example
 *   gradeExercise({ exercise: '01-1', answer: 0.25, expected: 0.25, hint: "Where is σ'(x) largest?" }).passed; // true
 *   gradeExercise({ exercise: '01-1', answer: undefined, expected: 0.25, hint: '...' }).message;
 *   // "Not yet: There is no answer yet (your answer is undefined); set it in the starter cell and run that cell. ..."
 */
export function gradeExercise(options: ExerciseOptions): ExerciseRecord | Promise<ExerciseRecord> {
  validate(options);
  const answer = unwrap(options.answer);
  if (options.check) {
    let result: unknown;
    try {
      result = options.check(answer);
    } catch (error) {
      return record(options, false, !isMissing(answer), `checking your answer raised ${errorText(error)}`);
    }
    if (result instanceof Promise) {
      return result.then(
        (value) => fromCheckResult(options, answer, value),
        (error) => record(options, false, !isMissing(answer), `checking your answer raised ${errorText(error)}`),
      );
    }
    return fromCheckResult(options, answer, result);
  }
  let expected: number | string | boolean;
  try {
    expected = typeof options.expected === 'function' ? options.expected() : (options.expected as number | string | boolean);
  } catch (error) {
    return record(options, false, !isMissing(answer), `the lesson could not measure the value to compare with (${errorText(error)}); re-run the cells above in order`);
  }
  if (typeof expected === 'number' && !Number.isFinite(expected)) {
    return record(options, false, !isMissing(answer), `the value measured above is ${expected}; re-run the cells above in order`);
  }
  if (!['number', 'string', 'boolean'].includes(typeof expected)) {
    authorError('expected()', expected, 'a function returning a number, a string or a boolean');
  }
  const problem = formProblem(answer, expected);
  if (problem) return record(options, false, !isMissing(answer), problem);
  return record(options, compare(answer as number | string | boolean, expected, options), true);
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The MIME bundle a check shows: HTML for JupyterLab and the site, plain text elsewhere, and the JSON record. */
export function exerciseBundle(result: ExerciseRecord): Record<string, unknown> {
  const color = result.passed ? '#1a7f37' : '#9a6700';
  const background = result.passed ? '#dafbe1' : '#fff8c5';
  const html =
    `<div class="gradscope-exercise" data-exercise="${escapeHtml(result.exercise)}" data-passed="${result.passed}" ` +
    `style="border-left: 4px solid ${color}; background: ${background}; padding: 6px 10px; color: #1f2328">` +
    `<strong>${escapeHtml(result.exercise)}</strong> ${escapeHtml(result.message)}</div>`;
  return { 'text/plain': result.message, 'text/html': html, [EXERCISE_MIME_TYPE]: result };
}

/** Shows a record in the running cell (or prints its line outside a notebook). */
export function showExercise(result: ExerciseRecord): void {
  if (!displayBundle({ data: exerciseBundle(result) })) console.log(result.message);
}

/**
 * The check cell of an exercise: grades the learner's answer, shows "✓ Correct" or "Not yet: <hint>" inline
 * and records the result (MIME type `application/vnd.gradscope.exercise+json`). Never throws because of the
 * answer. Returns nothing (so the cell prints nothing more), or a Promise when `check` is async.
 *
 * A numeric answer passes when |answer - expected| <= max(tolerance * |expected|, absolute), or, with
 * `factor`, when expected / factor <= answer <= expected * factor.
 *
 * @example
 *   // starter cell:  const answer02_1: number | undefined = undefined;   // the ratio you measured
 *   checkExercise({
 *     exercise: '02-1',
 *     answer: answer02_1,
 *     expected: () => norms[0] / norms[norms.length - 1],   // from the learner's own seeded run above
 *     tolerance: 0.05,
 *     hint: 'Divide the first layer\'s ‖∂L/∂h‖ by the last layer\'s, both from the table above.',
 *   });
 */
export function checkExercise(options: ExerciseOptions): void | Promise<void> {
  const result = gradeExercise(options);
  if (result instanceof Promise) return result.then(showExercise);
  showExercise(result);
}
