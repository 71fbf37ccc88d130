/**
 * `logHistogram` of float32 numbers (bins found from the binary exponent and each bin's lowest float32, no
 * logarithm per number) against its definition, floor((log10|v| + 40) * 2), which it still uses for other
 * arrays: the same counts for the float32 numbers on both sides of every bin edge, for a sample spread over
 * every binary exponent, and for zeros, subnormals, NaN and infinities.
 */
import { HISTOGRAM_BIN_COUNT, logHistogram } from '../../src/probes/magnitude';

/** float32 numbers from their bit patterns. */
function fromBits(patterns: number[]): Float32Array {
  return new Float32Array(new Uint32Array(patterns).buffer);
}

/** The counts by the definition (the path `logHistogram` takes for a plain array of numbers). */
const byDefinition = (values: Float32Array) => logHistogram(Array.from(values));

test('both sides of every bin edge: the same bins as the definition', () => {
  const patterns: number[] = [];
  for (let k = 0; k <= HISTOGRAM_BIN_COUNT; k++) {
    // 10^(-40 + k / 2) as a float32 is within a few units in the last place of the edge.
    const edge = new Uint32Array(Float32Array.of(10 ** (-40 + k / 2)).buffer)[0];
    for (let d = -300; d <= 300; d++) patterns.push(edge + d, (edge + d) | 0x80000000);
  }
  const values = fromBits(patterns);
  const fast = logHistogram(values);
  expect(fast).toEqual(byDefinition(values));
  // Every edge was crossed: the numbers fall in every bin, and below and above.
  expect(fast.counts.every((c) => c > 0)).toBe(true);
  expect(fast.below).toBeGreaterThan(0);
  expect(fast.above).toBeGreaterThan(0);
});

test('a spread over every binary exponent, and the special numbers', () => {
  const patterns = [0, 0x80000000, 1, 0x80000001, 0x7fffff, 0x7f7fffff, 0x7f800000, 0xff800000, 0x7fc00000];
  for (let bits = 1; bits < 0x7f800000; bits += 65_537) patterns.push(bits, bits ^ 0x80000000);
  const values = fromBits(patterns);
  const fast = logHistogram(values);
  expect(fast).toEqual(byDefinition(values));
  expect(fast.zeros).toBe(2);
  expect(fast.nonFinite).toBe(3);
  expect(fast.total).toBe(patterns.length);
});

test('a part of an array (start, end) as the definition counts it', () => {
  const values = Float32Array.from({ length: 1000 }, (_, i) => (i % 7 === 0 ? 0 : Math.exp(-i / 10) * (i % 2 ? 1 : -1)));
  expect(logHistogram(values, 100, 700)).toEqual(logHistogram(Array.from(values), 100, 700));
});
