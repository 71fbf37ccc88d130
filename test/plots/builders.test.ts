/**
 * The figure builders: structure, log axes, underflow handling, slider steps, names, determinism, errors.
 */
import {
  activationFigure,
  gradientHeatmapFigure,
  byLayerFigure,
  gradientThroughTimeFigure,
  histogramSliderFigure,
  lossCurvesFigure,
  lossSurfaceFigure,
  normsOverTrainingFigure,
  unitBarsFigure,
  colorFor,
  resetColors,
  figureName,
  FIGURE_NAME_PATTERN,
  PALETTE,
} from '../../src/advanced';
import { logRange, wrapTitle } from '../../src/plots/style';
import { isFigure } from '../../src/display';
import * as sample from './sample-data';

type AnyTrace = Record<string, any>;

function allFigures() {
  const surface = sample.pascanuSurface(21);
  return [
    activationFigure(['sigmoid', 'tanh', 'relu']),
    byLayerFigure([{ name: 'sigmoid', values: sample.vanishingNorms() }]),
    gradientHeatmapFigure(sample.layerStepGrid()),
    normsOverTrainingFigure(sample.layerStepGrid()),
    histogramSliderFigure(sample.histogramSteps()),
    unitBarsFigure(sample.unitSeries()),
    lossCurvesFigure(sample.lossSeries()),
    gradientThroughTimeFigure(sample.timeSeries()),
    lossSurfaceFigure(surface.grid, surface.trajectories),
  ];
}

/** True when no number in the figure is NaN or +-Infinity (they have no JSON form). */
function allFinite(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(allFinite);
  if (value && typeof value === 'object') return Object.values(value).every(allFinite);
  return true;
}

beforeEach(() => resetColors());

describe('every builder', () => {
  it('returns plain JSON with a stable meaningful name, a title and a one-line summary', () => {
    const names = new Set<string>();
    for (const fig of allFigures()) {
      expect(isFigure(fig)).toBe(true);
      expect(JSON.parse(JSON.stringify(fig))).toEqual(fig);
      expect(allFinite(fig)).toBe(true);
      const name = figureName(fig);
      expect(name).toMatch(FIGURE_NAME_PATTERN);
      expect(name).not.toMatch(/^figure(-\d+)?$/);
      names.add(name);
      expect(typeof fig.layout.title?.text).toBe('string');
      expect(fig.layout.title?.text.length).toBeGreaterThan(10);
      expect(fig.layout.meta.summary).not.toMatch(/\n/);
    }
    expect(names.size).toBe(9);
  });

  it('gives the same JSON for the same input (deterministic)', () => {
    const first = JSON.stringify(allFigures());
    resetColors();
    expect(JSON.stringify(allFigures())).toBe(first);
  });

  it('gives every axis a title', () => {
    for (const fig of allFigures()) {
      for (const [key, axis] of Object.entries(fig.layout)) {
        if (!/^[xy]axis\d*$/.test(key)) continue;
        const a = axis as Record<string, any>;
        if (a.showticklabels === false || fig.data.every((t: AnyTrace) => t.xaxis !== undefined && ![t.xaxis, t.yaxis].includes(key.replace('axis', '')))) continue;
        if (fig.layout.sliders) continue; // small multiples title only the outer axes
        expect({ figure: figureName(fig), key, title: a.title?.text ?? '' }).toEqual(
          expect.objectContaining({ title: expect.stringMatching(/\S/) }),
        );
      }
    }
  });
});

describe('colours', () => {
  it('keep one colour per configuration name across figures, in order of first use', () => {
    const a = byLayerFigure([
      { name: 'sigmoid', values: [1e-3, 1] },
      { name: 'relu', values: [0.5, 1] },
    ]);
    const b = lossCurvesFigure([{ name: 'relu', steps: [0, 1], values: [1, 0.5] }]);
    expect(colorFor('sigmoid')).toBe(PALETTE[0]);
    expect(colorFor('relu')).toBe(PALETTE[1]);
    expect((a.data[1] as AnyTrace).line.color).toBe(PALETTE[1]);
    expect((b.data[0] as AnyTrace).line.color).toBe(PALETTE[1]);
  });
});

