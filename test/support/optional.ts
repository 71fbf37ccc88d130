/**
 * Tests that need something a machine may lack (Chromium, the kernel conformance suite, PyTorch) ask here
 * whether they can run.
 *
 * Locally, a missing requirement skips those tests; the skip is recorded and listed, with the command that
 * enables it, in the summary printed at the very end of `npm test` (test/support/summary-reporter.js).
 * With CI=true nothing may be skipped: the requirement becomes a failing test that says what is missing.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as paths from '../../tools/paths';

/** Where skipped requirements are written during a run; the summary reporter reads and clears it. */
export const SKIP_LOG = path.join(paths.root, 'build', 'test-skips.jsonl');

export interface Requirement {
  /** What could not run, as the summary lists it: "browser test (test/browser/notebooks.test.ts)". */
  what: string;
  /** Why, in one line: "no Chromium on this machine". */
  reason: string;
  /** The command (or setting) that makes it run. */
  enable: string;
}

/** True when CI=true (or 1): then every test must run. */
export function strict(): boolean {
  return /^(1|true|yes)$/i.test(process.env.CI || '');
}

/**
 * Returns `available`. When it is false: records the skip for the summary, or, under CI, adds a failing
 * test naming what is missing. Call it at the top level of a test file.
 */
export function optional(available: boolean, requirement: Requirement): boolean {
  if (available) return true;
  fs.mkdirSync(path.dirname(SKIP_LOG), { recursive: true });
  fs.appendFileSync(SKIP_LOG, `${JSON.stringify(requirement)}\n`);
  if (strict()) {
    test(`${requirement.what} can run`, () => {
      throw new Error(`${requirement.what} could not run: ${requirement.reason}.\nEnable it with: ${requirement.enable}`);
    });
  }
  return false;
}
