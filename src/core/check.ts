/**
 * Small validators shared by every public function. Each throws an Error that names the function, the
 * field, the value seen and what is allowed, for example:
 *   mlp: depth is -3; allowed: an integer from 1 to 200
 */

/** Shows a value the way a user typed it (strings quoted, arrays short). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return value.length > 6 ? `an array of length ${value.length}` : JSON.stringify(value);
  if (value !== null && typeof value === 'object') {
    const name = (value as object).constructor?.name;
    if (name && name !== 'Object') return `a ${name}`;
    const keys = Object.keys(value as object);
    return keys.length ? `an object with keys ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', ...' : ''}` : 'an empty object';
  }
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

export function fail(where: string, field: string, value: unknown, allowed: string): never {
  throw new Error(`${where}: ${field} is ${describeValue(value)}; allowed: ${allowed}`);
}

export function checkInt(where: string, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(where, field, value, `an integer from ${min} to ${max}`);
  }
  return value;
}

export function checkNumber(
  where: string,
  field: string,
  value: unknown,
  min: number,
  max: number,
  options: { minExclusive?: boolean } = {},
): number {
  const lowOk = options.minExclusive ? (value as number) > min : (value as number) >= min;
  if (typeof value !== 'number' || !Number.isFinite(value) || !lowOk || value > max) {
    const low = options.minExclusive ? `greater than ${min}` : `at least ${min}`;
    fail(where, field, value, `a finite number ${low} and at most ${max}`);
  }
  return value;
}

export function checkOneOf<T extends string>(where: string, field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(where, field, value, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
  return value as T;
}

export function checkBool(where: string, field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(where, field, value, 'true or false');
  return value;
}

export function checkSeedValue(where: string, value: unknown): number {
  return checkInt(where, 'seed', value, 0, 0xffffffff);
}

/** Throws when `options` is not a plain object or has a key not in `known` (catches typos like 'activaton'). */
export function checkKeys(where: string, options: unknown, known: readonly string[], what = 'options'): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    fail(where, what, options, `an object with some of the fields ${known.join(', ')}`);
  }
  for (const key of Object.keys(options as object)) {
    if (!known.includes(key)) {
      const guess = closestName(key, known);
      throw new Error(`${where}: unknown field '${key}' in ${what}; allowed fields: ${known.join(', ')}${guess ? ` (did you mean '${guess}'?)` : ''}`);
    }
  }
}

/**
 * The known name a typo most likely meant, or undefined: the one with the fewest single-letter edits
 * (insert, delete, replace; Levenshtein distance), if that is at most a third of the name's length (at
 * least 2), or one name that begins the other ('maximum' -> 'max'). Case is ignored.
 *
 * @example
 *   closestName('noize', ['n', 'noise', 'seed']);   // 'noise'
 */
export function closestName(typed: string, known: readonly string[]): string | undefined {
  const a = typed.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of known) {
    const d = editDistance(a, name.toLowerCase());
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(a.length / 3))) return best;
  const prefixed = known.filter((name) => name.length >= 3 && (a.startsWith(name.toLowerCase()) || name.toLowerCase().startsWith(a)));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** Levenshtein distance: the fewest single-character insertions, deletions and replacements from a to b. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row.push(Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    previous = row;
  }
  return previous[b.length];
}

/**
 * Makes console.log (and so a notebook cell ending in this value) show `describe()` instead of dumping
 * every field. The property is a non-enumerable symbol: JSON.stringify and object spreads ignore it.
 */
export function showAs<T extends object>(value: T, describe: () => string): T {
  Object.defineProperty(value, Symbol.for('nodejs.util.inspect.custom'), { value: describe, enumerable: false, configurable: true });
  return value;
}

/** Throws unless `value` is an array of integers from min to max (such as a list of seeds). */
export function checkIntegerList(where: string, field: string, value: unknown, min: number, max: number): number[] {
  if (!Array.isArray(value) || value.length === 0) fail(where, field, value, `a non-empty array of integers from ${min} to ${max}`);
  (value as unknown[]).forEach((v, i) => checkInt(where, `${field}[${i}]`, v, min, max));
  return value as number[];
}
