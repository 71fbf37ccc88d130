/**
 * Two-dimensional classification datasets, the kind TensorFlow Playground shows: each example is a point
 * (x1, x2) in about [-1, 1]^2 with a class label. All are seeded: the same options give the same points.
 * Points are shuffled, so any slice (a mini-batch, a test split) mixes the classes.
 */
import { Random } from '../core/random';
import { checkInt, checkKeys, checkNumber, checkSeedValue, fail } from '../core/check';
import type { Dataset } from '../core/data';

/** Options shared by the point datasets. */
export interface PointsOptions {
  /** Number of examples (default 512). */
  n?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate (default depends on the dataset). */
  noise?: number;
  /** Seed of the random numbers (default 0). */
  seed?: number;
}

function common(where: string, options: PointsOptions, defaultNoise: number, extra: string[] = []) {
  checkKeys(where, options, ['n', 'noise', 'seed', ...extra]);
  const n = checkInt(where, 'n', options.n ?? 512, 2, 1_000_000);
  const noise = checkNumber(where, 'noise', options.noise ?? defaultNoise, 0, 10);
  const seed = checkSeedValue(where, options.seed ?? 0);
  return { n, noise, seed, rng: new Random(seed) };
}

/** Builds a dataset from points and labels, shuffling them and encoding the targets. */
function finish(
  name: string,
  description: string,
  points: number[][],
  labels: number[],
  classes: number,
  seed: number,
  rng: Random,
): Dataset {
  const order = rng.permutation(points.length);
  const x = order.map((i) => points[i].map((v) => Math.fround(v)));
  const lab = order.map((i) => labels[i]);
  const y = classes === 2 ? lab.map((l) => [l]) : lab.map((l) => Array.from({ length: classes }, (_, c) => (c === l ? 1 : 0)));
  return {
    name,
    description,
    task: classes === 2 ? 'binary' : 'multiclass',
    x,
    y,
    labels: lab,
    classes,
    inputs: 2,
    outputs: classes === 2 ? 1 : classes,
    seed,
  };
}

/** How many examples each class gets when n examples are split over k classes (as even as possible). */
function perClass(n: number, k: number): number[] {
  return Array.from({ length: k }, (_, c) => Math.floor(n / k) + (c < n % k ? 1 : 0));
}

/**
 * Interleaved spirals: class c is the arm r = t, angle = 1.75 * 2 pi * t + 2 pi c / classes, for t from
 * 0 to 1. A network needs several layers of bends to separate them, which makes the spirals a classic
 * test of whether a deep network trains at all.
 *
 * @example
 *   const data = spirals({ n: 512, noise: 0.05, seed: 1 });   // 2 classes: task 'binary', outputs 1
 *   const three = spirals({ classes: 3 });                      // task 'multiclass', outputs 3
 */
export function spirals(options: PointsOptions & { classes?: number; turns?: number } = {}): Dataset {
  const { n, noise, seed, rng } = common('spirals', options, 0.05, ['classes', 'turns']);
  const classes = checkInt('spirals', 'classes', options.classes ?? 2, 2, 10);
  const turns = checkNumber('spirals', 'turns', options.turns ?? 1.75, 0.25, 5);
  const points: number[][] = [];
  const labels: number[] = [];
  perClass(n, classes).forEach((count, c) => {
    for (let i = 0; i < count; i++) {
      const t = count === 1 ? 0 : i / (count - 1);
      const angle = turns * 2 * Math.PI * t + (2 * Math.PI * c) / classes;
      const r = 0.05 + 0.95 * t;
      points.push([r * Math.cos(angle) + rng.normal(0, noise), r * Math.sin(angle) + rng.normal(0, noise)]);
      labels.push(c);
    }
  });
  return finish('spirals', `${classes} interleaved spiral arms with ${turns} turns`, points, labels, classes, seed, rng);
}

/**
 * Two interleaving half circles ("moons", as in scikit-learn's make_moons), scaled to about [-1, 1]:
 * class 0 is the upper arc (cos t, sin t), class 1 the lower arc (1 - cos t, 0.5 - sin t), t in [0, pi].
 *
 * @example
 *   const data = moons({ n: 400, noise: 0.1 });
 */
