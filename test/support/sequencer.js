// @ts-check
/**
 * The order `npm test` runs its files in: quick unit tests first, then the test that executes every notebook
 * through the real kernel (it writes build/executed/), then the tests that read those executed copies (the
 * browser test, the course site) instead of executing every notebook again, then the rest by size.
 */
const Sequencer = require('@jest/test-sequencer').default;

/** Lower runs earlier. */
const STAGES = [
  { stage: 1, pattern: /test[\\/]notebooks[\\/]notebooks\.test\.ts$/ },
  { stage: 2, pattern: /test[\\/](browser|site)[\\/]/ },
  { stage: 3, pattern: /test[\\/](exercises|classroom|kernel)[\\/]/ },
];

/** @param {string} file */
function stageOf(file) {
  const found = STAGES.find((s) => s.pattern.test(file));
  return found ? found.stage : 0;
}

class NotebooksFirst extends Sequencer {
  /** @param {import('@jest/test-result').Test[]} tests */
  sort(tests) {
    return [...tests].sort((a, b) => stageOf(a.path) - stageOf(b.path) || a.path.localeCompare(b.path));
  }
}

module.exports = NotebooksFirst;
