/**
 * Size limits: the memory a request implies, checked before anything is allocated.
 *
 * A request that is too large for the machine does not fail gently: a JavaScript array past the heap's
 * limit (about 4 GB by default in Node) ends the whole process, and a tensor past the WebAssembly
 * backend's memory aborts every later tensor operation. So every size option is checked against a budget
 * first, and a request over it is refused with an error that names the function, the field, the value,
 * the memory it would need and the limit, for example:
 *
 *   mlp: width is [16,100000,100000]; allowed: sizes whose weights fit in 20 000 000 parameters
 *   (80 MB as float32); this request needs 10 001 700 001 parameters (40 GB)
 *
 * The budgets are generous (far above what the lessons use) and each is justified where it is defined.
 */
import { describeValue } from './check';

/**
 * At most 20 million trainable numbers in one model: 80 MB as float32. Training holds about six copies
 * (weights, gradients, two optimizer averages for adam, the probes' before/after copies of the weights),
 * so about 480 MB, well inside the WebAssembly backend's 4 GB memory and Node's heap.
 */
export const MAX_PARAMETERS = 20_000_000;

/**
 * At most 10 million numbers in one generated dataset. A dataset is nested JavaScript arrays (about
 * 40 bytes per number measured, so about 400 MB at the limit, a tenth of Node's default heap), and
 * training copies it once more into a float32 tensor (40 MB).
 */
export const MAX_DATASET_NUMBERS = 10_000_000;

/**
 * At most 1 GB of float32 intermediate values (256 million numbers) kept by one training step's forward
 * pass for the backward pass: the batch's activations at every layer (and, for a recurrent network, at
 * every time step). Twice that is live during the backward pass, still inside the WebAssembly backend's 4 GB.
 */
export const MAX_STEP_NUMBERS = 256_000_000;

/** A count as people read it: 10 001 700 001. */
export function groupDigits(count: number): string {
  return Math.round(count).toLocaleString('en-US').replace(/,/g, ' ');
}

/** Bytes as people read them: 80 MB, 40 GB. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toPrecision(2)} ${units[unit]}`;
}

/**
 * Throws unless `count` things of `bytesEach` bytes fit in `limit` of them: "where: field is value;
 * allowed: <allowed> <limit> <what> (<bytes> <storedAs>); this request needs <count> <what> (<bytes>)".
 *
 * @example
 *   checkBudget('mlp', 'width', options.width, parameterCount, MAX_PARAMETERS, 'parameters', 4, 'sizes whose weights fit in', 'as float32');
 */
export function checkBudget(
  where: string,
  field: string,
  value: unknown,
  count: number,
  limit: number,
  what: string,
  bytesEach: number,
  allowed: string,
  storedAs: string,
): void {
  if (count <= limit) return;
  throw new Error(
    `${where}: ${field} is ${describeValue(value)}; allowed: ${allowed} ${groupDigits(limit)} ${what} ` +
      `(${formatBytes(limit * bytesEach)} ${storedAs}); this request needs ${groupDigits(count)} ${what} (${formatBytes(count * bytesEach)})`,
  );
}
