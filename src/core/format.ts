/**
 * The one number formatter of the library: chart titles and summaries, findings, the diagnosis report
 * and the training progress line all print numbers this way.
 */

/** Rounds a number for people: 3 significant digits (0.693, 12.3, 0.5), exponent form below 1e-3 and from
 * 1e5 on (4.21e-14), 0 as '0', NaN and Infinity as themselves. */
export function formatNumber(value: number): string {
  if (value === 0) return '0';
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude < 1e-3 || magnitude >= 1e5) return value.toExponential(2).replace('e', 'e');
  return String(Number(value.toPrecision(3)));
}
