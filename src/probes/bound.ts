/**
 * A bounded history: long runs keep every k-th record, so memory stays flat however long training goes.
 *
 * Each list of a history (the step records, the validation records and each probe's records) holds at
 * most `limit` records. Records arrive in step order and are numbered 0, 1, 2, ... within their list.
 * While a list is short, every record is kept (k = 1). When it would pass `limit`, k doubles and only the
 * records whose number is a multiple of k stay: record 0 (the first) always, and then every k-th. The
 * newest record is always kept as well, so the list always ends at the last step measured; it is dropped
 * when a newer one arrives unless its number is a multiple of k.
 *
 * So a list holds between limit/2 and limit + 1 records, evenly spaced (every k-th), and the same run
 * keeps the same records: which ones depends only on their numbers, never on timing. A run of 3000 steps
 * with the default limit of 1000 keeps every 4th step record (750 of 3000).
 */

/** Records kept per list of a history by default (see `boundHistory`). */
export const DEFAULT_HISTORY_LIMIT = 1000;

/** Where one list stands: records seen, the current k, and whether its last record is kept only as the newest. */
interface ListState {
  seen: number;
  every: number;
  length: number;
  newestOnly: boolean;
}

const states = new WeakMap<object, Map<string, ListState>>();

/**
 * Takes the records appended to `list` since the last call and keeps every k-th of them (k doubling
 * whenever the list would pass `limit`), plus the newest.
 */
function boundList(list: unknown[], state: ListState, limit: number): void {
  if (list.length < state.length) Object.assign(state, { seen: 0, every: 1, length: 0, newestOnly: false });
  const fresh = list.splice(state.length);
  for (const record of fresh) {
    if (state.newestOnly) list.pop();
    const number = state.seen++;
    list.push(record);
    state.newestOnly = number % state.every !== 0;
    if (list.length - (state.newestOnly ? 1 : 0) > limit) thin(list, state);
  }
  state.length = list.length;
}

/** Doubles k: keeps the records at even positions (numbers that are multiples of 2k) and the newest. */
function thin(list: unknown[], state: ListState): void {
  const newest = list[list.length - 1];
  const onGrid = state.newestOnly ? list.slice(0, -1) : list.slice();
  const kept = onGrid.filter((_, i) => i % 2 === 0);
  state.every *= 2;
  state.newestOnly = kept[kept.length - 1] !== newest;
  if (state.newestOnly) kept.push(newest);
  list.splice(0, list.length, ...kept);
}

/**
 * Bounds every list named in `lists` of `log` to about `limit` records (every k-th, plus the first and the
 * newest; see the top of this file). Call it after appending records; it is cheap when nothing is over.
 * Returns k for each list (1 while nothing was dropped).
 *
 * @example
 *   boundHistory(history, ['steps', 'gradients'], 1000);   // after 3000 steps: { steps: 4, gradients: 1 }
 */
export function boundHistory(log: object, lists: readonly string[], limit: number): Record<string, number> {
  let byList = states.get(log);
  if (!byList) states.set(log, (byList = new Map()));
  const every: Record<string, number> = {};
  for (const name of lists) {
    const list = (log as Record<string, unknown>)[name];
    if (!Array.isArray(list)) continue;
    let state = byList.get(name);
    if (!state) byList.set(name, (state = { seen: 0, every: 1, length: 0, newestOnly: false }));
    if (list.length !== state.length) boundList(list, state, limit);
    every[name] = state.every;
  }
  return every;
}
