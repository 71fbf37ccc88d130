/**
 * gradscope: see the vanishing gradient problem, its causes and its remedies.
 *
 * The everyday names, grouped in the order the data flows:
 *   set-up -> datasets -> models -> probes -> training -> records -> diagnosis -> plots -> display / export
 *   -> lessons.
 * Everything else (building blocks of the charts, histogram bins, Chromium helpers, initialiser classes,
 * seeded random numbers) is in `gradscope/advanced`.
 *
 * @example
 *   import { ready, moons, mlp, gradientNorms, firstToLast, byLayerFigure, show } from 'gradscope';
 *   await ready();
 *   const snapshot = gradientNorms(mlp({ inputs: 2, outputs: 1, depth: 20, width: 32, activation: 'sigmoid' }), moons({ n: 256 }));
 *   firstToLast(snapshot);                                  // the first layer's gradient over the last one's
 *   await show(byLayerFigure([{ name: 'sigmoid', snapshot }]));
 */

// ── Set-up: which TensorFlow.js backend computes. `await ready()` first in every notebook. ──
export { ready, backendInfo, fasterBackend, tf } from './core/backend';
export type { BackendInfo, BackendName, NetworkSize, ReadyOptions } from './core/backend';

// ── Datasets: seeded, deterministic, plain arrays of numbers. ──
export { spirals, moons, circles, xor, blobs } from './datasets/points';
export { addingProblem, temporalOrder, latch } from './datasets/sequences';
export { fromPairs } from './datasets/pairs';
export { digits, DIGIT_PIXELS } from './datasets/digits';
export type { DigitsOptions } from './datasets/digits';
export { toTensors, takeExamples, splitDataset } from './core/data';
export type { Task, Dataset, SequenceDataset, DataLike, TensorBatch } from './core/data';
export type { PointsOptions } from './datasets/points';
export type { SequenceOptions } from './datasets/sequences';

// ── Models: tf.layers models with exact seeded initial weights and stable layer names (dense_01, ...). ──
export { mlp } from './models/mlp';
export { recurrent, CELLS } from './models/recurrent';
export { modelInfo, ACTIVATIONS } from './models/info';
export { INITIALIZERS } from './models/initializers';
export type { MlpOptions } from './models/mlp';
export type { RecurrentOptions, CellName } from './models/recurrent';
export type { ActivationName, ModelInfo } from './models/info';
export type { InitName } from './models/initializers';

// ── Probes: look inside a model, get plain JSON back (no tensors). ──
export { gradientNorms } from './probes/gradients';
export { activationGradients } from './probes/activation-gradients';
export { activationStats } from './probes/activations';
export { weightStats, copyWeights } from './probes/weights';
export { gradientOverTime } from './probes/time';
export { unitInputs } from './probes/unit-inputs';
export { probeCallback } from './probes/callback';
export type { GradientSnapshot, LayerGradient } from './probes/gradients';
export type { ActivationGradientSnapshot } from './probes/activation-gradients';
export type { ActivationSnapshot, LayerActivation } from './probes/activations';
export type { WeightSnapshot, WeightCopy } from './probes/weights';
export type { TimeGradientSnapshot } from './probes/time';
export type { UnitChoice, UnitInputSnapshot, UnitInputsOptions } from './probes/unit-inputs';
export type { UpdateSnapshot } from './probes/updates';
export type { ProbeOptions, ProbeLog } from './probes/run';
export type { ProbeCallback } from './probes/callback';

// ── Training: the loop with probes, evaluation, clipping. ──
export { train, describeHistory } from './training/train';
export { trainTogether } from './training/together';
export { trainEach } from './training/each';
export { trainGroups } from './training/groups';
export { evaluate } from './training/evaluate';
export { baselines } from './training/baselines';
export type { Baselines, BaselineScore, BaselineOptions } from './training/baselines';
export { clipGradients } from './training/clipping';
export { OPTIMIZERS } from './training/optimizers';
export { LOSSES } from './core/losses';
export type { TrainOptions, History, StepRecord } from './training/train';
export type { TogetherOptions } from './training/together';
export type { TogetherGroup } from './training/groups';
export type { Evaluation } from './training/evaluate';
export type { OptimizerName } from './training/optimizers';
export type { LossName } from './core/losses';

// ── Records: plain functions over probe records and histories (statistics over seeds, layer lookups, curves). ──
export { mean, median, quantile, summarize, summarizeSeries, overSeeds } from './records/stats';
export { layerValue, byLayer, firstToLast, factorPerLayer, layerStepGrid, layerOverTraining, lastOf } from './records/layers';
export { lossSeries, smooth, tailMean, headMean } from './records/history';
export { distanceFromInitial } from './records/weights';
export { spreadAcrossExamples, slopeByLayer } from './records/examples';
export type { Summary, SeriesSummary } from './records/stats';
export type { LayerProfile, LayerStepGrid, SnapshotOfLayers } from './records/layers';
export type { LossSeries, StepMetric } from './records/history';

// ── Diagnosis: a verdict per symptom with the measured number, the healthy range, its source and the remedy. ──
export { diagnose, formatDiagnosis } from './diagnosis/diagnose';
export type { Diagnosis, Verdict, Symptom, DiagnoseOptions } from './diagnosis/diagnose';

// ── Plots: records in, Plotly figure JSON out. ──
export { byLayerFigure, BY_LAYER_QUANTITIES } from './plots/by-layer';
export { lossCurvesFigure } from './plots/training';
export { baselineLines } from './plots/baselines';
export type { BaselineLinesOptions } from './plots/baselines';
export { gradientHeatmapFigure, normsOverTrainingFigure } from './plots/gradients';
export { histogramSliderFigure } from './plots/histograms';
export { unitBarsFigure } from './plots/units';
export { gradientThroughTimeFigure } from './plots/recurrent';
export { lossSurfaceFigure } from './plots/surface';
export { activationFigure } from './plots/activation';
export { withName } from './plots/figure';
export type { Figure } from './plots/figure';
export type { ByLayerQuantity, ByLayerSeries, ByLayerOptions } from './plots/by-layer';

// ── Display and export: charts in a notebook, figures to files. ──
export { show, liveChart, mimeBundle, isFigure } from './display/index';
export { saveFigure } from './export/files';
export type { ShowOptions, LiveChart } from './display/index';

// ── Lessons: a claim checked against the measured number. ──
export { finding } from './lessons/finding';
export type { FindingOptions } from './lessons/finding';
export { EXERCISE_MIME_TYPE, checkExercise, gradeExercise } from './lessons/exercise';
export type { ExerciseOptions, ExerciseRecord, CheckResult } from './lessons/exercise';
export { readProgress, describeProgress, showProgress } from './lessons/progress';
export type { LessonProgress, ExerciseProgress } from './lessons/progress';
