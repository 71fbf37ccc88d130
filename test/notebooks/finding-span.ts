/**
 * The span rule for findings: a two-sided range must be no wider than the evidence needs.
 *
 * A finding with both `min` and `max`, both of the same sign and nonzero, whose larger bound is more than 100
 * times the smaller in magnitude (it spans more than two decades) is a defect unless its statement says why the
 * range is that wide: it contains "range:" or "wide because" followed by the reason, e.g.
 *   "the ratio stays near 1 (range: 0.01-100 because the 3 seeds differ by 30x at this depth)".
 * A range whose lower bound is 0 or negative, or one-sided findings, are not judged by this rule.
 */

export interface FindingRecord {
  id: string;
  statement: string;
  value: number;
  expected: { min?: number | null; max?: number | null };
  holds: boolean;
}

/** Decades a two-sided range spans (log10 of larger / smaller bound), or null when the rule does not apply. */
export function decades(min: number | null | undefined, max: number | null | undefined): number | null {
  if (typeof min !== 'number' || typeof max !== 'number' || min === 0 || max === 0 || Math.sign(min) !== Math.sign(max)) return null;
  const [a, b] = [Math.abs(min), Math.abs(max)];
  return Math.log10(Math.max(a, b) / Math.min(a, b));
}

/** Says why a range is wide, as the rule asks. */
export const explainsWidth = (statement: string) => /range:|wide because/i.test(statement);

/** The findings that span more than two decades without saying why, as lines naming the id, range and value. */
export function spanProblems(findings: FindingRecord[], notebook = ''): string[] {
  return findings
    .filter((f) => {
      const span = decades(f.expected?.min, f.expected?.max);
      return span !== null && span > 2 + 1e-9 && !explainsWidth(f.statement);
    })
    .map((f) => `${notebook ? `${notebook}: ` : ''}${f.id}: [${f.expected.min}, ${f.expected.max}] spans ${decades(f.expected.min, f.expected.max)!.toFixed(1)} decades for a measured ${f.value} ("${f.statement}"); narrow it, or say why with "range:" or "wide because"`);
}
