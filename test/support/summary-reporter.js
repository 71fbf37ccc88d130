// @ts-check
/**
 * The last lines of every `npm test`: what could not run on this machine, the command that enables each,
 * and one plain line `npm test: N passed, N failed, N skipped`. Under CI=true a skipped test fails the run (jest reports the error this reporter returns).
 */
'use strict';
const fs = require('fs');
const path = require('path');
const paths = require('../../tools/paths');

const SKIP_LOG = path.join(paths.root, 'build', 'test-skips.jsonl');

/** @returns {{ what: string, reason: string, enable: string }[]} */
function readSkips() {
  if (!fs.existsSync(SKIP_LOG)) return [];
  const seen = new Set();
  const skips = [];
  for (const line of fs.readFileSync(SKIP_LOG, 'utf8').split('\n')) {
    if (!line.trim() || seen.has(line)) continue;
    seen.add(line);
    skips.push(JSON.parse(line));
  }
  return skips;
}

class SummaryReporter {
  constructor() {
    /** @type {Error | undefined} */
    this.error = undefined;
  }

  onRunStart() {
    fs.rmSync(SKIP_LOG, { force: true });
  }

  /**
   * @param {unknown} _contexts
   * @param {{ numPassedTests: number, numFailedTests: number, numPendingTests: number, numTodoTests: number,
   *   numTotalTests: number, numRuntimeErrorTestSuites: number }} results
   */
  onRunComplete(_contexts, results) {
    const skips = readSkips();
    fs.rmSync(SKIP_LOG, { force: true });
    const skippedTests = results.numPendingTests + results.numTodoTests;
    const strict = /^(1|true|yes)$/i.test(process.env.CI || '');
    const lines = ['', 'What could not run on this machine:'];
    if (skips.length === 0 && skippedTests === 0) {
      lines.push('  nothing: every test ran.');
    } else {
      for (const skip of skips) {
        lines.push(`  - ${skip.what}: ${skip.reason}.`, `      enable: ${skip.enable}`);
      }
      if (skippedTests > 0) lines.push(`  (${skippedTests} of ${results.numTotalTests} tests skipped in all)`);
      if (strict) {
        lines.push('  CI=true: a skipped test is a failure here.');
        this.error = new Error(`${skippedTests} tests were skipped under CI=true`);
      } else {
        lines.push('  (with CI=true these are failures; .ci/run installs everything they need)');
      }
    }
    // One plain closing line: N passed, N failed, N skipped (a suite that could not load counts as failed).
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    lines.push('', `npm test: ${results.numPassedTests} passed, ${failed} failed, ${skippedTests} skipped`);
    // Written when the process exits, so that it comes after jest's own summary.
    const text = `${lines.join('\n')}\n`;
    process.once('exit', () => fs.writeSync(2, text));
  }

  getLastError() {
    return this.error;
  }
}

module.exports = SummaryReporter;
