import { displayBundle } from '../core/notebook';
import { formatNumber } from '../core/format';
import { checkKeys, fail } from '../core/check';

/**
 * Measured findings: the sentences a lesson claims, checked against the numbers it just measured.
 *
 * A lesson does not say "the first layer's gradient is a million times smaller" and hope. It measures the
 * ratio, then calls `finding(...)` with the claim and the number. In a notebook the finding shows as one
 * highlighted line (with a tick or a cross); it also travels in the output as plain JSON under the MIME type
 * `application/vnd.gradscope.finding+json`, so `npm test` can read every executed notebook and fail when a
 * claim no longer holds.
 *
 * A range must be about as narrow as the evidence needs, so that the finding could fail: a two-sided range
 * (`min` and `max` of the same sign) spanning more than two decades (max / min > 100) must say why in its
 * statement, with "range:" or "wide because" followed by the reason; `npm test` enforces this on every
 * executed notebook (test/notebooks/finding-span.ts).
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
  showFinding(checkFindingOptions('finding', options));
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
  return checkFindingOptions('checkFinding', options);
}

/** The option names a finding takes: any other name (a typo such as `maximum`) is an error, never a weaker check. */
const FINDING_FIELDS = ['id', 'statement', 'value', 'min', 'max'] as const;

/**
 * Validates a finding's options and decides whether it holds. Every number must be finite: a value of
 * Infinity or NaN is a failed measurement, not a number a claim can hold for (and JSON would write it as
 * null); a range with min > max could never hold.
 */
function checkFindingOptions(where: string, options: FindingOptions): Finding {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    fail(where, 'options', options, `an object {${FINDING_FIELDS.join(', ')}}`);
  }
  checkKeys(where, options, FINDING_FIELDS);
  const { id, statement, value, min, max } = options;
  if (typeof id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(id)) {
    throw new Error(`${where}: id is ${JSON.stringify(id)}; allowed: lower-case words joined by '-', e.g. 'first-layer-ratio'`);
  }
  if (typeof statement !== 'string' || statement.trim() === '') {
    throw new Error(`${where}: statement is ${JSON.stringify(statement)}; allowed: a non-empty sentence`);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail(where, 'value', value, 'a finite number (the measured quantity; NaN or Infinity means the measurement failed)');
  }
  if (min === undefined && max === undefined) {
    throw new Error(`${where}: min and max are both missing; allowed: at least one bound the value must respect`);
  }
  for (const [field, bound] of [['min', min], ['max', max]] as const) {
    if (bound !== undefined && (typeof bound !== 'number' || !Number.isFinite(bound))) {
      fail(where, field, bound, 'a finite number or undefined (leave it out for an open end)');
    }
  }
  if (min !== undefined && max !== undefined && min > max) {
    fail(where, 'min', min, `a number at most max (${max}); a range with min > max can never hold`);
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
