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
const path = require('path');
const Sequencer = require('@jest/test-sequencer').default;

/** Lower starts earlier; within a stage, the slowest first. */
const STAGES = [
  { stage: 0, pattern: /test[\\/]notebooks[\\/]notebooks\.test\.ts$/ },
  { stage: 2, pattern: /test[\\/](browser[\\/]notebooks|site[\\/]site|exercises[\\/]exercises)\.test\.ts$/ },
  // The cell cache's tests compile lessons but measure no timing: they run with the library's tests.
  { stage: 1, pattern: /test[\\/]kernel[\\/]cell-cache\.test\.ts$/ },
  { stage: 3, pattern: /test[\\/]kernel[\\/]/ },
];

/**
 * Seconds each long file takes in a run from a fresh clone (measured in one, less what later changes to the tests
 * measured to save; no jest cache there), so that such a run starts the longest first too; jest's own record
 * of the last run on this machine, when it has one, wins. A file not listed counts as one second.
 */
const EXPECTED_SECONDS = {
  'notebooks/notebooks.test.ts': 433,
  'site/site.test.ts': 178,
  'classroom/postbuild.test.ts': 172,
  'browser/notebooks.test.ts': 115,
  'browser/figures.test.ts': 110,
  'kernel/cell-cache.test.ts': 98,
  'setup.test.ts': 81,
  'library/each.test.ts': 40,
  'kernel/robustness.test.ts': 45,
  'kernel/learner.test.ts': 45,
  'library/hostile-train.test.ts': 28,
  'library/kernel-blocks.test.ts': 30,
  'library/kernel-optimizers.test.ts': 26,
  'library/threads.test.ts': 15,
  'library/kernel-batchnorm.test.ts': 24,
  'library/training.test.ts': 23,
  'kernel/conformance.test.ts': 21,
  'library/kernel-probes.test.ts': 20,
  'exercises/exercises.test.ts': 19,
  'library/diagnose.test.ts': 16,
  'library/kernel-step.test.ts': 14,
  'classroom/anywhere.test.ts': 11,
  'plots/export.test.ts': 11,
  'architecture/layers.test.ts': 10,
  'backend.test.ts': 8,
  'library/together.test.ts': 8,
};

/** @param {string} file */
function expectedSeconds(file) {
  const relative = path.relative(path.join(__dirname, '..'), file).split(path.sep).join('/');
  return EXPECTED_SECONDS[/** @type {keyof typeof EXPECTED_SECONDS} */ (relative)] ?? 1;
}

/** @param {string} file */
function stageOf(file) {
  const found = STAGES.find((s) => s.pattern.test(file));
  return found ? found.stage : 1;
}

class NotebooksFirst extends Sequencer {
  /** @param {import('@jest/test-result').Test[]} tests */
  sort(tests) {
    // jest's order sets each test's duration from its record of the last run on this machine, where it has one.
    const byJest = /** @type {import('@jest/test-result').Test[]} */ (super.sort(tests));
    const rank = new Map(byJest.map((test, index) => [test, index]));
    /** @param {import('@jest/test-result').Test} test */
    const seconds = (test) => (test.duration != null ? test.duration / 1000 : expectedSeconds(test.path));
    return [...tests].sort(
      (a, b) => stageOf(a.path) - stageOf(b.path) || seconds(b) - seconds(a) || (rank.get(a) ?? 0) - (rank.get(b) ?? 0),
    );
  }
}

module.exports = NotebooksFirst;
