/**
 * The lesson catalogue: which notebook teaches what. A verdict that is not ok points at one of these.
 * Held as data, so the library never looks for notebook files on disk.
 */
export interface Lesson {
  /** The notebook, relative to the pack's root. */
  notebook: string;
  /** What it teaches, in a few words. */
  title: string;
}

export const LESSON_CATALOGUE = {
  sigmoidSaturation: { notebook: 'notebooks/01-sigmoid-saturation.ipynb', title: 'sigmoid saturation' },
  reluFamily: { notebook: 'notebooks/02-relu-family.ipynb', title: 'the ReLU family and dead units' },
  initialization: { notebook: 'notebooks/03-initialization.ipynb', title: 'initialisation' },
  batchNormalization: { notebook: 'notebooks/04-batch-normalization.ipynb', title: 'batch normalisation' },
  residualConnections: { notebook: 'notebooks/05-residual-connections.ipynb', title: 'residual connections' },
  lstmGru: { notebook: 'notebooks/06-lstm-gru.ipynb', title: 'LSTM and GRU' },
  gradientClipping: { notebook: 'notebooks/07-gradient-clipping.ipynb', title: 'gradient clipping' },
  recognizing: { notebook: 'notebooks/08-recognizing-the-problem.ipynb', title: 'recognising the problem' },
  preTraining: { notebook: 'notebooks/09-pre-training.ipynb', title: 'layer-wise pre-training' },
} as const satisfies Record<string, Lesson>;

export type LessonKey = keyof typeof LESSON_CATALOGUE;

/** The notebook of each lesson, by key (what a verdict's `lesson` holds). */
export const LESSONS = Object.fromEntries(Object.entries(LESSON_CATALOGUE).map(([key, lesson]) => [key, lesson.notebook])) as {
  readonly [K in LessonKey]: (typeof LESSON_CATALOGUE)[K]['notebook'];
};
