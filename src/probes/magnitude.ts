/**
 * Numbers that span many orders of magnitude, made safe for plotting on a log axis.
 *
 * A gradient norm can be 1e-13 in one layer and 1 in another; plots show log10 of it. An exact 0 has no
 * logarithm (log10(0) = -Infinity). It happens when a value is smaller than the smallest number the
 * backend stores: float32 keeps numbers down to about 1.4e-45 (1e-38 on the native TensorFlow backend,
 * which flushes smaller "subnormal" numbers to 0). gradscope reports such a value as an underflow:
 * `{ value: 0, log10: null, underflow: true }`, never as -Infinity.
 */

/** A non-negative quantity with its log10, safe for JSON and log plots. */
export interface Magnitude {
  value: number;
  /** log10(value); null when value is 0 (underflow) or not finite. */
  log10: number | null;
  /** True when the value is exactly 0: too small for float32 (or truly zero). */
  underflow: boolean;
}

/**
 * The size of one tensor (a gradient, an activation gradient), summarised the same way by every probe.
 */
export interface TensorSize {
  /** ||t||_2, summed in float64 on the host. */
  norm: number;
  /** log10 of the norm; null when the norm is exactly 0 (see `underflow`) or not finite. */
  log10: number | null;
  /** True when every entry is exactly 0 (below float32's range, or truly zero). */
  underflow: boolean;
  /** ||t||_2 / sqrt(entries): the typical size of one entry. */
  rms: number;
  /** max |t_ij|. */
  maxAbs: number;
  /** Entries that are NaN or infinite (0 in a healthy run). */
  nonFinite: number;
}

/**
 * Wraps a non-negative number as a `Magnitude`.
 *
 * @example
 *   magnitude(1e-13);   // { value: 1e-13, log10: -13, underflow: false }
 *   magnitude(0);       // { value: 0, log10: null, underflow: true }
 */
export function magnitude(value: number): Magnitude {
  if (value === 0) return { value: 0, log10: null, underflow: true };
  if (!Number.isFinite(value)) return { value, log10: null, underflow: false };
  return { value, log10: Math.log10(value), underflow: false };
}

/** Fixed histogram bins on log10|v|: from 1e-40 to 1e5, two bins per decade (edges 1e-40, 10^-39.5, ...). */
export const HISTOGRAM_LOG10_MIN = -40;
export const HISTOGRAM_LOG10_MAX = 5;
export const HISTOGRAM_BINS_PER_DECADE = 2;
export const HISTOGRAM_BIN_COUNT = (HISTOGRAM_LOG10_MAX - HISTOGRAM_LOG10_MIN) * HISTOGRAM_BINS_PER_DECADE;

/**
 * The bin edges on the log10 scale (HISTOGRAM_BIN_COUNT + 1 numbers), the same for every histogram.
 *
 * @example
 *   histogramEdgesLog10().slice(0, 3);   // [-40, -39.5, -39]
 */
export function histogramEdgesLog10(): number[] {
  return Array.from({ length: HISTOGRAM_BIN_COUNT + 1 }, (_, i) => HISTOGRAM_LOG10_MIN + i / HISTOGRAM_BINS_PER_DECADE);
}

/**
 * A histogram of |v| on fixed log10 bins, so histograms from different layers, steps and runs can be
 * compared bar by bar. Bin i counts values with edges[i] <= log10|v| < edges[i + 1].
 */
export interface LogHistogram {
  /** log10 of the lowest edge (-40) and the width of a bin in decades (0.5): edges = low + i * width. */
  lowLog10: number;
  binWidthLog10: number;
  /** Counts per bin; length HISTOGRAM_BIN_COUNT (90). */
  counts: number[];
  /** Values that are exactly 0 (underflow). */
  zeros: number;
  /** Non-zero values below 1e-40. */
  below: number;
  /** Values at or above 1e5. */
  above: number;
  /** NaN or infinite values. */
  nonFinite: number;
  /** All values counted. */
  total: number;
}

/**
 * Counts |values[start..end)| into the fixed log-magnitude bins.
 *
 * @example
 *   const h = logHistogram([0, 1e-3, 2e-3, 1]);
 *   h.zeros;   // 1
 */