describe('byLayerFigure', () => {
  const fig = byLayerFigure([
    { name: 'sigmoid', values: [0, 1e-9, 1e-6, 1e-3, 1] },
    { name: 'relu', values: [0.3, 0.4, 0.5, 0.6, 0.7] },
  ]);

  it('uses a log y axis with power-of-ten ticks, one decade apart, covering the data', () => {
    const y = fig.layout.yaxis as Record<string, any>;
    expect(y.type).toBe('log');
    expect(y.exponentformat).toBe('power');
    expect(y.dtick).toBe(1);
    expect(y.range[0]).toBeLessThanOrEqual(-10);
    expect(y.range[1]).toBeGreaterThanOrEqual(0);
    expect(y.title.text).toMatch(/norm/);
  });

  it('draws an exact zero as a marker at the bottom edge, never as -Infinity or 0 on the log axis', () => {
    const line = fig.data[0] as AnyTrace;
    expect(line.y[0]).toBeNull();
    expect(line.customdata[0]).toBe(0);
    const marker = fig.data.find((t: AnyTrace) => /exactly 0/.test(t.name)) as AnyTrace;
    expect(marker).toBeDefined();
    expect(marker.x).toEqual([1]);
    const bottom = 10 ** (fig.layout.yaxis as any).range[0];
    expect(marker.y[0]).toBeGreaterThan(bottom);
    expect(marker.y[0]).toBeLessThan(1e-9);
    expect(marker.marker.symbol).toBe('triangle-down');
    expect((fig.layout.annotations as any[])[0].text).toMatch(/underflow/);
  });

  it('states the finding in the title: layer 1 relative to the last layer', () => {
    expect(fig.layout.title?.text).toMatch(/sigmoid 0× \(underflow\)/);
    expect(fig.layout.title?.text).toMatch(/relu 0\.429×/);
  });

  it('accepts a gradient snapshot from the probes, drawing kernels only', () => {
    const snap = {
      layers: [
        { name: 'dense_01', weight: 'kernel', norm: 1e-8 },
        { name: 'dense_01/bias', weight: 'bias', norm: 1e-9 },
        { name: 'output', weight: 'kernel', norm: 0.1 },
      ],
    };
    const f = byLayerFigure([{ name: 'sigmoid', snapshot: snap }]);
    expect((f.data[0] as AnyTrace).text).toEqual(['dense_01', 'output']);
    expect((f.data[0] as AnyTrace).y).toEqual([1e-8, 0.1]);
  });

  it('draws a configuration given twice (two seeds) in one colour with one legend entry', () => {
    const f = byLayerFigure([
      { name: 'relu', values: [0.1, 0.2] },
      { name: 'relu', values: [0.2, 0.3], dash: 'dot' },
    ]);
    const lines = f.data as AnyTrace[];
    expect(lines[0].line.color).toBe(lines[1].line.color);
    expect(lines[1].showlegend).toBe(false);
  });

  it('names the field, the value seen and what is allowed when the input is wrong', () => {
    expect(() => byLayerFigure([] as any)).toThrow(/^byLayerFigure: series is \[\]; allowed: a non-empty array/);
    expect(() => byLayerFigure([{ name: 'a', values: [1, 'x'] } as any])).toThrow(/^byLayerFigure: series\[0\]\.values\[1\] is 'x'; allowed: a number/);
    expect(() => byLayerFigure([{ name: 'a', values: [1, 2], layers: ['x'] }])).toThrow(/^byLayerFigure: series\[0\]\.layers is \["x"\]; allowed: one name per value \(2\)/);
  });
});