export function moons(options: PointsOptions = {}): Dataset {
  const { n, noise, seed, rng } = common('moons', options, 0.1);
  const points: number[][] = [];
  const labels: number[] = [];
  perClass(n, 2).forEach((count, c) => {
    for (let i = 0; i < count; i++) {
      const t = count === 1 ? 0 : (Math.PI * i) / (count - 1);
      const px = c === 0 ? Math.cos(t) : 1 - Math.cos(t);
      const py = c === 0 ? Math.sin(t) : 0.5 - Math.sin(t);
      // Centre on (0.5, 0.25) and halve, so the points fill about [-0.75, 0.75] x [-0.375, 0.375].
      points.push([(px - 0.5) * 0.75 + rng.normal(0, noise), (py - 0.25) * 0.75 + rng.normal(0, noise)]);
      labels.push(c);
    }
  });
  return finish('moons', 'two interleaving half circles', points, labels, 2, seed, rng);
}

/**
 * Two concentric circles: class 0 on the outer circle of radius 1, class 1 on the inner circle of radius
 * `factor` (default 0.5). No straight line separates them; one hidden layer with a few units does.
 *
 * @example
 *   const data = circles({ n: 300, factor: 0.4 });
 */
export function circles(options: PointsOptions & { factor?: number } = {}): Dataset {
  const { n, noise, seed, rng } = common('circles', options, 0.05, ['factor']);
  const factor = checkNumber('circles', 'factor', options.factor ?? 0.5, 0, 1, { minExclusive: true });
  const points: number[][] = [];
  const labels: number[] = [];
  perClass(n, 2).forEach((count, c) => {
    const r = c === 0 ? 1 : factor;
    for (let i = 0; i < count; i++) {
      const t = (2 * Math.PI * i) / count;
      points.push([r * Math.cos(t) + rng.normal(0, noise), r * Math.sin(t) + rng.normal(0, noise)]);
      labels.push(c);
    }
  });
  return finish('circles', `two concentric circles (radii 1 and ${factor})`, points, labels, 2, seed, rng);
}

/**
 * The XOR pattern: points uniform in [-1, 1]^2, class 1 when x1 * x2 > 0 (first and third quadrants),
 * class 0 otherwise. The smallest problem a network without a hidden layer cannot solve.
 *
 * @example
 *   const data = xor({ n: 256 });
 */
export function xor(options: PointsOptions = {}): Dataset {
  const { n, noise, seed, rng } = common('xor', options, 0);
  const points: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = rng.between(-1, 1);
    const b = rng.between(-1, 1);
    labels.push(a * b > 0 ? 1 : 0);
    points.push([a + rng.normal(0, noise), b + rng.normal(0, noise)]);
  }
  return finish('xor', 'class 1 where x1 * x2 > 0 (the XOR quadrants)', points, labels, 2, seed, rng);
}

/**
 * Gaussian blobs: class c is a normal cloud with standard deviation `spread` around centre c. Centres
 * default to points evenly spaced on a circle of radius 0.7; pass `centers` to choose them.
 *
 * @example
 *   const two = blobs({ n: 200 });                       // 2 blobs: task 'binary'
 *   const four = blobs({ classes: 4, spread: 0.15 });    // task 'multiclass', outputs 4
 */
export function blobs(options: PointsOptions & { classes?: number; centers?: number[][]; spread?: number } = {}): Dataset {
  const { n, seed, rng } = common('blobs', options, 0, ['classes', 'centers', 'spread']);
  const spread = checkNumber('blobs', 'spread', options.spread ?? 0.2, 0, 10);
  let centers = options.centers;
  if (centers !== undefined) {
    if (!Array.isArray(centers) || centers.length < 2 || centers.some((c) => !Array.isArray(c) || c.length !== 2 || c.some((v) => typeof v !== 'number' || !Number.isFinite(v)))) {
      fail('blobs', 'centers', centers, 'an array of at least 2 points [x1, x2] of finite numbers');
    }
    if (options.classes !== undefined && options.classes !== centers.length) {
      fail('blobs', 'classes', options.classes, `the number of centers (${centers.length}) or leave it out`);
    }
  } else {
    const k = checkInt('blobs', 'classes', options.classes ?? 2, 2, 20);
    centers = Array.from({ length: k }, (_, c) => [0.7 * Math.cos((2 * Math.PI * c) / k), 0.7 * Math.sin((2 * Math.PI * c) / k)]);
  }
  const k = centers.length;
  const points: number[][] = [];
  const labels: number[] = [];
  perClass(n, k).forEach((count, c) => {
    for (let i = 0; i < count; i++) {
      points.push([centers![c][0] + rng.normal(0, spread), centers![c][1] + rng.normal(0, spread)]);
      labels.push(c);
    }
  });
  return finish('blobs', `${k} Gaussian blobs with spread ${spread}`, points, labels, k, seed, rng);
}