export function logHistogram(values: ArrayLike<number>, start = 0, end = values.length): LogHistogram {
  if (values instanceof Float32Array) return logHistogramFloat32(values.subarray(start, end));
  const counts = new Array<number>(HISTOGRAM_BIN_COUNT).fill(0);
  let zeros = 0;
  let below = 0;
  let above = 0;
  let nonFinite = 0;
  for (let i = start; i < end; i++) {
    const v = Math.abs(values[i]);
    if (v === 0) zeros++;
    else if (!Number.isFinite(v)) nonFinite++;
    else {
      const bin = Math.floor((Math.log10(v) - HISTOGRAM_LOG10_MIN) * HISTOGRAM_BINS_PER_DECADE);
      if (bin < 0) below++;
      else if (bin >= HISTOGRAM_BIN_COUNT) above++;
      else counts[bin]++;
    }
  }
  return {
    lowLog10: HISTOGRAM_LOG10_MIN,
    binWidthLog10: 1 / HISTOGRAM_BINS_PER_DECADE,
    counts,
    zeros,
    below,
    above,
    nonFinite,
    total: end - start,
  };
}

/** The bin of |v| > 0 by its definition: floor((log10|v| - (-40)) * 2); below 0 or from 90 on, outside the bins. */
function binByLog(v: number): number {
  return Math.floor((Math.log10(v) - HISTOGRAM_LOG10_MIN) * HISTOGRAM_BINS_PER_DECADE);
}

/**
 * The bins of float32 numbers without a logarithm per number. A positive float32 is 2^e times a mantissa,
 * so its binary exponent e (its bits 23 to 30) says within a factor 2, 0.3 decades, where it lies: within
 * one or two bins (0.5 decades each). Which of them is settled by comparing |v| with each bin's lowest
 * float32, found once by bisecting the float32 numbers (ordered as their bits are) with `binByLog` itself.
 * `binByLog` never decreases as v grows (log10, the subtraction, the product and floor each keep the order;
 * neighbouring float32 numbers differ in log10 by 5e-8 times more than log10's rounding error), so both give
 * every float32 the same bin.
 */
interface Float32Bins {
  /** lowest[k]: the smallest float32 in bin k (k = 0..89); lowest[90]: the smallest one at or above 1e5. */
  lowest: Float64Array;
  /** For each binary exponent (0..254), the bin of its smallest float32: -1 below the bins, 90 above. */
  firstBin: Int32Array;
}

let float32Bins: Float32Bins | undefined;

function float32BinTable(): Float32Bins {
  if (float32Bins) return float32Bins;
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  const valueOf = (bits: number) => {
    u32[0] = bits;
    return f32[0];
  };
  const clamp = (bin: number) => Math.max(-1, Math.min(HISTOGRAM_BIN_COUNT, bin));
  const lowest = new Float64Array(HISTOGRAM_BIN_COUNT + 1);
  for (let k = 0; k <= HISTOGRAM_BIN_COUNT; k++) {
    // The first bit pattern in 1 .. 0x7f7fffff (the largest finite float32) whose number is in bin k or above.
    let [lo, hi] = [1, 0x7f800000];
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (binByLog(valueOf(mid)) >= k) hi = mid;
      else lo = mid + 1;
    }
    lowest[k] = lo === 0x7f800000 ? Infinity : valueOf(lo);
  }
  const firstBin = new Int32Array(255);
  for (let e = 0; e < 255; e++) firstBin[e] = clamp(binByLog(valueOf(e === 0 ? 1 : e << 23)));
  float32Bins = { lowest, firstBin };
  return float32Bins;
}

/** `logHistogram` of float32 numbers, the same counts (see `Float32Bins`). */
function logHistogramFloat32(values: Float32Array): LogHistogram {
  const { lowest, firstBin } = float32BinTable();
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const counts = new Array<number>(HISTOGRAM_BIN_COUNT).fill(0);
  // counts[k] in slot k + 1: slot 0 counts the numbers below the bins, slot 91 those above.
  const slots = new Float64Array(HISTOGRAM_BIN_COUNT + 2);
  let zeros = 0;
  let nonFinite = 0;
  for (let i = 0; i < values.length; i++) {
    const magnitudeBits = bits[i] & 0x7fffffff;
    if (magnitudeBits === 0) zeros++;
    else if (magnitudeBits >= 0x7f800000) nonFinite++;
    else {
      const v = Math.abs(values[i]);
      let k = firstBin[magnitudeBits >>> 23];
      while (k < HISTOGRAM_BIN_COUNT && v >= lowest[k + 1]) k++;
      slots[k + 1]++;
    }
  }
  for (let k = 0; k < HISTOGRAM_BIN_COUNT; k++) counts[k] = slots[k + 1];
  return {
    lowLog10: HISTOGRAM_LOG10_MIN,
    binWidthLog10: 1 / HISTOGRAM_BINS_PER_DECADE,
    counts,
    zeros,
    below: slots[0],
    above: slots[HISTOGRAM_BIN_COUNT + 1],
    nonFinite,
    total: values.length,
  };
}

