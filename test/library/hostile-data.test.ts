/**
 * Hostile data and options: every bad input below must fail with one clear error that names the function,
 * the field, the value seen and what is allowed ("fn: field is X; allowed: Y", or for a misspelt option
 * "fn: unknown field 'k' in options; allowed fields: ..."), and leave no tensor behind. A few good inputs
 * at the end make sure the checks do not refuse what is fine.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ready } from '../../src/core/backend';
import {
  activationFigure,
  activationStats,
  baselines,
  blobs,
  byLayerFigure,
  diagnose,
  digits,
  evaluate,
  fromPairs,
  gradientHeatmapFigure,
  gradientNorms,
  gradientThroughTimeFigure,
  histogramSliderFigure,
  latch,
  lossCurvesFigure,
  lossSurfaceFigure,
  mlp,
  normsOverTrainingFigure,
  saveFigure,
  spirals,
  splitDataset,
  takeExamples,
  toTensors,
  train,
  trainTogether,
  unitBarsFigure,
} from '../../src/advanced';
import { checkFinding, finding } from '../../src/lessons/finding';
import { closestName } from '../../src/core/check';
import { CHROMIUM_FLAGS, chromiumFlags } from '../../src/export/chromium';

beforeAll(async () => {
  await ready({ quiet: true });
});

let model: tf.LayersModel;
let model3: tf.LayersModel;
beforeAll(() => {
  model = mlp({ inputs: 2, outputs: 1, depth: 2, width: 4, seed: 0 });
  model3 = mlp({ inputs: 2, outputs: 3, depth: 2, width: 4, seed: 0 });
});
afterAll(() => {
  model.dispose();
  model3.dispose();
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-hostile-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const quiet = { quiet: true, steps: 2, probes: false as const };
const x2 = [[0, 1], [1, 0]];
const spiralsWith = (change: (d: ReturnType<typeof spirals>) => void) => {
  const d = spirals({ n: 8 });
  change(d);
  return d;
};
const grid = { x: [0, 1], y: [0, 1], loss: [[1, 2], [3, 4]] };

/** What an error must say: `fn: field is value; allowed: ...allowed...`. */
const says = (fn: string, field: string, value: string, allowed: string) => ({ prefix: `${fn}: ${field} is ${value}; allowed: `, allowed });
/** What a misspelt option must say: `fn: unknown field 'key' in what; allowed fields: ...` and, where close, "did you mean". */
const unknown = (fn: string, key: string, allowed: string, what = 'options') => ({ prefix: `${fn}: unknown field '${key}' in ${what}; allowed fields: `, allowed });

type Expect = { prefix: string; allowed: string };
type Case = [string, () => unknown, Expect];

