/**
 * Small, deterministic records shaped like gradscope's probe output, for the figure tests and the chart
 * fixture notebook. No tensors: everything is computed with plain arithmetic.
 */
import type { HistogramStep, LayerStepGrid, LossGrid, LossSeries, TimeSeries, Trajectory, UnitSeries } from '../../src/advanced';

/** Per-layer norms that fall 10x per layer towards the input, with the first layer underflowed. */
export function vanishingNorms(depth = 10, perLayer = 0.1): number[] {
  return Array.from({ length: depth }, (_, i) => (i === 0 ? 0 : perLayer ** (depth - 1 - i)));
}

export function layerStepGrid(depth = 6, steps = 5): LayerStepGrid {
  const layers = Array.from({ length: depth }, (_, i) => `dense_${String(i + 1).padStart(2, '0')}`);
  const stepList = Array.from({ length: steps }, (_, j) => j * 100);
  const values = layers.map((_, i) => stepList.map((_, j) => (i === 0 && j === 0 ? 0 : 10 ** (-(depth - 1 - i) * (1.5 - j / steps)))));
  return { layers, steps: stepList, values };
}

/** A log-binned histogram (as the probes record it) centred on 10^center, with `zeros` exact zeros. */
export function logHistogram(center: number, zeros = 0) {
  const lowLog10 = -40;
  const binWidthLog10 = 0.5;
  const counts = Array.from({ length: 90 }, (_, k) => {
    const mid = lowLog10 + (k + 0.5) * binWidthLog10;
    return Math.round(1000 * Math.exp(-((mid - center) ** 2) / 2));
  });
  const total = counts.reduce((a, b) => a + b, 0) + zeros;
  return { lowLog10, binWidthLog10, counts, zeros, below: 0, above: 0, nonFinite: 0, total };
}

export function histogramSteps(depth = 4, steps = 3): HistogramStep[] {
  return Array.from({ length: steps }, (_, s) => ({
    step: s * 50,
    layers: Array.from({ length: depth }, (_, i) => ({
      name: `dense_0${i + 1}`,
      weight: 'kernel',
      histogram: logHistogram(-2 - 2 * (depth - 1 - i) + s * 0.5, i === 0 ? 40 : 0),
    })),
  }));
}

export function unitSeries(): UnitSeries[] {
  return [
    { name: 'sigmoid', saturated: [0.6, 0.45, 0.3, 0.2], dead: [0, 0, 0, 0] },
    { name: 'relu', saturated: [0, 0, 0, 0], dead: [0.05, 0.1, 0.2, 0.35] },
  ];
}

export function lossSeries(): LossSeries[] {
  const steps = Array.from({ length: 21 }, (_, i) => i * 50);
  return [
    { name: 'sigmoid', steps, values: steps.map((s) => 0.69 - 0.05 * (1 - Math.exp(-s / 300))) },
    { name: 'relu', steps, values: steps.map((s) => 0.69 * Math.exp(-s / 250) + 0.02) },
    { name: 'relu', split: 'test', steps, values: steps.map((s) => 0.69 * Math.exp(-s / 260) + 0.05) },
  ];
}

export function timeSeries(T = 30): TimeSeries[] {
  return [
    { name: 'simple RNN', trainingStep: 0, values: Array.from({ length: T }, (_, t) => 0.7 ** (T - 1 - t)) },
    { name: 'simple RNN', trainingStep: 500, values: Array.from({ length: T }, (_, t) => (t < 2 ? 0 : 0.6 ** (T - 1 - t))) },
    { name: 'LSTM', trainingStep: 0, values: Array.from({ length: T }, (_, t) => 0.8 ** (T - 1 - t)) },
    { name: 'LSTM', trainingStep: 500, values: Array.from({ length: T }, (_, t) => 0.99 ** (T - 1 - t)) },
  ];
}

/** Pascanu et al.'s one-unit network x_t = w * sigmoid(x_{t-1}) + b, loss (x_T - 0.7)^2, on a grid. */
export function pascanuSurface(n = 41, T = 20): { grid: LossGrid; trajectories: Trajectory[] } {
  const run = (w: number, b: number) => {
    let x = 0.5;
    for (let t = 0; t < T; t++) x = w / (1 + Math.exp(-x)) + b;
    return (x - 0.7) ** 2;
  };
  const xs = Array.from({ length: n }, (_, j) => Number((1 + (9 * j) / (n - 1)).toFixed(4)));
  const ys = Array.from({ length: n }, (_, i) => Number((-6 + (6 * i) / (n - 1)).toFixed(4)));
  const loss = ys.map((b) => xs.map((w) => run(w, b)));
  const descend = (clip: number | undefined) => {
    let w = 6;
    let b = -2.6;
    const path = { x: [w], y: [b] };
    for (let k = 0; k < 25; k++) {
      const h = 1e-5;
      let gw = (run(w + h, b) - run(w - h, b)) / (2 * h);
      let gb = (run(w, b + h) - run(w, b - h)) / (2 * h);
      const norm = Math.hypot(gw, gb);
      if (clip !== undefined && norm > clip) {
        gw *= clip / norm;
        gb *= clip / norm;
      }
      w = Math.min(10, Math.max(1, w - 0.1 * gw));
      b = Math.min(0, Math.max(-6, b - 0.1 * gb));
      path.x.push(Number(w.toFixed(5)));
      path.y.push(Number(b.toFixed(5)));
    }
    return path;
  };
  return {
    grid: { x: xs, y: ys, loss },
    trajectories: [
      { name: 'unclipped', ...descend(undefined) },
      { name: 'clipped at 1', ...descend(1) },
    ],
  };
}
