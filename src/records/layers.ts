/**
 * Reading probe snapshots layer by layer.
 *
 * Every probe (`gradientNorms`, `activationGradients`, `activationStats`, `weightStats`, the `updates` of a
 * history) returns a snapshot `{ step, layers: [{ name, ... }] }` with one entry per layer, input side
 * first. The functions here pick one number per layer out of it (a *layer profile*), compare the first
 * layer with the last, and stack snapshots taken during training into a layer x step grid.
 */
import { fail } from '../core/check';

/** A snapshot as the records stage reads it: one entry per layer, input side first. */
export interface SnapshotOfLayers<L extends { name: string } = { name: string }> {
  step?: number;
  layers: readonly L[];
}

/** Which number of a layer entry to read: a field name ('norm', 'ratio', 'std', ...) or a function of the entry. */
export type LayerField<L> = (keyof L & string) | ((layer: L) => number | null);

/** One number per layer, input side first: what a by-layer figure draws. */
export interface LayerProfile {
  layers: string[];
  values: number[];
}

/** Options shared by the by-layer readers. */
export interface LayerReadOptions<L> {
  /** The number to read (default 'norm'). */
  field?: LayerField<L>;
  /**
   * Weight snapshots (gradients, weights, updates) hold biases and batch-norm parameters too when probed
   * with `parameters: 'all'`; by default only weight matrices (`weight: 'kernel'`) are read. false reads every entry.
   */
  kernelsOnly?: boolean;
}

function checkSnapshot(where: string, snapshot: unknown, field = 'snapshot'): void {
  const layers = (snapshot as { layers?: unknown } | null)?.layers;
  if (snapshot === null || typeof snapshot !== 'object' || !Array.isArray(layers)) {
    fail(where, field, snapshot, 'a probe snapshot {step, layers: [{name, ...}]} such as gradientNorms(model, data) returns');
  }
}

function read<L extends { name: string }>(where: string, layer: L, field: LayerField<L>): number {
  const value = typeof field === 'function' ? field(layer) : (layer as unknown as Record<string, unknown>)[field];
  // A ratio is null when the weights' norm is 0; it reads as 0 (nothing moved relative to nothing).
  if (value === null) return 0;
  if (typeof value !== 'number') fail(where, 'field', typeof field === 'function' ? 'a function' : field, `the name of a numeric field of ${layer.name}'s entry, or a function returning a number`);
  return value;
}

function kept<L extends { name: string }>(snapshot: SnapshotOfLayers<L>, kernelsOnly: boolean): readonly L[] {
  if (!kernelsOnly) return snapshot.layers;
  return snapshot.layers.filter((l) => {
    const weight = (l as { weight?: unknown }).weight;
    return weight === undefined || weight === 'kernel';
  });
}

/**
 * One layer's number, by the layer's name.
 *
 * @example
 *   layerValue(gradientNorms(model, data), 'dense_02');           // ‖∂L/∂W‖ of dense_02
 *   layerValue(activationStats(model, data), 'activation_05', 'std');
 */
export function layerValue<L extends { name: string }>(snapshot: SnapshotOfLayers<L>, name: string, field: LayerField<L> = 'norm' as LayerField<L>): number {
  checkSnapshot('layerValue', snapshot);
  const layer = snapshot.layers.find((l) => l.name === name);
  if (!layer) fail('layerValue', 'name', name, `one of ${snapshot.layers.map((l) => `'${l.name}'`).join(', ')}`);
  return read('layerValue', layer, field);
}

/**
 * One number per layer (by default the norm of every weight matrix), input side first.
 *
 * @example
 *   byLayer(gradientNorms(model, data));                        // { layers: ['dense_01', ...], values: [1e-9, ...] }
 *   byLayer(activationStats(model, data), { field: 'std' });    // the size of each layer's output
 *   byLayer(history.updates.at(-1), { field: 'ratio' });         // ‖ΔW‖ / ‖W‖ of the last probed step
 */
export function byLayer<L extends { name: string }>(snapshot: SnapshotOfLayers<L>, options: LayerReadOptions<L> = {}): LayerProfile {
  checkSnapshot('byLayer', snapshot);
  const field = options.field ?? ('norm' as LayerField<L>);
  const layers = kept(snapshot, options.kernelsOnly ?? true);
  return { layers: layers.map((l) => l.name), values: layers.map((l) => read('byLayer', l, field)) };
}

/** Which two layers `firstToLast` compares (default: the first and the last entry read). */
export interface FirstToLastOptions<L> extends LayerReadOptions<L> {
  first?: string;
  last?: string;
}

