// @ts-check
/**
 * One jest run covers everything `npm test` promises: the library's unit tests, the notebooks executed
 * for real through the `gradscope` kernel, and the browser and kernel-protocol checks.
 * Type checking is done once by `npm run build` (tsc); ts-jest only transpiles, which keeps runs fast.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json', diagnostics: false }],
  },
  testTimeout: 120000,
  // Two workers: one executes the notebooks (each once, side by side) while the other runs every test that
  // needs no executed notebook; the browser, site and exercise tests then read the shared executed copies.
  maxWorkers: 2,
  testSequencer: '<rootDir>/test/support/sequencer.js',
  // Names the run: every notebook is executed once per run and its executed copy shared (test/support/executions.ts).
  globalSetup: '<rootDir>/test/support/global-setup.js',
  // The last lines of every run: what could not run on this machine and how to enable it (CI=true: a failure).
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/build/', '<rootDir>/.venv/'],
};
