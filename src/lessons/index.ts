export { FINDING_MIME_TYPE, finding, checkFinding, describeFinding } from './finding';
export type { Finding, FindingOptions } from './finding';
export { EXERCISE_MIME_TYPE, checkExercise, gradeExercise, showExercise, exerciseBundle } from './exercise';
export type { ExerciseOptions, ExerciseRecord, CheckResult } from './exercise';
export { readProgress, readNotebookProgress, describeProgress, showProgress } from './progress';
export type { LessonProgress, ExerciseProgress } from './progress';