const cases: Case[] = [
  // train: labels, numbers, shapes, task and loss
  ['train: binary labels 5 and -3', () => train(model, { x: x2, y: [[5], [-3]], task: 'binary' }, quiet), says('train', 'data.y[0][0]', '5', "0 or 1 (task 'binary'")],
  ['train: binary label -3 second', () => train(model, { x: x2, y: [[1], [-3]], task: 'binary' }, quiet), says('train', 'data.y[1][0]', '-3', '0 or 1')],
  ['train: binary label 0.5', () => train(model, { x: x2, y: [[0.5], [1]], task: 'binary' }, quiet), says('train', 'data.y[0][0]', '0.5', '0 or 1')],
  ['train: cross-entropy on targets 5', () => train(model, { x: x2, y: [[5], [-3]] }, { ...quiet, loss: 'binaryCrossEntropy' }), says('train', 'data.y[0][0]', '5', "a number from 0 to 1 (loss 'binaryCrossEntropy'")],
  ['train: softmax loss on one column', () => train(model, { x: x2, y: [[1], [0]] }, { ...quiet, loss: 'softmaxCrossEntropy' }), says('train', 'data.y[0]', '[1]', "a one-hot row")],
  ['train: NaN input', () => train(model, { x: [[0, NaN], [1, 0]], y: [[0], [1]] }, quiet), says('train', 'data.x[0][1]', 'NaN', 'a finite number')],
  ['train: Infinity input', () => train(model, { x: [[0, 1], [Infinity, 0]], y: [[0], [1]] }, quiet), says('train', 'data.x[1][0]', 'Infinity', 'a finite number')],
  ['train: -Infinity target', () => train(model, { x: x2, y: [[0], [-Infinity]] }, quiet), says('train', 'data.y[1][0]', '-Infinity', 'a finite number')],
  ['train: NaN target', () => train(model, { x: x2, y: [[NaN], [1]] }, quiet), says('train', 'data.y[0][0]', 'NaN', 'a finite number')],
  ['train: empty data', () => train(model, { x: [], y: [] }, quiet), says('train', 'data.x', '[]', 'a non-empty array')],
  ['train: empty targets', () => train(model, { x: x2, y: [] }, quiet), says('train', 'data.y', '[]', 'a non-empty array')],
  ['train: ragged rows', () => train(model, { x: [[0, 1], [1]], y: [[0], [1]] }, quiet), says('train', 'data.x[1]', '[1]', 'an array of 2 entries, like data.x[0]')],
  ['train: ragged targets', () => train(model, { x: x2, y: [[0], [1, 0]] }, quiet), says('train', 'data.y[1]', '[1,0]', 'an array of 1 entries')],
  ['train: string input', () => train(model, { x: [['0', 1], [1, 0]] as never, y: [[0], [1]] }, quiet), says('train', 'data.x[0][0]', "'0'", 'a finite number')],
  ['train: null input', () => train(model, { x: [[null, 1], [1, 0]] as never, y: [[0], [1]] }, quiet), says('train', 'data.x[0][0]', 'null', 'a finite number')],
  ['train: string target', () => train(model, { x: x2, y: [['1'], [0]] as never }, quiet), says('train', 'data.y[0][0]', "'1'", 'a finite number')],
  ['train: x is a string', () => train(model, { x: 'abc' as never, y: [[0]] }, quiet), says('train', 'data.x', "'abc'", 'a non-empty array')],
  ['train: x rows are numbers', () => train(model, { x: [[0, 1], 5] as never, y: [[0], [1]] }, quiet), says('train', 'data.x[1]', '5', 'an array of 2 entries')],
  ['train: more targets than examples', () => train(model, { x: x2, y: [[0], [1], [1]] }, quiet), says('train', 'data.y length', '3', 'the number of examples in data.x (2)')],
  ["train: task 'classification'", () => train(model, { x: x2, y: [[0], [1]], task: 'classification' as never }, quiet), says('train', 'data.task', "'classification'", "one of 'binary', 'multiclass', 'regression'")],
  ['train: multiclass row not one-hot', () => train(model3, { x: x2, y: [[0, 2, 0], [1, 0, 0]], task: 'multiclass' }, quiet), says('train', 'data.y[0]', '[0,2,0]', 'a one-hot row')],
  ['train: multiclass row sums to 2', () => train(model3, { x: x2, y: [[1, 1, 0], [1, 0, 0]], task: 'multiclass' }, quiet), says('train', 'data.y[0]', '[1,1,0]', 'a one-hot row')],
  ['train: multiclass with one column', () => train(model, { x: x2, y: [[1], [0]], task: 'multiclass' }, quiet), says('train', 'data.y[0]', '[1]', 'a one-hot row')],
  ['train: label out of range', () => train(model, spiralsWith((d) => (d.labels![0] = 7)), quiet), says('train', 'data.labels[0]', '7', 'a class number from 0 to 1')],
  ['train: label not whole', () => train(model, spiralsWith((d) => (d.labels![2] = 0.5)), quiet), says('train', 'data.labels[2]', '0.5', 'a class number from 0 to 1')],
  ['train: label disagrees with y', () => train(model, spiralsWith((d) => (d.labels![0] = 1 - d.labels![0])), quiet), { prefix: 'train: data.labels[0] is ', allowed: 'the class data.y[0] encodes' }],
  ['train: labels too short', () => train(model, spiralsWith((d) => (d.labels = d.labels!.slice(1))), quiet), says('train', 'data.labels', 'an array of length 7', 'an array of 8 class numbers')],
  ['train: classes 1', () => train(model, spiralsWith((d) => (d.classes = 1)), quiet), says('train', 'data.classes', '1', 'a whole number of at least 2')],
  ['train: NaN in a tensor', () => withTensors([[0, NaN], [1, 0]], [[0], [1]], (x, y) => train(model, { x, y }, quiet)), says('train', 'data.x (flat entry 1)', 'NaN', 'finite numbers only')],
  ['train: binary tensor target 5', () => withTensors(x2, [[5], [1]], (x, y) => train(model, { x, y, task: 'binary' }, quiet)), says('train', 'data.y row 0', '[5]', '0 or 1')],
  ['train: empty tensor', () => withTensors(null, [[0]], (x, y) => train(model, { x: x!, y }, quiet), [0, 2]), says('train', 'data.x shape', "'[0, 2]'", 'at least one example')],
  ['train: rank-1 tensor input', () => withTensors(null, [[0], [1]], (x, y) => train(model, { x: x!, y }, quiet), [2]), says('train', 'data.x shape', "'[2]'", 'a tensor of rank 2 to 4')],
  ['train: ragged sequences', () => train(model, { x: [[[1], [2]], [[1]]], y: [[0], [1]] }, quiet), says('train', 'data.x[1]', '[[1]]', 'an array of 2 entries')],
  ['train: NaN in a sequence', () => train(model, { x: [[[1], [NaN]], [[1], [2]]], y: [[0], [1]] }, quiet), says('train', 'data.x[0][1][0]', 'NaN', 'a finite number')],
  ['train: NaN in validation', () => train(model, spirals({ n: 8 }), { ...quiet, validation: { x: [[NaN, 0]], y: [[0]] } }), says('train', 'validation.x[0][0]', 'NaN', 'a finite number')],
  ['train: binary validation label 2', () => train(model, spirals({ n: 8 }), { ...quiet, validation: { x: [[0, 0]], y: [[2]], task: 'binary' } }), says('train', 'validation.y[0][0]', '2', '0 or 1')],
  ['train: empty probe data', () => train(model, spirals({ n: 8 }), { quiet: true, steps: 1, probes: { data: { x: [], y: [] } } }), says('train', 'probes.data.x', '[]', 'a non-empty array')],
  ['train: data null', () => train(model, null as never, quiet), says('train', 'data', 'null', 'a gradscope dataset')],
  ['trainTogether: binary label 5', () => trainTogether([model], { x: x2, y: [[5], [0]], task: 'binary' }, quiet), says('trainTogether', 'data.y[0][0]', '5', '0 or 1')],
  ['trainTogether: NaN input', () => trainTogether([model], { x: [[NaN, 0], [0, 0]], y: [[1], [0]] }, quiet), says('trainTogether', 'data.x[0][0]', 'NaN', 'a finite number')],

  // evaluate, diagnose, probes, baselines, toTensors: the same data checks at every entry point
  ['evaluate: NaN input', () => evaluate(model, { x: [[0, NaN]], y: [[0]] }), says('evaluate', 'data.x[0][1]', 'NaN', 'a finite number')],
  ['evaluate: empty data', () => evaluate(model, { x: [], y: [] }), says('evaluate', 'data.x', '[]', 'a non-empty array')],
  ['evaluate: binary label 5', () => evaluate(model, { x: x2, y: [[5], [0]], task: 'binary' }), says('evaluate', 'data.y[0][0]', '5', '0 or 1')],
  ['evaluate: cross-entropy on -3', () => evaluate(model, { x: x2, y: [[1], [-3]] }, { loss: 'binaryCrossEntropy' }), says('evaluate', 'data.y[1][0]', '-3', 'a number from 0 to 1')],
  ['evaluate: bad task', () => evaluate(model, { x: x2, y: [[1], [0]], task: 'regresion' as never }), says('evaluate', 'data.task', "'regresion'", "one of 'binary'")],
  ['diagnose: one NaN input', () => diagnose(model, spiralsWith((d) => (d.x[3][0] = NaN))), says('diagnose', 'data.x[3][0]', 'NaN', 'a finite number')],
  ['diagnose: binary labels 5 and -3', () => diagnose(model, { x: x2, y: [[5], [-3]], task: 'binary' }), says('diagnose', 'data.y[0][0]', '5', '0 or 1')],
  ['diagnose: empty data', () => diagnose(model, { x: [], y: [] }), says('diagnose', 'data.x', '[]', 'a non-empty array')],
  ['gradientNorms: NaN input', () => gradientNorms(model, { x: [[NaN, 0]], y: [[0]] }), says('gradientNorms', 'data.x[0][0]', 'NaN', 'a finite number')],
  ['gradientNorms: ragged', () => gradientNorms(model, { x: [[0, 0], [0]], y: [[0], [1]] }), says('gradientNorms', 'data.x[1]', '[0]', 'an array of 2 entries')],
  ['activationStats: Infinity input', () => activationStats(model, { x: [[Infinity, 0]], y: [[0]] }), says('activationStats', 'data.x[0][0]', 'Infinity', 'a finite number')],
  ['baselines: binary labels 5 and -3', () => baselines({ x: x2, y: [[5], [-3]], task: 'binary' }), says('baselines', 'data.y[0][0]', '5', '0 or 1')],
  ['baselines: NaN input', () => baselines({ x: [[0, NaN], [1, 1]], y: [[0], [1]], task: 'binary' }), says('baselines', 'data.x[0][1]', 'NaN', 'a finite number')],
  ['baselines: empty data', () => baselines({ x: [], y: [], task: 'binary' }), says('baselines', 'data.x', '[]', 'a non-empty array')],
  ['baselines: NaN in test', () => baselines({ x: x2, y: [[0], [1]], task: 'binary' }, { test: { x: [[NaN, 1]], y: [[0]] } }), says('baselines', 'options.test.x[0][0]', 'NaN', 'a finite number')],
  ['baselines: task classification', () => baselines({ x: x2, y: [[0], [1]], task: 'classification' as never }), says('baselines', 'data.task', "'classification'", "one of 'binary', 'multiclass', 'regression'")],
  ['baselines: misspelt option', () => baselines({ x: x2, y: [[0], [1]], task: 'binary' }, { step: 5 } as never), unknown('baselines', 'step', "test, steps, learningRate, l2 (did you mean 'steps'?)")],
  ['toTensors: NaN', () => toTensors({ x: [[NaN]], y: [[0]] }), says('toTensors', 'data.x[0][0]', 'NaN', 'a finite number')],
  ['toTensors: ragged', () => toTensors({ x: [[1, 2], [3]], y: [[0], [1]] }), says('toTensors', 'data.x[1]', '[3]', 'an array of 2 entries')],
  ['toTensors: strings', () => toTensors({ x: [['a']] as never, y: [[0]] }), says('toTensors', 'data.x[0][0]', "'a'", 'a finite number')],

  // fromPairs
  ['fromPairs: string input', () => fromPairs([{ input: ['a', 1] as never, output: [1] }]), says('fromPairs', 'pairs[0].input[0]', "'a'", 'a finite number')],
  ['fromPairs: NaN input', () => fromPairs([{ input: [0, 1], output: [1] }, { input: [NaN, 1], output: [0] }]), says('fromPairs', 'pairs[1].input[0]', 'NaN', 'a finite number')],
  ['fromPairs: Infinity output', () => fromPairs([{ input: [0], output: [Infinity] }]), says('fromPairs', 'pairs[0].output[0]', 'Infinity', 'a finite number')],
  ['fromPairs: empty list', () => fromPairs([]), says('fromPairs', 'pairs', '[]', 'a non-empty array')],
  ['fromPairs: empty input', () => fromPairs([{ input: [], output: [1] }]), says('fromPairs', 'pairs[0].input', '[]', 'a non-empty array')],
  ['fromPairs: ragged inputs', () => fromPairs([{ input: [0, 1], output: [1] }, { input: [0], output: [1] }]), says('fromPairs', 'pairs[1].input', '[0]', 'a non-empty array of 2 numbers')],
  ['fromPairs: ragged outputs', () => fromPairs([{ input: [0], output: [1, 0] }, { input: [1], output: [1] }]), says('fromPairs', 'pairs[1].output', '[1]', 'a non-empty array of 2 numbers')],
  ['fromPairs: missing output', () => fromPairs([{ input: [0] } as never]), says('fromPairs', 'pairs[0]', 'an object with keys input', '{input: number[], output: number[]}')],
  ["fromPairs: task 'classification'", () => fromPairs([{ input: [0], output: [1] }], { task: 'classification' as never }), says('fromPairs', 'options.task', "'classification'", "one of 'binary', 'multiclass', 'regression'")],
  ['fromPairs: binary output 5', () => fromPairs([{ input: [0], output: [1] }, { input: [1], output: [5] }], { task: 'binary' }), says('fromPairs', 'pairs[1].output[0]', '5', '0 or 1')],
  ['fromPairs: binary with two outputs', () => fromPairs([{ input: [0], output: [1, 0] }], { task: 'binary' }), says('fromPairs', 'pairs[0].output length', '2', "1 for task 'binary'")],
  ['fromPairs: multiclass not one-hot', () => fromPairs([{ input: [0], output: [0.5, 0.5] }], { task: 'multiclass' }), says('fromPairs', 'pairs[0].output', '[0.5,0.5]', 'a one-hot row')],
  ['fromPairs: misspelt option', () => fromPairs([{ input: [0], output: [1] }], { tsk: 'binary' } as never), unknown('fromPairs', 'tsk', "name, description, task (did you mean 'task'?)")],
  ['fromPairs: name not text', () => fromPairs([{ input: [0], output: [1] }], { name: 5 } as never), says('fromPairs', 'options.name', '5', 'a string')],
  ['fromPairs: pairs null', () => fromPairs(null as never), says('fromPairs', 'pairs', 'null', 'a non-empty array')],

  // findings: a typo must never weaken a check
  ['checkFinding: maximum', () => checkFinding({ id: 'a', statement: 's', value: 1, maximum: 10 } as never), unknown('checkFinding', 'maximum', "id, statement, value, min, max (did you mean 'max'?)")],
  ['checkFinding: minimum', () => checkFinding({ id: 'a', statement: 's', value: 1, minimum: 0, max: 2 } as never), unknown('checkFinding', 'minimum', "id, statement, value, min, max (did you mean 'min'?)")],
  ['checkFinding: Max', () => checkFinding({ id: 'a', statement: 's', value: 1, Max: 2 } as never), unknown('checkFinding', 'Max', "id, statement, value, min, max (did you mean 'max'?)")],
  ['checkFinding: value Infinity', () => checkFinding({ id: 'a', statement: 's', value: Infinity, min: 0 }), says('checkFinding', 'value', 'Infinity', 'a finite number')],
  ['checkFinding: value -Infinity', () => checkFinding({ id: 'a', statement: 's', value: -Infinity, max: 0 }), says('checkFinding', 'value', '-Infinity', 'a finite number')],
  ['checkFinding: value NaN', () => checkFinding({ id: 'a', statement: 's', value: NaN, max: 0 }), says('checkFinding', 'value', 'NaN', 'a finite number')],
  ['checkFinding: value a string', () => checkFinding({ id: 'a', statement: 's', value: '1' as never, max: 2 }), says('checkFinding', 'value', "'1'", 'a finite number')],
  ['checkFinding: max Infinity', () => checkFinding({ id: 'a', statement: 's', value: 1, max: Infinity }), says('checkFinding', 'max', 'Infinity', 'a finite number or undefined')],
  ['checkFinding: min NaN', () => checkFinding({ id: 'a', statement: 's', value: 1, min: NaN }), says('checkFinding', 'min', 'NaN', 'a finite number or undefined')],
  ['checkFinding: min > max', () => checkFinding({ id: 'a', statement: 's', value: 1, min: 5, max: 2 }), says('checkFinding', 'min', '5', 'a number at most max (2)')],
  ['checkFinding: options null', () => checkFinding(null as never), says('checkFinding', 'options', 'null', 'an object {id, statement, value, min, max}')],
  ['finding: maximum', () => finding({ id: 'a', statement: 's', value: 1, maximum: 10 } as never), unknown('finding', 'maximum', "id, statement, value, min, max (did you mean 'max'?)")],
  ['finding: value Infinity', () => finding({ id: 'a', statement: 's', value: Infinity, min: 0 }), says('finding', 'value', 'Infinity', 'a finite number')],

  // figure builders: misspelt options and wrong types
  ['activationFigure: titel', () => activationFigure('sigmoid', { titel: 'x' } as never), unknown('activationFigure', 'titel', "title, name, range, points (did you mean 'title'?)")],
  ['activationFigure: options a string', () => activationFigure('sigmoid', 'big' as never), says('activationFigure', 'options', "'big'", 'an object with some of the fields title, name, range, points')],
  ['byLayerFigure: ytitle', () => byLayerFigure([], { ytitle: 'x' } as never), unknown('byLayerFigure', 'ytitle', "quantity, title, name, yTitle, label, band (did you mean 'yTitle'?)")],
  ['gradientHeatmapFigure: nmae', () => gradientHeatmapFigure([], { nmae: 'x' } as never), unknown('gradientHeatmapFigure', 'nmae', "field, title, name, quantity, config (did you mean 'name'?)")],
  ['normsOverTrainingFigure: yTitel', () => normsOverTrainingFigure([], { yTitel: 'x' } as never), unknown('normsOverTrainingFigure', 'yTitel', "field, title, name, yTitle, config (did you mean 'yTitle'?)")],
  ['histogramSliderFigure: layer', () => histogramSliderFigure([], { layer: ['a'] } as never), unknown('histogramSliderFigure', 'layer', "kind, layers, title, name, initial (did you mean 'layers'?)")],
  ['gradientThroughTimeFigure: colour', () => gradientThroughTimeFigure([], { colour: 'red' } as never), unknown('gradientThroughTimeFigure', 'colour', 'title, name, yTitle')],
  ['lossSurfaceFigure: zTitle', () => lossSurfaceFigure(grid, [], { zTitle: 'x' } as never), unknown('lossSurfaceFigure', 'zTitle', "title, name, xTitle, yTitle (did you mean 'title'?)")],
  ['lossCurvesFigure: logy', () => lossCurvesFigure([], { logy: false } as never), unknown('lossCurvesFigure', 'logy', "title, name, logY, yTitle, xTitle (did you mean 'logY'?)")],
  ['lossCurvesFigure: title a number', () => lossCurvesFigure([], { title: 5 } as never), says('lossCurvesFigure', 'options.title', '5', 'a string')],
  ['unitBarsFigure: deadrules', () => unitBarsFigure([], { deadrules: 'x' } as never), unknown('unitBarsFigure', 'deadrules', "title, name, saturationRule, deadRule (did you mean 'deadRule'?)")],

  // saveFigure: refused before any browser starts
  ['saveFigure: widht', () => saveFigure(figure(), path.join(dir, 'a.png'), { widht: 800 } as never), unknown('saveFigure', 'widht', "formats, width, height, scale, quiet (did you mean 'width'?)")],
  ['saveFigure: width -5', () => saveFigure(figure(), path.join(dir, 'a.png'), { width: -5 }), says('saveFigure', 'width', '-5', 'an integer from 1 to 16384')],
  ['saveFigure: width 20000', () => saveFigure(figure(), path.join(dir, 'a.png'), { width: 20000, height: 20000 }), says('saveFigure', 'width', '20000', 'an integer from 1 to 16384')],
  ['saveFigure: height 0', () => saveFigure(figure(), path.join(dir, 'a.svg'), { height: 0 }), says('saveFigure', 'height', '0', 'an integer from 1 to 16384')],
  ['saveFigure: width 10.5', () => saveFigure(figure(), path.join(dir, 'a.png'), { width: 10.5 }), says('saveFigure', 'width', '10.5', 'an integer from 1 to 16384')],
  ['saveFigure: width NaN', () => saveFigure(figure(), path.join(dir, 'a.png'), { width: NaN }), says('saveFigure', 'width', 'NaN', 'an integer from 1 to 16384')],
  ['saveFigure: height a string', () => saveFigure(figure(), path.join(dir, 'a.png'), { height: '500' as never }), says('saveFigure', 'height', "'500'", 'an integer from 1 to 16384')],
  ['saveFigure: too many pixels', () => saveFigure(figure(), path.join(dir, 'a.png'), { width: 16384, height: 16384, scale: 2 }), says('saveFigure', 'width × height × scale²', '1073741824', 'at most 268435456 pixels')],
  ['saveFigure: scale 0', () => saveFigure(figure(), path.join(dir, 'a.png'), { scale: 0 }), says('saveFigure', 'scale', '0', 'a finite number greater than 0 and at most 10')],
  ['saveFigure: scale -1', () => saveFigure(figure(), path.join(dir, 'a.png'), { scale: -1 }), says('saveFigure', 'scale', '-1', 'a finite number greater than 0')],
  ['saveFigure: formats a string', () => saveFigure(figure(), path.join(dir, 'b'), { formats: 'png' as never }), says('saveFigure', 'options.formats', "'png'", 'a non-empty array')],
  ['saveFigure: formats empty', () => saveFigure(figure(), path.join(dir, 'b'), { formats: [] }), says('saveFigure', 'options.formats', '[]', 'a non-empty array')],
  ['saveFigure: quiet a string', () => saveFigure(figure(), path.join(dir, 'a.json'), { quiet: 'yes' as never }), says('saveFigure', 'quiet', "'yes'", 'true or false')],

  // datasets that take user values
  ['blobs: NaN centre', () => blobs({ centers: [[0, NaN], [1, 1]] }), says('blobs', 'centers', '[[0,null],[1,1]]', 'an array of at least 2 points')],
  ['spirals: noize', () => spirals({ noize: 0.1 } as never), unknown('spirals', 'noize', "n, noise, seed, classes, turns (did you mean 'noise'?)")],
  ['digits: size', () => digits({ size: 14 } as never), unknown('digits', 'size', 'n, seed')],
  ['takeExamples: n 0', () => takeExamples(spirals({ n: 8 }), 0), says('takeExamples', 'n', '0', 'an integer of at least 1')],
  ['splitDataset: testFraction 1.5', () => splitDataset(spirals({ n: 8 }), 1.5), says('splitDataset', 'testFraction', '1.5', 'a number between 0 and 1')],
];

