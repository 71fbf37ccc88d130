/**
 * Diagnosis: probes turned into verdicts, each with its number, healthy range, source and remedy.
 *
 * @example
 *   import { diagnose } from 'gradscope';
 *   const report = await diagnose(model, data);
 */
export type { Symptom, VerdictStatus, Verdict, Diagnosis, DiagnoseOptions } from './diagnose';
export { LESSONS, diagnose, formatDiagnosis } from './diagnose';
