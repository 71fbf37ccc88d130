/**
 * The `historyLimit` option shared by `train` and `trainTogether`: how many records each list of a history
 * keeps (see probes/bound.ts for which ones).
 */
import { checkInt } from '../core/check';
import { DEFAULT_HISTORY_LIMIT } from '../probes/bound';
import { PROBE_NAMES } from '../probes/registry';

/** The lists of a History that grow with the run. */
export const HISTORY_LISTS: readonly string[] = ['steps', 'validation', ...PROBE_NAMES];

/**
 * Most records per list: 1 000 000. A probe record of a deep network is a few kB (one entry per layer),
 * so a million of them in one list would already be gigabytes of JavaScript heap; 10 is the least that
 * still draws a curve.
 */
export const MAX_HISTORY_LIMIT = 1_000_000;

/** Checks `historyLimit` (default 1000): an integer from 10 to 1 000 000. */
export function checkHistoryLimit(where: string, value: unknown): number {
  return checkInt(where, 'historyLimit', value ?? DEFAULT_HISTORY_LIMIT, 10, MAX_HISTORY_LIMIT);
}
