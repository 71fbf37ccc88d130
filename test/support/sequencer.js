// @ts-check
/**
 * The order `npm test` starts its files in (two jest workers): first the test that executes every notebook
 * through the real kernel (several side by side, test/support/executions.ts), then every test that needs no
 * executed notebook, slowest first, in the other worker, then the tests that read the executed notebooks
 * (the browser test, the course site, the exercises' both-ways run): by then the notebooks are done or
 * running, and those tests wait for them instead of executing them again. The kernel's own suites come last:
 * their timing checks (interrupt latency, replies within seconds) should not share the cores with the
 * notebooks' kernels.
 */
const Sequencer = require('@jest/test-sequencer').default;

/** Lower starts earlier; within a stage, jest's own order (failed first, then slowest first). */
const STAGES = [
  { stage: 0, pattern: /test[\\/]notebooks[\\/]notebooks\.test\.ts$/ },
  { stage: 2, pattern: /test[\\/](browser[\\/]notebooks|site[\\/]site|exercises[\\/]exercises)\.test\.ts$/ },
  { stage: 3, pattern: /test[\\/]kernel[\\/]/ },
];

/** @param {string} file */
function stageOf(file) {
  const found = STAGES.find((s) => s.pattern.test(file));
  return found ? found.stage : 1;
}

class NotebooksFirst extends Sequencer {
  /** @param {import('@jest/test-result').Test[]} tests */
  sort(tests) {
    const byDuration = /** @type {import('@jest/test-result').Test[]} */ (super.sort(tests));
    const rank = new Map(byDuration.map((test, index) => [test, index]));
    return [...tests].sort((a, b) => stageOf(a.path) - stageOf(b.path) || (rank.get(a) ?? 0) - (rank.get(b) ?? 0));
  }
}

module.exports = NotebooksFirst;
