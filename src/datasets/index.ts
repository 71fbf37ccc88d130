/**
 * Datasets: seeded, deterministic, plain arrays of numbers.
 *
 * @example
 *   import { spirals, toTensors } from 'gradscope';
 *   const data = spirals({ n: 512, seed: 0 });
 *   data.x[0];   // [x1, x2]
 */
export * from './types';
export * from './points';
export * from './sequences';