function endpoints<L extends { name: string }>(where: string, snapshot: SnapshotOfLayers<L> | LayerProfile, options: FirstToLastOptions<L>) {
  const profile = 'values' in snapshot ? (snapshot as LayerProfile) : byLayer(snapshot as SnapshotOfLayers<L>, options);
  if (profile.layers.length < 2) fail(where, 'snapshot', `${profile.layers.length} layer(s)`, 'at least two layers to compare');
  const index = (name: string | undefined, fallback: number, field: string) => {
    if (name === undefined) return fallback;
    const i = profile.layers.indexOf(name);
    if (i < 0) fail(where, field, name, `one of ${profile.layers.map((n) => `'${n}'`).join(', ')}`);
    return i;
  };
  const i = index(options.first, 0, 'first');
  const j = index(options.last, profile.layers.length - 1, 'last');
  return { first: profile.values[i], last: profile.values[j], apart: Math.abs(j - i) };
}

/**
 * The first layer's number divided by the last one's: 1e-10 means the layer next to the input gets ten
 * orders of magnitude less gradient than the layer next to the output (the vanishing gradient problem).
 * 0 when the first underflowed to exactly 0; NaN when the last is 0.
 *
 * @example
 *   firstToLast(gradientNorms(model, data));                                        // dense_01 / output
 *   firstToLast(gradientNorms(model, data), { first: 'dense_02', last: 'dense_20' });
 */
export function firstToLast<L extends { name: string }>(snapshot: SnapshotOfLayers<L> | LayerProfile, options: FirstToLastOptions<L> = {}): number {
  const { first, last } = endpoints('firstToLast', snapshot, options);
  return last === 0 ? NaN : first / last;
}

/**
 * The factor per layer behind a first/last ratio: a ratio r across d layers is, on average, a factor
 * r^(1/d) at each layer. 0.2 means every step back towards the input multiplies the number by 0.2.
 *
 * @example
 *   factorPerLayer(gradientNorms(sigmoidNet, data), { first: 'dense_02', last: 'dense_20' });   // about 0.2
 */
export function factorPerLayer<L extends { name: string }>(snapshot: SnapshotOfLayers<L> | LayerProfile, options: FirstToLastOptions<L> = {}): number {
  const { first, last, apart } = endpoints('factorPerLayer', snapshot, options);
  return Math.pow(first / last, 1 / apart);
}

/** Per-layer numbers at several training steps: `values[layer][step]`. */
export interface LayerStepGrid {
  /** Layer names, input side first (rows). */
  layers: string[];
  /** Training steps at which the numbers were measured (columns). */
  steps: number[];
  /** `values[i][j]` = the number of layer i at steps[j]. */
  values: number[][];
}

/**
 * Stacks snapshots taken during training (`history.gradients`, `history.updates`, ...) into a layer x step
 * grid: rows are layers, columns are probe steps. Layers are matched by name.
 *
 * @example
 *   gradientHeatmapFigure(layerStepGrid(history.gradients));
 *   layerStepGrid(history.updates, { field: 'ratio' });
 */
export function layerStepGrid<L extends { name: string }>(snapshots: readonly SnapshotOfLayers<L>[], options: LayerReadOptions<L> = {}): LayerStepGrid {
  if (!Array.isArray(snapshots) || snapshots.length === 0) fail('layerStepGrid', 'snapshots', snapshots, 'a non-empty array of probe snapshots, such as history.gradients');
  snapshots.forEach((s, i) => checkSnapshot('layerStepGrid', s, `snapshots[${i}]`));
  const field = options.field ?? ('norm' as LayerField<L>);
  const layers = kept(snapshots[0], options.kernelsOnly ?? true).map((l) => l.name);
  return {
    layers,
    steps: snapshots.map((s, i) => s.step ?? i),
    values: layers.map((name) => snapshots.map((s) => layerValue(s, name, field))),
  };
}

/**
 * One layer's number over training: its row of the layer x step grid.
 *
 * @example
 *   layerOverTraining(history.updates, 'dense_01', { field: 'ratio' });   // { steps: [...], values: [...] }
 */
export function layerOverTraining<L extends { name: string }>(snapshots: readonly SnapshotOfLayers<L>[], name: string, options: { field?: LayerField<L> } = {}): { steps: number[]; values: number[] } {
  if (!Array.isArray(snapshots) || snapshots.length === 0) fail('layerOverTraining', 'snapshots', snapshots, 'a non-empty array of probe snapshots, such as history.updates');
  const field = options.field ?? ('norm' as LayerField<L>);
  return { steps: snapshots.map((s, i) => s.step ?? i), values: snapshots.map((s) => layerValue(s, name, field)) };
}

/** The last element of a list of records (such as `history.updates`), with an error naming the list when it is empty. */
export function lastOf<T>(records: readonly T[], what = 'records'): T {
  if (!Array.isArray(records) || records.length === 0) fail('lastOf', what, records, 'a non-empty array (did the probe run? check probes.every)');
  return records[records.length - 1];
}
