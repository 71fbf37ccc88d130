/**
 * gradscope: see the vanishing gradient problem, its causes and its remedies.
 *
 * Data flows one way, and so does this index:
 *   datasets -> models -> training (with probes) -> records (plain JSON) -> plots (Plotly JSON)
 *   -> display in a notebook, or export to files.
 *
 * @example
 *   import { ready } from 'gradscope';
 *   await ready();
 */
export * from './core/backend';
export * from './core/random';
export * from './datasets';
export * from './models';
export * from './probes';
export * from './training';
export * from './diagnosis';
export * from './plots';
export * from './display';
export * from './export';
export * from './lessons';