describe('activationFigure', () => {
  it('draws f and its derivative in two panels; sigmoid slope peaks at 0.25', () => {
    const fig = activationFigure('sigmoid');
    expect(figureName(fig)).toBe('sigmoid-and-derivative');
    const [f, df] = fig.data as AnyTrace[];
    expect(f.xaxis).toBe('x');
    expect(df.xaxis).toBe('x2');
    expect(Math.max(...df.y)).toBeCloseTo(0.25, 6);
    expect(fig.layout.title?.text).toMatch(/at most 0\.25/);
  });

  it('takes a custom function and differentiates it numerically', () => {
    const fig = activationFigure({ name: 'square', f: (x) => x * x }, { range: [-1, 1], points: 3 });
    expect((fig.data[1] as AnyTrace).y).toEqual([-2, 0, 2]);
  });

  it('refuses an unknown name and lists the known ones', () => {
    expect(() => activationFigure('sigmod' as any)).toThrow(/^activationFigure: activations\[0\] is 'sigmod'; allowed: sigmoid, tanh, relu/);
  });
});

describe('gradientHeatmapFigure', () => {
  it('colours log10 of the norm, marks exact zeros, and labels the colour bar in powers of ten', () => {
    const fig = gradientHeatmapFigure(sample.layerStepGrid());
    const heat = fig.data[0] as AnyTrace;
    expect(heat.type).toBe('heatmap');
    expect(heat.z[0][0]).toBeNull();
    expect(heat.z[5][0]).toBeCloseTo(0, 6);
    expect(heat.colorbar.ticktext.some((t: string) => /10<sup>-\d+<\/sup>/.test(t))).toBe(true);
    const zeros = fig.data[1] as AnyTrace;
    expect(zeros.name).toMatch(/underflow/);
    expect(zeros.x).toEqual([0]);
  });

  it('checks that every row has one value per step', () => {
    expect(() => gradientHeatmapFigure({ layers: ['a'], steps: [0, 1], values: [[1]] })).toThrow(/^gradientHeatmapFigure: grid.values\[0\] is \[1\]; allowed: one value per step \(2\)/);
  });
});

describe('histogramSliderFigure', () => {
  const steps = sample.histogramSteps(4, 3);
  const fig = histogramSliderFigure(steps);

  it('has one slider step per training step, each showing exactly one set of panels', () => {
    const slider = (fig.layout.sliders as any[])[0];
    expect(slider.steps).toHaveLength(3);
    expect(slider.steps.map((s: any) => s.label)).toEqual(['0', '50', '100']);
    for (const step of slider.steps) {
      expect(step.method).toBe('restyle');
      const visible: boolean[] = step.args[1];
      expect(visible).toHaveLength(fig.data.length);
      expect(visible.filter(Boolean)).toHaveLength(4);
    }
  });

  it('shows the first step initially, one panel per layer, with a bar for exact zeros', () => {
    expect(fig.data.filter((t: AnyTrace) => t.visible)).toHaveLength(4);
    expect(fig.layout.xaxis4).toBeDefined();
    const first = fig.data[0] as AnyTrace;
    expect(first.text[0]).toMatch(/exactly 0: 40 entries/);
    const shares = first.y.reduce((a: number, b: number) => a + b, 0);
    expect(shares).toBeCloseTo(100, 0);
  });

  it('picks at most 8 layers, including the first and the last, unless told', () => {
    const many = sample.histogramSteps(9, 1).map((s) => ({
      ...s,
      layers: Array.from({ length: 20 }, (_, i) => ({ ...s.layers[0], name: `l${i + 1}` })),
    }));
    const f = histogramSliderFigure(many);
    const names = f.data.map((t: AnyTrace) => t.name);
    expect(names).toHaveLength(8);
    expect(names[0]).toBe('l1');
    expect(names[7]).toBe('l20');
    expect(() => histogramSliderFigure(many, { layers: ['nope'] })).toThrow(/^histogramSliderFigure: options.layers is \["nope"\]; allowed: names of layers with a histogram: l1/);
  });

  it('asks for histograms when the snapshots have none', () => {
    expect(() => histogramSliderFigure([{ step: 0, layers: [{ name: 'a' }] }])).toThrow(/histograms: true/);
  });
});

