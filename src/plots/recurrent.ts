/**
 * Gradients through time in a recurrent network.
 *
 * A recurrent network reads a sequence x_1 ... x_T. The loss at the end depends on an early input x_t only
 * through T - t applications of the recurrent step, and backpropagation multiplies the gradient by that
 * step's Jacobian each time. |dLoss/dx_t| against t shows how much the loss can "hear" each input: if it
 * falls by orders of magnitude towards t = 1, the network cannot learn from the start of the sequence.
 */
import { fail } from '../core/check';
import { Figure, Layout, Trace, checkFigureOptions } from './figure';
import { logSeries } from './logseries';
import { baseLayout, checkArray, checkNumbers, colorFor, linearAxis, logAxis, logRange, underflowNote } from './style';
import { formatNumber } from '../core/format';

/** |dLoss/dx_t| for t = 1..T, for one configuration at one training step. */
export interface TimeSeries {
  /** Configuration name, such as 'simple RNN' or 'LSTM'; picks the colour. */
  name: string;
  /** One value per time step, t = 1 first. Exact zeros are underflow. */
  values: readonly number[];
  /** Training step at which it was measured; curves of one configuration at several steps get dash styles. */
  trainingStep?: number;
}

export interface GradientThroughTimeOptions {
  title?: string;
  /** Default 'gradient-through-time'. */
  name?: string;
  /** Y axis title. Default '|∂loss/∂x_t| (L2 norm over the batch)'. */
  yTitle?: string;
}

const DASHES = ['dot', 'dash', 'dashdot', 'longdash', 'solid'];

/**
 * |dLoss/dx_t| against the time step t, on a log axis, one colour per configuration; when a configuration
 * is measured at several training steps, the latest is solid and earlier ones dotted or dashed.
 *
 * How to read it: the right end (t = T) is the last input, the left end the first. A line that falls
 * steeply to the left means the loss ignores early inputs: the gradient vanished through time. A line
 * that rises to about level during training (typically an LSTM) means the network learned to carry
 * information across the whole sequence.
 */
export function gradientThroughTimeFigure(series: TimeSeries[], options: GradientThroughTimeOptions = {}): Figure {
  checkFigureOptions('gradientThroughTimeFigure', options, ['title', 'name', 'yTitle']);
  const list = checkArray<TimeSeries>(series, 'gradientThroughTimeFigure', 'series', "[{name: 'LSTM', values: [1e-6, 1e-4, 1e-2]}]");
  list.forEach((s, i) => {
    if (!s || typeof s.name !== 'string') fail('gradientThroughTimeFigure', `series[${i}].name`, s?.name, "a string such as 'LSTM'");
    checkNumbers(s.values, 'gradientThroughTimeFigure', `series[${i}].values`);
  });
  const range = logRange(list.flatMap((s) => s.values));
  const names = [...new Set(list.map((s) => s.name))];
  const data: Trace[] = [];
  const findings: string[] = [];
  for (const name of names) {
    const curves = list.filter((s) => s.name === name).sort((a, b) => (a.trainingStep ?? 0) - (b.trainingStep ?? 0));
    curves.forEach((s, k) => {
      const latest = k === curves.length - 1;
      const label = s.trainingStep === undefined ? name : `${name}, step ${s.trainingStep}`;
      data.push(
        ...logSeries(
          s.values.map((_, t) => t + 1),
          s.values,
          {
            name: label,
            legendgroup: label,
            color: colorFor(name),
            dash: latest ? undefined : DASHES[(curves.length - 2 - k) % DASHES.length],
            width: latest ? 2.5 : 1.8,
            mode: s.values.length > 40 ? 'lines' : 'lines+markers',
            hovertemplate: `${label}<br>t = %{x}: %{customdata:.3e}<extra></extra>`,
          },
          range,
        ),
      );
    });
    const last = curves[curves.length - 1];
    const first = last.values[0];
    const end = last.values[last.values.length - 1];
    const ratio = first === 0 ? '0 (underflow)' : end > 0 && first > 0 ? formatNumber(first / end) : 'n/a';
    findings.push(`${name}${last.trainingStep === undefined ? '' : ` at step ${last.trainingStep}`}: ${ratio}`);
  }
  const T = Math.max(...list.map((s) => s.values.length));
  const title = options.title ?? `First input's gradient relative to the last's, |∂loss/∂x<sub>1</sub>| / |∂loss/∂x<sub>${T}</sub>|: ${findings.join('; ')}`;
  const summary =
    `Gradient of the loss with respect to each input time step (log scale), t = 1 to ${T}, for ${names.join(', ')}; ` +
    `ratio first/last input: ${findings.join('; ')}.`;
  const layout = {
    ...baseLayout({ name: options.name ?? 'gradient-through-time', title, summary }),
    xaxis: linearAxis('time step t of the input (1 = first)', { range: [0.5, T + 0.5] }),
    yaxis: logAxis(options.yTitle ?? '|∂loss/∂x<sub>t</sub>| (L2 norm over the batch)', range),
    annotations: range.hasZeros ? [underflowNote()] : [],
  } as Layout;
  return { data, layout };
}