/**
 * The `TensorSize` of values[start..end): ||t||_2 summed in float64 (a float32 square of 1e-25 would be 0),
 * its log10 (null for an exact 0), rms, max |t_ij| and the count of NaN/Infinity entries.
 *
 * @example
 *   tensorSize(new Float32Array([3, 4]), 0, 2);   // { norm: 5, log10: 0.699, underflow: false, rms: 3.54, maxAbs: 4, nonFinite: 0 }
 */
export function tensorSize(values: ArrayLike<number>, start: number, end: number): TensorSize & { sums: ReturnType<typeof sumsOf> } {
  return sizeFromSums(sumsOf(values, start, end), end - start);
}

/** The `TensorSize` of `size` entries whose sums (`sumsOf` or `gradientSums`) are already known. */
export function sizeFromSums<S extends Pick<ReturnType<typeof sumsOf>, 'sumSquares' | 'maxAbs' | 'nonFinite'>>(sums: S, size: number): TensorSize & { sums: S } {
  const norm = Math.sqrt(sums.sumSquares);
  const m = magnitude(norm);
  return {
    norm,
    log10: m.log10,
    underflow: m.underflow,
    rms: size > 0 ? norm / Math.sqrt(size) : 0,
    maxAbs: sums.nonFinite ? NaN : sums.maxAbs,
    nonFinite: sums.nonFinite,
    sums,
  };
}

/** Sum of squares, largest |v| and counts of exact zeros and non-finite entries of values[start..end), in float64. */
export function sumsOf(values: ArrayLike<number>, start: number, end: number): { sumSquares: number; sumAbs: number; sum: number; maxAbs: number; zeros: number; nonFinite: number } {
  let sumSquares = 0;
  let zeros = 0;
  let sumAbs = 0;
  let sum = 0;
  let maxAbs = 0;
  let nonFinite = 0;
  for (let i = start; i < end; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      nonFinite++;
      sumSquares += v * v;
      continue;
    }
    const a = Math.abs(v);
    if (a === 0) zeros++;
    sumSquares += v * v;
    sumAbs += a;
    sum += v;
    if (a > maxAbs) maxAbs = a;
  }
  return { sumSquares, sumAbs, sum, maxAbs, zeros, nonFinite };
}

/**
 * What a gradient record needs of `values`, in one pass: the sum of squares in float64 (in order, so equal to
 * `sumsOf`'s), the largest finite |v|, and the counts of exact zeros and of NaN or infinite entries.
 *
 * It also carries on a float32 sum of squares from `float32Start` (default 0), every square and every
 * partial sum rounded to float32 as the training step's global norm sums them (models/fused-kernels.ts's
 * addSquares): the training loop gets the step's gradient norm and the probe's sums from one pass.
 */
export function gradientSums(values: Float32Array, float32Start = 0): { sumSquares: number; maxAbs: number; zeros: number; nonFinite: number; float32SumSquares: number } {
  let sumSquares = 0;
  let maxAbs = 0;
  let zeros = 0;
  let nonFinite = 0;
  const fround = Math.fround;
  let s32 = float32Start;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const square = v * v;
    sumSquares += square;
    // v * v of a float32 v is exact in float64 up to its rounding to float32: fround(square) is the float32 square.
    s32 = fround(s32 + fround(square));
    const a = Math.abs(v);
    if (a === 0) zeros++;
    else if (a > maxAbs) {
      if (a === Infinity) nonFinite++;
      else maxAbs = a;
    } else if (a !== a) nonFinite++;
  }
  return { sumSquares, maxAbs, zeros, nonFinite, float32SumSquares: s32 };
}

/** The sum of squares of `values` in float64, in order (equal to `sumsOf(values, 0, n).sumSquares`). */
export function sumOfSquares(values: Float32Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] * values[i];
  return s;
}