describe('other builders', () => {
  it('unitBarsFigure draws percentages in two panels and rejects shares above 1', () => {
    const fig = unitBarsFigure(sample.unitSeries());
    expect((fig.data[0] as AnyTrace).y[0]).toBe(60);
    expect(fig.layout.yaxis2).toBeDefined();
    expect(() => unitBarsFigure([{ name: 'x', dead: [1.5] }])).toThrow(/dead\[0\] is 1\.5; allowed: a share between 0 and 1/);
  });

  it('lossCurvesFigure dashes test curves and names the best configuration', () => {
    const fig = lossCurvesFigure(sample.lossSeries());
    const test = fig.data.find((t: AnyTrace) => /test/.test(t.name)) as AnyTrace;
    expect(test.line.dash).toBe('dash');
    expect(fig.layout.title?.text).toMatch(/^relu reaches the lowest loss/);
    expect(() => lossCurvesFigure([{ name: 'a', steps: [0], values: [1, 2] }])).toThrow(/^lossCurvesFigure: series\[0\].values is '2 values for 1 steps'; allowed: one value per step/);
  });

  it('lossCurvesFigure leaves a gap where the loss diverged and says so', () => {
    const fig = lossCurvesFigure([{ name: 'big lr', steps: [0, 1, 2], values: [1, Infinity, NaN] }]);
    expect((fig.data[0] as AnyTrace).y).toEqual([1, null, null]);
    expect(fig.layout.title?.text).toMatch(/diverges/);
    expect(allFinite(fig)).toBe(true);
  });

  it('gradientThroughTimeFigure puts t on x, log y, and dashes earlier training steps', () => {
    const fig = gradientThroughTimeFigure(sample.timeSeries(10));
    expect((fig.layout.yaxis as any).type).toBe('log');
    const early = fig.data.find((t: AnyTrace) => t.name === 'simple RNN, step 0') as AnyTrace;
    const late = fig.data.find((t: AnyTrace) => t.name === 'simple RNN, step 500') as AnyTrace;
    expect(early.line.dash).toBeDefined();
    expect(late.line.dash).toBeUndefined();
    expect(early.x[0]).toBe(1);
  });

  it('lossSurfaceFigure draws log-loss contours and each path with start and end marks', () => {
    const { grid, trajectories } = sample.pascanuSurface(11);
    const fig = lossSurfaceFigure(grid, trajectories);
    expect((fig.data[0] as AnyTrace).type).toBe('contour');
    const paths = fig.data.filter((t: AnyTrace) => t.type === 'scatter' && t.mode === 'lines+markers');
    expect(paths.map((t: AnyTrace) => t.name)).toEqual(['unclipped', 'clipped at 1']);
    expect(fig.layout.title?.text).toMatch(/unclipped ends at loss/);
  });

  it('normsOverTrainingFigure draws one line per layer, ordered by depth colour', () => {
    const fig = normsOverTrainingFigure(sample.layerStepGrid(3, 4));
    const lines = fig.data.filter((t: AnyTrace) => !/exactly 0/.test(t.name));
    expect(lines).toHaveLength(3);
    expect(new Set(lines.map((t: AnyTrace) => t.line.color)).size).toBe(3);
  });
});

describe('style helpers', () => {
  it('logRange adds a decade under the data for exact zeros', () => {
    expect(logRange([1e-3, 1])).toEqual({ range: [-3, 0], floor: 10 ** -2.5, hasZeros: false });
    expect(logRange([0, 1e-3, 1]).range).toEqual([-4, 0]);
  });

  it('wrapTitle breaks long titles and keeps short ones', () => {
    expect(wrapTitle('short')).toBe('short');
    const long = wrapTitle('word '.repeat(40).trim(), 50);
    expect(long.split('<br>').every((line) => line.length <= 50)).toBe(true);
  });
});
