/**
 * Seeded random numbers that are the same on every backend and every machine.
 *
 * TensorFlow.js draws its random numbers inside each backend, so the same seed can give different
 * weights on wasm, cpu and native TensorFlow. gradscope draws every random number it needs (initial
 * weights, datasets, batch order) from this small generator in plain JavaScript instead: one seed, one
 * sequence of numbers, everywhere.
 *
 *   - uniform numbers: mulberry32, a 32-bit generator with a period of 2^32 (plenty for lessons);
 *   - normal numbers: the Box-Muller transform, z = sqrt(-2 ln u1) * cos(2 pi u2), which turns two
 *     uniform numbers into one standard normal number (mean 0, standard deviation 1).
 *
 * @example
 *   const rng = new Random(42);
 *   rng.uniform();      // 0.6011037519201636, every time, on every machine
 *   rng.normal(0, 2);   // a normal number with mean 0 and standard deviation 2
 */

/** Largest seed accepted: seeds are 32-bit unsigned integers. */
export const MAX_SEED = 0xffffffff;

function checkSeed(seed: unknown, where: string): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new Error(`${where}: seed is ${JSON.stringify(seed)}; allowed: an integer from 0 to ${MAX_SEED}`);
  }
  return seed;
}

/**
 * Mixes a seed with a list of small integers (a layer's position, a weight's index) into a new seed,
 * so that every weight tensor gets its own stream and adding a layer does not shift the others.
 *
 * @example
 *   deriveSeed(42, 3, 0);   // the seed used for the kernel of the third layer of a model seeded 42
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = (checkSeed(seed, 'deriveSeed') ^ 0x9e3779b9) >>> 0;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h >>> 0;
}

/**
 * A seeded stream of random numbers (mulberry32 + Box-Muller).
 *
 * @example
 *   const rng = new Random(1);
 *   rng.normal();          // a standard normal number
 *   rng.permutation(5);    // e.g. [3, 0, 4, 1, 2]
 */
export class Random {
  private state: number;
  private spareNormal: number | undefined;

  /** @param seed an integer from 0 to 2^32 - 1; the same seed always gives the same numbers. */
  constructor(seed: number) {
    this.state = checkSeed(seed, 'Random') >>> 0;
  }

  /** A uniform number in [0, 1), from mulberry32. */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A uniform number in [low, high). */
  between(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /**
   * A normal number with the given mean and standard deviation (Box-Muller: two uniform numbers u1, u2
   * give two independent normals sqrt(-2 ln u1) cos(2 pi u2) and sqrt(-2 ln u1) sin(2 pi u2)).
   */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return mean + std * z;
    }
    let u1 = this.uniform();
    while (u1 <= 0) u1 = this.uniform();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return mean + std * r * Math.cos(2 * Math.PI * u2);
  }

  /** A new array holding 0, 1, ..., n-1 in a random order (Fisher-Yates shuffle). */
  permutation(n: number): number[] {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
    return order;
  }
}

/**
 * A seeded random stream: shorthand for `new Random(seed)`.
 *
 * @example
 *   const rng = random(7);
 *   const coin = rng.uniform() < 0.5;
 */
export function random(seed: number): Random {
  return new Random(seed);
}