/** Runs `use` with tensors made from the rows (or of `shape` filled with zeros), then frees them. */
async function withTensors(
  xRows: number[][] | null,
  yRows: number[][],
  use: (x: tf.Tensor, y: tf.Tensor) => unknown,
  shape?: number[],
): Promise<unknown> {
  const x = xRows ? tf.tensor2d(xRows) : tf.zeros(shape!);
  const y = tf.tensor2d(yRows);
  try {
    return await use(x, y);
  } finally {
    x.dispose();
    y.dispose();
  }
}

function figure() {
  return { data: [{ type: 'scatter', x: [1, 2], y: [3, 4] }], layout: { meta: { name: 'tiny', summary: 'two points' } } };
}

/** The error a call throws (or rejects with), or undefined when it succeeds. */
async function errorOf(run: () => unknown): Promise<Error | undefined> {
  try {
    await run();
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

test(`the table holds at least 80 bad inputs (${cases.length})`, () => {
  expect(cases.length).toBeGreaterThanOrEqual(80);
});

test.each(cases)('%s: a clear error, no tensor leaked', async (_label, run, expected) => {
  const before = tf.memory().numTensors;
  const error = await errorOf(run);
  expect(error).toBeInstanceOf(Error);
  const message = error!.message;
  expect(message.startsWith(expected.prefix) ? expected.prefix : message).toBe(expected.prefix);
  expect(message.slice(expected.prefix.length)).toContain(expected.allowed);
  expect(tf.memory().numTensors).toBe(before);
});

test('a bad image size fails at once, before any browser starts, and writes nothing', async () => {
  const target = path.join(dir, 'sizes', 'big.png');
  const started = Date.now();
  await expect(saveFigure(figure(), target, { width: -5 })).rejects.toThrow(/^saveFigure: width is -5/);
  expect(Date.now() - started).toBeLessThan(2000); // starting Chromium alone takes seconds
  expect(fs.existsSync(path.dirname(target))).toBe(false);
});

test('a misspelt name gets the closest allowed one, and only a close one', () => {
  expect(closestName('maximum', ['id', 'statement', 'value', 'min', 'max'])).toBe('max');
  expect(closestName('noize', ['n', 'noise', 'seed'])).toBe('noise');
  expect(closestName('colour', ['title', 'name', 'yTitle'])).toBeUndefined();
});

test('Chromium keeps its sandbox unless running as root', () => {
  expect(chromiumFlags(1000)).not.toContain('--no-sandbox');
  expect(chromiumFlags(0)).toContain('--no-sandbox');
  expect(CHROMIUM_FLAGS).toEqual(chromiumFlags(process.getuid?.()));
});

describe('good inputs are still accepted', () => {
  test('train on a dataset, and on regression targets 5 and -3 without a task (mean squared error)', async () => {
    const before = tf.memory().numTensors;
    expect((await train(model, spirals({ n: 8 }), quiet)).steps).toHaveLength(2);
    const h = await train(model, { x: x2, y: [[5], [-3]] }, quiet);
    expect(h.loss).toBe('meanSquaredError');
    expect(tf.memory().numTensors).toBe(before);
  });

  test('soft targets from 0 to 1 with binary cross-entropy, and tensors', async () => {
    const h = await train(model, { x: x2, y: [[0.3], [0.7]] }, { ...quiet, loss: 'binaryCrossEntropy' });
    expect(h.steps).toHaveLength(2);
    await withTensors(x2, [[0], [1]], async (x, y) => expect((await train(model, { x, y, task: 'binary' }, quiet)).steps).toHaveLength(2));
  });

  test('fromPairs guesses the task and accepts valid pairs of each kind', () => {
    expect(fromPairs([{ input: [0, 1], output: [1] }, { input: [1, 0], output: [0] }]).task).toBe('binary');
    expect(fromPairs([{ input: [0], output: [0, 1] }, { input: [1], output: [1, 0] }]).task).toBe('multiclass');
    expect(fromPairs([{ input: [0], output: [5] }, { input: [1], output: [-3] }]).task).toBe('regression');
    expect(fromPairs([{ input: [0], output: [1] }], { task: 'regression', name: 'one' }).name).toBe('one');
  });

  test('sequence, digit and split datasets pass every check', () => {
    const before = tf.memory().numTensors;
    for (const data of [latch({ n: 4, length: 5 }), digits({ n: 20 }), splitDataset(spirals({ n: 20, classes: 3 })).test]) {
      toTensors(data).dispose();
    }
    expect(evaluate(model, spirals({ n: 8 })).examples).toBe(8);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('a part sliced from a dataset that kept the whole labels list (as a probe batch is)', () => {
    const whole = spirals({ n: 20 });
    const part = { ...whole, x: whole.x.slice(0, 5), y: whole.y.slice(0, 5) };
    expect(gradientNorms(model, part).examples).toBe(5);
  });

  test('findings with one bound, both bounds, or min equal to max', () => {
    expect(checkFinding({ id: 'a', statement: 's', value: 1, min: 0 }).holds).toBe(true);
    expect(checkFinding({ id: 'a', statement: 's', value: 1, max: 0 }).holds).toBe(false);
    expect(checkFinding({ id: 'a', statement: 's', value: 0.25, min: 0.25, max: 0.25 }).holds).toBe(true);
  });

  test('figure builders and saveFigure with their real options', async () => {
    expect(lossCurvesFigure([{ name: 'relu', steps: [0, 10], values: [0.69, 0.4] }], { logY: false, title: 'losses', xTitle: 'step', yTitle: 'loss', name: 'losses' }).layout.meta.name).toBe('losses');
    expect(activationFigure('sigmoid', { range: [-3, 3], points: 11, name: 'sig' }).layout.meta.name).toBe('sig');
    const result = await saveFigure(figure(), path.join(dir, 'ok'), { formats: ['json', 'csv'], width: 800, height: 400, quiet: true });
    expect(result.written).toHaveLength(2);
  });
});
