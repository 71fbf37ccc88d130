/**
 * Plot builders read records directly: snapshots, lists of snapshots, histories, and one of each per seed
 * (drawn as a median line with a band). And a by-layer figure says what it draws.
 */
import { byLayerFigure, lossCurvesFigure, gradientHeatmapFigure, normsOverTrainingFigure, layerStepGrid } from '../../src/index';
import type { History } from '../../src/index';

const snapshot = (step: number, norms: number[]) => ({
  step,
  layers: norms.map((norm, i) => ({ name: `dense_0${i + 1}`, weight: 'kernel', norm, ratio: norm / 100, std: norm, mean: 0, spread: norm / 2 })),
});
const history = (losses: number[]) =>
  ({ steps: losses.map((loss, k) => ({ step: k + 1, epoch: 1, loss, accuracy: null, gradNorm: 1, clippedNorm: 1, clipped: false })), validation: [] }) as unknown as History;

describe('byLayerFigure', () => {
  test('the quantity names the axis, the file and the summary, and picks the field of a snapshot', () => {
    const s = snapshot(0, [1e-4, 1e-2, 1]);
    const gradient = byLayerFigure([{ name: 'net', snapshot: s }]);
    expect(gradient.layout.meta.name).toBe('gradient-norm-by-layer');
    expect(gradient.layout.meta.summary).toMatch(/^Per-layer weight-gradient norm against depth/);
    const spread = byLayerFigure([{ name: 'net', snapshot: s }], { quantity: 'spread' });
    expect(spread.layout.meta.name).toBe('spread-by-layer');
    expect(spread.layout.meta.summary).toMatch(/^Per-layer spread across examples against depth/);
    expect(spread.layout.title?.text).toMatch(/^Spread across examples of layer 1 vs layer 3/);
    expect((spread.data[0] as { customdata: number[] }).customdata).toEqual([5e-5, 5e-3, 0.5]);
    const ratio = byLayerFigure([{ name: 'net', snapshot: s }], { quantity: 'updateRatio' });
    expect((ratio.data[0] as { customdata: number[] }).customdata).toEqual([1e-6, 1e-4, 1e-2]);
    expect(() => byLayerFigure([{ name: 'net', snapshot: s }], { quantity: 'size' as never })).toThrow(/^byLayerFigure: options.quantity is 'size'; allowed: 'gradient'/);
  });

  test('one snapshot per seed draws the median line and a min-max band', () => {
    const fig = byLayerFigure([{ name: 'sigmoid', snapshots: [snapshot(0, [1, 10]), snapshot(0, [3, 30]), snapshot(0, [2, 20])] }]);
    const [top, bottom, line] = fig.data as { y: number[]; fill?: string; customdata?: number[] }[];
    expect(top.y).toEqual([3, 30]);
    expect(bottom.y).toEqual([1, 10]);
    expect(bottom.fill).toBe('tonexty');
    expect(line.customdata).toEqual([2, 20]);
    expect(fig.layout.meta.summary).toMatch(/Lines are medians over seeds; bands span the lowest to the highest seed\./);
    const quartiles = byLayerFigure([{ name: 'sigmoid', snapshots: [snapshot(0, [1, 10]), snapshot(0, [3, 30]), snapshot(0, [2, 20])] }], { band: 'quartiles' });
    expect((quartiles.data[0] as { y: number[] }).y).toEqual([2.5, 25]);
    const none = byLayerFigure([{ name: 'sigmoid', snapshots: [snapshot(0, [1, 10]), snapshot(0, [3, 30])] }], { band: false });
    expect(none.data).toHaveLength(1);
  });
});

describe('lossCurvesFigure reads histories', () => {
  test('one history is its loss curve; several are a median with a band', () => {
    const one = lossCurvesFigure([{ name: 'a', history: history([0.7, 0.5, 0.3]) }]);
    expect((one.data[0] as { x: number[]; customdata: number[] }).x).toEqual([1, 2, 3]);
    expect((one.data[0] as { customdata: number[] }).customdata).toEqual([0.7, 0.5, 0.3]);
    const seeds = lossCurvesFigure([{ name: 'a', histories: [history([0.7, 0.5]), history([0.9, 0.1]), history([0.8, 0.3])] }]);
    const [top, bottom, line] = seeds.data as { y: number[]; customdata?: number[] }[];
    expect(top.y).toEqual([0.9, 0.5]);
    expect(bottom.y).toEqual([0.7, 0.1]);
    expect(line.customdata).toEqual([0.8, 0.3]);
  });
});

describe('layer x step figures read lists of snapshots', () => {
  test('the same figure from snapshots as from their grid', () => {
    const snapshots = [snapshot(0, [1e-5, 1e-1]), snapshot(10, [1e-4, 1e-1])];
    expect(gradientHeatmapFigure(snapshots)).toEqual(gradientHeatmapFigure(layerStepGrid(snapshots)));
    expect(normsOverTrainingFigure(snapshots, { field: 'ratio' })).toEqual(normsOverTrainingFigure(layerStepGrid(snapshots, { field: 'ratio' })));
    expect(() => gradientHeatmapFigure(layerStepGrid(snapshots), { field: 'ratio' })).toThrow(/^gradientHeatmapFigure: options.field is 'ratio'; allowed: left out when a grid is given/);
  });
});
