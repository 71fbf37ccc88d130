/**
 * Datasets: seeded, deterministic, plain arrays of numbers.
 *
 * @example
 *   import { spirals, toTensors } from 'gradscope';
 *   const data = spirals({ n: 512, seed: 0 });
 *   data.x[0];   // [x1, x2]
 */
export type { Task, Dataset, SequenceDataset, DataLike, TensorBatch } from '../core/data';
export { toTensors, takeExamples, splitDataset } from '../core/data';
export type { PointsOptions } from './points';
export { spirals, moons, circles, xor, blobs } from './points';
export type { SequenceOptions } from './sequences';
export { addingProblem, temporalOrder, latch } from './sequences';
export type { ExamplePair } from './pairs';
export { fromPairs } from './pairs';
export { digits, DIGIT_PIXELS } from './digits';
export type { DigitsOptions } from './digits';
