import { displayBundle } from '../core/notebook';
import { formatNumber } from '../core/format';

/**
 * Measured findings: the sentences a lesson claims, checked against the numbers it just measured.
 *
 * A lesson does not say "the first layer's gradient is a million times smaller" and hope. It measures the
 * ratio, then calls `finding(...)` with the claim and the number. In a notebook the finding shows as one
 * highlighted line (with a tick or a cross); it also travels in the output as plain JSON under the MIME type
 * `application/vnd.gradscope.finding+json`, so `npm test` can read every executed notebook and fail when a
 * claim no longer holds.
 */

/** The MIME type a finding travels under in a notebook's outputs. */
export const FINDING_MIME_TYPE = 'application/vnd.gradscope.finding+json';

/** What a lesson claims and what it measured: plain JSON. */
export interface Finding {
  /** A stable name for the claim, e.g. 'sigmoid-first-to-last-gradient-ratio'. */
  id: string;
  /** The claim in words, as the lesson states it. */
  statement: string;
  /** The measured number the claim is about. */
  value: number;
  /** The range the claim allows for `value` (either end may be open). */
  expected: { min?: number; max?: number };
  /** Whether `value` lies inside `expected`. */
  holds: boolean;
}

export interface FindingOptions {
  id: string;
  statement: string;
  value: number;
  /** Lowest value for which the statement holds (inclusive). */
  min?: number;
  /** Highest value for which the statement holds (inclusive). */
  max?: number;
}

/**
 * Checks a lesson's claim against a measured value and shows the result as one highlighted line. Returns
 * nothing, so a notebook cell ending with it prints nothing more; `checkFinding` returns the record instead.
 *
 * @example
 *   finding({ id: 'sigmoid-derivative-max', statement: "σ'(x) never exceeds 0.25", value: 0.25, max: 0.25 });
 *   // ✔ σ'(x) never exceeds 0.25: measured 0.250 (allowed: at most 0.250)
 */
export function finding(options: FindingOptions): void {
  showFinding(checkFinding(options));
}

/**
 * The same check as `finding`, returning the plain record instead of showing it (for tests and exercise
 * checkers). Throws when the options are malformed; a claim that does not hold is not an error, its
 * `holds` is false.
 *
 * @example
 *   checkFinding({ id: 'ratio', statement: 'the ratio is tiny', value: 1e-9, max: 1e-6 }).holds; // true
 */
export function checkFinding(options: FindingOptions): Finding {
  const { id, statement, value, min, max } = options ?? ({} as FindingOptions);
  if (typeof id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(id)) {
    throw new Error(`finding: id is ${JSON.stringify(id)}; allowed: lower-case words joined by '-', e.g. 'first-layer-ratio'`);
  }
  if (typeof statement !== 'string' || statement.trim() === '') {
    throw new Error(`finding: statement is ${JSON.stringify(statement)}; allowed: a non-empty sentence`);
  }
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new Error(`finding: value is ${String(value)}; allowed: a number (the measured quantity)`);
  }
  if (min === undefined && max === undefined) {
    throw new Error('finding: min and max are both missing; allowed: at least one bound the value must respect');
  }
  for (const [field, bound] of [['min', min], ['max', max]] as const) {
    if (bound !== undefined && (typeof bound !== 'number' || Number.isNaN(bound))) {
      throw new Error(`finding: ${field} is ${String(bound)}; allowed: a number or undefined`);
    }
  }
  const holds = (min === undefined || value >= min) && (max === undefined || value <= max);
  return { id, statement, value, expected: { min, max }, holds };
}

/** One line for a human: the claim, the measured number, and the allowed range. */
export function describeFinding(result: Finding): string {
  const { min, max } = result.expected;
  const range =
    min !== undefined && max !== undefined
      ? `between ${formatNumber(min)} and ${formatNumber(max)}`
      : min !== undefined
        ? `at least ${formatNumber(min)}`
        : `at most ${formatNumber(max as number)}`;
  return `${result.holds ? '✔' : '✘ DOES NOT HOLD:'} ${result.statement}: measured ${formatNumber(result.value)} (allowed: ${range})`;
}

function showFinding(result: Finding): void {
  const line = describeFinding(result);
  const shown = displayBundle({
    data: {
      'text/plain': line,
      'text/markdown': `> **${result.holds ? 'Finding' : 'Finding does not hold'}.** ${line.replace(/^(✔|✘ DOES NOT HOLD:) /, '')}`,
      [FINDING_MIME_TYPE]: result,
    },
  });
  if (!shown) console.log(line);
}
