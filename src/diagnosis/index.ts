/**
 * Diagnosis: probes turned into verdicts, each with its number, healthy range, source and remedy.
 *
 * @example
 *   import { diagnose } from 'gradscope';
 *   const report = await diagnose(model, data);
 */
export type { Symptom, VerdictStatus, Verdict, Diagnosis, DiagnoseOptions } from './diagnose';
export { LESSONS, diagnose, formatDiagnosis } from './diagnose';
export { LESSON_CATALOGUE } from './lessons';
export type { Lesson, LessonKey } from './lessons';
export { SYMPTOM_CHECKS, guessingLoss } from './symptoms';
export type { SymptomCheck } from './symptoms';
export type { Evidence } from './evidence';
