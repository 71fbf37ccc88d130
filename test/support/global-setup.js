// @ts-check
/**
 * Once per jest run: names the run, so that test files share what this run already executed
 * (test/support/executions.ts reuses an executed notebook only within the same run). Setting
 * GRADSCOPE_TEST_RUN to the name of an earlier run (build/executed/runs/*.json) reuses its executions, for
 * re-running one test file against the notebooks as they were executed then.
 */
'use strict';

module.exports = async function globalSetup() {
  if (!process.env.GRADSCOPE_TEST_RUN) process.env.GRADSCOPE_TEST_RUN = `${Date.now()}-${process.pid}`;
};
